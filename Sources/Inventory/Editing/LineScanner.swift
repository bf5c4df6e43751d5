/// Finds the ends of keys, values and comments on one line of YAML (block context).
enum LineScanner {
  /// The index just after a key that starts at `start`: the position of its `:`. Nil when the
  /// key does not end on this line.
  static func keyEnd(_ line: [Unicode.Scalar], from start: Int) -> Int? {
    guard start < line.count else { return nil }
    if line[start] == "'" || line[start] == "\"" {
      guard let close = quotedEnd(line, from: start) else { return nil }
      var index = close
      while index < line.count, line[index] == " " { index += 1 }
      return index < line.count && line[index] == ":" ? index : nil
    }
    var index = start
    while index < line.count {
      if line[index] == ":", index + 1 == line.count || line[index + 1] == " " { return index }
      index += 1
    }
    return nil
  }

  /// The index just after a single-line scalar value that starts at `start`, trailing spaces
  /// excluded. Nil for a value that continues on the next line or is not a scalar.
  static func valueEnd(_ line: [Unicode.Scalar], from start: Int) -> Int? {
    guard start < line.count else { return start }
    switch line[start] {
    case "'", "\"": return quotedEnd(line, from: start)
    case "|", ">", "[", "{", "&", "*", "!": return nil
    default:
      var index = start
      var end = start
      while index < line.count {
        if line[index] == "#", index > start, line[index - 1] == " " || line[index - 1] == "\t" {
          break
        }
        if line[index] != " " && line[index] != "\t" { end = index + 1 }
        index += 1
      }
      return end
    }
  }

  /// The index just after a scalar inside a flow collection (ends at `,`, `}` or `]`).
  static func flowScalarEnd(_ line: [Unicode.Scalar], from start: Int) -> Int? {
    guard start < line.count else { return nil }
    switch line[start] {
    case "'", "\"": return quotedEnd(line, from: start)
    case "{", "[": return flowEnd(line, from: start)
    case "&", "*", "!", "|", ">": return nil
    default:
      var index = start
      var end = start
      while index < line.count, !",}]".unicodeScalars.contains(line[index]) {
        if line[index] == "#", index > start, line[index - 1] == " " { return nil }
        if line[index] != " " { end = index + 1 }
        index += 1
      }
      return index < line.count ? end : nil
    }
  }

  /// Where a trailing comment starts (the `#`), looking from `start`; nil when there is none.
  static func commentStart(_ line: [Unicode.Scalar], from start: Int) -> Int? {
    var index = start
    while index < line.count, line[index] == " " || line[index] == "\t" { index += 1 }
    return index < line.count && line[index] == "#" ? index : nil
  }

  /// The index just after a flow collection (`{…}` or `[…]`) that starts and ends on this line.
  static func flowEnd(_ line: [Unicode.Scalar], from start: Int) -> Int? {
    var depth = 0
    var index = start
    while index < line.count {
      switch line[index] {
      case "{", "[": depth += 1
      case "}", "]":
        depth -= 1
        if depth == 0 { return index + 1 }
      case "'", "\"":
        guard let end = quotedEnd(line, from: index) else { return nil }
        index = end
        continue
      default: break
      }
      index += 1
    }
    return nil
  }

  /// The index after the closing quote of a quoted scalar starting at `start`.
  private static func quotedEnd(_ line: [Unicode.Scalar], from start: Int) -> Int? {
    let quote = line[start]
    var index = start + 1
    while index < line.count {
      let scalar = line[index]
      if quote == "\"", scalar == "\\" {
        index += 2
        continue
      }
      if scalar == quote {
        if quote == "'", index + 1 < line.count, line[index + 1] == "'" {
          index += 2
          continue
        }
        return index + 1
      }
      index += 1
    }
    return nil
  }
}
