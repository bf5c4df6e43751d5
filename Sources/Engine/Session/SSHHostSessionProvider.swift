import Basics
import Foundation
import SSHTransport

/// Engine sessions over SSH: one libssh2 connection per host, opened on first use, reused for
/// every probe, upload and change script of the run.
public struct SSHHostSessionProvider: HostSessionProvider {
  let sessions: SSHSessions
  let targets: [String: SSHTarget]

  /// Sessions to `targets` (keyed by inventory host name) through `sessions`.
  public init(sessions: SSHSessions, targets: [SSHTarget]) {
    self.sessions = sessions
    self.targets = Dictionary(
      targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
  }

  public func session(for host: String) async throws -> any HostSession {
    guard let target = targets[host] else {
      throw HostUnreachable(host: host, step: "connect", message: "no SSH settings for \(host)")
    }
    do {
      return SSHHostSession(connection: try await sessions.connection(to: target), host: host)
    } catch {
      throw HostUnreachable(
        host: host, step: "connect", message: error.message, remedy: error.remedy)
    }
  }

  public func closeAll() async { await sessions.closeAll() }
}

struct SSHHostSession: HostSession {
  let connection: SSHConnection
  let host: String

  func runScript(_ script: String, after files: [StagedUpload], timeout: Duration?) async throws
    -> ScriptOutput
  {
    do {
      return ScriptOutput(
        try await connection.execute(
          script: script, after: files, sudo: true, timeout: timeout,
          step: files.isEmpty ? "run the batch as root" : "upload and run the batch as root"))
    } catch {
      throw Self.classify(error, host: host)
    }
  }

  var roundTrips: Int { get async { await connection.roundTrips } }

  /// Connection-level failures make the host unreachable; others stay errors of the step.
  static func classify(_ error: SSHError, host: String) -> any Error {
    switch error.kind {
    case .unreachable, .sessionFailed, .authFailed, .hostKeyUnknown, .hostKeyMismatch:
      return HostUnreachable(
        host: host, step: error.step, message: error.message, remedy: error.remedy)
    default:
      return error
    }
  }
}
