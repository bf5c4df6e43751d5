import Basics
import Foundation
import SSHTransport

/// What `ping` found on one host.
public struct PingResult: Sendable, Codable, Equatable {
  /// How the host did, worst first: any status but `ok` makes `ping` fail.
  public enum Status: String, Sendable, Codable {
    case ok
    case unreachable
    case authFailed = "auth-failed"
    case hostKey = "host-key"
    case sudoFailed = "sudo-failed"
    case drift
    case failed
  }

  /// Whether sudo works.
  public enum Sudo: String, Sendable, Codable {
    case ok
    case passwordRequired = "password-required"
    case wrongPassword = "wrong-password"
    case failed
    case unknown
  }

  /// The host's operating system.
  public struct OperatingSystem: Sendable, Codable, Equatable {
    /// `/etc/os-release` ID (`debian`, `ubuntu`).
    public var id: String?
    /// PRETTY_NAME (`Debian GNU/Linux 12 (bookworm)`).
    public var name: String?
    /// VERSION_ID (`12`).
    public var version: String?
  }

  /// The host's Tailscale IPv4 as it reports it, and as the inventory has it.
  public struct TailscaleAddress: Sendable, Codable, Equatable {
    /// From `tailscale ip -4` (or `tailscale0`) on the host.
    public var observed: String?
    /// The inventory's `tailscale_ip`.
    public var inventory: String?
    /// False when the inventory names an address the host does not have.
    public var matches: Bool?
  }

  /// Why the host failed.
  public struct Problem: Sendable, Codable, Equatable {
    /// The SSH error kind, or `drift`.
    public var kind: String
    /// The step that failed.
    public var step: String
    /// The message (`host: step: reason`).
    public var message: String
    /// What to do.
    public var remedy: String?
  }

  /// The inventory host name.
  public var host: String
  /// The address connected to.
  public var address: String
  /// The overall outcome.
  public var status: Status
  /// An SSH session was established.
  public var reachable: Bool
  /// How it authenticated (`agent (…)`, `key …`, `none (Tailscale SSH)`).
  public var authentication: String?
  /// Whether sudo works.
  public var sudo: Sudo
  /// The operating system.
  public var os: OperatingSystem?
  /// `uname -m`.
  public var architecture: String?
  /// Tailscale address check.
  public var tailscale: TailscaleAddress?
  /// Requests sent to the host.
  public var roundTrips: Int
  /// The failure, when there is one.
  public var problem: Problem?
}

/// The outcome of `ping` on the selected hosts, in inventory order.
public struct PingReport: Sendable, Codable, Equatable {
  /// Counts for the summary line.
  public struct Summary: Sendable, Codable, Equatable {
    /// Hosts pinged.
    public var hosts: Int
    /// Hosts that are fine.
    public var ok: Int
    /// Hosts that could not be reached.
    public var unreachable: Int
    /// Hosts reached that failed a check.
    public var failed: Int
  }

  /// One result per host.
  public var results: [PingResult]

  /// The counts.
  public var summary: Summary {
    let ok = results.filter { $0.status == .ok }.count
    let unreachable = results.filter { $0.status == .unreachable }.count
    return Summary(
      hosts: results.count, ok: ok, unreachable: unreachable,
      failed: results.count - ok - unreachable)
  }

  /// 0 when every host is fine; 1 when one failed a check; 4 when the only failures are
  /// unreachable hosts.
  public var exitStatus: Int32 {
    let counts = summary
    if counts.failed > 0 { return ExitStatus.failure }
    if counts.unreachable > 0 { return ExitStatus.unreachable }
    return ExitStatus.success
  }
}
