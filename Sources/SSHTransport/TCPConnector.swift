import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Opens the TCP connection under an SSH session: IPv4 or IPv6, every resolved address in turn,
/// each bounded by the remaining connect time.
enum TCPConnector {
  /// A connect failure in words (never an errno number alone).
  struct Failure: Error {
    let reason: String
  }

  /// A connected, blocking socket.
  static func connect(
    host: String, port: Int, deadline: ContinuousClock.Instant, userTimeout: Duration
  ) throws(Failure) -> Int32 {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    #if os(Linux)
      hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    #else
      hints.ai_socktype = SOCK_STREAM
    #endif
    hints.ai_flags = AI_NUMERICSERV
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(host, String(port), &hints, &list)
    guard rc == 0, let list else {
      throw Failure(reason: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
    }
    defer { freeaddrinfo(list) }
    var reasons: [String] = []
    var next: UnsafeMutablePointer<addrinfo>? = list
    while let info = next {
      next = info.pointee.ai_next
      do {
        return try attempt(info.pointee, deadline: deadline, userTimeout: userTimeout)
      } catch {
        reasons.append(error.reason)
      }
    }
    throw Failure(
      reason: reasons.isEmpty ? "no address for \(host)" : reasons.joined(separator: "; "))
  }

  private static func attempt(
    _ info: addrinfo, deadline: ContinuousClock.Instant, userTimeout: Duration
  ) throws(Failure) -> Int32 {
    let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
    guard fd >= 0 else { throw Failure(reason: "socket: \(errnoText())") }
    var ok = false
    defer { if !ok { close(fd) } }
    let flags = fcntl(fd, F_GETFL, 0)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    if systemConnect(fd, info.ai_addr, info.ai_addrlen) != 0 {
      guard errno == EINPROGRESS else { throw Failure(reason: errnoText()) }
      var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
      let remaining = ContinuousClock.now.duration(to: deadline)
      let ready = poll(&pfd, 1, Int32(max(0, remaining.milliseconds)))
      guard ready > 0 else { throw Failure(reason: "connection timed out") }
      var soError: Int32 = 0
      var length = socklen_t(MemoryLayout<Int32>.size)
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
      guard soError == 0 else { throw Failure(reason: String(cString: strerror(soError))) }
    }
    _ = fcntl(fd, F_SETFL, flags)
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
    #if os(Linux)
      // Unacknowledged data for this long means the peer is gone (like ServerAliveCountMax).
      var userMs = UInt32(clamping: userTimeout.milliseconds)
      if userMs > 0 {
        setsockopt(
          fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, &userMs, socklen_t(MemoryLayout<UInt32>.size))
      }
    #endif
    ok = true
    return fd
  }

  private static func errnoText() -> String { String(cString: strerror(errno)) }

  private static func systemConnect(
    _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t
  ) -> Int32 {
    #if canImport(Glibc)
      Glibc.connect(fd, address, length)
    #else
      Darwin.connect(fd, address, length)
    #endif
  }
}

extension Duration {
  /// Whole milliseconds (rounded down, at least 0).
  var milliseconds: Int64 {
    max(0, components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
  }
}
