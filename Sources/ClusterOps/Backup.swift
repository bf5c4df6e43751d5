import Basics
import Foundation
import Inventory
import RunHistory
import SSHTransport

/// Which datastore a K3s server runs.
public enum Datastore: String, Sendable, Codable {
  /// Embedded etcd (`cluster-init`, or a joined server).
  case etcd
  /// The default single-server SQLite database (kine).
  case sqlite
}

/// What `backup` writes next to each snapshot file (`FILE.json`).
public struct BackupManifest: Codable, Sendable, Equatable {
  /// The snapshot file's name (in the same directory).
  public var file: String
  /// `cluster_name` of the inventory.
  public var cluster: String
  /// The server it was taken on.
  public var server: String
  /// The datastore it holds.
  public var datastore: Datastore
  /// Where it is on the server.
  public var remotePath: String
  /// Its SHA-256 (hex), the same on the server and here.
  public var sha256: String
  /// Its size in bytes.
  public var size: Int64
  /// When it was taken.
  public var createdAt: Date
  /// Why it was taken: nil for `backup`, `pre-upgrade` for the snapshot a K3s version change
  /// takes first (what `provision --rollback-to` restores).
  public var purpose: String?
  /// The run it belongs to (`cluster-mgr history show RUN`).
  public var run: Int64?
  /// The K3s version the servers ran when it was taken (pre-upgrade snapshots).
  public var k3sVersion: String?
  /// The K3s version the upgrade went to (pre-upgrade snapshots).
  public var upgradeTo: String?

  /// The purpose of the snapshot taken before a K3s version change.
  public static let preUpgrade = "pre-upgrade"
}

/// What `backup` did: the new backup, the backups its retention removed, the run.
public struct BackupOutcome: Sendable {
  /// The new backup's manifest.
  public var manifest: BackupManifest
  /// The new backup's file.
  public var path: String
  /// Older backups removed by the retention (`--keep`, `--keep-within`).
  public var pruned: [LocalBackup]
  /// The run's number in the history.
  public var runID: Int64?
  /// A history problem (the backup itself worked).
  public var historyWarning: String?
}

/// A snapshot file on a server.
public struct RemoteSnapshot: Sendable, Equatable {
  /// The file name in the server's snapshot directory.
  public var name: String
  /// Its size in bytes.
  public var size: Int64
  /// Its modification time.
  public var modified: Date
}

/// A backup on the workstation and whether its file still matches the manifest.
public struct LocalBackup: Sendable {
  /// The manifest.
  public var manifest: BackupManifest
  /// The snapshot file's full path.
  public var path: String
  /// `ok`, `missing` or `CHANGED` (the file's SHA-256 differs from the manifest).
  public var state: String
}

/// `cluster-mgr backup`: a datastore snapshot on a server, fetched to the workstation and
/// checked by SHA-256; `backup list` shows what is here and on the server.
public enum BackupOperation {
  /// `$CLUSTER_MGR_STATE_DIR/backups/<cluster_name>` (see ``StatePaths``).
  public static func defaultDirectory(cluster: String) -> String {
    StatePaths.directory.appendingPathComponent("backups").appendingPathComponent(cluster).path
  }

  /// The server whose datastore is backed up: a single server directly (its SQLite copy does
  /// not need the API), else the first server whose API is ready.
  static func server(_ context: ClusterContext) async throws -> (String, SSHConnection) {
    guard context.servers.count > 1 else {
      guard let only = context.servers.first else {
        throw OperationError("the inventory has no server")
      }
      return (only.name, try await context.connection(to: only.name))
    }
    let access = ClusterAccess(context: context)
    _ = try await access.onServer(.argv(["true"], step: "choose a server"))
    let name = await access.serverName ?? context.servers[0].name
    return (name, try await context.connection(to: name))
  }

  /// The datastore `connection`'s server runs.
  static func datastore(on connection: SSHConnection, server: String) async throws -> Datastore {
    let answer = try await connection.execute(
      .script(BackupScripts.detectDatastore, sudo: true, step: "detect the datastore"))
    switch answer.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) {
    case "etcd": return .etcd
    case "sqlite": return .sqlite
    case "external":
      throw OperationError(
        "\(server) uses an external datastore (datastore-endpoint)",
        remedy: "back the database up with its own tools (pg_dump, mysqldump, etcdctl)")
    default:
      throw OperationError(
        "\(server) has no K3s datastore in \(BackupScripts.databaseDirectory)",
        remedy: "is K3s installed there? (cluster-mgr provision)")
    }
  }

  /// Takes a snapshot on a server and fetches it into `directory`, checked by SHA-256.
  ///
  /// The snapshot is streamed straight into its file (mode 0600 from the first byte, hashed as
  /// it arrives, renamed into place only when it has the server's SHA-256 and size); the
  /// manifest goes next to it. With `retention`, older backups of the cluster in that directory
  /// are pruned afterwards (see ``BackupRetention``). Recorded in the run history. After an
  /// interruption nothing new starts: a snapshot already taken is not fetched.
  public static func create(
    context: ClusterContext, directory: String?, retention: BackupRetention? = nil,
    commandLine: [String] = CommandLine.arguments,
    interruption: Interruption = Interruption(), say: @Sendable (String) -> Void
  ) async throws -> BackupOutcome {
    let cluster = context.settings.clusterName
    let history = await OperationHistory.begin(
      command: "backup", commandLine: commandLine, inventoryPath: context.inventory.path,
      redactor: context.redactor,
      cluster: context.settings.clusterName)
    let started = ContinuousClock.now
    var host = context.servers.first?.name ?? "server"
    do {
      let (server, connection) = try await Self.server(context)
      host = server
      let taken = try await BackupSnapshot.take(
        on: server, connection: connection, label: "cluster-mgr-\(cluster)", context: context,
        say: say)
      if interruption.isRequested {
        history.record(
          host: server, step: "backup \(taken.datastore.rawValue)", status: .skipped,
          started: started,
          message: "interrupted before the fetch; \(taken.saved.path) stays on \(server)")
        await history.finish(.interrupted)
        throw OperationInterrupted(
          "before the snapshot was fetched: it stays on \(server) as \(taken.saved.path)",
          interruption: interruption, remedy: "run cluster-mgr backup again")
      }
      var details = BackupSnapshot.Details()
      details.run = history.runID
      let (manifest, path) = try await BackupSnapshot.fetch(
        taken, from: server, connection: connection,
        into: directory ?? defaultDirectory(cluster: cluster), cluster: cluster,
        details: details)
      history.record(
        host: server, step: "backup \(taken.datastore.rawValue)", status: .changed,
        started: started, message: "\(path) sha256 \(manifest.sha256)")
      var pruned: [LocalBackup] = []
      if let retention {
        pruned = try BackupRetention.prune(
          in: (path as NSString).deletingLastPathComponent, cluster: cluster, policy: retention
        ).removed
        for backup in pruned {
          history.record(
            host: server, step: "prune backup", status: .changed, started: started,
            message: backup.path)
        }
      }
      let id = await history.finish(.succeeded)
      return BackupOutcome(
        manifest: manifest, path: path, pruned: pruned, runID: id,
        historyWarning: history.warning)
    } catch let error as OperationInterrupted {
      throw error
    } catch {
      history.record(
        host: host, step: "backup", status: .failed, started: started,
        message: RemoveNodeOperation.describe(error))
      await history.finish(.failed)
      throw error
    }
  }

  /// Creates the backup directory (0700) when missing.
  static func makeDirectory(_ directory: String) throws {
    do { try AtomicFile.makeDirectories(directory, mode: 0o700) } catch {
      throw OperationError(
        "cannot write the backup into \(directory): \(error.message)", remedy: error.remedy)
    }
  }

  /// Writes `manifest` next to the snapshot at `path` (`PATH.json`, mode 0600), atomically.
  static func writeManifest(_ manifest: BackupManifest, next path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    do {
      try AtomicFile.write(
        try encoder.encode(manifest) + Data("\n".utf8), to: path + ".json", mode: 0o600)
    } catch let error as AtomicFileError {
      throw OperationError("cannot write \(path).json: \(error.message)", remedy: error.remedy)
    }
  }

  /// The backups in `directory` (every `*.json` manifest), newest first, each checked.
  public static func localBackups(in directory: String) -> [LocalBackup] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    var backups: [LocalBackup] = []
    for name in names where name.hasSuffix(".json") {
      let manifestPath = (directory as NSString).appendingPathComponent(name)
      guard let data = FileManager.default.contents(atPath: manifestPath),
        let manifest = try? decoder.decode(BackupManifest.self, from: data)
      else { continue }
      let path = (directory as NSString).appendingPathComponent(manifest.file)
      let state: String
      if let sha = try? FileHash.sha256(path: path) {
        state = sha == manifest.sha256 ? "ok" : "CHANGED"
      } else {
        state = "missing"
      }
      backups.append(LocalBackup(manifest: manifest, path: path, state: state))
    }
    return backups.sorted { $0.manifest.createdAt > $1.manifest.createdAt }
  }

  /// The snapshot files in a server's snapshot directory, newest first.
  public static func remoteSnapshots(context: ClusterContext) async throws -> (
    server: String, snapshots: [RemoteSnapshot]
  ) {
    let (server, connection) = try await Self.server(context)
    let listing = try await connection.execute(
      .script(BackupScripts.listSnapshots, sudo: true, step: "list snapshots"))
    guard listing.succeeded else {
      throw OperationError(
        "\(server): cannot list \(BackupScripts.snapshotDirectory): \(listing.stderrText)")
    }
    let snapshots = listing.stdoutText.split(separator: "\n").compactMap {
      line -> RemoteSnapshot? in
      let fields = line.split(separator: "\t").map(String.init)
      guard fields.count == 3, let size = Int64(fields[1]), let time = Double(fields[2]) else {
        return nil
      }
      return RemoteSnapshot(
        name: fields[0], size: size, modified: Date(timeIntervalSince1970: time))
    }
    return (server, snapshots.sorted { $0.modified > $1.modified })
  }

  /// `20250102T030405Z`: sorts in time order and is safe in file names.
  static func timestamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    return formatter.string(from: date)
  }
}
