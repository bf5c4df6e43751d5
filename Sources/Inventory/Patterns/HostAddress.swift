/// Ansible's `parse_address` (`parsing/utils/addresses.py`): splits an optional `:port` off a
/// host name, IPv4 or IPv6 address (bracketed for a port: `[::1]:2222`), any of which may hold
/// `[x:y]` ranges; a text that is none of these is not an address.
enum HostAddress {
  /// The host (ranges still in it) and the port, or nil when Ansible cannot parse `text` as an
  /// address (its YAML plugin then keeps the whole text, colons included, as the name).
  static func parse(_ text: String) -> (host: String, port: String?)? {
    var address = text
    var port: String?
    // Both patterns are tried in turn, the second on what the first left.
    if let match = matchEnd(address, bracketedHostPort) {
      address = String(match.output.1)
      port = String(match.output.2)
    }
    if let match = matchEnd(address, hostPort) {
      address = String(match.output.1)
      port = String(match.output.2)
    }
    guard matchEnd(address, ipv4) != nil || matchEnd(address, ipv6) != nil || isHostname(address)
    else { return nil }
    return (address, port)
  }

  /// Python's `re.match(r"^...$")`: `$` also matches before one final newline.
  private static func matchEnd<Output>(_ text: String, _ regex: Regex<Output>) -> Regex<Output>
    .Match?
  {
    if let match = try? regex.wholeMatch(in: text) { return match }
    guard text.hasSuffix("\n") else { return nil }
    return try? regex.wholeMatch(in: String(text.dropLast()))
  }

  // MARK: - Ansible's patterns (the comments name them as addresses.py does)

  /// `[x:y]` or `[x:y:step]` with decimal bounds.
  private static let numericRange = #"\[[0-9]+:[0-9]+(?::[0-9]+)?\]"#
  /// `[x:y]` with hexadecimal bounds and a decimal step.
  private static let hexadecimalRange = #"\[[0-9a-f]+:[0-9a-f]+(?::[0-9]+)?\]"#
  /// One letter or decimal bounds.
  private static let alphanumericRange = #"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]"#

  nonisolated(unsafe) private static let bracketedHostPort =
    try! Regex(#"\[(.+)\]:([0-9]+)"#, as: (Substring, Substring, Substring).self)
    .matchingSemantics(.unicodeScalar).dotMatchesNewlines(false)
  nonisolated(unsafe) private static let hostPort =
    try! Regex(#"((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)"#, as: (Substring, Substring, Substring).self)
    .matchingSemantics(.unicodeScalar)

  private static var ipv4Component: String {
    "(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|\(numericRange))"
  }
  nonisolated(unsafe) private static let ipv4 =
    try! Regex("(?:\(ipv4Component)\\.){3}\(ipv4Component)")
    .matchingSemantics(.unicodeScalar).ignoresCase()

  nonisolated(unsafe) private static let ipv6: Regex<AnyRegexOutput> = {
    let c = "(?:[0-9a-f]{1,4}|\(hexadecimalRange))"
    let pattern = [
      "(?:\(c):){7}\(c)", "(?:\(c):){1,6}:", "(?:\(c):)(?::\(c)){1,6}",
      "(?:\(c):){2}(?::\(c)){1,5}", "(?:\(c):){3}(?::\(c)){1,4}", "(?:\(c):){4}(?::\(c)){1,3}",
      "(?:\(c):){5}(?::\(c)){1,2}", "(?:\(c):){6}(?::\(c))", ":(?::\(c)){1,6}", "\(c)?::",
      "(?:0:){6}(?:\(c)\\.){3}\(c)", "::(?:ffff:)?(?:\(c)\\.){3}\(c)",
      "(?:0:){5}ffff:(?:\(c)\\.){3}\(c)",
    ].joined(separator: "|")
    return try! Regex("(?:\(pattern))").matchingSemantics(.unicodeScalar).ignoresCase()
  }()

  /// A label: a word character or range first, then word characters, `-` or ranges, not
  /// ending in `_` or `-` (the look-behind of addresses.py written without one).
  nonisolated(unsafe) private static let label: Regex<AnyRegexOutput> = {
    let range = alphanumericRange
    let pattern = "(?:(?:\\w|\(range))(?:[\\w-]|\(range))*)?(?:[^\\W_]|\(range))"
    return try! Regex(pattern).matchingSemantics(.unicodeScalar).ignoresCase()
  }()

  /// Ansible's `hostname` pattern: labels separated by dots.
  private static func isHostname(_ text: String) -> Bool {
    var candidate = text
    if candidate.hasSuffix("\n") { candidate.removeLast() }
    // Ranges never hold a dot, so the dots split the labels.
    let labels = candidate.split(separator: ".", omittingEmptySubsequences: false)
    return labels.allSatisfy { (try? label.wholeMatch(in: String($0))) != nil }
  }
}
