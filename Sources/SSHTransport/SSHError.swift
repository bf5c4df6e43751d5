import Basics

/// A failed SSH operation: the host, the step, what happened in plain words and what to do.
public struct SSHError: OperatorError, Sendable, Equatable {
  /// What kind of failure it is.
  public enum Kind: String, Sendable, Hashable, Codable {
    /// No SSH connection could be made, or it was lost.
    case unreachable
    /// The server accepted none of the credentials tried.
    case authFailed
    /// The host is in no known_hosts file and new keys are not accepted.
    case hostKeyUnknown
    /// The host offered a different key than the one recorded for it.
    case hostKeyMismatch
    /// The remote command ran and failed (non-zero exit status or killed by a signal).
    case commandFailed
    /// The remote command outlived its time limit and was ended.
    case timeout
    /// sudo needs a password and none was given.
    case sudoPasswordRequired
    /// sudo rejected the password.
    case sudoPasswordWrong
    /// sudo refused for another reason (not in sudoers, no sudo installed).
    case sudoFailed
    /// A file upload or download did not complete or did not verify.
    case transferFailed
    /// The SSH session failed in some other way (channel refused, protocol error).
    case sessionFailed
    /// The request itself is invalid (a bad environment variable name, a NUL byte).
    case invalidRequest
  }

  /// What kind of failure it is.
  public let kind: Kind
  /// The host's name as the user knows it.
  public let host: String
  /// The step that failed: `connect`, `host key`, `authenticate`, or the command's label.
  public let step: String
  /// What went wrong, in one or two sentences.
  public let reason: String
  /// What to do about it.
  public let remedy: String?

  /// Creates an error.
  public init(_ kind: Kind, host: String, step: String, reason: String, remedy: String? = nil) {
    self.kind = kind
    self.host = host
    self.step = step
    self.reason = reason
    self.remedy = remedy
  }

  /// `host: step: reason`.
  public var message: String { "\(host): \(step): \(reason)" }

  /// ``ExitStatus/unreachable`` for connection failures, ``ExitStatus/invalidInput`` for bad
  /// requests, ``ExitStatus/failure`` otherwise.
  public var exitStatus: Int32 {
    switch kind {
    case .unreachable: ExitStatus.unreachable
    case .invalidRequest: ExitStatus.invalidInput
    default: ExitStatus.failure
    }
  }
}
