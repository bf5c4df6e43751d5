import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory

extension ClusterMgr {
  /// `cluster-mgr ping`: checks that every host can be reached, logged into and administered.
  struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Check every host over SSH: reachable, authenticated, sudo, OS, architecture, Tailscale IP.",
      discussion: """
        Like `ansible -m ping`, for every inventory host in parallel: connects (strict host \
        keys; --accept-new records unknown ones), authenticates (ssh-agent, the inventory's \
        key file, ~/.ssh/id_ed25519, ~/.ssh/id_ecdsa), runs one probe as root through sudo and \
        compares the host's Tailscale IPv4 with the inventory's tailscale_ip. \
        Exit status: 0 all hosts fine, 1 a host failed a check, 2 invalid input, \
        4 hosts unreachable (and none failed otherwise). See docs/ssh.md.
        """)

    @OptionGroup var inventory: InventoryOptions

    @OptionGroup var hostLimit: HostLimitOption

    @Option(name: [.customShort("f"), .long], help: "Hosts pinged at once.")
    var forks = 20

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
      let report = try await reportingOperatorErrors {
        let loaded = try inventory.load()
        let hosts =
          try hostLimit.limit.map { pattern throws(InventoryError) in
            try loaded.selectHosts(pattern)
          }
          ?? loaded.hostNames
        guard !hosts.isEmpty else {
          throw InventoryError(
            code: "no-hosts", "no host of \(loaded.path) matches \(hostLimit.limit ?? "all")",
            remedy: "Check the --limit pattern (cluster-mgr inventory lists the hosts).")
        }
        let context = try await ClusterContext.make(
          inventory: loaded, sshOptions: try connection.sshOptions(),
          tailscaleSocket: connection.socket,
          forks: max(1, forks))
        return await PingOperation.run(context: context, hosts: hosts)
      }
      print((output.isJSON ? [report.json()] : report.textLines()).joined(separator: "\n"))
      if report.exitStatus != ExitStatus.success { throw ExitCode(report.exitStatus) }
    }
  }
}
