import OrderedCollections

/// A value as Ansible's loader makes it: the JSON model of ``InventoryValue`` plus what
/// `ansible-inventory` tells apart when it prints (strings it will not template, vaulted strings,
/// integers of any size, dates, mapping keys that are not strings).
indirect enum AnsibleValue: Hashable, Sendable {
  case string(String)
  /// A string Ansible never templates (`!unsafe`): `--list` prints `{"__ansible_unsafe": ...}`.
  case unsafe(String)
  /// An Ansible Vault value (`!vault`), decrypted or not.
  case vault(VaultedString)
  case int(Int)
  /// An integer beyond 64 bits, as decimal digits (with `-` when negative).
  case bigInt(String)
  case float(Double)
  case bool(Bool)
  case null
  /// A YAML timestamp: a Python `date` or `datetime`.
  case timestamp(YAMLTimestamp)
  case list([AnsibleValue])
  case map(AnsibleMapping)

  /// The value for code that uses variables: strings are strings whatever their tag, a vaulted
  /// string is its plaintext (its ciphertext in Ansible's JSON form while it is locked), dates
  /// are ISO text, integers beyond 64 bits are doubles.
  var inventoryValue: InventoryValue {
    switch self {
    case .string(let string), .unsafe(let string): return .string(string)
    case .vault(let vaulted):
      if let plaintext = vaulted.plaintext { return .string(plaintext) }
      return .map(["__ansible_vault": .string(vaulted.ciphertext)])
    case .int(let int): return .int(int)
    case .bigInt(let digits): return .double(Double(digits) ?? .nan)
    case .float(let double): return .double(double)
    case .bool(let bool): return .bool(bool)
    case .null: return .null
    case .timestamp(let timestamp): return .string(timestamp.isoFormat)
    case .list(let items): return .list(items.map(\.inventoryValue))
    case .map(let mapping):
      var result: OrderedDictionary<String, InventoryValue> = [:]
      for entry in mapping.entries { result[entry.key.jsonKey] = entry.value.inventoryValue }
      return .map(result)
    }
  }

  /// The plain model of an ``InventoryValue`` (what `config-set` and `--extra-vars` give).
  init(_ value: InventoryValue) {
    switch value {
    case .string(let string): self = .string(string)
    case .int(let int): self = .int(int)
    case .double(let double): self = .float(double)
    case .bool(let bool): self = .bool(bool)
    case .null: self = .null
    case .list(let items): self = .list(items.map(AnsibleValue.init))
    case .map(let map):
      var mapping = AnsibleMapping()
      for (key, value) in map { mapping[.string(key)] = AnsibleValue(value) }
      self = .map(mapping)
    }
  }

  /// A mapping key as JSON writes it (`json.dumps` turns `1`, `1.5`, `true` and `null` into
  /// strings).
  var jsonKey: String {
    switch self {
    case .string(let string), .unsafe(let string): return string
    case .vault(let vaulted): return vaulted.plaintext ?? vaulted.ciphertext
    case .int(let int): return String(int)
    case .bigInt(let digits): return digits
    case .float(let double): return JSONText.number(double)
    case .bool(let bool): return bool ? "true" : "false"
    case .null: return "null"
    case .timestamp(let timestamp): return timestamp.isoFormat
    case .list, .map: return JSONText.compact(inventoryValue)
    }
  }

  /// True for the values PyYAML can use as a mapping key (lists and mappings are unhashable).
  var isHashable: Bool {
    switch self {
    case .list, .map: return false
    default: return true
    }
  }

  /// True for a string (whatever its tag): what Ansible accepts as a group or host name.
  var isString: Bool {
    switch self {
    case .string, .unsafe: return true
    default: return false
    }
  }

  /// The string, for a plain or unsafe string.
  var stringValue: String? {
    switch self {
    case .string(let string), .unsafe(let string): return string
    default: return nil
    }
  }

  /// Python's truth value: `None`, `""`, `0`, `False`, `[]` and `{}` are false.
  var isFalsy: Bool {
    switch self {
    case .null: return true
    case .string(let string), .unsafe(let string): return string.isEmpty
    case .vault: return false
    case .int(let int): return int == 0
    case .bigInt: return false
    case .float(let double): return double == 0
    case .bool(let bool): return !bool
    case .timestamp: return false
    case .list(let items): return items.isEmpty
    case .map(let mapping): return mapping.isEmpty
    }
  }

  /// True when a vaulted string is anywhere inside.
  var containsVault: Bool {
    switch self {
    case .vault: return true
    case .list(let items): return items.contains(where: \.containsVault)
    case .map(let mapping): return mapping.entries.contains { $0.value.containsVault }
    default: return false
    }
  }

  /// Every vaulted string inside, in document order.
  var vaultedStrings: [VaultedString] {
    switch self {
    case .vault(let vaulted): return [vaulted]
    case .list(let items): return items.flatMap(\.vaultedStrings)
    case .map(let mapping): return mapping.entries.flatMap { $0.value.vaultedStrings }
    default: return []
    }
  }

  /// The value with every vaulted string replaced by what `transform` makes of it.
  func mappingVault(_ transform: (VaultedString) throws -> VaultedString) rethrows
    -> AnsibleValue
  {
    switch self {
    case .vault(let vaulted): return .vault(try transform(vaulted))
    case .list(let items): return .list(try items.map { try $0.mappingVault(transform) })
    case .map(let mapping):
      var result = AnsibleMapping()
      for entry in mapping.entries { result[entry.key] = try entry.value.mappingVault(transform) }
      return .map(result)
    default: return self
    }
  }
}

/// A string encrypted with Ansible Vault: the ciphertext as written, and the plaintext once a
/// vault password opened it (nil while locked).
struct VaultedString: Hashable, Sendable {
  /// `$ANSIBLE_VAULT;1.1;AES256` and the hex lines, exactly as the YAML value reads.
  var ciphertext: String
  /// The decrypted text.
  var plaintext: String?
  /// Where the value is written, for messages about it.
  var location: SourceLocation?

  static func == (left: VaultedString, right: VaultedString) -> Bool {
    left.ciphertext == right.ciphertext && left.plaintext == right.plaintext
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(ciphertext)
  }
}

/// A YAML mapping as a Python `dict`: keys of any hashable type, in insertion order, where keys
/// Python considers equal (`1`, `1.0` and `True`) are one key.
struct AnsibleMapping: Hashable, Sendable {
  struct Entry: Hashable, Sendable {
    var key: AnsibleValue
    var value: AnsibleValue
  }

  private(set) var entries: [Entry] = []
  private var positions: [PythonKey: Int] = [:]

  var isEmpty: Bool { entries.isEmpty }
  var count: Int { entries.count }

  /// The value under a key equal to `key` in Python's sense.
  ///
  /// Setting a key that is already there keeps the first key and its position, as `dict` does.
  subscript(key: AnsibleValue) -> AnsibleValue? {
    get { positions[PythonKey(key)].map { entries[$0].value } }
    set {
      let pythonKey = PythonKey(key)
      if let index = positions[pythonKey] {
        if let newValue {
          entries[index].value = newValue
        } else {
          entries.remove(at: index)
          positions = [:]
          for (offset, entry) in entries.enumerated() { positions[PythonKey(entry.key)] = offset }
        }
      } else if let newValue {
        positions[pythonKey] = entries.count
        entries.append(Entry(key: key, value: newValue))
      }
    }
  }

  /// The entry whose key is the string `name`.
  subscript(name: String) -> AnsibleValue? {
    self[.string(name)]
  }

  /// True when `key` (in Python's sense) is present.
  func contains(_ key: AnsibleValue) -> Bool {
    positions[PythonKey(key)] != nil
  }

  static func == (left: AnsibleMapping, right: AnsibleMapping) -> Bool {
    left.entries == right.entries
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(entries)
  }
}

/// Python's equality of dictionary keys: numbers by value across `int`, `float` and `bool`,
/// strings by text whatever their tag.
struct PythonKey: Hashable, Sendable {
  private enum Storage: Hashable {
    case string(String)
    case integer(String)
    case float(UInt64)
    case null
    case timestamp(YAMLTimestamp)
    case other(String)
  }

  private let storage: Storage

  init(_ value: AnsibleValue) {
    switch value {
    case .string(let string), .unsafe(let string): storage = .string(string)
    case .vault(let vaulted): storage = .string(vaulted.plaintext ?? vaulted.ciphertext)
    case .int(let int): storage = .integer(String(int))
    case .bigInt(let digits): storage = .integer(digits)
    case .bool(let bool): storage = .integer(bool ? "1" : "0")
    case .float(let double):
      if double.isFinite, double == double.rounded(), let exact = Int(exactly: double) {
        storage = .integer(String(exact))
      } else {
        storage = .float(double.bitPattern)
      }
    case .null: storage = .null
    case .timestamp(let timestamp): storage = .timestamp(timestamp)
    case .list, .map: storage = .other(JSONText.compact(value.inventoryValue))
    }
  }
}
