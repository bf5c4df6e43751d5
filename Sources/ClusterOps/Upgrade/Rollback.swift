import Basics
import Engine
import Foundation
import Inventory
import OrderedCollections
import Roles
import RunHistory
import SSHTransport

/// What `provision --rollback-to RUN` goes back to: the snapshot the upgrade run RUN took
/// before it changed a server, and the version the servers ran then.
public struct RollbackPlan: Sendable {
  /// The upgrade's run.
  public let run: Int64
  /// The pre-upgrade snapshot on this workstation, checked against its manifest.
  public let snapshot: LocalBackup
  /// The K3s version the cluster ran before the upgrade.
  public let previousVersion: String
  /// The version the upgrade went to.
  public let upgradedTo: String?
}

/// What a rollback did: its own run (the binaries and the restore) and the provision that
/// followed.
public struct RollbackResult: Sendable {
  /// The rollback's run in the history.
  public var runID: Int64?
  /// The inventory change (`k3s_version` set back), when there was one.
  public var inventory: InventoryFile.WriteResult?
  /// The provision at the previous version.
  public var provision: ProvisionResult
  /// A history problem (the rollback itself happened).
  public var historyWarning: String?
}

/// `provision --rollback-to RUN`: back to the snapshot an upgrade took and to the version
/// before it, as K3s's roll-back procedure goes: the previous binary on every server (K3s not
/// restarted), the snapshot restored (``RestoreOperation``: on several servers the first is
/// reset from it and the others join again), `k3s_version` set back in the inventory, then a
/// provision at that version (agents drained one at a time, every node checked Ready at it).
public enum RollbackOperation {
  /// Finds the pre-upgrade snapshot of `run` in the cluster's backup directory.
  public static func plan(run: Int64, cluster: String) async throws -> RollbackPlan {
    let directory = BackupOperation.defaultDirectory(cluster: cluster)
    let snapshots = BackupOperation.localBackups(in: directory).filter {
      $0.manifest.cluster == cluster && $0.manifest.purpose == BackupManifest.preUpgrade
    }
    guard let snapshot = snapshots.first(where: { $0.manifest.run == run }) else {
      throw try await noSnapshot(run: run, directory: directory, others: snapshots)
    }
    guard snapshot.state == "ok" else {
      throw OperationError(
        "the pre-upgrade snapshot of run \(run), \(snapshot.path), is \(snapshot.state == "missing" ? "missing" : "changed since it was taken (its SHA-256 is not the manifest's)")",
        remedy: "restore another backup by hand (cluster-mgr backup list, cluster-mgr restore)",
        exitStatus: ExitStatus.invalidInput)
    }
    guard let previous = snapshot.manifest.k3sVersion else {
      throw OperationError(
        "\(snapshot.path).json does not say which K3s version the cluster ran",
        exitStatus: ExitStatus.invalidInput)
    }
    return RollbackPlan(
      run: run, snapshot: snapshot, previousVersion: previous,
      upgradedTo: snapshot.manifest.upgradeTo)
  }

  /// Why there is nothing to roll back to for `run`.
  static func noSnapshot(run: Int64, directory: String, others: [LocalBackup]) async throws
    -> OperationError
  {
    let known =
      others.compactMap { backup in
        backup.manifest.run.map {
          "run \($0) (\(backup.manifest.k3sVersion ?? "?") → \(backup.manifest.upgradeTo ?? "?"))"
        }
      }.joined(separator: ", ")
    let recorded = (try? await HistoryStore().run(RunID(rawValue: run))) ?? nil
    let why =
      recorded == nil
      ? "there is no run \(run) in the history"
      : "run \(run) (\(recorded!.run.command)) took no pre-upgrade snapshot in \(directory): it changed no server's K3s version"
    return OperationError(
      why,
      remedy: known.isEmpty
        ? "an upgrade run takes a snapshot before it changes a server; see cluster-mgr backup list"
        : "runs with a pre-upgrade snapshot: \(known)",
      exitStatus: ExitStatus.invalidInput)
  }

  /// Carries out the rollback holding the locks: binaries, restore, inventory, provision.
  ///
  /// `setup` is the provision at the previous version (`k3s_version` given as an extra
  /// variable); `confirm` sees the restore's plan before anything changes and throws to stop.
  public static func run(
    _ plan: RollbackPlan, request: ProvisionRequest, setup: ProvisionSetup,
    context: ClusterContext, observer: any RunObserver, readyTimeout: Duration = .seconds(300),
    interruption: Interruption = Interruption(), confirm: (RestorePlan) throws -> Void,
    say: @escaping @Sendable (String) -> Void
  ) async throws -> RollbackResult {
    let server = try await context.lockServer { say("warning: " + $0) }
    return try await context.holdingLocks(
      server: server, forceUnlock: request.forceUnlock, commandLine: request.commandLine,
      warn: { say("warning: " + $0) }
    ) {
      let restore = try await RestoreOperation.plan(
        snapshot: plan.snapshot.path, context: context)
      try confirm(restore)
      let history = await OperationHistory.begin(
        command: "rollback", commandLine: request.commandLine,
        inventoryPath: request.inventoryPath, redactor: context.redactor,
        cluster: context.settings.clusterName)
      return try await history.finishingOnError {
        let maintenance = APINodeMaintenance(
          access: ClusterAccess(context: context))
        let agents = try await agentVersions(context: context, maintenance: maintenance)
        try await installBinaries(
          setup: setup, context: context, history: history, interruption: interruption, say: say)
        _ = try await RestoreOperation.execute(
          restore, context: context, history: history, readyTimeout: readyTimeout,
          interruption: interruption, say: say)
        await waitForAgentVersions(agents, maintenance: maintenance, history: history, say: say)
        let written = try await setInventoryVersion(
          plan.previousVersion, path: request.inventoryPath, history: history, say: say)
        let id = await history.finish(.succeeded)
        say("provisioning at \(plan.previousVersion) ...")
        let provision = try await ProvisionOperation.runLocked(
          request, setup: setup, observer: observer, sessions: context.sessions)
        return RollbackResult(
          runID: id, inventory: written, provision: provision, historyWarning: history.warning)
      }
    }
  }

  /// The version each agent runs now (the restore leaves agents alone).
  static func agentVersions(context: ClusterContext, maintenance: any NodeMaintenance)
    async throws -> [String: String]
  {
    let agents = Set(context.nodes.filter { $0.role == .agent }.map(\.name))
    var versions: [String: String] = [:]
    for node in try await maintenance.nodes() where agents.contains(node.name) {
      if let version = node.kubeletVersion { versions[node.name] = version }
    }
    return versions
  }

  /// Waits until the restored Node objects of the agents show the version they run again (their
  /// kubelets report it with every status update, every 10 s), so that the provision after the
  /// restore sees which agents change version and drains them; says so when one does not.
  static func waitForAgentVersions(
    _ versions: [String: String], maintenance: any NodeMaintenance, history: OperationHistory,
    say: @Sendable (String) -> Void, timeout: Duration = .seconds(120)
  ) async {
    guard !versions.isEmpty else { return }
    let started = ContinuousClock.now
    say("waiting for the agents to report the K3s version they run ...")
    var stale = Array(versions.keys).sorted()
    while !stale.isEmpty && ContinuousClock.now < started + timeout {
      if let nodes = try? await maintenance.nodes() {
        stale = stale.filter { name in
          nodes.first { $0.name == name }?.kubeletVersion != versions[name]
        }
      }
      if !stale.isEmpty { try? await Task.sleep(for: .seconds(2)) }
    }
    if stale.isEmpty {
      history.record(
        host: "agents", step: "agents report their version", status: .ok, started: started,
        message: versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
          .joined(separator: ", "))
    } else {
      say(
        "warning: \(stale.joined(separator: ", ")) did not report its version yet: the provision may not drain it")
      history.record(
        host: "agents", step: "agents report their version", status: .skipped, started: started,
        message: "not reported yet: " + stale.joined(separator: ", "))
    }
  }

  /// The previous K3s binary on every server, K3s not restarted.
  static func installBinaries(
    setup: ProvisionSetup, context: ClusterContext, history: OperationHistory,
    interruption: Interruption, say: @escaping @Sendable (String) -> Void
  ) async throws {
    let servers = context.servers.map(\.name)
    var options = RunOptions()
    options.interruption = interruption
    let recording = HistoryRecordingObserver(history: history, say: say)
    let runner = Runner(
      sessions: SSHHostSessionProvider(sessions: context.sessions, targets: setup.targets),
      options: options, observer: recording, redactor: setup.redactor)
    say(
      "putting the K3s \(setup.inputs.settings.k3sVersion) binary on \(servers.joined(separator: ", ")) ..."
    )
    let report = await runner.run(ProvisionSite.binaryPlays(setup.inputs, hosts: servers))
    if report.interrupted {
      throw OperationInterrupted(
        "while the previous K3s binary was put on the servers; nothing was restored",
        interruption: interruption, remedy: "run the rollback again")
    }
    guard report.succeeded else {
      let failures = report.results.filter { $0.status == .failed || $0.status == .unreachable }
        .map { "\($0.host): \($0.failure ?? $0.summary)" }
      throw OperationError(
        "the K3s \(setup.inputs.settings.k3sVersion) binary could not be put on every server: "
          + failures.joined(separator: "; ") + "; nothing was restored",
        remedy: "fix it and run the rollback again (the servers run as before)")
    }
  }

  /// Sets `k3s_version` back in the inventory (no change when it already says `version`).
  static func setInventoryVersion(
    _ version: String, path: String, history: OperationHistory, say: @Sendable (String) -> Void
  ) async throws -> InventoryFile.WriteResult? {
    let started = ContinuousClock.now
    let written = try await InventoryFile(path: path).apply([
      .setVariable(key: "k3s_version", value: .string(version), scope: .group("all"))
    ])
    guard !written.changes.isEmpty else { return nil }
    let diff = written.changes.map {
      LineDiff.unified(old: $0.value.old, new: $0.value.new, file: $0.key)
    }.joined()
    history.record(
      host: "inventory", step: "k3s_version back to \(version)", status: .changed,
      started: started, message: path, diff: diff)
    say("k3s_version is \(version) again in \(path)")
    return written
  }
}

/// Records an engine run's task results in a day-2 operation's history and says each result
/// in one line.
struct HistoryRecordingObserver: RunObserver {
  let history: OperationHistory
  let say: @Sendable (String) -> Void

  func handle(_ event: RunEvent) {
    guard case .taskFinished(let result) = event else { return }
    let status = TaskRecord.Status(rawValue: result.status.rawValue) ?? .failed
    history.record(
      host: result.host, step: result.task, status: status,
      started: ContinuousClock.now - .milliseconds(Int(result.duration * 1000)),
      message: result.failure ?? result.summary, diff: result.diff)
    say(
      "\(result.host): \(result.task): \(result.status.rawValue) — \(result.failure ?? result.summary)"
    )
  }
}
