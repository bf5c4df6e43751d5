import Foundation
import Testing

@testable import Engine

/// LineInFile's shared pattern cache answers exactly what matching each line afresh answers.
struct LinePatternsTests {
  let lines = [
    "# 100.64.0.1 old.tailnet.internal", "100.64.0.1 cp1.tailnet.internal",
    "100.64.0.2 w1.tailnet.internal", "UUID=1 none swap sw 0 0", "", "ünïcode w1.tailnet.internal",
    "100.64.0.9 cp1.tailnet.internal",
  ]
  let patterns = [
    "^[^#]* cp1\\.tailnet\\.internal$", "^[^#]* w1\\.tailnet\\.internal$", "^[^#].*\\sswap\\s",
    "^$", "x^", "(?i)TAILNET",
  ]

  func afresh(_ pattern: String, _ line: String) throws -> Bool {
    try NSRegularExpression(pattern: pattern)
      .firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
  }

  @Test func answersAsMatchingEachLineAfreshWouldAskedTwice() throws {
    let cache = LinePatterns()
    for _ in 0..<2 {
      for pattern in patterns {
        let expected = try lines.lastIndex { try afresh(pattern, $0) }
        #expect(try cache.lastIndex(in: lines, matching: pattern) == expected, "\(pattern)")
        let kept = try lines.filter { try !afresh(pattern, $0) }
        #expect(try cache.removingMatches(of: pattern, from: lines) == kept, "\(pattern)")
      }
    }
    // The same line under another pattern is answered for that pattern.
    #expect(try cache.lastIndex(in: ["a=1"], matching: "^a=") == 0)
    #expect(try cache.lastIndex(in: ["a=1"], matching: "^b=") == nil)
  }

  @Test func anInvalidPatternThrowsEveryTime() {
    let cache = LinePatterns()
    for _ in 0..<2 {
      #expect(throws: (any Error).self) { try cache.lastIndex(in: ["a"], matching: "(") }
    }
  }

  @Test func manyDistinctLinesPastTheLimitAreStillAnswered() throws {
    let cache = LinePatterns()
    let many = (0..<(LinePatterns.answersPerPattern + 10)).map { "line \($0)" }
    #expect(try cache.lastIndex(in: many, matching: "^line 1$") == 1)
    #expect(try cache.lastIndex(in: many, matching: "^line \(many.count - 1)$") == many.count - 1)
  }
}
