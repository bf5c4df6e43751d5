import Basics
import Foundation
/// Unified diffs of text, for `--diff` and the run history.
public enum UnifiedDiff {
  /// A unified diff (3 lines of context) turning `old` into `new`, or nil when they are equal.
  public static func make(old: String, new: String, path: String, context: Int = 3) -> String? {
    if old == new { return nil }
    let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard a.count * b.count <= 4_000_000 else {
      return "--- \(path)\n+++ \(path)\n(file too large to diff: \(a.count) → \(b.count) lines)\n"
    }
    let edits = script(a, b)
    var out = "--- \(path)\n+++ \(path) (desired)\n"
    var index = 0
    while index < edits.count {
      guard let firstChange = edits[index...].firstIndex(where: { $0.kind != .same }) else { break }
      let start = max(index, firstChange - context)
      var end = firstChange
      var lastChange = firstChange
      while end < edits.count {
        if edits[end].kind != .same { lastChange = end }
        if end - lastChange > 2 * context { break }
        end += 1
      }
      let stop = min(edits.count, lastChange + context + 1)
      let hunk = edits[start..<stop]
      let oldStart = (hunk.first?.oldLine ?? 0) + 1
      let newStart = (hunk.first?.newLine ?? 0) + 1
      let oldCount = hunk.filter { $0.kind != .insert }.count
      let newCount = hunk.filter { $0.kind != .delete }.count
      out += "@@ -\(oldCount == 0 ? oldStart - 1 : oldStart),\(oldCount) "
      out += "+\(newCount == 0 ? newStart - 1 : newStart),\(newCount) @@\n"
      for edit in hunk {
        switch edit.kind {
        case .same: out += " \(edit.text)\n"
        case .delete: out += "-\(edit.text)\n"
        case .insert: out += "+\(edit.text)\n"
        }
      }
      index = stop
    }
    return out
  }

  private enum Kind { case same, delete, insert }
  private struct Edit {
    let kind: Kind
    let text: String
    let oldLine: Int
    let newLine: Int
  }

  /// Longest-common-subsequence edit script between two line arrays.
  private static func script(_ a: [String], _ b: [String]) -> [Edit] {
    let n = a.count
    let m = b.count
    var lcs = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
    if n > 0 && m > 0 {
      for i in stride(from: n - 1, through: 0, by: -1) {
        for j in stride(from: m - 1, through: 0, by: -1) {
          lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
        }
      }
    }
    var edits: [Edit] = []
    var i = 0
    var j = 0
    while i < n || j < m {
      if i < n, j < m, a[i] == b[j] {
        edits.append(Edit(kind: .same, text: a[i], oldLine: i, newLine: j))
        i += 1
        j += 1
      } else if j < m, i == n || lcs[i][j + 1] >= lcs[i + 1][j] {
        edits.append(Edit(kind: .insert, text: b[j], oldLine: i, newLine: j))
        j += 1
      } else {
        edits.append(Edit(kind: .delete, text: a[i], oldLine: i, newLine: j))
        i += 1
      }
    }
    return edits
  }
}
