import Foundation
import Kubernetes

/// A Node object as `status`, `drift` and the monitor read it (from `kubectl get -o json`).
struct StatusKubeNode: Sendable, Hashable {
  /// A taint on the node.
  struct Taint: Sendable, Hashable {
    var key: String
    var value: String
    var effect: String

    /// `key=value:Effect` (or `key:Effect`).
    var spec: String { value.isEmpty ? "\(key):\(effect)" : "\(key)=\(value):\(effect)" }
    /// `key:Effect`: how cluster-mgr records the taints it owns.
    var identity: String { "\(key):\(effect)" }
  }

  var name: String
  /// The Ready condition: true, false, or nil when the node reports none (or `Unknown`).
  var ready: Bool?
  /// Why the node is not Ready (the condition's reason), when it is not.
  var readyReason: String?
  /// Roles from `node-role.kubernetes.io/ROLE` labels, sorted.
  var roles: [String]
  var kubeletVersion: String?
  var internalIP: String?
  var labels: [String: String]
  var annotations: [String: String]
  var taints: [Taint]
  var unschedulable: Bool
  var capacity: [String: String]
  var allocatable: [String: String]
  var createdAt: Date?
  var osImage: String?
  var kernelVersion: String?
  var containerRuntime: String?

  /// Reads a node object; nil without a name.
  init?(json: [String: Any]) {
    let metadata = json["metadata"] as? [String: Any] ?? [:]
    guard let name = metadata["name"] as? String else { return nil }
    self.name = name
    let status = json["status"] as? [String: Any] ?? [:]
    let spec = json["spec"] as? [String: Any] ?? [:]
    let state = NodeState(json)
    ready = state.ready
    readyReason = state.notReadyReason
    labels = Self.strings(metadata["labels"])
    annotations = Self.strings(metadata["annotations"])
    roles = labels.keys.compactMap { key -> String? in
      guard key.hasPrefix("node-role.kubernetes.io/") else { return nil }
      let role = String(key.dropFirst("node-role.kubernetes.io/".count))
      return role.isEmpty ? nil : role
    }.sorted()
    let info = status["nodeInfo"] as? [String: Any] ?? [:]
    kubeletVersion = state.kubeletVersion
    osImage = info["osImage"] as? String
    kernelVersion = info["kernelVersion"] as? String
    containerRuntime = info["containerRuntimeVersion"] as? String
    internalIP = state.internalIP
    taints = (spec["taints"] as? [[String: Any]] ?? []).map {
      Taint(
        key: $0["key"] as? String ?? "", value: $0["value"] as? String ?? "",
        effect: $0["effect"] as? String ?? "")
    }
    unschedulable = state.cordoned
    capacity = Self.strings(status["capacity"])
    allocatable = Self.strings(status["allocatable"])
    createdAt = (metadata["creationTimestamp"] as? String).flatMap(StatusTime.parse)
  }

  /// GPUs the node offers to pods (`nvidia.com/gpu` allocatable), 0 when none.
  var gpuCount: Int { allocatable["nvidia.com/gpu"].flatMap { Int($0) } ?? 0 }

  /// Allocatable CPU in millicores.
  var allocatableMillicores: Int64? { allocatable["cpu"].flatMap(StatusQuantity.millicores) }
  /// CPU capacity in millicores.
  var capacityMillicores: Int64? { capacity["cpu"].flatMap(StatusQuantity.millicores) }
  /// Allocatable memory in bytes.
  var allocatableMemory: UInt64? { allocatable["memory"].flatMap(StatusQuantity.bytes) }
  /// Memory capacity in bytes.
  var capacityMemory: UInt64? { capacity["memory"].flatMap(StatusQuantity.bytes) }

  /// `Ready`, `NotReady`, `Unknown`, with `,SchedulingDisabled` when cordoned (like kubectl).
  var statusText: String {
    let base = ready == true ? "Ready" : ready == false ? "NotReady" : "Unknown"
    return unschedulable ? base + ",SchedulingDisabled" : base
  }

  private static func strings(_ value: Any?) -> [String: String] {
    guard let map = value as? [String: Any] else { return [:] }
    var result: [String: String] = [:]
    for (key, value) in map {
      if let text = value as? String { result[key] = text } else { result[key] = "\(value)" }
    }
    return result
  }
}

/// Kubernetes timestamps (RFC 3339, optionally with fractional seconds).
enum StatusTime {
  /// The date of `text`, or nil.
  static func parse(_ text: String) -> Date? {
    let plain = ISO8601DateFormatter()
    if let date = plain.date(from: text) { return date }
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return fractional.date(from: text)
  }
}
