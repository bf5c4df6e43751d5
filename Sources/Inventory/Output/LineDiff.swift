/// A unified diff of two texts by lines (for `--dry-run` and JSON reports).
public enum LineDiff {
  /// `diff -u`-style output with `context` lines around each change; empty when equal.
  public static func unified(old: String, new: String, file: String, context: Int = 3) -> String {
    let a = lines(old)
    let b = lines(new)
    guard a != b else { return "" }
    // Longest common subsequence table (inventories are small).
    var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in stride(from: a.count - 1, through: 0, by: -1) {
      for j in stride(from: b.count - 1, through: 0, by: -1) {
        table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
      }
    }
    enum Op { case same(Int, Int), delete(Int), insert(Int) }
    var ops: [Op] = []
    var i = 0
    var j = 0
    while i < a.count || j < b.count {
      if i < a.count, j < b.count, a[i] == b[j] {
        ops.append(.same(i, j))
        i += 1
        j += 1
      } else if i < a.count, j == b.count || table[i + 1][j] >= table[i][j + 1] {
        ops.append(.delete(i))
        i += 1
      } else {
        ops.append(.insert(j))
        j += 1
      }
    }
    // Positions in the old and new text before each operation.
    var oldPosition: [Int] = []
    var newPosition: [Int] = []
    var x = 0
    var y = 0
    for op in ops {
      oldPosition.append(x)
      newPosition.append(y)
      switch op {
      case .same: x += 1; y += 1
      case .delete: x += 1
      case .insert: y += 1
      }
    }
    var output = "--- \(file)\n+++ \(file)\n"
    var index = 0
    while index < ops.count {
      if case .same = ops[index] {
        index += 1
        continue
      }
      // A hunk: `context` lines before this change to `context` after the last change that is
      // separated from the next by at most 2 × context unchanged lines.
      let start = max(0, index - context)
      var end = index
      var unchanged = 0
      var cursor = index
      while cursor < ops.count {
        if case .same = ops[cursor] {
          unchanged += 1
          if unchanged > 2 * context { break }
        } else {
          unchanged = 0
          end = cursor
        }
        cursor += 1
      }
      let stop = min(ops.count, end + context + 1)
      var oldCount = 0
      var newCount = 0
      var body = ""
      for op in ops[start..<stop] {
        switch op {
        case .same(let i, _):
          oldCount += 1
          newCount += 1
          body += " " + a[i] + "\n"
        case .delete(let i):
          oldCount += 1
          body += "-" + a[i] + "\n"
        case .insert(let j):
          newCount += 1
          body += "+" + b[j] + "\n"
        }
      }
      let oldStart = oldCount == 0 ? oldPosition[start] : oldPosition[start] + 1
      let newStart = newCount == 0 ? newPosition[start] : newPosition[start] + 1
      output += "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@\n" + body
      index = stop
    }
    return output
  }

  private static func lines(_ text: String) -> [String] {
    // Split on the scalar "\n": as a Character, "\r\n" is one unit and would not split.
    var result = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
      .map { String(String.UnicodeScalarView($0)) }
    if result.last == "" { result.removeLast() }
    return result
  }
}
