#!/bin/sh
# cluster-mgr day 2, run as root on a K3s server (sh -s, arguments as $1...).
# A consistent copy of the SQLite datastore (SQLite's online backup) to the snapshot directory as $1; prints the file, its SHA-256 and its size.
set -eu
dir=/var/lib/rancher/k3s/server/db/snapshots
out="$dir/$1"
mkdir -p "$dir"
chmod 700 "$dir"
if command -v sqlite3 >/dev/null 2>&1; then
  sqlite3 /var/lib/rancher/k3s/server/db/state.db ".timeout 20000" ".backup '$out'"
  check=$(sqlite3 "$out" "PRAGMA integrity_check")
  if [ "$check" != ok ]; then echo "the copy fails SQLite's integrity check: $check" >&2; exit 1; fi
elif command -v python3 >/dev/null 2>&1; then
  python3 - /var/lib/rancher/k3s/server/db/state.db "$out" <<'EOF'
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
printf 'file %s\n' "$out"
sha256sum "$out"
stat -c 'size %s' "$out"
