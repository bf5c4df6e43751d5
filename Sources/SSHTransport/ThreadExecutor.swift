import Foundation

/// A serial executor that runs every job on one OS thread it owns.
///
/// libssh2 calls block and a session must only be used by one thread at a time, so each
/// ``SSHConnection`` runs on its own `ThreadExecutor` instead of Swift's cooperative pool.
final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [Work] = []
  private var stopping = false
  private var thread: Thread?

  init(name: String) {
    let thread = Thread { [self] in
      Self.nameCurrentThread(name)
      runLoop()
    }
    thread.name = name
    thread.stackSize = 2 << 20
    self.thread = thread
    thread.start()
  }

  /// What the thread runs: a task's job, or a closure from another thread (an SSH tunnel's).
  private enum Work {
    case job(UnownedJob)
    case closure(() -> Void)
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(.job(job))
    condition.signal()
    condition.unlock()
  }

  /// Runs `body` on this executor's thread, between its jobs, and waits for it: for a thread of
  /// one's own (never the cooperative pool) that must use the connection's session.
  func runAndWait(_ body: @escaping () -> Void) {
    let done = DispatchSemaphore(value: 0)
    condition.lock()
    let running = thread != nil && !stopping
    if running {
      jobs.append(
        .closure {
          body()
          done.signal()
        })
      condition.signal()
    }
    condition.unlock()
    if running { done.wait() }
  }

  func checkIsolated() {
    precondition(isCurrentThread, "not on this connection's thread")
  }

  /// Whether the caller runs on this executor's thread.
  var isCurrentThread: Bool {
    condition.lock()
    let owner = thread
    condition.unlock()
    return owner != nil && Thread.current === owner
  }

  /// Lets the thread end once the queued jobs have run.
  func shutdown() {
    condition.lock()
    stopping = true
    condition.signal()
    condition.unlock()
  }

  /// Names the OS thread (15 bytes at most on Linux) so thread dumps show which host it serves.
  private static func nameCurrentThread(_ name: String) {
    #if os(Linux)
      guard let comm = FileHandle(forWritingAtPath: "/proc/thread-self/comm") else { return }
      comm.write(Data(name.utf8.prefix(15)))
      try? comm.close()
    #endif
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
      let work = jobs.removeFirst()
      condition.unlock()
      switch work {
      case .job(let job): job.runSynchronously(on: asUnownedSerialExecutor())
      case .closure(let body): body()
      }
    }
  }
}
