/// The number that identifies one recorded run (`cluster-mgr history show 42`).
///
/// Numbers grow with every run and are never reused, even after `history prune`.
public struct RunID: RawRepresentable, Hashable, Comparable, Sendable, Codable,
  CustomStringConvertible
{
  /// The row number in the database.
  public let rawValue: Int64

  /// Wraps a row number.
  public init(rawValue: Int64) { self.rawValue = rawValue }

  /// Parses a run number as a person types it (`42` or `#42`); nil for anything else.
  public init?(_ text: String) {
    let digits = text.hasPrefix("#") ? text.dropFirst() : Substring(text)
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int64(digits), value > 0
    else { return nil }
    self.rawValue = value
  }

  public var description: String { String(rawValue) }

  public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }

  public init(from decoder: any Decoder) throws {
    rawValue = try decoder.singleValueContainer().decode(Int64.self)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
}
