import ClusterMgrTesting
import Engine
import Foundation
import Testing

/// Compares text with golden files under `Tests/RolesTests/Golden/` (read from the checkout).
///
/// A missing golden fails. With `ROLES_RECORD_GOLDENS=1` the goldens are (re)written and the
/// test fails, so that a recording run is never mistaken for a passing one; review the diff
/// with `git diff Tests/RolesTests/Golden` before committing it.
enum GoldenFiles {
  static let recordVariable = "ROLES_RECORD_GOLDENS"

  /// The checkout's role files (what the binary embeds, see PackagingTests).
  static let roleFiles = RoleFiles(root: Repository.root.appendingPathComponent("roles"))

  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Golden")

  /// Checks `actual` against `Golden/<name>.txt`.
  static func check(
    _ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let url = directory.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment[recordVariable] == "1" {
      do {
        try FileManager.default.createDirectory(
          at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: url, atomically: true, encoding: .utf8)
        Issue.record(
          "recorded golden \(name).txt; run again without \(recordVariable)",
          sourceLocation: sourceLocation)
      } catch {
        Issue.record("cannot record golden \(name).txt: \(error)", sourceLocation: sourceLocation)
      }
      return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      Issue.record(
        "missing golden \(name).txt; record it with \(recordVariable)=1 and review it",
        sourceLocation: sourceLocation)
      return
    }
    if expected != actual {
      let remedy = "record with \(recordVariable)=1, then review git diff"
      Issue.record(
        "\(name) differs from Golden/\(name).txt (\(remedy))\n\(firstDifference(expected, actual))",
        sourceLocation: sourceLocation)
    }
  }

  /// The first line that differs, with its number, as expected and as rendered now.
  static func firstDifference(_ expected: String, _ actual: String) -> String {
    let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let index =
      zip(old, new).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      ?? min(old.count, new.count)
    func line(_ lines: [Substring]) -> String {
      index < lines.count ? String(lines[index]) : "(end of text)"
    }
    return "line \(index + 1):\n- \(line(old))\n+ \(line(new))"
  }
}
