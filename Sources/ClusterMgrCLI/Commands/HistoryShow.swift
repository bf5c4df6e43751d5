import ArgumentParser
import Basics
import Foundation
import RunHistory

extension ClusterMgr.History {
  /// `cluster-mgr history show RUN`: one run with every task result.
  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "Show one run: its header, then every task result grouped by host.")

    @Argument(
      help: ArgumentHelp(
        "The run number (the ID column of `cluster-mgr history`), or `last`.", valueName: "run"))
    var runNumber: String

    @Flag(name: .long, help: "Print the (masked) diff under each task that changed something.")
    var diff = false

    @Option(name: .long, help: "Only the tasks of this host.")
    var host: String?

    @Option(name: .long, help: "Output format: text or json (json always includes the diffs).")
    var output: ClusterMgr.History.OutputFormat = .text

    func run() async throws {
      let store = HistoryStore()
      let detail: RunDetail
      do {
        detail = try await lookUp(in: store)
      } catch let error as any OperatorError {
        throw ClusterMgr.History.fail(error)
      }
      var shown = detail
      if let host { shown.tasks = detail.tasks.filter { $0.host == host } }
      switch output {
      case .json:
        try ClusterMgr.History.printJSON(shown)
      case .text:
        print(HistoryText.detail(shown, diffs: diff), terminator: "")
        if host != nil, shown.tasks.isEmpty {
          print("No task results for host \(host ?? "") in run \(detail.run.id).")
        }
      }
    }

    private func lookUp(in store: HistoryStore) async throws -> RunDetail {
      let wanted = runNumber.lowercased()
      let id: RunID
      if wanted == "last" || wanted == "latest" {
        guard let newest = try await store.runs(limit: 1).first?.id else {
          throw UnknownRunError(given: runNumber, database: store.path, isNumber: true)
        }
        id = newest
      } else {
        guard let parsed = RunID(runNumber) else {
          throw UnknownRunError(given: runNumber, database: store.path, isNumber: false)
        }
        id = parsed
      }
      guard let detail = try await store.run(id) else {
        throw UnknownRunError(given: runNumber, database: store.path, isNumber: true)
      }
      return detail
    }
  }
}
