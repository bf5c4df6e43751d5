import Basics
import Foundation
import RunHistory
import SSHTransport

/// The cluster-wide lock: `/var/lib/cluster-mgr/lock` on the first server (directory 0700,
/// root's), naming the command that holds it; taken right after connecting and before any
/// change, removed at the end (also after a failure or an interruption).
///
/// Taking it is one root script, one round trip: the lock file is linked into place atomically,
/// so of two commands exactly one gets it. A lock that is there is never removed without
/// `--force-unlock`; a stale one is only said to be stale (``LockStaleness``).
public struct ClusterLock: Sendable {
  /// The directory of cluster-mgr's state on hosts.
  public static let directory = "/var/lib/cluster-mgr"
  /// The lock file on the first server.
  public static let path = directory + "/lock"

  /// The server holding the lock.
  public let host: String
  /// The command that holds it (this one).
  public let owner: LockOwner
  let connection: SSHConnection

  /// Takes the lock on `host` for `owner`; throws ``ClusterLockHeld`` when another command has it.
  ///
  /// With `force`, a lock that is there is removed first, and `say` names whose it was.
  public static func take(
    cluster: String, on host: String, connection: SSHConnection, owner: LockOwner, force: Bool,
    say: (String) -> Void
  ) async throws -> ClusterLock {
    let entries = try await run(
      ClusterLockScripts.take(), [force ? "force" : "take", owner.text], on: connection,
      step: "take the cluster lock")
    if let removed = entries.first(where: { $0.state == "removed" }) {
      let previous = LockOwner(text: removed.content)
      say(
        "--force-unlock: removed the cluster lock on \(host) held by "
          + (previous?.describe(age: removed.age) ?? "an unknown owner (the file was unreadable)"))
    }
    if entries.contains(where: { $0.state == "taken" }) {
      return ClusterLock(host: host, owner: owner, connection: connection)
    }
    guard let held = entries.first(where: { $0.state == "held" }) else {
      throw OperationError(
        "\(host): the cluster lock script printed nothing it should: \(entries)",
        remedy: "check \(directory) on \(host)")
    }
    throw ClusterLockHeld(cluster: cluster, host: host, entry: held)
  }

  /// Throws ``ClusterLockHeld`` when a command holds the lock on `host`; changes nothing (for
  /// `--check`, which writes nothing on hosts but must not read a cluster being changed).
  public static func ensureFree(cluster: String, on host: String, connection: SSHConnection)
    async throws
  {
    let entries = try await run(
      ClusterLockScripts.take(), ["look", ""], on: connection, step: "look at the cluster lock")
    if let held = entries.first(where: { $0.state == "held" }) {
      throw ClusterLockHeld(cluster: cluster, host: host, entry: held)
    }
  }

  /// Removes the lock when it is still this command's (one round trip); returns a warning when
  /// it could not be removed or had been taken over.
  public func release() async -> String? {
    do {
      let entries = try await Self.run(
        ClusterLockScripts.release(), [owner.token], on: connection,
        step: "release the cluster lock")
      if entries.contains(where: { $0.state == "released" }) { return nil }
      if let other = entries.first(where: { $0.state == "other" }) {
        let holder = LockOwner(text: other.content)?.describe(age: other.age) ?? "an unknown owner"
        return "the cluster lock on \(host) was no longer this command's (--force-unlock by "
          + "another command?); it is now held by \(holder) and was left in place"
      }
      return "the cluster lock on \(host) had already been removed by someone else"
    } catch {
      return "could not remove the cluster lock \(Self.path) on \(host): "
        + RemoveNodeOperation.describe(error)
        + "; the next command will find it (it names this command): remove it with --force-unlock"
    }
  }

  /// Runs a lock script as root and reads its output; a failure names the host and the step.
  static func run(
    _ script: String, _ arguments: [String], on connection: SSHConnection, step: String
  ) async throws -> [ClusterLockScripts.Entry] {
    let result = try await connection.execute(
      .argv(
        ["/bin/sh", "-c", script, "cluster-mgr-lock"] + arguments, sudo: true,
        timeout: .seconds(60), step: step))
    guard result.succeeded else {
      throw OperationError(
        "\(connection.target.name): \(step) failed (exit status \(result.exitStatus)): "
          + result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines),
        remedy:
          "check \(directory) on \(connection.target.name) (it must be a directory root can write)")
    }
    return ClusterLockScripts.parse(result.stdoutText)
  }
}

/// Another command holds the cluster lock.
public struct ClusterLockHeld: OperatorError {
  /// The cluster.
  public let cluster: String
  /// The server with the lock.
  public let host: String
  /// Who holds it (nil: the lock file could not be read).
  public let owner: LockOwner?
  /// Seconds since it was taken, by the server's clock.
  public let age: TimeInterval
  /// Why it looks stale, if it does.
  public let staleReason: String?

  init(cluster: String, host: String, entry: ClusterLockScripts.Entry) {
    self.cluster = cluster
    self.host = host
    owner = LockOwner(text: entry.content)
    age = entry.age ?? 0
    staleReason = LockStaleness.reason(
      owner: owner, age: age, machine: RunMetadata.currentMachine)
  }

  public var message: String {
    let who = owner?.describe(age: age) ?? "an owner that cannot be read"
    var text =
      "cluster \(cluster) is locked by another cluster-mgr command: \(who) "
      + "(\(ClusterLock.path) on \(host))"
    if let staleReason { text += "; the lock looks stale: \(staleReason)" }
    return text
  }

  public var remedy: String? {
    staleReason == nil
      ? "wait until that command has finished, then run again; if it no longer runs (its "
        + "workstation crashed or lost the connection), run again with --force-unlock"
      : "if no cluster-mgr command works on the cluster any more, run again with --force-unlock "
        + "(it says whose lock it removes)"
  }
}
