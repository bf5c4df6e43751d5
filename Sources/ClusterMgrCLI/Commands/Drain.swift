import ArgumentParser
import Basics
import ClusterOps
import Foundation

extension ClusterMgr {
  /// `cluster-mgr drain NODE`: cordon a node and evict its pods, optionally stopping K3s there.
  struct Drain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Cordon a node and move its pods elsewhere (Eviction API); optionally stop K3s on it.",
      discussion: """
        NODE is an inventory host (its Node found by name, else by its Tailscale address) or \
        the name of a Node of the cluster. Cordons the node, then evicts its pods through the \
        Eviction API, so PodDisruptionBudgets are respected: a pod a budget protects is asked \
        for again every 5 s until the budget allows it or --timeout passes, and the error names \
        the pod. DaemonSet and mirror pods stay; pods with emptyDir data only with \
        --delete-emptydir-data; pods no controller would recreate only with --force. One line \
        per pod says what happens to it. --stop-k3s then stops the K3s agent on the host \
        (systemctl stop k3s-agent over SSH), freeing its memory and GPUs for the evening; it is \
        refused for servers. `cluster-mgr uncordon NODE` gives the node back. Recorded in the \
        run history; holds the cluster lock on the first server while it runs.
        """)

    @Argument(help: "The inventory host or cluster node.")
    var node: String

    @Flag(help: "Evict pods with emptyDir volumes too (their data is lost).")
    var deleteEmptydirData = false

    @Flag(help: "Evict pods no controller would recreate too (they are gone for good).")
    var force = false

    @Option(
      name: [.customLong("timeout"), .customLong("drain-timeout")],
      help: ArgumentHelp("The longest the drain may take.", valueName: "seconds"))
    var timeout = 300

    @Flag(help: "Stop the K3s agent on the host after the drain (agents only).")
    var stopK3s = false

    @OptionGroup var lock: ForceUnlockOption
    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      if timeout < 1 { throw ValidationError("--timeout must be at least 1 second.") }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        var request = NodeMaintenanceRequest(
          inventoryPath: inventory.path, name: node, action: .drain)
        request.deleteEmptyDirData = deleteEmptydirData
        request.force = force
        request.drainTimeoutSeconds = timeout
        request.stopK3s = stopK3s
        try await NodeMaintenanceCommand.perform(
          request, inventory: inventory, connection: connection, forceUnlock: lock.forceUnlock)
      }
    }
  }
}
