import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads keys from a file descriptor on a thread of its own (blocking reads never run on the
/// cooperative pool) and yields them to an `AsyncStream`.
final class KeyReader: @unchecked Sendable {
  /// How long a lone ESC waits for the rest of a sequence before it counts as Escape.
  static let escapeTimeoutMilliseconds: Int32 = 40

  private let input: Int32
  private let continuation: AsyncStream<Key>.Continuation
  private let lock = NSLock()
  private var wakeRead: Int32 = -1
  private var wakeWrite: Int32 = -1
  private var isStopped = false

  /// A reader of `input` that yields to `continuation` once started.
  init(input: Int32, continuation: AsyncStream<Key>.Continuation) {
    self.input = input
    self.continuation = continuation
  }

  /// Starts the reading thread.
  func start() {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else {
      continuation.finish()
      return
    }
    lock.withLock {
      wakeRead = descriptors[0]
      wakeWrite = descriptors[1]
    }
    let thread = Thread { [self] in run() }
    thread.name = "cluster-mgr.keys"
    thread.start()
  }

  /// Passes a resize notification on to the consumer.
  func yieldResize() {
    lock.withLock {
      if !isStopped { continuation.yield(.resize) }
    }
  }

  /// Stops the thread (it finishes the stream); safe to call more than once.
  func stop() {
    lock.withLock {
      guard !isStopped else { return }
      isStopped = true
      var byte: UInt8 = 0
      if wakeWrite >= 0 { _ = Platform.systemWrite(wakeWrite, &byte, 1) }
    }
  }

  private var stopped: Bool { lock.withLock { isStopped } }

  private func run() {
    var decoder = KeyDecoder()
    var buffer = [UInt8](repeating: 0, count: 256)
    let wake = lock.withLock { wakeRead }
    reading: while !stopped {
      var descriptors = [
        pollfd(fd: input, events: Int16(POLLIN), revents: 0),
        pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
      ]
      let timeout = decoder.hasPending ? Self.escapeTimeoutMilliseconds : -1
      let ready = poll(&descriptors, 2, timeout)
      if ready < 0 {
        if errno == EINTR { continue }
        break
      }
      if stopped || descriptors[1].revents != 0 { break }
      if ready == 0 {
        for key in decoder.flush() { continuation.yield(key) }
        continue
      }
      guard descriptors[0].revents != 0 else { continue }
      let count = buffer.withUnsafeMutableBytes {
        Platform.systemRead(input, $0.baseAddress!, $0.count)
      }
      if count < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        break reading
      }
      if count == 0 {
        for key in decoder.flush() { continuation.yield(key) }
        break
      }
      for key in decoder.feed(Array(buffer[0..<count])) { continuation.yield(key) }
    }
    lock.withLock {
      isStopped = true
      close(wakeRead)
      close(wakeWrite)
      wakeRead = -1
      wakeWrite = -1
    }
    continuation.finish()
  }
}
