import ClusterMgrTesting
import Foundation
import Inventory
import Testing

/// The documented differences from `ansible-inventory` (docs/inventory.md, "Differences from
/// Ansible"): each asserts what cluster-mgr does, the message it gives, and that the pinned
/// Ansible still does the other thing (so a difference that disappears is noticed).
@Suite struct DeliberateDifferenceTests {
  /// Where cluster-mgr stops and Ansible goes on.
  struct Refusal: CustomTestStringConvertible, Sendable {
    var file: String
    /// `line:col` of the one error.
    var position: String
    /// Words cluster-mgr's message must hold, Ansible's behaviour among them.
    var words: [String]
    /// What Ansible's `--list` must hold instead (it accepts the file).
    var ansibleList: [String]
    var testDescription: String { file }
  }

  static let refusals: [Refusal] = [
    Refusal(
      file: "duplicate-key.yml", position: "6:5",
      words: ["duplicate key 'w1'", "Ansible warns and keeps the last value"],
      ansibleList: ["\"role\": \"second\""]),
    Refusal(
      file: "duplicate-key.json", position: "1:38",
      words: ["duplicate key 'port'", "Ansible keeps the last value"],
      ansibleList: ["\"port\": 2"]),
    Refusal(
      file: "typed-key-collision.yml", position: "6:9",
      words: ["once typed it is the same key as '1'", "Ansible warns and keeps the last value"],
      ansibleList: ["\"1\": \"true-word\""]),
    Refusal(
      file: "unknown-group-key.yml", position: "4:7",
      words: ["unexpected key 'host' in group 'workers'", "Ansible skips it with a warning"],
      ansibleList: ["\"w2\""]),
    Refusal(
      file: "comment-key.yml", position: "4:7",
      words: ["unexpected key 'comment' in group 'workers'", "Ansible skips it with a warning"],
      ansibleList: ["\"w1\""]),
    Refusal(
      file: "top-level-string.yml", position: "1:8",
      words: ["group 'notes' must be a mapping", "Ansible skips it with a warning"],
      ansibleList: ["\"a1\""]),
    Refusal(
      file: "host-vars-to-group.yml", position: "8:9",
      words: [
        "the variables written under host 'db' would go to the group 'db' in Ansible",
        "refuses to guess",
      ],
      ansibleList: ["\"replica\": {\n                \"ansible_host\": \"10.0.0.5\""]),
    Refusal(
      file: "ungrouped-host-named-like-group.yml", position: "3:5",
      words: ["Ansible would put the group 'cache' under ungrouped instead of the host"],
      ansibleList: ["\"ungrouped\": {\n        \"children\": [\n            \"cache\""]),
    Refusal(
      file: "set-tag.yml", position: "4:17",
      words: ["the tag !!set is not supported"],
      // A Python set: Ansible lists it in hash order.
      ansibleList: ["\"packages\": [\n", "\"curl\"", "\"git\""]),
  ]

  static let answers = SharedAnswers {
    refusals.map { ["-i", Fixtures.path("deliberate/\($0.file)"), "--list"] }
      + [["-i", Fixtures.path("deliberate/date-key.yml"), "--list"]]
  }

  @Test(arguments: refusals)
  func clusterMgrRefusesWhereAnsibleGoesOn(_ refusal: Refusal) throws {
    let path = Fixtures.path("deliberate/\(refusal.file)")
    let ours = try CLI.run(["inventory", "-i", path, "--list"])
    #expect(ours.status == 2)
    #expect(ours.stdout.isEmpty)
    let errors = ours.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
    #expect(errors.count == 1, "one error: \(ours.stderr)")
    let line = String(errors.first ?? "")
    #expect(line.hasPrefix("error: \(path):\(refusal.position): "), "\(line)")
    for word in refusal.words { #expect(line.contains(word), "'\(word)' in \(line)") }

    let ansible = try Self.answers.answer(["-i", path, "--list"])
    #expect(ansible.status == 0, "Ansible accepts \(refusal.file): \(ansible.stderr)")
    for expected in refusal.ansibleList {
      #expect(ansible.stdout.contains(expected), "Ansible's --list holds \(expected)")
    }
  }

  /// More hosts than 100000 from one range is refused; Ansible would create them all.
  @Test func aHugeRangeIsRefused() throws {
    let path = Fixtures.path("deliberate/huge-range.yml")
    let ours = try CLI.run(["inventory", "-i", path, "--list"])
    #expect(ours.status == 2)
    #expect(ours.stderr.contains("\(path):3:5: invalid host range 'node[0:100000]'"))
    #expect(ours.stderr.contains("more than 100000 hosts (Ansible would create them all)"))
  }

  /// A date as a mapping key: Ansible's --list fails ("Key of type '_AnsibleTaggedDate' is not
  /// JSON serializable"); cluster-mgr prints the date in ISO form.
  @Test func aDateKeyPrintsAsISOText() throws {
    let path = Fixtures.path("deliberate/date-key.yml")
    let ours = try CLI.run(["inventory", "-i", path, "--list"])
    #expect(ours.status == 0, "\(ours.stderr)")
    #expect(ours.stdout.contains("\"2024-01-02\": \"maintenance\""))
    let ansible = try Self.answers.answer(["-i", path, "--list"])
    #expect(ansible.status != 0)
    #expect(ansible.stderr.contains("is not JSON serializable"))
  }

  /// Ansible's implicit localhost carries `ansible_python_interpreter` (Ansible's own Python);
  /// cluster-mgr runs no Python and leaves it out, the rest is the same.
  @Test func theImplicitLocalhostHasNoPythonInterpreter() throws {
    let path = Fixtures.path("differential/implicit-localhost/hosts.yml")
    let ours = try CLI.run(["inventory", "-i", path, "--host", "localhost"])
    #expect(ours.status == 0, "\(ours.stderr)")
    #expect(ours.stdout.contains("\"ansible_connection\": \"local\""))
    #expect(!ours.stdout.contains("ansible_python_interpreter"))
    #expect(ours.stdout.contains("\"localhost_only\": \"y\""))
    let ansible = try Ansible.inventory(["-i", path, "--host", "localhost"])
    #expect(ansible.stdout.contains("\"ansible_python_interpreter\": "))
  }
}
