import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import OrderedCollections

extension ClusterMgr {
  /// `cluster-mgr init`: a first inventory from the machines of the tailnet.
  struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a first inventory from the online Linux machines of your tailnet.",
      discussion: """
        Asks the local tailscaled for the tailnet's machines and writes the inventory \
        (default inventory/hosts.yml) with the cluster's name, the pinned K3s version and the \
        chosen machines, each with its Tailscale address, under a header that explains the \
        layout. Name the machines with --server, --worker and --gpu; without them, on a \
        terminal, init lists the candidates and asks. An existing file is never overwritten.
        """)

    @OptionGroup var inventory: InventoryOptions

    @Option(help: ArgumentHelp("The cluster's name (cluster_name).", valueName: "name"))
    var clusterName = "homelab"

    @Option(
      parsing: .upToNextOption,
      help: ArgumentHelp(
        "K3s server(s): the first starts the cluster (1, or 3 for HA).", valueName: "name"))
    var server: [String] = []

    @Option(
      parsing: .upToNextOption, help: ArgumentHelp("K3s agents (workers).", valueName: "name"))
    var worker: [String] = []

    @Option(
      parsing: .upToNextOption,
      help: ArgumentHelp(
        "Machines with an NVIDIA GPU (workers unless named with --server).", valueName: "name"))
    var gpu: [String] = []

    @Flag(help: "Put the cluster-wide settings in group_vars/all.yml next to the inventory.")
    var groupVars = false

    @Option(
      help: ArgumentHelp(
        "The local tailscaled's LocalAPI socket (default: $CLUSTER_MGR_TAILSCALE_SOCKET, else the platform's).",
        valueName: "path"))
    var socket: String?

    func run() async throws {
      try await reportingOperatorErrors {
        var request = InitRequest(inventoryPath: inventory.path)
        request.clusterName = clusterName
        request.servers = server
        request.workers = worker
        request.gpus = gpu
        request.groupVars = groupVars
        request.tailscaleSocket = socket
        try InitOperation.refuseExistingFiles(request)
        let tailnet = try await InitOperation.tailnet(socket: socket)
        if request.choosesNoNode {
          guard let prompt = InitPrompt.onTerminal() else {
            throw InitError(
              "no machines chosen: name them with --server NAME [--worker NAME…] [--gpu NAME…]",
              remedy: "see the candidates with `cluster-mgr discover --online-only`")
          }
          try prompt.choose(from: InitCandidate.all(in: tailnet), into: &request)
        }
        let result = try InitOperation.render(request, tailnet: tailnet)
        try InitOperation.write(result)
        for (name, group, address) in result.hosts {
          print("\(name) (\(address)) → \(group)")
        }
        for path in result.files.keys { print("wrote \(path)") }
        for warning in result.warnings { printToStandardError(warning.description) }
        print("next: cluster-mgr ping, then cluster-mgr provision --check --diff")
      }
    }
  }
}
