import ArgumentParser
import Basics
import Foundation
import RunHistory

extension ClusterMgr {
  /// `cluster-mgr history`: the runs cluster-mgr recorded, and the details of one.
  struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "history",
      abstract: "List past runs, show one in detail, or prune old ones.",
      discussion: """
        Every run of provision, add-node, remove-node, backup, restore and run is recorded \
        with its command line (secrets masked), inventory hash and per-host task results in \
        a SQLite database in the state directory ($CLUSTER_MGR_STATE_DIR, else \
        $XDG_STATE_HOME/cluster-mgr, else ~/.local/state/cluster-mgr). See docs/history.md.
        """,
      subcommands: [List.self, Show.self, Prune.self],
      defaultSubcommand: List.self)

    /// How the history subcommands print: `text` for people, `json` for scripts.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
      case text
      case json
    }

    /// Prints `error` as `error: …` / `  fix: …` on standard error; returns its exit status.
    static func fail(_ error: any OperatorError) -> ExitCode {
      FileHandle.standardError.write(Data(("error: " + error.description + "\n").utf8))
      return ExitCode(error.exitStatus)
    }

    /// Encodes `value` as pretty, key-sorted JSON with ISO 8601 dates and prints it.
    static func printJSON(_ value: some Encodable) throws {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      encoder.dateEncodingStrategy = .iso8601
      print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
  }
}

/// A run number the history does not hold, or text that is not a run number.
struct UnknownRunError: OperatorError {
  let given: String
  let database: URL
  let isNumber: Bool

  var message: String {
    isNumber
      ? "There is no run \(given) in the history (\(database.path))."
      : "'\(given)' is not a run number."
  }

  var remedy: String? {
    "Give a number from the ID column of `cluster-mgr history`, or `last` for the newest run."
  }

  var exitStatus: Int32 { ExitStatus.invalidInput }
}
