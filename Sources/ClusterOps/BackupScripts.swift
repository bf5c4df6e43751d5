import Foundation

/// The shell scripts `backup`, `restore` and `remove-node` run on a server, as root: files under
/// roles/day2/scripts, built into the binary.
///
/// Also how their output is read. Arguments are passed as `$1`…, never spliced into a script.
enum BackupScripts {
  /// K3s's datastore directory.
  static let databaseDirectory = "/var/lib/rancher/k3s/server/db"
  /// Where snapshots go on the server (K3s's default for etcd snapshots).
  static let snapshotDirectory = databaseDirectory + "/snapshots"
  /// The SQLite datastore of a single server without etcd.
  static let sqliteDatabase = databaseDirectory + "/state.db"

  /// Prints `etcd`, `sqlite`, `external` or `none`: which datastore this server runs.
  static var detectDatastore: String { OperationScripts.text("detect-datastore.sh") }

  /// `k3s etcd-snapshot save --name $1` into the snapshot directory; prints the file, its
  /// SHA-256 and its size (see ``SavedFile``).
  static var etcdSnapshot: String { OperationScripts.text("etcd-snapshot.sh") }

  /// A consistent copy of the SQLite datastore (SQLite's online backup: the live database
  /// keeps working) to the snapshot directory as `$1`; prints what ``SavedFile`` reads.
  static var sqliteBackup: String { OperationScripts.text("sqlite-backup.sh") }

  /// Lists the snapshot directory: `name<TAB>size<TAB>mtime` per file.
  static var listSnapshots: String { OperationScripts.text("list-snapshots.sh") }

  /// `file PATH`, `HEX  PATH` (sha256sum) and `size N` lines, read back.
  struct SavedFile: Equatable {
    var path: String
    var sha256: String
    var size: Int64

    init(output: String, server: String) throws {
      var path: String?
      var sha: String?
      var size: Int64?
      for line in output.split(separator: "\n").map(String.init) {
        if line.hasPrefix("file ") {
          path = String(line.dropFirst(5))
        } else if line.hasPrefix("size ") {
          size = Int64(line.dropFirst(5))
        } else if let first = line.split(separator: " ").first, first.count == 64,
          first.allSatisfy(\.isHexDigit)
        {
          sha = String(first)
        }
      }
      guard let path, let sha, let size else {
        throw OperationError("\(server) did not say which snapshot it wrote: \(output.prefix(300))")
      }
      self.path = path
      self.sha256 = sha
      self.size = size
    }
  }
}
