import ClusterMgrTesting
import Foundation
import Testing

/// Runs the real `cluster-mgr` against a lab with a private state directory and an inventory
/// copy the test may edit (the lab regenerates its own).
struct NodesRun {
  let lab: LabInstance
  /// cluster-mgr's state (history, known_hosts, backups) for this suite.
  let stateDirectory: String
  /// The inventory the commands use.
  let inventory: String

  /// A fresh state directory and a copy of the lab's inventory without `omitting` hosts.
  init(lab: LabInstance, omitting: [String] = []) throws {
    self.lab = lab
    let directory = try DiscoverRun.temporaryDirectory()
    stateDirectory = directory
    inventory = directory + "/hosts.yml"
    var text = try String(contentsOfFile: lab.inventoryPath, encoding: .utf8)
    for host in omitting { text = Self.removingBlock(of: host, from: text) }
    try text.write(toFile: inventory, atomically: true, encoding: .utf8)
  }

  /// The inventory text without `host`'s block (the lab writes three lines per host).
  static func removingBlock(of host: String, from text: String) -> String {
    var lines = text.components(separatedBy: "\n")
    guard let start = lines.firstIndex(of: "        \(host):") else { return text }
    var end = start + 1
    while end < lines.count, lines[end].hasPrefix("          ") { end += 1 }
    lines.removeSubrange(start..<end)
    return lines.joined(separator: "\n")
  }

  /// `cluster-mgr ARGS` with the lab's socket, this state directory and the inventory copy
  /// (through `CLUSTER_MGR_INVENTORY`, so that `ssh NAME -- CMD` gets CMD unchanged).
  func run(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
    try ProcessRunner.run(
      [Repository.clusterMgrBinary] + arguments, environment: environment, input: input)
  }

  /// The environment every run gets.
  var environment: [String: String] {
    [
      "CLUSTER_MGR_TAILSCALE_SOCKET": lab.socketPath, "CLUSTER_MGR_STATE_DIR": stateDirectory,
      "CLUSTER_MGR_INVENTORY": inventory,
    ]
  }

  /// The K3s stand-in's release assets, built for this checkout's stand-in.
  static func artifacts() throws -> String {
    let result = try ProcessRunner.run([Repository.labScript, "artifacts"])
    try #require(result.status == 0, "scripts/lab artifacts: \(result.stderr)")
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Provisions the inventory's hosts with the lab's K3s stand-in; the run must succeed.
  func provision(_ extra: [String] = []) throws {
    let result = try run(
      [
        "provision", "--artifacts", try Self.artifacts(), "-e", "k3s_version=v1.31.4+k3s1",
        "--no-kubeconfig",
      ] + extra)
    try #require(result.status == 0, "provision failed:\n\(result.stdout)\n\(result.stderr)")
  }

  /// `k3s kubectl ARGS` on a server, as root without SSH.
  func kubectl(on server: String = "lab-cp1", _ arguments: String) throws -> ProcessResult {
    try lab.exec(server, "k3s kubectl " + arguments)
  }

  /// The Ready condition of `node` as the cluster sees it (nil: no such node).
  func readyStatus(_ node: String, server: String = "lab-cp1") throws -> String? {
    let result = try kubectl(
      on: server, "get node \(node) -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}'"
    )
    return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
  }

  /// The inventory's current text.
  func inventoryText() throws -> String { try String(contentsOfFile: inventory, encoding: .utf8) }

  /// The lines added and removed between two texts (a plain line diff, order kept).
  static func changedLines(from old: String, to new: String) -> (added: [String], removed: [String])
  {
    let a = old.components(separatedBy: "\n")
    let b = new.components(separatedBy: "\n")
    var prefix = 0
    while prefix < min(a.count, b.count), a[prefix] == b[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < min(a.count, b.count) - prefix,
      a[a.count - 1 - suffix] == b[b.count - 1 - suffix]
    { suffix += 1 }
    return (Array(b[prefix..<(b.count - suffix)]), Array(a[prefix..<(a.count - suffix)]))
  }

  /// Removes the state directory.
  func cleanUp() { try? FileManager.default.removeItem(atPath: stateDirectory) }
}
