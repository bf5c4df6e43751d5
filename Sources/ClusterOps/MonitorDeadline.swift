import Foundation

/// Waiting for work that may hang (a host that stopped answering) without being stuck with it.
enum MonitorDeadline {
  /// The task's result if it finishes by `deadline`; nil otherwise. The task itself keeps
  /// running (a later refresh may pick its result up).
  static func result<T: Sendable>(
    of task: Task<T, any Error>, by deadline: ContinuousClock.Instant
  ) async -> Result<T, any Error>? {
    let remaining = ContinuousClock.now.duration(to: deadline)
    let box = FirstAnswer<Result<T, any Error>?>()
    return await withCheckedContinuation { continuation in
      box.set(continuation)
      let timer = Task {
        if remaining > .zero { try? await Task.sleep(for: remaining) }
        box.answer(nil)
      }
      Task {
        let result = await task.result
        box.answer(result)
        timer.cancel()
      }
    }
  }
}

/// Resumes a continuation with the first answer given; later answers are dropped.
private final class FirstAnswer<Value: Sendable>: @unchecked Sendable {
  // Safety: `continuation` is read and written only under `lock`.
  private let lock = NSLock()
  private var continuation: CheckedContinuation<Value, Never>?

  func set(_ continuation: CheckedContinuation<Value, Never>) {
    lock.withLock { self.continuation = continuation }
  }

  func answer(_ value: Value) {
    let waiting = lock.withLock {
      let waiting = continuation
      continuation = nil
      return waiting
    }
    waiting?.resume(returning: value)
  }
}
