import ArgumentParser
import Basics
import Foundation
import RunHistory

extension ClusterMgr.History {
  /// `cluster-mgr history prune --keep N`: deletes all but the newest runs.
  struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "prune",
      abstract: "Delete all but the newest runs (and their task results) from the history.")

    @Option(name: .long, help: "How many of the newest runs to keep.")
    var keep: Int

    func validate() throws {
      guard keep >= 0 else { throw ValidationError("--keep must be 0 or more.") }
    }

    func run() async throws {
      let store = HistoryStore()
      do {
        let removed = try await store.prune(keep: keep)
        let noun = removed == 1 ? "run" : "runs"
        print("Removed \(removed) \(noun); kept the newest \(keep) (\(store.path.path)).")
      } catch {
        throw ClusterMgr.History.fail(error)
      }
    }
  }
}
