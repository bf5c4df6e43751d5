import CLibSSH2
import Foundation

/// One exec request on a session, in non-blocking mode: stdout and stderr drained together (a
/// full window on either stream never stalls the other) into sinks that bound what is kept or
/// stream it to a file, stdin streamed as the window allows, sudo's prompt answered, keepalives
/// sent while waiting, and exit status and signal read after the channel closed.
struct ExecChannel {
  /// Why an exec did not produce a result.
  enum Failure: Error {
    /// No channel could be opened: nothing was run.
    case notOpened(LibSSH2Failure)
    case libssh2(LibSSH2Failure)
    case passwordMissing(sudoMessage: String)
    case passwordRejected(sudoMessage: String)
    case noEndInSight
    case stdinUnreadable(String)
    /// The standard output sink refused a chunk (a download could not be written).
    case outputRejected(any Error)
  }

  /// How the command ended (its output went to the sinks).
  struct Outcome {
    var exitStatus: Int32
    var exitSignal: String?
    /// sudo's own stderr when it never let the command start.
    var sudoMessage: String?
  }

  let session: LibSSH2Session
  let keepalive: Bool
  /// How long a request on the channel (starting the command, closing) may take.
  let requestTimeout: Duration
  /// How long opening the channel may take.
  let openTimeout: Duration

  static let windowSize: UInt32 = 4 << 20
  static let packetSize: UInt32 = 32768

  /// Runs `line`, feeding `stdout` and `stderr` with the command's output as it arrives.
  func run(
    _ line: RemoteCommandLine, stdin: StdinPump, stdout: any OutputSink, stderr: TailBuffer,
    password: () -> String?, hardDeadline: ContinuousClock.Instant?
  ) throws(Failure) -> Outcome {
    let channel = try open()
    defer { release(channel) }
    do {
      _ = try session.retrying(until: .now + requestTimeout) {
        libssh2_channel_process_startup(
          channel, "exec", 4, line.text, UInt32(line.text.utf8.count))
      }
    } catch { throw .libssh2(error) }
    var sudo = line.marker.map { SudoExchange(marker: $0, prompt: prompt(of: line)) }
    var passwordBytes: Data?
    var eofSent = false
    var stdinClosedByPeer = false
    let reader = ChannelReader(chunkSize: 64 * 1024)

    while true {
      var progressed = try reader.drain(channel, of: session, readFailed: Failure.libssh2) {
        stream, chunk throws(Failure) in
        if stream == .stdout {
          do {
            try stdout.receive(chunk)
          } catch {
            closeQuietly(channel)
            throw .outputRejected(error)
          }
          return
        }
        guard var exchange = sudo else {
          stderr.receive(chunk)
          return
        }
        let (event, rest) = exchange.feed(Data(chunk))
        sudo = exchange
        rest.withUnsafeBytes { stderr.receive($0) }
        switch event {
        case .none, .started: break
        case .sendPassword:
          guard let secret = password() else {
            closeQuietly(channel)
            throw .passwordMissing(sudoMessage: exchange.sudoMessage)
          }
          passwordBytes = Data((secret + "\n").utf8)
        case .passwordRejected:
          closeQuietly(channel)
          throw .passwordRejected(sudoMessage: exchange.sudoMessage)
        }
      }

      // Standard input: the sudo password first; the command's own input once it runs.
      if !stdinClosedByPeer {
        if let pending = passwordBytes {
          let n = pending.withUnsafeBytes {
            libssh2_channel_write_ex(channel, 0, $0.baseAddress, $0.count)
          }
          if n > 0 {
            progressed = true
            passwordBytes = n < pending.count ? pending.dropFirst(n) : nil
          } else if n != Int(LIBSSH2_ERROR_EAGAIN) {
            stdinClosedByPeer = true
          }
        } else if !eofSent, sudo.map(\.started) ?? true {
          let n: Int
          do {
            n = try stdin.send { bytes in
              libssh2_channel_write_ex(channel, 0, bytes.baseAddress, bytes.count)
            }
          } catch { throw .stdinUnreadable(error.localizedDescription) }
          if n > 0 {
            progressed = true
          } else if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
            stdinClosedByPeer = true
          } else if n == 0 && stdin.isExhausted {
            let rc = libssh2_channel_send_eof(channel)
            if rc == 0 {
              eofSent = true
              progressed = true
            } else if rc != LIBSSH2_ERROR_EAGAIN {
              stdinClosedByPeer = true
            }
          }
        }
      }

      if libssh2_channel_eof(channel) != 0 { break }
      if let hardDeadline, ContinuousClock.now >= hardDeadline {
        closeQuietly(channel)
        throw .noEndInSight
      }
      if keepalive {
        var next: Int32 = 0
        _ = libssh2_keepalive_send(session.raw, &next)
      }
      if !progressed {
        // > 0 only: it returns LIBSSH2_ERROR_BUFFER_TOO_SMALL while the reply to a keepalive
        // (a 1-byte SSH_MSG_REQUEST_FAILURE, never consumed) sits in the queue, which made this
        // loop spin on recvfrom() for the rest of the command instead of waiting on the socket.
        if libssh2_poll_channel_read(channel, 0) > 0 || libssh2_poll_channel_read(channel, 1) > 0 {
          continue
        }
        var wait = Duration.seconds(1)
        if let hardDeadline { wait = min(wait, ContinuousClock.now.duration(to: hardDeadline)) }
        session.waitSocket(timeout: wait)
      }
    }

    let (status, signalName): (Int32, String?)
    do throws(LibSSH2Failure) {
      (status, signalName) = try session.closeAndReadExit(channel, within: requestTimeout)
    } catch { throw .libssh2(error) }
    let startedCommand = sudo.map(\.started) ?? true
    return Outcome(
      exitStatus: status, exitSignal: signalName,
      sudoMessage: startedCommand ? nil : sudo?.sudoMessage)
  }

  private func prompt(of line: RemoteCommandLine) -> String? {
    if case .password(let prompt) = line.become { return prompt }
    return nil
  }

  private func open() throws(Failure) -> OpaquePointer {
    do throws(LibSSH2Failure) {
      return try session.openSessionChannel(within: openTimeout)
    } catch { throw .notOpened(error) }
  }

  /// Closes the channel without waiting long for the host to agree.
  private func closeQuietly(_ channel: OpaquePointer) {
    _ = try? session.retrying(until: .now + .seconds(2)) { libssh2_channel_close(channel) }
  }

  private func release(_ channel: OpaquePointer) {
    _ = try? session.retrying(until: .now + .seconds(2)) { libssh2_channel_free(channel) }
  }
}
