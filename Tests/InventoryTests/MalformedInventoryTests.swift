import ClusterMgrTesting
import Foundation
import Testing

/// A malformed inventory gets exactly one clear error naming file, line and column, exit
/// status 2, and no command writes anything.
@Suite struct MalformedInventoryTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var text: String
    /// `line:col` the error must point at.
    var position: String
    /// Words the message must contain.
    var words: [String]
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "bad indentation",
      text: """
        all:
          children:
            workers:
              hosts:
                w1:
                  ansible_host: 10.0.0.1
                 tailscale_ip: 10.0.0.1

        """, position: "7:10", words: ["indentation"]),
    Case(
      name: "dedented host",
      text: """
        all:
          children:
            workers:
              hosts:
                w1:
              w2:

        """, position: "6:7", words: ["unexpected key 'w2'"]),
    Case(
      name: "tab", text: "all:\n  hosts:\n\tw1:\n", position: "3:1", words: ["tab", "spaces"]),
    Case(
      name: "duplicate key",
      text: """
        all:
          children:
            workers:
              hosts:
                w1:
                w2:
                w1:

        """, position: "7:9", words: ["duplicate key 'w1'"]),
    Case(
      name: "wrong type",
      text: """
        all:
          children:
            workers:
              hosts: [w1, w2]

        """, position: "4:14", words: ["must be a mapping", "list"]),
    Case(
      name: "group that is a string",
      text: """
        all:
          children:
            workers: yes

        """, position: "3:14", words: ["group 'workers' must be a mapping"]),
  ]

  @Test(arguments: cases)
  func oneClearErrorAndNothingWritten(_ testCase: Case) throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts.yml", testCase.text)

    let list = try CLI.run(["inventory", "--list", "-i", path])
    #expect(list.status == 2)
    #expect(list.stdout.isEmpty)
    let errorLines = list.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
    #expect(errorLines.count == 1, "exactly one error: \(list.stderr)")
    let line = String(errorLines.first ?? "")
    #expect(line.hasPrefix("error: \(path):\(testCase.position): "), "\(line)")
    for word in testCase.words { #expect(line.contains(word), "'\(word)' in \(line)") }

    for command in [
      ["config-set", "k3s_version", "v1.32.1+k3s1"],
      ["inventory", "add-host", "x", "--group", "workers"],
      ["inventory", "remove-host", "w1"],
    ] {
      let write = try CLI.run(command + ["-i", path])
      #expect(write.status == 2, "\(command): \(write.stderr)")
      #expect(try scratch.read("hosts.yml") == testCase.text, "\(command) changed the file")
      #expect(!FileManager.default.fileExists(atPath: path + ".bak"), "\(command) wrote a backup")
    }
  }

  @Test func wrongVariableTypeFailsValidationWithItsPosition() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let text = """
      all:
        children:
          control_plane:
            hosts:
              c1:
                ansible_port: twenty-two
                gpu: "yes"

      """
    let path = try scratch.write("hosts.yml", text)
    let result = try CLI.run(["inventory", "--validate", "-i", path])
    #expect(result.status == 2)
    #expect(result.stdout.contains("\(path):6:25: error: ansible_port must be an integer"))
    #expect(result.stdout.contains("\(path):7:16: error: gpu must be true or false"))
  }

  @Test func iniInventoryGetsAClearMessage() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let path = try scratch.write("hosts", "[servers]\nnuc ansible_host=100.64.0.1\n")
    let result = try CLI.run(["inventory", "--list", "-i", path])
    #expect(result.status == 2)
    #expect(result.stderr.contains("looks like an INI inventory"))
    #expect(result.stderr.contains("ansible-inventory -i \(path) --list -y"))
  }

  @Test func missingInventoryNamesTheDefault() throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let result = try CLI.run(["inventory", "--list"], currentDirectory: scratch.path)
    #expect(result.status == 2)
    #expect(result.stderr.contains("inventory/hosts.yml does not exist"))
  }

  @Test func inventoryPathComesFromTheEnvironment() throws {
    let result = try CLI.run(
      ["inventory", "--graph"], environment: ["CLUSTER_MGR_INVENTORY": Fixtures.example("minimal")])
    #expect(result.status == 0)
    #expect(result.stdout.contains("|--nuc"))
  }
}
