import ClusterMgrTesting
import Foundation
import Testing

/// `cluster-mgr inventory`'s command line as `ansible-inventory`'s: the group of `--graph` as a
/// bare word after any option, and the subcommands still reachable.
@Suite struct InventoryCommandTests {
  static let inventory = Fixtures.path("differential/graph-groups/hosts.yml")

  /// Every option of `inventory` that takes a value must be known to the bare-GROUP rewrite
  /// (else its value would be taken for the group): the binary's own help lists them.
  @Test func aBareGroupFollowsEveryValueOption() throws {
    let help = try CLI.run(["--experimental-dump-help"])
    let tool = try JSONSerialization.jsonObject(with: Data(help.stdout.utf8)) as? [String: Any]
    let commands = (tool?["command"] as? [String: Any])?["subcommands"] as? [[String: Any]] ?? []
    let inventory = try #require(commands.first { $0["commandName"] as? String == "inventory" })
    let options = (inventory["arguments"] as? [[String: Any]] ?? []).filter {
      $0["kind"] as? String == "option"
    }
    try #require(options.count >= 6, "inventory's options: \(options)")
    for option in options {
      for name in option["names"] as? [[String: Any]] ?? [] {
        let spelled =
          (name["kind"] as? String == "short" ? "-" : "--") + (name["name"] as? String ?? "")
        let result = try CLI.run([
          "inventory", "-i", Self.inventory, spelled, "value", "--graph", "west",
        ])
        #expect(!result.stderr.contains("Unexpected argument"), "\(spelled): \(result.stderr)")
      }
    }
  }

  @Test func theGroupIsABareWordAsInAnsible() throws {
    let bare = try CLI.run(["inventory", "--graph", "west", "-i", Self.inventory])
    let option = try CLI.run(["inventory", "-i", Self.inventory, "--graph", "--pattern", "west"])
    #expect(bare.status == 0, "\(bare.stderr)")
    #expect(bare.stdout == option.stdout)
    #expect(bare.stdout.hasPrefix("@west:\n"))
    let unknown = try CLI.run(["inventory", "-i", Self.inventory, "--graph", "nowhere"])
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("group 'nowhere' is not in"))
    let misplaced = try CLI.run(["inventory", "-i", Self.inventory, "--list", "west"])
    #expect(misplaced.status == 2)
    #expect(misplaced.stderr.contains("A GROUP only goes with --graph."))
  }

  @Test func subcommandsAreStillSubcommands() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write(
      "hosts.yml", try String(contentsOfFile: Self.inventory, encoding: .utf8))
    let added = try CLI.run(["inventory", "add-host", "n1", "--group", "west", "-i", path])
    #expect(added.status == 0, "\(added.stderr)")
    let removed = try CLI.run(["inventory", "-i", path, "remove-host", "n1"])
    #expect(removed.status == 0, "\(removed.stderr)")
  }
}
