extension Unicode.Scalar {
  /// Columns this scalar takes on a terminal: 0 (combining, format, control), 1, or 2 (wide).
  var terminalWidth: Int {
    let value = value
    if value == 0 || value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
    if value < 0x300 { return 1 }
    switch properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if (0x1160...0x11FF).contains(value) { return 0 }  // Hangul medial vowels and final consonants
    if Self.isWide(value) || properties.isEmojiPresentation { return 2 }
    return 1
  }

  /// East Asian Wide and Fullwidth ranges (after Markus Kuhn's wcwidth).
  private static func isWide(_ value: UInt32) -> Bool {
    switch value {
    case 0x1100...0x115F, 0x2329, 0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
      0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
      0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
      0x20000...0x2FFFD, 0x30000...0x3FFFD:
      return true
    default:
      return false
    }
  }
}

extension Character {
  /// Columns this grapheme takes on a terminal (0, 1 or 2).
  var terminalWidth: Int {
    let scalars = unicodeScalars
    guard let first = scalars.first else { return 0 }
    if isASCII { return first.value < 0x20 || first.value == 0x7F ? 0 : 1 }
    // An emoji presentation selector widens a text-style emoji such as U+2764.
    if scalars.contains("\u{FE0F}"), first.properties.isEmoji { return 2 }
    return scalars.lazy.map(\.terminalWidth).first { $0 > 0 } ?? 0
  }
}
