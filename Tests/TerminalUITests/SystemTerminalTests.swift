import Foundation
import Testing

@testable import TerminalUI

/// The real terminal code over a pipe and over a pseudo-terminal (no real TTY needed).
@Suite(.serialized, .timeLimit(.minutes(1))) struct SystemTerminalTests {
  @Test func readsKeysFromAPipeUntilItCloses() async {
    var descriptors: [Int32] = [-1, -1]
    #expect(pipe(&descriptors) == 0)
    let terminal = SystemTerminal(input: descriptors[0], output: descriptors[1])
    #expect(!terminal.isInteractive)
    let keys = terminal.keys()
    Platform.writeAll(descriptors[1], "q\u{1B}[Aé\u{1B}")
    close(descriptors[1])
    var received: [Key] = []
    for await key in keys { received.append(key) }
    #expect(received == [.char("q"), .up, .char("é"), .escape])
    close(descriptors[0])
  }

  @Test func aLoneEscapeArrivesAfterAShortWait() async {
    var descriptors: [Int32] = [-1, -1]
    #expect(pipe(&descriptors) == 0)
    let terminal = SystemTerminal(input: descriptors[0], output: descriptors[1])
    let keys = terminal.keys()
    Platform.writeAll(descriptors[1], "\u{1B}")
    var iterator = keys.makeAsyncIterator()
    let first = await iterator.next()
    #expect(first == .escape)
    close(descriptors[1])
    #expect(await iterator.next() == nil)
    close(descriptors[0])
  }

  @Test func stoppingTheConsumerStopsTheReader() async {
    var descriptors: [Int32] = [-1, -1]
    #expect(pipe(&descriptors) == 0)
    let terminal = SystemTerminal(input: descriptors[0], output: descriptors[1])
    let task = Task {
      var count = 0
      for await _ in terminal.keys() { count += 1 }
      return count
    }
    Platform.writeAll(descriptors[1], "ab")
    try? await Task.sleep(for: .milliseconds(50))
    task.cancel()
    #expect(await task.value == 2)
    close(descriptors[0])
    close(descriptors[1])
  }

  @Test func fullScreenOnAPseudoTerminalIsEnteredAndFullyRestored() async throws {
    let pty = try PseudoTerminal()
    defer { pty.close() }
    pty.setSize(width: 91, height: 27)
    let terminal = SystemTerminal(input: pty.replica, output: pty.replica)
    #expect(terminal.isInteractive)
    #expect(terminal.size() == TerminalSize(width: 91, height: 27))
    let before = try pty.settings()
    #expect(before.c_lflag & tcflag_t(ICANON) != 0)

    try terminal.enterFullScreen()
    let raw = try pty.settings()
    #expect(raw.c_lflag & tcflag_t(ICANON) == 0)
    #expect(raw.c_lflag & tcflag_t(ECHO) == 0)
    #expect(raw.c_lflag & tcflag_t(ISIG) == 0)
    #expect(raw.c_oflag & tcflag_t(OPOST) != 0)
    #expect(pty.readAvailable().contains(ANSI.enterAlternateScreen + ANSI.hideCursor))

    // Keys arrive one by one in raw mode, and SIGWINCH becomes a resize.
    var keys = terminal.keys().makeAsyncIterator()
    pty.send("j")
    #expect(await keys.next() == .char("j"))
    pty.send("\u{1B}[B")
    #expect(await keys.next() == .down)
    // Process-directed like the kernel's (raise() would target a pool thread that blocks it).
    kill(getpid(), SIGWINCH)
    #expect(await keys.next() == .resize)

    terminal.leaveFullScreen()
    #expect(await keys.next() == nil)
    let after = try pty.settings()
    #expect(after.c_lflag == before.c_lflag)
    #expect(after.c_iflag == before.c_iflag)
    #expect(after.c_oflag == before.c_oflag)
    let restoring = pty.readAvailable()
    #expect(restoring.contains(ANSI.showCursor))
    #expect(restoring.contains(ANSI.leaveAlternateScreen))
    // Leaving twice is harmless and writes nothing more.
    terminal.leaveFullScreen()
    #expect(pty.readAvailable().isEmpty)
  }

  @Test func withFullScreenRestoresWhenTheBodyThrows() async throws {
    struct Boom: Error {}
    let pty = try PseudoTerminal()
    defer { pty.close() }
    let terminal = SystemTerminal(input: pty.replica, output: pty.replica)
    let before = try pty.settings()
    await #expect(throws: Boom.self) {
      try await terminal.withFullScreen { throw Boom() }
    }
    #expect(try pty.settings().c_lflag == before.c_lflag)
    #expect(pty.readAvailable().contains(ANSI.leaveAlternateScreen))
  }

  @Test func enteringFullScreenOnAPipeFailsWithAnOperatorError() {
    var descriptors: [Int32] = [-1, -1]
    #expect(pipe(&descriptors) == 0)
    defer {
      close(descriptors[0])
      close(descriptors[1])
    }
    let terminal = SystemTerminal(input: descriptors[0], output: descriptors[1])
    #expect(throws: TerminalError.self) { try terminal.enterFullScreen() }
    terminal.leaveFullScreen()
  }
}

/// A pseudo-terminal pair: the test drives the primary side, the code under test the replica.
final class PseudoTerminal: @unchecked Sendable {
  struct Failure: Error {}
  let primary: Int32
  let replica: Int32

  init() throws {
    // posix_openpt and friends are not imported into Swift's Glibc module: look them up.
    let library = dlopen(nil, RTLD_NOW)
    func function<T>(_ name: String, _ type: T.Type) throws -> T {
      guard let symbol = dlsym(library, name) else { throw Failure() }
      return unsafeBitCast(symbol, to: type)
    }
    typealias Call = @convention(c) (Int32) -> Int32
    let open = try function("posix_openpt", Call.self)
    let grant = try function("grantpt", Call.self)
    let unlock = try function("unlockpt", Call.self)
    let nameOf = try function(
      "ptsname", (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
    primary = open(O_RDWR | O_NOCTTY)
    guard primary >= 0, grant(primary) == 0, unlock(primary) == 0, let path = nameOf(primary)
    else { throw Failure() }
    let name = String(cString: path)
    replica = Foundation.open(name, O_RDWR | O_NOCTTY)
    guard replica >= 0 else { throw Failure() }
  }

  func setSize(width: Int, height: Int) {
    var size = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
    _ = ioctl(primary, UInt(TIOCSWINSZ), &size)
  }

  func settings() throws -> termios {
    var settings = termios()
    guard tcgetattr(replica, &settings) == 0 else { throw Failure() }
    return settings
  }

  func send(_ text: String) { Platform.writeAll(primary, text) }

  /// What the replica side wrote, waiting briefly for it.
  func readAvailable() -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      var descriptor = pollfd(fd: primary, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 100) > 0 else { break }
      let count = buffer.withUnsafeMutableBytes {
        Platform.systemRead(primary, $0.baseAddress!, $0.count)
      }
      guard count > 0 else { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  func close() {
    Foundation.close(replica)
    Foundation.close(primary)
  }
}
