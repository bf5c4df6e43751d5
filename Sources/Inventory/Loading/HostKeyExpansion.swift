import Foundation

/// Expands a host key of a YAML inventory exactly as Ansible's YAML plugin does
/// (`_expand_hostpattern`): ``HostAddress`` splits off a port (`name:2222`, `[::1]:2222`,
/// `web[1:3]:2222`); a key it cannot parse stays whole, colons included; then every `[a:b]` or
/// `[a:b:step]` range is expanded (`expand_hostname_range`).
enum HostKeyExpansion {
  struct RangeError: Error {
    var message: String
    /// False where Ansible accepts what cluster-mgr refuses (more than ``maximumHosts`` hosts).
    var ansibleRejects = true
  }

  /// More hosts than this from one key is an error rather than an exhausted machine.
  static let maximumHosts = 100_000

  /// The host names and the port (nil when there is none or it is 0, which Ansible ignores).
  static func expand(_ key: String) throws(RangeError) -> (names: [String], port: AnsibleValue?) {
    var pattern = key
    var port: AnsibleValue?
    if let address = HostAddress.parse(key) {
      pattern = address.host
      if let digits = address.port.flatMap({ DecimalDigits.fromRadix($0, radix: 10) }),
        digits != "0"
      {
        port = DecimalDigits.value(digits, negative: false)
      }
    }
    guard pattern.contains("[") else { return ([pattern], port) }
    var names: [String] = []
    try expandRanges(pattern, into: &names)
    return (names, port)
  }

  /// `expand_hostname_range`: the first `[` and the first `]` (wherever it is) delimit the range.
  private static func expandRanges(_ line: String, into names: inout [String]) throws(RangeError) {
    let marked = replacingFirst("]", in: replacingFirst("[", in: line))
    let parts = marked.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 3 else {
      throw RangeError(message: "expected exactly one '[' and one ']' around a range")
    }
    let (head, range, tail) = (parts[0], parts[1], parts[2])
    let bounds = range.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard bounds.count == 2 || bounds.count == 3 else {
      throw RangeError(message: "host range must be begin:end or begin:end:step")
    }
    let begin = bounds[0].isEmpty ? "0" : bounds[0]
    let end = bounds[1]
    let stepText = bounds.count == 3 ? bounds[2] : "1"
    guard !end.isEmpty else { throw RangeError(message: "host range must specify end value") }
    var width = 0
    if begin.hasPrefix("0"), begin.count > 1 {
      guard begin.count == end.count else {
        throw RangeError(message: "host range must specify equal-length begin and end formats")
      }
      width = begin.count
    }
    var items: [String]
    if let low = asciiLetters.firstRange(of: begin)?.lowerBound,
      let high = asciiLetters.firstRange(of: end)?.lowerBound,
      let step = pythonInt(stepText), step != 0
    {
      let lowOffset = asciiLetters.distance(from: asciiLetters.startIndex, to: low)
      let highOffset = asciiLetters.distance(from: asciiLetters.startIndex, to: high)
      guard lowOffset <= highOffset else {
        throw RangeError(message: "host range must have begin <= end")
      }
      let letters = Array(asciiLetters)
      items =
        step > 0
        ? stride(from: lowOffset, to: highOffset + 1, by: step).map { String(letters[$0]) } : []
    } else {
      guard let low = pythonInt(begin), let high = pythonInt(end), let step = pythonInt(stepText)
      else {
        throw RangeError(message: "host range bounds must be numbers or letters: '\(range)'")
      }
      guard step != 0 else { throw RangeError(message: "host range step must not be zero") }
      let count =
        step > 0 ? (high + 1 - low + step - 1) / step : (low - high - 1 - step - 1) / -step
      guard count <= maximumHosts else {
        throw RangeError(
          message: "host range expands to more than \(maximumHosts) hosts", ansibleRejects: false)
      }
      items = stride(from: low, to: high + 1, by: step).map { String($0) }
    }
    for item in items {
      let name = head + zeroFilled(item, width) + tail
      if name.contains("[") {
        try expandRanges(name, into: &names)
      } else {
        names.append(name)
      }
      guard names.count <= maximumHosts else {
        throw RangeError(
          message: "host ranges expand to more than \(maximumHosts) hosts", ansibleRejects: false)
      }
    }
  }

  private static let asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

  private static func replacingFirst(_ character: Character, in text: String) -> String {
    guard let index = text.firstIndex(of: character) else { return text }
    var result = text
    result.replaceSubrange(index...index, with: "|")
    return result
  }

  /// Python's `str.zfill`: zeros after any sign up to `width` characters.
  private static func zeroFilled(_ text: String, _ width: Int) -> String {
    guard text.count < width else { return text }
    let zeros = String(repeating: "0", count: width - text.count)
    if let sign = text.first, sign == "-" || sign == "+" {
      return String(sign) + zeros + text.dropFirst()
    }
    return zeros + text
  }

  /// Python's `int()` of a decimal text: surrounding whitespace, a sign, and single `_` between
  /// digits are allowed.
  static func pythonInt(_ text: String) -> Int? {
    var body = Substring(text).drop(while: \.isWhitespace)
    while body.last?.isWhitespace == true { body = body.dropLast() }
    var sign = 1
    if body.first == "-" || body.first == "+" {
      if body.first == "-" { sign = -1 }
      body = body.dropFirst()
    }
    guard let first = body.first, first.isASCIIDigit, body.last?.isASCIIDigit == true,
      !body.contains("__"), body.allSatisfy({ $0.isASCIIDigit || $0 == "_" })
    else { return nil }
    return Int(body.replacingOccurrences(of: "_", with: "")).map { $0 * sign }
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
