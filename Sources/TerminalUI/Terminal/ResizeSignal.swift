import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Turns SIGWINCH into calls of a handler on a dispatch queue.
///
/// A signal handler writes one byte to a pipe (async-signal-safe); a dispatch read source on
/// the pipe calls the handler. (A dispatch signal source is not enough on Linux: it only sees
/// signals blocked in every thread, and SIGWINCH is not.)
final class ResizeSignal: @unchecked Sendable {
  nonisolated(unsafe) private static var pipeWrite: Int32 = -1
  nonisolated(unsafe) private static var pipeRead: Int32 = -1
  private static let lock = NSLock()

  private let source: any DispatchSourceRead
  private let previous: SignalHandler?

  /// Starts calling `handler` on `queue` after every SIGWINCH, until ``stop()``.
  init?(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
    guard let descriptor = Self.openPipe() else { return nil }
    source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
    source.setEventHandler {
      var buffer = [UInt8](repeating: 0, count: 64)
      while buffer.withUnsafeMutableBytes({
        Platform.systemRead(descriptor, $0.baseAddress!, $0.count)
      }) > 0 {}
      handler()
    }
    source.resume()
    previous = signal(SIGWINCH, resizeSignalHandler)
  }

  /// Stops watching and puts the previous SIGWINCH handler back.
  func stop() {
    signal(SIGWINCH, previous)
    source.cancel()
  }

  /// The pipe's read end, created once per process with both ends non-blocking.
  private static func openPipe() -> Int32? {
    lock.lock()
    defer { lock.unlock() }
    if pipeRead >= 0 { return pipeRead }
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else { return nil }
    for descriptor in descriptors {
      _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL, 0) | O_NONBLOCK)
      _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }
    pipeRead = descriptors[0]
    pipeWrite = descriptors[1]
    return pipeRead
  }

  /// Called from the signal handler: only `write(2)`.
  fileprivate static func notify() {
    var byte: UInt8 = 1
    _ = Platform.systemWrite(pipeWrite, &byte, 1)
  }
}

/// Records a SIGWINCH for ``ResizeSignal``.
private let resizeSignalHandler: SignalHandler = { _ in ResizeSignal.notify() }
