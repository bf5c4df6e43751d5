import Basics
import Foundation

/// What `cluster-mgr drain`, `cordon` or `uncordon` was asked to do.
public struct NodeMaintenanceRequest: Sendable {
  /// Which command.
  public enum Action: String, Sendable {
    /// Cordon, then evict the node's pods.
    case drain
    /// Mark the node unschedulable.
    case cordon
    /// Start K3s again if it was stopped, then mark the node schedulable.
    case uncordon
  }

  /// The inventory file.
  public var inventoryPath: String
  /// The inventory host name, or the node's name in the cluster.
  public var name: String
  /// Which command.
  public var action: Action
  /// Evict pods with emptyDir data too (drain).
  public var deleteEmptyDirData = false
  /// Evict pods no controller would recreate (drain).
  public var force = false
  /// The longest the drain may take.
  public var drainTimeoutSeconds = 300
  /// Stop the K3s agent on the host after the drain (agents only).
  public var stopK3s = false
  /// The longest `uncordon` waits for the node to be Ready after starting K3s.
  public var readyTimeoutSeconds = 300

  /// A request to apply `action` to `name`.
  public init(inventoryPath: String, name: String, action: Action) {
    self.inventoryPath = inventoryPath
    self.name = name
    self.action = action
  }
}

/// The node a maintenance command acts on: its name in the cluster and its inventory host.
public struct NodeMaintenanceTarget: Sendable, Equatable {
  /// `metadata.name` of the Node.
  public var nodeName: String
  /// The inventory host (nil when the node is only in the cluster).
  public var host: String?
  /// The node is a server (control plane), by the inventory or by its role labels.
  public var isServer: Bool
  /// The node was cordoned before the command.
  public var wasCordoned: Bool
  /// The node was Ready before the command.
  public var wasReady: Bool
}

/// What a maintenance command did.
public struct NodeMaintenanceResult: Sendable {
  /// The node acted on.
  public var target: NodeMaintenanceTarget
  /// K3s was stopped (`drain --stop-k3s`) or started again (`uncordon`).
  public var k3sChanged = false
  /// The run's number in the history.
  public var runID: Int64?
  /// A history problem (the command itself still happened).
  public var historyWarning: String?
}
