import Foundation
import Testing

/// Compares frames with golden text files under `Golden/`.
///
/// Each line of a golden file is one frame line followed by `|`, so trailing spaces survive
/// editors and the width is visible; escape characters are written as `␛`. A missing golden
/// fails. With `TERMINALUI_RECORD_GOLDENS=1` the goldens are (re)written into the source tree
/// and the test fails so that a recording run is never mistaken for a passing one.
enum Golden {
  static let recordVariable = "TERMINALUI_RECORD_GOLDENS"

  static func text(of lines: [String]) -> String {
    lines.map { $0.replacingOccurrences(of: "\u{1B}", with: "␛") + "|" }.joined(separator: "\n")
      + "\n"
  }

  static func check(
    _ lines: [String], named name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let actual = text(of: lines)
    if ProcessInfo.processInfo.environment[recordVariable] == "1" {
      let url = sourceDirectory.appendingPathComponent(name + ".txt")
      do {
        try actual.write(to: url, atomically: true, encoding: .utf8)
        Issue.record(
          "recorded golden \(name).txt; run again without \(recordVariable)",
          sourceLocation: sourceLocation)
      } catch {
        Issue.record("cannot record golden \(name).txt: \(error)", sourceLocation: sourceLocation)
      }
      return
    }
    guard
      let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Golden"),
      let expected = try? String(contentsOf: url, encoding: .utf8)
    else {
      Issue.record(
        "missing golden \(name).txt; record it with \(recordVariable)=1 and review it",
        sourceLocation: sourceLocation)
      return
    }
    if expected != actual {
      Issue.record(
        "frame differs from golden \(name).txt\n--- expected\n\(expected)--- actual\n\(actual)",
        sourceLocation: sourceLocation)
    }
  }

  private static var sourceDirectory: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Golden")
  }
}
