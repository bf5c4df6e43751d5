import Basics
import Foundation
import SSHTransport

/// What a command that changes a cluster locks: this workstation's lock file on the cluster,
/// then the cluster lock on its first server.
public struct LockRequest: Sendable {
  /// `cluster_name`: names the local lock file.
  public var cluster: String
  /// The server holding the cluster lock (the inventory's first server).
  public var server: String
  /// The command line, for the owner record (secrets masked).
  public var command: String
  /// `--force-unlock`: remove a cluster lock another command left, saying whose.
  public var forceUnlock = false
  /// `--check`: only make sure that no command holds the cluster lock; write nothing on the
  /// server (a dry run changes nothing, and cannot harm a run that starts after it).
  public var checkOnly = false
  /// How long to wait for another command of this workstation to finish.
  public var localWait: Duration = .seconds(3)

  /// A request for `cluster`, whose lock lives on `server`, by `command`.
  public init(cluster: String, server: String, command: String) {
    self.cluster = cluster
    self.server = server
    self.command = command
  }
}

/// Runs a command's work while it holds its locks, and releases them afterwards.
public enum CommandLocks {
  /// Takes the local lock, then the cluster lock through `connection` (the server's connection,
  /// reused by the work), runs `body`, and releases both also when `body` throws.
  ///
  /// `warn` gets what the user should know: whose lock `--force-unlock` removed, or why the
  /// cluster lock could not be released.
  public static func holding<T>(
    _ request: LockRequest, connection: () async throws -> SSHConnection,
    warn: (String) -> Void, _ body: () async throws -> T
  ) async throws -> T {
    let owner = LockOwner.current(command: request.command)
    let local = try await LocalClusterLock.acquire(
      cluster: request.cluster, owner: owner, wait: request.localWait)
    defer { local.release() }
    let remote = try await clusterLock(request, owner: owner, connection: connection, warn: warn)
    let outcome: Result<T, any Error>
    do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
    if let remote, let warning = await remote.release() { warn(warning) }
    return try outcome.get()
  }

  /// The cluster lock, or nil under `--check` (which only looks).
  static func clusterLock(
    _ request: LockRequest, owner: LockOwner, connection: () async throws -> SSHConnection,
    warn: (String) -> Void
  ) async throws -> ClusterLock? {
    do {
      let server = try await connection()
      if request.checkOnly {
        try await ClusterLock.ensureFree(
          cluster: request.cluster, on: request.server, connection: server)
        return nil
      }
      return try await ClusterLock.take(
        cluster: request.cluster, on: request.server, connection: server, owner: owner,
        force: request.forceUnlock, say: warn)
    } catch let error as SSHError {
      throw OperationError(
        "cannot take the cluster lock on \(request.server) (the first server), so nothing was "
          + "changed: \(error.reason)",
        remedy: error.remedy ?? "check that \(request.server) is up (cluster-mgr ping)",
        exitStatus: error.exitStatus)
    }
  }
}

/// A command stopped early because of Ctrl-C or SIGTERM (exit status 130).
public struct OperationInterrupted: OperatorError {
  public let message: String
  public let remedy: String?
  public var exitStatus: Int32 { ExitStatus.interrupted }

  /// `interrupted (SIGINT) <what>`; `remedy` says how to go on.
  public init(_ what: String, interruption: Interruption, remedy: String? = nil) {
    message =
      "interrupted" + (interruption.signal.map { " (\($0))" } ?? "")
      + (what.isEmpty ? "" : " " + what)
    self.remedy = remedy
  }
}
