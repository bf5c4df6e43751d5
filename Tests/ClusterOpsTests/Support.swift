import Foundation
import Inventory
import Tailscale

@testable import ClusterOps

/// Small inventories and cluster objects for ClusterOps unit tests.
enum Fixtures {
  /// A three-host inventory: one server, two agents (one with labels, a taint and
  /// reservations), pinned to v1.31.4+k3s1.
  static let inventoryText = """
    all:
      vars:
        k3s_version: v1.31.4+k3s1
        ansible_user: lab
      children:
        control_plane:
          hosts:
            cp1:
              tailscale_ip: 100.64.0.10
        workers:
          hosts:
            w1:
              tailscale_ip: 100.64.0.11
              reserved_cpu: 250m
              reserved_memory: 512Mi
              node_labels:
                tier: web
              node_taints:
                - dedicated=web:NoSchedule
            w2:
              tailscale_ip: 100.64.0.12
    """

  /// The typed nodes and settings of ``inventoryText``.
  static func inventory() throws -> (nodes: [NodeSpec], settings: ClusterSettings) {
    let resolved = try InventoryLoader.load(path: "/tmp/fixture-hosts.yml", text: inventoryText)
    return (try resolved.nodes(), resolved.clusterSettings)
  }

  /// A Node object as the API returns it.
  static func node(
    _ name: String, version: String = "v1.31.4+k3s1", ready: Bool = true,
    labels: [String: String] = [:], annotations: [String: String] = [:],
    taints: [[String: String]] = [], roles: [String] = [], nodeArgs: [String]? = nil
  ) -> [String: Any] {
    var allLabels = labels
    for role in roles { allLabels["node-role.kubernetes.io/\(role)"] = "true" }
    var allAnnotations = annotations
    if let nodeArgs {
      let data = try! JSONSerialization.data(withJSONObject: nodeArgs)
      allAnnotations["k3s.io/node-args"] = String(decoding: data, as: UTF8.self)
    }
    return [
      "kind": "Node",
      "metadata": [
        "name": name, "labels": allLabels, "annotations": allAnnotations,
        "creationTimestamp": "2026-01-02T03:04:05Z",
      ],
      "spec": ["taints": taints],
      "status": [
        "conditions": [["type": "Ready", "status": ready ? "True" : "False"]],
        "nodeInfo": ["kubeletVersion": version, "osImage": "Debian GNU/Linux 12 (bookworm)"],
        "capacity": ["cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "0"],
        "allocatable": ["cpu": "1500m", "memory": "7Gi"],
        "addresses": [["type": "InternalIP", "address": "100.64.0.99"]],
      ],
    ]
  }

  /// A tailnet node.
  static func peer(_ name: String, ip: String, online: Bool = true) -> TailnetNode {
    TailnetNode(
      id: "n-\(name)", hostName: name, dnsName: "\(name).example.ts.net.", os: "linux",
      tailscaleIPs: [ip], online: online,
      lastSeen: online ? nil : Date(timeIntervalSince1970: 1_800_000_000))
  }

  /// The kubelet arguments provision writes for a host with the schema's default
  /// system reservations.
  static let defaultSystemReserved = "system-reserved=cpu=500m,memory=1Gi,ephemeral-storage=1Gi"
}
