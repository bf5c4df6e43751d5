extension String {
  /// This plain text broken into lines of at most `width` columns, at spaces where possible;
  /// newlines in the text start new lines.
  func wrapped(toWidth width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    for paragraph in split(separator: "\n", omittingEmptySubsequences: false) {
      var line = ""
      var lineWidth = 0
      for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
        var word = String(word)
        var wordWidth = word.displayWidth
        if lineWidth > 0, lineWidth + 1 + wordWidth <= width {
          line += " " + word
          lineWidth += 1 + wordWidth
          continue
        }
        if lineWidth > 0 {
          lines.append(line)
          line = ""
          lineWidth = 0
        }
        // A word wider than a line is cut into pieces.
        while wordWidth > width {
          var piece = ""
          var pieceWidth = 0
          var rest = Substring(word)
          while let character = rest.first, pieceWidth + character.terminalWidth <= width {
            piece.append(character)
            pieceWidth += character.terminalWidth
            rest = rest.dropFirst()
          }
          if piece.isEmpty { break }
          lines.append(piece)
          word = String(rest)
          wordWidth = word.displayWidth
        }
        line = word
        lineWidth = wordWidth
      }
      lines.append(line)
    }
    return lines
  }
}
