import Foundation

/// Masks known secret values (tokens, keys, passwords) in any text before it is shown or stored.
///
/// A secret of 6 characters or more is masked wherever it appears; a shorter one only where it
/// stands as a word of its own (masking `abc` inside every longer word would garble ordinary
/// text, and such a password is still never shown by itself). A secret of several lines (a
/// key) is also masked line by line, so a part of it that reaches output is masked too.
public final class SecretRedactor: @unchecked Sendable {
  /// What a masked secret looks like in output.
  public static let mask = "••••••••"

  private let lock = NSLock()
  private var secrets: Set<String> = []
  private var shortSecrets: Set<String> = []

  /// A redactor with no secrets registered.
  public init() {}

  /// Registers `secret` so it is masked from now on.
  public func register(_ secret: String) {
    let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { return }
    let lines = trimmed.split(separator: "\n").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { $0.count >= 6 }
    lock.lock()
    defer { lock.unlock() }
    if trimmed.count >= 6 {
      secrets.insert(trimmed)
      secrets.formUnion(lines)
    } else {
      shortSecrets.insert(trimmed)
    }
  }

  /// `text` with every registered secret replaced by ``mask``.
  public func redact(_ text: String) -> String {
    lock.lock()
    let known = secrets.sorted { $0.count > $1.count }
    let short = shortSecrets.sorted { $0.count > $1.count }
    lock.unlock()
    var result = text
    for secret in known where result.contains(secret) {
      result = result.replacingOccurrences(of: secret, with: Self.mask)
    }
    for secret in short where result.contains(secret) {
      result = Self.maskWords(secret, in: result)
    }
    return result
  }

  /// `text` redacted, with control characters (but line breaks and tabs) shown as escapes:
  /// what a host printed, or an inventory value, cannot drive the terminal it is shown on.
  public func display(_ text: String) -> String {
    PrintableText.escapedKeepingLines(redact(text))
  }

  /// `text` with `secret` masked where neither neighbour is a letter or digit.
  static func maskWords(_ secret: String, in text: String) -> String {
    var result = ""
    var rest = Substring(text)
    while let range = rest.range(of: secret) {
      let before =
        range.lowerBound == rest.startIndex
        ? result.last : rest[rest.index(before: range.lowerBound)]
      let after = range.upperBound == rest.endIndex ? nil : rest[range.upperBound]
      let isWord =
        !(before?.isLetter ?? false) && !(before?.isNumber ?? false)
        && !(after?.isLetter ?? false) && !(after?.isNumber ?? false)
      result += rest[..<range.lowerBound]
      result += isWord ? mask : secret
      rest = rest[range.upperBound...]
    }
    return result + rest
  }
}
