import Foundation
import Kubernetes

/// A Node of the cluster as the day-2 commands need it (unlike the raw JSON, it is Sendable).
public struct ClusterNodeInfo: Sendable, Equatable {
  /// `metadata.name`.
  public var name: String
  /// The Ready condition is True.
  public var ready: Bool
  /// Labelled as a control-plane (or master) node.
  public var controlPlane: Bool
  /// The InternalIP address.
  public var internalIP: String?
  /// The node's labels.
  public var labels: [String: String]
  /// `status.nodeInfo.kubeletVersion`.
  public var kubeletVersion: String?

  /// Reads a Node object of `k3s kubectl get nodes -o json`.
  init(_ node: [String: Any]) {
    let metadata = node["metadata"] as? [String: Any] ?? [:]
    let state = NodeState(node)
    name = state.name
    labels = metadata["labels"] as? [String: String] ?? [:]
    ready = state.ready == true
    controlPlane =
      labels["node-role.kubernetes.io/control-plane"] == "true"
      || labels["node-role.kubernetes.io/master"] == "true"
    internalIP = state.internalIP
    kubeletVersion = state.kubeletVersion
  }
}

extension ClusterAccess {
  /// Every Node of the cluster, read into ``ClusterNodeInfo``.
  public func nodeInfos() async throws -> [ClusterNodeInfo] {
    try await nodes().map { ClusterNodeInfo($0.foundation as? [String: Any] ?? [:]) }
  }
}
