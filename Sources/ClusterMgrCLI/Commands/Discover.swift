import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Tailscale

extension ClusterMgr {
  /// `cluster-mgr discover`: the tailnet's nodes, from the local tailscaled.
  struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the machines of your tailnet, with inventory membership and address drift.",
      discussion: """
        Reads the status of the local tailscaled over its LocalAPI socket (no API key, no \
        tailscale CLI). A stopped or logged-out tailscaled is an error (exit status 3): its \
        peer list is stale. Without --no-cluster-status each node is compared with the \
        inventory: its role, and DRIFT when the inventory's tailscale_ip is not the node's \
        address. A missing or invalid inventory leaves those columns empty and says why. \
        See docs/discovery.md.
        """)

    @Option(
      help: ArgumentHelp(
        "tailscaled's socket (default: $CLUSTER_MGR_TAILSCALE_SOCKET, else the platform's).",
        valueName: "path"))
    var socket: String?

    @Flag(help: "Only nodes that are online.")
    var onlineOnly = false

    @Option(
      help: ArgumentHelp(
        "Only nodes whose host name or MagicDNS name matches this glob (*, ?, [...]; case-insensitive).",
        valueName: "glob"))
    var filter: String?

    @Option(help: ArgumentHelp("Only nodes with this ACL tag (tag:k8s or k8s).", valueName: "tag"))
    var tag: String?

    @Option(
      help: ArgumentHelp("Only nodes with this OS (linux, macOS, windows, …).", valueName: "os"))
    var os: String?

    @Flag(help: "Do not read the inventory: no INVENTORY and DRIFT columns.")
    var noClusterStatus = false

    @Option(help: ArgumentHelp("Seconds to wait for tailscaled.", valueName: "seconds"))
    var timeout: Double = 10

    @OptionGroup var inventoryOptions: InventoryOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
      guard timeout > 0, timeout <= 600 else {
        throw ValidationError("--timeout must be between 0 and 600 seconds.")
      }
    }

    func run() async throws {
      let client = LocalAPIClient.locate(
        socket: socket, timeout: .milliseconds(Int(timeout * 1000)))
      let inventory =
        noClusterStatus
        ? DiscoverInventory.skipped : DiscoverInventory.load(path: inventoryOptions.path)
      let filters = DiscoverFilters(onlineOnly: onlineOnly, glob: filter, tag: tag, os: os)
      let report: DiscoverReport
      do {
        report = try await Discovery.run(
          client: client, inventory: inventory, filters: filters)
      } catch {
        printToStandardError("error: " + error.description)
        throw ExitCode(error.exitStatus)
      }
      if outputOptions.isJSON {
        print(report.json())
      } else {
        print(report.textLines().joined(separator: "\n"))
      }
    }
  }
}
