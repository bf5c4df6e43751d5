import Foundation

extension StatusReport {
  /// The report for scripts (`--output json`): every key present (null when unknown), sorted.
  public func json() -> String {
    var object: [String: Any] = [
      "generatedAt": StatusJSON.date(generatedAt),
      "exitStatus": Int(exitStatus),
      "nodes": nodes.map(nodeObject),
      "tailnet": ["known": tailnetProblem == nil, "error": StatusJSON.value(tailnetProblem)],
      "cpuSampleSeconds": cpuSampleSeconds,
    ]
    switch server {
    case .reachable(let name, let route):
      object["server"] = [
        "reachable": true, "name": name, "route": route.map { $0 as Any } ?? NSNull(),
        "error": NSNull(),
        "tried": [name],
      ]
    case .unreachable(let message, let tried):
      object["server"] = [
        "reachable": false, "name": NSNull(), "route": NSNull(), "error": message, "tried": tried,
      ]
    }
    object["pods"] = pods.map { $0.map(podObject) } ?? NSNull()
    object["flux"] = flux.map(StatusFluxText.jsonObject) ?? NSNull()
    object["capacity"] = capacity.map { $0.jsonObject() } ?? NSNull()
    return StatusJSON.text(object)
  }

  private func nodeObject(_ node: Node) -> [String: Any] {
    let kube = node.kube
    var object: [String: Any] = [
      "name": node.name,
      "inInventory": node.inInventory,
      "inventoryRole": StatusJSON.value(node.inventoryRole),
      "registered": kube != nil,
      "roles": kube?.roles ?? [],
      "status": StatusJSON.value(kube?.statusText),
      "ready": StatusJSON.value(kube?.ready),
      "cordoned": StatusJSON.value(kube?.unschedulable),
      "k3sVersion": StatusJSON.value(kube?.kubeletVersion),
      "tailscaleIP": StatusJSON.value(node.tailscaleIP),
      "tailnetOnline": StatusJSON.value(node.tailnetOnline),
      "gpus": StatusJSON.value(kube?.gpuCount),
      "createdAt": StatusJSON.value(kube?.createdAt.map(StatusJSON.date)),
    ]
    object["cpu"] =
      node.cpu.map { resource -> Any in
        [
          "capacityMillicores": StatusJSON.value(resource.capacity.map { Int64($0) }),
          "allocatableMillicores": StatusJSON.value(resource.allocatable.map { Int64($0) }),
          "requestedMillicores": Int64(resource.requested),
        ]
      } ?? NSNull()
    object["memory"] =
      node.memory.map { resource -> Any in
        [
          "capacityBytes": StatusJSON.value(resource.capacity.map { UInt64($0) }),
          "allocatableBytes": StatusJSON.value(resource.allocatable.map { UInt64($0) }),
          "requestedBytes": UInt64(resource.requested),
        ]
      } ?? NSNull()
    if let host = node.host {
      object["host"] = [
        "readable": true, "error": NSNull(),
        "cpuPercent": StatusJSON.value(host.cpuPercent.map { ($0 * 10).rounded() / 10 }),
        "cores": StatusJSON.value(host.cores),
        "memoryUsedBytes": host.memoryUsedBytes, "memoryTotalBytes": host.memoryTotalBytes,
        "diskUsedBytes": host.diskUsedBytes, "diskTotalBytes": host.diskTotalBytes,
        "readAt": StatusJSON.date(host.readAt),
      ]
    } else if let problem = node.hostProblem {
      object["host"] = ["readable": false, "error": problem]
    } else {
      object["host"] = NSNull()
    }
    return object
  }

  private func podObject(_ pod: Pod) -> [String: Any] {
    [
      "namespace": pod.namespace, "name": pod.name, "ready": pod.ready, "status": pod.status,
      "restarts": pod.restarts, "node": StatusJSON.value(pod.node),
      "createdAt": StatusJSON.value(pod.createdAt.map(StatusJSON.date)),
    ]
  }
}

/// JSON helpers shared by `status` and `drift`.
enum StatusJSON {
  /// The value, or JSON null.
  static func value<T>(_ optional: T?) -> Any { optional.map { $0 as Any } ?? NSNull() }

  /// RFC 3339 in UTC.
  static func date(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: date)
  }

  /// Pretty-printed with sorted keys.
  static func text(_ object: [String: Any]) -> String {
    let data =
      (try? JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
      ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}
