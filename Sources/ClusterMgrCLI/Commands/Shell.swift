import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import RunHistory
import SSHTransport
import TerminalUI

extension ClusterMgr {
  /// `cluster-mgr ssh NAME [-- CMD…]`: an interactive shell on a node, through libssh2.
  struct Shell: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "ssh",
      abstract:
        "Open an interactive shell on a host (or run a command) with the inventory's SSH settings.",
      discussion: """
        Connects as the inventory says (ansible_user, ansible_port, the key file, then the \
        ssh-agent and ~/.ssh/id_ed25519), with the same host-key rules as every other command: \
        ~/.ssh/known_hosts and cluster-mgr's own known_hosts, keys vouched for by the tailnet, \
        strict unless --accept-new. No ssh program is needed. A shell gets a pseudo-terminal \
        that follows the window size; a command gets one only with -t (like OpenSSH). The exit \
        status is the remote one. Recorded in the run history (the command, not what it \
        printed) under the inventory's cluster_name.
        """)

    @Argument(help: "The host's inventory name.")
    var name: String

    @Argument(
      parsing: .postTerminator, help: "A command to run instead of the login shell (after --).")
    var command: [String] = []

    @Flag(name: .customShort("t"), help: "Ask for a pseudo-terminal for a command too.")
    var tty = false

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
      try await reportingOperatorErrors {
        let context = try await connection.context(inventory)
        guard context.node(name) != nil else {
          throw OperationError(
            "\(name) is not in \(context.inventory.path)",
            remedy: "see the hosts with `cluster-mgr inventory --graph`",
            exitStatus: ExitStatus.invalidInput)
        }
        let session = try await context.connection(to: name)
        let remote = command.isEmpty ? nil : command.joined(separator: " ")
        let started = ContinuousClock.now
        let terminalIn = RawPassthrough.isTerminal(STDIN_FILENO)
        let wantsTTY = remote == nil || tty
        if wantsTTY && !terminalIn && remote == nil {
          printToStandardError(
            "Pseudo-terminal will not be allocated because stdin is not a terminal.")
        }
        let usesTTY = wantsTTY && terminalIn
        let term =
          usesTTY
          ? (ProcessInfo.processInfo.environment["TERM"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "xterm") : nil
        let terminal = InteractiveTerminal(term: term) {
          let size = RawPassthrough.size(of: STDOUT_FILENO) ?? RawPassthrough.size(of: STDIN_FILENO)
          return (size?.width ?? 80, size?.height ?? 24)
        }
        let raw = usesTTY ? try RawPassthrough.enter(descriptor: STDIN_FILENO) : nil
        let outcome: (exitStatus: Int32, signal: String?)
        do {
          outcome = try await session.interact(command: remote, terminal: terminal)
        } catch {
          raw?.restore()
          throw error
        }
        raw?.restore()
        await context.sessions.closeAll()
        let ended =
          outcome.signal.map { "killed by SIG\($0)" } ?? "exit status \(outcome.exitStatus)"
        let (_, warning) = await OperationHistory.recordSingle(
          command: "ssh", commandLine: CommandLine.arguments, inventoryPath: context.inventory.path,
          redactor: context.redactor, host: name,
          step: remote.map { "command: " + context.redactor.redact($0) } ?? "interactive shell",
          status: outcome.signal == nil && outcome.exitStatus == 0 ? .changed : .failed,
          started: started, message: ended)
        if let warning { printToStandardError("warning: run history: \(warning)") }
        if let signal = outcome.signal {
          printToStandardError(
            "\(name): the remote \(remote == nil ? "shell" : "command") was killed by SIG\(signal)")
          throw ExitCode(ExitStatus.failure)
        }
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
      }
    }
  }
}
