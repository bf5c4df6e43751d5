import OrderedCollections

/// Expands a host key of a YAML inventory the way Ansible does: `name:2222` sets the port,
/// `web[01:03]` and `db-[a:c]` are ranges (with an optional step: `[1:9:2]`).
enum HostKeyExpansion {
  struct RangeError: Error {
    var message: String
  }

  static func expand(_ key: String) throws(RangeError) -> (names: [String], port: Int?) {
    var pattern = key
    var port: Int?
    if let (host, number) = splitPort(key) {
      pattern = host
      port = number
    }
    guard pattern.contains("[") else { return ([pattern], port) }
    return (try expandRanges(pattern), port)
  }

  /// `host:22` or `[host]:22`; IPv6 addresses (several colons) have no port unless bracketed.
  private static func splitPort(_ key: String) -> (String, Int)? {
    guard let colon = key.lastIndex(of: ":") else { return nil }
    let portText = key[key.index(after: colon)...]
    guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText) else {
      return nil
    }
    var host = String(key[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]"), !host.dropFirst().contains("[") {
      host = String(host.dropFirst().dropLast())
      return (host, port)
    }
    // `host[1:3]` is a range, not a port; an IPv6 address has more colons.
    if host.contains(":") || host.contains("[") { return nil }
    return host.isEmpty ? nil : (host, port)
  }

  private static func expandRanges(_ pattern: String) throws(RangeError) -> [String] {
    guard let open = pattern.firstIndex(of: "["),
      let close = pattern[open...].firstIndex(of: "]")
    else { return [pattern] }
    let head = String(pattern[..<open])
    let range = String(pattern[pattern.index(after: open)..<close])
    let tail = String(pattern[pattern.index(after: close)...])
    let bounds = range.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard bounds.count == 2 || bounds.count == 3 else {
      throw RangeError(message: "host range must be begin:end or begin:end:step")
    }
    let begin = bounds[0].isEmpty ? "0" : bounds[0]
    let end = bounds[1]
    guard !end.isEmpty else { throw RangeError(message: "host range must specify end value") }
    let step = bounds.count == 3 ? Int(bounds[2]) ?? 0 : 1
    guard step > 0 else { throw RangeError(message: "host range step must be a positive number") }
    var items: [String] = []
    let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if begin.count == 1, end.count == 1, let low = letters.firstIndex(of: begin.first!),
      let high = letters.firstIndex(of: end.first!)
    {
      guard low <= high else { throw RangeError(message: "host range must have begin <= end") }
      items = stride(from: low, through: high, by: step).map { String(letters[$0]) }
    } else {
      guard let low = Int(begin), let high = Int(end) else {
        throw RangeError(message: "host range must be numbers or single letters")
      }
      let width = begin.hasPrefix("0") && begin.count > 1 ? begin.count : 0
      if width > 0, width != end.count {
        throw RangeError(message: "host range must specify equal-length begin and end formats")
      }
      items = stride(from: low, through: high, by: step).map { number in
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
      }
    }
    var names: [String] = []
    for item in items {
      for rest in try expandRanges(tail) { names.append(head + item + rest) }
    }
    return names
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
