import Basics
import Foundation
import Inventory
import Kubernetes
import SSHTransport
import Tailscale

/// What `cluster-mgr status` should show.
public struct StatusRequest: Sendable {
  /// List pods too.
  public var includePods = false
  /// Only pods of this namespace (implies pods).
  public var namespace: String?
  /// The LocalAPI socket (nil: `$CLUSTER_MGR_TAILSCALE_SOCKET`, else the platform's).
  public var tailscaleSocket: String?
  /// How long CPU time is sampled on each host.
  public var cpuSample: Duration = .milliseconds(500)
  /// Add the capacity table (`--capacity`).
  public var capacity = false
  /// The longest one host's read may take once connected.
  public var hostTimeout: Duration = .seconds(15)

  /// A request for nodes only.
  public init() {}
}

/// `cluster-mgr status`: reads the API through a server over SSH, the tailnet through the
/// LocalAPI, and each host's figures over SSH, all at once.
public enum StatusOperation {
  /// Reads everything and builds the report; what cannot be read is reported in it.
  public static func run(_ request: StatusRequest, context: ClusterContext) async -> StatusReport {
    async let cluster = readCluster(context)
    async let tailnet = StatusTailnet.read(
      socket: request.tailscaleSocket, nodes: context.nodes, timeout: .seconds(5))
    async let hosts = readHosts(context, sample: request.cpuSample, timeout: request.hostTimeout)
    let (clusterResult, tailnetResult, hostResults) = await (cluster, tailnet, hosts)
    return report(
      context: context, request: request, cluster: clusterResult, tailnet: tailnetResult,
      hosts: hostResults, now: Date())
  }

  /// What the API said: its nodes and pods, or why it did not answer.
  struct ClusterRead: Sendable {
    var server: StatusReport.Server
    var nodes: [StatusKubeNode]
    var pods: [StatusKubePod]
    /// Flux's objects (nil when the API did not answer).
    var flux: FluxStatus? = nil
  }

  /// Nodes and pods from the API (two lists, at once).
  static func readCluster(
    _ context: ClusterContext, access: ClusterAccess? = nil, keepOpen: Bool = false
  ) async -> ClusterRead {
    let access = access ?? ClusterAccess(context: context)
    let read = await readCluster(context, through: access)
    if !keepOpen { await access.closeAPI() }
    return read
  }

  private static func readCluster(_ context: ClusterContext, through access: ClusterAccess) async
    -> ClusterRead
  {
    do {
      let client = try await access.api()
      async let nodeList = client.list(.node)
      async let podList = client.list(.pod)
      async let fluxRead = FluxStatus.read(client)
      let (nodeItems, podItems) = try await (nodeList.items, podList.items)
      let flux = await fluxRead
      let nodes = nodeItems.compactMap {
        StatusKubeNode(json: $0.foundation as? [String: Any] ?? [:])
      }
      let pods = podItems.compactMap { StatusKubePod(json: $0.foundation as? [String: Any] ?? [:]) }
      let name = await access.apiServer ?? context.servers.first?.name ?? "server"
      let route = await access.apiRoute
      return ClusterRead(
        server: .reachable(name: name, route: route), nodes: nodes, pods: pods, flux: flux)
    } catch {
      let message = (error as? any OperatorError)?.message ?? String(describing: error)
      return ClusterRead(
        server: .unreachable(message: message, tried: context.servers.map(\.name)), nodes: [],
        pods: [])
    }
  }

  /// Each inventory host's figures (or why they could not be read), by host name.
  static func readHosts(
    _ context: ClusterContext, sample: Duration, timeout: Duration
  ) async -> [String: Result<StatusHostReading, any Error>] {
    let targets = context.nodes.compactMap { context.targets[$0.name] }
    let results = await context.sessions.forEach(targets) { _, connection in
      try await StatusHostUsage.read(connection, sampleInterval: sample, timeout: timeout)
    }
    return Dictionary(
      zip(targets.map(\.name), results).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
  }

  /// Puts the three views together: inventory hosts first, in inventory order, then cluster
  /// nodes the inventory does not have.
  static func report(
    context: ClusterContext, request: StatusRequest, cluster: ClusterRead,
    tailnet: StatusTailnet, hosts: [String: Result<StatusHostReading, any Error>], now: Date
  ) -> StatusReport {
    let kubeNodes = Dictionary(
      cluster.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    let activePods = cluster.pods.filter(\.isActive)
    var rows: [StatusReport.Node] = []
    for spec in context.nodes {
      var row = StatusReport.Node(
        name: spec.name, inInventory: true, inventoryRole: spec.role?.rawValue,
        kube: kubeNodes[spec.name])
      let peer = tailnet.peers[spec.name]
      row.tailscaleIP = peer?.ipv4 ?? spec.tailscaleIP
      row.tailnetOnline = tailnet.isKnown ? (peer?.online ?? false) : nil
      switch hosts[spec.name] {
      case .success(let reading)?:
        row.host = StatusReport.HostFigures(
          cpuPercent: reading.sampledCPUPercent, cores: reading.cores,
          memoryUsedBytes: reading.memoryUsedBytes, memoryTotalBytes: reading.memoryTotalBytes,
          diskUsedBytes: reading.diskUsedBytes, diskTotalBytes: reading.diskTotalBytes,
          readAt: reading.readAt)
      case .failure(let error)?:
        row.hostProblem = describe(error)
      case nil:
        row.hostProblem = "no SSH target"
      }
      rows.append(row)
    }
    let inventoryNames = Set(context.nodes.map(\.name))
    for node in cluster.nodes where !inventoryNames.contains(node.name) {
      let peer = tailnet.peers.values.first { $0.tailscaleIPs.contains(node.internalIP ?? "") }
      rows.append(
        StatusReport.Node(
          name: node.name, inInventory: false, kube: node,
          tailscaleIP: peer?.ipv4 ?? node.internalIP,
          tailnetOnline: tailnet.isKnown ? peer?.online : nil))
    }
    for index in rows.indices {
      guard let kube = rows[index].kube else { continue }
      let pods = activePods.filter { $0.nodeName == kube.name }
      rows[index].cpu = StatusReport.Resource(
        capacity: kube.capacityMillicores.map { Double($0) },
        allocatable: kube.allocatableMillicores.map { Double($0) },
        requested: Double(pods.reduce(0) { $0 + $1.cpuRequestMillicores }))
      rows[index].memory = StatusReport.Resource(
        capacity: kube.capacityMemory.map { Double($0) },
        allocatable: kube.allocatableMemory.map { Double($0) },
        requested: Double(pods.reduce(UInt64(0)) { $0 + $1.memoryRequestBytes }))
    }
    var pods: [StatusReport.Pod]?
    if request.includePods || request.namespace != nil {
      pods = cluster.pods.filter { request.namespace == nil || $0.namespace == request.namespace }
        .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        .map {
          StatusReport.Pod(
            namespace: $0.namespace, name: $0.name,
            ready: "\($0.readyContainers)/\($0.totalContainers)", status: $0.displayStatus,
            restarts: $0.restarts, node: $0.nodeName, createdAt: $0.createdAt)
        }
    }
    let seconds = request.cpuSample.inSeconds
    var capacity: StatusCapacity?
    if request.capacity, case .reachable = cluster.server {
      capacity = StatusCapacity(
        nodes: cluster.nodes, pods: cluster.pods, inventory: context.nodes,
        settings: context.settings)
    }
    return StatusReport(
      server: cluster.server, nodes: rows, pods: pods, tailnetProblem: tailnet.problem,
      cpuSampleSeconds: seconds, generatedAt: now, flux: cluster.flux, capacity: capacity)
  }

  /// One line for an error: an operator error's message, else its description.
  static func describe(_ error: any Error) -> String {
    if let error = error as? any OperatorError { return error.message }
    return String(describing: error).split(separator: "\n").first.map(String.init) ?? "failed"
  }
}
