import Basics
import Foundation

/// What one resource's probe printed, with helpers for the `key=value` lines most probes use.
public struct ProbeSection: Sendable {
  /// The raw text (without the engine's markers).
  public let text: String
  /// The lines of the output (split once: every lookup below reads them).
  public let lines: [Substring]

  /// Wraps probe output.
  public init(_ text: String) {
    self.text = text
    lines = text.split(separator: "\n", omittingEmptySubsequences: false)
  }

  /// The value of the first `key=value` token for `key` (tokens are separated by spaces).
  public subscript(key: String) -> String? {
    let prefix = key + "="
    for line in lines {
      for token in line.split(separator: " ") where token.hasPrefix(prefix) {
        return String(token.dropFirst(prefix.count))
      }
    }
    return nil
  }

  /// The rest of the first line that starts with `key=` (values that may contain spaces).
  public func lineValue(_ key: String) -> String? {
    let prefix = key + "="
    return lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
  }

  /// Every value of lines starting with `key=`.
  public func values(_ key: String) -> [String] {
    let prefix = key + "="
    return lines.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
  }

  /// Decodes a base64 value printed as `key=<base64>`.
  public func data(_ key: String) -> Data? {
    guard let encoded = self[key] else { return nil }
    return Data(base64Encoded: encoded)
  }
}
