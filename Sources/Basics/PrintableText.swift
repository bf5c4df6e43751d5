/// Text from outside (an inventory, a tailnet, a node) made safe to print on a terminal: control
/// characters, escape sequences and line breaks become visible escapes, so a name cannot move
/// the cursor, change colours or fake output lines.
public enum PrintableText {
  /// `text` with every control character (C0, DEL, C1) written as `\u{XX}`.
  public static func escaped(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
      if isControl(scalar) {
        out += "\\u{" + String(scalar.value, radix: 16) + "}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// `text` with control characters escaped except line breaks and tabs (multi-line output).
  public static func escapedKeepingLines(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" && $0 != "\t" })
    else { return text }
    return text.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.split(separator: "\t", omittingEmptySubsequences: false).map { escaped(String($0)) }
        .joined(separator: "\t")
    }.joined(separator: "\n")
  }

  /// `escaped(text)` in single quotes, for messages that name a value.
  public static func quoted(_ text: String) -> String { "'" + escaped(text) + "'" }

  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }
}
