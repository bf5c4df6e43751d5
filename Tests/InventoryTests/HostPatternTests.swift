import ClusterMgrTesting
import Foundation
import Inventory
import OrderedCollections
import Testing

/// `--limit` patterns: the same hosts as `ansible PATTERN --list-hosts`, in inventory order.
@Suite struct HostPatternTests {
  static let inventoryPath = Fixtures.path("differential/nesting/hosts.yml")

  static let patterns = [
    "all", "gpu", "g1", "rack*", "g?", "gpu:cpu", "gpu,cpu", "site:&monitoring", "site:!gpu",
    "all:!rack2", "~[gm]\\d", "gpu[0]", "gpu[1:]", "gpu[-1]", "!g1", "&monitoring", "monitoring:c*",
  ]

  @Test(arguments: patterns)
  func sameHostsAsAnsible(_ pattern: String) throws {
    let inventory = try InventoryLoader.load(path: Self.inventoryPath)
    let ours = try inventory.selectHosts(pattern)
    let tool = Repository.venvTool("ansible")
    try #require(
      FileManager.default.isExecutableFile(atPath: tool), "run scripts/setup: \(tool) missing")
    let result = try ProcessRunner.run(
      [tool, "-i", Self.inventoryPath, pattern, "--list-hosts"],
      environment: ["LC_ALL": "C.UTF-8", "ANSIBLE_HOME": NSTemporaryDirectory() + "ansible-home"],
      currentDirectory: NSTemporaryDirectory())
    try #require(result.status == 0, "ansible: \(result.stderr)")
    let theirs = result.stdout.split(separator: "\n").dropFirst().map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    #expect(Set(ours) == Set(theirs), "\(pattern): ours \(ours), ansible \(theirs)")
    #expect(ours.count == Set(ours).count, "no duplicates")
  }

  @Test func orderFollowsTheInventory() throws {
    let inventory = try InventoryLoader.load(path: Self.inventoryPath)
    #expect(try inventory.selectHosts("cpu:gpu") == ["c1", "g1", "g2"])
    #expect(try inventory.selectHosts("site") == ["g1", "g2", "c1"])
  }

  @Test func unknownNamesAreErrors() throws {
    let inventory = try InventoryLoader.load(path: Self.inventoryPath)
    #expect(throws: InventoryError.self) { try inventory.selectHosts("gpu:nosuchgroup") }
    #expect(throws: InventoryError.self) { try inventory.selectHosts("lab-w*") }
    #expect(throws: InventoryError.self) { try inventory.selectHosts("") }
  }
}
