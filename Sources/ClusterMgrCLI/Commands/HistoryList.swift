import ArgumentParser
import Basics
import Foundation
import RunHistory

extension ClusterMgr.History {
  /// `cluster-mgr history [list]`: recorded runs, newest first.
  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract: "List recorded runs, newest first (the default).")

    @Option(name: .long, help: "Show at most this many runs.")
    var limit: Int = 20

    @Option(name: .long, help: "Only runs of this command (provision, add-node, run, …).")
    var command: String?

    @Option(name: .long, help: "Output format: text or json.")
    var output: ClusterMgr.History.OutputFormat = .text

    func validate() throws {
      guard limit > 0 else { throw ValidationError("--limit must be at least 1.") }
    }

    func run() async throws {
      let store = HistoryStore()
      let runs: [RunSummary]
      do {
        runs = try await store.runs(limit: limit, command: command)
      } catch {
        throw ClusterMgr.History.fail(error)
      }
      switch output {
      case .json:
        try ClusterMgr.History.printJSON(runs)
      case .text:
        guard !runs.isEmpty else {
          let what = command.map { "No \($0) runs" } ?? "No runs"
          print("\(what) recorded yet (\(store.path.path)).")
          return
        }
        print(HistoryText.table(runs), terminator: "")
      }
    }
  }
}
