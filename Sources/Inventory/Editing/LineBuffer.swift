/// A text file as lines with their own terminators, so that every line the editor does not
/// touch is written back byte for byte (CRLF, a missing final newline and a byte order mark
/// included).
struct LineBuffer: Sendable {
  struct Line: Sendable, Equatable {
    /// The line without its terminator (and without a byte order mark on line 1).
    var text: String
    /// `\n`, `\r\n`, or empty for a last line without newline.
    var terminator: String
  }

  var lines: [Line]
  /// The file starts with a byte order mark.
  var hasByteOrderMark: Bool
  /// The terminator for new lines: the file's first one, else `\n`.
  let newline: String

  init(_ text: String) {
    var body = Substring(text)
    hasByteOrderMark = body.unicodeScalars.first == "\u{FEFF}"
    if hasByteOrderMark { body = Substring(body.unicodeScalars.dropFirst()) }
    var lines: [Line] = []
    var current = String.UnicodeScalarView()
    var iterator = body.unicodeScalars.makeIterator()
    var pendingCR = false
    while let scalar = iterator.next() {
      if scalar == "\n" {
        lines.append(Line(text: String(current), terminator: pendingCR ? "\r\n" : "\n"))
        current = String.UnicodeScalarView()
        pendingCR = false
        continue
      }
      if pendingCR { current.append("\r") }
      pendingCR = scalar == "\r"
      if !pendingCR { current.append(scalar) }
    }
    if pendingCR { current.append("\r") }
    if !current.isEmpty { lines.append(Line(text: String(current), terminator: "")) }
    self.lines = lines
    newline = lines.first { !$0.terminator.isEmpty }?.terminator ?? "\n"
  }

  /// The whole text again.
  var text: String {
    var output = hasByteOrderMark ? "\u{FEFF}" : ""
    for line in lines { output += line.text + line.terminator }
    return output
  }

  var count: Int { lines.count }

  /// The text of a 0-based line.
  subscript(index: Int) -> String { lines[index].text }

  /// Number of leading spaces.
  func indent(_ index: Int) -> Int {
    lines[index].text.prefix { $0 == " " }.count
  }

  /// Only spaces and tabs.
  func isBlank(_ index: Int) -> Bool {
    lines[index].text.allSatisfy { $0 == " " || $0 == "\t" }
  }

  /// A line holding only a comment.
  func isComment(_ index: Int) -> Bool {
    lines[index].text.drop { $0 == " " || $0 == "\t" }.hasPrefix("#")
  }

  /// Replaces lines `range` with `texts` (new lines get the file's terminator). A file that
  /// ended without a newline still does.
  mutating func replace(_ range: Range<Int>, with texts: [String]) {
    let finalNewlineMissing = lines.last?.terminator.isEmpty ?? false
    lines.replaceSubrange(range, with: texts.map { Line(text: $0, terminator: newline) })
    for index in lines.indices.dropLast() where lines[index].terminator.isEmpty {
      lines[index].terminator = newline
    }
    if finalNewlineMissing, !lines.isEmpty { lines[lines.count - 1].terminator = "" }
  }
}
