import Basics
import Foundation

/// The terminal could not be set up for a full-screen program.
public struct TerminalError: OperatorError, Equatable {
  /// What failed, with the system's reason.
  public let message: String
  /// What to do about it.
  public var remedy: String? { "run cluster-mgr in an interactive terminal" }
  /// The local environment is not ready.
  public var exitStatus: Int32 { ExitStatus.environment }

  /// Creates the error for a failed `operation` with `errno` value `code`.
  init(operation: String, code: Int32) {
    message = "cannot \(operation) on the terminal: \(String(cString: strerror(code)))"
  }
}
