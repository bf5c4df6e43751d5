import Basics
import Foundation
import Inventory
import RunHistory
import SSHTransport

/// A snapshot chosen for `restore`, checked against its manifest.
public struct RestorePlan: Sendable {
  /// The snapshot file on the workstation.
  public let path: String
  /// Its manifest, when it was made by `cluster-mgr backup`.
  public let manifest: BackupManifest?
  /// The first server (the only one, or the one the cluster is reset on).
  public let server: String
  /// The datastore the server runs (and the snapshot holds).
  public let datastore: Datastore
  /// Its SHA-256.
  public let sha256: String
  /// Every server, in inventory order (the first is ``server``).
  public let servers: [String]
  /// The agents (checked Ready afterwards).
  public let agents: [String]

  /// What the restore will do, step by step, in words (`restore --check` prints them).
  public var steps: [String] {
    servers.count > 1
      ? HARestore.steps(self)
      : RestoreOperation.singleServerSteps(self)
  }
}

/// `cluster-mgr restore SNAPSHOT`: puts a backup back on the cluster's servers.
///
/// SQLite: stop K3s, keep the current `state.db` (and its WAL) as `state.db.before-restore-<time>`,
/// put the snapshot in place with one `rename`, start K3s. etcd, one server: a safety snapshot
/// first, then stop K3s, `k3s server --cluster-reset --cluster-reset-restore-path=…`, start K3s.
/// Both wait until the API answers and the server's node is Ready. Several servers (embedded
/// etcd): see ``HARestore``.
public enum RestoreOperation {
  /// Finds `snapshot` and checks it against its manifest and the server's datastore.
  ///
  /// `snapshot` is a path, or a file name in the cluster's backup directory. Throws before
  /// anything is changed.
  public static func plan(snapshot: String, context: ClusterContext) async throws -> RestorePlan {
    guard let server = context.servers.first else {
      throw OperationError(
        "\(context.inventory.path) has no server to restore", exitStatus: ExitStatus.invalidInput)
    }
    let path = try locate(snapshot, cluster: context.settings.clusterName)
    let manifest = readManifest(path + ".json")
    let sha: String
    do { sha = try FileHash.sha256(path: path) } catch {
      throw OperationError(
        "cannot read \(path): \(error.localizedDescription)", exitStatus: ExitStatus.invalidInput)
    }
    if let manifest, manifest.sha256 != sha {
      throw OperationError(
        "\(path) has changed since it was backed up: sha256 \(sha), the manifest says \(manifest.sha256)",
        remedy: "use another backup (cluster-mgr backup list)", exitStatus: ExitStatus.invalidInput)
    }
    let connection = try await context.connection(to: server.name)
    let kind = try await BackupOperation.datastore(on: connection, server: server.name)
    if let manifest, manifest.datastore != kind {
      throw OperationError(
        "\(path) is a\(manifest.datastore == .etcd ? "n etcd" : " SQLite") snapshot but \(server.name) runs \(kind == .etcd ? "etcd" : "SQLite")",
        remedy: "restore a snapshot of the same datastore", exitStatus: ExitStatus.invalidInput)
    }
    if kind == .sqlite, !isSQLite(path) {
      throw OperationError("\(path) is not an SQLite database", exitStatus: ExitStatus.invalidInput)
    }
    let servers = context.servers.map(\.name)
    if servers.count > 1 {
      try await HARestore.check(servers: servers, datastore: kind, context: context)
    }
    return RestorePlan(
      path: path, manifest: manifest, server: server.name, datastore: kind, sha256: sha,
      servers: servers, agents: context.nodes.filter { $0.role == .agent }.map(\.name))
  }

  /// The steps of a one-server restore, in words.
  static func singleServerSteps(_ plan: RestorePlan) -> [String] {
    let server = plan.server
    switch plan.datastore {
    case .sqlite:
      return [
        "upload \(plan.path) to \(server) (checked by SHA-256 on arrival)",
        "stop K3s on \(server), keep state.db and its WAL as state.db.before-restore-<time>, put the snapshot in place, start K3s",
        "wait until the API answers and \(server) is Ready",
      ]
    case .etcd:
      return [
        "take a safety snapshot pre-restore-\(server)-<time> on \(server)",
        "upload \(plan.path) into \(BackupScripts.snapshotDirectory) on \(server)",
        "stop K3s on \(server), run k3s server --cluster-reset --cluster-reset-restore-path=<the snapshot>, start K3s",
        "wait until the API answers and \(server) is Ready",
      ]
    }
  }

  /// `snapshot` as given when that file exists, else that name in the default backup directory.
  static func locate(_ snapshot: String, cluster: String) throws -> String {
    let expanded = (snapshot as NSString).expandingTildeInPath
    if FileManager.default.fileExists(atPath: expanded) { return expanded }
    let directory = BackupOperation.defaultDirectory(cluster: cluster)
    let inDefault = (directory as NSString).appendingPathComponent(snapshot)
    if !snapshot.contains("/"), FileManager.default.fileExists(atPath: inDefault) {
      return inDefault
    }
    throw OperationError(
      "no snapshot \(snapshot) here or in \(directory)",
      remedy: "see the backups with `cluster-mgr backup list`", exitStatus: ExitStatus.invalidInput)
  }

  static func readManifest(_ path: String) -> BackupManifest? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try? decoder.decode(BackupManifest.self, from: data)
  }

  static func isSQLite(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    return (try? handle.read(upToCount: 16)) == Data("SQLite format 3\0".utf8)
  }

  /// Carries out `plan`, reporting steps through `say`; recorded in the run history.
  ///
  /// Once K3s was stopped it is started again whatever happens: by a trap in the root script
  /// (failure, time limit, lost connection), and from here after a failure or an interruption.
  /// After an interruption nothing new starts (no upload, no swap, no wait for Ready).
  public static func run(
    _ plan: RestorePlan, context: ClusterContext, readyTimeout: Duration = .seconds(300),
    commandLine: [String] = CommandLine.arguments, interruption: Interruption = Interruption(),
    say: @escaping @Sendable (String) -> Void
  ) async throws -> (kept: String?, runID: Int64?, historyWarning: String?) {
    let history = await OperationHistory.begin(
      command: "restore", commandLine: commandLine, inventoryPath: context.inventory.path,
      redactor: context.redactor,
      cluster: context.settings.clusterName)
    return try await history.finishingOnError {
      let kept = try await execute(
        plan, context: context, history: history, readyTimeout: readyTimeout,
        interruption: interruption, say: say)
      let id = await history.finish(.succeeded)
      return (kept, id, history.warning)
    }
  }

  /// Carries out `plan`, recording each step in `history` (which the caller finishes); returns
  /// what was kept of the previous datastore.
  static func execute(
    _ plan: RestorePlan, context: ClusterContext, history: OperationHistory,
    readyTimeout: Duration, interruption: Interruption,
    say: @escaping @Sendable (String) -> Void
  ) async throws -> String? {
    if plan.servers.count > 1 {
      return try await HARestore(
        plan: plan, context: context, history: history, readyTimeout: readyTimeout,
        interruption: interruption, say: say
      ).run()
    }
    return try await singleServer(
      plan, context: context, history: history, readyTimeout: readyTimeout,
      interruption: interruption, say: say)
  }

  /// The restore of the only server.
  static func singleServer(
    _ plan: RestorePlan, context: ClusterContext, history: OperationHistory,
    readyTimeout: Duration, interruption: Interruption, say: @Sendable (String) -> Void
  ) async throws -> String? {
    var progress = RestoreProgress(server: plan.server, history: history)
    var connection: SSHConnection?
    do {
      let server = try await context.connection(to: plan.server)
      connection = server
      let kept = try await replaceDatastore(
        plan, on: server, progress: &progress, context: context, interruption: interruption,
        say: say)
      try progress.stopIfInterrupted(interruption, step: "wait for Ready")
      progress.begin("wait for Ready")
      say("waiting for the API and \(plan.server) to be Ready ...")
      try await waitReady(connection: server, node: plan.server, timeout: readyTimeout)
      progress.record(.ok)
      return kept
    } catch {
      var restarted: String?
      if progress.stoppedK3s, let connection {
        restarted = await ensureK3sRunning(on: connection, server: plan.server)
      }
      throw progress.failure(
        error, restarted: restarted, remedy: failureRemedy(plan, progress: progress))
    }
  }

  /// `k3s etcd-snapshot save` of the datastore about to be replaced, on `server` (the step in
  /// `progress`): its path, or nil with a warning when none could be taken (K3s not running).
  static func safetySnapshot(
    on connection: SSHConnection, server: String, progress: inout RestoreProgress,
    say: (String) -> Void
  ) async throws -> String? {
    say("taking a safety snapshot of the current datastore on \(server) ...")
    let safety = try await connection.execute(
      .argv(
        ["/bin/sh", "-c", BackupScripts.etcdSnapshot, "cluster-mgr-snapshot", "pre-restore"],
        sudo: true, timeout: .seconds(300), step: progress.step))
    guard safety.succeeded,
      let file = try? BackupScripts.SavedFile(output: safety.stdoutText, server: server)
    else {
      say(
        "warning: no safety snapshot (is K3s running?): \(safety.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))"
      )
      progress.record(.failed, message: safety.stderrText)
      return nil
    }
    progress.kept = file.path
    progress.record(.changed, message: file.path)
    return file.path
  }

  /// What to do after a failed restore, from how far it got.
  static func failureRemedy(_ plan: RestorePlan, progress: RestoreProgress) -> String {
    if progress.replaced {
      return "the snapshot is in place"
        + (progress.kept.map { " (the previous datastore is kept as \($0))" } ?? "")
        + "; check K3s on \(plan.server) (journalctl -u k3s), see docs/nodes.md, \"Restoring by hand\""
    }
    if progress.stoppedK3s && plan.datastore == .sqlite {
      return "the swap was undone: \(plan.server) runs its previous datastore; fix the cause and "
        + "run the restore again"
    }
    if progress.stoppedK3s {
      return "see docs/nodes.md, \"Restoring by hand\""
        + (progress.kept.map { "; the safety snapshot is \($0)" } ?? "")
    }
    return "nothing was changed on \(plan.server)"
  }

  /// Uploads the snapshot and swaps it in with K3s stopped; returns what was kept of the
  /// previous datastore.
  static func replaceDatastore(
    _ plan: RestorePlan, on connection: SSHConnection, progress: inout RestoreProgress,
    context: ClusterContext, interruption: Interruption, say: @Sendable (String) -> Void
  ) async throws -> String? {
    let server = plan.server
    /// Runs one of the restore scripts as root; its stderr (masked) is the error.
    func restoreScript(_ script: String, _ arguments: [String], timeout: Duration) async throws
      -> String
    {
      try await RootScript(script, name: "cluster-mgr-restore").run(
        arguments, on: connection, timeout: timeout, step: progress.step,
        redactor: context.redactor)
    }
    let stamp = BackupOperation.timestamp(Date())
    switch plan.datastore {
    case .sqlite:
      let staged = BackupScripts.sqliteDatabase + ".cluster-mgr-restore"
      try progress.stopIfInterrupted(interruption, step: "upload the snapshot")
      progress.begin("upload the snapshot")
      say("uploading \(plan.path) to \(server) ...")
      try await connection.upload(
        file: URL(fileURLWithPath: plan.path), to: staged, mode: 0o600, sudo: true)
      progress.record(.changed, message: staged)
      try progress.stopIfInterrupted(interruption, step: "replace state.db")
      progress.begin("replace state.db")
      say("stopping K3s on \(server) and putting the snapshot in place ...")
      progress.stoppedK3s = true
      let output = try await restoreScript(
        sqliteRestore(), [staged, stamp], timeout: .seconds(300))
      progress.replaced = true
      let kept = output.split(separator: "\n").last.map(String.init).flatMap {
        $0.hasPrefix("kept ") ? String($0.dropFirst(5)) : nil
      }
      progress.kept = kept
      progress.record(.changed, message: kept.map { "previous state.db kept as \($0)" })
      return kept
    case .etcd:
      try progress.stopIfInterrupted(interruption, step: "safety snapshot")
      progress.begin("safety snapshot")
      let kept = try await Self.safetySnapshot(
        on: connection, server: server, progress: &progress, say: say)
      let target =
        BackupScripts.snapshotDirectory + "/" + (plan.path as NSString).lastPathComponent
      try progress.stopIfInterrupted(interruption, step: "upload the snapshot")
      progress.begin("upload the snapshot")
      say("uploading \(plan.path) to \(server) ...")
      try await connection.upload(
        file: URL(fileURLWithPath: plan.path), to: target, mode: 0o600, sudo: true)
      progress.record(.changed, message: target)
      try progress.stopIfInterrupted(interruption, step: "cluster-reset restore")
      progress.begin("cluster-reset restore")
      say("stopping K3s on \(server) and restoring with k3s server --cluster-reset ...")
      progress.stoppedK3s = true
      _ = try await restoreScript(etcdRestore, [target], timeout: .seconds(600))
      progress.replaced = true
      progress.record(.changed)
      return kept
    }
  }

  /// Starts K3s on the server unless it runs (after a failed or interrupted restore); says
  /// what happened, in words for the user.
  static func ensureK3sRunning(on connection: SSHConnection, server: String) async -> String {
    do {
      let result = try await connection.execute(
        .script(
          "systemctl is-active --quiet k3s || systemctl start k3s", sudo: true,
          timeout: .seconds(180), step: "start K3s again"))
      if result.succeeded { return "K3s runs on \(server)" }
      return "K3s could not be started again on \(server): "
        + result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
        + " (start it there: sudo systemctl start k3s)"
    } catch {
      return "K3s could not be started again from here (\(error.message)); its root script "
        + "starts it when it ends, check on \(server): systemctl status k3s"
    }
  }

  /// Polls until `k3s kubectl get --raw /readyz` answers and `node` is Ready.
  static func waitReady(connection: SSHConnection, node: String, timeout: Duration) async throws {
    let deadline = ContinuousClock.now + timeout
    var last = ""
    while ContinuousClock.now < deadline {
      let check = try await connection.execute(
        .argv(
          [
            "k3s", "kubectl", "get", "node", node, "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
          ],
          sudo: true, timeout: .seconds(20), step: "node Ready"))
      if check.succeeded, check.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "True"
      {
        return
      }
      last = (check.stderrText + check.stdoutText).trimmingCharacters(in: .whitespacesAndNewlines)
      try await Task.sleep(for: .seconds(2))
    }
    throw OperationError(
      "\(node) was not Ready within \(timeout) after the restore: \(last.prefix(300))")
  }

  /// Shell that starts K3s again whenever the script ends after it stopped K3s.
  ///
  /// It runs on success (a no-op, the script started it), on a failure (`set -e`), and when the
  /// script is ended by a signal (its time limit, the connection gone: SIGTERM, SIGHUP,
  /// SIGPIPE, SIGINT). First
  /// `cm_undo_if_unfinished` (each script defines it) puts back what a step left half done.
  /// `--no-block` hands the start to systemd at once, so that a SIGKILL that follows the time
  /// limit's SIGTERM cannot stop it; the output goes nowhere (the connection may be gone).
  static let restartK3sOnExit = """
    cm_restart_k3s() { systemctl start --no-block k3s >/dev/null 2>&1 || true; }
    trap 'cm_rc=$?; trap - EXIT; cm_undo_if_unfinished || true; cm_restart_k3s; exit $cm_rc' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 141' PIPE
    trap 'exit 143' TERM
    """

  /// Swaps the staged snapshot (`$1`) in for `database`; prints `kept PATH` (suffix `$2`) last.
  ///
  /// The current datastore (the file, its `-wal` and `-shm`) is kept as hard links under
  /// `.before-restore-$2` first; a swap that does not complete is undone from them (the WAL
  /// holds the newest writes: K3s must never start on the file without it), then K3s starts.
  static func sqliteRestore(database: String = BackupScripts.sqliteDatabase) -> String {
    """
    set -eu
    staged=$1
    db=\(ShellQuote.quote(database))
    kept="$db.before-restore-$2"
    cm_swapping=0
    cm_undo_if_unfinished() {
      [ "$cm_swapping" = 1 ] || return 0
      for cm_s in "" -wal -shm; do
        if [ "$kept$cm_s" -ef "$db$cm_s" ]; then rm -f "$kept$cm_s"
        elif [ -f "$kept$cm_s" ]; then ln -f "$kept$cm_s" "$db$cm_s" && rm -f "$kept$cm_s"
        else rm -f "$db$cm_s"
        fi
      done
    }
    \(restartK3sOnExit)
    systemctl stop k3s
    for suffix in "" -wal -shm; do
      if [ -f "$db$suffix" ]; then ln -f "$db$suffix" "$kept$suffix"; fi
    done
    chmod 600 "$staged"
    cm_swapping=1
    rm -f "$db-wal" "$db-shm"
    mv -f "$staged" "$db"
    cm_swapping=0
    systemctl start k3s
    echo "kept $kept"
    """
  }

  /// Argument: the snapshot on the server.
  static let etcdRestore = """
    set -eu
    cm_undo_if_unfinished() { :; }
    \(restartK3sOnExit)
    systemctl stop k3s
    k3s server --cluster-reset --cluster-reset-restore-path="$1"
    systemctl start k3s
    """
}

/// Where a restore is: the step running (recorded in the history when it ends) and whether K3s
/// was stopped (from then on it must be started again, whatever happens).
struct RestoreProgress {
  /// The server the current step works on.
  var server: String
  let history: OperationHistory
  private(set) var step = "connect"
  private var started = ContinuousClock.now
  /// The root script that stops K3s has started.
  var stoppedK3s = false
  /// The root script put the snapshot in place.
  var replaced = false
  /// What was kept of the previous datastore (or the etcd safety snapshot).
  var kept: String?

  init(server: String, history: OperationHistory) {
    self.server = server
    self.history = history
  }

  /// A new step begins.
  mutating func begin(_ step: String) {
    self.step = step
    started = ContinuousClock.now
  }

  /// A new step begins on `host`.
  mutating func begin(_ step: String, on host: String) {
    server = host
    begin(step)
  }

  /// Records the current step as ended with `status`.
  func record(_ status: TaskRecord.Status, message: String? = nil) {
    history.record(host: server, step: step, status: status, started: started, message: message)
  }

  /// Records the step that failed (or was interrupted) and returns what to throw: the step, the
  /// server, what became of K3s (`restarted`) and `remedy`.
  func failure(_ error: any Error, restarted: String?, remedy: String) -> any Error {
    let message = RemoveNodeOperation.describe(error)
    if let interrupted = error as? OperationInterrupted {
      record(.skipped, message: message)
      return OperationInterrupted(interrupted.message, restarted: restarted, replaced: replaced)
    }
    record(.failed, message: message)
    return OperationError(
      "\(step) on \(server) failed: \(message)" + (restarted.map { "; " + $0 } ?? ""),
      remedy: remedy)
  }

  /// Throws before `next` starts when the restore was interrupted.
  mutating func stopIfInterrupted(_ interruption: Interruption, step next: String) throws {
    guard interruption.isRequested else { return }
    begin(next)
    throw OperationInterrupted("before \(next) on \(server)", interruption: interruption)
  }
}

extension OperationInterrupted {
  /// A restore's interruption: what it did not start, and where K3s stands.
  init(_ message: String, restarted: String?, replaced: Bool) {
    self.message = message + (restarted.map { "; " + $0 } ?? "")
    self.remedy =
      replaced
      ? "the snapshot is in place; check that the cluster is Ready (cluster-mgr status)"
      : "nothing was changed; run the restore again"
  }
}
