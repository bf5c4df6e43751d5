import Dispatch

/// A serial queue for blocking SQLite work, off Swift's cooperative thread pool.
struct SerialWorker: Sendable {
  let queue: DispatchQueue

  init(label: String) { queue = DispatchQueue(label: label) }

  /// Runs `body` on the queue after everything submitted before it, and waits without blocking.
  func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      queue.async { continuation.resume(returning: body()) }
    }
  }

  /// Runs `body` on the queue after everything submitted before it; returns at once.
  func submit(_ body: @escaping @Sendable () -> Void) {
    queue.async(execute: body)
  }
}
