import ArgumentParser
import Basics
import ClusterOps
import Foundation

extension ClusterMgr {
  /// `cluster-mgr cordon NODE`: no new pods on a node; those on it stay.
  struct Cordon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Mark a node unschedulable: no new pods go there; those on it stay.",
      discussion: """
        NODE is an inventory host or the name of a Node of the cluster. Sets \
        spec.unschedulable through the API (status shows Ready,SchedulingDisabled). \
        `cluster-mgr drain NODE` also moves the pods away; `cluster-mgr uncordon NODE` undoes \
        it. Recorded in the run history; holds the cluster lock on the first server.
        """)

    @Argument(help: "The inventory host or cluster node.")
    var node: String

    @OptionGroup var lock: ForceUnlockOption
    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      try await reportingOperatorErrors {
        try await NodeMaintenanceCommand.perform(
          NodeMaintenanceRequest(inventoryPath: inventory.path, name: node, action: .cordon),
          inventory: inventory, connection: connection, forceUnlock: lock.forceUnlock)
      }
    }
  }

  /// `cluster-mgr uncordon NODE`: give a node back (starting K3s again if it was stopped).
  struct Uncordon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Give a node back: start K3s again if it was stopped, then make it schedulable.",
      discussion: """
        NODE is an inventory host or the name of a Node of the cluster. For an agent in the \
        inventory, checks over SSH whether the K3s agent runs (systemctl is-active k3s-agent); \
        when it was stopped (drain --stop-k3s) it is started and the node waited for until \
        Ready (--ready-timeout). Then clears spec.unschedulable through the API. Recorded in \
        the run history; holds the cluster lock on the first server.
        """)

    @Argument(help: "The inventory host or cluster node.")
    var node: String

    @Option(
      help: ArgumentHelp(
        "The longest to wait for the node to be Ready after starting K3s.", valueName: "seconds"))
    var readyTimeout = 300

    @OptionGroup var lock: ForceUnlockOption
    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      if readyTimeout < 1 { throw ValidationError("--ready-timeout must be at least 1 second.") }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        var request = NodeMaintenanceRequest(
          inventoryPath: inventory.path, name: node, action: .uncordon)
        request.readyTimeoutSeconds = readyTimeout
        try await NodeMaintenanceCommand.perform(
          request, inventory: inventory, connection: connection, forceUnlock: lock.forceUnlock)
      }
    }
  }
}
