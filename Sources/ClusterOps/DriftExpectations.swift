import Foundation
import Inventory
import OrderedCollections

/// What `provision` makes of an inventory host, for comparison with the running cluster.
///
/// Mirrors the roles: labels as `ClusterRoles.nodeConfig` declares them (the inventory's
/// `node_labels`, plus `node-role.kubernetes.io/worker` on agents and `nvidia.com/gpu.present`
/// on GPU hosts unless set), and kubelet reservations as `K3sNodeRole.configuration` writes
/// them into config.yaml's `kubelet-arg`.
enum DriftExpectations {
  /// The labels provision sets on `node`, in declaration order.
  static func labels(_ node: NodeSpec) -> [(key: String, value: String)] {
    var labels = node.labels.map { (key: $0.key, value: $0.value) }
    if node.role == .agent, node.labels["node-role.kubernetes.io/worker"] == nil {
      labels.append((key: "node-role.kubernetes.io/worker", value: "true"))
    }
    if node.gpu, node.labels["nvidia.com/gpu.present"] == nil {
      labels.append((key: "nvidia.com/gpu.present", value: "true"))
    }
    return labels
  }

  /// The taints provision sets on `node`.
  static func taints(_ node: NodeSpec) -> [StatusKubeNode.Taint] {
    node.taints.map {
      StatusKubeNode.Taint(key: $0.key, value: $0.value ?? "", effect: $0.effect.rawValue)
    }
  }

  /// `kube-reserved` and `system-reserved` as resource → quantity, only those provision sets.
  static func reservations(_ node: NodeSpec) -> [String: [String: String]] {
    var kube: [String: String] = [:]
    if let cpu = node.reservedCPU { kube["cpu"] = cpu }
    if let memory = node.reservedMemory { kube["memory"] = memory }
    if !kube.isEmpty, !node.reservedEphemeralStorage.isEmpty {
      kube["ephemeral-storage"] = node.reservedEphemeralStorage
    }
    var system: [String: String] = [:]
    if !node.systemReservedCPU.isEmpty { system["cpu"] = node.systemReservedCPU }
    if !node.systemReservedMemory.isEmpty { system["memory"] = node.systemReservedMemory }
    if !node.systemReservedEphemeralStorage.isEmpty {
      system["ephemeral-storage"] = node.systemReservedEphemeralStorage
    }
    var result: [String: [String: String]] = [:]
    if !kube.isEmpty { result["kube-reserved"] = kube }
    if !system.isEmpty { result["system-reserved"] = system }
    return result
  }

  /// Why the inventory's reservations cannot be compared for `node` (its own K3s arguments
  /// replace `kubelet-arg`), or nil.
  static func reservationsOverridden(_ node: NodeSpec, settings: ClusterSettings) -> String? {
    let mapKey = node.role == .server ? "k3s_server_args" : "k3s_agent_args"
    if node.variables[mapKey]?.mapValue?["kubelet-arg"] != nil {
      return "\(mapKey) sets kubelet-arg"
    }
    let flags = node.role == .server ? settings.extraServerArgs : settings.extraAgentArgs
    if flags.contains("kubelet-arg") {
      return "\(node.role == .server ? "extra_server_args" : "extra_agent_args") sets kubelet-arg"
    }
    return nil
  }

  /// The reservations in kubelet arguments (`kube-reserved=cpu=1,memory=1Gi`, …).
  static func reservations(kubeletArguments: [String]) -> [String: [String: String]] {
    var result: [String: [String: String]] = [:]
    for argument in kubeletArguments {
      for kind in ["kube-reserved", "system-reserved"] where argument.hasPrefix(kind + "=") {
        var values: [String: String] = [:]
        for pair in argument.dropFirst(kind.count + 1).split(separator: ",") {
          let parts = pair.split(separator: "=", maxSplits: 1)
          guard parts.count == 2 else { continue }
          values[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1])
            .trimmingCharacters(in: .whitespaces)
        }
        result[kind] = values
      }
    }
    return result
  }

  /// The `--kubelet-arg` values in K3s's `k3s.io/node-args` annotation (a JSON array of the
  /// arguments K3s started with, config.yaml included); nil when the annotation is absent or
  /// unreadable.
  static func kubeletArguments(nodeArgs: String?) -> [String]? {
    guard let nodeArgs, let data = nodeArgs.data(using: .utf8),
      let arguments = try? JSONSerialization.jsonObject(with: data) as? [String]
    else { return nil }
    var result: [String] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument == "--kubelet-arg", index + 1 < arguments.count {
        result.append(arguments[index + 1])
        index += 2
        continue
      }
      if argument.hasPrefix("--kubelet-arg=") {
        result.append(String(argument.dropFirst("--kubelet-arg=".count)))
      }
      index += 1
    }
    return result
  }

  /// `cpu=500m,memory=1Gi` in a stable order.
  static func text(_ values: [String: String]) -> String {
    values.isEmpty
      ? "none"
      : values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        .joined(separator: ",")
  }

  /// Whether two reservation sets are the same amounts.
  static func same(_ a: [String: String], _ b: [String: String]) -> Bool {
    guard Set(a.keys) == Set(b.keys) else { return false }
    return a.allSatisfy { key, value in StatusQuantity.same(value, b[key] ?? "") }
  }
}
