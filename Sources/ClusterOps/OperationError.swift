import Basics

/// A cluster operation (provision, backup, remove-node, API access…) cannot go on: what and
/// where, what to do, and the exit status it maps to.
public struct OperationError: OperatorError {
  public let message: String
  public var remedy: String?
  public var exitStatus: Int32

  /// Creates the error (a failure unless said otherwise).
  public init(_ message: String, remedy: String? = nil, exitStatus: Int32 = ExitStatus.failure) {
    self.message = message
    self.remedy = remedy
    self.exitStatus = exitStatus
  }
}
