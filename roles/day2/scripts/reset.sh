#!/bin/sh
# cluster-mgr reset, run as root on each host (sh -s: the script on standard input, never as an
# argument, since the uninstall kills every process whose command line names K3s's data
# directory, and this script names it). cluster-mgr adds the call: cm_reset_probe, or
# cm_reset keep-lock|all after `set --`.

# K3s's files and directories, as the uninstall removes them (none has a space).
k3s_paths="/usr/local/bin/k3s /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service
/var/lib/rancher/k3s /etc/rancher/k3s /etc/rancher/node /var/lib/kubelet /run/k3s"
# cluster-mgr's own files on a host, and its state directory (the cluster lock is in it).
cluster_mgr_files="/usr/local/bin/cluster-mgr-k3s-uninstall.sh /etc/modules-load.d/cluster-mgr-k3s.conf
/etc/sysctl.d/90-cluster-mgr-k3s.conf"
state_dir=/var/lib/cluster-mgr

# How many K3s processes run: k3s server|agent and what runs from its data directory.
cm_k3s_processes() {
  # shellcheck disable=SC2009 # the pattern is an alternation pgrep would need twice
  ps -e -o args= | grep -E '(^|/)k3s (server|agent)|/var/lib/rancher/k3s/data/' | grep -vc grep
}

# Prints `path P` for each path that exists, `active UNIT` for running K3s units and
# `process N` for K3s processes (servers, agents, containerd shims). Changes nothing.
cm_reset_probe() {
  for p in $k3s_paths $cluster_mgr_files $state_dir; do
    if [ -e "$p" ] || [ -L "$p" ]; then echo "path $p"; fi
  done
  for u in k3s k3s-agent; do
    if systemctl is-active --quiet "$u" 2>/dev/null; then echo "active $u"; fi
  done
  echo "process $(cm_k3s_processes)"
}

# Uninstalls K3s (cluster-mgr's script, else K3s's own), removes cluster-mgr's files (with
# keep-lock, the state directory's lock stays: the command still holds it), and fails naming
# what is left of K3s.
cm_reset() {
  set -u
  if [ -x /usr/local/bin/cluster-mgr-k3s-uninstall.sh ]; then /usr/local/bin/cluster-mgr-k3s-uninstall.sh
  elif [ -x /usr/local/bin/k3s-uninstall.sh ]; then /usr/local/bin/k3s-uninstall.sh
  elif [ -x /usr/local/bin/k3s-agent-uninstall.sh ]; then /usr/local/bin/k3s-agent-uninstall.sh
  fi
  # shellcheck disable=SC2086 # a list of paths without spaces
  rm -f $cluster_mgr_files
  if [ "${1:-}" = keep-lock ]; then
    [ -d "$state_dir" ] && find "$state_dir" -mindepth 1 -maxdepth 1 ! -name lock -exec rm -rf {} +
  else
    rm -rf "$state_dir"
  fi
  left=""
  for p in $k3s_paths; do
    if [ -e "$p" ] || [ -L "$p" ]; then left="$left $p"; fi
  done
  for u in k3s k3s-agent; do
    if systemctl is-active --quiet "$u" 2>/dev/null; then left="$left unit:$u"; fi
  done
  n=$(cm_k3s_processes)
  [ "$n" = 0 ] || left="$left $n-processes"
  if [ -n "$left" ]; then echo "K3s is still there after the uninstall:$left" >&2; exit 4; fi
  echo removed
}
