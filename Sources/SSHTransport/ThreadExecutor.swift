import Foundation

/// A serial executor that runs every job on one OS thread it owns.
///
/// libssh2 calls block and a session must only be used by one thread at a time, so each
/// ``SSHConnection`` runs on its own `ThreadExecutor` instead of Swift's cooperative pool.
final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private var stopping = false
  private var thread: Thread?

  init(name: String) {
    let thread = Thread { [self] in runLoop() }
    thread.name = name
    thread.stackSize = 2 << 20
    self.thread = thread
    thread.start()
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  func checkIsolated() {
    condition.lock()
    let owner = thread
    condition.unlock()
    precondition(owner != nil && Thread.current === owner, "not on this connection's thread")
  }

  /// Lets the thread end once the queued jobs have run.
  func shutdown() {
    condition.lock()
    stopping = true
    condition.signal()
    condition.unlock()
  }

  private func runLoop() {
    while true {
      condition.lock()
      while jobs.isEmpty && !stopping { condition.wait() }
      if jobs.isEmpty {
        thread = nil
        condition.unlock()
        return
      }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: asUnownedSerialExecutor())
    }
  }
}
