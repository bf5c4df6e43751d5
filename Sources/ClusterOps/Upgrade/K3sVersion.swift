import Foundation

/// A K3s release such as `v1.31.4+k3s1`: the Kubernetes version it carries, comparable.
public struct K3sVersion: Comparable, Sendable, CustomStringConvertible {
  /// Kubernetes' major version (1).
  public let major: Int
  /// Kubernetes' minor version (31).
  public let minor: Int
  /// The patch release (4).
  public let patch: Int
  /// The release as written.
  public let text: String

  /// Reads `v1.31.4+k3s1` (also without `v`, with `-rc1`, without the `+k3s` suffix); nil for
  /// anything else.
  public init?(_ text: String) {
    var core = Substring(text.trimmingCharacters(in: .whitespaces))
    if core.hasPrefix("v") { core = core.dropFirst() }
    core = core.prefix { $0 != "+" && $0 != "-" }
    let parts = core.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 3, let major = parts[0], let minor = parts[1], let patch = parts[2]
    else { return nil }
    self.major = major
    self.minor = minor
    self.patch = patch
    self.text = text
  }

  /// `v1.31`: the minor release line.
  public var minorLine: String { "v\(major).\(minor)" }

  public var description: String { text }

  /// How many minor versions `other` is ahead of this one (negative: behind); a different
  /// major version counts as far apart.
  public func minorsTo(_ other: K3sVersion) -> Int {
    guard major == other.major else { return other.major > major ? 1000 : -1000 }
    return other.minor - minor
  }

  public static func < (lhs: K3sVersion, rhs: K3sVersion) -> Bool {
    (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
  }

  public static func == (lhs: K3sVersion, rhs: K3sVersion) -> Bool {
    (lhs.major, lhs.minor, lhs.patch) == (rhs.major, rhs.minor, rhs.patch)
  }
}
