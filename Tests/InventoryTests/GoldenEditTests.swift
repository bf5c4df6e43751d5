import ClusterMgrTesting
import CustomDump
import Foundation
import Testing

/// Every write operation on every example inventory, through the binary: `diff -u` between
/// before and after must be exactly the golden diff in `Fixtures/golden` (only the intended
/// lines), the previous version must be in `FILE.bak`, and the file keeps its mode.
@Suite struct GoldenEditTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var example: String
    var operation: String
    var arguments: [String]
    var testDescription: String { "\(example) \(operation)" }
  }

  static let cases: [Case] = [
    Case(
      example: "minimal", operation: "add-host",
      arguments: [
        "inventory", "add-host", "laptop", "--group", "workers", "--var",
        "ansible_host=100.64.0.30",
        "--var", "tailscale_ip=100.64.0.30",
      ]),
    Case(
      example: "minimal", operation: "remove-host",
      arguments: ["inventory", "remove-host", "desktop"]),
    Case(
      example: "minimal", operation: "set",
      arguments: ["config-set", "k3s_version", "v1.32.1+k3s1"]),
    Case(
      example: "minimal", operation: "unset",
      arguments: ["config-set", "reserved_memory", "--unset", "--scope", "desktop"]),
    Case(
      example: "gpu-workstation", operation: "add-host",
      arguments: [
        "inventory", "add-host", "gpu-box-2", "--group", "workers", "--var",
        "ansible_host=100.64.1.21",
        "--var", "tailscale_ip=100.64.1.21", "--var", "gpu=true",
      ]),
    Case(
      example: "gpu-workstation", operation: "remove-host",
      arguments: ["inventory", "remove-host", "gpu-box"]),
    Case(
      example: "gpu-workstation", operation: "set",
      arguments: ["config-set", "node_labels.zone", "office", "--scope", "gpu-box"]),
    Case(
      example: "gpu-workstation", operation: "unset",
      arguments: ["config-set", "gpu_time_slicing_replicas", "--unset"]),
    Case(
      example: "ha", operation: "add-host",
      arguments: [
        "inventory", "add-host", "worker3", "--group", "agent", "--var", "ansible_host=100.64.2.23",
        "--var", "tailscale_ip=100.64.2.23",
      ]),
    Case(
      example: "ha", operation: "remove-host", arguments: ["inventory", "remove-host", "worker1"]),
    Case(
      example: "ha", operation: "set",
      arguments: ["config-set", "api_endpoint", "100.64.2.12", "--scope", "k3s_cluster"]),
    Case(
      example: "ha", operation: "unset",
      arguments: ["config-set", "api_endpoint", "--unset", "--scope", "k3s_cluster"]),
    Case(
      example: "mixed", operation: "add-host",
      arguments: [
        "inventory", "add-host", "nas", "--group", "workers", "--var", "ansible_host=100.64.3.50",
        "--var", "tailscale_ip=100.64.3.50", "--var", "node_taints:=[\"storage=true:NoSchedule\"]",
      ]),
    Case(
      example: "mixed", operation: "remove-host",
      arguments: ["inventory", "remove-host", "raspberrypi"]),
    Case(
      example: "mixed", operation: "set",
      arguments: [
        "config-set", "node_taints", "[\"mobile=true:NoExecute\"]", "--scope", "laptop", "--type",
        "json",
      ]),
    Case(
      example: "mixed", operation: "unset",
      arguments: ["config-set", "node_labels", "--unset", "--scope", "raspberrypi"]),
  ]

  @Test func everyExampleHasEveryOperation() {
    for example in Fixtures.examples {
      let operations = Set(Self.cases.filter { $0.example == example }.map(\.operation))
      #expect(operations == ["add-host", "remove-host", "set", "unset"], "\(example)")
    }
  }

  @Test(arguments: cases)
  func diffShowsOnlyTheIntendedLines(_ testCase: Case) throws {
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let original = try String(contentsOfFile: Fixtures.example(testCase.example), encoding: .utf8)
    let path = try scratch.write("hosts.yml", original)
    try #require(chmod(path, 0o640) == 0)

    let result = try CLI.run(testCase.arguments + ["-i", path])
    try #require(result.status == 0, "\(testCase.arguments): \(result.stderr)")
    #expect(result.stdout.contains("backup: \(path).bak"), "the backup path is printed")

    let edited = try scratch.read("hosts.yml")
    let golden = try String(
      contentsOfFile: Fixtures.path("golden/\(testCase.example).\(testCase.operation).diff"),
      encoding: .utf8)
    expectNoDifference(try unifiedDiff(original, edited), golden)
    #expect(try scratch.read("hosts.yml.bak") == original)
    var status = stat()
    #expect(stat(path, &status) == 0 && status.st_mode & 0o777 == 0o640, "mode kept")

    let validation = try CLI.run(["inventory", "--validate", "-i", path])
    #expect(validation.status == 0, "\(validation.stdout)")
  }
}
