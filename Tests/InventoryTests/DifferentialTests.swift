import ClusterMgrTesting
import CustomDump
import Foundation
import Inventory
import OrderedCollections
import Testing

/// `cluster-mgr inventory` against `ansible-inventory` over a corpus: the four examples plus
/// the fixtures in `Fixtures/differential` (nesting, vars files and directories, precedence
/// conflicts, k3s-ansible's and Kubani's layouts, YAML typing, anchors, ranges, CRLF, ...).
@Suite struct DifferentialTests {
  static var corpus: [String] {
    Fixtures.examples.map(Fixtures.example)
      + Fixtures.differentialCases.map { Fixtures.path("differential/\($0)/hosts.yml") }
  }

  /// The oracle is the pair that scripts/setup installs from the lock: its answers are only
  /// comparable between machines when both run the same ansible-core and PyYAML.
  @Test func theOracleIsThePinnedPair() throws {
    let versions = try Ansible.versions()
    print("differential oracle: ansible-core \(versions.ansibleCore), PyYAML \(versions.pyYAML)")
    #expect(try Ansible.pinnedVersion("ansible-core") == versions.ansibleCore)
    #expect(try Ansible.pinnedVersion("pyyaml") == versions.pyYAML)
  }

  /// Two mappings of one merge list set the same key. cluster-mgr takes the first (the YAML merge
  /// rule) and warns; the pinned pair (ansible-core 2.19.14 with PyYAML 6.0.4) takes the last.
  /// A documented difference (docs/inventory.md, "Differences from Ansible").
  @Test func aMergeListConflictTakesTheFirstMappingAndWarns() throws {
    let inventory = Fixtures.path("oracle/merge-list-conflict.yml")
    let ansible = try Ansible.inventory(["-i", inventory, "--host", "w3"])
    try #require(ansible.status == 0, "ansible-inventory: \(ansible.stderr)")
    #expect(try JSONText.parse(ansible.stdout).value(at: ["reserved_memory"]) == .string("1Gi"))
    let ours = try CLI.run(["inventory", "-i", inventory, "--host", "w3"])
    try #require(ours.status == 0, "cluster-mgr: \(ours.stderr)")
    #expect(try JSONText.parse(ours.stdout).value(at: ["reserved_memory"]) == .string("2Gi"))
    #expect(try JSONText.parse(ours.stdout).value(at: ["extra"]) == .bool(true))
    #expect(
      ours.stderr.contains(
        "merge-list-conflict.yml:10:7: warning: 'reserved_memory' is set by more than one mapping"))
    #expect(ours.stderr.contains("takes the first, \"2Gi\""))
    #expect(ours.stderr.contains("usually takes the last, \"1Gi\""))
  }

  @Test func corpusIsLargeEnough() {
    #expect(Self.corpus.count >= 15, "the differential corpus must hold at least 15 inventories")
  }

  @Test(arguments: corpus)
  func listMatchesAnsible(_ inventory: String) throws {
    let ansible = try Ansible.inventory(["-i", inventory, "--list"])
    try #require(ansible.status == 0, "ansible-inventory failed on \(inventory): \(ansible.stderr)")
    let ours = try CLI.run(["inventory", "-i", inventory, "--list"])
    try #require(ours.status == 0, "cluster-mgr failed on \(inventory): \(ours.stderr)")
    let expected = try JSONText.parse(ansible.stdout)
    let actual = try JSONText.parse(ours.stdout)
    if !actual.isEquivalent(to: expected) {
      expectNoDifference(ours.stdout, ansible.stdout, "--list differs for \(inventory)")
    }
    #expect(actual.isEquivalent(to: expected))
  }

  @Test(arguments: corpus)
  func graphAndHostsMatchAnsible(_ inventory: String) throws {
    let ansibleGraph = try Ansible.inventory(["-i", inventory, "--graph"])
    let ourGraph = try CLI.run(["inventory", "-i", inventory, "--graph"])
    expectNoDifference(ourGraph.stdout, ansibleGraph.stdout, "--graph differs for \(inventory)")
    let list = try JSONText.parse(try CLI.run(["inventory", "-i", inventory, "--list"]).stdout)
    let hosts = list.value(at: ["_meta", "hostvars"])?.mapValue?.keys ?? []
    for host in hosts.prefix(1) {
      let ansible = try Ansible.inventory(["-i", inventory, "--host", host])
      let ours = try CLI.run(["inventory", "-i", inventory, "--host", host])
      #expect(
        try JSONText.parse(ours.stdout).isEquivalent(to: try JSONText.parse(ansible.stdout)),
        "--host \(host) differs for \(inventory)")
    }
  }
}
