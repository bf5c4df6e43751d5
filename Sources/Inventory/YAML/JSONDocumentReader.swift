/// Reads a file's text as JSON the way Ansible does before it tries YAML: Python's `json.loads`
/// (numbers with a fraction or exponent are floats, integers have any size, `NaN` and
/// `Infinity` are accepted) with Ansible's decoder (`{"__ansible_unsafe": "..."}` is an unsafe
/// string, `{"__ansible_vault": "..."}` a vaulted one).
///
/// Any text Python would not decode is not JSON: the caller then reads it as YAML, as Ansible
/// does.
struct JSONDocumentReader {
  private let scalars: [Unicode.Scalar]
  private let file: String
  private var index = 0
  private var line = 1
  private var lineStart = 0

  /// Not JSON (read it as YAML instead).
  private struct NotJSON: Error {}

  /// The document's root when `text` is JSON to Python; nil when it is not.
  ///
  /// A JSON document that cluster-mgr refuses (a key written twice) is an error.
  static func read(_ text: String, file: String) -> Result<YAMLNode, InventoryError>? {
    var reader = JSONDocumentReader(scalars: Array(text.unicodeScalars), file: file)
    do {
      reader.skipWhitespace()
      let root = try reader.readValue()
      reader.skipWhitespace()
      guard reader.index == reader.scalars.count else { return nil }
      return .success(root)
    } catch let error as InventoryError {
      return .failure(error)
    } catch {
      return nil
    }
  }

  private init(scalars: [Unicode.Scalar], file: String) {
    self.scalars = scalars
    self.file = file
  }

  private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

  private var column: Int { index - lineStart + 1 }

  private mutating func advance() {
    if scalars[index] == "\n" {
      line += 1
      lineStart = index + 1
    }
    index += 1
  }

  private mutating func skipWhitespace() {
    while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    {
      advance()
    }
  }

  private mutating func expect(_ word: String) throws {
    for scalar in word.unicodeScalars {
      guard current == scalar else { throw NotJSON() }
      advance()
    }
  }

  private func node(_ content: YAMLNode.Content, line: Int, column: Int, flow: Bool = false)
    -> YAMLNode
  {
    YAMLNode(
      content: content, line: line, column: column, isFlow: flow, isAnchored: false,
      isAlias: false)
  }

  private func scalar(_ text: String, _ value: AnsibleValue, quoted: Bool) -> YAMLNode.Content {
    .scalar(YAMLScalar(text: text, style: quoted ? .doubleQuoted : .plain, tag: nil, value: value))
  }

  private mutating func readValue() throws -> YAMLNode {
    let (startLine, startColumn) = (line, column)
    guard let first = current else { throw NotJSON() }
    switch first {
    case "{": return try readObject()
    case "[":
      advance()
      var items: [YAMLNode] = []
      skipWhitespace()
      if current == "]" {
        advance()
      } else {
        while true {
          skipWhitespace()
          items.append(try readValue())
          skipWhitespace()
          if current == "," {
            advance()
            continue
          }
          try expect("]")
          break
        }
      }
      return node(.sequence(items), line: startLine, column: startColumn, flow: true)
    case "\"":
      let string = try readString()
      return node(
        scalar(string, .string(string), quoted: true), line: startLine, column: startColumn)
    default:
      let (text, value) = try readLiteral()
      return node(scalar(text, value, quoted: false), line: startLine, column: startColumn)
    }
  }

  private mutating func readObject() throws -> YAMLNode {
    let (startLine, startColumn) = (line, column)
    advance()
    var entries: [YAMLEntry] = []
    skipWhitespace()
    if current == "}" {
      advance()
    } else {
      while true {
        skipWhitespace()
        let (keyLine, keyColumn) = (line, column)
        guard current == "\"" else { throw NotJSON() }
        let key = try readString()
        skipWhitespace()
        try expect(":")
        skipWhitespace()
        let value = try readValue()
        let keyNode = node(
          scalar(key, .string(key), quoted: true), line: keyLine, column: keyColumn)
        entries.append(
          YAMLEntry(key: keyNode, name: key, keyIsString: true, value: value, isMerge: false))
        skipWhitespace()
        if current == "," {
          advance()
          continue
        }
        try expect("}")
        break
      }
    }
    // Ansible's decoder turns its own markers back into tagged strings.
    for (marker, make) in [
      ("__ansible_unsafe", { (text: String, _: SourceLocation) in AnsibleValue.unsafe(text) }),
      (
        "__ansible_vault",
        { (text: String, at: SourceLocation) in
          AnsibleValue.vault(VaultedString(ciphertext: text, plaintext: nil, location: at))
        }
      ),
    ] {
      guard let entry = entries.last(where: { $0.name == marker }) else { continue }
      guard let scalar = entry.value.scalar, case .string(let text) = scalar.value else {
        throw NotJSON()
      }
      let at = SourceLocation(file: file, line: startLine, column: startColumn)
      return node(
        .scalar(YAMLScalar(text: text, style: .doubleQuoted, tag: nil, value: make(text, at))),
        line: startLine, column: startColumn)
    }
    try checkDuplicates(entries)
    return node(.mapping(entries), line: startLine, column: startColumn, flow: true)
  }

  private func checkDuplicates(_ entries: [YAMLEntry]) throws {
    var seen: [String: Int] = [:]
    for entry in entries {
      if let firstLine = seen[entry.name] {
        throw InventoryError(
          InventoryDiagnostic(
            .error, code: "duplicate-key", subject: entry.name,
            at: SourceLocation(file: file, line: entry.key.line, column: entry.key.column),
            "duplicate key '\(entry.name)' (first defined on line \(firstLine)); keys must be "
              + "unique (Ansible keeps the last value)",
            remedy: "remove one of the two '\(entry.name)' entries or merge them"))
      }
      seen[entry.name] = entry.key.line
    }
  }

  private mutating func readString() throws -> String {
    advance()
    var result = String.UnicodeScalarView()
    while true {
      guard let scalar = current else { throw NotJSON() }
      advance()
      switch scalar {
      case "\"": return String(result)
      case "\\":
        guard let escape = current else { throw NotJSON() }
        advance()
        switch escape {
        case "\"", "\\", "/": result.append(escape)
        case "b": result.append("\u{08}")
        case "f": result.append("\u{0C}")
        case "n": result.append("\n")
        case "r": result.append("\r")
        case "t": result.append("\t")
        case "u":
          var code = try readHex4()
          if (0xD800..<0xDC00).contains(code), current == "\\",
            index + 1 < scalars.count, scalars[index + 1] == "u"
          {
            let save = (index, line, lineStart)
            advance()
            advance()
            let low = try readHex4()
            if (0xDC00..<0xE000).contains(low) {
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
              (index, line, lineStart) = save
            }
          }
          // A lone surrogate is valid to Python but cannot be a Swift string.
          guard let decoded = Unicode.Scalar(code) else { throw NotJSON() }
          result.append(decoded)
        default: throw NotJSON()
        }
      default:
        // Python's decoder is strict: no raw control characters inside strings.
        guard scalar.value >= 0x20 else { throw NotJSON() }
        result.append(scalar)
      }
    }
  }

  private mutating func readHex4() throws -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let scalar = current, let digit = Character(scalar).hexDigitValue else {
        throw NotJSON()
      }
      value = value * 16 + UInt32(digit)
      advance()
    }
    return value
  }

  /// `true`, `false`, `null`, `NaN`, `Infinity`, `-Infinity` or a number.
  private mutating func readLiteral() throws -> (String, AnsibleValue) {
    for (word, value) in [
      ("true", AnsibleValue.bool(true)), ("false", .bool(false)), ("null", .null),
      ("NaN", .float(.nan)), ("Infinity", .float(.infinity)), ("-Infinity", .float(-.infinity)),
    ] where matches(word) {
      for _ in word.unicodeScalars { advance() }
      return (word, value)
    }
    let start = index
    var isFloat = false
    if current == "-" { advance() }
    guard let lead = current, isDigit(lead) else { throw NotJSON() }
    if lead == "0" {
      advance()
    } else {
      while let scalar = current, isDigit(scalar) { advance() }
    }
    if current == ".", index + 1 < scalars.count, isDigit(scalars[index + 1]) {
      isFloat = true
      advance()
      while let scalar = current, isDigit(scalar) { advance() }
    }
    if current == "e" || current == "E" {
      var probe = index + 1
      if probe < scalars.count, scalars[probe] == "+" || scalars[probe] == "-" { probe += 1 }
      if probe < scalars.count, isDigit(scalars[probe]) {
        isFloat = true
        while index < probe { advance() }
        while let scalar = current, isDigit(scalar) { advance() }
      }
    }
    let text = String(String.UnicodeScalarView(scalars[start..<index]))
    if isFloat {
      guard let double = Double(text) else { throw NotJSON() }
      return (text, .float(double))
    }
    let negative = text.hasPrefix("-")
    guard let digits = DecimalDigits.fromRadix(negative ? text.dropFirst() : text[...], radix: 10)
    else { throw NotJSON() }
    return (text, DecimalDigits.value(digits, negative: negative))
  }

  private func matches(_ word: String) -> Bool {
    var position = index
    for scalar in word.unicodeScalars {
      guard position < scalars.count, scalars[position] == scalar else { return false }
      position += 1
    }
    return true
  }

  private func isDigit(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value >= 0x30 && scalar.value <= 0x39
  }
}
