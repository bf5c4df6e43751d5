import Engine
import Inventory

/// Everything the site needs to decide what each host should look like.
public struct ProvisionInputs: Sendable {
  /// Every node of the inventory (validated), in inventory order.
  public var nodes: [NodeSpec]
  /// Cluster-wide settings.
  public var settings: ClusterSettings
  /// The hosts this run may change (`--limit`; all when there is no limit).
  public var selected: Set<String>
  /// Run the cluster-side play (labels, GPU plugin, Flux) even when the first server is not
  /// selected — what `add-node --provision` needs for its node.
  public var includeClusterSide: Bool
  /// Where K3s binaries come from.
  public var k3sSource: K3sSource
  /// The role files (templates, manifests, files): compiled in, or `$CLUSTER_MGR_ROLES_DIR`.
  public var roleFiles: RoleFiles
  /// Flux's install manifest and deploy key (nil: the flux role does nothing).
  public var flux: FluxInputs?
  /// How API tasks reach the cluster's Kubernetes API (nil: they cannot; `--list-tasks`).
  public var api: (any ClusterAPIAccess)?

  /// Creates the inputs.
  public init(
    nodes: [NodeSpec], settings: ClusterSettings, selected: Set<String>? = nil,
    includeClusterSide: Bool = false, k3sSource: K3sSource = .github, roleFiles: RoleFiles,
    flux: FluxInputs? = nil, api: (any ClusterAPIAccess)? = nil
  ) {
    self.flux = flux
    self.api = api
    self.nodes = nodes
    self.settings = settings
    self.selected = selected ?? Set(nodes.map(\.name))
    self.includeClusterSide = includeClusterSide
    self.k3sSource = k3sSource
    self.roleFiles = roleFiles
  }

  /// Servers in inventory order.
  public var servers: [NodeSpec] { nodes.filter { $0.role == .server } }
  /// Agents in inventory order.
  public var agents: [NodeSpec] { nodes.filter { $0.role == .agent } }
  /// The server that initialises the cluster (the first in the inventory).
  public var firstServer: NodeSpec? { servers.first }

  /// The node called `name`.
  func node(_ name: String) -> NodeSpec? { nodes.first { $0.name == name } }

  /// The address K3s uses for a node: its Tailscale IPv4 from the inventory, else the one the
  /// host reported.
  func nodeIP(_ node: NodeSpec, _ facts: FactStore.Snapshot) -> String? {
    node.tailscaleIP ?? facts.value("tailscale_ipv4", on: node.name)
  }

  /// `https://<api_endpoint or first server's Tailscale IP>:<api_port>`: where the workstation
  /// reaches the API (the merged kubeconfig's server), known before any host is touched.
  public var apiURL: String? {
    guard let first = firstServer else { return nil }
    let host = settings.apiEndpoint ?? first.tailscaleIP ?? first.address
    return "https://\(host.contains(":") ? "[\(host)]" : host):\(settings.apiPort)"
  }

  /// `https://<api_endpoint or first server>:<api_port>`, what joining servers and agents
  /// talk to (servers listen on `api_port`: `https-listen-port`).
  func serverURL(_ facts: FactStore.Snapshot) -> String? {
    guard let first = firstServer else { return nil }
    let endpoint = settings.apiEndpoint ?? nodeIP(first, facts)
    return endpoint.map { "https://\($0.contains(":") ? "[\($0)]" : $0):\(settings.apiPort)" }
  }
}
