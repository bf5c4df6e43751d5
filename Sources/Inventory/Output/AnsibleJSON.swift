/// JSON text of ``AnsibleValue``s as `ansible-inventory` writes it: Python's
/// `json.dumps(value, sort_keys=True, indent=4)` with Ansible's `inventory_legacy` encoder
/// (integers of any size, floats as Python writes them, dates in ISO form, vaulted strings as
/// `{"__ansible_vault": CIPHERTEXT}`, and, where Ansible marks trust, strings it will not
/// template as `{"__ansible_unsafe": TEXT}`).
enum AnsibleJSON {
  /// How vaulted and unsafe values are written.
  struct Style {
    /// Write unsafe strings as `{"__ansible_unsafe": ...}` (inside `_meta.hostvars` of `--list`).
    var marksUnsafe = false
  }

  static func pretty(_ value: AnsibleValue, style: Style = Style()) -> String {
    var output = ""
    write(value, into: &output, style: style, level: 0)
    return output
  }

  /// `{"__ansible_vault": CIPHERTEXT}` or `{"__ansible_unsafe": TEXT}` for tagged strings.
  static func encoded(_ value: AnsibleValue, style: Style) -> AnsibleValue {
    switch value {
    case .vault(let vaulted):
      var mapping = AnsibleMapping()
      mapping[.string("__ansible_vault")] = .string(vaulted.ciphertext)
      return .map(mapping)
    case .unsafe(let text) where style.marksUnsafe:
      var mapping = AnsibleMapping()
      mapping[.string("__ansible_unsafe")] = .string(text)
      return .map(mapping)
    default:
      return value
    }
  }

  private static func write(
    _ value: AnsibleValue, into output: inout String, style: Style, level: Int
  ) {
    switch encoded(value, style: style) {
    case .string(let string), .unsafe(let string): output += JSONText.quoted(string)
    case .vault: break  // encoded above
    case .int(let int): output += String(int)
    case .bigInt(let digits): output += digits
    case .float(let double): output += JSONText.number(double)
    case .bool(let bool): output += bool ? "true" : "false"
    case .null: output += "null"
    case .timestamp(let timestamp): output += JSONText.quoted(timestamp.isoFormat)
    case .list(let items):
      guard !items.isEmpty else {
        output += "[]"
        return
      }
      output += "["
      for (index, item) in items.enumerated() {
        if index > 0 { output += "," }
        output += "\n" + indent(level + 1)
        write(item, into: &output, style: style, level: level + 1)
      }
      output += "\n" + indent(level) + "]"
    case .map(let mapping):
      guard !mapping.isEmpty else {
        output += "{}"
        return
      }
      output += "{"
      let entries = mapping.entries.sorted { JSONText.pythonOrder($0.key.jsonKey, $1.key.jsonKey) }
      for (index, entry) in entries.enumerated() {
        if index > 0 { output += "," }
        output += "\n" + indent(level + 1) + JSONText.quoted(entry.key.jsonKey) + ": "
        write(entry.value, into: &output, style: style, level: level + 1)
      }
      output += "\n" + indent(level) + "}"
    }
  }

  private static func indent(_ level: Int) -> String {
    String(repeating: " ", count: 4 * level)
  }
}
