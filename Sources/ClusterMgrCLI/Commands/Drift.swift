import ArgumentParser
import Basics
import ClusterOps
import Foundation
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr drift`: the inventory compared with the cluster, the tailnet and the hosts.
  struct Drift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare the inventory with the running cluster, the tailnet and the hosts.",
      discussion: """
        Reports hosts missing from the cluster, cluster nodes not in the inventory, K3s \
        version skew (the running kubelet against k3s_version), labels and taints that differ \
        from node_labels/node_taints (or that cluster-mgr set and are no longer declared), \
        kubelet reservations that differ from the inventory's, Tailscale addresses that \
        changed, hosts offline in the tailnet, and manifest drift: each object provision keeps \
        applied (the NVIDIA device plugin and its time-slicing ConfigMap, the RuntimeClass, \
        Flux's components, deploy key and sync objects) compared field by field with the \
        cluster through the API (a server-side dry run; a Secret's values are never shown). \
        Exit status: 0 no drift, 1 drift found, \
        2 invalid inventory, 3 no drift found but tailscaled could not be read, 4 no drift \
        found but the cluster's API could not be reached. See docs/status.md.
        """)

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    @Option(
      help: ArgumentHelp(
        "Where Flux's install manifest is (DIR/flux/<version>/install.yaml), as for provision.",
        valueName: "dir"))
    var artifacts: String?

    func run() async throws {
      try await reportingOperatorErrors {
        let context = try await connection.context(inventory)
        let report = await DriftOperation.run(
          context: context, tailscaleSocket: connection.socket, artifactsDirectory: artifacts)
        await context.sessions.closeAll()
        print(output.isJSON ? report.json() : report.textLines().joined(separator: "\n"))
        if report.exitStatus != ExitStatus.success { throw ExitCode(report.exitStatus) }
      }
    }
  }
}
