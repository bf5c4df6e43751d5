import Foundation
import Inventory
import OrderedCollections
import Testing

/// Every validation rule, with the position it reports.
@Suite struct ValidationTests {
  static func diagnostics(_ text: String) throws -> [InventoryDiagnostic] {
    InventoryValidator.validate(try InventoryLoader.load(path: "hosts.yml", text: text))
  }

  static func find(_ code: String, in diagnostics: [InventoryDiagnostic]) -> InventoryDiagnostic? {
    diagnostics.first { $0.code == code }
  }

  @Test func cleanExamplesHaveNoDiagnostics() throws {
    for example in Fixtures.examples {
      let inventory = try InventoryLoader.load(path: Fixtures.example(example))
      #expect(InventoryValidator.validate(inventory).isEmpty, "\(example)")
    }
  }

  @Test func clusterSettingsAreReadWhereverEveryClusterHostGetsThem() throws {
    let text = """
      all:
        vars: {cluster_name: home}
        children:
          k3s_cluster:
            vars: {k3s_version: v1.32.0+k3s1, token: sekrit-value}
            children:
              control_plane:
                hosts:
                  cp1: {tailscale_ip: 100.64.0.1}
              workers:
                hosts:
                  w1: {tailscale_ip: 100.64.0.2}
          printers:
            hosts:
              p1: {tailscale_ip: 100.64.0.9, k3s_version: v1.30.0+k3s1}

      """
    let inventory = try InventoryLoader.load(path: "hosts.yml", text: text)
    #expect(InventoryValidator.validate(inventory).filter(\.isError).isEmpty)
    let settings = inventory.clusterSettings
    #expect(settings.k3sVersion == "v1.32.0+k3s1", "from the cluster's group, not the default")
    #expect(settings.token == "sekrit-value")
    #expect(settings.clusterName == "home")

    let differing = try Self.diagnostics(
      text.replacingOccurrences(
        of: "w1: {tailscale_ip: 100.64.0.2}",
        with: "w1: {tailscale_ip: 100.64.0.2, k3s_version: v1.31.4+k3s1, token: other-sekrit}"))
    let conflicts = differing.filter { $0.code == "cluster-setting-differs" }
    #expect(conflicts.map(\.subject).sorted() == ["k3s_version", "token"])
    let version = try #require(conflicts.first { $0.subject == "k3s_version" })
    #expect(version.isError)
    #expect(version.message.contains("cp1: \"v1.32.0+k3s1\" from group k3s_cluster"))
    #expect(version.message.contains("w1: \"v1.31.4+k3s1\" from host w1"))
    let token = try #require(conflicts.first { $0.subject == "token" })
    #expect(!token.message.contains("sekrit"), "a secret's values are never printed")
  }

  @Test func duplicateAddressesAndNames() throws {
    let diagnostics = try Self.diagnostics(
      """
      all:
        children:
          control_plane:
            hosts:
              a: {ansible_host: 100.64.0.1, tailscale_ip: 100.64.0.1}
              B: {tailscale_ip: 100.64.0.1}
              b: {tailscale_ip: 100.64.0.300}

      """)
    let duplicate = try #require(Self.find("duplicate-address", in: diagnostics))
    #expect(duplicate.location?.description == "hosts.yml:6:27", "the address")
    #expect(duplicate.isError)
    #expect(Self.find("duplicate-host", in: diagnostics)?.location?.line == 7)
    let invalid = try #require(Self.find("invalid-value", in: diagnostics))
    #expect(invalid.message.contains("100.64.0.300"))
    #expect(invalid.location?.description == "hosts.yml:7:27")
  }

  @Test func serverCount() throws {
    let none = try Self.diagnostics("all:\n  children:\n    workers:\n      hosts:\n        w1:\n")
    #expect(Self.find("no-server", in: none)?.isError == true)
    let two = try Self.diagnostics(
      "all:\n  children:\n    control_plane:\n      hosts:\n        a:\n        b:\n")
    let even = try #require(Self.find("even-servers", in: two))
    #expect(even.severity == .warning)
    #expect(even.location?.line == 3)
    let both = try Self.diagnostics(
      "all:\n  children:\n    control_plane:\n      hosts:\n        a:\n    workers:\n      hosts:\n        a:\n"
    )
    #expect(Self.find("two-roles", in: both)?.isError == true)
  }

  @Test func k3sAnsibleGroupsAndRenamedGroups() throws {
    let renamed = try Self.diagnostics(
      """
      all:
        vars: {server_group: masters, agent_group: nodes}
        children:
          masters: {hosts: {m1: }}
          nodes: {hosts: {n1: }}

      """)
    #expect(renamed.isEmpty, "\(renamed)")
  }

  @Test func nodeSettings() throws {
    let diagnostics = try Self.diagnostics(
      """
      all:
        vars:
          k3s_version: 1.31
          cluster_cidr: 10.42.0.0/33
        children:
          control_plane:
            hosts:
              a:
                reserved_cpu: two
                reserved_memory: 4GB
                gpu: "true"
                ansible_port: 70000
                node_labels:
                  -bad: x
                node_taints:
                  - ok=1:NoSchedule
                  - bad=1:Sometimes

      """)
    let messages = diagnostics.filter(\.isError).map {
      "\($0.location!.line):\($0.location!.column) \($0.message)"
    }
    let expected = [
      "3:18 k3s_version must be a string, found number 1.31",
      "4:19 cluster_cidr: the prefix length of '10.42.0.0/33' must be 0 to 32",
      "9:25 reserved_cpu: 'two' is not a CPU quantity like 2, 1.5 or 500m",
      "10:28 reserved_memory: '4GB' is not a memory quantity like 4Gi, 512Mi or 2G",
      "11:16 gpu must be true or false, found string \"true\" (write true or false without quotes)",
      "12:25 ansible_port must be a port number from 1 to 65535",
      "14:13 label key '-bad' must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      "17:15 taint effect 'Sometimes' must be one of NoSchedule, PreferNoSchedule, NoExecute",
    ]
    #expect(messages == expected)
  }

  /// NVIDIA's device plugin v0.20.0 exits on a time-slicing config with fewer than 2 replicas.
  @Test func timeSlicingReplicasBelowTwoAreRefused() throws {
    for (replicas, refused) in [(0, true), (1, true), (2, false), (4, false)] {
      let diagnostics = try Self.diagnostics(
        "all:\n  vars:\n    gpu_time_slicing_replicas: \(replicas)\n  children:\n    control_plane:\n      hosts:\n        a:\n"
      )
      let error = diagnostics.first { $0.isError }
      #expect((error != nil) == refused, "\(replicas): \(diagnostics)")
      if let error {
        #expect(error.message.hasPrefix("gpu_time_slicing_replicas must be 2 or more"))
        #expect(error.message.contains("gpu_time_slicing_enabled: false"))
        #expect(error.location?.description == "hosts.yml:3:32")
      }
    }
  }

  @Test func checkReportsLoadErrorsAndFindings() throws {
    let broken = InventoryValidator.check(inventoryAt: Fixtures.path("nope/hosts.yml"))
    #expect(broken.inventory == nil)
    #expect(broken.diagnostics.map(\.code) == ["inventory-missing"])
    let fine = InventoryValidator.check(inventoryAt: Fixtures.example("ha"))
    #expect(fine.inventory?.hostNames.count == 5)
    #expect(fine.diagnostics.isEmpty)
  }

  @Test func k3sVersionSyntax() {
    #expect(ValueRules.k3sVersionProblem("v1.31.4+k3s1") == nil)
    #expect(ValueRules.k3sVersionProblem("v1.31.4") != nil)
    #expect(ValueRules.k3sVersionProblem("1.31.4+k3s1") != nil)
    #expect(ValueRules.k3sVersionProblem("v1.31+k3s1") != nil)
  }
}
