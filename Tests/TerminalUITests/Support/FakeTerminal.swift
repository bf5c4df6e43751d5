import Foundation
import TerminalUI

/// An in-memory terminal: scripted keys in, a screen emulator out, calls recorded.
final class FakeTerminal: TerminalIO, @unchecked Sendable {
  private let lock = NSLock()
  private let interactive: Bool
  private var currentSize: TerminalSize
  private var screen: ScreenEmulator
  private var written = ""
  private var enters = 0
  private var leaves = 0
  private var continuation: AsyncStream<Key>.Continuation?
  private var queued: [Key] = []
  private var inputClosed = false

  init(size: TerminalSize = TerminalSize(width: 100, height: 20), isInteractive: Bool = true) {
    currentSize = size
    interactive = isInteractive
    screen = ScreenEmulator(width: size.width, height: size.height)
  }

  var isInteractive: Bool { interactive }

  func size() -> TerminalSize { lock.withLock { currentSize } }

  func enterFullScreen() throws {
    lock.withLock { enters += 1 }
    write(ANSI.enterAlternateScreen + ANSI.hideCursor)
  }

  func leaveFullScreen() {
    lock.withLock { leaves += 1 }
    write(ANSI.reset + ANSI.showCursor + ANSI.leaveAlternateScreen)
  }

  func write(_ text: String) {
    lock.withLock {
      written += text
      screen.feed(text)
    }
  }

  func keys() -> AsyncStream<Key> {
    let (stream, continuation) = AsyncStream.makeStream(of: Key.self)
    lock.withLock {
      self.continuation = continuation
      for key in queued { continuation.yield(key) }
      queued = []
      if inputClosed { continuation.finish() }
    }
    return stream
  }

  // MARK: - Test controls

  /// Sends `key` (queued until the program reads keys).
  func press(_ key: Key) {
    lock.withLock {
      if let continuation { continuation.yield(key) } else { queued.append(key) }
    }
  }

  /// Changes the size and sends a resize.
  func resize(to size: TerminalSize) {
    lock.withLock {
      currentSize = size
      screen = ScreenEmulator(width: size.width, height: size.height)
    }
    press(.resize)
  }

  /// Ends the input (as if stdin closed).
  func closeInput() {
    lock.withLock {
      inputClosed = true
      continuation?.finish()
    }
  }

  var screenLines: [String] { lock.withLock { screen.trimmedLines } }
  var output: String { lock.withLock { written } }
  var enterCount: Int { lock.withLock { enters } }
  var leaveCount: Int { lock.withLock { leaves } }
  var isAlternateScreen: Bool { lock.withLock { screen.isAlternateScreen } }
  var isCursorVisible: Bool { lock.withLock { screen.isCursorVisible } }

  /// Forgets what was written so far (the screen stays).
  func clearOutput() { lock.withLock { written = "" } }
}

/// In-memory text output.
final class OutputBuffer: TerminalOutput, @unchecked Sendable {
  private let lock = NSLock()
  private var text = ""
  func write(_ text: String) { lock.withLock { self.text += text } }
  var contents: String { lock.withLock { text } }
}

/// Waits until `condition` holds, polling, for at most `timeout`; returns whether it held.
func eventually(
  timeout: Duration = .seconds(10), _ condition: () -> Bool
) async -> Bool {
  let clock = ContinuousClock()
  let deadline = clock.now + timeout
  while clock.now < deadline {
    if condition() { return true }
    try? await Task.sleep(for: .milliseconds(5))
  }
  return condition()
}
