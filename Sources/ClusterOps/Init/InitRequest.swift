import Foundation

/// What `cluster-mgr init` was asked to write.
public struct InitRequest: Sendable {
  /// The inventory file to create.
  public var inventoryPath: String
  /// `cluster_name`.
  public var clusterName = "homelab"
  /// Tailnet names of the K3s servers (the first one starts the cluster).
  public var servers: [String] = []
  /// Tailnet names of the K3s agents.
  public var workers: [String] = []
  /// Tailnet names of the nodes with an NVIDIA GPU (agents unless also named as servers).
  public var gpus: [String] = []
  /// Write the cluster-wide settings to `group_vars/all.yml` instead of the inventory's `vars:`.
  public var groupVars = false
  /// The local tailscaled's LocalAPI socket (nil: the default).
  public var tailscaleSocket: String?

  /// A request to create the inventory at `inventoryPath`.
  public init(inventoryPath: String) { self.inventoryPath = inventoryPath }

  /// True when no node was chosen yet (then `init` asks, on a terminal).
  public var choosesNoNode: Bool { servers.isEmpty && workers.isEmpty && gpus.isEmpty }
}
