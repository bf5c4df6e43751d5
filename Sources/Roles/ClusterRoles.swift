import Basics
import Engine
import Foundation
import Inventory
import OrderedCollections

/// Roles that work through the Kubernetes API on the first server.
enum ClusterRoles {
  /// Every selected node Ready with the pinned kubelet version (the running one, via the API).
  static func ready(_ inputs: ProvisionInputs, nodes: [NodeSpec]) -> Role {
    Role("cluster_ready", tags: ["k3s"]) { context in
      // A host that failed earlier in this run is reported there; waiting for it here would
      // only add minutes.
      nodes.filter { !context.facts.droppedHosts.contains($0.name) }.map {
        Task(
          "\($0.name) Ready with kubelet \(inputs.settings.k3sVersion)",
          NodeReady(node: $0.name, version: inputs.settings.k3sVersion, timeoutSeconds: 300))
      }
    }
  }

  /// Labels and taints reconciled through the API (added, changed and removed; ownership kept
  /// in annotations). Reservations are kubelet settings in each node's config.yaml.
  static func nodeConfig(_ inputs: ProvisionInputs, nodes: [NodeSpec]) -> Role {
    Role("node_config", tags: ["node_config", "labels"]) { context in
      nodes.filter { !context.facts.droppedHosts.contains($0.name) }.map { node in
        var labels = Array(node.labels.map { (key: $0.key, value: $0.value) })
        if node.role == .agent, node.labels["node-role.kubernetes.io/worker"] == nil {
          labels.append((key: "node-role.kubernetes.io/worker", value: "true"))
        }
        if node.gpu, node.labels["nvidia.com/gpu.present"] == nil {
          labels.append((key: "nvidia.com/gpu.present", value: "true"))
        }
        return Task(
          "\(node.name) labels and taints",
          NodeMetadata(node: node.name, labels: labels, taints: node.taints.map(\.description)))
      }
    }
  }

  /// The admin kubeconfig, read from the first server for the workstation's ~/.kube/config.
  static func kubeconfig() -> Role {
    Role("kubeconfig", tags: ["kubeconfig"]) { _ in
      [
        Task(
          "read the admin kubeconfig",
          Fetch("/etc/rancher/k3s/k3s.yaml", as: "kubeconfig", secret: true, optional: true))
      ]
    }
  }
}
