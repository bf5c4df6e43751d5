import Foundation
import Inventory
import OrderedCollections
import Testing

/// The typed model: NodeSpec per host and ClusterSettings with defaults.
@Suite struct NodeModelTests {
  @Test func kubaniLayout() throws {
    let inventory = try InventoryLoader.load(path: Fixtures.path("differential/kubani/hosts.yml"))
    let nodes = try inventory.nodes()
    #expect(nodes.map(\.name) == ["nuc", "desktop", "dgx-spark"])
    #expect(nodes.map(\.role) == [.server, .agent, .agent])
    let dgx = nodes[2]
    #expect(dgx.address == "100.64.0.3")
    #expect(dgx.user == "al")
    #expect(dgx.port == 22)
    #expect(dgx.gpu)
    #expect(dgx.reservedCPU == "4")
    #expect(dgx.reservedMemory == "8Gi")
    #expect(dgx.systemReservedMemory == "1Gi")
    #expect(dgx.labels == ["node-type": "gpu", "nvidia.com/gpu": "true"])
    #expect(dgx.taints == [NodeTaint(key: "nvidia.com/gpu", value: "true", effect: .noSchedule)])
    #expect(dgx.variables["ansible_python_interpreter"] == "/usr/bin/python3")
    let settings = inventory.clusterSettings
    #expect(settings.k3sVersion == "v1.28.5+k3s1")
    #expect(settings.gitopsEnabled, "a repository URL turns GitOps on")
    #expect(settings.gitRepoURL == "https://github.com/example/homelab-gitops")
    #expect(settings.apiPort == 6443)
  }

  @Test func k3sAnsibleLayout() throws {
    let inventory = try InventoryLoader.load(
      path: Fixtures.path("differential/k3s-ansible/hosts.yml"))
    let nodes = try inventory.nodes()
    #expect(nodes.map(\.role) == [.server, .agent, .agent])
    #expect(nodes[0].user == "debian")
    #expect(nodes[0].address == "192.16.35.11", "no ansible_host: the name is the address")
    let settings = inventory.clusterSettings
    #expect(settings.token == "changeme!", "set on k3s_cluster, the group of every cluster host")
    #expect(inventory.node("192.16.35.12")?.variables["token"] == "changeme!")
    #expect(settings.clusterName == "homelab", "default")
    #expect(settings.clusterCIDR == "10.42.0.0/16")
    #expect(settings.gpuTimeSlicingReplicas == 4)
    #expect(!settings.gitopsEnabled)
  }

  @Test func taintStrings() throws {
    #expect(
      try NodeTaint.parse("a=b:NoSchedule").get()
        == NodeTaint(key: "a", value: "b", effect: .noSchedule))
    #expect(try NodeTaint.parse("example.com/x:NoExecute").get().value == nil)
    #expect((try? NodeTaint.parse("a=b").get()) == nil)
    #expect(
      NodeTaint(key: "k", value: "v", effect: .preferNoSchedule).description
        == "k=v:PreferNoSchedule")
  }

  @Test func becomePasswordStaysOutOfDescriptions() throws {
    let inventory = try InventoryLoader.load(
      path: "hosts.yml",
      text:
        "all:\n  children:\n    control_plane:\n      hosts:\n        a: {ansible_become_pass: hunter2}\n"
    )
    let node = try #require(inventory.node("a"))
    #expect(node.becomePassword == "hunter2")
    #expect(!node.description.contains("hunter2"))
  }

  @Test func variablePaths() throws {
    #expect(try VariablePath.parse("k3s_version") == ["k3s_version"])
    #expect(try VariablePath.parse("a.b.c") == ["a", "b", "c"])
    #expect(
      try VariablePath.parse("node_labels.nvidia.com/gpu") == ["node_labels", "nvidia.com/gpu"])
    #expect(try VariablePath.parse("x.\"a.b\"") == ["x", "a.b"])
    #expect(throws: InventoryError.self) { try VariablePath.parse("a..b") }
  }
}
