import ClusterMgrTesting
import Foundation
import Testing

/// Inventories the pinned Ansible refuses (`Fixtures/rejected`): cluster-mgr refuses them too,
/// with one error naming file, line and column (exit status 2), never a guessed value.
@Suite struct RejectedInventoryTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var file: String
    var position: String
    var words: [String]
    var testDescription: String { file }
  }

  static let cases: [Case] = [
    Case(
      file: "invalid-date.yml", position: "4:20", words: ["'2024-13-45'", "month must be in 1..12"]),
    Case(file: "invalid-leap-day.yml", position: "4:13", words: ["day is out of range for month"]),
    Case(file: "invalid-hour.yml", position: "4:11", words: ["hour must be in 0..23"]),
    Case(file: "invalid-binary.yml", position: "4:13", words: ["invalid literal for int()"]),
    Case(file: "int-tag-on-text.yml", position: "4:13", words: ["'twenty'"]),
    Case(file: "unhashable-key.yml", position: "4:9", words: ["a list cannot be a mapping key"]),
    Case(file: "unknown-tag.yml", position: "4:15", words: ["the tag !local is not supported"]),
    Case(file: "vault-tag-on-mapping.yml", position: "4:14", words: ["requires a string value"]),
    Case(file: "merge-of-scalar.yml", position: "4:11", words: ["found an integer"]),
    Case(file: "range-letters-reversed.yml", position: "3:5", words: ["begin <= end"]),
    Case(file: "range-without-end.yml", position: "3:5", words: ["must specify end value"]),
    Case(file: "range-unequal-width.yml", position: "3:5", words: ["equal-length"]),
    Case(file: "bracketed-ipv6-without-port.yml", position: "3:5", words: ["'[fe80::10]'"]),
    Case(file: "host-value-string.yml", position: "3:9", words: ["must be followed by a mapping"]),
    Case(file: "group-loop.yml", position: "5:9", words: ["creates a loop"]),
    Case(file: "plugin-config.yml", position: "1:1", words: ["inventory plugin configuration"]),
    Case(file: "empty.yml", position: "1:1", words: ["the inventory is empty"]),
    Case(file: "empty-host-name.yml", position: "3:5", words: ["a host name cannot be empty"]),
    Case(file: "numeric-group-name.yml", position: "1:1", words: ["group name 1 must be a string"]),
    Case(
      file: "priority-not-integer.yml", position: "3:5",
      words: ["ansible_group_priority must be an integer"]),
  ]

  static let answers = SharedAnswers {
    cases.map { ["-i", Fixtures.path("rejected/\($0.file)"), "--list"] }
  }

  @Test func everyRejectedFileHasACase() throws {
    let files = try FileManager.default.contentsOfDirectory(
      atPath: Fixtures.root.appendingPathComponent("rejected").path)
    #expect(Set(files) == Set(Self.cases.map(\.file)))
  }

  @Test(arguments: cases)
  func bothRefuse(_ testCase: Case) throws {
    let path = Fixtures.path("rejected/\(testCase.file)")
    let ansible = try Self.answers.answer(["-i", path, "--list"])
    #expect(ansible.status != 0, "Ansible refuses \(testCase.file)")
    let ours = try CLI.run(["inventory", "-i", path, "--list"])
    #expect(ours.status == 2)
    #expect(ours.stdout.isEmpty)
    let errors = ours.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
    #expect(errors.count == 1, "one error: \(ours.stderr)")
    let line = String(errors.first ?? "")
    #expect(line.hasPrefix("error: \(path):\(testCase.position): "), "\(line)")
    for word in testCase.words { #expect(line.contains(word), "'\(word)' in \(line)") }
  }
}
