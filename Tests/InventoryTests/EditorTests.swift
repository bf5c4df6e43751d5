import ClusterMgrTesting
import CustomDump
import Foundation
import Inventory
import OrderedCollections
import Testing

/// Edits of unusual layouts (library level), each compared with the exact expected text.
@Suite struct EditorTests {
  static func edit(_ text: String, _ edits: [InventoryEdit]) throws -> String {
    var editor = InventoryEditor(path: "/nonexistent/hosts.yml", text: text)
    let result = try editor.apply(edits)
    return result.changedFiles.values.first ?? text
  }

  static let base = """
    all:
      vars:
        k3s_version: "v1.31.4+k3s1"   # pinned
        cluster_name: lab
      children:
        control_plane:
          hosts:
            cp1:

    """

  @Test func keepsQuotesAndComments() throws {
    let edited = try Self.edit(
      Self.base, [.setVariable(key: "k3s_version", value: "v1.32.0+k3s1", scope: .all)])
    expectNoDifference(
      edited, Self.base.replacingOccurrences(of: "v1.31.4+k3s1", with: "v1.32.0+k3s1"))
  }

  @Test func crlfAndMissingFinalNewline() throws {
    let text = "all:\r\n  children:\r\n    control_plane:\r\n      hosts:\r\n        cp1:"
    let edited = try Self.edit(
      text, [.addHost(name: "cp2", group: "control_plane", variables: ["gpu": true])])
    #expect(edited == text + "\r\n        cp2:\r\n          gpu: true")
    let set = try Self.edit(text, [.setVariable(key: "note", value: "x", scope: .host("cp1"))])
    #expect(set == text + "\r\n          note: x")
  }

  @Test func byteOrderMarkStays() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", "\u{FEFF}" + Self.base)
    _ = try InventoryFile(path: path).apply([
      .setVariable(key: "cluster_name", value: "b", scope: .all)
    ])
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
    #expect(
      String(decoding: bytes.dropFirst(3), as: UTF8.self)
        == Self.base.replacingOccurrences(of: "cluster_name: lab", with: "cluster_name: b"))
  }

  @Test func emptyFlowAndNullContainers() throws {
    let text = """
      all:
        children:
          control_plane:
            hosts: {}   # none yet
          workers:

      """
    let edited = try Self.edit(
      text,
      [
        .addHost(name: "cp1", group: "control_plane"),
        .addHost(name: "w1", group: "workers", variables: ["ansible_host": "100.64.0.2"]),
      ])
    expectNoDifference(
      edited,
      """
      all:
        children:
          control_plane:
            hosts:   # none yet
              cp1:
          workers:
            hosts:
              w1:
                ansible_host: 100.64.0.2

      """)
  }

  @Test func flowHostsAndLabels() throws {
    let text = """
      all:
        children:
          control_plane:
            hosts:
              cp1: {ansible_host: 100.64.0.1, node_labels: {gpu: "true"}}

      """
    let edited = try Self.edit(
      text,
      [
        .setVariable(key: "node_labels.zone", value: "attic", scope: .host("cp1")),
        .setVariable(key: "ansible_host", value: "100.64.0.9", scope: .host("cp1")),
        .setVariable(key: "note", value: "a, b", scope: .host("cp1")),
        .unsetVariable(key: "node_labels.gpu", scope: .host("cp1")),
      ])
    #expect(
      edited.contains(
        "cp1: {ansible_host: 100.64.0.9, node_labels: {zone: attic}, note: \"a, b\"}"),
      "\(edited)")
  }

  @Test func removingAHostKeepsTheNextHostsComment() throws {
    let text = """
      all:
        children:
          workers:
            hosts:
              # first worker
              w1:
                ansible_host: 100.64.0.1
                # w1 only
              # second worker
              w2:
              # third worker
              w3:

      """
    let edited = try Self.edit(
      text + "    control_plane:\n      hosts:\n        cp:\n", [.removeHost(name: "w2")])
    expectNoDifference(
      edited,
      """
      all:
        children:
          workers:
            hosts:
              # first worker
              w1:
                ansible_host: 100.64.0.1
                # w1 only
              # third worker
              w3:
          control_plane:
            hosts:
              cp:

      """)
  }

  @Test func listsAtTheKeysIndentation() throws {
    let text = """
      all:
        children:
          control_plane:
            hosts:
              cp1:
                node_taints:
                - a=b:NoSchedule
                note: x

      """
    let edited = try Self.edit(
      text,
      [
        .unsetVariable(key: "node_taints", scope: .host("cp1")),
        .setVariable(key: "extra", value: ["p", "q"], scope: .host("cp1")),
      ])
    expectNoDifference(
      edited,
      """
      all:
        children:
          control_plane:
            hosts:
              cp1:
                note: x
                extra:
                - p
                - q

      """)
  }

  @Test func refusesAnchorsAndMergedKeys() throws {
    let text = """
      all:
        vars:
          base: &base {a: 1}
          copy: *base
          merged:
            <<: *base
            b: 2
        children:
          control_plane: {hosts: {cp1: }}

      """
    #expect(throws: InventoryError.self) {
      try Self.edit(text, [.setVariable(key: "base.a", value: 2, scope: .all)])
    }
    #expect(throws: InventoryError.self) {
      try Self.edit(text, [.unsetVariable(key: "merged.a", scope: .all)])
    }
    let fine = try Self.edit(text, [.setVariable(key: "merged.b", value: 3, scope: .all)])
    #expect(fine.contains("    b: 3"))
  }

  @Test func rejectsValuesTheSchemaRejects() throws {
    #expect(throws: InventoryError.self) {
      try Self.edit(Self.base, [.setVariable(key: "k3s_version", value: "1.31", scope: .all)])
    }
    #expect(throws: InventoryError.self) {
      try Self.edit(Self.base, [.setVariable(key: "k3s_version.minor", value: 1, scope: .all)])
    }
    #expect(throws: InventoryError.self) {
      try Self.edit(Self.base, [.setVariable(key: "cluster_name.x", value: 1, scope: .all)])
    }
  }

  @Test func variablesLiveWhereTheyAreDefined() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", Self.base)
    try scratch.write("group_vars/all.yml", "# cluster settings\ncluster_name: from-file\n")
    try scratch.write("host_vars/cp1.yml", "note: kept\n")

    let set = try InventoryFile(path: path).apply([
      .setVariable(key: "cluster_name", value: "renamed", scope: .all)
    ])
    #expect(
      set.writtenFiles == [scratch.file("group_vars/all.yml")], "the file that wins is edited")
    #expect(try scratch.read("group_vars/all.yml") == "# cluster settings\ncluster_name: renamed\n")
    #expect(try scratch.read("hosts.yml") == Self.base)

    _ = try InventoryFile(path: path).apply([.unsetVariable(key: "cluster_name", scope: .all)])
    #expect(try scratch.read("group_vars/all.yml") == "# cluster settings\n")
    #expect(!(try scratch.read("hosts.yml")).contains("cluster_name"), "removed from every place")

    let removed = try InventoryFile(path: path).apply([
      .addHost(name: "cp2", group: "control_plane"), .removeHost(name: "cp1"),
    ])
    #expect(removed.notes.contains { $0.contains("host_vars/cp1.yml") })
  }

  @Test func asyncCallersGetTheSameWrite() async throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", Self.base)
    let result = try await InventoryFile(path: path).apply([
      .addHost(name: "cp2", group: "control_plane", variables: ["gpu": true])
    ])
    #expect(result.backups[path] == path + ".bak")
    #expect(try scratch.read("hosts.yml") == Self.base + "        cp2:\n          gpu: true\n")
    #expect(throws: InventoryError.self) {
      try InventoryFile(path: scratch.file("missing.yml")).apply([.removeHost(name: "x")])
    }
  }

  @Test func writesThroughASymbolicLink() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let real = try scratch.write("real/hosts.yml", Self.base)
    try FileManager.default.createSymbolicLink(
      atPath: scratch.file("link.yml"), withDestinationPath: real)
    let result = try CLI.run([
      "config-set", "cluster_name", "linked", "-i", scratch.file("link.yml"),
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let destination = try FileManager.default.destinationOfSymbolicLink(
      atPath: scratch.file("link.yml"))
    #expect(destination == real, "still a link")
    #expect(try scratch.read("real/hosts.yml").contains("cluster_name: linked"))
  }
}

/// config-get and config-set behaviour through the binary.
@Suite struct ConfigCommandTests {
  @Test func getShowsEffectiveValuesDefaultsAndSources() throws {
    let path = Fixtures.path("differential/vars-files/hosts.yml")
    let fromFile = try CLI.run(["config-get", "override_me", "--scope", "w1", "-i", path])
    #expect(fromFile.stdout == "host_vars/w1\n")
    let group = try CLI.run(["config-get", "override_me", "--scope", "workers", "-i", path])
    #expect(group.stdout == "group_vars/workers\n")
    let defaulted = try CLI.run(["config-get", "cluster_cidr", "-i", path, "--output", "json"])
    let json = try JSONText.parse(defaulted.stdout)
    #expect(json.value(at: ["value"]) == "10.42.0.0/16")
    #expect(json.value(at: ["source"]) == "default")
    let nested = try CLI.run(["config-get", "host_only.nested.deep", "--scope", "w1", "-i", path])
    #expect(nested.stdout == "1\n")
    let missing = try CLI.run(["config-get", "nope", "-i", path])
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("nope is not set at all"))
  }

  @Test func secretsAreHiddenUnlessRevealed() throws {
    let path = Fixtures.path("differential/k3s-ansible/hosts.yml")
    let hidden = try CLI.run(["config-get", "token", "--scope", "k3s_cluster", "-i", path])
    #expect(hidden.stdout == "(secret)\n")
    let shown = try CLI.run([
      "config-get", "token", "--scope", "k3s_cluster", "--reveal", "-i", path,
    ])
    #expect(shown.stdout == "changeme!\n")
  }

  @Test func setTypesDryRunAndNoOps() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let original = try String(contentsOfFile: Fixtures.example("minimal"), encoding: .utf8)
    let path = try scratch.write("hosts.yml", original)

    let dry = try CLI.run([
      "config-set", "gpu", "yes", "--scope", "desktop", "--dry-run", "-i", path,
    ])
    #expect(dry.status == 0)
    #expect(
      dry.stdout.contains("+          gpu: true"), "known key typed as boolean: \(dry.stdout)")
    #expect(try scratch.read("hosts.yml") == original)
    #expect(!FileManager.default.fileExists(atPath: path + ".bak"))

    let noop = try CLI.run(["config-set", "never_set", "--unset", "-i", path])
    #expect(noop.status == 0)
    #expect(noop.stdout.contains("not set at all; nothing to change"))
    #expect(!FileManager.default.fileExists(atPath: path + ".bak"))

    let secret = try CLI.run(["config-set", "token", "s3cr3t", "--dry-run", "-i", path])
    #expect(secret.stdout.contains("+    token: (secret)"), "\(secret.stdout)")
    #expect(!secret.stdout.contains("s3cr3t"))

    let bad = try CLI.run(["config-set", "k3s_version", "latest", "-i", path])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("is not a K3s release like v1.31.4+k3s1"))

    let typed = try CLI.run(["config-set", "replicas", "3", "--type", "int", "-i", path])
    #expect(typed.status == 0)
    #expect(try InventoryLoader.load(path: path).group("all")?.variables["replicas"]?.value == 3)

    let ambiguous = try CLI.run(["config-set", "x", "1", "--scope", "nosuch", "-i", path])
    #expect(ambiguous.status == 2)
    #expect(ambiguous.stderr.contains("scope 'nosuch' is neither"))
  }
}
