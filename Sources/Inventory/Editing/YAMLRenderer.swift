import Foundation
import OrderedCollections

/// Writes new YAML lines for the editor in block style, in the file's indentation style, with
/// scalars quoted only when they would otherwise read back as something else.
struct YAMLRenderer: Sendable {
  /// Spaces per nesting level.
  var unit = 2
  /// Spaces between a key and the `-` of its list items (0: `key:\n- a`).
  var sequenceOffset = 2

  /// Lines for `key: value` at `indent`.
  func entry(key: String, value: InventoryValue, indent: Int) -> [String] {
    entry(keyText: Self.key(key), value: value, indent: indent)
  }

  /// Lines for an entry whose key is already spelled (as written in the file).
  func entry(keyText: String, value: InventoryValue, indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    if let envelope = value.vaultCiphertext {
      return [pad + keyText + ": " + Self.vaultTag]
        + Self.vaultLines(envelope, indent: indent + unit)
    }
    switch value {
    case .map(let map) where !map.isEmpty:
      return [pad + keyText + ":"]
        + map.flatMap { entry(key: $0.key, value: $0.value, indent: indent + unit) }
    case .list(let items) where !items.isEmpty:
      return [pad + keyText + ":"]
        + items.flatMap { item(value: $0, indent: indent + sequenceOffset) }
    case .null:
      return [pad + keyText + ":"]
    default:
      return [pad + keyText + ": " + Self.scalar(value)]
    }
  }

  /// The tag and block indicator of a vaulted value, as `ansible-vault encrypt_string` writes it.
  static let vaultTag = "!vault |"

  /// The lines of a vault envelope as a literal block at `indent`.
  static func vaultLines(_ envelope: String, indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    return envelope.split(separator: "\n").map { pad + $0 }
  }

  /// Lines for one list item at `indent` (the column of its `-`).
  func item(value: InventoryValue, indent: Int) -> [String] {
    let pad = String(repeating: " ", count: indent)
    switch value {
    case .map(let map) where !map.isEmpty:
      var lines: [String] = []
      for (index, element) in map.enumerated() {
        var rendered = entry(key: element.key, value: element.value, indent: indent + 2)
        if index == 0 {
          rendered[0] = pad + "- " + rendered[0].dropFirst(indent + 2)
        }
        lines += rendered
      }
      return lines
    case .list(let items) where !items.isEmpty:
      return [pad + "-"] + items.flatMap { item(value: $0, indent: indent + 2) }
    default:
      return [pad + "- " + Self.scalar(value)]
    }
  }

  /// A scalar (or an empty collection) on one line.
  static func scalar(_ value: InventoryValue, preferSingleQuotes: Bool = false) -> String {
    switch value {
    case .string(let string): return self.string(string, preferSingleQuotes: preferSingleQuotes)
    case .int(let int): return String(int)
    case .double(let double):
      if double.isNaN { return ".nan" }
      if double.isInfinite { return double < 0 ? "-.inf" : ".inf" }
      var text = "\(double)"
      // PyYAML only reads numbers with a dot as floats: 1e+30 must be 1.0e+30.
      if !text.contains(".") {
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
          text.insert(contentsOf: ".0", at: e)
        } else {
          text += ".0"
        }
      }
      return text
    case .bool(let bool): return bool ? "true" : "false"
    case .null: return "null"
    case .map: return "{}"
    case .list: return "[]"
    }
  }

  /// A value in flow style on one line (`{gpu: "true", zone: attic}`), for flow collections.
  static func flow(_ value: InventoryValue) -> String {
    switch value {
    case .map(let map):
      return "{" + map.map { flowString($0.key) + ": " + flow($0.value) }.joined(separator: ", ")
        + "}"
    case .list(let items): return "[" + items.map(flow).joined(separator: ", ") + "]"
    case .string(let string): return flowString(string)
    default: return scalar(value)
    }
  }

  /// A string inside a flow collection: plain only without flow indicators.
  static func flowString(_ string: String) -> String {
    isPlainSafe(string) && !string.contains(where: { ",[]{}".contains($0) })
      ? string : doubleQuoted(string)
  }

  /// A mapping key: plain when it reads back as the same string, otherwise double-quoted.
  static func key(_ key: String) -> String {
    isPlainSafe(key) ? key : doubleQuoted(key)
  }

  /// A string scalar: plain when safe, else quoted.
  static func string(_ string: String, preferSingleQuotes: Bool = false) -> String {
    if isPlainSafe(string) && !preferSingleQuotes { return string }
    if preferSingleQuotes, !string.contains(where: { $0.isNewline || ($0.asciiValue ?? 32) < 32 }) {
      return "'" + string.replacingOccurrences(of: "'", with: "''") + "'"
    }
    return doubleQuoted(string)
  }

  static func doubleQuoted(_ string: String) -> String {
    var output = "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": output += "\\\""
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16)
          output += "\\x" + (hex.count < 2 ? "0" + hex : hex)
        } else {
          output.unicodeScalars.append(scalar)
        }
      }
    }
    return output + "\""
  }

  /// True when `string` written plain reads back as exactly this string.
  static func isPlainSafe(_ string: String) -> Bool {
    guard let first = string.unicodeScalars.first, let last = string.unicodeScalars.last else {
      return false
    }
    if ScalarResolver.implicitType(of: string) != .string { return false }
    if first == " " || last == " " || last == ":" { return false }
    if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return false }
    if string.contains(": ") || string.contains(" #") { return false }
    return !string.unicodeScalars.contains {
      $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{FEFF}"
    }
  }
}
