#!/bin/sh
# cluster-mgr day 2, run as root on a K3s server (sh -s, arguments as $1...).
# Prints etcd, sqlite, external or none: which datastore this K3s server runs.
db=/var/lib/rancher/k3s/server/db
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
