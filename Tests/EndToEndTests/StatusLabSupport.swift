import ClusterMgrTesting
import Foundation
import Testing

/// A K3s cluster on a lab, provisioned by the real binary from a copy of the lab's inventory,
/// for `status`, `drift` and `tui` tests.
struct StatusLabCluster {
  /// The K3s version the lab's stand-in is provisioned with.
  static let version = "v1.31.4+k3s1"

  let lab: LabInstance
  /// The edited copy of the lab's inventory.
  let inventoryPath: String
  /// CLUSTER_MGR_STATE_DIR for every run (history, known_hosts).
  let stateDirectory: String

  /// Copies the lab's inventory with `k3s_version` pinned and `tier: web` declared on lab-w1,
  /// then provisions it (an idempotent re-run when the cluster exists).
  static func provisioned(_ lab: LabInstance) throws -> StatusLabCluster {
    let directory = try temporaryDirectory()
    let cluster = StatusLabCluster(
      lab: lab, inventoryPath: directory + "/hosts.yml", stateDirectory: directory + "/state")
    try FileManager.default.createDirectory(
      atPath: cluster.stateDirectory, withIntermediateDirectories: true)
    try cluster.writeInventory { $0 }
    try cluster.provision()
    return cluster
  }

  /// The lab's inventory with the version and lab-w1's label, passed through `edit`.
  func writeInventory(to path: String? = nil, _ edit: (String) -> String) throws {
    var text = try String(contentsOfFile: lab.inventoryPath, encoding: .utf8)
    // Pin the version whether or not the lab's inventory already names one.
    text = text.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("    k3s_version:") }.joined(separator: "\n")
    text = text.replacingOccurrences(
      of: "\n  vars:\n", with: "\n  vars:\n    k3s_version: \(Self.version)\n")
    let w1 = lab.host("lab-w1").address
    text = text.replacingOccurrences(
      of: "          tailscale_ip: \(w1)\n",
      with: "          tailscale_ip: \(w1)\n          node_labels:\n            tier: web\n")
    try edit(text).write(toFile: path ?? inventoryPath, atomically: true, encoding: .utf8)
  }

  /// `cluster-mgr provision` with the lab's K3s artifacts; it must succeed.
  func provision() throws {
    let artifacts = try ProcessRunner.run([Repository.labScript, "artifacts"]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let result = try run(["provision", "--artifacts", artifacts, "--no-kubeconfig"])
    try #require(result.status == 0, "provision failed:\n\(result.stdout)\n\(result.stderr)")
  }

  /// `cluster-mgr ARGS` against this cluster (inventory, tailscaled socket, state directory).
  func run(_ arguments: [String], inventory: String? = nil) throws -> ProcessResult {
    try ProcessRunner.run(
      [Repository.clusterMgrBinary] + arguments, environment: environment(inventory))
  }

  /// `cluster-mgr ARGS --output json`, decoded.
  func json(_ arguments: [String], inventory: String? = nil) throws -> (
    status: Int32, object: [String: Any], stderr: String
  ) {
    let result = try run(arguments + ["--output", "json"], inventory: inventory)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
      "not JSON: \(result.stdout)\n\(result.stderr)")
    return (result.status, object, result.stderr)
  }

  /// The environment a run needs.
  func environment(_ inventory: String? = nil) -> [String: String] {
    [
      "CLUSTER_MGR_TAILSCALE_SOCKET": lab.socketPath,
      "CLUSTER_MGR_INVENTORY": inventory ?? inventoryPath,
      "CLUSTER_MGR_STATE_DIR": stateDirectory,
    ]
  }

  /// Runs `command` on the lab's server as root (the K3s stand-in's kubectl).
  @discardableResult
  func kubectl(_ command: String) throws -> ProcessResult {
    let result = try lab.exec("lab-cp1", "k3s kubectl " + command)
    try #require(result.status == 0, "kubectl \(command): \(result.stderr)")
    return result
  }

  /// Waits until `condition` holds, checking every half second, for at most `seconds`.
  static func waitUntil(
    seconds: Double, _ condition: () throws -> Bool
  ) throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      Thread.sleep(forTimeInterval: 0.5)
    }
    return try condition()
  }

  /// A fresh directory under /tmp.
  static func temporaryDirectory() throws -> String {
    var template = Array("/tmp/cm-status-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    return String(cString: made)
  }
}

/// The `findings` of a `drift --output json` report as `host kind` lines.
func driftKinds(_ report: [String: Any]) -> [String] {
  (report["findings"] as? [[String: Any]] ?? []).map {
    "\($0["host"] as? String ?? "?") \($0["kind"] as? String ?? "?")"
  }
}
