#!/bin/sh
# cluster-mgr day 2, run as root on a K3s server (sh -s, arguments as $1...).
# k3s etcd-snapshot save --name $1 into the snapshot directory; prints the file, its SHA-256 and its size.
set -eu
name=$1
dir=/var/lib/rancher/k3s/server/db/snapshots
if ! out=$(k3s etcd-snapshot save --name "$name" --etcd-snapshot-dir "$dir" 2>&1); then
  printf '%s\n' "$out" >&2
  exit 1
fi
# The newest file K3s wrote under this run's name (K3s appends the node and a time).
# shellcheck disable=SC2012
file=$(ls -1t "$dir/$name"-* 2>/dev/null | head -n 1)
if [ -z "$file" ]; then
  printf 'k3s etcd-snapshot save wrote no file %s/%s-*: %s\n' "$dir" "$name" "$out" >&2
  exit 1
fi
printf 'file %s\n' "$file"
sha256sum "$file"
stat -c 'size %s' "$file"
