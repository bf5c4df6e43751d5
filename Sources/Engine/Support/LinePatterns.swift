import Foundation

/// The regular expressions of ``LineInFile``: each pattern compiled once per process, and each
/// line answered once per pattern. The hosts of a cluster mostly hold the same lines (every
/// node's /etc/hosts lists every node), so at 100 hosts this turns half a million ICU matches
/// into about ten thousand.
final class LinePatterns: @unchecked Sendable {
  static let shared = LinePatterns()
  /// Answers kept per pattern at most; past it lines are matched without keeping the answer.
  static let answersPerPattern = 4096

  /// One compiled pattern and what it said of the lines it saw.
  private final class Pattern {
    let regex: NSRegularExpression
    var answers: [String: Bool] = [:]

    init(_ regex: NSRegularExpression) { self.regex = regex }

    func matches(_ line: String) -> Bool {
      if let known = answers[line] { return known }
      let answer = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
      if answers.count < LinePatterns.answersPerPattern { answers[line] = answer }
      return answer
    }
  }

  private let lock = NSLock()
  private var patterns: [String: Pattern] = [:]

  /// The index of the last of `lines` that `pattern` matches. Throws ICU's error for an invalid
  /// pattern.
  func lastIndex(in lines: [String], matching pattern: String) throws -> Int? {
    try lock.withLock {
      let compiled = try self.pattern(pattern)
      return lines.lastIndex(where: compiled.matches)
    }
  }

  /// `lines` without those `pattern` matches.
  func removingMatches(of pattern: String, from lines: [String]) throws -> [String] {
    try lock.withLock {
      let compiled = try self.pattern(pattern)
      return lines.filter { !compiled.matches($0) }
    }
  }

  /// Called with the lock held: one scan at a time, so that hosts planned together share their
  /// answers instead of each matching every line.
  private func pattern(_ text: String) throws -> Pattern {
    if let known = patterns[text] { return known }
    let compiled = Pattern(try NSRegularExpression(pattern: text))
    patterns[text] = compiled
    return compiled
  }
}
