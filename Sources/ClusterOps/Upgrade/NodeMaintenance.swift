import Basics
import Foundation
import SSHTransport

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

  /// Reads a Node object of `kubectl get nodes -o json`.
  init(_ node: [String: Any]) {
    let info = ClusterNodeInfo(node)
    name = info.name
    kubeletVersion = info.kubeletVersion
    ready = info.ready
    cordoned = (node["spec"] as? [String: Any])?["unschedulable"] as? Bool ?? false
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
///
/// Today through `k3s kubectl` on a server over SSH (``KubectlNodeMaintenance``); the Eviction
/// API client can take its place without the upgrade changing.
protocol NodeMaintenance: Sendable {
  /// Every node of the cluster.
  func nodes() async throws -> [NodeUpgradeState]
  /// Cordons `node` and evicts its pods (DaemonSet pods stay; emptyDir data goes), waiting at
  /// most `timeoutSeconds`; the node stays cordoned when it fails.
  func cordonAndDrain(_ node: String, timeoutSeconds: Int) async throws
  /// Makes `node` schedulable again.
  func uncordon(_ node: String) async throws
}

/// ``NodeMaintenance`` with `k3s kubectl get/drain/uncordon` through ``ClusterAccess``.
struct KubectlNodeMaintenance: NodeMaintenance {
  let access: ClusterAccess
  let redactor: SecretRedactor

  func nodes() async throws -> [NodeUpgradeState] {
    try await access.nodes().map(NodeUpgradeState.init)
  }

  func cordonAndDrain(_ node: String, timeoutSeconds: Int) async throws {
    try await kubectl(
      [
        "drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
        "--timeout=\(timeoutSeconds)s",
      ], timeout: .seconds(timeoutSeconds + 60))
  }

  func uncordon(_ node: String) async throws {
    try await kubectl(["uncordon", node], timeout: .seconds(60))
  }

  private func kubectl(_ arguments: [String], timeout: Duration) async throws {
    let result = try await access.kubectl(arguments, timeout: timeout)
    guard result.succeeded else {
      let text = result.stderrText.isEmpty ? result.stdoutText : result.stderrText
      throw OperationError(
        "k3s kubectl \(arguments.prefix(2).joined(separator: " ")) failed: "
          + redactor.redact(text).trimmingCharacters(in: .whitespacesAndNewlines))
    }
  }
}
