import Basics
import Foundation
import Inventory
import SSHTransport

/// The Kubernetes API of the cluster, reached through `sudo k3s kubectl` over SSH on a server
/// (no kubectl or kubeconfig needed on the workstation). Servers are tried in inventory order.
public actor ClusterAccess {
  let context: ClusterContext
  /// Servers never used (a server about to be removed).
  let excluded: Set<String>
  private var chosen: (name: String, connection: SSHConnection)?
  private var attempts: [String] = []

  /// Access through `context`'s servers.
  public init(context: ClusterContext) {
    self.context = context
    self.excluded = []
  }

  /// Access through `context`'s servers other than `excluded`.
  public init(context: ClusterContext, excluding excluded: Set<String>) {
    self.context = context
    self.excluded = excluded
  }

  /// The server in use, once one answered.
  public var serverName: String? { chosen?.name }

  /// Runs `k3s kubectl ARGS` on a reachable server (as root), with `stdin` if given.
  public func kubectl(
    _ arguments: [String], stdin: Data = Data(), timeout: Duration = .seconds(120)
  ) async throws
    -> ExecResult
  {
    let (name, connection) = try await server()
    let command = RemoteCommand.argv(
      ["k3s", "kubectl"] + arguments, sudo: true, stdin: stdin, timeout: timeout,
      step: "k3s kubectl \(arguments.prefix(3).joined(separator: " "))")
    do {
      return try await connection.execute(command)
    } catch {
      chosen = nil
      throw OperationError("\(name): \(error.message)", remedy: error.remedy)
    }
  }

  /// Runs `k3s kubectl ARGS` and decodes its JSON output; a failure names the server and stderr.
  public func json(_ arguments: [String], timeout: Duration = .seconds(120)) async throws
    -> sending [String: Any]
  {
    let result = try await kubectl(arguments + ["-o", "json"], timeout: timeout)
    guard result.succeeded else {
      throw OperationError(
          "\(serverName ?? "server"): k3s kubectl \(arguments.joined(separator: " ")) failed: \(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))"
      )
    }
    guard let object = try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
    else {
      throw OperationError(
        "\(serverName ?? "server"): k3s kubectl printed something that is not JSON")
    }
    return object
  }

  /// Every node object of the cluster.
  public func nodes() async throws -> sending [[String: Any]] {
    try await json(["get", "nodes"])["items"] as? [[String: Any]] ?? []
  }

  /// Runs `command` on the server in use (for `k3s etcd-snapshot` and the like).
  public func onServer(_ command: RemoteCommand) async throws -> (
    server: String, result: ExecResult
  ) {
    let (name, connection) = try await server()
    do {
      return (name, try await connection.execute(command))
    } catch {
      chosen = nil
      throw OperationError(
        "\(name): \(error.message)", remedy: error.remedy, exitStatus: error.exitStatus)
    }
  }

  /// A server that answers: its API must say ready.
  func server() async throws -> (String, SSHConnection) {
    if let chosen { return chosen }
    attempts = []
    for server in context.servers where !excluded.contains(server.name) {
      do {
        let connection = try await context.connection(to: server.name)
        let ready = try await connection.execute(
          .argv(
            ["k3s", "kubectl", "get", "--raw", "/readyz"], sudo: true, timeout: .seconds(20),
            step: "API readiness"))
        if ready.succeeded {
          chosen = (server.name, connection)
          return (server.name, connection)
        }
        attempts.append(
          "\(server.name): API not ready (\(ready.stderrText.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)))"
        )
      } catch let error as SSHError {
        attempts.append("\(server.name): \(error.message)")
      }
    }
    throw OperationError(
      "no server answers: "
        + (attempts.isEmpty
          ? (excluded.isEmpty ? "the inventory has no server" : "the inventory has no other server")
          : attempts.joined(separator: "; ")),
      remedy:
        "check that the servers are up and on the tailnet (cluster-mgr ping), and that K3s runs (cluster-mgr provision)",
      exitStatus: ExitStatus.unreachable)
  }
}

