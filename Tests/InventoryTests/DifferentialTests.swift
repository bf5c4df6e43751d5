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
    for host in hosts.prefix(4) {
      let ansible = try Ansible.inventory(["-i", inventory, "--host", host])
      let ours = try CLI.run(["inventory", "-i", inventory, "--host", host])
      #expect(
        try JSONText.parse(ours.stdout).isEquivalent(to: try JSONText.parse(ansible.stdout)),
        "--host \(host) differs for \(inventory)")
    }
  }
}
