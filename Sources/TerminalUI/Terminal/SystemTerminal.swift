import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The process's own terminal: standard input for keys, standard output for the screen.
///
/// Full-screen mode is raw input (output post-processing kept, so `\n` still returns the
/// carriage), the alternate screen and a hidden cursor. It is undone by ``leaveFullScreen()``,
/// by SIGINT/SIGTERM/SIGHUP/SIGQUIT and by `exit()`.
public final class SystemTerminal: TerminalIO, @unchecked Sendable {
  /// The descriptor keys are read from.
  public let inputDescriptor: Int32
  /// The descriptor the screen is written to.
  public let outputDescriptor: Int32

  private let lock = NSLock()
  private var isFullScreen = false
  private var resizeSignal: ResizeSignal?
  private var readers: [ObjectIdentifier: KeyReader] = [:]
  private let resizeQueue = DispatchQueue(label: "cluster-mgr.terminal.resize")

  /// The terminal on `input` and `output` (standard input and output by default).
  public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
    inputDescriptor = input
    outputDescriptor = output
  }

  /// Whether input and output are both terminals.
  public var isInteractive: Bool {
    Platform.isTerminal(inputDescriptor) && Platform.isTerminal(outputDescriptor)
  }

  /// The window size; `COLUMNS`/`LINES` or 80×24 when the system does not say.
  public func size() -> TerminalSize {
    if let size = Platform.windowSize(outputDescriptor) { return size }
    let environment = ProcessInfo.processInfo.environment
    let width = environment["COLUMNS"].flatMap(Int.init) ?? 80
    let height = environment["LINES"].flatMap(Int.init) ?? 24
    return TerminalSize(width: max(1, width), height: max(1, height))
  }

  /// Writes `text` with `write(2)`.
  public func write(_ text: String) { Platform.writeAll(outputDescriptor, text) }

  /// Enters raw mode and the alternate screen, and starts watching for resizes.
  public func enterFullScreen() throws {
    try lock.withLock {
      guard !isFullScreen else { return }
      var settings = termios()
      guard tcgetattr(inputDescriptor, &settings) == 0 else {
        throw TerminalError(operation: "read the settings", code: errno)
      }
      var raw = settings
      cfmakeraw(&raw)
      raw.c_oflag |= tcflag_t(OPOST)
      TerminalRestoration.activate(
        input: inputDescriptor, output: outputDescriptor, settings: settings)
      guard tcsetattr(inputDescriptor, TCSAFLUSH, &raw) == 0 else {
        let code = errno
        TerminalRestoration.restore()
        throw TerminalError(operation: "enter raw mode", code: code)
      }
      Platform.writeAll(outputDescriptor, ANSI.fullScreenOn)
      isFullScreen = true
      watchResizes()
    }
  }

  /// Leaves the alternate screen, shows the cursor, restores the settings and stops key readers.
  public func leaveFullScreen() {
    let stopping: [KeyReader] = lock.withLock {
      guard isFullScreen else { return [] }
      isFullScreen = false
      resizeSignal?.stop()
      resizeSignal = nil
      defer { readers = [:] }
      return Array(readers.values)
    }
    for reader in stopping { reader.stop() }
    TerminalRestoration.restore()
  }

  /// Keys from standard input, and ``Key/resize`` while in full-screen mode.
  public func keys() -> AsyncStream<Key> {
    let (stream, continuation) = AsyncStream.makeStream(of: Key.self)
    let reader = KeyReader(input: inputDescriptor, continuation: continuation)
    let identifier = ObjectIdentifier(reader)
    lock.withLock { readers[identifier] = reader }
    continuation.onTermination = { [weak self] _ in
      reader.stop()
      self?.lock.withLock { _ = self?.readers.removeValue(forKey: identifier) }
    }
    reader.start()
    return stream
  }

  /// Delivers SIGWINCH as ``Key/resize`` to every reader (called with the lock held).
  private func watchResizes() {
    resizeSignal = ResizeSignal(queue: resizeQueue) { [weak self] in
      guard let self else { return }
      let current = self.lock.withLock { Array(self.readers.values) }
      for reader in current { reader.yieldResize() }
    }
  }
}
