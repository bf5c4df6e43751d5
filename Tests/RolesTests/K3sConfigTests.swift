import Engine
import Foundation
import Inventory
import Testing
import Yams

@testable import Roles

/// What the K3s roles write into config.yaml and its registration drop-in, read back as K3s
/// reads it (keys and lists).
@Suite struct K3sConfigTests {
  static let inventory = """
    all:
      vars:
        api_port: 6445
      children:
        control_plane:
          hosts:
            cp: {tailscale_ip: 100.64.0.1}
        workers:
          hosts:
            w1:
              tailscale_ip: 100.64.0.2
              reserved_cpu: 500m
              node_labels: {tier: lab}
              node_taints: [dedicated=lab:NoSchedule]
              k3s_agent_args:
                node-taint: ["CriticalAddonsOnly=true:NoExecute"]
                kubelet-arg: ["max-pods=50"]

    """

  static func inputs(_ text: String = inventory) throws -> ProvisionInputs {
    let loaded = try InventoryLoader.load(path: "hosts.yml", text: text)
    return ProvisionInputs(
      nodes: try loaded.nodes(), settings: loaded.clusterSettings,
      roleFiles: RoleFiles(root: URL(fileURLWithPath: "/nonexistent")))
  }

  /// The config.yaml of `host` as a mapping.
  static func config(_ host: String, _ inputs: ProvisionInputs) throws -> [String: Any] {
    let node = try #require(inputs.nodes.first { $0.name == host })
    let role = try #require(node.role)
    let text = try K3sNodeRole.configuration(
      role, node: node, isFirst: role == .server, token: "t", inputs: inputs,
      facts: FactStore.Snapshot(byHost: [:]))
    return try #require(try Yams.load(yaml: text) as? [String: Any])
  }

  @Test func registrationLabelsAndTaintsAppendToConfigYAMLs() throws {
    let node = try #require(try Self.inputs().nodes.first { $0.name == "w1" })
    let dropIn = try #require(
      try Yams.load(yaml: try K3sNodeRole.registration(node)) as? [String: Any])
    #expect(Set(dropIn.keys) == ["node-label+", "node-taint+"])
    #expect(dropIn["node-taint+"] as? [String] == ["dedicated=lab:NoSchedule"])
    #expect(dropIn["node-label+"] as? [String] == ["tier=lab"])
    // The extras' taint stays in config.yaml, where the drop-in's `+` adds to it.
    let config = try Self.config("w1", try Self.inputs())
    #expect(config["node-taint"] as? [String] == ["CriticalAddonsOnly=true:NoExecute"])
  }

  @Test func kubeletArgsFromExtrasAddToTheReservations() throws {
    let args = try Self.config("w1", try Self.inputs())["kubelet-arg"] as? [String]
    #expect(
      args == [
        "kube-reserved=cpu=500m,ephemeral-storage=1Gi",
        "system-reserved=cpu=500m,memory=1Gi,ephemeral-storage=1Gi", "max-pods=50",
      ])
  }

  @Test func serversListenOnTheAPIPort() throws {
    let inputs = try Self.inputs()
    #expect(try Self.config("cp", inputs)["https-listen-port"] as? Int == 6445)
    #expect(try Self.config("w1", inputs)["server"] as? String == "https://100.64.0.1:6445")
    let defaultPort = try Self.inputs(Self.inventory.replacingOccurrences(of: "6445", with: "6443"))
    #expect(try Self.config("cp", defaultPort)["https-listen-port"] == nil)
  }
}
