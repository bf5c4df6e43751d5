/// An error a person can act on: what failed, where, and what to do about it.
///
/// Every error that reaches the command line conforms, so the CLI prints the same shape
/// everywhere: `error: <message>` and, when known, `  fix: <remedy>`.
public protocol OperatorError: Error, CustomStringConvertible {
  /// One or two sentences naming the host, file or step and what went wrong.
  var message: String { get }
  /// What to do about it, when there is something to do.
  var remedy: String? { get }
  /// The process exit status this error maps to (see ``ExitStatus``).
  var exitStatus: Int32 { get }
}

extension OperatorError {
  public var remedy: String? { nil }
  public var exitStatus: Int32 { ExitStatus.failure }
  public var description: String {
    guard let remedy else { return message }
    return message + "\n  fix: " + remedy
  }
}
