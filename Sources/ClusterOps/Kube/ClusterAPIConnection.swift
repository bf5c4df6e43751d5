import Basics
import CurlHTTP
import Foundation
import Kubernetes
import Roles
import SSHTransport

/// The cluster's Kubernetes API from this workstation: HTTPS to its URL (the server's Tailscale
/// address, or `api_endpoint`); when that cannot be reached from here (a firewall on 6443),
/// through an SSH tunnel over the connection cluster-mgr already holds to a server, to the API on
/// that server's 127.0.0.1 — chosen automatically on the first request that cannot connect, and
/// said once. One client per set of credentials; every request of a command shares its
/// connections.
public actor ClusterAPIConnection: ClusterAPIAccess {
  /// A server the API can be reached through with an SSH tunnel.
  public struct TunnelServer: Sendable {
    /// Its inventory name.
    public var name: String
    /// Its SSH connection (opened on first use, shared with the command's other work).
    public var connection: @Sendable () async throws -> SSHConnection

    /// Creates a tunnel server.
    public init(name: String, connection: @escaping @Sendable () async throws -> SSHConnection) {
      self.name = name
      self.connection = connection
    }
  }

  /// The API's URL from this workstation.
  public let url: String
  /// The port the API listens on, on the servers.
  public let apiPort: Int
  /// Where the kubeconfig came from (for messages).
  public let kubeconfigSource: String
  private var servers: [TunnelServer]
  private var say: @Sendable (String) -> Void
  private var clients: [KubeCredentials: KubeClient] = [:]
  private var tunnel: SSHTunnel?
  private var tunnelRoute: KubeRoute?
  /// Why the tunnel was chosen, once it was (said once through `say`).
  public private(set) var tunnelNotice: String?

  /// A connection to `url`, tunnelling through `servers` (in order) when it cannot be reached.
  public init(
    url: String, apiPort: Int, kubeconfigSource: String = "the first server's admin kubeconfig",
    servers: [TunnelServer] = [], say: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.url = url
    self.apiPort = apiPort
    self.kubeconfigSource = kubeconfigSource
    self.servers = servers
    self.say = say
  }

  /// Sets the servers to tunnel through and where to say that a tunnel is used (once the
  /// command has its SSH connections).
  public func bind(servers: [TunnelServer], say: @escaping @Sendable (String) -> Void) {
    self.servers = servers
    self.say = say
  }

  /// A client for the admin kubeconfig read from a server (its URL replaced by ``url``).
  public func client(kubeconfig: String) async throws -> KubeClient {
    let credentials = try KubeCredentials.parse(kubeconfig, source: kubeconfigSource)
    return client(credentials: credentials.with(server: url))
  }

  /// A client for `credentials` (their URL is used as it is).
  public func client(credentials: KubeCredentials) -> KubeClient {
    if let existing = clients[credentials] { return existing }
    let made: KubeClient
    if let tunnelRoute {
      made = KubeClient(
        credentials: credentials.with(server: tunnelRoute.server), route: tunnelRoute.route,
        routeDescription: tunnelRoute.description)
    } else {
      made = KubeClient(
        credentials: credentials, routeDescription: credentials.server,
        fallback: { [weak self] failure in await self?.tunnel(after: failure) })
    }
    clients[credentials] = made
    return made
  }

  /// How the API is reached (after the first request: directly or through the tunnel).
  public var routeDescription: String { tunnelRoute?.description ?? url }

  /// Opens the tunnel through the first server that allows it; nil when none does.
  func tunnel(after failure: HTTPFailure) async -> KubeRoute? {
    if let tunnelRoute { return tunnelRoute }
    var reasons: [String] = []
    for server in servers {
      do {
        let connection = try await server.connection()
        let opened = try await SSHTunnel.open(
          through: connection, toHost: "127.0.0.1", port: apiPort)
        tunnel = opened
        let route = KubeRoute(
          route: .unixSocket(path: opened.socketPath), server: "https://127.0.0.1:\(apiPort)",
          description: "\(url) through an SSH tunnel via \(server.name)")
        tunnelRoute = route
        let notice =
          "the Kubernetes API at \(url) cannot be reached from this workstation (\(failure)); "
          + "using an SSH tunnel through \(server.name) to its 127.0.0.1:\(apiPort)"
        tunnelNotice = notice
        say(notice)
        return route
      } catch {
        reasons.append("\(server.name): \((error as? any OperatorError)?.message ?? "\(error)")")
      }
    }
    if !reasons.isEmpty {
      say(
        "the Kubernetes API at \(url) cannot be reached (\(failure)), and no SSH tunnel could be opened: \(reasons.joined(separator: "; "))"
      )
    }
    return nil
  }

  /// Closes the tunnel, if one was opened (before the SSH connection it goes through closes).
  public func close() async {
    await tunnel?.close()
    tunnel = nil
  }
}
