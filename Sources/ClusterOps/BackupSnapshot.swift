import Basics
import Foundation
import SSHTransport

/// The two halves of every backup: a snapshot taken on a server, then fetched to the
/// workstation, checked by SHA-256 and described by a manifest. Used by `backup` and by the
/// snapshot a K3s version change takes first.
enum BackupSnapshot {
  /// A snapshot on a server, not fetched yet.
  struct Taken: Sendable {
    /// The datastore it holds.
    let datastore: Datastore
    /// Its path, SHA-256 and size on the server.
    let saved: BackupScripts.SavedFile
  }

  /// What a manifest says beyond the file itself.
  struct Details: Sendable {
    var purpose: String?
    var run: Int64?
    var k3sVersion: String?
    var upgradeTo: String?
  }

  /// Takes a snapshot of `server`'s datastore, named `label` and the time: `k3s etcd-snapshot
  /// save` for embedded etcd, SQLite's online backup for a single server.
  static func take(
    on server: String, connection: SSHConnection, label: String, context: ClusterContext,
    say: @Sendable (String) -> Void
  ) async throws -> Taken {
    let kind = try await BackupOperation.datastore(on: connection, server: server)
    let stamp = BackupOperation.timestamp(Date())
    say(
      "taking \(kind == .etcd ? "an etcd snapshot" : "a consistent copy of the SQLite datastore") on \(server) ..."
    )
    let (script, name, step) =
      switch kind {
      case .etcd: (BackupScripts.etcdSnapshot, "\(label)-\(stamp)", "etcd snapshot")
      case .sqlite:
        (BackupScripts.sqliteBackup, "\(label)-\(server)-\(stamp).sqlite", "sqlite backup")
      }
    let output = try await RootScript(script, name: "cluster-mgr-backup").run(
      [name], on: connection, timeout: .seconds(600), step: step, redactor: context.redactor,
      failurePrefix: "\(server): ")
    let saved = try BackupScripts.SavedFile(output: output, server: server)
    say("\(saved.path) on \(server): \(saved.size) bytes, sha256 \(saved.sha256)")
    return Taken(datastore: kind, saved: saved)
  }

  /// Streams `taken` into `directory` (mode 0600 from the first byte, renamed into place only
  /// when its SHA-256 and size are the server's) and writes its manifest next to it.
  static func fetch(
    _ taken: Taken, from server: String, connection: SSHConnection, into directory: String,
    cluster: String, details: Details
  ) async throws -> (BackupManifest, String) {
    let file = (taken.saved.path as NSString).lastPathComponent
    let path = (directory as NSString).appendingPathComponent(file)
    try BackupOperation.makeDirectory(directory)
    let fetched: DownloadedFile
    do {
      fetched = try await connection.download(
        taken.saved.path, sudo: true, toFile: path, mode: 0o600,
        expecting: (sha256: taken.saved.sha256, size: taken.saved.size))
    } catch {
      throw OperationError(
        "fetching the snapshot from \(server) failed: \(error.reason)",
        remedy: "run the backup again; nothing was written here", exitStatus: error.exitStatus)
    }
    var manifest = BackupManifest(
      file: file, cluster: cluster, server: server, datastore: taken.datastore,
      remotePath: taken.saved.path, sha256: fetched.sha256, size: fetched.size, createdAt: Date())
    manifest.purpose = details.purpose
    manifest.run = details.run
    manifest.k3sVersion = details.k3sVersion
    manifest.upgradeTo = details.upgradeTo
    try BackupOperation.writeManifest(manifest, next: path)
    return (manifest, path)
  }
}
