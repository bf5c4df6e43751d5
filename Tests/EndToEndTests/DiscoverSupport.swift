import ClusterMgrTesting
import Foundation
import Testing

/// Runs `cluster-mgr discover` against a lab and reads its output.
struct DiscoverRun {
  let lab: LabInstance

  /// `cluster-mgr discover ARGS` with the lab's socket and inventory.
  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    try ProcessRunner.run(
      [Repository.clusterMgrBinary, "discover"] + arguments,
      environment: lab.environment.merging(environment) { _, new in new })
  }

  /// `cluster-mgr discover ARGS --output json`, decoded; the run must succeed.
  func json(_ arguments: [String]) throws -> [String: Any] {
    let result = try run(arguments + ["--output", "json"])
    try #require(result.status == 0, "discover failed: \(result.stderr)")
    return try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  }

  /// The host names `discover ARGS` lists.
  func hostnames(_ arguments: [String]) throws -> Set<String> {
    Set(nodes(try json(arguments)).compactMap { $0["hostname"] as? String })
  }

  /// The `nodes` array of a JSON report.
  func nodes(_ report: [String: Any]) -> [[String: Any]] {
    report["nodes"] as? [[String: Any]] ?? []
  }

  /// Switches the lab's LocalAPI emulator through its mode file (for modes `scripts/lab
  /// tailscale` does not offer, such as `slow:SECONDS`).
  func writeEmulatorMode(_ mode: String) throws {
    try (mode + "\n").write(toFile: lab.directory + "/mode", atomically: true, encoding: .utf8)
  }

  /// A fixture from Tests/TailscaleTests/Fixtures.
  static func fixture(_ name: String) -> String {
    Repository.root.appendingPathComponent("Tests/TailscaleTests/Fixtures/\(name)").path
  }

  /// A fresh directory under /tmp (unix socket paths are limited to 107 bytes).
  static func temporaryDirectory() throws -> String {
    var template = Array("/tmp/cm-e2e-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    return String(cString: made)
  }
}
