import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The local side of an interactive session: where keys come from, where output goes, and the
/// pseudo-terminal to ask the host for.
public struct InteractiveTerminal: Sendable {
  /// Read for the session's input (standard input); end of file is passed on.
  public var input: Int32
  /// The session's output goes here (with a pseudo-terminal, its standard error too).
  public var output: Int32
  /// The session's standard error goes here (without a pseudo-terminal).
  public var errorOutput: Int32
  /// The terminal type (`$TERM`) of the pseudo-terminal to request; nil runs without one
  /// (like `ssh -T`: for a command whose input or output is not a terminal).
  public var term: String?
  /// The terminal's current size (columns, rows), asked again ten times a second so that the
  /// remote side follows when the window is resized.
  public var size: @Sendable () -> (columns: Int, rows: Int)

  /// A terminal on the given descriptors.
  public init(
    input: Int32 = 0, output: Int32 = 1, errorOutput: Int32 = 2, term: String?,
    size: @escaping @Sendable () -> (columns: Int, rows: Int)
  ) {
    self.input = input
    self.output = output
    self.errorOutput = errorOutput
    self.term = term
    self.size = size
  }
}

extension SSHConnection {
  /// Runs the login shell (or `command`) with `terminal` until it ends, passing keys and output
  /// through as they come; returns the remote exit status and the signal that ended it, if any.
  ///
  /// The caller puts the local terminal in raw mode; this only moves bytes. Blocks this
  /// connection for as long as the session lasts.
  public func interact(command: String?, terminal: InteractiveTerminal) throws(SSHError) -> (
    exitStatus: Int32, signal: String?
  ) {
    let step = command == nil ? "interactive shell" : "interactive command"
    guard let session else {
      throw SSHError(
        .unreachable, host: target.name, step: step, reason: "the connection is not open.")
    }
    var shell = InteractiveChannel(
      session: session, terminal: terminal, requestTimeout: options.connectTimeout,
      openTimeout: channelOpenTimeout)
    do {
      defer { loginSessionOpen = loginSessionOpen || shell.opened }
      return try shell.run(command: command)
    } catch {
      switch error {
      case .libssh2(let failure) where failure.isConnectionLost:
        close()
        throw SSHError(
          .unreachable, host: target.name, step: step,
          reason: "the connection to \(target.address) was lost (\(failure.text)).")
      case .libssh2(let failure):
        throw SSHError(
          .sessionFailed, host: target.name, step: step,
          reason: "the SSH channel failed: \(failure.text).")
      case .refused(let what, let failure):
        throw SSHError(
          .sessionFailed, host: target.name, step: step,
          reason: "the host refused the \(what) (\(failure.text)).",
          remedy: what == "pseudo-terminal" ? "Check PermitTTY in the host's sshd_config." : nil)
      }
    }
  }
}

/// One interactive channel on a non-blocking session: input, output, window size and keepalives
/// in one loop on the connection's thread.
struct InteractiveChannel {
  enum Failure: Error {
    case libssh2(LibSSH2Failure)
    case refused(String, LibSSH2Failure)
  }

  let session: LibSSH2Session
  let terminal: InteractiveTerminal
  let requestTimeout: Duration
  /// How long opening the channel may take.
  let openTimeout: Duration
  /// The channel was opened.
  private(set) var opened = false
  var inputOpen = true
  var pending = Data()

  init(
    session: LibSSH2Session, terminal: InteractiveTerminal, requestTimeout: Duration,
    openTimeout: Duration
  ) {
    self.session = session
    self.terminal = terminal
    self.requestTimeout = requestTimeout
    self.openTimeout = openTimeout
  }

  mutating func run(command: String?) throws(Failure) -> (exitStatus: Int32, signal: String?) {
    let channel = try open()
    defer { _ = try? session.retrying(until: .now + .seconds(2)) { libssh2_channel_free(channel) } }
    var size = terminal.size()
    if let term = terminal.term {
      do {
        _ = try session.retrying(until: .now + requestTimeout) {
          libssh2_channel_request_pty_ex(
            channel, term, UInt32(term.utf8.count), nil, 0, Int32(size.columns), Int32(size.rows),
            0, 0)
        }
      } catch { throw .refused("pseudo-terminal", error) }
    }
    do {
      _ = try session.retrying(until: .now + requestTimeout) {
        if let command {
          return libssh2_channel_process_startup(
            channel, "exec", 4, command, UInt32(command.utf8.count))
        }
        return libssh2_channel_process_startup(channel, "shell", 5, nil, 0)
      }
    } catch { throw .refused(command == nil ? "shell" : "command", error) }

    let reader = ChannelReader(chunkSize: 32 * 1024)
    var lastSizeCheck = ContinuousClock.now
    while true {
      var progressed = try reader.drain(channel, of: session, readFailed: Failure.libssh2) {
        stream, chunk throws(Failure) in
        Self.writeAll(
          stream == .stdout ? terminal.output : terminal.errorOutput, chunk.baseAddress!,
          chunk.count)
      }
      if !pending.isEmpty {
        let n = pending.withUnsafeBytes {
          libssh2_channel_write_ex(channel, 0, $0.baseAddress, $0.count)
        }
        if n > 0 {
          pending.removeFirst(n)
          progressed = true
        } else if n != Int(LIBSSH2_ERROR_EAGAIN) {
          pending = Data()
          inputOpen = false
        }
      }
      if terminal.term != nil, lastSizeCheck.duration(to: .now) >= .milliseconds(100) {
        lastSizeCheck = .now
        let now = terminal.size()
        if now != size {
          let rc = libssh2_channel_request_pty_size_ex(
            channel, Int32(now.columns), Int32(now.rows), 0, 0)
          if rc != LIBSSH2_ERROR_EAGAIN { size = now }
        }
      }
      if libssh2_channel_eof(channel) != 0 { break }
      var next: Int32 = 0
      _ = libssh2_keepalive_send(session.raw, &next)
      if !progressed { waitForInputOrHost(channel: channel) }
    }
    do throws(LibSSH2Failure) {
      let exit = try session.closeAndReadExit(channel, within: requestTimeout)
      return (exit.status, exit.signal)
    } catch { throw .libssh2(error) }
  }

  /// Waits up to 100 ms for the host or for local input, and reads the input that came
  /// (end of file is passed on as EOF on the channel).
  private mutating func waitForInputOrHost(channel: OpaquePointer) {
    var events = Int16(POLLIN)
    if libssh2_session_block_directions(session.raw) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 {
      events |= Int16(POLLOUT)
    }
    var descriptors = [pollfd(fd: session.socket, events: events, revents: 0)]
    let watchInput = inputOpen && pending.isEmpty
    if watchInput {
      descriptors.append(pollfd(fd: terminal.input, events: Int16(POLLIN), revents: 0))
    }
    guard poll(&descriptors, nfds_t(descriptors.count), 100) > 0, watchInput,
      descriptors[1].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0
    else { return }
    var bytes = [UInt8](repeating: 0, count: 16 * 1024)
    let n = bytes.withUnsafeMutableBytes { read(terminal.input, $0.baseAddress, $0.count) }
    if n > 0 {
      pending = Data(bytes[0..<n])
    } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
      inputOpen = false
      _ = try? session.retrying(until: .now + requestTimeout) { libssh2_channel_send_eof(channel) }
    }
  }

  private mutating func open() throws(Failure) -> OpaquePointer {
    do throws(LibSSH2Failure) {
      let channel = try session.openSessionChannel(within: openTimeout)
      opened = true
      return channel
    } catch { throw .libssh2(error) }
  }

  /// Writes `count` bytes completely, retrying after interruptions and partial writes.
  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) {
    var offset = 0
    while offset < count {
      let written = write(fd, bytes + offset, count - offset)
      if written < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        return
      }
      offset += written
    }
  }
}
