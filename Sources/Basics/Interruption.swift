import Foundation

/// A request to stop starting new work, made by Ctrl-C or SIGTERM and checked between steps.
///
/// The command-line tool sets ``shared`` from its signal handlers; the engine checks it before
/// each play, host and step it starts, and the day-2 operations between their steps. Work that
/// already runs on a host is never cut short by it: it finishes or reaches its time limit.
public final class Interruption: @unchecked Sendable {
  // Safety: `lock` guards `received`.
  private let lock = NSLock()
  private var received: String?

  /// The process's instance, set by the signal handlers of the command-line tool.
  public static let shared = Interruption()

  /// A flag nobody has raised yet.
  public init() {}

  /// Whether a stop was requested.
  public var isRequested: Bool { lock.withLock { received != nil } }

  /// The signal that asked (`SIGINT`, `SIGTERM`), once one did.
  public var signal: String? { lock.withLock { received } }

  /// Records a request for `signal`; returns false when one had been made already.
  @discardableResult
  public func request(_ signal: String) -> Bool {
    lock.withLock {
      guard received == nil else { return false }
      received = signal
      return true
    }
  }
}
