#!/bin/sh
# cluster-mgr day 2, run as root on a K3s server (sh -s, arguments as $1...).
# Lists the snapshot directory: name<TAB>size<TAB>mtime per file.
dir=/var/lib/rancher/k3s/server/db/snapshots
[ -d "$dir" ] || exit 0
find "$dir" -maxdepth 1 -type f -printf '%f\t%s\t%T@\n'
