import Foundation

/// Runs the built `cluster-mgr` binary against a lab, with a private state directory and a
/// private copy of the lab's inventory that a test may edit.
public struct ClusterMgrRun: Sendable {
  /// The lab.
  public let lab: LabInstance
  /// cluster-mgr's state directory for this test (history, known_hosts, deploy keys).
  public let stateDirectory: String
  /// The inventory this test uses (a copy of the lab's).
  public let inventoryPath: String
  /// The kubeconfig provision merges into.
  public let kubeconfigPath: String

  /// A run context for `lab`; `inventory` rewrites the lab's inventory text first. The state
  /// directory is the lab's own (`<lab dir>/cluster-mgr-state`) unless `freshState`, so runs of
  /// one suite share history and deploy keys as one workstation would.
  public init(lab: LabInstance, freshState: Bool = false, inventory: (String) -> String = { $0 })
    throws
  {
    self.lab = lab
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cm-run-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    stateDirectory =
      freshState ? base.appendingPathComponent("state").path : lab.directory + "/cluster-mgr-state"
    inventoryPath = base.appendingPathComponent("hosts.yml").path
    kubeconfigPath = base.appendingPathComponent("kubeconfig").path
    let text = try String(contentsOfFile: lab.inventoryPath, encoding: .utf8)
    try inventory(text).write(toFile: inventoryPath, atomically: true, encoding: .utf8)
  }

  /// The lab's K3s (and Flux) release artifacts, generated if needed.
  public static func artifacts() throws -> String {
    let result = try ProcessRunner.run([Repository.labScript, "artifacts"])
    guard result.status == 0 else {
      throw LabError(message: "scripts/lab artifacts failed: \(result.stderr)")
    }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The environment of every run.
  public var environment: [String: String] {
    [
      "CLUSTER_MGR_STATE_DIR": stateDirectory, "CLUSTER_MGR_TAILSCALE_SOCKET": lab.socketPath,
      "CLUSTER_MGR_INVENTORY": inventoryPath, "KUBECONFIG": kubeconfigPath, "NO_COLOR": "1",
    ]
  }

  /// `cluster-mgr ARGS`.
  @discardableResult
  public func run(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
    try ProcessRunner.run(
      [Repository.clusterMgrBinary] + arguments, environment: environment, input: input)
  }

  /// `cluster-mgr provision --artifacts … --output json ARGS`: the result and its JSON events.
  public func provision(_ arguments: [String] = []) throws -> (
    result: ProcessResult, events: [[String: Any]]
  ) {
    let result = try run(
      ["provision", "--artifacts", try Self.artifacts(), "--output", "json"] + arguments)
    let events = result.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    return (result, events)
  }

  /// Rewrites the inventory text.
  public func editInventory(_ edit: (String) -> String) throws {
    let text = try String(contentsOfFile: inventoryPath, encoding: .utf8)
    try edit(text).write(toFile: inventoryPath, atomically: true, encoding: .utf8)
  }

  /// `k3s kubectl ARGS` on `server` (as root, without SSH), decoded as JSON.
  public func kubectlJSON(_ arguments: [String], on server: String = "lab-cp1") throws -> [String:
    Any]
  {
    let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
      .joined(separator: " ")
    let result = try lab.exec(server, "k3s kubectl \(quoted) -o json")
    guard result.status == 0,
      let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        as? [String: Any]
    else {
      throw LabError(
        message: "k3s kubectl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
    }
    return object
  }
}

extension Array where Element == [String: Any] {
  /// The `task_finished` / `handler_finished` events of a provision's JSON output.
  public var taskEvents: [[String: Any]] {
    filter {
      ($0["event"] as? String).map { $0 == "task_finished" || $0 == "handler_finished" } ?? false
    }
  }

  /// Task events with status `changed`.
  public var changedTasks: [[String: Any]] {
    taskEvents.filter { $0["status"] as? String == "changed" }
  }
}
