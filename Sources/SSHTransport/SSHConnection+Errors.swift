import Basics
import CLibSSH2
import Foundation

extension SSHConnection {
  /// The user-facing error for an exec that produced no result (a lost connection also marks
  /// this connection as lost).
  func failure(_ error: ExecChannel.Failure, label: String, limit: Duration?) -> SSHError {
    switch error {
    case .notOpened(let failure) where failure.code == LIBSSH2_ERROR_TIMEOUT && !loginSessionOpen:
      lose("sshd did not set up the login session (\(failure.text))")
      return SSHError(
        .unreachable, host: target.name, step: label,
        reason: "\(target.address) accepted the login of \(target.user) but did not open its "
          + "session within \(Self.describe(channelOpenTimeout)); nothing was run.",
        remedy: "On a systemd host logind may be waiting for the user's systemd manager "
          + "(systemctl status user@UID.service, journalctl -u systemd-logind there); run again "
          + "once logins are quick.")
    case .notOpened(let failure) where failure.isConnectionLost:
      lose("no channel could be opened (\(failure.text))")
      return SSHError(
        .unreachable, host: target.name, step: label,
        reason: "the connection to \(target.address) stopped answering: no channel could be "
          + "opened (\(failure.text)); nothing was run.",
        remedy: "Check that the host is up and sshd is running (cluster-mgr ping), then run again.")
    case .notOpened(let failure):
      return SSHError(
        .sessionFailed, host: target.name, step: label,
        reason: "the host refused a channel: \(failure.text); nothing was run.")
    case .libssh2(let failure) where failure.isConnectionLost:
      lose("the connection was lost while running \(label) (\(failure.text))")
      return SSHError(
        .unreachable, host: target.name, step: label,
        reason: "the connection to \(target.address) was lost while running the command "
          + "(\(failure.text)); it may or may not have finished.",
        remedy: "Check that the host is up and sshd is running (cluster-mgr ping), then run again.")
    case .libssh2(let failure):
      return SSHError(
        .sessionFailed, host: target.name, step: label,
        reason: "the SSH channel failed: \(failure.text).")
    case .passwordMissing:
      return SSHError(
        .sudoPasswordRequired, host: target.name, step: label,
        reason: "sudo asks \(target.user) for a password and none is configured.",
        remedy: "Run with --ask-become-pass (-K) to be asked once, set ansible_become_password "
          + "for this host, or allow \(target.user) passwordless sudo.")
    case .passwordRejected:
      return SSHError(
        .sudoPasswordWrong, host: target.name, step: label,
        reason: "sudo rejected the password for \(target.user).",
        remedy: "Check ansible_become_password for this host.")
    case .noEndInSight:
      return SSHError(
        .timeout, host: target.name, step: label,
        reason: "the command did not end within \(Self.describe(limit ?? .zero)) and the host did "
          + "not confirm it was stopped; the channel was closed.",
        remedy: "Check the host: the command may still be running there.")
    case .outputRejected(let error):
      return SSHError(
        .transferFailed, host: target.name, step: label,
        reason: "the output could not be kept: "
          + ((error as? any OperatorError)?.message ?? "\(error)") + "; the command was stopped.")
    case .stdinUnreadable(let why):
      return SSHError(
        .transferFailed, host: target.name, step: label,
        reason: "could not read the input to send: \(why).")
    }
  }

  /// The error for sudo refusing before the command started, from sudo's own words.
  func sudoFailure(_ message: String, label: String) -> SSHError {
    if message.contains("a password is required") {
      return failure(.passwordMissing(sudoMessage: message), label: label, limit: nil)
    }
    if message.contains("incorrect password") {
      return failure(.passwordRejected(sudoMessage: message), label: label, limit: nil)
    }
    return SSHError(
      .sudoFailed, host: target.name, step: label,
      reason: "sudo refused to run the command: \(message.isEmpty ? "no reason given" : message)",
      remedy: "Make sure sudo is installed and \(target.user) may use it (sudoers).")
  }
}
