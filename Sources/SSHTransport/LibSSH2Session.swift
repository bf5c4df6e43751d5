import CLibSSH2
import COpenSSL
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// libssh2's process-wide state.
enum LibSSH2 {
  /// `libssh2_init` must run once and never concurrently; a static let guarantees both. libcrypto
  /// is set up first, without its exit-time cleanup (see COpenSSL).
  static let initialized: Bool =
    copenssl_init_without_atexit_cleanup() == 1 && libssh2_init(0) == 0

  /// Whether this libssh2 can sign with RSA keys using SHA-2 (1.11 and later).
  static var canSignRSAWithSHA2: Bool { libssh2_version(0x010b00) != nil }

  /// Error codes that mean the connection itself is gone.
  static let connectionLostCodes: Set<Int32> = [
    LIBSSH2_ERROR_SOCKET_NONE, LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV,
    LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_TIMEOUT,
    LIBSSH2_ERROR_BAD_SOCKET, LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_BANNER_SEND,
  ]
}

/// A libssh2 failure as the library reported it; mapped to ``SSHError`` before anyone sees it.
struct LibSSH2Failure: Error {
  let code: Int32
  let text: String
  var isConnectionLost: Bool { LibSSH2.connectionLostCodes.contains(code) }
}

/// Owns one libssh2 session and its socket; freed (and the socket closed) on deinit.
///
/// Used only from the owning connection's thread.
final class LibSSH2Session {
  let raw: OpaquePointer
  let socket: Int32

  init(socket: Int32) throws(LibSSH2Failure) {
    guard LibSSH2.initialized, let raw = libssh2_session_init_ex(nil, nil, nil, nil) else {
      close(socket)
      throw LibSSH2Failure(code: LIBSSH2_ERROR_ALLOC, text: "libssh2 could not start a session")
    }
    self.raw = raw
    self.socket = socket
  }

  deinit {
    libssh2_session_set_blocking(raw, 1)
    libssh2_session_set_timeout(raw, 1000)
    _ = libssh2_session_disconnect_ex(raw, SSH_DISCONNECT_BY_APPLICATION, "closing", "")
    libssh2_session_free(raw)
    close(socket)
  }

  /// Blocking calls give up after this long (used during handshake and authentication).
  func setBlocking(_ blocking: Bool, timeout: Duration = .zero) {
    libssh2_session_set_blocking(raw, blocking ? 1 : 0)
    libssh2_session_set_timeout(raw, Int(timeout.milliseconds))
  }

  /// The session's last error, in libssh2's words.
  func lastFailure(code fallback: Int32? = nil) -> LibSSH2Failure {
    var message: UnsafeMutablePointer<CChar>?
    var length: Int32 = 0
    let code = libssh2_session_last_error(raw, &message, &length, 0)
    let text = message.map { String(cString: $0) } ?? ""
    return LibSSH2Failure(code: code != 0 ? code : (fallback ?? code), text: text)
  }

  /// Waits until the socket is ready in the direction libssh2 is blocked on, or `timeout`.
  func waitSocket(timeout: Duration) {
    let directions = libssh2_session_block_directions(raw)
    var events: Int16 = 0
    if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
    if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
    if events == 0 { events = Int16(POLLIN) }
    var pfd = pollfd(fd: socket, events: events, revents: 0)
    _ = poll(&pfd, 1, Int32(clamping: max(1, timeout.milliseconds)))
  }

  /// Runs a non-blocking libssh2 call until it stops answering EAGAIN or `deadline` passes.
  func retrying(
    until deadline: ContinuousClock.Instant, _ call: () -> Int32
  ) throws(LibSSH2Failure) -> Int32 {
    while true {
      let rc = call()
      if rc != LIBSSH2_ERROR_EAGAIN {
        if rc < 0 { throw lastFailure(code: rc) }
        return rc
      }
      let left = ContinuousClock.now.duration(to: deadline)
      guard left > .zero else {
        throw LibSSH2Failure(code: LIBSSH2_ERROR_TIMEOUT, text: "timed out waiting for the host")
      }
      waitSocket(timeout: min(left, .milliseconds(500)))
    }
  }

  /// The host key the server offered during the handshake.
  func offeredHostKey() -> SSHHostKey? {
    var length = 0
    var type: Int32 = 0
    guard let raw = libssh2_session_hostkey(raw, &length, &type), length > 0 else { return nil }
    return SSHHostKey(blob: Data(bytes: raw, count: length))
  }

  /// The host-key algorithms this libssh2 supports.
  func supportedHostKeyAlgorithms() -> [String] { supportedAlgorithms(LIBSSH2_METHOD_HOSTKEY) }

  /// The algorithms this libssh2 supports for `method` (`LIBSSH2_METHOD_*`), in its default order.
  func supportedAlgorithms(_ method: Int32) -> [String] {
    var list: UnsafeMutablePointer<UnsafePointer<CChar>?>?
    let count = libssh2_session_supported_algs(raw, method, &list)
    guard count > 0, let list else { return [] }
    defer { libssh2_free(raw, list) }
    return (0..<Int(count)).compactMap { list[$0].map { String(cString: $0) } }
  }

  /// Puts `first` ahead of libssh2's default order for `method`, where libssh2 supports it (the
  /// server still picks from what it allows; every other algorithm stays offered).
  func prefer(_ first: [String], for method: Int32) {
    let supported = supportedAlgorithms(method)
    let front = first.filter(supported.contains)
    guard !front.isEmpty else { return }
    let order = front + supported.filter { !front.contains($0) }
    _ = libssh2_session_method_pref(raw, method, order.joined(separator: ","))
  }

  /// Opens a `session` channel (for exec or a shell), waiting on the socket at most `timeout`.
  func openSessionChannel(within timeout: Duration) throws(LibSSH2Failure) -> OpaquePointer {
    let deadline = ContinuousClock.now + timeout
    while true {
      if let channel = libssh2_channel_open_ex(
        raw, "session", 7, ExecChannel.windowSize, ExecChannel.packetSize, nil, 0)
      {
        return channel
      }
      let code = libssh2_session_last_errno(raw)
      guard code == LIBSSH2_ERROR_EAGAIN else { throw lastFailure(code: code) }
      guard ContinuousClock.now < deadline else {
        throw LibSSH2Failure(code: LIBSSH2_ERROR_TIMEOUT, text: "no answer to the channel request")
      }
      waitSocket(timeout: .milliseconds(500))
    }
  }

  /// Closes `channel` (waiting at most `timeout` for the host) and reads how its command ended:
  /// the exit status, and the signal's name when a signal ended it.
  func closeAndReadExit(
    _ channel: OpaquePointer, within timeout: Duration
  ) throws(LibSSH2Failure) -> (status: Int32, signal: String?) {
    let deadline = ContinuousClock.now + timeout
    _ = try retrying(until: deadline) { libssh2_channel_close(channel) }
    _ = try retrying(until: deadline) { libssh2_channel_wait_closed(channel) }
    let status = libssh2_channel_get_exit_status(channel)
    var signal: UnsafeMutablePointer<CChar>?
    var signalLength = 0
    _ = libssh2_channel_get_exit_signal(channel, &signal, &signalLength, nil, nil, nil, nil)
    guard let signal else { return (status, nil) }
    defer { libssh2_free(raw, signal) }
    let name = String(
      decoding: UnsafeRawBufferPointer(start: signal, count: signalLength), as: UTF8.self)
    return (status, name)
  }
}
