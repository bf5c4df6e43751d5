#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The local terminal in raw mode for passing it through to a remote one (`cluster-mgr ssh`):
/// every key goes out as typed (Ctrl-C included), output is not post-processed, and the screen
/// is left alone (no alternate screen, unlike ``SystemTerminal/enterFullScreen()``).
///
/// ``restore()`` puts the settings back; so do `exit()` and SIGTERM, SIGHUP and SIGQUIT.
public final class RawPassthrough: @unchecked Sendable {
  /// The terminal's descriptor.
  public let descriptor: Int32

  private init(descriptor: Int32) { self.descriptor = descriptor }

  /// Puts the terminal on `descriptor` (standard input by default) in raw mode.
  public static func enter(descriptor: Int32 = STDIN_FILENO) throws -> RawPassthrough {
    var settings = termios()
    guard tcgetattr(descriptor, &settings) == 0 else {
      throw TerminalError(operation: "read the settings", code: errno)
    }
    var raw = settings
    cfmakeraw(&raw)
    PassthroughRestoration.activate(descriptor: descriptor, settings: settings)
    guard tcsetattr(descriptor, TCSAFLUSH, &raw) == 0 else {
      let code = errno
      PassthroughRestoration.restore()
      throw TerminalError(operation: "enter raw mode", code: code)
    }
    return RawPassthrough(descriptor: descriptor)
  }

  /// Restores the settings the terminal had before; safe to call more than once.
  public func restore() { PassthroughRestoration.restore() }

  /// The size of the terminal on `descriptor`, if it is one.
  public static func size(of descriptor: Int32 = STDOUT_FILENO) -> TerminalSize? {
    Platform.windowSize(descriptor)
  }

  /// Whether `descriptor` is a terminal.
  public static func isTerminal(_ descriptor: Int32) -> Bool { Platform.isTerminal(descriptor) }
}

/// The settings to restore, where a signal handler and `atexit` can reach them without locks.
private enum PassthroughRestoration {
  struct Record {
    var isActive: Bool
    var descriptor: Int32
    var settings: termios
  }

  nonisolated(unsafe) static let record: UnsafeMutablePointer<Record> = {
    let pointer = UnsafeMutablePointer<Record>.allocate(capacity: 1)
    pointer.initialize(to: Record(isActive: false, descriptor: -1, settings: termios()))
    return pointer
  }()
  nonisolated(unsafe) static var armed = false
  nonisolated(unsafe) static var atExitRegistered = false
  static let signals: [Int32] = [SIGTERM, SIGHUP, SIGQUIT]

  static func activate(descriptor: Int32, settings: termios) {
    record.pointee = Record(isActive: true, descriptor: descriptor, settings: settings)
    if !atExitRegistered {
      atExitRegistered = true
      atexit { PassthroughRestoration.restoreUnlocked() }
    }
    guard !armed else { return }
    armed = true
    for number in signals { signal(number, passthroughSignalHandler) }
  }

  static func restore() {
    restoreUnlocked()
    if armed {
      for number in signals { signal(number, SIG_DFL) }
      armed = false
    }
  }

  /// Only `tcsetattr`: safe in a signal handler.
  static func restoreUnlocked() {
    guard record.pointee.isActive else { return }
    record.pointee.isActive = false
    _ = tcsetattr(record.pointee.descriptor, TCSANOW, &record.pointee.settings)
  }
}

/// Restores the terminal, then lets the signal end the process with its default action.
private let passthroughSignalHandler: @convention(c) (Int32) -> Void = { number in
  PassthroughRestoration.restoreUnlocked()
  signal(number, SIG_DFL)
  raise(number)
}
