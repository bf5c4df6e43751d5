import Foundation

/// Parses the RFC 3339 timestamps Go writes: 0–9 fractional digits, `Z` or a `±hh:mm` offset,
/// and the zero time `0001-01-01T00:00:00Z` meaning "unset".
enum GoTime {
  /// The instant `text` names; `.unset` for Go's zero time; nil when `text` is not RFC 3339.
  static func parse(_ text: String) -> Parsed? {
    var scanner = Scanner(Array(text.utf8))
    guard let year = scanner.digits(4), scanner.take("-"), let month = scanner.digits(2),
      scanner.take("-"), let day = scanner.digits(2), scanner.take("T") || scanner.take("t"),
      let hour = scanner.digits(2), scanner.take(":"), let minute = scanner.digits(2),
      scanner.take(":"), let second = scanner.digits(2)
    else { return nil }
    var nanoseconds = 0
    if scanner.take(".") {
      var count = 0
      while let digit = scanner.digit() {
        guard count < 9 else { return nil }
        nanoseconds = nanoseconds * 10 + digit
        count += 1
      }
      guard count > 0 else { return nil }
      for _ in count..<9 { nanoseconds *= 10 }
    }
    var offset = 0
    if scanner.take("Z") || scanner.take("z") {
      offset = 0
    } else if let sign = scanner.sign(), let offsetHours = scanner.digits(2), scanner.take(":"),
      let offsetMinutes = scanner.digits(2), offsetHours < 24, offsetMinutes < 60
    {
      offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
    } else {
      return nil
    }
    guard scanner.atEnd, (1...12).contains(month), (1...daysIn(month, year)).contains(day),
      hour < 24, minute < 60, second < 60
    else { return nil }
    if year == 1, month == 1, day == 1, hour == 0, minute == 0, second == 0, nanoseconds == 0,
      offset == 0
    {
      return .unset
    }
    let days = daysSinceEpoch(year: year, month: month, day: day)
    let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
    return .time(
      Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1_000_000_000))
  }

  /// A parsed timestamp.
  enum Parsed: Equatable {
    /// Go's zero time.
    case unset
    /// A real instant.
    case time(Date)

    /// The instant, nil when unset.
    var date: Date? {
      if case .time(let date) = self { return date }
      return nil
    }
  }

  private static func daysIn(_ month: Int, _ year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
  private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146097 + dayOfEra - 719468
  }

  private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ character: Character) -> Bool {
      guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else {
        return false
      }
      index += 1
      return true
    }

    mutating func digit() -> Int? {
      guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
      else { return nil }
      defer { index += 1 }
      return Int(bytes[index] - UInt8(ascii: "0"))
    }

    mutating func digits(_ count: Int) -> Int? {
      var value = 0
      for _ in 0..<count {
        guard let digit = digit() else { return nil }
        value = value * 10 + digit
      }
      return value
    }

    mutating func sign() -> Int? {
      if take("+") { return 1 }
      if take("-") { return -1 }
      return nil
    }
  }
}
