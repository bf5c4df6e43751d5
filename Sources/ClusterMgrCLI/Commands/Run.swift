import ArgumentParser
import Basics
import ClusterOps
import Foundation
import Inventory
import OrderedCollections
import SSHTransport

extension ClusterMgr {
  /// `cluster-mgr run 'CMD'`: one shell command on many hosts at once.
  struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a shell command on the inventory's hosts in parallel.",
      discussion: """
        Each host's output is printed as one group when that host is done (never interleaved), \
        with its exit status; a host that cannot be reached is reported and the others still \
        answer. Exit status: 0 when the command succeeded everywhere, 1 when it failed or timed \
        out on a host, 4 when hosts were only unreachable, 130 when interrupted. Output is \
        masked for the inventory's secrets. Recorded in the run history.

        Of each host's standard output and standard error only the last --output-limit MiB \
        are kept (memory stays bounded whatever a host writes); a cut output starts with a \
        line saying how much was dropped. Ctrl-C starts no further host, lets the running ones \
        finish and exits 130; a second Ctrl-C stops at once.
        """)

    @Argument(help: "The command, run by /bin/sh on each host (quote it).")
    var command: String

    @OptionGroup var hostLimit: HostLimitOption

    @Flag(help: "Run the command as root through sudo.")
    var sudo = false

    @Option(name: [.customShort("f"), .long], help: "Hosts worked on at once.")
    var forks = 20

    @Option(help: ArgumentHelp("The time limit on each host.", valueName: "seconds"))
    var timeout = 300

    @Option(
      help: ArgumentHelp(
        "Keep at most this much of each host's standard output and of its standard error (the end of it).",
        valueName: "MiB"))
    var outputLimit = 1

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      if forks < 1 { throw ValidationError("--forks must be at least 1.") }
      if timeout < 1 { throw ValidationError("--timeout must be at least 1 second.") }
      if outputLimit < 1 || outputLimit > 1024 {
        throw ValidationError("--output-limit must be between 1 and 1024 MiB.")
      }
      if command.trimmingCharacters(in: .whitespaces).isEmpty {
        throw ValidationError("The command is empty.")
      }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        let context = try await ClusterContext.load(
          inventoryPath: inventory.path, sshOptions: try connection.sshOptions(),
          tailscaleSocket: connection.socket,
          forks: forks)
        var request = AdHocRequest(command: command)
        request.limit = hostLimit.limit
        request.sudo = sudo
        request.timeout = .seconds(timeout)
        request.outputLimit = outputLimit << 20
        let hosts = try AdHocOperation.hosts(request, context: context)
        let json = output.isJSON
        SignalHandling.install()
        let outcome = await AdHocOperation.run(
          request, hosts: hosts, context: context, interruption: Interruption.shared
        ) { result in
          if !json { print(Self.text(result), terminator: "") }
        }
        await context.sessions.closeAll()
        let results = outcome.results
        if json {
          print(Self.json(results, command: command, runID: outcome.runID))
        } else {
          print(Self.summary(results))
          if let warning = outcome.historyWarning {
            printToStandardError("warning: run history: \(warning)")
          }
          if let id = outcome.runID {
            print("run #\(id) recorded (cluster-mgr history show \(id))")
          }
        }
        let code =
          Interruption.shared.isRequested
          ? ExitStatus.interrupted : AdHocOperation.exitStatus(results)
        if code != ExitStatus.success { throw ExitCode(code) }
      }
    }

    /// One host's group: a header line, then its output; standard error lines marked.
    static func text(_ result: AdHocHostResult) -> String {
      var header = "==> \(result.host) <== "
      switch result.status {
      case .ok, .failed:
        if let signal = result.signal {
          header += "\(result.status.rawValue), killed by SIG\(signal)"
        } else {
          header += "\(result.status.rawValue), exit \(result.exitStatus ?? -1)"
        }
      case .timedOut, .unreachable, .notStarted:
        header += result.status.rawValue.uppercased()
      }
      header += String(format: " (%.1f s)", result.duration.inSeconds)
      var lines = [header]
      lines += body(result.stdout, dropped: result.stdoutDropped, stream: "standard output")
      lines += body(result.stderr, dropped: result.stderrDropped, stream: "standard error").map {
        "stderr: " + $0
      }
      if let error = result.error { lines.append("error: " + error) }
      return lines.joined(separator: "\n") + "\n\n"
    }

    /// The lines of one stream; when its start was dropped, a line saying so comes first and
    /// the kept text starts at its first whole line.
    static func body(_ text: String, dropped: Int = 0, stream: String = "") -> [String] {
      var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      if lines.last == "" { lines.removeLast() }
      guard dropped > 0 else { return lines }
      if lines.count > 1 { lines.removeFirst() }
      return [cutNotice(dropped: dropped, kept: text.utf8.count, stream: stream)] + lines
    }

    /// `[output cut: the first 49.0 MiB of standard output were dropped, the last 1.0 MiB follows]`.
    static func cutNotice(dropped: Int, kept: Int, stream: String) -> String {
      func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
      return "[output cut: the first \(mib(dropped)) of \(stream) were dropped, "
        + "the last \(mib(kept)) follows]"
    }

    static func summary(_ results: [AdHocHostResult]) -> String {
      let counts = Dictionary(grouping: results, by: \.status).mapValues(\.count)
      var parts = ["\(counts[.ok] ?? 0) ok"]
      for status in [AdHocHostResult.Status.failed, .timedOut, .unreachable, .notStarted] {
        if let count = counts[status] {
          let names = results.filter { $0.status == status }.map(\.host).joined(separator: ", ")
          parts.append("\(count) \(status.rawValue) (\(names))")
        }
      }
      return "\(results.count) host\(results.count == 1 ? "" : "s"): "
        + parts.joined(separator: ", ")
    }

    static func json(_ results: [AdHocHostResult], command: String, runID: Int64?) -> String {
      let hosts: [InventoryValue] = results.map { result in
        .map([
          "host": .string(result.host), "status": .string(result.status.rawValue),
          "exitStatus": result.exitStatus.map { .int(Int($0)) } ?? .null,
          "signal": result.signal.map { .string($0) } ?? .null,
          "stdout": .string(result.stdout), "stderr": .string(result.stderr),
          "stdoutDroppedBytes": .int(result.stdoutDropped),
          "stderrDroppedBytes": .int(result.stderrDropped),
          "error": result.error.map { .string($0) } ?? .null,
          "durationMilliseconds": .int(
            Int(
              result.duration.components.seconds * 1000 + result.duration.components.attoseconds
                / 1_000_000_000_000_000)),
        ])
      }
      return JSONText.pretty(
        .map([
          "command": .string(command), "hosts": .list(hosts),
          "exitStatus": .int(Int(AdHocOperation.exitStatus(results))),
          "run": runID.map { .int(Int($0)) } ?? .null,
        ]), sortKeys: false, indent: 2)
    }
  }
}
