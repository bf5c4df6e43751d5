import ArgumentParser
import Basics
import ClusterOps
import Foundation

extension ClusterMgr {
  /// `cluster-mgr export --server NAME`: an inventory rebuilt from the live cluster.
  struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rebuild an inventory from the live cluster and the tailnet.",
      discussion: """
        For a lost hosts.yml, or a cluster installed by hand. Reads the cluster through a \
        server over SSH (k3s kubectl, as root; nothing is changed) and the tailnet through the \
        local tailscaled, and writes a new inventory (default inventory/hosts.yml; an existing \
        file is never overwritten): servers in control_plane (the one that started the cluster \
        first) and agents in workers, each with its Tailscale address; gpu, node_labels and \
        node_taints from what cluster-mgr manages on each node (its cluster-mgr.io/managed-* \
        annotations); reservations from K3s's kubelet arguments (the k3s.io/node-args \
        annotation); k3s_version, the cluster's networks and API port; Flux's repository, \
        branch, path and known_hosts; GPU time-slicing and the NVIDIA apt repository a GPU \
        node uses. Settings the cluster cannot tell (extra K3s flags, the firewall, swap) are \
        reported. Check the result with `cluster-mgr provision --check --diff -i FILE`: it \
        should have nothing to change.
        """)

    @Option(
      help: ArgumentHelp(
        "A server of the cluster: its tailnet name or Tailscale address.", valueName: "name"))
    var server: String

    @Option(help: ArgumentHelp("The cluster's name (cluster_name).", valueName: "name"))
    var clusterName = "homelab"

    @Option(
      help: ArgumentHelp(
        "The SSH user on every host, written as ansible_user (default: yours, not written).",
        valueName: "user"))
    var user: String?

    @Option(
      help: ArgumentHelp(
        "The SSH private key for every host, written as ansible_ssh_private_key_file.",
        valueName: "path"))
    var key: String?

    @Option(help: "The server's SSH port.")
    var port = 22

    @Flag(help: "Print the inventory instead of writing it.")
    var dryRun = false

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      try await reportingOperatorErrors {
        var request = ExportRequest(inventoryPath: inventory.path, server: server)
        request.clusterName = clusterName
        request.user = user
        request.keyFile = key
        request.port = port
        request.tailscaleSocket = connection.socket
        let result = try await ExportOperation.render(
          request, sshOptions: try connection.sshOptions())
        for warning in result.warnings { printToStandardError("warning: " + warning) }
        if dryRun {
          print(result.text, terminator: "")
          return
        }
        try ExportOperation.write(result, to: inventory.path)
        for (name, group) in result.hosts { print("\(name) → \(group)") }
        print("wrote \(inventory.path) (read through \(result.server))")
        print("next: cluster-mgr provision --check --diff -i \(inventory.path)")
      }
    }
  }
}
