/// A piece of a string as a terminal sees it: a printable character or an escape sequence.
enum ANSIToken: Equatable {
  /// A grapheme that occupies cells.
  case character(Character)
  /// A complete escape sequence, such as `ESC[1;31m`.
  case escape(String)

  /// Whether this is a Select Graphic Rendition sequence (`ESC[…m`).
  var isSGR: Bool {
    guard case .escape(let sequence) = self else { return false }
    return sequence.hasPrefix(ANSI.csi) && sequence.hasSuffix("m")
  }

  /// Whether this SGR sequence resets every attribute (`ESC[m` or `ESC[0m`).
  var isReset: Bool {
    guard case .escape(let sequence) = self else { return false }
    return sequence == ANSI.csi + "m" || sequence == ANSI.reset
  }
}

extension String {
  /// This string split into printable characters and escape sequences.
  ///
  /// Recognises CSI (`ESC [` … final byte), OSC (`ESC ]` … BEL or `ESC \`) and two-character
  /// escapes. An escape cut short at the end of the string is dropped.
  var ansiTokens: [ANSIToken] {
    var tokens: [ANSIToken] = []
    var index = startIndex
    while index < endIndex {
      let character = self[index]
      guard character == "\u{1B}" else {
        tokens.append(.character(character))
        index = self.index(after: index)
        continue
      }
      let (sequence, next) = escapeSequence(at: index)
      if let sequence { tokens.append(.escape(sequence)) }
      index = next
    }
    return tokens
  }

  /// The escape sequence starting at `start` (an ESC), and the index after it.
  private func escapeSequence(at start: Index) -> (String?, Index) {
    var index = self.index(after: start)
    guard index < endIndex else { return (nil, index) }
    let introducer = self[index]
    index = self.index(after: index)
    switch introducer {
    case "[":
      while index < endIndex {
        let scalar = self[index].unicodeScalars.first!.value
        index = self.index(after: index)
        if (0x40...0x7E).contains(scalar) { return (String(self[start..<index]), index) }
      }
      return (nil, index)
    case "]":
      while index < endIndex {
        let character = self[index]
        index = self.index(after: index)
        if character == "\u{07}" { return (String(self[start..<index]), index) }
        if character == "\u{1B}", index < endIndex, self[index] == "\\" {
          index = self.index(after: index)
          return (String(self[start..<index]), index)
        }
      }
      return (nil, index)
    default:
      return (String(self[start..<index]), index)
    }
  }
}
