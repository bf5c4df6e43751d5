import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One local connection of an ``SSHTunnel`` and its `direct-tcpip` channel: bytes read from the
/// local socket are written to the channel and the other way round, without blocking (the
/// session is non-blocking). Touched only on the connection's own thread.
final class TunnelBridge: @unchecked Sendable {
  /// The accepted local socket (non-blocking).
  let local: Int32
  private(set) var channel: OpaquePointer?
  private var toRemote = Data()
  private var toLocal = Data()
  private var localEOF = false
  private var remoteEOF = false
  private var eofSent = false
  /// Why the bridge ended early (the channel was refused, the session was lost).
  private(set) var failure: String?
  /// Both directions are done (or failed): the bridge can be released.
  private(set) var finished = false

  /// At most this much is buffered in each direction before reading stops.
  static let bufferLimit = 1 << 20

  init(local: Int32) { self.local = local }

  /// Moves what can move now; true when anything did.
  func pump(_ session: LibSSH2Session, host: String, port: Int) -> Bool {
    guard !finished else { return false }
    guard let channel = channel ?? open(session, host: host, port: port) else { return false }
    var moved = readLocal()
    moved = writeRemote(channel) || moved
    moved = readRemote(channel, session: session) || moved
    moved = writeLocal() || moved
    if localEOF && toRemote.isEmpty && !eofSent {
      let rc = libssh2_channel_send_eof(channel)
      if rc == 0 || rc != LIBSSH2_ERROR_EAGAIN { eofSent = true }
    }
    if remoteEOF && toLocal.isEmpty {
      shutdown(local, Int32(SHUT_WR))
      if localEOF || eofSent { finished = true }
    }
    return moved
  }

  /// Ends the bridge now (the tunnel closes, or the session is gone).
  func fail(_ reason: String) {
    failure = failure ?? reason
    finished = true
  }

  /// Forgets the channel without touching it: its session was freed (and the channel with it).
  func abandonChannel() { channel = nil }

  /// Closes the local socket and frees the channel.
  func release() {
    if let channel {
      _ = libssh2_channel_close(channel)
      _ = libssh2_channel_free(channel)
    }
    channel = nil
    close(local)
  }

  private func open(_ session: LibSSH2Session, host: String, port: Int) -> OpaquePointer? {
    if let opened = libssh2_channel_direct_tcpip_ex(session.raw, host, Int32(port), "127.0.0.1", 0)
    {
      channel = opened
      return opened
    }
    let code = libssh2_session_last_errno(session.raw)
    if code != LIBSSH2_ERROR_EAGAIN {
      fail(
        "the SSH server refused to forward to \(host):\(port): \(session.lastFailure(code: code).text)"
      )
    }
    return nil
  }

  private func readLocal() -> Bool {
    guard !localEOF, toRemote.count < Self.bufferLimit else { return false }
    var buffer = [UInt8](repeating: 0, count: 65536)
    let n = buffer.withUnsafeMutableBytes { read(local, $0.baseAddress, $0.count) }
    if n > 0 {
      toRemote.append(contentsOf: buffer[0..<n])
      return true
    }
    if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { localEOF = true }
    return false
  }

  private func writeRemote(_ channel: OpaquePointer) -> Bool {
    var moved = false
    while !toRemote.isEmpty {
      let n = toRemote.withUnsafeBytes {
        libssh2_channel_write_ex(channel, 0, $0.baseAddress, min($0.count, 32768))
      }
      if n > 0 {
        toRemote.removeFirst(n)
        moved = true
      } else {
        if n != Int(LIBSSH2_ERROR_EAGAIN) { fail("writing to the SSH channel failed (\(n))") }
        break
      }
    }
    return moved
  }

  private func readRemote(_ channel: OpaquePointer, session: LibSSH2Session) -> Bool {
    var moved = false
    var buffer = [UInt8](repeating: 0, count: 65536)
    while toLocal.count < Self.bufferLimit {
      let n = buffer.withUnsafeMutableBytes {
        libssh2_channel_read_ex(channel, 0, $0.baseAddress, $0.count)
      }
      if n > 0 {
        toLocal.append(contentsOf: buffer[0..<n])
        moved = true
        continue
      }
      if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
        fail("reading the SSH channel failed: \(session.lastFailure(code: Int32(n)).text)")
      }
      break
    }
    if libssh2_channel_eof(channel) != 0 { remoteEOF = true }
    return moved
  }

  private func writeLocal() -> Bool {
    guard !toLocal.isEmpty else { return false }
    let n = toLocal.withUnsafeBytes { write(local, $0.baseAddress, $0.count) }
    if n > 0 {
      toLocal.removeFirst(n)
      return true
    }
    if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
      // The local client went away: nothing more to deliver.
      toLocal.removeAll()
      localEOF = true
      remoteEOF = true
    }
    return false
  }
}

extension SSHConnection {
  /// One step of a tunnel's bridges (on this connection's thread): moves what can move, ends
  /// bridges whose session is gone. Returns whether anything moved and the session's socket
  /// (to wait on), nil when the connection is closed.
  func pumpTunnel(_ bridges: [TunnelBridge], host: String, port: Int) -> (
    moved: Bool, socket: Int32?
  ) {
    guard let session else {
      for bridge in bridges {
        bridge.abandonChannel()
        bridge.fail("the SSH connection to \(target.name) is closed")
        bridge.release()
      }
      return (false, nil)
    }
    var moved = false
    for bridge in bridges { moved = bridge.pump(session, host: host, port: port) || moved }
    for bridge in bridges where bridge.finished { bridge.release() }
    // Data libssh2 already took off the socket would not wake a poll on it.
    return (moved, session.socket)
  }

  /// Opens one `direct-tcpip` channel to `host:port` and closes it again: whether the server
  /// forwards there at all (OpenSSH's `AllowTcpForwarding`), asked before a tunnel is offered.
  func checkForwarding(to host: String, port: Int) throws(SSHError) {
    guard let session else {
      throw SSHError(
        .unreachable, host: target.name, step: "tunnel",
        reason: "the SSH connection is closed; no tunnel can be opened.")
    }
    roundTrips += 1
    let deadline = ContinuousClock.now + channelOpenTimeout
    while true {
      if let channel = libssh2_channel_direct_tcpip_ex(
        session.raw, host, Int32(port), "127.0.0.1", 0)
      {
        loginSessionOpen = true
        _ = try? session.retrying(until: .now + .seconds(2)) { libssh2_channel_close(channel) }
        _ = try? session.retrying(until: .now + .seconds(2)) { libssh2_channel_free(channel) }
        return
      }
      let code = libssh2_session_last_errno(session.raw)
      guard code == LIBSSH2_ERROR_EAGAIN, ContinuousClock.now < deadline else {
        throw SSHError(
          .sessionFailed, host: target.name, step: "tunnel",
          reason: "the SSH server does not forward to \(host):\(port) "
            + "(\(session.lastFailure(code: code).text)).",
          remedy:
            "allow TCP forwarding for this user in the host's sshd_config (AllowTcpForwarding)")
      }
      session.waitSocket(timeout: .milliseconds(200))
    }
  }
}
