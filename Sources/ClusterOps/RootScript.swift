import Basics
import Foundation
import SSHTransport

/// A shell script the day-2 operations run as root with arguments (`sh -c SCRIPT NAME ARGS…`),
/// in one place: its command line, and a failure as an error holding its stderr (masked).
struct RootScript {
  /// The script.
  let script: String
  /// `$0` of the script (names it in `ps` and in the shell's own messages).
  let name: String

  init(_ script: String, name: String) {
    self.script = script
    self.name = name
  }

  /// The command that runs the script as root with `arguments`.
  func command(_ arguments: [String], timeout: Duration, step: String) -> RemoteCommand {
    .argv(["/bin/sh", "-c", script, name] + arguments, sudo: true, timeout: timeout, step: step)
  }

  /// Runs the script on `connection`; returns its stdout, or throws its stderr (masked by
  /// `redactor`) after `failurePrefix`.
  func run(
    _ arguments: [String], on connection: SSHConnection, timeout: Duration, step: String,
    redactor: SecretRedactor?, failurePrefix: String = ""
  ) async throws -> String {
    let out = try await connection.execute(command(arguments, timeout: timeout, step: step))
    return try Self.stdout(of: out, redactor: redactor, failurePrefix: failurePrefix)
  }

  /// The script's stdout when it succeeded; else an error holding its stderr (masked by
  /// `redactor`, when given) after `failurePrefix`.
  static func stdout(of out: ExecResult, redactor: SecretRedactor?, failurePrefix: String = "")
    throws -> String
  {
    guard out.succeeded else {
      let stderr = redactor.map { $0.redact(out.stderrText) } ?? out.stderrText
      throw OperationError(
        failurePrefix + stderr.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return out.stdoutText
  }
}
