import Foundation

/// What cluster-mgr reads of a Node object in one place: its name, the Ready condition, the
/// kubelet's version, whether it is cordoned and its InternalIP. `status`, `drift`, the monitor,
/// the day-2 commands, upgrades and the roles' waits all read nodes through it.
public struct NodeState: Sendable, Hashable {
  /// `metadata.name` (empty when missing).
  public var name: String
  /// The Ready condition: true (`True`), false (`False`), nil when the node reports none or
  /// `Unknown`.
  public var ready: Bool?
  /// The Ready condition's reason, when the node is not Ready.
  public var notReadyReason: String?
  /// `status.nodeInfo.kubeletVersion`: the version of the kubelet that runs.
  public var kubeletVersion: String?
  /// `spec.unschedulable`: cordoned.
  public var cordoned: Bool
  /// The InternalIP address.
  public var internalIP: String?

  /// Reads a Node object the API returned.
  public init(_ node: JSONValue) {
    name = node[path: ["metadata", "name"]]?.string ?? ""
    let readyCondition = (node[path: ["status", "conditions"]]?.array ?? []).first {
      $0["type"]?.string == "Ready"
    }
    switch readyCondition?["status"]?.string {
    case "True": ready = true
    case "False": ready = false
    default: ready = nil
    }
    notReadyReason = ready == true ? nil : readyCondition?["reason"]?.string
    kubeletVersion = node[path: ["status", "nodeInfo", "kubeletVersion"]]?.string
    cordoned = node[path: ["spec", "unschedulable"]]?.bool ?? false
    internalIP =
      (node[path: ["status", "addresses"]]?.array ?? []).first {
        $0["type"]?.string == "InternalIP"
      }?["address"]?.string
  }

  /// Reads a Node object decoded by `JSONSerialization`.
  public init(_ node: [String: Any]) { self.init(JSONValue(any: node)) }

  /// The Ready condition's status as the API writes it: `True`, `False` or `Unknown`.
  public var readyStatus: String { ready.map { $0 ? "True" : "False" } ?? "Unknown" }
}
