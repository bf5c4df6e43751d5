import Basics
import Foundation
import SSHTransport

/// What one remote command printed and how it ended.
public struct ScriptOutput: Sendable {
  /// Standard output, decoded as UTF-8.
  public var stdout: String
  /// Standard error, decoded as UTF-8.
  public var stderr: String
  /// The exit status (meaningless when ``exitSignal`` is set).
  public var exitStatus: Int32
  /// The signal that ended the command, e.g. `KILL`.
  public var exitSignal: String?

  /// What `result` printed and how it ended; output cut at the output limit is said in stderr
  /// (a cut probe or change report cannot be read whole, and the failure should say why).
  init(_ result: ExecResult) {
    var stderr = result.stderrText
    for (name, dropped) in [
      ("standard output", result.stdoutDropped), ("standard error", result.stderrDropped),
    ]
    where dropped > 0 {
      stderr +=
        "\n[cluster-mgr: the first \(dropped) bytes of the \(name) were dropped: it exceeded the output limit]"
    }
    self.init(
      stdout: result.stdoutText, stderr: stderr, exitStatus: result.exitStatus,
      exitSignal: result.exitSignal)
  }

  /// Creates an output record.
  public init(stdout: String, stderr: String, exitStatus: Int32, exitSignal: String? = nil) {
    self.stdout = stdout
    self.stderr = stderr
    self.exitStatus = exitStatus
    self.exitSignal = exitSignal
  }
}

/// The engine's view of a connection to one host: scripts in, output back, files streamed.
///
/// The SSH implementation is ``SSHHostSessionProvider``; tests may supply others.
public protocol HostSession: Sendable {
  /// Runs `script` as root with `/bin/sh -s` on the host, script on stdin: one round trip.
  /// `files` (local path → path on the host, in a directory only root can enter, made when
  /// missing) travel ahead of it, each checked against its sha256 on arrival; the script runs
  /// only when every file arrived intact.
  func runScript(_ script: String, after files: [StagedUpload], timeout: Duration?) async throws
    -> ScriptOutput
  /// How many round trips this session has made so far.
  var roundTrips: Int { get async }
}

/// Hands out one session per host, opening it on first use and reusing it afterwards.
public protocol HostSessionProvider: Sendable {
  /// The session for `host` (an inventory host name).
  func session(for host: String) async throws -> any HostSession
  /// Closes every session.
  func closeAll() async
}

/// A session could not be opened or broke down: the host counts as unreachable.
public struct HostUnreachable: Error, Sendable, CustomStringConvertible {
  /// The inventory host name.
  public var host: String
  /// What the engine was doing (connect, probe, apply, upload).
  public var step: String
  /// The transport's explanation.
  public var message: String
  /// What to do about it.
  public var remedy: String?

  /// Creates the error.
  public init(host: String, step: String, message: String, remedy: String? = nil) {
    self.host = host
    self.step = step
    self.message = message
    self.remedy = remedy
  }

  public var description: String { "\(host): \(step): \(message)" }
}
