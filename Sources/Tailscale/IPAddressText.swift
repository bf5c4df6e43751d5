import Foundation

/// IP addresses as text: classification by family and comparison of the parsed values
/// (`fd7a:115c:a1e0::5a01:32c` equals `fd7a:115c:a1e0:0:0:0:5a01:032c`).
public enum IPAddressText {
  /// Whether `text` is an IPv4 address in dotted-quad form.
  public static func isIPv4(_ text: String) -> Bool { parse4(text) != nil }

  /// Whether `text` is an IPv6 address.
  public static func isIPv6(_ text: String) -> Bool { parse6(text) != nil }

  /// Whether `a` and `b` are the same address; plain text comparison when either is not an IP.
  public static func same(_ a: String, _ b: String) -> Bool {
    if let x = parse4(a), let y = parse4(b) { return x == y }
    if let x = parse6(a), let y = parse6(b) { return x == y }
    return a == b
  }

  private static func parse4(_ text: String) -> [UInt8]? {
    var address = in_addr()
    guard !text.contains(":"), inet_pton(AF_INET, text, &address) == 1 else { return nil }
    return withUnsafeBytes(of: &address) { Array($0) }
  }

  private static func parse6(_ text: String) -> [UInt8]? {
    var address = in6_addr()
    guard text.contains(":"), inet_pton(AF_INET6, text, &address) == 1 else { return nil }
    return withUnsafeBytes(of: &address) { Array($0) }
  }
}
