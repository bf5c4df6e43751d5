#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The operating-system calls the terminal code needs, in one place for Linux and macOS.
enum Platform {
  /// Whether `fd` refers to a terminal.
  static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

  /// The size of the terminal on `fd`, or `nil` when it is not a terminal or reports 0×0.
  static func windowSize(_ fd: Int32) -> TerminalSize? {
    var size = winsize()
    #if canImport(Darwin)
      let result = ioctl(fd, TIOCGWINSZ, &size)
    #else
      let result = ioctl(fd, UInt(TIOCGWINSZ), &size)
    #endif
    guard result == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
    return TerminalSize(width: Int(size.ws_col), height: Int(size.ws_row))
  }

  /// Writes all of `bytes` to `fd`, retrying after interruptions and partial writes.
  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
      let written = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if written < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        return
      }
      offset += written
    }
  }

  /// Writes all of `text` to `fd` as UTF-8.
  static func writeAll(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
  }

  /// `write(2)`.
  static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
      Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
      Musl.write(fd, buffer, count)
    #elseif canImport(Darwin)
      Darwin.write(fd, buffer, count)
    #endif
  }

  /// `read(2)`.
  static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
      Glibc.read(fd, buffer, count)
    #elseif canImport(Musl)
      Musl.read(fd, buffer, count)
    #elseif canImport(Darwin)
      Darwin.read(fd, buffer, count)
    #endif
  }
}

/// Text written straight to a file descriptor with `write(2)` (not through C's `stdout`).
public struct FileOutput: TerminalOutput {
  /// The file descriptor written to.
  public let fileDescriptor: Int32

  /// Writes to `fileDescriptor`.
  public init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

  /// Standard output.
  public static let standardOutput = FileOutput(fileDescriptor: 1)
  /// Standard error.
  public static let standardError = FileOutput(fileDescriptor: 2)

  /// Whether this output is a terminal.
  public var isTerminal: Bool { Platform.isTerminal(fileDescriptor) }

  /// The terminal's size, or `nil` when this output is not a terminal.
  public var terminalSize: TerminalSize? { Platform.windowSize(fileDescriptor) }

  /// Writes `text` completely.
  public func write(_ text: String) { Platform.writeAll(fileDescriptor, text) }
}
