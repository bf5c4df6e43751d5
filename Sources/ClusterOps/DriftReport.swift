import Basics
import Foundation

/// One difference between the inventory and the running cluster, tailnet or host.
public struct DriftFinding: Sendable, Hashable {
  /// What kind of difference it is (the `kind` of `drift --output json`).
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// An inventory host with a role that is not registered in the cluster.
    case missingFromCluster = "missing-from-cluster"
    /// A cluster node the inventory does not have.
    case notInInventory = "not-in-inventory"
    /// The kubelet runs another version than the inventory's `k3s_version`.
    case versionSkew = "version-skew"
    /// A declared label is missing or different, or one cluster-mgr set is no longer declared.
    case label
    /// A declared taint is missing or different, or one cluster-mgr set is no longer declared.
    case taint
    /// The kubelet's kube-reserved/system-reserved differ from the inventory's reservations.
    case reservation
    /// The tailnet gives the host another address than the inventory's `tailscale_ip`.
    case tailscaleAddress = "tailscale-address"
    /// The tailnet has no node for the host.
    case notInTailnet = "not-in-tailnet"
    /// The tailnet reports the host offline.
    case offline
    /// An object of a manifest provision applies is missing or differs in a field.
    case manifest
  }

  /// What kind of difference it is.
  public var kind: Kind
  /// The inventory host or cluster node concerned.
  public var host: String
  /// What differs, in one sentence.
  public var message: String
  /// What the inventory declares (nil when it declares nothing).
  public var expected: String?
  /// What was found (nil when nothing was).
  public var actual: String?
  /// What to do about it.
  public var remedy: String

  /// Creates a finding.
  public init(
    kind: Kind, host: String, message: String, expected: String? = nil, actual: String? = nil,
    remedy: String
  ) {
    self.kind = kind
    self.host = host
    self.message = message
    self.expected = expected
    self.actual = actual
    self.remedy = remedy
  }
}

/// `cluster-mgr drift`: every difference found, and what could not be checked.
public struct DriftReport: Sendable {
  /// The differences, grouped by host in inventory order.
  public var findings: [DriftFinding]
  /// What could not be compared and why (no server answered, tailscaled down, a host's
  /// reservations unreadable).
  public var unchecked: [String]
  /// The server whose API was read, if one answered.
  public var server: String?
  /// Whether the cluster's API could be read.
  var clusterChecked: Bool
  /// Whether the tailnet could be read.
  var tailnetChecked: Bool
  /// When the report was made.
  var generatedAt: Date

  /// 0 no drift and everything checked; 1 drift found; 4 no drift found but the API could not
  /// be read; 3 no drift found but tailscaled could not be read.
  public var exitStatus: Int32 {
    if !findings.isEmpty { return ExitStatus.failure }
    if !clusterChecked { return ExitStatus.unreachable }
    if !tailnetChecked { return ExitStatus.environment }
    return ExitStatus.success
  }

  /// The report for people: one line per finding with its fix, then what was not checked.
  public func textLines() -> [String] {
    var lines: [String] = []
    if findings.isEmpty {
      lines.append(
        unchecked.isEmpty
          ? "No drift: the cluster, the tailnet and the hosts match the inventory."
          : "No drift found in what could be checked.")
    } else {
      let hosts = Set(findings.map(\.host)).count
      lines.append(
        "\(findings.count) difference\(findings.count == 1 ? "" : "s") on \(hosts) "
          + "host\(hosts == 1 ? "" : "s"):")
      let width = findings.map(\.host.count).max() ?? 0
      let kindWidth = findings.map(\.kind.rawValue.count).max() ?? 0
      for finding in findings {
        let host = finding.host.padding(toLength: width, withPad: " ", startingAt: 0)
        let kind = finding.kind.rawValue.padding(toLength: kindWidth, withPad: " ", startingAt: 0)
        lines.append("  \(host)  \(kind)  \(finding.message)")
      }
      var remedies: [String] = []
      for remedy in findings.map(\.remedy) where !remedies.contains(remedy) {
        remedies.append(remedy)
      }
      lines.append("")
      lines += remedies.map { "fix: " + $0 }
    }
    if !unchecked.isEmpty {
      lines.append("")
      lines.append("Not checked:")
      lines += unchecked.map { "  " + $0 }
    }
    return lines
  }

  /// The report for scripts (`--output json`).
  public func json() -> String {
    StatusJSON.text([
      "drift": !findings.isEmpty,
      "exitStatus": Int(exitStatus),
      "server": StatusJSON.value(server),
      "generatedAt": StatusJSON.date(generatedAt),
      "checked": ["cluster": clusterChecked, "tailnet": tailnetChecked],
      "unchecked": unchecked,
      "findings": findings.map { finding -> [String: Any] in
        [
          "kind": finding.kind.rawValue, "host": finding.host, "message": finding.message,
          "expected": StatusJSON.value(finding.expected),
          "actual": StatusJSON.value(finding.actual), "remedy": finding.remedy,
        ]
      },
    ])
  }
}
