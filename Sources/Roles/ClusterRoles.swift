import Basics
import Engine
import Foundation
import Inventory
import OrderedCollections

/// Roles that work through the cluster's Kubernetes API (from the workstation, see
/// ``ClusterAPIAccess``), run by the engine as API tasks of the `cluster` play.
public enum ClusterRoles {
  /// The fact holding the first server's admin kubeconfig (secret).
  public static let kubeconfigFact = "kubeconfig"
  /// Where K3s writes it on a server.
  static let kubeconfigPath = "/etc/rancher/k3s/k3s.yaml"
  /// The name the cluster's API goes by in plays, results and the recap.
  public static let apiHost = "cluster"

  /// The pseudo-host of the cluster play: ``apiHost``, unless an inventory host has that name.
  static func apiHost(_ inputs: ProvisionInputs) -> String {
    inputs.nodes.contains { $0.name == apiHost } ? "\(apiHost)-api" : apiHost
  }

  /// Reads the admin kubeconfig on the first server (in its probe, or right after this run's
  /// changes started K3s), for the API tasks and the workstation's ~/.kube/config. Tagged
  /// `always`: a run limited to other tags (`--tags gpu`) still reaches the API (a read only;
  /// the workstation's kubeconfig is merged only when ``mergeTags`` are selected).
  static func readKubeconfig() -> TaskSpec {
    TaskSpec(
      "read the admin kubeconfig",
      Fetch(kubeconfigPath, as: kubeconfigFact, secret: true, optional: true)
    ).tagged("kubeconfig", "always")
  }

  /// The tags that select merging the cluster into the workstation's kubeconfig (those the
  /// read carried before it was `always`: its own and the first server's role's).
  public static let mergeTags: Set<String> = ["kubeconfig", "k3s", "k3s_server"]

  /// Every selected node Ready with the pinned kubelet version (the running one, via the API).
  static func ready(_ inputs: ProvisionInputs, nodes: [NodeSpec]) -> Role {
    Role("cluster_ready", tags: ["k3s"]) { context in
      guard let reads = reads(inputs, context) else { return [] }
      // A host that failed earlier in this run is reported there; waiting for it here would
      // only add minutes.
      return nodes.filter { !context.facts.droppedHosts.contains($0.name) }.map {
        TaskSpec(
          "\($0.name) Ready with kubelet \(inputs.settings.k3sVersion)",
          APIWait.nodeReady(
            $0.name, version: inputs.settings.k3sVersion, timeoutSeconds: 300, reads: reads))
      }
    }
  }

  /// Labels and taints reconciled through the API (added, changed and removed; ownership kept
  /// in annotations). Reservations are kubelet settings in each node's config.yaml.
  static func nodeConfig(_ inputs: ProvisionInputs, nodes: [NodeSpec]) -> Role {
    Role("node_config", tags: ["node_config", "labels"]) { context in
      guard let reads = reads(inputs, context) else { return [] }
      return nodes.filter { !context.facts.droppedHosts.contains($0.name) }.map { node in
        TaskSpec(
          "\(node.name) labels and taints",
          NodeLabelsAndTaints(
            node: node.name, labels: declaredLabels(node), taints: node.taints.map(\.description),
            reads: reads))
      }
    }
  }

  /// The labels provision sets on a node: its `node_labels`, plus the worker role on agents and
  /// `nvidia.com/gpu.present=true` on GPU hosts unless declared.
  static func declaredLabels(_ node: NodeSpec) -> [(key: String, value: String)] {
    var labels = Array(node.labels.map { (key: $0.key, value: $0.value) })
    if node.role == .agent, node.labels["node-role.kubernetes.io/worker"] == nil {
      labels.append((key: "node-role.kubernetes.io/worker", value: "true"))
    }
    if node.gpu, node.labels["nvidia.com/gpu.present"] == nil {
      labels.append((key: "nvidia.com/gpu.present", value: "true"))
    }
    return labels
  }

  /// A role's reads of the API; nil when the first server failed earlier in this run (the
  /// cluster side is not reached then).
  static func reads(_ inputs: ProvisionInputs, _ context: RoleContext) -> KubeReads? {
    if let first = inputs.firstServer, context.facts.droppedHosts.contains(first.name) {
      return nil
    }
    return KubeReads(inputs, context: context)
  }
}
