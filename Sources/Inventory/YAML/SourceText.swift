import OrderedCollections

/// The text of a source file split into lines, for looking up what is at a YAML mark.
struct SourceText: Sendable {
  /// Lines without their terminators (`\n` or `\r\n`), as Unicode scalars.
  let lines: [[Unicode.Scalar]]

  init(_ text: String) {
    var lines: [[Unicode.Scalar]] = []
    var current: [Unicode.Scalar] = []
    for scalar in text.unicodeScalars {
      if scalar == "\n" {
        if current.last == "\r" { current.removeLast() }
        lines.append(current)
        current = []
      } else {
        current.append(scalar)
      }
    }
    lines.append(current)
    // A byte order mark is not part of the first line's columns.
    if lines[0].first == "\u{FEFF}" { lines[0].removeFirst() }
    self.lines = lines
  }

  /// The character at a 1-based line and column; nil past the end of the line.
  func scalar(line: Int, column: Int) -> Unicode.Scalar? {
    guard line >= 1, line <= lines.count else { return nil }
    let text = lines[line - 1]
    guard column >= 1, column <= text.count else { return nil }
    return text[column - 1]
  }

  /// The line's text (1-based).
  func line(_ number: Int) -> String {
    guard number >= 1, number <= lines.count else { return "" }
    return String(String.UnicodeScalarView(lines[number - 1]))
  }

  /// The first character of the node at a mark, after any `&anchor` and `!tag` properties.
  func contentStart(line: Int, column: Int) -> (scalar: Unicode.Scalar?, anchored: Bool) {
    guard line >= 1, line <= lines.count else { return (nil, false) }
    let text = lines[line - 1]
    var index = column - 1
    var anchored = false
    while index < text.count, text[index] == "&" || text[index] == "!" {
      if text[index] == "&" { anchored = true }
      while index < text.count, text[index] != " ", text[index] != "\t" { index += 1 }
      while index < text.count, text[index] == " " || text[index] == "\t" { index += 1 }
    }
    return (index < text.count ? text[index] : nil, anchored)
  }
}
