import Foundation

#if canImport(Glibc)
  import Glibc
  typealias SignalHandler = __sighandler_t
#elseif canImport(Musl)
  import Musl
  typealias SignalHandler = sighandler_t
#elseif canImport(Darwin)
  import Darwin
  typealias SignalHandler = sig_t
#endif

/// How to put the terminal back, kept where a signal handler and `atexit` can reach it.
///
/// While a full-screen program runs, SIGINT, SIGTERM, SIGHUP and SIGQUIT restore the terminal
/// (only async-signal-safe calls: `write`, `tcsetattr`) and then end the process as the signal
/// would have. An `exit()` anywhere restores it too.
enum TerminalRestoration {
  /// Plain memory the signal handler reads: no Swift runtime calls needed to use it.
  struct Record {
    var isActive: Bool
    var inputDescriptor: Int32
    var outputDescriptor: Int32
    var settings: termios
  }

  nonisolated(unsafe) private static let record: UnsafeMutablePointer<Record> = {
    let pointer = UnsafeMutablePointer<Record>.allocate(capacity: 1)
    pointer.initialize(
      to: Record(isActive: false, inputDescriptor: -1, outputDescriptor: -1, settings: termios()))
    return pointer
  }()

  nonisolated(unsafe) private static let leaveSequence: UnsafeMutableBufferPointer<UInt8> = {
    let bytes = Array(ANSI.fullScreenOff.utf8)
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
    _ = buffer.initialize(from: bytes)
    return buffer
  }()

  private static let lock = NSLock()
  nonisolated(unsafe) private static var previousHandlers: [(Int32, SignalHandler?)] = []
  nonisolated(unsafe) private static var registeredAtExit = false

  /// The signals after which the terminal is restored before the process ends.
  static let terminatingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

  /// Records `settings` as what to restore on `input`, and arms the signal handlers and `atexit`.
  static func activate(input: Int32, output: Int32, settings: termios) {
    lock.lock()
    defer { lock.unlock() }
    _ = leaveSequence.count  // initialise before any handler can run
    record.pointee = Record(
      isActive: true, inputDescriptor: input, outputDescriptor: output, settings: settings)
    if !registeredAtExit {
      registeredAtExit = true
      atexit { TerminalRestoration.restoreUnlocked() }
    }
    if previousHandlers.isEmpty {
      previousHandlers = terminatingSignals.map { ($0, signal($0, terminatingSignalHandler)) }
    }
  }

  /// Restores the recorded terminal state (if any) and the previous signal handlers.
  static func restore() {
    lock.lock()
    defer { lock.unlock() }
    restoreUnlocked()
    for (number, handler) in previousHandlers { signal(number, handler) }
    previousHandlers = []
  }

  /// Restores the terminal without locking or allocating: safe in a signal handler.
  static func restoreUnlocked() {
    guard record.pointee.isActive else { return }
    record.pointee.isActive = false
    _ = Platform.systemWrite(
      record.pointee.outputDescriptor, leaveSequence.baseAddress!, leaveSequence.count)
    _ = tcsetattr(record.pointee.inputDescriptor, TCSANOW, &record.pointee.settings)
  }
}

/// Restores the terminal, then lets the signal end the process with its default action.
private let terminatingSignalHandler: SignalHandler = { number in
  TerminalRestoration.restoreUnlocked()
  signal(number, SIG_DFL)
  raise(number)
}
