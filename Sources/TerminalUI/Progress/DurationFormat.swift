extension Duration {
  /// Whole milliseconds, rounded down.
  var milliseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
  }

  /// A short human form: `0.4s`, `12.3s`, `2m05s`, `1h02m`.
  var shortDescription: String {
    let tenths = max(0, milliseconds) / 100
    if tenths < 600 { return "\(tenths / 10).\(tenths % 10)s" }
    let seconds = tenths / 10
    if seconds < 3600 { return "\(seconds / 60)m" + twoDigits(seconds % 60) + "s" }
    return "\(seconds / 3600)h" + twoDigits(seconds / 60 % 60) + "m"
  }

  private func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
