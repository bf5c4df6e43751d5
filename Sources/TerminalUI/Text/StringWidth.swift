/// Horizontal alignment of text within a column.
public enum TextAlignment: Sendable, Hashable {
  /// Text starts at the left edge; padding goes right.
  case left
  /// Text ends at the right edge; padding goes left.
  case right
}

extension String {
  /// Columns this text takes on a terminal; escape sequences take none, wide characters two.
  public var displayWidth: Int {
    var width = 0
    for token in ansiTokens {
      if case .character(let character) = token { width += character.terminalWidth }
    }
    return width
  }

  /// This text without escape sequences.
  public func strippingANSI() -> String {
    var result = ""
    for token in ansiTokens {
      if case .character(let character) = token { result.append(character) }
    }
    return result
  }

  /// This text cut to at most `width` columns, ending in `ellipsis` when something was cut.
  ///
  /// Escape sequences are kept (a reset is added after a cut if any were present), and a wide
  /// character that would straddle the limit is left out.
  public func truncated(toWidth width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    guard displayWidth > width else { return self }
    let ellipsisWidth = ellipsis.displayWidth
    let marker = ellipsisWidth <= width ? ellipsis : ""
    let budget = width - marker.displayWidth
    var result = ""
    var used = 0
    var sawEscape = false
    var isFull = false
    for token in ansiTokens {
      switch token {
      case .escape(let sequence):
        sawEscape = true
        result += sequence
      case .character(let character):
        let characterWidth = character.terminalWidth
        if isFull || used + characterWidth > budget {
          isFull = true
          continue
        }
        result.append(character)
        used += characterWidth
      }
    }
    result += marker
    return sawEscape ? result + ANSI.reset : result
  }

  /// This text padded with spaces to `width` columns (unchanged if already as wide or wider).
  public func padded(toWidth width: Int, alignment: TextAlignment = .left) -> String {
    let padding = width - displayWidth
    guard padding > 0 else { return self }
    let spaces = String(repeating: " ", count: padding)
    return alignment == .left ? self + spaces : spaces + self
  }

  /// This text truncated and padded to exactly `width` columns.
  public func fitted(toWidth width: Int, alignment: TextAlignment = .left) -> String {
    let cut = truncated(toWidth: width)
    // A wide character left out at the edge leaves one column short; padding fills it.
    return cut.padded(toWidth: width, alignment: alignment)
  }
}
