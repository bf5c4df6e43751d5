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

  /// `command` followed by a here-document of `data` in base64 lines: the data cannot end the
  /// here-document early (base64 never contains its delimiter), whatever it holds.
  public static func base64HereDocument(_ command: String, data: Data) -> String {
    "\(command) <<'CM_EOF'\n\(data.base64Lines)CM_EOF"
  }

  /// `command` reading `data` on its standard input (decoded from a base64 here-document).
  public static func feeding(_ command: String, data: Data) -> String {
    "base64 -d <<'CM_EOF' | \(command)\n\(data.base64Lines)CM_EOF"
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

extension Data {
  /// Base64 in lines of 76 characters separated by `\n` (what `base64 -d` reads in a heredoc).
  public var base64Lines: String {
    let encoded = base64EncodedString()
    var out = ""
    out.reserveCapacity(encoded.count + encoded.count / 76 + 1)
    var index = encoded.startIndex
    while index < encoded.endIndex {
      let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
      out += encoded[index..<end]
      out += "\n"
      index = end
    }
    return out
  }
}
