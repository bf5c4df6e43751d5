import Foundation

/// Masks known secret values (tokens, keys, passwords) in any text before it is shown or stored.
///
/// Values shorter than 6 characters are not registered (masking them would garble ordinary text).
public final class SecretRedactor: @unchecked Sendable {
  /// What a masked secret looks like in output.
  public static let mask = "••••••••"

  private let lock = NSLock()
  private var secrets: Set<String> = []

  /// A redactor with no secrets registered.
  public init() {}

  /// Registers `secret` so it is masked from now on.
  public func register(_ secret: String) {
    let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
    guard trimmed.count >= 6 else { return }
    lock.lock()
    secrets.insert(trimmed)
    lock.unlock()
  }

  /// `text` with every registered secret replaced by ``mask``.
  public func redact(_ text: String) -> String {
    lock.lock()
    let known = secrets.sorted { $0.count > $1.count }
    lock.unlock()
    var result = text
    for secret in known where result.contains(secret) {
      result = result.replacingOccurrences(of: secret, with: Self.mask)
    }
    return result
  }
}
