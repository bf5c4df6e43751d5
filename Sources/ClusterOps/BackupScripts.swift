import Foundation

/// The shell scripts `backup`, `restore` and `remove-node` run on a server, as root.
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
  static let detectDatastore = """
    db=\(databaseDirectory)
    for f in /etc/rancher/k3s/config.yaml /etc/rancher/k3s/config.yaml.d/*.yaml; do
      [ -f "$f" ] || continue
      if grep -Eq '^[[:space:]]*"?datastore-endpoint"?:' "$f"; then echo external; exit 0; fi
    done
    if [ -d "$db/etcd" ]; then echo etcd; exit 0; fi
    for f in /etc/rancher/k3s/config.yaml /etc/rancher/k3s/config.yaml.d/*.yaml; do
      [ -f "$f" ] || continue
      if grep -Eq '^[[:space:]]*"?(cluster-init"?:[[:space:]]*"?true|server"?:)' "$f"; then echo etcd; exit 0; fi
    done
    if [ -f "$db/state.db" ]; then echo sqlite; exit 0; fi
    echo none
    """

  /// `k3s etcd-snapshot save --name $1` into the snapshot directory; prints the file, its
  /// SHA-256 and its size (see ``SavedFile``).
  static let etcdSnapshot = """
    set -eu
    name=$1
    dir=\(snapshotDirectory)
    if ! out=$(k3s etcd-snapshot save --name "$name" --etcd-snapshot-dir "$dir" 2>&1); then
      printf '%s\\n' "$out" >&2
      exit 1
    fi
    file=$(ls -1t "$dir/$name"-* 2>/dev/null | head -n 1)
    if [ -z "$file" ]; then
      printf 'k3s etcd-snapshot save wrote no file %s/%s-*: %s\\n' "$dir" "$name" "$out" >&2
      exit 1
    fi
    printf 'file %s\\n' "$file"
    sha256sum "$file"
    stat -c 'size %s' "$file"
    """

  /// A consistent copy of the SQLite datastore (SQLite's online backup: the live database
  /// keeps working) to the snapshot directory as `$1`; prints what ``SavedFile`` reads.
  static let sqliteBackup = """
    set -eu
    dir=\(snapshotDirectory)
    out="$dir/$1"
    mkdir -p "$dir"
    chmod 700 "$dir"
    if command -v sqlite3 >/dev/null 2>&1; then
      sqlite3 \(sqliteDatabase) ".timeout 20000" ".backup '$out'"
      check=$(sqlite3 "$out" "PRAGMA integrity_check")
      if [ "$check" != ok ]; then echo "the copy fails SQLite's integrity check: $check" >&2; exit 1; fi
    elif command -v python3 >/dev/null 2>&1; then
      python3 - \(sqliteDatabase) "$out" <<'EOF'
    import sqlite3, sys
    source = sqlite3.connect(sys.argv[1], timeout=20)
    target = sqlite3.connect(sys.argv[2])
    source.backup(target)
    check = target.execute("PRAGMA integrity_check").fetchone()[0]
    target.close()
    source.close()
    if check != "ok":
        sys.exit("the copy fails SQLite's integrity check: " + check)
    EOF
    else
      echo "neither sqlite3 nor python3 is installed on this server, so no consistent copy can be made" >&2
      exit 3
    fi
    chmod 600 "$out"
    printf 'file %s\\n' "$out"
    sha256sum "$out"
    stat -c 'size %s' "$out"
    """

  /// Lists the snapshot directory: `name<TAB>size<TAB>mtime` per file.
  static let listSnapshots = """
    dir=\(snapshotDirectory)
    [ -d "$dir" ] || exit 0
    find "$dir" -maxdepth 1 -type f -printf '%f\\t%s\\t%T@\\n'
    """

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
