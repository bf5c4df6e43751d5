/// Python's `str()` and `repr()` of loaded values, as `ansible-inventory --graph --vars` prints
/// them (`{gpu = True}`, `{labels = {'zone': 'attic', 1: None}}`, `{day = 2024-01-02}`).
struct PythonRepr {
  /// What a vaulted string shows (nil: its plaintext, as Ansible shows it).
  var vaultMask: String?

  func str(_ value: AnsibleValue) -> String {
    switch value {
    case .string(let string), .unsafe(let string): return string
    case .vault(let vaulted): return vaultMask ?? vaulted.plaintext ?? vaulted.ciphertext
    case .timestamp(let timestamp): return timestamp.pythonString
    default: return repr(value)
    }
  }

  func repr(_ value: AnsibleValue) -> String {
    switch value {
    case .string(let string), .unsafe(let string): return Self.quote(string)
    // Inside a list or mapping Ansible shows the ciphertext (EncryptedString's own repr).
    case .vault(let vaulted): return "EncryptedString(ciphertext=\(Self.quote(vaulted.ciphertext)))"
    case .int(let int): return String(int)
    case .bigInt(let digits): return digits
    case .float(let double): return PythonFloat.repr(double)
    case .bool(let bool): return bool ? "True" : "False"
    case .null: return "None"
    case .timestamp(let timestamp): return timestamp.pythonRepr
    case .list(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
    case .map(let mapping):
      return "{"
        + mapping.entries.map { "\(repr($0.key)): \(repr($0.value))" }.joined(separator: ", ")
        + "}"
    }
  }

  /// Python's string `repr`: single quotes unless the text holds `'` and no `"`; backslash
  /// escapes for the quote, `\`, and every character Python does not print.
  static func quote(_ string: String) -> String {
    let delimiter: Unicode.Scalar = string.contains("'") && !string.contains("\"") ? "\"" : "'"
    var output = String(delimiter)
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\\": output += "\\\\"
      case "\n": output += "\\n"
      case "\r": output += "\\r"
      case "\t": output += "\\t"
      case delimiter: output += "\\" + String(delimiter)
      default:
        if isPrintable(scalar) {
          output.unicodeScalars.append(scalar)
        } else if scalar.value < 0x100 {
          output += "\\x" + hex(scalar.value, 2)
        } else if scalar.value < 0x10000 {
          output += "\\u" + hex(scalar.value, 4)
        } else {
          output += "\\U" + hex(scalar.value, 8)
        }
      }
    }
    output.unicodeScalars.append(delimiter)
    return output
  }

  /// Python's `str.isprintable()` for one character: not a control, format, surrogate,
  /// private-use or unassigned character, and no separator but the space.
  private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == " " { return true }
    switch scalar.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .spaceSeparator,
      .lineSeparator, .paragraphSeparator:
      return false
    default:
      return true
    }
  }

  private static func hex(_ value: UInt32, _ width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}
