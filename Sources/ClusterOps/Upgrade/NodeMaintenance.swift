import Basics
import Foundation
import Kubernetes

/// A node as a K3s upgrade sees it: the version its kubelet runs, whether it is Ready and
/// whether it is cordoned.
struct NodeUpgradeState: Sendable, Equatable {
  /// `metadata.name`.
  var name: String
  /// `status.nodeInfo.kubeletVersion`: the version of the K3s process that runs.
  var kubeletVersion: String?
  /// The Ready condition is True.
  var ready: Bool
  /// `spec.unschedulable`: cordoned.
  var cordoned: Bool

  /// Reads a Node object the API returned.
  init(_ node: JSONValue) {
    let state = NodeState(node)
    name = state.name
    kubeletVersion = state.kubeletVersion
    ready = state.ready == true
    cordoned = state.cordoned
  }

  init(name: String, kubeletVersion: String?, ready: Bool, cordoned: Bool) {
    self.name = name
    self.kubeletVersion = kubeletVersion
    self.ready = ready
    self.cordoned = cordoned
  }
}

/// What a rolling K3s upgrade asks of the cluster: the nodes' states, and cordoning, draining
/// and uncordoning one node.
protocol NodeMaintenance: Sendable {
  /// Every node of the cluster.
  func nodes() async throws -> [NodeUpgradeState]
  /// Cordons `node` and evicts its pods (DaemonSet pods stay; emptyDir data goes), waiting at
  /// most `timeoutSeconds`; the node stays cordoned when it fails.
  func cordonAndDrain(_ node: String, timeoutSeconds: Int) async throws
  /// Makes `node` schedulable again.
  func uncordon(_ node: String) async throws
}

/// ``NodeMaintenance`` through the Kubernetes API (``ClusterAccess``): nodes listed, drained
/// with the Eviction API (``NodeDrain``), uncordoned by a merge patch. No kubectl anywhere.
struct APINodeMaintenance: NodeMaintenance {
  let access: ClusterAccess
  /// Where drain progress goes (one line per event).
  var say: @Sendable (String) -> Void = { _ in }

  func nodes() async throws -> [NodeUpgradeState] {
    try await access.nodes().map(NodeUpgradeState.init)
  }

  func cordonAndDrain(_ node: String, timeoutSeconds: Int) async throws {
    var options = NodeDrain.Options()
    options.deleteEmptyDirData = true
    options.timeout = .seconds(timeoutSeconds)
    let say = say
    try await NodeDrain(client: try await access.api()).drain(node, options: options) {
      say("  " + DrainProgressText.line($0))
    }
  }

  func uncordon(_ node: String) async throws {
    try await NodeDrain(client: try await access.api()).uncordon(node)
  }
}
