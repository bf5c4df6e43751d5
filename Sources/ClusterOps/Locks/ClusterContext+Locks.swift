import Basics
import Foundation
import Inventory
import SSHTransport

extension ClusterContext {
  /// The server that holds the cluster lock: the inventory's first server, or, when that is the
  /// node being removed and it cannot be reached (a dead machine), the next one (no other
  /// command can lock the cluster through an unreachable server meanwhile).
  public func lockServer(removing node: String? = nil, warn: (String) -> Void) async throws
    -> String
  {
    guard let first = servers.first?.name else {
      throw OperationError(
        "\(inventory.path) has no server to hold the cluster lock",
        remedy: "add a server (control_plane group)", exitStatus: ExitStatus.invalidInput)
    }
    guard node == first, let next = servers.dropFirst().first?.name else { return first }
    do {
      _ = try await connection(to: first)
      return first
    } catch let error as SSHError where error.kind == .unreachable {
      warn("\(first) cannot be reached, so the cluster lock is taken on \(next): \(error.reason)")
      return next
    }
  }

  /// Runs `body` holding this machine's lock on the cluster and the cluster lock on `server`
  /// (see ``CommandLocks``); both are released afterwards, also when `body` throws. With
  /// `checkOnly` (a `--check`), the cluster lock is only looked at: nobody may hold it.
  public func holdingLocks<T>(
    server: String, forceUnlock: Bool, checkOnly: Bool = false,
    commandLine: [String] = CommandLine.arguments,
    warn: (String) -> Void, _ body: () async throws -> T
  ) async throws -> T {
    var request = LockRequest(
      cluster: settings.clusterName, server: server,
      command: LockOwner.commandText(commandLine, redactor: redactor))
    request.forceUnlock = forceUnlock
    request.checkOnly = checkOnly
    return try await CommandLocks.holding(
      request, connection: { try await connection(to: server) }, warn: warn, body)
  }
}
