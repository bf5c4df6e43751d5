import OrderedCollections

/// JSON text for ``InventoryValue``s: writing (Python-compatible layout) and reading.
public enum JSONText {
  /// JSON laid out like Python's `json.dumps(value, sort_keys=True, indent=4)`, which is what
  /// `ansible-inventory --list` prints (non-ASCII characters are written as they are).
  public static func pretty(_ value: InventoryValue, sortKeys: Bool = true, indent: Int = 4)
    -> String
  {
    var output = ""
    write(value, into: &output, sortKeys: sortKeys, indent: indent, level: 0)
    return output
  }

  /// JSON on one line, keys in their order.
  public static func compact(_ value: InventoryValue) -> String {
    var output = ""
    write(value, into: &output, sortKeys: false, indent: nil, level: 0)
    return output
  }

  /// Parses JSON text; numbers without fraction or exponent become integers.
  public static func parse(_ text: String) throws(JSONSyntaxError) -> InventoryValue {
    var reader = JSONReader(scalars: Array(text.unicodeScalars))
    reader.skipWhitespace()
    let value = try reader.readValue()
    reader.skipWhitespace()
    guard reader.atEnd else { throw reader.error("unexpected text after the JSON value") }
    return value
  }

  /// The JSON spelling of a string, with quotes.
  public static func quoted(_ string: String) -> String {
    var output = "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      case "\u{08}": output += "\\b"
      case "\u{0C}": output += "\\f"
      default:
        // Python's json escapes control characters below U+0020 only (DEL stays as it is).
        if scalar.value < 0x20 {
          output += "\\u" + hex4(scalar.value)
        } else {
          output.unicodeScalars.append(scalar)
        }
      }
    }
    return output + "\""
  }

  /// Python's `repr` of a float (`1.0`, `0.5`, `1e+30`, `Infinity`).
  static func number(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
    return PythonFloat.repr(value)
  }

  private static func hex4(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }

  private static func write(
    _ value: InventoryValue, into output: inout String, sortKeys: Bool, indent: Int?, level: Int
  ) {
    switch value {
    case .string(let string): output += quoted(string)
    case .int(let int): output += String(int)
    case .double(let double): output += number(double)
    case .bool(let bool): output += bool ? "true" : "false"
    case .null: output += "null"
    case .list(let items):
      guard !items.isEmpty else {
        output += "[]"
        return
      }
      output += "["
      for (index, item) in items.enumerated() {
        if index > 0 { output += indent == nil ? ", " : "," }
        newline(&output, indent: indent, level: level + 1)
        write(item, into: &output, sortKeys: sortKeys, indent: indent, level: level + 1)
      }
      newline(&output, indent: indent, level: level)
      output += "]"
    case .map(let map):
      guard !map.isEmpty else {
        output += "{}"
        return
      }
      output += "{"
      let keys = sortKeys ? map.keys.sorted(by: pythonOrder) : Array(map.keys)
      for (index, key) in keys.enumerated() {
        if index > 0 { output += indent == nil ? ", " : "," }
        newline(&output, indent: indent, level: level + 1)
        output += quoted(key) + ": "
        write(map[key]!, into: &output, sortKeys: sortKeys, indent: indent, level: level + 1)
      }
      newline(&output, indent: indent, level: level)
      output += "}"
    }
  }

  private static func newline(_ output: inout String, indent: Int?, level: Int) {
    guard let indent else { return }
    output += "\n" + String(repeating: " ", count: indent * level)
  }

  /// Python's string order: by code point.
  static func pythonOrder(_ left: String, _ right: String) -> Bool {
    left.unicodeScalars.lexicographicallyPrecedes(right.unicodeScalars)
  }
}

/// JSON that could not be read, with the character offset of the problem.
public struct JSONSyntaxError: Error, CustomStringConvertible {
  /// What was wrong.
  public var message: String
  /// Offset (in characters) into the text.
  public var offset: Int
  public var description: String { "\(message) (at character \(offset + 1))" }
}

private struct JSONReader {
  let scalars: [Unicode.Scalar]
  var index = 0

  var atEnd: Bool { index >= scalars.count }

  func error(_ message: String) -> JSONSyntaxError {
    JSONSyntaxError(message: message, offset: index)
  }

  mutating func skipWhitespace() {
    while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
  }

  mutating func expect(_ word: String) throws(JSONSyntaxError) {
    for scalar in word.unicodeScalars {
      guard index < scalars.count, scalars[index] == scalar else {
        throw error("expected '\(word)'")
      }
      index += 1
    }
  }

  mutating func readValue() throws(JSONSyntaxError) -> InventoryValue {
    guard index < scalars.count else { throw error("unexpected end of JSON") }
    switch scalars[index] {
    case "{": return try readObject()
    case "[": return try readArray()
    case "\"": return .string(try readString())
    case "t":
      try expect("true")
      return .bool(true)
    case "f":
      try expect("false")
      return .bool(false)
    case "n":
      try expect("null")
      return .null
    case "N":
      try expect("NaN")
      return .double(.nan)
    case "I":
      try expect("Infinity")
      return .double(.infinity)
    default:
      if scalars[index] == "-", index + 1 < scalars.count, scalars[index + 1] == "I" {
        try expect("-Infinity")
        return .double(-.infinity)
      }
      return try readNumber()
    }
  }

  mutating func readObject() throws(JSONSyntaxError) -> InventoryValue {
    index += 1
    var map: OrderedDictionary<String, InventoryValue> = [:]
    skipWhitespace()
    if index < scalars.count, scalars[index] == "}" {
      index += 1
      return .map(map)
    }
    while true {
      skipWhitespace()
      guard index < scalars.count, scalars[index] == "\"" else { throw error("expected a key") }
      let key = try readString()
      skipWhitespace()
      try expect(":")
      skipWhitespace()
      map[key] = try readValue()
      skipWhitespace()
      guard index < scalars.count else { throw error("unexpected end of JSON") }
      if scalars[index] == "," {
        index += 1
        continue
      }
      try expect("}")
      return .map(map)
    }
  }

  mutating func readArray() throws(JSONSyntaxError) -> InventoryValue {
    index += 1
    var items: [InventoryValue] = []
    skipWhitespace()
    if index < scalars.count, scalars[index] == "]" {
      index += 1
      return .list(items)
    }
    while true {
      skipWhitespace()
      items.append(try readValue())
      skipWhitespace()
      guard index < scalars.count else { throw error("unexpected end of JSON") }
      if scalars[index] == "," {
        index += 1
        continue
      }
      try expect("]")
      return .list(items)
    }
  }

  mutating func readString() throws(JSONSyntaxError) -> String {
    index += 1
    var result = String.UnicodeScalarView()
    while true {
      guard index < scalars.count else { throw error("unterminated string") }
      let scalar = scalars[index]
      index += 1
      switch scalar {
      case "\"": return String(result)
      case "\\":
        guard index < scalars.count else { throw error("unterminated string") }
        let escape = scalars[index]
        index += 1
        switch escape {
        case "\"": result.append("\"")
        case "\\": result.append("\\")
        case "/": result.append("/")
        case "b": result.append("\u{08}")
        case "f": result.append("\u{0C}")
        case "n": result.append("\n")
        case "r": result.append("\r")
        case "t": result.append("\t")
        case "u":
          var code = try readHex4()
          if (0xD800..<0xDC00).contains(code), index + 1 < scalars.count,
            scalars[index] == "\\", scalars[index + 1] == "u"
          {
            index += 2
            let low = try readHex4()
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let decoded = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
          result.append(decoded)
        default: throw error("invalid escape '\\\(escape)'")
        }
      default:
        result.append(scalar)
      }
    }
  }

  mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
    guard index + 4 <= scalars.count else { throw error("invalid \\u escape") }
    let digits = String(String.UnicodeScalarView(scalars[index..<index + 4]))
    guard let value = UInt32(digits, radix: 16) else { throw error("invalid \\u escape") }
    index += 4
    return value
  }

  mutating func readNumber() throws(JSONSyntaxError) -> InventoryValue {
    let start = index
    var isInteger = true
    while index < scalars.count {
      let scalar = scalars[index]
      if ("0"..."9").contains(scalar) || scalar == "-" || scalar == "+" {
        index += 1
      } else if scalar == "." || scalar == "e" || scalar == "E" {
        isInteger = false
        index += 1
      } else {
        break
      }
    }
    let text = String(String.UnicodeScalarView(scalars[start..<index]))
    if isInteger, let int = Int(text) { return .int(int) }
    if let double = Double(text), !text.isEmpty { return .double(double) }
    index = start
    throw error("invalid JSON value")
  }
}
