import Foundation

/// Decoding helpers for tailscaled's JSON, where "no value" may be a missing key, `null` or `[]`.
extension KeyedDecodingContainer {
  /// The value at `key`, or `fallback` when the key is missing or `null`.
  func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
    try decodeIfPresent(T.self, forKey: key) ?? fallback
  }

  /// The string list at `key`; empty when missing or `null`, without `null` elements.
  func list(_ key: Key) throws -> [String] {
    try (decodeIfPresent([String?].self, forKey: key) ?? []).compactMap { $0 }
  }

  /// The object at `key` as a dictionary, without `null` entries; empty when missing or `null`.
  func map<T: Decodable>(_ key: Key, of type: T.Type) throws -> [String: T] {
    try (decodeIfPresent([String: T?].self, forKey: key) ?? [:]).compactMapValues { $0 }
  }

  /// The Go timestamp at `key`; nil when missing, `null`, empty or Go's zero time.
  func goTime(_ key: Key) throws -> Date? {
    guard let text = try decodeIfPresent(String.self, forKey: key), !text.isEmpty else {
      return nil
    }
    guard let parsed = GoTime.parse(text) else {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self, debugDescription: "\(text.debugDescription) is not an RFC 3339 time")
    }
    return parsed.date
  }
}
