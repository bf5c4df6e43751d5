import Foundation
import Inventory
import OrderedCollections
import Testing

@testable import ClusterOps

/// `export`: Node objects read back into hosts, groups, labels, taints and reservations, and the
/// inventory that comes out loads as the one that built the cluster.
struct ExportTests {
  static let managed = [
    "cluster-mgr.io/managed-labels": "node-role.kubernetes.io/worker,tier",
    "cluster-mgr.io/managed-taints": "dedicated:NoSchedule",
  ]

  static func worker() -> [String: Any] {
    Fixtures.node(
      "w1", labels: ["tier": "web", "node-role.kubernetes.io/worker": "true", "other": "x"],
      annotations: managed,
      taints: [
        ["key": "dedicated", "value": "web", "effect": "NoSchedule"],
        ["key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"],
      ],
      nodeArgs: [
        "agent", "--node-ip", "100.64.0.11", "--kubelet-arg",
        "kube-reserved=cpu=250m,memory=512Mi,ephemeral-storage=1Gi", "--kubelet-arg",
        Fixtures.defaultSystemReserved, "--token", "********",
      ])
  }

  static func server(_ name: String, args: [String]) -> [String: Any] {
    Fixtures.node(name, roles: ["control-plane", "master", "etcd"], nodeArgs: ["server"] + args)
  }

  @Test func nodeArgumentsAreReadAsFlagsAndValues() {
    let args = NodeArguments(
      json: #"["server","--tls-san","a","--tls-san","b","--cluster-init","--node-label+=x=y"]"#)
    #expect(args.values["tls-san"] == ["a", "b"])
    #expect(args.value("cluster-init") == "true")
    #expect(args.value("node-label") == "x=y")
    #expect(NodeArguments(json: "not json").values.isEmpty)
  }

  @Test func aNodeGivesWhatClusterMgrOwnsOnIt() {
    let node = ExportedNode(Self.worker())
    #expect(!node.isServer)
    #expect(node.labels == ["tier": "web"])  // the worker role is implied, `other` is not ours
    #expect(node.taints == ["dedicated=web:NoSchedule"])
    #expect(
      node.reservationVariables == [
        "reserved_cpu": .string("250m"), "reserved_memory": .string("512Mi"),
      ])
    let gpu = ExportedNode(
      Fixtures.node(
        "g1", labels: ["nvidia.com/gpu.present": "true"],
        annotations: ["cluster-mgr.io/managed-labels": "nvidia.com/gpu.present"]))
    #expect(gpu.gpu && gpu.labels.isEmpty)
  }

  @Test func theServerThatStartedTheClusterComesFirst() {
    let cluster = ExportedCluster(
      nodes: [
        Self.server("b", args: ["--server", "https://100.64.0.99:6443"]).exported,
        Self.server("a", args: ["--server", "https://100.64.0.99:6443"]).exported,
        Self.server("c", args: ["--cluster-init", "true"]).exported,
      ], flux: nil, devicePlugin: nil)
    let export = ExportInventory(
      cluster: cluster, clusterName: "homelab", user: nil, keyFile: nil, tailnetAddresses: [:],
      nvidiaRepository: nil)
    #expect(export.servers.map(\.name) == ["c", "a", "b"])
  }

  @Test func theInventoryLoadsWithTheSameHostsGroupsAndSettings() throws {
    var first = Self.server(
      "cp1",
      args: [
        "--cluster-init", "true", "--cluster-cidr", "10.52.0.0/16", "--https-listen-port", "7443",
        "--tls-san", "100.64.0.10", "--tls-san", "cp1.example.ts.net", "--tls-san",
        "k8s.home.example", "--disable", "traefik",
      ])
    first["status"] = (first["status"] as? [String: Any] ?? [:]).merging(
      ["addresses": [["type": "InternalIP", "address": "100.64.0.10"]]]) { $1 }
    let cluster = ExportedCluster(
      nodes: [first.exported, Self.worker().exported],
      flux: .init(
        url: "ssh://git@github.com/me/homelab", branch: "main", path: "./clusters/home",
        knownHosts: "github.com ssh-ed25519 AAAA", version: "v2.9.4"),
      devicePlugin: .init(timeSlicingReplicas: 4, version: "v0.20.0"))
    let export = ExportInventory(
      cluster: cluster, clusterName: "homelab", user: "lab", keyFile: "/k/id",
      tailnetAddresses: ["cp1": "100.64.0.10", "w1": "100.64.0.11"], nvidiaRepository: nil)
    var editor = InventoryEditor(path: "/tmp/export.yml", files: ["/tmp/export.yml": "all:\n"])
    let inventory = try editor.apply(export.edits()).inventory
    let nodes = try inventory.nodes()
    #expect(nodes.map(\.name) == ["cp1", "w1"])
    #expect(nodes.map(\.role) == [.server, .agent])
    #expect(nodes[1].labels == ["tier": "web"])
    #expect(nodes[1].taints.map(\.description) == ["dedicated=web:NoSchedule"])
    #expect(nodes[1].reservedCPU == "250m" && nodes[1].reservedMemory == "512Mi")
    #expect(nodes[1].tailscaleIP == "100.64.0.11")
    let settings = inventory.clusterSettings
    #expect(settings.clusterCIDR == "10.52.0.0/16")
    #expect(settings.apiPort == 7443)
    #expect(settings.apiEndpoint == "k8s.home.example")
    #expect(settings.gitRepoURL == "ssh://git@github.com/me/homelab")
    #expect(settings.gitPath == "./clusters/home")
    #expect(settings.gpuTimeSlicingEnabled && settings.gpuTimeSlicingReplicas == 4)
    #expect(export.warnings().contains { $0.contains("cp1 runs K3s with --disable") })
  }

  @Test func theClusterIsReadFromTheScriptsSections() throws {
    let nodes = try JSONSerialization.data(withJSONObject: ["items": [Self.worker()]])
    let output = """
      @@cm-export nodes
      \(String(decoding: nodes, as: UTF8.self))
      @@cm-export gitrepository
      {"spec": {"url": "https://example.com/repo.git", "ref": {"branch": "prod"}}}
      @@cm-export kustomization
      {"spec": {"path": "./gitops"}}
      @@cm-export fluxknownhosts
      \(Data("example.com ssh-ed25519 AAAA\n".utf8).base64EncodedString())
      @@cm-export fluxcrd
      null
      @@cm-export deviceconfig
      {"data": {"config.yaml": "version: v1\\nsharing:\\n  timeSlicing:\\n    resources:\\n      - name: nvidia.com/gpu\\n        replicas: 3\\n"}}
      @@cm-export deviceplugin
      null
      """
    let cluster = try ExportedCluster(output: output)
    #expect(cluster.nodes.map(\.name) == ["w1"])
    #expect(cluster.flux?.branch == "prod")
    #expect(cluster.flux?.knownHosts == "example.com ssh-ed25519 AAAA")
    #expect(cluster.devicePlugin?.timeSlicingReplicas == 3)
  }
}

extension Dictionary where Key == String, Value == Any {
  /// The node read as `export` reads it.
  var exported: ExportedNode { ExportedNode(self) }
}
