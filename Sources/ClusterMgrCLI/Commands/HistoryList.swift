import ArgumentParser
import Basics
import ClusterOps
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

    @Option(
      name: .long,
      help: ArgumentHelp(
        "Only runs of this cluster (default: the inventory's cluster_name).", valueName: "name"))
    var cluster: String?

    @Flag(name: .long, help: "Runs of every cluster (and those recorded without one).")
    var allClusters = false

    @Option(name: .long, help: "Output format: text or json.")
    var output: ClusterMgr.History.OutputFormat = .text

    @OptionGroup var inventory: InventoryOptions

    func validate() throws {
      guard limit > 0 else { throw ValidationError("--limit must be at least 1.") }
      if allClusters && cluster != nil {
        throw ValidationError("--cluster and --all-clusters exclude each other.")
      }
    }

    /// The cluster whose runs are shown: --cluster, else the inventory's; nil for all.
    var shownCluster: String? {
      if allClusters { return nil }
      return cluster ?? OperationHistory.clusterName(inventoryPath: inventory.path)
    }

    func run() async throws {
      let store = HistoryStore()
      let runs: [RunSummary]
      let shown = shownCluster
      do {
        runs = try await store.runs(limit: limit, command: command, cluster: shown)
      } catch {
        throw ClusterMgr.History.fail(error)
      }
      switch output {
      case .json:
        try ClusterMgr.History.printJSON(runs)
      case .text:
        guard !runs.isEmpty else {
          let what = command.map { "No \($0) runs" } ?? "No runs"
          let of = shown.map { " of cluster \($0)" } ?? ""
          print("\(what)\(of) recorded yet (\(store.path.path)).")
          if shown != nil { print("--all-clusters shows the runs of every cluster.") }
          return
        }
        if let shown { print("cluster \(shown) (--all-clusters for every cluster):") }
        let clusters = shown == nil && runs.contains { $0.cluster != nil }
        print(HistoryText.table(runs, clusters: clusters), terminator: "")
      }
    }
  }
}
