import OrderedCollections

/// A variable value as Ansible sees it: the JSON data model, with mapping keys kept in file order.
public enum InventoryValue: Hashable, Sendable {
  case string(String)
  case int(Int)
  case double(Double)
  case bool(Bool)
  case null
  case list([InventoryValue])
  case map(OrderedDictionary<String, InventoryValue>)

  /// An empty mapping.
  public static let emptyMap = InventoryValue.map([:])

  /// The string, when this is a string.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The integer, when this is an integer.
  public var intValue: Int? {
    if case .int(let value) = self { return value }
    return nil
  }

  /// The boolean, when this is a boolean.
  public var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The mapping, when this is a mapping.
  public var mapValue: OrderedDictionary<String, InventoryValue>? {
    if case .map(let value) = self { return value }
    return nil
  }

  /// The elements, when this is a list.
  public var listValue: [InventoryValue]? {
    if case .list(let value) = self { return value }
    return nil
  }

  /// A value encrypted with Ansible Vault, in Ansible's JSON form
  /// `{"__ansible_vault": ENVELOPE}`: what `config-set --vault` writes as `!vault |`.
  public static func vaulted(_ envelope: String) -> InventoryValue {
    .map(["__ansible_vault": .string(envelope)])
  }

  /// The envelope of a value in Ansible's vaulted JSON form, nil for any other value.
  public var vaultCiphertext: String? {
    guard case .map(let map) = self, map.count == 1,
      case .string(let text)? = map["__ansible_vault"]
    else { return nil }
    return text
  }

  /// True for `null`.
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// A short name of the value's type for messages ("string", "integer", "mapping", ...).
  public var typeName: String {
    switch self {
    case .string: return "string"
    case .int: return "integer"
    case .double: return "number"
    case .bool: return "boolean"
    case .null: return "null"
    case .list: return "list"
    case .map: return "mapping"
    }
  }

  /// The value at a dotted path of mapping keys (`["node_labels", "gpu"]`), if every step exists.
  public func value(at path: some Collection<String>) -> InventoryValue? {
    guard let first = path.first else { return self }
    guard case .map(let map) = self, let child = map[first] else { return nil }
    return child.value(at: path.dropFirst())
  }

  /// A string holding a Jinja expression or statement (`{{ … }}`, `{% … %}`): Ansible would
  /// evaluate it; cluster-mgr does not.
  public var isTemplate: Bool {
    guard case .string(let text) = self else { return false }
    return (text.contains("{{") && text.contains("}}"))
      || (text.contains("{%") && text.contains("%}"))
  }

  /// True when both values are equal with mapping key order ignored (JSON equality).
  public func isEquivalent(to other: InventoryValue) -> Bool {
    switch (self, other) {
    case (.map(let left), .map(let right)):
      guard left.count == right.count else { return false }
      return left.allSatisfy { key, value in
        right[key].map { value.isEquivalent(to: $0) } ?? false
      }
    case (.list(let left), .list(let right)):
      return left.count == right.count
        && zip(left, right).allSatisfy { $0.isEquivalent(to: $1) }
    case (.int(let left), .double(let right)), (.double(let right), .int(let left)):
      return Double(left) == right
    default:
      return self == other
    }
  }
}

extension InventoryValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
  ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int) { self = .int(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(floatLiteral value: Double) { self = .double(value) }
  public init(nilLiteral: ()) { self = .null }
  public init(arrayLiteral elements: InventoryValue...) { self = .list(elements) }
  public init(dictionaryLiteral elements: (String, InventoryValue)...) {
    self = .map(OrderedDictionary(uniqueKeysWithValues: elements))
  }
}

extension InventoryValue: CustomStringConvertible {
  /// Scalars as plain text (strings unquoted), collections as compact JSON.
  public var description: String {
    switch self {
    case .string(let value): return value
    case .null: return "null"
    case .int, .double, .bool, .list, .map: return JSONText.compact(self)
    }
  }
}
