import Basics
import Foundation

/// Shell fragments shared by resources.
enum ShellSnippets {
  /// `value` quoted as one `sh` word.
  static func q(_ value: String) -> String { ShellQuote.quote(value) }

  /// `command` with a here-document of `data` in base64 (which never contains the delimiter).
  static func heredoc(_ command: String, data: Data) -> String {
    ShellQuote.base64HereDocument(command, data: data)
  }

  /// An octal mode as `stat -c %a` prints it (no leading zeros).
  static func mode(_ mode: Int) -> String { String(mode, radix: 8) }
}
