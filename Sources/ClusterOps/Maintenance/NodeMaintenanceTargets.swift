import Basics
import Foundation
import Inventory
import Kubernetes

extension NodeMaintenanceOperation {
  /// Finds the node `name` names: an inventory host (its Node by name, else by its Tailscale
  /// address, as `remove-node` does), else a Node of the cluster (its host found by address).
  static func resolve(
    _ name: String, context: ClusterContext, nodes: [StatusKubeNode]
  ) throws -> NodeMaintenanceTarget {
    func target(_ node: StatusKubeNode, host: NodeSpec?) -> NodeMaintenanceTarget {
      NodeMaintenanceTarget(
        nodeName: node.name, host: host?.name,
        isServer: host?.role == .server || node.roles.contains("control-plane")
          || node.roles.contains("master"),
        wasCordoned: node.unschedulable, wasReady: node.ready == true)
    }
    if let spec = context.node(name) {
      guard
        let node = nodes.first(where: { $0.name == spec.name })
          ?? nodes.first(where: { spec.tailscaleIP != nil && $0.internalIP == spec.tailscaleIP })
      else {
        throw OperationError(
          "\(name) is in \(context.inventory.path) but is not a node of the cluster "
            + "(no Node named \(name) or with the address \(spec.tailscaleIP ?? spec.address))",
          remedy:
            "provision it first (cluster-mgr provision --limit \(name)); see the nodes with cluster-mgr status",
          exitStatus: ExitStatus.invalidInput)
      }
      return target(node, host: spec)
    }
    if let node = nodes.first(where: { $0.name == name }) {
      let host = context.nodes.first {
        $0.tailscaleIP != nil && $0.tailscaleIP == node.internalIP
      }
      return target(node, host: host)
    }
    throw OperationError(
      "\(name) is neither a host of \(context.inventory.path) nor a node of the cluster",
      remedy: "see the hosts and nodes with cluster-mgr status",
      exitStatus: ExitStatus.invalidInput)
  }

  /// Refuses `--stop-k3s` where it cannot or must not stop K3s, before anything changes.
  static func checkStopK3s(_ target: NodeMaintenanceTarget, name: String) throws {
    if target.isServer {
      throw OperationError(
        "--stop-k3s refused: \(name) is a server (control plane); stopping K3s there stops the "
          + "cluster's API and datastore member, not just a worker",
        remedy:
          "drain it without --stop-k3s; to take a server out for good use cluster-mgr remove-node",
        exitStatus: ExitStatus.invalidInput)
    }
    if target.host == nil {
      throw OperationError(
        "--stop-k3s refused: the node \(target.nodeName) is not a host of the inventory, so "
          + "cluster-mgr cannot reach it over SSH",
        remedy: "add it to the inventory (cluster-mgr add-node), or drain it without --stop-k3s",
        exitStatus: ExitStatus.invalidInput)
    }
  }
}
