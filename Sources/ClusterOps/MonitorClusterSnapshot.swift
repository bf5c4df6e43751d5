import Foundation
import Kubernetes
import TerminalUI

/// The cluster objects one monitor refresh reads from the API (one list per kind).
struct MonitorClusterSnapshot: Sendable {
  /// The kinds read, as `kubectl get` takes them.
  static let kinds = "nodes,pods,deployments,daemonsets,statefulsets,events"
  /// At most this many events are kept (the newest).
  static let eventLimit = 100

  var server: String
  var nodes: [StatusKubeNode]
  var pods: [StatusKubePod]
  var workloads: [MonitorWorkload]
  var events: [MonitorEvent]
  var readAt: Date
  /// The event list's resourceVersion, to watch from.
  var eventsResourceVersion = ""
  /// The events by uid (the watch replaces an event when its count goes up).
  var eventsByUID: [String: MonitorEvent] = [:]

  /// Events by their uid.
  static func eventsByUID(_ items: [JSONValue]) -> [String: MonitorEvent] {
    var byUID: [String: MonitorEvent] = [:]
    for item in items {
      guard let uid = item[path: ["metadata", "uid"]]?.string,
        let event = MonitorWorkloads.event(item.foundation as? [String: Any] ?? [:])
      else { continue }
      byUID[uid] = event
    }
    return byUID
  }

  /// Sorts a `kubectl get KINDS -A -o json` list into nodes, pods, workloads and events.
  init(list: [String: Any], server: String, readAt: Date) {
    self.server = server
    self.readAt = readAt
    let items = list["items"] as? [[String: Any]] ?? []
    func of(_ kind: String) -> [[String: Any]] { items.filter { $0["kind"] as? String == kind } }
    nodes = of("Node").compactMap(StatusKubeNode.init)
    pods = of("Pod").compactMap(StatusKubePod.init)
    let allPods = self.pods
    workloads = (of("Deployment") + of("DaemonSet") + of("StatefulSet"))
      .compactMap { MonitorWorkloads.workload($0, pods: allPods) }
      .sorted { ($0.namespace, $0.kind, $0.name) < ($1.namespace, $1.kind, $1.name) }
    events = Array(
      of("Event").compactMap(MonitorWorkloads.event).sorted { $0.time > $1.time }
        .prefix(Self.eventLimit))
  }
}

/// Workloads and events from Kubernetes objects, for the monitor.
enum MonitorWorkloads {
  /// A Deployment, DaemonSet or StatefulSet with its pods' restarts, images and health.
  static func workload(_ json: [String: Any], pods: [StatusKubePod]) -> MonitorWorkload? {
    let metadata = json["metadata"] as? [String: Any] ?? [:]
    guard let kind = json["kind"] as? String, let name = metadata["name"] as? String else {
      return nil
    }
    let namespace = metadata["namespace"] as? String ?? "default"
    let spec = json["spec"] as? [String: Any] ?? [:]
    let status = json["status"] as? [String: Any] ?? [:]
    let desired: Int
    let ready: Int
    let updated: Int
    switch kind {
    case "DaemonSet":
      desired = status["desiredNumberScheduled"] as? Int ?? 0
      ready = status["numberReady"] as? Int ?? 0
      updated = status["updatedNumberScheduled"] as? Int ?? desired
    default:
      desired = spec["replicas"] as? Int ?? 1
      ready = status["readyReplicas"] as? Int ?? 0
      updated = status["updatedReplicas"] as? Int ?? (kind == "StatefulSet" ? desired : 0)
    }
    let generation = metadata["generation"] as? Int ?? 0
    let observed = status["observedGeneration"] as? Int ?? generation
    let owned = pods.filter { pod in
      guard pod.namespace == namespace, let owner = pod.workload else { return false }
      return owner.kind == kind && owner.name == name
    }
    let conditions = status["conditions"] as? [[String: Any]] ?? []
    let deadlineExceeded = conditions.contains {
      $0["type"] as? String == "Progressing" && $0["status"] as? String == "False"
    }
    let health: WorkloadHealth
    if owned.contains(where: \.isFailing) || deadlineExceeded {
      health = .failed
    } else if ready >= desired && updated >= desired && observed >= generation {
      health = .healthy
    } else if observed < generation || updated < desired {
      health = .progressing
    } else {
      health = .degraded
    }
    let template = (spec["template"] as? [String: Any])?["spec"] as? [String: Any] ?? [:]
    let images = (template["containers"] as? [[String: Any]] ?? []).compactMap {
      $0["image"] as? String
    }
    var details: [MonitorDetail] = []
    if !images.isEmpty { details.append(MonitorDetail("Images", images.joined(separator: ", "))) }
    details.append(MonitorDetail("Updated", "\(updated)/\(desired)"))
    for pod in owned.sorted(by: { $0.name < $1.name }) {
      details.append(
        MonitorDetail(
          "Pod",
          "\(pod.name) \(pod.displayStatus) \(pod.readyContainers)/\(pod.totalContainers) "
            + "ready, \(pod.restarts) restarts, on \(pod.nodeName ?? "no node")"))
    }
    for condition in conditions {
      let type = condition["type"] as? String ?? "?"
      let state = condition["status"] as? String ?? "?"
      let message = condition["message"] as? String ?? ""
      details.append(MonitorDetail("Condition", "\(type)=\(state) \(message)"))
    }
    return MonitorWorkload(
      namespace: namespace, name: name, kind: kind, ready: ready, desired: desired,
      restarts: owned.reduce(0) { $0 + $1.restarts }, health: health, details: details)
  }

  /// A Kubernetes event: its last time, type, object (`pod/web-0`) and message.
  static func event(_ json: [String: Any]) -> MonitorEvent? {
    let metadata = json["metadata"] as? [String: Any] ?? [:]
    let times = [
      json["lastTimestamp"], json["eventTime"], json["firstTimestamp"],
      metadata["creationTimestamp"],
    ]
    guard let time = times.compactMap({ ($0 as? String).flatMap(StatusTime.parse) }).first else {
      return nil
    }
    let involved = json["involvedObject"] as? [String: Any] ?? [:]
    let object = (involved["kind"] as? String).map { kind in
      kind.lowercased() + "/" + (involved["name"] as? String ?? "?")
    }
    let reason = json["reason"] as? String ?? ""
    var message = (json["message"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    if message.isEmpty { message = reason }
    if let count = json["count"] as? Int, count > 1 { message += " (×\(count))" }
    let kind: MonitorEvent.Kind = (json["type"] as? String) == "Warning" ? .warning : .normal
    return MonitorEvent(time: time, source: .cluster, kind: kind, object: object, message: message)
  }
}
