/// A YAML timestamp as PyYAML builds it: a Python `date` (`2024-01-02`) or `datetime`
/// (`2024-01-02 10:11:12.5 +02:00`), checked the way Python's constructors check it.
struct YAMLTimestamp: Hashable, Sendable {
  /// The time of day of a `datetime`.
  struct Time: Hashable, Sendable {
    var hour: Int
    var minute: Int
    var second: Int
    var microsecond: Int
    /// The UTC offset in seconds; nil for a naive time.
    var offset: Int?
  }

  var year: Int
  var month: Int
  var day: Int
  /// nil for a `date`.
  var time: Time?

  /// Why Python refuses the value (`month must be in 1..12`), nil when it is valid.
  var problem: String? {
    if !(1...9999).contains(year) { return "year \(year) is out of range" }
    if !(1...12).contains(month) { return "month must be in 1..12" }
    if !(1...Self.days(inMonth: month, year: year)).contains(day) {
      return "day is out of range for month"
    }
    guard let time else { return nil }
    if !(0...23).contains(time.hour) { return "hour must be in 0..23" }
    if !(0...59).contains(time.minute) { return "minute must be in 0..59" }
    if !(0...59).contains(time.second) { return "second must be in 0..59" }
    if let offset = time.offset, abs(offset) >= 86_400 {
      return "offset must be a timedelta strictly between -timedelta(hours=24) and "
        + "timedelta(hours=24)"
    }
    return nil
  }

  /// Python's `isoformat()`: what `ansible-inventory --list` prints.
  var isoFormat: String { format(separator: "T") }

  /// Python's `str()`: what `ansible-inventory --graph --vars` prints.
  var pythonString: String { format(separator: " ") }

  /// Python's `repr()`, as it appears inside a list or mapping.
  var pythonRepr: String {
    guard let time else { return "datetime.date(\(year), \(month), \(day))" }
    var fields = [year, month, day, time.hour, time.minute, time.second, time.microsecond]
    if fields.last == 0 { fields.removeLast() }
    if fields.last == 0 { fields.removeLast() }
    var text = "datetime.datetime(" + fields.map(String.init).joined(separator: ", ")
    if let offset = time.offset {
      text += ", tzinfo=" + Self.timezoneRepr(offset)
    }
    return text + ")"
  }

  private func format(separator: String) -> String {
    var text = "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
    guard let time else { return text }
    text += separator + "\(Self.pad(time.hour, 2)):\(Self.pad(time.minute, 2)):"
    text += Self.pad(time.second, 2)
    if time.microsecond != 0 { text += "." + Self.pad(time.microsecond, 6) }
    if let offset = time.offset {
      let sign = offset < 0 ? "-" : "+"
      let magnitude = abs(offset)
      text += "\(sign)\(Self.pad(magnitude / 3600, 2)):\(Self.pad(magnitude % 3600 / 60, 2))"
    }
    return text
  }

  /// `datetime.timezone.utc` or `datetime.timezone(datetime.timedelta(...))`.
  private static func timezoneRepr(_ offset: Int) -> String {
    if offset == 0 { return "datetime.timezone.utc" }
    // timedelta keeps seconds in 0..<86400 and carries the sign in days.
    let days = offset < 0 ? -1 : 0
    let seconds = offset - days * 86_400
    var fields: [String] = []
    if days != 0 { fields.append("days=\(days)") }
    if seconds != 0 { fields.append("seconds=\(seconds)") }
    return "datetime.timezone(datetime.timedelta(" + fields.joined(separator: ", ") + "))"
  }

  private static func pad(_ number: Int, _ width: Int) -> String {
    let digits = String(number)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }

  private static func days(inMonth month: Int, year: Int) -> Int {
    switch month {
    case 2:
      let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
      return leap ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
