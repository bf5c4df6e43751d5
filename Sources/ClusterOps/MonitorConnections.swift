import Foundation
import SSHTransport

/// The monitor's SSH connections to the hosts: opened once and reused from refresh to refresh,
/// and dropped after a failure so that a host that comes back is reconnected.
actor MonitorConnections {
  private let options: SSHOptions
  private var open: [String: SSHConnection] = [:]

  init(options: SSHOptions) { self.options = options }

  /// The connection to `target`, opened now if there is none.
  func connection(to target: SSHTarget) async throws -> SSHConnection {
    if let connection = open[target.name] { return connection }
    let connection = try await SSHConnection.connect(to: target, options: options)
    open[target.name] = connection
    return connection
  }

  /// Drops the connection to `host` (closed in the background: it may be stuck in a command).
  func forget(_ host: String) {
    guard let connection = open.removeValue(forKey: host) else { return }
    Task.detached { await connection.close() }
  }

  /// Closes every connection, in the background.
  func closeAll() {
    for host in Array(open.keys) { forget(host) }
  }
}
