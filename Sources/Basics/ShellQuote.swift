import Foundation

/// Quoting for POSIX `sh`: every value that reaches a remote shell goes through here.
public enum ShellQuote {
  /// Returns `value` as one single-quoted `sh` word that expands to exactly `value`.
  ///
  /// Single quotes stop every expansion (`$`, backticks, `\`, globs, newlines); an embedded
  /// single quote is closed, escaped and reopened (`'\''`).
  public static func quote(_ value: String) -> String {
    if !value.isEmpty, value.utf8.allSatisfy(isSafe) { return value }
    return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// Joins `words` into one command line, quoting each word.
  public static func join(_ words: [String]) -> String {
    words.map(quote).joined(separator: " ")
  }

  private static func isSafe(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"),
      UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "@"), UInt8(ascii: "+"),
      UInt8(ascii: ","), UInt8(ascii: "%"):
      return true
    default:
      return false
    }
  }
}
