import Basics
import Foundation
import Inventory
import OrderedCollections
import SSHTransport
import Tailscale

/// What `cluster-mgr export` was asked to do.
public struct ExportRequest: Sendable {
  /// The inventory file to write (it must not exist).
  public var inventoryPath: String
  /// A server of the cluster: its tailnet name or address.
  public var server: String
  /// `cluster_name` of the new inventory.
  public var clusterName = "homelab"
  /// The SSH user for every host (`ansible_user`; nil: the current user, not written).
  public var user: String?
  /// The SSH key for every host (`ansible_ssh_private_key_file`).
  public var keyFile: String?
  /// The SSH port of the server.
  public var port = 22
  /// The local tailscaled's LocalAPI socket (nil: the default).
  public var tailscaleSocket: String?

  /// A request to export the cluster `server` belongs to into `inventoryPath`.
  public init(inventoryPath: String, server: String) {
    self.inventoryPath = inventoryPath
    self.server = server
  }
}

/// The inventory `export` wrote (or would write).
public struct ExportResult: Sendable {
  /// The inventory's text.
  public let text: String
  /// The server it was read through.
  public let server: String
  /// Each host with its group, in inventory order.
  public let hosts: [(name: String, group: String)]
  /// What the inventory could not express (extra K3s flags, version skew, addresses).
  public let warnings: [String]
}

/// `cluster-mgr export`: an inventory rebuilt from the live cluster and the tailnet (servers
/// and agents, the labels and taints cluster-mgr owns, reservations from K3s's kubelet
/// arguments, Tailscale addresses, the K3s version, Flux and GPU settings), for a lost
/// `hosts.yml` or a cluster installed by hand. Reads only.
public enum ExportOperation {
  /// Reads the cluster through `request.server` and renders the inventory (checked: it loads
  /// and validates); writes nothing.
  public static func render(_ request: ExportRequest, sshOptions: SSHOptions) async throws
    -> ExportResult
  {
    try NewInventoryFiles.refuseExisting([request.inventoryPath])
    if let problem = ValueRules.dnsLabelProblem(request.clusterName, what: "--cluster-name") {
      throw OperationError(problem, exitStatus: ExitStatus.invalidInput)
    }
    let tailnet = try? await LocalAPIClient.locate(
      socket: request.tailscaleSocket, timeout: .seconds(5)
    ).runningStatus(peers: true)
    let sessions = SSHSessions(options: sshOptions, forks: 4)
    do {
      let result = try await read(request, tailnet: tailnet, sessions: sessions)
      await sessions.closeAll()
      return result
    } catch {
      await sessions.closeAll()
      throw error
    }
  }

  /// Reads the cluster (and a GPU node's apt source) and renders the inventory.
  static func read(_ request: ExportRequest, tailnet: TailscaleStatus?, sessions: SSHSessions)
    async throws -> ExportResult
  {
    let target = try serverTarget(request, tailnet: tailnet)
    let connection = try await sessions.connection(to: target)
    let out = try await connection.execute(
      .script(ExportedCluster.script, sudo: true, timeout: .seconds(120), step: "read the cluster"))
    guard out.succeeded else {
      throw OperationError(
        "\(request.server): k3s kubectl cannot read the cluster: "
          + out.stderrText.trimmingCharacters(in: .whitespacesAndNewlines),
        remedy: "name a server of the cluster with --server (K3s must run there)")
    }
    let cluster = try ExportedCluster(output: out.stdoutText)
    guard cluster.nodes.contains(where: \.isServer) else {
      throw OperationError("the cluster read through \(request.server) has no control-plane node")
    }
    var addresses: [String: String] = [:]
    for node in cluster.nodes {
      if let peer = try? tailnet?.peer(named: node.name), let ip = peer.ipv4 {
        addresses[node.name] = ip
      }
    }
    let nvidia = await nvidiaRepository(
      cluster, request: request, sessions: sessions, tailnet: tailnet, addresses: addresses)
    let export = ExportInventory(
      cluster: cluster, clusterName: request.clusterName, user: request.user,
      keyFile: request.keyFile, tailnetAddresses: addresses, nvidiaRepository: nvidia)
    let text = try render(export, request: request, server: target.name)
    var warnings = export.warnings()
    if tailnet == nil {
      warnings.append("the local tailscaled did not answer: addresses are the nodes' InternalIPs")
    }
    return ExportResult(
      text: text, server: target.name,
      hosts: export.servers.map { ($0.name, "control_plane") }
        + export.agents.map { ($0.name, "workers") },
      warnings: warnings)
  }

  /// Writes the rendered inventory (mode 0600); refuses when the file exists.
  public static func write(_ result: ExportResult, to path: String) throws {
    try NewInventoryFiles.create([path: result.text])
  }

  /// The SSH target of the server: an address as given, else the tailnet's address for that name.
  static func serverTarget(_ request: ExportRequest, tailnet: TailscaleStatus?) throws -> SSHTarget
  {
    var address = request.server
    if !IPAddressText.isIPv4(request.server) && !IPAddressText.isIPv6(request.server) {
      guard let tailnet else {
        throw OperationError(
          "the local tailscaled does not answer, so \(request.server) cannot be looked up",
          remedy: "give the server's Tailscale address with --server",
          exitStatus: ExitStatus.environment)
      }
      do {
        guard let ip = try tailnet.peer(named: request.server).ipv4 else {
          throw OperationError("\(request.server) has no Tailscale IPv4 address")
        }
        address = ip
      } catch let error as TailscaleError {
        throw OperationError(
          error.message, remedy: error.remedy, exitStatus: ExitStatus.invalidInput)
      }
    }
    let keys = tailnet?.sshHostKeysByAddress[address] ?? []
    return SSHTarget(
      name: request.server, address: address, port: request.port,
      user: request.user ?? SSHTargets.currentUser,
      keyFile: request.keyFile.map { ($0 as NSString).expandingTildeInPath },
      becomePassword: nil, trustedHostKeys: keys)
  }

  /// The NVIDIA apt repository of the first GPU node (its list file and its key's fingerprint),
  /// read over SSH; nil without GPU nodes or when it cannot be read.
  static func nvidiaRepository(
    _ cluster: ExportedCluster, request: ExportRequest, sessions: SSHSessions,
    tailnet: TailscaleStatus?, addresses: [String: String]
  ) async -> (url: String, fingerprint: String)? {
    guard let node = cluster.nodes.first(where: \.gpu),
      let address = addresses[node.name] ?? node.internalIP
    else { return nil }
    let target = SSHTarget(
      name: node.name, address: address, port: request.port,
      user: request.user ?? SSHTargets.currentUser,
      keyFile: request.keyFile.map { ($0 as NSString).expandingTildeInPath },
      becomePassword: nil, trustedHostKeys: tailnet?.sshHostKeysByAddress[address] ?? [])
    let script = """
      sed -n 's/^deb \\[[^]]*\\] \\([^ ]*\\) .*/url=\\1/p' /etc/apt/sources.list.d/nvidia-container-toolkit.list
      gpg --show-keys --with-colons /etc/apt/keyrings/nvidia-container-toolkit.asc 2>/dev/null | awk -F: '/^fpr:/ { print "fpr=" $10; exit }'
      """
    guard let connection = try? await sessions.connection(to: target),
      let out = try? await connection.execute(
        .script(script, sudo: true, timeout: .seconds(30), step: "read the NVIDIA apt source"))
    else { return nil }
    var url: String?
    var fingerprint: String?
    for line in out.stdoutText.split(separator: "\n") {
      if line.hasPrefix("url=") { url = String(line.dropFirst(4)) }
      if line.hasPrefix("fpr=") { fingerprint = String(line.dropFirst(4)) }
    }
    guard var url, let fingerprint else { return nil }
    for arch in ["/amd64", "/arm64"] where url.hasSuffix(arch) {
      url = String(url.dropLast(arch.count)) + "/$(ARCH)"
    }
    return (url, fingerprint)
  }

  /// The inventory text: a header, then the edits, checked by loading and validating it.
  static func render(_ export: ExportInventory, request: ExportRequest, server: String) throws
    -> String
  {
    let stamp = ISO8601DateFormatter().string(from: Date())
    let header = """
      # The inventory of the K3s cluster \(request.clusterName), rebuilt by `cluster-mgr export`
      # from the live cluster (read through \(server)) and the tailnet on \(stamp).
      #   control_plane  K3s servers; the first one started the cluster
      #   workers        K3s agents
      # Labels and taints are the ones cluster-mgr manages on each node, reservations come from
      # K3s's kubelet arguments. Check it with: cluster-mgr provision --check --diff
      all:

      """
    var editor = InventoryEditor(
      path: request.inventoryPath, files: [request.inventoryPath: header])
    let edited = try editor.apply(export.edits())
    if let error = InventoryValidator.validate(edited.inventory).first(where: \.isError) {
      throw InventoryError([error])
    }
    return edited.changedFiles[request.inventoryPath] ?? header
  }
}
