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
  /// The single server.
  public let server: String
  /// The datastore the server runs (and the snapshot holds).
  public let datastore: Datastore
  /// Its SHA-256.
  public let sha256: String
}

/// `cluster-mgr restore SNAPSHOT`: puts a backup back on the single server of the cluster.
///
/// SQLite: stop K3s, keep the current `state.db` as `state.db.before-restore-<time>`, put the
/// snapshot in place with one `rename`, start K3s. etcd: a safety snapshot first, then stop K3s,
/// `k3s server --cluster-reset --cluster-reset-restore-path=…`, start K3s. Both wait until the
/// API answers and the server's node is Ready.
public enum RestoreOperation {
  /// Finds `snapshot` and checks it against its manifest and the server's datastore.
  ///
  /// `snapshot` is a path, or a file name in the cluster's backup directory. Throws before
  /// anything is changed.
  public static func plan(snapshot: String, context: ClusterContext) async throws -> RestorePlan {
    guard context.servers.count == 1, let server = context.servers.first else {
      throw OperationError(
        "restore is implemented for a cluster with one server; \(context.inventory.path) has \(context.servers.count)",
        remedy: "restore an HA cluster by hand: see docs/nodes.md, \"Restoring by hand\"",
        exitStatus: ExitStatus.invalidInput)
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
    return RestorePlan(
      path: path, manifest: manifest, server: server.name, datastore: kind, sha256: sha)
  }

  /// `snapshot` as given when that file exists, else that name in the default backup directory.
  static func locate(_ snapshot: String, cluster: String) throws -> String {
    let expanded = (snapshot as NSString).expandingTildeInPath
    if FileManager.default.fileExists(atPath: expanded) { return expanded }
    let inDefault = (BackupOperation.defaultDirectory(cluster: cluster) as NSString)
      .appendingPathComponent(snapshot)
    if !snapshot.contains("/"), FileManager.default.fileExists(atPath: inDefault) {
      return inDefault
    }
    throw OperationError(
      "no snapshot \(snapshot) here or in \(BackupOperation.defaultDirectory(cluster: cluster))",
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
  public static func run(
    _ plan: RestorePlan, context: ClusterContext, readyTimeout: Duration = .seconds(300),
    commandLine: [String] = CommandLine.arguments, say: @Sendable (String) -> Void
  ) async throws -> (kept: String?, runID: Int64?, historyWarning: String?) {
    let history = await OperationHistory.begin(
      command: "restore", commandLine: commandLine, inventoryPath: context.inventory.path,
      redactor: context.redactor)
    let server = plan.server
    var step = "upload the snapshot"
    var started = ContinuousClock.now
    var changed = false
    do {
      let connection = try await context.connection(to: server)
      /// Runs one of the restore scripts as root; its stderr (masked) is the error.
      func restoreScript(_ script: String, _ arguments: [String], timeout: Duration) async throws
        -> String
      {
        let out = try await connection.execute(
          .argv(
            ["/bin/sh", "-c", script, "cluster-mgr-restore"] + arguments, sudo: true,
            timeout: timeout, step: step))
        guard out.succeeded else {
          throw OperationError(
            context.redactor.redact(out.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return out.stdoutText
      }
      let stamp = BackupOperation.timestamp(Date())
      var kept: String?
      switch plan.datastore {
      case .sqlite:
        let staged = BackupScripts.sqliteDatabase + ".cluster-mgr-restore"
        say("uploading \(plan.path) to \(server) ...")
        try await connection.upload(
          file: URL(fileURLWithPath: plan.path), to: staged, mode: 0o600, sudo: true)
        history.record(
          host: server, step: step, status: .changed, started: started, message: staged)
        step = "replace state.db"
        started = ContinuousClock.now
        say("stopping K3s on \(server) and putting the snapshot in place ...")
        changed = true
        let output = try await restoreScript(
          sqliteRestore, [staged, stamp], timeout: .seconds(300))
        kept = output.split(separator: "\n").last.map(String.init).flatMap {
          $0.hasPrefix("kept ") ? String($0.dropFirst(5)) : nil
        }
        history.record(
          host: server, step: step, status: .changed, started: started,
          message: kept.map { "previous state.db kept as \($0)" })
      case .etcd:
        step = "safety snapshot"
        say("taking a safety snapshot of the current datastore on \(server) ...")
        let safety = try await connection.execute(
          .argv(
            ["/bin/sh", "-c", BackupScripts.etcdSnapshot, "cluster-mgr-snapshot", "pre-restore"],
            sudo: true,
            timeout: .seconds(300), step: step))
        if safety.succeeded,
          let file = try? BackupScripts.SavedFile(output: safety.stdoutText, server: server)
        {
          kept = file.path
          history.record(
            host: server, step: step, status: .changed, started: started, message: file.path)
        } else {
          say(
            "warning: no safety snapshot (is K3s running?): \(safety.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))"
          )
          history.record(
            host: server, step: step, status: .failed, started: started, message: safety.stderrText)
        }
        step = "upload the snapshot"
        started = ContinuousClock.now
        let target =
          BackupScripts.snapshotDirectory + "/" + (plan.path as NSString).lastPathComponent
        say("uploading \(plan.path) to \(server) ...")
        try await connection.upload(
          file: URL(fileURLWithPath: plan.path), to: target, mode: 0o600, sudo: true,
          createDirectory: true)
        history.record(
          host: server, step: step, status: .changed, started: started, message: target)
        step = "cluster-reset restore"
        started = ContinuousClock.now
        say("stopping K3s on \(server) and restoring with k3s server --cluster-reset ...")
        changed = true
        _ = try await restoreScript(etcdRestore, [target], timeout: .seconds(600))
        history.record(host: server, step: step, status: .changed, started: started)
      }
      step = "wait for Ready"
      started = ContinuousClock.now
      say("waiting for the API and \(server) to be Ready ...")
      try await waitReady(connection: connection, node: server, timeout: readyTimeout)
      history.record(host: server, step: step, status: .ok, started: started)
      let id = await history.finish(.succeeded)
      return (kept, id, history.warning)
    } catch {
      let message = RemoveNodeOperation.describe(error)
      history.record(host: server, step: step, status: .failed, started: started, message: message)
      await history.finish(.failed)
      throw OperationError(
        "\(step) on \(server) failed: \(message)",
        remedy: changed
          ? "see docs/nodes.md, \"Restoring by hand\"; the previous datastore was kept (see above)"
          : "nothing was changed on \(server)")
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

  /// Swaps the staged snapshot (`$1`) in; prints `kept PATH` (suffix `$2`) last.
  static let sqliteRestore = """
    set -eu
    staged=$1
    db=\(BackupScripts.sqliteDatabase)
    kept="$db.before-restore-$2"
    systemctl stop k3s
    if [ -f "$db" ]; then ln -f "$db" "$kept"; fi
    for suffix in -wal -shm; do
      if [ -f "$db$suffix" ]; then mv -f "$db$suffix" "$kept$suffix"; fi
    done
    chmod 600 "$staged"
    mv -f "$staged" "$db"
    systemctl start k3s
    echo "kept $kept"
    """

  /// Argument: the snapshot on the server.
  static let etcdRestore = """
    set -eu
    systemctl stop k3s
    k3s server --cluster-reset --cluster-reset-restore-path="$1"
    systemctl start k3s
    """
}
