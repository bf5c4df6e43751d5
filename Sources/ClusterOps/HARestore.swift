import Basics
import Foundation
import RunHistory
import SSHTransport

/// The restore of a cluster with several servers (embedded etcd), as K3s documents it
/// ("etcd-snapshot", "backup-restore"):
///
/// 1. a safety snapshot on the first server, then the snapshot uploaded there;
/// 2. K3s stopped on every server, the others first;
/// 3. on the first server `k3s server --cluster-reset --cluster-reset-restore-path=<snapshot>`
///    (a new one-member etcd from the snapshot), K3s started, waited for until Ready;
/// 4. one other server after the other: its old datastore moved aside
///    (`server/db.before-restore-<time>`: after the reset etcd refuses a member that kept its
///    data), K3s started (it joins again), waited for until Ready;
/// 5. the agents checked Ready.
///
/// K3s is started again on every server it was stopped on whatever happens; once the first
/// server was reset, a server that has not rejoined yet gets its datastore moved aside first,
/// since it cannot start on the old one.
struct HARestore {
  let plan: RestorePlan
  let context: ClusterContext
  let history: OperationHistory
  let readyTimeout: Duration
  let interruption: Interruption
  let say: @Sendable (String) -> Void

  /// Every server must answer and run embedded etcd (the snapshot is an etcd snapshot).
  static func check(servers: [String], datastore: Datastore, context: ClusterContext) async throws {
    guard datastore == .etcd else {
      throw OperationError(
        "\(servers[0]) runs SQLite, but the inventory has \(servers.count) servers; a cluster "
          + "with several servers runs embedded etcd",
        remedy: "check the inventory's server groups against the cluster (cluster-mgr status)",
        exitStatus: ExitStatus.invalidInput)
    }
    for server in servers.dropFirst() {
      let connection = try await context.connection(to: server)
      let kind = try await BackupOperation.datastore(on: connection, server: server)
      guard kind == .etcd else {
        throw OperationError(
          "\(server) runs \(kind == .sqlite ? "SQLite" : "another datastore"), not embedded etcd, "
            + "so it is not a member of this cluster's etcd",
          remedy: "provision the cluster first (cluster-mgr provision), then restore",
          exitStatus: ExitStatus.invalidInput)
      }
    }
  }

  /// The steps, in words.
  static func steps(_ plan: RestorePlan) -> [String] {
    let first = plan.server
    let others = plan.servers.dropFirst().joined(separator: ", then ")
    var steps = [
      "take a safety snapshot pre-restore-\(first)-<time> on \(first)",
      "upload \(plan.path) into \(BackupScripts.snapshotDirectory) on \(first)",
      "stop K3s on \(plan.servers.dropFirst().joined(separator: ", ")), then on \(first)",
      "on \(first): k3s server --cluster-reset --cluster-reset-restore-path=<the snapshot>, start K3s, wait until Ready",
      "on \(others): keep \(BackupScripts.databaseDirectory) as \(BackupScripts.databaseDirectory).before-restore-<time>, start K3s (it joins the restored cluster), wait until Ready",
    ]
    if !plan.agents.isEmpty {
      steps.append("check that the agents \(plan.agents.joined(separator: ", ")) are Ready")
    }
    return steps
  }

  /// Carries out the restore; returns the safety snapshot's path.
  func run() async throws -> String? {
    var progress = RestoreProgress(server: plan.server, history: history)
    var stopped: [String] = []
    var rejoined: Set<String> = []
    var reset = false
    let stamp = BackupOperation.timestamp(Date())
    do {
      let first = try await context.connection(to: plan.server)
      let kept = try await prepare(first, progress: &progress)
      for server in plan.servers.dropFirst() + [plan.server] {
        try progress.stopIfInterrupted(interruption, step: "stop K3s")
        progress.begin("stop K3s", on: server)
        say("stopping K3s on \(server) ...")
        stopped.append(server)
        try await root(server, "systemctl stop k3s", [], progress: progress)
        progress.record(.changed)
      }
      try progress.stopIfInterrupted(interruption, step: "cluster-reset restore")
      progress.begin("cluster-reset restore", on: plan.server)
      say("restoring on \(plan.server) with k3s server --cluster-reset ...")
      progress.stoppedK3s = true
      let target = BackupScripts.snapshotDirectory + "/" + (plan.path as NSString).lastPathComponent
      try await root(plan.server, RestoreOperation.etcdRestore, [target], progress: progress)
      reset = true
      progress.replaced = true
      progress.record(.changed)
      try await waitReady(plan.server, progress: &progress)
      for server in plan.servers.dropFirst() {
        try progress.stopIfInterrupted(interruption, step: "rejoin")
        try await rejoin(server, stamp: stamp, progress: &progress)
        rejoined.insert(server)
        try await waitReady(server, progress: &progress)
      }
      await checkAgents(progress: &progress)
      return kept
    } catch {
      let restarted = await bringBack(
        stopped: stopped, reset: reset, rejoined: rejoined, stamp: stamp)
      throw progress.failure(
        error, restarted: restarted,
        remedy: reset
          ? "the snapshot is in place on \(plan.server); check K3s on the servers (journalctl -u k3s) and see docs/nodes.md, \"Restoring by hand\""
          : "the cluster runs its previous datastore; fix the cause and run the restore again")
    }
  }

  /// The safety snapshot and the upload, on the first server (K3s still runs everywhere).
  private func prepare(_ first: SSHConnection, progress: inout RestoreProgress) async throws
    -> String?
  {
    try progress.stopIfInterrupted(interruption, step: "safety snapshot")
    progress.begin("safety snapshot", on: plan.server)
    let kept = try await RestoreOperation.safetySnapshot(
      on: first, server: plan.server, progress: &progress, say: say)
    try progress.stopIfInterrupted(interruption, step: "upload the snapshot")
    progress.begin("upload the snapshot", on: plan.server)
    say("uploading \(plan.path) to \(plan.server) ...")
    let target = BackupScripts.snapshotDirectory + "/" + (plan.path as NSString).lastPathComponent
    try await first.upload(
      file: URL(fileURLWithPath: plan.path), to: target, mode: 0o600, sudo: true)
    progress.record(.changed, message: target)
    return kept
  }

  /// Moves `server`'s old datastore aside and starts K3s, which joins the restored cluster.
  private func rejoin(_ server: String, stamp: String, progress: inout RestoreProgress)
    async throws
  {
    progress.begin("rejoin", on: server)
    say("\(server): keeping its old datastore aside and starting K3s (it joins again) ...")
    let output = try await root(server, Self.rejoinScript, [stamp], progress: progress)
    progress.record(.changed, message: output.split(separator: "\n").last.map(String.init))
  }

  /// Waits until `server` runs K3s, its own API is ready and its node is Ready. Asked on the
  /// server itself: the restored Node object may still say Ready from the time of the snapshot.
  private func waitReady(_ server: String, progress: inout RestoreProgress) async throws {
    progress.begin("wait for Ready", on: server)
    say("waiting for \(server) to be Ready ...")
    let connection = try await context.connection(to: server)
    let deadline = ContinuousClock.now + readyTimeout
    var last = ""
    while ContinuousClock.now < deadline {
      let check = try await connection.execute(
        .argv(
          ["/bin/sh", "-c", Self.readyCheck, "cluster-mgr-ready", server], sudo: true,
          timeout: .seconds(30), step: "ready check"))
      if check.succeeded {
        progress.record(.ok)
        return
      }
      last = check.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
      try await Task.sleep(for: .seconds(2))
    }
    throw OperationError(
      "\(server) was not Ready within \(readyTimeout.components.seconds) s after the restore: \(last)"
    )
  }

  /// `$1`: the node. Succeeds when K3s runs here, this server's API is ready and the node is
  /// Ready; otherwise prints why.
  static let readyCheck = """
    systemctl is-active --quiet k3s || { echo "K3s is not running there"; exit 1; }
    k3s kubectl get --raw /readyz >/dev/null 2>&1 || { echo "its API is not ready"; exit 1; }
    ready=$(k3s kubectl get node "$1" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>&1)
    [ "$ready" = True ] || { echo "its node is not Ready: $ready"; exit 1; }
    """

  /// Reports agents that are not Ready (they reconnect by themselves); never fails.
  private func checkAgents(progress: inout RestoreProgress) async {
    guard !plan.agents.isEmpty, !interruption.isRequested else { return }
    let access = ClusterAccess(context: context)
    let deadline = ContinuousClock.now + .seconds(60)
    var notReady = plan.agents
    while !notReady.isEmpty && ContinuousClock.now < deadline {
      if let nodes = try? await access.nodeInfos() {
        notReady = plan.agents.filter { agent in !nodes.contains { $0.name == agent && $0.ready } }
      }
      if !notReady.isEmpty { try? await Task.sleep(for: .seconds(2)) }
    }
    progress.begin("agents Ready", on: plan.agents[0])
    if notReady.isEmpty {
      progress.record(.ok, message: plan.agents.joined(separator: ", "))
    } else {
      say(
        "warning: not Ready yet: \(notReady.joined(separator: ", ")) (agents reconnect by themselves; check with cluster-mgr status)"
      )
      progress.record(.skipped, message: "not Ready yet: " + notReady.joined(separator: ", "))
    }
  }

  /// After a failure or an interruption: K3s runs again on every server it was stopped on.
  private func bringBack(stopped: [String], reset: Bool, rejoined: Set<String>, stamp: String)
    async -> String?
  {
    guard !stopped.isEmpty else { return nil }
    var outcomes: [String] = []
    for server in plan.servers where stopped.contains(server) && !rejoined.contains(server) {
      guard let connection = try? await context.connection(to: server) else {
        outcomes.append("\(server) cannot be reached: start K3s there (sudo systemctl start k3s)")
        continue
      }
      if reset && server != plan.server {
        let out = try? await connection.execute(
          .argv(
            ["/bin/sh", "-c", Self.rejoinScript, "cluster-mgr-restore", stamp], sudo: true,
            timeout: .seconds(300), step: "rejoin"))
        outcomes.append(
          out?.succeeded == true
            ? "\(server) joined the restored cluster"
            : "\(server) could not join the restored cluster: see docs/nodes.md, \"Restoring by hand\""
        )
      } else {
        outcomes.append(await RestoreOperation.ensureK3sRunning(on: connection, server: server))
      }
    }
    return outcomes.isEmpty ? nil : outcomes.joined(separator: "; ")
  }

  /// Runs a root script on `server`; its stderr (masked) is the error. Returns its stdout.
  @discardableResult
  private func root(
    _ server: String, _ script: String, _ arguments: [String], progress: RestoreProgress
  ) async throws -> String {
    let connection = try await context.connection(to: server)
    return try await RootScript(script, name: "cluster-mgr-restore").run(
      arguments, on: connection, timeout: .seconds(600), step: progress.step,
      redactor: context.redactor)
  }

  /// `$1`: the time stamp. Moves the server's datastore aside (K3s stopped) and starts K3s,
  /// which joins the restored cluster; K3s is started again however the script ends.
  static let rejoinScript = """
    set -eu
    cm_undo_if_unfinished() { :; }
    \(RestoreOperation.restartK3sOnExit)
    systemctl stop k3s
    db=\(BackupScripts.databaseDirectory)
    kept="$db.before-restore-$1"
    if [ -d "$db" ]; then mv "$db" "$kept"; fi
    systemctl start k3s
    echo "kept $kept"
    """
}
