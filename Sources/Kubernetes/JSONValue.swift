import Foundation

/// A JSON value (what the Kubernetes API sends and takes), Sendable and comparable.
public enum JSONValue: Sendable, Hashable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// A number without a fraction.
  case int(Int)
  /// A number with a fraction.
  case double(Double)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object.
  case object([String: JSONValue])

  /// The member `key` of an object (nil for anything else or a missing member).
  public subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members[key] }
    return nil
  }

  /// The value at `path` (object members by name), e.g. `["metadata", "name"]`.
  public subscript(path path: [String]) -> JSONValue? {
    var current: JSONValue? = self
    for key in path { current = current?[key] }
    return current
  }

  /// The string, if this is one.
  public var string: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The integer, if this is one (a whole double counts).
  public var int: Int? {
    switch self {
    case .int(let value): return value
    case .double(let value) where value.rounded() == value: return Int(value)
    default: return nil
    }
  }

  /// The boolean, if this is one.
  public var bool: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The elements, if this is an array.
  public var array: [JSONValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// The members, if this is an object.
  public var object: [String: JSONValue]? {
    if case .object(let value) = self { return value }
    return nil
  }

  /// An object's string members (labels, annotations), others left out.
  public var stringMap: [String: String] {
    (object ?? [:]).compactMapValues(\.string)
  }

  /// The same object with `key` set to `value` (nil removes it); non-objects become objects.
  public func setting(_ key: String, to value: JSONValue?) -> JSONValue {
    var members = object ?? [:]
    members[key] = value
    return .object(members)
  }

  /// The same object with the value at `path` set (objects made on the way); nil removes it.
  public func setting(path: [String], to value: JSONValue?) -> JSONValue {
    guard let first = path.first else { return value ?? .null }
    if path.count == 1 { return setting(first, to: value) }
    let child = self[first] ?? .object([:])
    return setting(first, to: child.setting(path: Array(path.dropFirst()), to: value))
  }
}

// MARK: - Encoding and decoding

extension JSONValue: Codable {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int.self) {
      self = .int(value)
    } else if let value = try? container.decode(Double.self) {
      self = .double(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .int(let value): try container.encode(value)
    case .double(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// Parses JSON text.
  public static func parse(_ data: Data) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: data)
  }

  /// Compact JSON with sorted keys (stable: the same value always gives the same bytes).
  public var data: Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(self)) ?? Data("null".utf8)
  }

  /// Compact JSON text with sorted keys.
  public var text: String { String(decoding: data, as: UTF8.self) }

  /// A value from what Yams produces for YAML (`[String: Any]`, `[Any]`, native numbers…).
  public init(any value: Any?) {
    switch value {
    case nil, is NSNull: self = .null
    case let raw? where type(of: raw) == Bool.self: self = .bool(raw as? Bool ?? false)
    case let value as Int: self = .int(value)
    case let value as Double:
      self = value.rounded() == value && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
    case let value as String: self = .string(value)
    case let value as [Any]: self = .array(value.map { JSONValue(any: $0) })
    case let value as [String: Any]: self = .object(value.mapValues { JSONValue(any: $0) })
    case let value?: self = .string(String(describing: value))
    }
  }

  /// The value as JSONSerialization would give it (for code that reads `[String: Any]`).
  public var foundation: Any {
    switch self {
    case .null: return NSNull()
    case .bool(let value): return value
    case .int(let value): return value
    case .double(let value): return value
    case .string(let value): return value
    case .array(let value): return value.map(\.foundation)
    case .object(let value): return value.mapValues(\.foundation)
    }
  }
}
