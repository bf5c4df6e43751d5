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
        changed, and hosts offline in the tailnet. Exit status: 0 no drift, 1 drift found, \
        2 invalid inventory, 3 no drift found but tailscaled could not be read, 4 no drift \
        found but the cluster's API could not be reached. See docs/status.md.
        """)

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
      try await reportingOperatorErrors {
        let context = try await connection.context(inventory)
        let report = await DriftOperation.run(context: context, tailscaleSocket: connection.socket)
        await context.sessions.closeAll()
        print(output.isJSON ? report.json() : report.textLines().joined(separator: "\n"))
        if report.exitStatus != ExitStatus.success { throw ExitCode(report.exitStatus) }
      }
    }
  }
}
