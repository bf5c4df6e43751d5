import Basics
import Foundation

/// How the monitor writes numbers, sizes and ages.
enum MonitorFormat {
  /// An age as kubectl shows it: `45s`, `12m`, `5h`, `3d`, `2y`.
  static func age(_ seconds: TimeInterval) -> String { AgeText.kubectlStyle(seconds) }

  /// The age of `date` at `now`, or `-` when unknown.
  static func age(of date: Date?, now: Date) -> String {
    guard let date else { return "-" }
    return age(now.timeIntervalSince(date))
  }

  /// A percentage without decimals (`12%`), or `-` when unknown.
  static func percent(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "-" }
    return "\(Int(value.rounded()))%"
  }

  /// `used/total unit` with the unit chosen by the total: `3.1/15.5 GiB`.
  static func bytesPair(_ used: UInt64, _ total: UInt64) -> String {
    let units: [(String, Double)] = [
      ("TiB", 1_099_511_627_776), ("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024),
    ]
    let (unit, size) = units.first { Double(total) >= $0.1 } ?? ("B", 1)
    return number(Double(used) / size) + "/" + number(Double(total) / size) + " " + unit
  }

  /// `used` as a percentage of `total`: `20%`.
  static func share(_ used: UInt64, _ total: UInt64) -> String {
    guard total > 0 else { return "-" }
    return percent(Double(used) * 100 / Double(total))
  }

  /// One decimal below 100, none above: `3.1`, `15.5`, `412`.
  private static func number(_ value: Double) -> String {
    if value >= 99.95 { return String(Int(value.rounded())) }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}
