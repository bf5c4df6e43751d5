import Foundation

/// Kubernetes resource quantities (`1500m`, `2`, `24684096Ki`, `1Gi`, `1e9`) as numbers.
enum StatusQuantity {
  /// CPU in millicores: `2` → 2000, `1500m` → 1500, `0.5` → 500; nil when unreadable.
  static func millicores(_ text: String) -> Int64? {
    guard let value = value(text) else { return nil }
    return Int64((value * 1000).rounded())
  }

  /// Bytes (memory, storage): `1Gi` → 1073741824, `1G` → 1000000000; nil when unreadable.
  static func bytes(_ text: String) -> UInt64? {
    guard let value = value(text), value >= 0, value < 1.8e19 else { return nil }
    return UInt64(value.rounded())
  }

  /// Whether two quantities are the same amount (`1Gi` and `1024Mi`); unreadable ones compare
  /// as text.
  static func same(_ a: String, _ b: String) -> Bool {
    guard let x = value(a), let y = value(b) else { return a == b }
    return abs(x - y) <= max(abs(x), abs(y)) * 1e-9
  }

  /// The quantity as a plain number of base units.
  static func value(_ text: String) -> Double? {
    let text = text.trimmingCharacters(in: .whitespaces)
    guard !text.isEmpty else { return nil }
    for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
      guard let number = Double(text.dropLast(suffix.count)), number.isFinite else { return nil }
      return number * factor
    }
    guard let number = Double(text), number.isFinite else { return nil }
    return number
  }

  /// Binary suffixes first so that `Mi` is not read as `i` after `M`.
  private static let suffixes: [(String, Double)] = [
    ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
    ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
    ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12),
    ("P", 1e15), ("E", 1e18),
  ]
}

/// How status and the monitor write amounts for people.
enum StatusFormat {
  /// Cores with at most two decimals: `1.5`, `0.35`, `2`.
  static func cores(_ millicores: Int64) -> String {
    if millicores % 1000 == 0 { return String(millicores / 1000) }
    var text = String(format: "%.2f", Double(millicores) / 1000)
    while text.hasSuffix("0") { text.removeLast() }
    return text
  }

  /// `used/total unit` with the unit chosen by the total: `3.1/15.5 GiB`.
  static func bytesPair(_ used: UInt64, _ total: UInt64) -> String {
    let (unit, size) = unit(for: total)
    return number(Double(used) / size) + "/" + number(Double(total) / size) + " " + unit
  }

  /// One amount with its unit: `15.5 GiB`.
  static func bytes(_ value: UInt64) -> String {
    let (unit, size) = unit(for: value)
    return number(Double(value) / size) + " " + unit
  }

  /// `part` as a whole percentage of `whole`: `23%` (`-` when the whole is zero).
  static func share(_ part: Double, of whole: Double) -> String {
    let share = part * 100 / whole
    guard whole > 0, share.isFinite else { return "-" }
    return "\(Int(share.rounded()))%"
  }

  /// A percentage without decimals: `12%`.
  static func percent(_ value: Double) -> String {
    value.isFinite ? "\(Int(value.rounded()))%" : "-"
  }

  private static func unit(for total: UInt64) -> (String, Double) {
    let units: [(String, Double)] = [
      ("TiB", 1_099_511_627_776), ("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024),
    ]
    return units.first { Double(total) >= $0.1 } ?? ("B", 1)
  }

  /// One decimal below 100, none above: `3.1`, `15.5`, `412`.
  private static func number(_ value: Double) -> String {
    if value >= 99.95 { return String(Int(value.rounded())) }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}
