import Foundation

/// Blocking work (a lock wait, file I/O, a C call that blocks) kept off Swift's cooperative
/// thread pool: it runs on a thread of its own, and the caller awaits its result.
public enum BlockingWork {
  /// Runs `work` on a new thread (called `name`, for debuggers and crash reports) and returns
  /// (or throws) what it does.
  public static func run<T: Sendable>(
    name: String? = nil, _ work: @escaping @Sendable () throws -> T
  ) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      start(name) { continuation.resume(with: Result { try work() }) }
    }
  }

  /// Runs `work`, which cannot fail, on a new thread and returns its result.
  public static func run<T: Sendable>(
    name: String? = nil, _ work: @escaping @Sendable () -> T
  ) async -> T {
    await withCheckedContinuation { continuation in
      start(name) { continuation.resume(returning: work()) }
    }
  }

  private static func start(_ name: String?, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    if let name { thread.name = name }
    thread.start()
  }
}
