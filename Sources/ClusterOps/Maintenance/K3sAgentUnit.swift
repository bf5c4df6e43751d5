import Basics
import Foundation
import SSHTransport

/// The K3s agent's systemd unit (`k3s-agent`) on a host, over SSH.
///
/// Is it running, stop it, start it; only fixed words reach the remote shell.
enum K3sAgentUnit {
  static let unit = "k3s-agent"

  /// `systemctl is-active k3s-agent`: true when it runs.
  static func isActive(_ connection: SSHConnection) async throws -> Bool {
    let result = try await connection.execute(
      .argv(
        ["systemctl", "is-active", unit], sudo: true, timeout: .seconds(30),
        step: "is \(unit) running"))
    return result.succeeded
      && result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        == "active"
  }

  /// `systemctl stop k3s-agent` (or `start`); throws with systemd's own words when it fails.
  static func change(_ connection: SSHConnection, host: String, start: Bool) async throws {
    let verb = start ? "start" : "stop"
    let result = try await connection.execute(
      .argv(["systemctl", verb, unit], sudo: true, timeout: .seconds(180), step: "\(verb) \(unit)"))
    guard result.succeeded else {
      let output = (result.stderrText + "\n" + result.stdoutText).trimmingCharacters(
        in: .whitespacesAndNewlines)
      throw OperationError(
        "\(host): systemctl \(verb) \(unit) failed (exit status \(result.exitStatus))"
          + (output.isEmpty ? "" : ": \(output)"),
        remedy: "look at the unit on \(host) (cluster-mgr ssh \(host), then journalctl -u \(unit))")
    }
  }
}
