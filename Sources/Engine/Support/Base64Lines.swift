import Basics
import Foundation

extension Data {
  /// Base64 in lines of 76 characters separated by `\n` (what `base64 -d` reads in a heredoc).
  var base64Lines: String {
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

/// Shell fragments shared by resources.
enum Shell {
  /// `value` quoted as one `sh` word.
  static func q(_ value: String) -> String { ShellQuote.quote(value) }

  /// A heredoc feeding `lines` (base64, never containing the delimiter) to `command`.
  static func heredoc(_ command: String, base64 lines: String) -> String {
    "\(command) <<'CM_EOF'\n\(lines)CM_EOF"
  }

  /// An octal mode as `stat -c %a` prints it (no leading zeros).
  static func mode(_ mode: Int) -> String { String(mode, radix: 8) }
}
