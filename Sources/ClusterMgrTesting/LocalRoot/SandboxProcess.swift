import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs bubblewrap on a thread of its own (never on the cooperative pool), feeding its standard
/// input, draining both outputs at once, and killing it at a time limit.
enum SandboxProcess {
  /// One piece of standard input, in order.
  enum Input: Sendable {
    /// Bytes in memory.
    case data(Data)
    /// The first `length` bytes of a file.
    case file(URL, length: Int)
  }

  /// What the command printed and how it ended.
  struct Outcome: Sendable {
    var stdout: Data
    var stderr: Data
    /// bubblewrap's exit status: the command's (128 + N when a signal N ended it).
    var status: Int32
    /// The time limit ran out and bubblewrap was killed, and with it every process it started.
    var timedOut: Bool
  }

  /// A write to a pipe whose reader is gone fails with EPIPE instead of ending the test process.
  private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

  /// Runs bubblewrap with `arguments`, `input` on its standard input.
  static func run(_ arguments: [String], input: [Input], timeout: Duration?) async throws
    -> Outcome
  {
    try await withCheckedThrowingContinuation { continuation in
      // The thread that starts bubblewrap stays until it ends: `--die-with-parent` kills the
      // sandbox when the starting thread ends.
      Thread {
        continuation.resume(
          with: Result { try runBlocking(arguments, input: input, timeout: timeout) })
      }.start()
    }
  }

  /// ``run(_:input:timeout:)`` on the calling thread.
  static func runBlocking(_ arguments: [String], input: [Input], timeout: Duration?) throws
    -> Outcome
  {
    _ = ignoreBrokenPipes
    let process = Process()
    process.executableURL = URL(fileURLWithPath: LocalRootSandbox.bubblewrap)
    process.arguments = arguments
    process.environment = [:]
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let killer = Killer(pid: process.processIdentifier)
    if let timeout { killer.schedule(after: timeout) }
    let writer = stdin.fileHandleForWriting
    Thread {
      feed(input, to: writer)
      try? writer.close()
    }.start()
    let (output, errors) = drain(stdout, stderr)
    process.waitUntilExit()
    killer.cancel()
    let signaled = process.terminationReason == .uncaughtSignal
    return Outcome(
      stdout: output, stderr: errors,
      status: signaled ? 128 + process.terminationStatus : process.terminationStatus,
      timedOut: killer.fired && signaled)
  }

  /// Reads both pipes to their end at once, so that neither fills up and stalls the command.
  private static func drain(_ stdout: Pipe, _ stderr: Pipe) -> (Data, Data) {
    let errors = DrainedOutput()
    let errorsDone = DispatchSemaphore(value: 0)
    Thread {
      errors.data = stderr.fileHandleForReading.readDataToEndOfFile()
      errorsDone.signal()
    }.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    errorsDone.wait()
    return (output, errors.data)
  }

  /// Writes `input` in order; stops at the first failed write (the command stopped reading).
  private static func feed(_ input: [Input], to handle: FileHandle) {
    do {
      for part in input {
        switch part {
        case .data(let data):
          try handle.write(contentsOf: data)
        case .file(let url, let length):
          let file = try FileHandle(forReadingFrom: url)
          defer { try? file.close() }
          var left = length
          while left > 0, let chunk = try file.read(upToCount: min(left, 1 << 16)),
            !chunk.isEmpty
          {
            try handle.write(contentsOf: chunk)
            left -= chunk.count
          }
        }
      }
    } catch {
      return
    }
  }
}

/// Kills a process with SIGKILL once its time limit has passed, unless cancelled first.
private final class Killer: @unchecked Sendable {
  private let pid: Int32
  private let lock = NSLock()
  private var done = false
  private var killed = false

  init(pid: Int32) { self.pid = pid }

  /// Whether the kill happened.
  var fired: Bool { lock.withLock { killed } }

  func schedule(after timeout: Duration) {
    let seconds =
      Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
      lock.withLock {
        guard !done else { return }
        killed = true
        kill(pid, SIGKILL)
      }
    }
  }

  /// The process ended: never kill (its pid may be reused).
  func cancel() { lock.withLock { done = true } }
}

/// Output read on another thread.
private final class DrainedOutput: @unchecked Sendable {
  var data = Data()
}
