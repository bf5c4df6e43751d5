import Basics
import Foundation
import Inventory
import SSHTransport
import Tailscale

/// What every cluster command starts from: the inventory, its nodes and settings, and SSH
/// connections to its hosts that follow the inventory's user, key and host-key rules.
public struct ClusterContext: Sendable {
  /// The resolved inventory.
  public let inventory: ResolvedInventory
  /// Every node, in inventory order.
  public let nodes: [NodeSpec]
  /// Cluster-wide settings.
  public let settings: ClusterSettings
  /// SSH targets by host name.
  public let targets: [String: SSHTarget]
  /// Connections, opened on first use and reused.
  public let sessions: SSHSessions
  /// Masks the inventory's secrets (token, sudo passwords).
  public let redactor: SecretRedactor

  /// Loads `inventoryPath` (validated) and prepares connections with `sshOptions`; host keys the
  /// local tailscaled vouches for (Tailscale SSH) are trusted too when it answers.
  public static func load(
    inventoryPath: String, sshOptions: SSHOptions, tailscaleSocket: String? = nil, forks: Int = 20
  ) async throws -> ClusterContext {
    let inventory = try InventoryLoader.load(path: inventoryPath)
    return try await make(
      inventory: inventory, sshOptions: sshOptions, tailscaleSocket: tailscaleSocket, forks: forks)
  }

  /// A context for an already loaded inventory.
  public static func make(
    inventory: ResolvedInventory, sshOptions: SSHOptions, tailscaleSocket: String? = nil,
    forks: Int = 20
  ) async throws -> ClusterContext {
    let nodes = try inventory.nodes()
    let settings = inventory.clusterSettings
    let redactor = SecretRedactor()
    if let token = settings.token { redactor.register(token) }
    for node in nodes { if let password = node.becomePassword { redactor.register(password) } }
    if let password = sshOptions.becomePassword { redactor.register(password) }
    for secret in inventory.vaultSecrets { redactor.register(secret) }
    let hostKeys = await tailnetHostKeys(socket: tailscaleSocket)
    let targets = Dictionary(
      nodes.map { ($0.name, SSHTargets.target(for: $0, trustedHostKeys: hostKeys)) },
      uniquingKeysWith: { first, _ in first })
    return ClusterContext(
      inventory: inventory, nodes: nodes, settings: settings, targets: targets,
      sessions: SSHSessions(options: sshOptions, forks: forks), redactor: redactor)
  }

  /// Host keys the local tailscaled vouches for (Tailscale SSH peers), by Tailscale IPv4.
  /// Best effort: without a reachable tailscaled the usual known_hosts rules apply.
  public static func tailnetHostKeys(socket: String?) async -> [String: [String]] {
    // Best effort and on every command's path: no waiting for a daemon that is starting.
    let client = LocalAPIClient.locate(socket: socket, timeout: .seconds(3), startupGrace: .zero)
    guard let status = try? await client.runningStatus(peers: true) else { return [:] }
    return status.sshHostKeysByAddress
  }

  /// The node called `name`.
  public func node(_ name: String) -> NodeSpec? { nodes.first { $0.name == name } }

  /// Servers in inventory order (the first one initialised the cluster).
  public var servers: [NodeSpec] { nodes.filter { $0.role == .server } }

  /// The connection to `host`.
  public func connection(to host: String) async throws -> SSHConnection {
    guard let target = targets[host] else {
      throw OperationError("\(host) is not in the inventory")
    }
    return try await sessions.connection(to: target)
  }
}
