import ArgumentParser
import Basics
import Foundation

/// The `cluster-mgr` command: a K3s cluster from the machines of a Tailscale tailnet.
@main
struct ClusterMgr: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cluster-mgr",
    abstract: "Turn the machines of your Tailscale tailnet into a K3s cluster.",
    discussion: """
      cluster-mgr reads an Ansible-compatible inventory (inventory/hosts.yml by default), \
      discovers nodes through the local tailscaled, and provisions K3s, NVIDIA GPU support \
      and Flux over SSH, idempotently and in parallel.
      """,
    version: BuildInfo.version,
    subcommands: [
      Version.self, Init.self, Discover.self, Ping.self, Provision.self, Status.self, Drift.self,
      Tui.self,
      AddNode.self, RemoveNode.self, Drain.self, Cordon.self, Uncordon.self, Reconcile.self,
      Run.self, Shell.self, Backup.self, Restore.self,
      Export.self, Reset.self, InventoryCommand.self, ConfigGet.self, ConfigSet.self, History.self,
    ]
  )

  /// Parses and runs the command; usage errors exit with status 2 like other invalid input.
  static func main() async {
    do {
      let arguments = Array(CommandLine.arguments.dropFirst())
      var command = try parseAsRoot(InventoryGroupArgument.normalized(arguments))
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(ExitStatus.invalidInput)
      }
      exit(withError: error)
    }
  }
}
