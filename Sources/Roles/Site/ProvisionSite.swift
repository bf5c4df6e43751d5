import Engine
import Foundation
import Inventory

/// The plays of `cluster-mgr provision`, in the order a K3s cluster needs them:
///
/// 1. every selected host: `prerequisites`, `tailscale`;
/// 2. the first server alone: `k3s_server` (+ `gpu` on a GPU server), reads the token;
/// 3. further servers one at a time: `k3s_server`;
/// 4. agents in parallel: `k3s_agent`, `gpu`;
/// 5. the cluster, through its API from the workstation: nodes Ready at the pinned version,
///    `node_config`, `gpu_cluster`, `flux` (the admin kubeconfig was read on the first server).
public enum ProvisionSite {
  /// The name of the agents' play (a K3s upgrade rolls it one agent at a time).
  public static let agentsPlayName = "agents"

  /// The plays for `inputs`.
  public static func plays(_ inputs: ProvisionInputs) throws -> [Play] {
    guard let first = inputs.firstServer else {
      throw PlanError(
        "the inventory has no server: put at least one host in the control_plane (or server) group")
    }
    let catalog: ArtifactCatalog?
    if case .artifacts(let directory) = inputs.k3sSource {
      catalog = ArtifactCatalog(directory: directory)
    } else {
      catalog = nil
    }
    let selected = inputs.nodes.filter { inputs.selected.contains($0.name) }
    let selectedNames = selected.map(\.name)
    let server = K3sNodeRole.make(.server, inputs, catalog: catalog)
    let agent = K3sNodeRole.make(.agent, inputs, catalog: catalog)
    let gpu = GPURoles.host(inputs)

    var plays: [Play] = []
    plays.append(
      Play(
        "prepare hosts", hosts: selectedNames,
        roles: [HostRoles.prerequisites(inputs), HostRoles.tailscale(inputs)]))
    if inputs.selected.contains(first.name) {
      plays.append(Play("first server", hosts: [first.name], roles: [server, gpu]))
    } else if selected.contains(where: { $0.role != nil }) {
      // Joining hosts need the tokens; read them without changing the first server.
      plays.append(
        Play(
          "read the cluster tokens", hosts: [first.name],
          roles: [
            Role("cluster_token") { _ in
              [
                TaskSpec(
                  "read the cluster token",
                  Fetch(K3sNodeRole.tokenPath, as: "token", secret: true, optional: true)),
                TaskSpec(
                  "read the agent token",
                  Fetch(
                    AgentToken.tokenPath, as: AgentToken.tokenFact, secret: true, optional: true)),
                TaskSpec(
                  "read the agent token password",
                  Fetch(
                    AgentToken.passwordPath, as: AgentToken.passwordFact, secret: true,
                    optional: true)),
              ].map { $0.tagged("k3s", "k3s_server", "k3s_agent") } + [
                ClusterRoles.readKubeconfig()
              ]
            }
          ]))
    }
    let joining = inputs.servers.dropFirst().map(\.name).filter(inputs.selected.contains)
    if !joining.isEmpty {
      plays.append(
        Play("joining servers", hosts: joining, roles: [server, gpu], strategy: .serial(1)))
    }
    let agents = inputs.agents.map(\.name).filter(inputs.selected.contains)
    if !agents.isEmpty {
      plays.append(Play(agentsPlayName, hosts: agents, roles: [agent, gpu]))
    }
    if inputs.selected.contains(first.name) || inputs.includeClusterSide {
      let nodes = selected.filter { $0.role != nil }
      let roles = [
        ClusterRoles.ready(inputs, nodes: nodes), ClusterRoles.nodeConfig(inputs, nodes: nodes),
        GPURoles.cluster(inputs, gpuNodes: inputs.nodes.filter(\.gpu)), FluxRole.make(inputs),
      ]
      plays.append(Play("cluster", hosts: [ClusterRoles.apiHost(inputs)], roles: roles))
    }
    return plays
  }
}
