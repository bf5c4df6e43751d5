import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A local port forward through an existing SSH connection: a unix socket in a private
/// directory (0700, only this user can connect) whose connections are carried to `host:port`
/// on the far side by `direct-tcpip` channels of the connection's session (like `ssh -L`).
///
/// Clients connect to ``socketPath`` (libcurl: `CURLOPT_UNIX_SOCKET_PATH`, with the real URL
/// kept for TLS). One thread of the tunnel's own waits on the sockets (`poll`) and, when
/// something can move, runs one step of every bridge on the connection's thread, between its
/// commands: the session is only ever used there, and no blocking call touches Swift's
/// cooperative pool. While the connection runs a command the tunnel waits for it.
public final class SSHTunnel: @unchecked Sendable {
  /// Where clients connect.
  public let socketPath: String
  /// Where connections end up, seen from the SSH server.
  public let remoteHost: String
  /// The port there.
  public let remotePort: Int
  /// The SSH host the tunnel goes through.
  public let via: String
  private let directory: String
  private let listener: Int32
  private let connection: SSHConnection
  private let lock = NSLock()
  private var closing = false
  private var finished = false
  private var waiting: [CheckedContinuation<Void, Never>] = []
  private var thread: Thread?

  /// Opens a tunnel through `connection` to `host:port` on the far side, after checking that
  /// the SSH server forwards there.
  public static func open(through connection: SSHConnection, toHost host: String, port: Int)
    async throws(SSHError) -> SSHTunnel
  {
    try await connection.checkForwarding(to: host, port: port)
    let tunnel = try SSHTunnel(connection: connection, host: host, port: port)
    tunnel.start()
    return tunnel
  }

  private init(connection: SSHConnection, host: String, port: Int) throws(SSHError) {
    self.connection = connection
    remoteHost = host
    remotePort = port
    via = connection.target.name
    var template = Array("/tmp/cluster-mgr-tunnel-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
      throw SSHError(
        .sessionFailed, host: via, step: "tunnel",
        reason:
          "cannot make a private directory for the tunnel's socket: \(String(cString: strerror(errno)))."
      )
    }
    directory = String(cString: made)
    socketPath = directory + "/api.sock"
    do {
      listener = try Self.listen(at: socketPath)
    } catch {
      rmdir(directory)
      throw SSHError(
        .sessionFailed, host: via, step: "tunnel",
        reason: "cannot listen on \(socketPath): \(error.reason).")
    }
  }

  /// Stops accepting, ends every bridge (its channels closed while the session is still open),
  /// removes the socket and its directory, and returns once the tunnel's thread has done so.
  public func close() async {
    await withCheckedContinuation { continuation in
      let done = lock.withLock { () -> Bool in
        closing = true
        if finished { return true }
        waiting.append(continuation)
        return false
      }
      if done { continuation.resume() } else { Self.wake(listener) }
    }
  }

  /// Makes the tunnel's `poll` return at once (the listener reports hang-up).
  private static func wake(_ fd: Int32) {
    #if canImport(Glibc)
      _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    #else
      _ = Darwin.shutdown(fd, SHUT_RDWR)
    #endif
  }

  private var isClosing: Bool { lock.withLock { closing } }

  private func start() {
    let thread = Thread { [self] in run() }
    thread.name = "ssh tunnel \(via)"
    lock.withLock { self.thread = thread }
    thread.start()
  }

  /// The tunnel's thread: accept, pump, wait; until closed or the connection is gone.
  private func run() {
    var bridges: [TunnelBridge] = []
    var sessionSocket: Int32? = nil
    while !isClosing {
      var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
      fds += bridges.map { pollfd(fd: $0.local, events: Int16(POLLIN), revents: 0) }
      if let sessionSocket, !bridges.isEmpty {
        fds.append(pollfd(fd: sessionSocket, events: Int16(POLLIN), revents: 0))
      }
      _ = poll(&fds, nfds_t(fds.count), bridges.isEmpty ? 500 : 5)
      if fds[0].revents & Int16(POLLIN) != 0, let accepted = accept() {
        bridges.append(TunnelBridge(local: accepted))
      }
      guard !bridges.isEmpty else { continue }
      // Steps until nothing moves, then back to waiting.
      var moved = true
      var steps = 0
      while moved && steps < 64 {
        let step = pump(bridges)
        moved = step.moved
        sessionSocket = step.socket
        steps += 1
        bridges.removeAll { $0.finished }
      }
    }
    let remaining = bridges
    let connection = connection
    connection.runOnOwnThread {
      let open = connection.assumeIsolated { $0.session != nil }
      for bridge in remaining where !bridge.finished {
        if !open { bridge.abandonChannel() }
        bridge.fail("the tunnel was closed")
        bridge.release()
      }
    }
    Self.closeDescriptor(listener)
    unlink(socketPath)
    rmdir(directory)
    let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
      finished = true
      defer { waiting = [] }
      return waiting
    }
    for waiter in waiters { waiter.resume() }
  }

  private func pump(_ bridges: [TunnelBridge]) -> (moved: Bool, socket: Int32?) {
    nonisolated(unsafe) var result: (moved: Bool, socket: Int32?) = (false, nil)
    let connection = connection
    let host = remoteHost
    let port = remotePort
    connection.runOnOwnThread {
      result = connection.assumeIsolated { $0.pumpTunnel(bridges, host: host, port: port) }
    }
    return result
  }

  private func accept() -> Int32? {
    let fd = Self.acceptConnection(listener)
    guard fd >= 0 else { return nil }
    let flags = fcntl(fd, F_GETFL, 0)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    return fd
  }

  private struct ListenFailure: Error { let reason: String }

  private static func listen(at path: String) throws(ListenFailure) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ListenFailure(reason: String(cString: strerror(errno))) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
      closeDescriptor(fd)
      throw ListenFailure(reason: "the path is too long for a unix socket")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (index, byte) in bytes.enumerated() { raw[index] = byte }
    }
    let length = socklen_t(MemoryLayout<sockaddr_un>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0, startListening(fd) else {
      let reason = String(cString: strerror(errno))
      closeDescriptor(fd)
      throw ListenFailure(reason: reason)
    }
    return fd
  }

  private static func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
      _ = Glibc.close(fd)
    #else
      _ = Darwin.close(fd)
    #endif
  }

  private static func acceptConnection(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
      Glibc.accept(fd, nil, nil)
    #else
      Darwin.accept(fd, nil, nil)
    #endif
  }

  private static func startListening(_ fd: Int32) -> Bool {
    #if canImport(Glibc)
      Glibc.listen(fd, 16) == 0
    #else
      Darwin.listen(fd, 16) == 0
    #endif
  }
}

extension SSHConnection {
  /// Runs `body` on this connection's own thread, between its commands, and waits for it.
  nonisolated func runOnOwnThread(_ body: @escaping () -> Void) {
    executor.runAndWait(body)
  }
}
