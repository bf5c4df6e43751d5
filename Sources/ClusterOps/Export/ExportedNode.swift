import Foundation
import Inventory
import OrderedCollections

/// One Node of the live cluster, read back into what an inventory says about it.
struct ExportedNode: Sendable, Equatable {
  /// `metadata.name` (cluster-mgr names nodes after their inventory host).
  var name: String
  /// A control-plane node (a K3s server).
  var isServer: Bool
  /// The InternalIP: K3s's `node-ip`, the Tailscale address cluster-mgr gives it.
  var internalIP: String?
  /// The running version.
  var kubeletVersion: String?
  /// The GPU label cluster-mgr sets (`nvidia.com/gpu.present=true`, recorded as its own).
  var gpu: Bool
  /// The labels cluster-mgr owns (its `cluster-mgr.io/managed-labels` annotation), without the
  /// ones it adds by itself (the worker role on agents, the GPU label on GPU nodes).
  var labels: OrderedDictionary<String, String>
  /// The taints cluster-mgr owns (`cluster-mgr.io/managed-taints`), as `key[=value]:Effect`.
  var taints: [String]
  /// K3s's arguments (the `k3s.io/node-args` annotation): config.yaml and flags.
  var arguments: NodeArguments
  /// When the node registered.
  var created: String?

  static let labelsAnnotation = "cluster-mgr.io/managed-labels"
  static let taintsAnnotation = "cluster-mgr.io/managed-taints"
  static let workerLabel = "node-role.kubernetes.io/worker"
  static let gpuLabel = "nvidia.com/gpu.present"

  /// Reads a Node object of `kubectl get nodes -o json`.
  init(_ node: [String: Any]) {
    let info = ClusterNodeInfo(node)
    let metadata = node["metadata"] as? [String: Any] ?? [:]
    let annotations = metadata["annotations"] as? [String: String] ?? [:]
    name = info.name
    isServer = info.controlPlane
    internalIP = info.internalIP
    kubeletVersion = info.kubeletVersion
    created = metadata["creationTimestamp"] as? String
    arguments = NodeArguments(json: annotations["k3s.io/node-args"])
    let managed = Self.list(annotations[Self.labelsAnnotation])
    gpu = managed.contains(Self.gpuLabel) && info.labels[Self.gpuLabel] == "true"
    var labels: OrderedDictionary<String, String> = [:]
    for key in managed.sorted() {
      guard let value = info.labels[key] else { continue }
      if key == Self.gpuLabel && gpu { continue }
      if key == Self.workerLabel && value == "true" && !info.controlPlane { continue }
      labels[key] = value
    }
    self.labels = labels
    let spec = node["spec"] as? [String: Any] ?? [:]
    let current = spec["taints"] as? [[String: Any]] ?? []
    taints = Self.list(annotations[Self.taintsAnnotation]).sorted().compactMap { identity in
      guard let colon = identity.lastIndex(of: ":") else { return nil }
      let key = String(identity[..<colon])
      let effect = String(identity[identity.index(after: colon)...])
      guard
        let taint = current.first(where: {
          $0["key"] as? String == key && $0["effect"] as? String == effect
        })
      else { return nil }
      let value = taint["value"] as? String ?? ""
      return value.isEmpty ? "\(key):\(effect)" : "\(key)=\(value):\(effect)"
    }
  }

  /// The node's reservations as inventory variables, only those that differ from the defaults.
  var reservationVariables: OrderedDictionary<String, InventoryValue> {
    var variables: OrderedDictionary<String, InventoryValue> = [:]
    let kube = arguments.kubeletReservation("kube-reserved")
    let system = arguments.kubeletReservation("system-reserved")
    let pairs: [(String, String?)] = [
      ("reserved_cpu", kube["cpu"]), ("reserved_memory", kube["memory"]),
      ("reserved_ephemeral_storage", kube.isEmpty ? nil : kube["ephemeral-storage"]),
      ("system_reserved_cpu", system["cpu"]), ("system_reserved_memory", system["memory"]),
      ("system_reserved_ephemeral_storage", system["ephemeral-storage"]),
    ]
    for (name, value) in pairs {
      guard let value, value != InventorySchema.spec(name)?.defaultValue?.stringValue else {
        continue
      }
      variables[name] = .string(value)
    }
    return variables
  }

  static func list(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
      !$0.isEmpty
    }
  }
}

/// K3s's arguments as its `k3s.io/node-args` annotation lists them (`["server", "--node-ip",
/// "100.64.0.10", "--tls-san", "a", "--tls-san", "b", …]`, secrets shown as `********`).
struct NodeArguments: Sendable, Equatable {
  /// Flag name (without dashes) → its values, in order.
  var values: OrderedDictionary<String, [String]> = [:]

  init(json: String?) {
    guard let data = json?.data(using: .utf8),
      let list = (try? JSONSerialization.jsonObject(with: data)) as? [String]
    else { return }
    var index = 0
    while index < list.count {
      let word = list[index]
      index += 1
      guard word.hasPrefix("--") else { continue }
      var name = String(word.dropFirst(2))
      var value: String
      if let equals = name.firstIndex(of: "=") {
        value = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      } else if index < list.count, !list[index].hasPrefix("--") {
        value = list[index]
        index += 1
      } else {
        value = "true"
      }
      if name.hasSuffix("+") { name.removeLast() }
      values[name, default: []].append(value)
    }
  }

  /// The last value of `flag`.
  func value(_ flag: String) -> String? { values[flag]?.last }

  /// `resource → quantity` of the last `--kubelet-arg KIND=cpu=1,memory=2Gi` (kubelet takes
  /// the last one).
  func kubeletReservation(_ kind: String) -> [String: String] {
    guard let argument = values["kubelet-arg"]?.last(where: { $0.hasPrefix(kind + "=") })
    else { return [:] }
    var result: [String: String] = [:]
    for pair in argument.dropFirst(kind.count + 1).split(separator: ",") {
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { result[parts[0]] = parts[1] }
    }
    return result
  }
}
