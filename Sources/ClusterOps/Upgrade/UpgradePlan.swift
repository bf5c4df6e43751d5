import Basics
import Foundation
import Inventory

/// One node whose K3s version a provision changes.
struct NodeVersionChange: Sendable, Equatable {
  /// The inventory host (and Node) name.
  var node: String
  /// The version it runs now.
  var from: String
  /// A server (its datastore is snapshotted first) or an agent (drained first).
  var role: NodeRole
  /// It was cordoned before the upgrade (it stays cordoned afterwards).
  var wasCordoned: Bool
}

/// Which nodes a provision moves to another K3s version, checked against what Kubernetes
/// supports: one minor version forward at a time, never a minor version back (except when
/// rolling back to the snapshot taken before an upgrade).
struct UpgradePlan: Sendable, Equatable {
  /// The version the inventory pins.
  var target: String
  /// Every selected node that runs another version, in inventory order.
  var changes: [NodeVersionChange]

  var servers: [NodeVersionChange] { changes.filter { $0.role == .server } }
  var agents: [NodeVersionChange] { changes.filter { $0.role == .agent } }

  /// The version the servers run now (the first changing server's), for the snapshot's manifest.
  var serverVersion: String? { servers.first?.from }

  /// The plan for the selected `nodes` of the inventory against the cluster's `states`; throws
  /// ``UpgradeRefused`` for a jump Kubernetes does not support.
  static func make(
    target: String, nodes: [NodeSpec], selected: Set<String>, states: [NodeUpgradeState],
    allowMinorDowngrade: Bool = false
  ) throws -> UpgradePlan {
    let byName = Dictionary(states.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    var changes: [NodeVersionChange] = []
    for node in nodes where selected.contains(node.name) {
      guard let role = node.role, let state = byName[node.name],
        let running = state.kubeletVersion, running != target
      else { continue }
      changes.append(
        NodeVersionChange(node: node.name, from: running, role: role, wasCordoned: state.cordoned))
    }
    let plan = UpgradePlan(target: target, changes: changes)
    try plan.refuseUnsupportedJumps(allowMinorDowngrade: allowMinorDowngrade)
    return plan
  }

  /// Throws when a node would skip a minor version, or go back one.
  func refuseUnsupportedJumps(allowMinorDowngrade: Bool) throws {
    guard let to = K3sVersion(target) else { return }
    var skipping: [String: [String]] = [:]
    var downgrading: [String: [String]] = [:]
    for change in changes {
      guard let from = K3sVersion(change.from) else { continue }
      let distance = from.minorsTo(to)
      if distance > 1 { skipping[change.from, default: []].append(change.node) }
      if distance < 0 && !allowMinorDowngrade {
        downgrading[change.from, default: []].append(change.node)
      }
    }
    if let (from, hosts) = skipping.min(by: { $0.key < $1.key }),
      let version = K3sVersion(from)
    {
      let next = "v\(version.major).\(version.minor + 1)"
      throw UpgradeRefused(
        message:
          "K3s \(from) → \(target) on \(hosts.joined(separator: ", ")) skips minor versions "
          + "(\(Self.skipped(from: version, to: to))): Kubernetes upgrades one minor version at a "
          + "time; nothing was changed",
        remedy:
          "upgrade to a \(next).x release first (cluster-mgr config-set k3s_version "
          + "\(next).N+k3s1, then cluster-mgr provision), then to each following minor version in turn"
      )
    }
    if let (from, hosts) = downgrading.min(by: { $0.key < $1.key }) {
      throw UpgradeRefused(
        message:
          "K3s \(from) → \(target) on \(hosts.joined(separator: ", ")) goes back a minor version, "
          + "which Kubernetes does not support on a running datastore; nothing was changed",
        remedy:
          "roll back to the snapshot taken before the upgrade: cluster-mgr provision --rollback-to RUN "
          + "(RUN: the upgrade's run in `cluster-mgr history`), or set k3s_version back to \(from)")
    }
  }

  /// `v1.32 … v1.35`: the minor lines between `from` and `to`.
  static func skipped(from: K3sVersion, to: K3sVersion) -> String {
    guard from.major == to.major else { return "another major version" }
    let first = from.minor + 1
    let last = to.minor - 1
    return first == last
      ? "v\(from.major).\(first)" : "v\(from.major).\(first) … v\(from.major).\(last)"
  }
}

/// A version change Kubernetes does not support: refused before anything changes.
struct UpgradeRefused: OperatorError {
  let message: String
  let remedy: String?
  var exitStatus: Int32 { ExitStatus.invalidInput }
}
