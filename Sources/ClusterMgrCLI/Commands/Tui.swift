import ArgumentParser
import Basics
import ClusterOps
import Foundation
import TerminalUI

extension ClusterMgr {
  /// `cluster-mgr tui`: the full-screen monitor.
  struct Tui: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Watch the cluster in a full-screen monitor: nodes, workloads, events.",
      discussion: """
        Refreshes every few seconds: CPU, memory and disk read from each host over SSH, \
        cluster objects through a server, tailnet state from the local tailscaled, and \
        cluster-mgr's own recent runs. Keys: q quit, r refresh, arrows move, Enter details, \
        Tab switch screen, / filter, ? help. Needs an interactive terminal (exit status 3 \
        otherwise; use cluster-mgr status for a one-shot view). See docs/tui.md.
        """)

    @Option(help: ArgumentHelp("Seconds between refreshes.", valueName: "seconds"))
    var refresh: Double = 5

    @OptionGroup var inventory: InventoryOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
      guard refresh >= 1, refresh <= 3600 else {
        throw ValidationError("--refresh must be between 1 and 3600 seconds.")
      }
    }

    func run() async throws {
      try await reportingOperatorErrors {
        let terminal = SystemTerminal()
        guard terminal.isInteractive else { throw MonitorError.notATerminal }
        let context = try await connection.context(inventory)
        let interval = Duration.milliseconds(Int(refresh * 1000))
        let source = MonitorClusterSource(
          context: context, tailscaleSocket: connection.socket,
          budget: min(max(interval, .seconds(3)), .seconds(10)))
        let loop = MonitorLoop(source: source, terminal: terminal, refreshInterval: interval)
        try await loop.run()
        await source.close()
      }
    }
  }
}
