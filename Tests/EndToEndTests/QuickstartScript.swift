import ClusterMgrTesting
import Foundation

/// The commands of docs/quickstart.md, in order: every line of its ```sh blocks, with the exit
/// status its comment announces (`(exit N)`), 0 otherwise.
struct QuickstartScript {
  struct Command: CustomStringConvertible {
    /// The shell line, without its comment.
    let line: String
    /// The exit status the doc says it has.
    let expectedStatus: Int32
    var description: String { line }
  }

  let commands: [Command]

  static func load() throws -> QuickstartScript {
    let path = Repository.root.appendingPathComponent("docs/quickstart.md").path
    return QuickstartScript(markdown: try String(contentsOfFile: path, encoding: .utf8))
  }

  init(markdown: String) {
    var commands: [Command] = []
    var inBlock = false
    for rawLine in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = rawLine.trimmingCharacters(in: .whitespaces)
      if line.hasPrefix("```") {
        inBlock = !inBlock && line == "```sh"
        continue
      }
      guard inBlock, !line.isEmpty, !line.hasPrefix("#") else { continue }
      var command = line
      var expected: Int32 = 0
      if let hash = line.range(of: "  #") ?? line.range(of: " # ") {
        let comment = line[hash.upperBound...]
        command = String(line[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces)
        if let match = comment.firstMatch(of: #/\(exit (\d+)\)/#), let status = Int32(match.1) {
          expected = status
        }
      }
      commands.append(Command(line: command, expectedStatus: expected))
    }
    self.commands = commands
  }

  /// The first command that starts with `prefix`.
  func command(_ prefix: String) -> Command? {
    commands.first { $0.line.hasPrefix(prefix) }
  }
}
