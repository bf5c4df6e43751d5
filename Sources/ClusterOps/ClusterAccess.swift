import Basics
import Foundation
import Inventory
import Kubernetes
import SSHTransport

/// The cluster as the day-2 and read-only commands reach it: its Kubernetes API over HTTPS from
/// this workstation (see ``ClusterAPIConnection``: the server's address, or an SSH tunnel), and
/// commands on a server over SSH (`k3s etcd-snapshot` and the like). No kubectl is needed on the
/// workstation, and none is started on the servers for the API.
public actor ClusterAccess {
  let context: ClusterContext
  /// Servers never used (a server about to be removed).
  let excluded: Set<String>
  /// The kubeconfig whose context `cluster_name` (merged by provision) holds the credentials.
  let kubeconfigPath: String
  /// Where a chosen tunnel is said.
  let say: @Sendable (String) -> Void
  private var chosen: (name: String, connection: SSHConnection)?
  private var attempts: [String] = []
  private var connection: ClusterAPIConnection?
  private var client: KubeClient?
  /// The server whose address the API's URL names (or that the kubeconfig came from).
  public private(set) var apiServer: String?

  /// Access through `context`'s servers.
  public init(
    context: ClusterContext, kubeconfigPath: String? = nil,
    say: @escaping @Sendable (String) -> Void = ClusterAccess.warnOnStandardError
  ) {
    self.init(context: context, excluding: [], kubeconfigPath: kubeconfigPath, say: say)
  }

  /// Access through `context`'s servers other than `excluded`.
  public init(
    context: ClusterContext, excluding excluded: Set<String>, kubeconfigPath: String? = nil,
    say: @escaping @Sendable (String) -> Void = ClusterAccess.warnOnStandardError
  ) {
    self.context = context
    self.excluded = excluded
    self.kubeconfigPath = kubeconfigPath ?? KubeconfigLocation.defaultPath
    self.say = say
  }

  /// Prints `warning: TEXT` on standard error.
  public static let warnOnStandardError: @Sendable (String) -> Void = { text in
    FileHandle.standardError.write(Data("warning: \(text)\n".utf8))
  }

  /// The server in use for commands over SSH, once one answered.
  public var serverName: String? { chosen?.name }

  /// The API client (credentials and route found on first use).
  public func api() async throws -> KubeClient {
    if let client { return client }
    let servers = context.servers.filter { !excluded.contains($0.name) }
    guard !servers.isEmpty else {
      throw OperationError(
        excluded.isEmpty ? "the inventory has no server" : "the inventory has no other server",
        remedy: "add a server to the control_plane group", exitStatus: ExitStatus.invalidInput)
    }
    let found = try await ClusterCredentials.find(
      context: context, servers: servers, kubeconfigPath: kubeconfigPath)
    let context = context
    let made = ClusterAPIConnection(
      url: found.credentials.server, apiPort: context.settings.apiPort,
      kubeconfigSource: found.source,
      servers: servers.map { server in
        ClusterAPIConnection.TunnelServer(name: server.name) {
          try await context.connection(to: server.name)
        }
      }, say: say)
    connection = made
    apiServer = found.server
    let client = await made.client(credentials: found.credentials)
    self.client = client
    return client
  }

  /// How the API is reached (its URL, or the tunnel), once ``api()`` was used.
  public var apiRoute: String? {
    get async { await connection?.routeDescription }
  }

  /// Why the tunnel was chosen, when it was.
  public var tunnelNotice: String? {
    get async { await connection?.tunnelNotice }
  }

  /// Closes the API's tunnel, if one was opened.
  public func closeAPI() async {
    await connection?.close()
  }

  /// Every node object of the cluster.
  public func nodes() async throws -> [JSONValue] {
    try await api().list(.node).items
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
