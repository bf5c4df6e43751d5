#!/bin/sh
# Managed by cluster-mgr: removes K3s from this host. `cluster-mgr remove-node` runs it after
# draining and deleting the node; it is safe to run again.
#
# It does what K3s's own k3s-killall.sh and k3s-uninstall.sh do (install.sh's create_killall and
# create_uninstall, k3s-io/k3s), except that it never changes Tailscale's settings (k3s-killall.sh
# runs `tailscale set --advertise-routes=`), and it also removes /etc/rancher/node (the node's
# password: the node is deleted from the cluster, a new one registers afresh).
set -u
data_dir=/var/lib/rancher/k3s
# K3s's bundled iptables and friends, after the host's own (as k3s-killall.sh does).
for bin in "$data_dir"/data/*/bin; do
  [ -d "$bin" ] && PATH="$PATH:$bin:$bin/aux"
done
export PATH

for unit in k3s k3s-agent; do
  systemctl disable --now "$unit" >/dev/null 2>&1 || true
  systemctl reset-failed "$unit" >/dev/null 2>&1 || true
done

# The units use KillMode=process: containerd's shims, and the containers under them, outlive
# the service. Every shim is killed with all its descendants (k3s-killall.sh's killtree), then
# whatever still runs from K3s's data directory (containerd).
children() {
  ps -e -o ppid= -o pid= | awk -v parent="$1" '$1 == parent { print $2 }'
}
# Lists of process ids are split into words on purpose (SC2046, SC2086 below).
tree() {
  for pid in "$@"; do
    echo "$pid"
    # shellcheck disable=SC2046
    tree $(children "$pid")
  done
}
shims() {
  # shellcheck disable=SC2009 # as k3s-killall.sh finds the shims
  ps -e -o pid= -o args= | grep -E "$data_dir/data/[^/]+/bin/containerd-shim" | awk '{ print $1 }'
}
for _ in 1 2 3; do
  # shellcheck disable=SC2046
  pids=$(tree $(shims))
  [ -n "$pids" ] || break
  # shellcheck disable=SC2086
  kill -9 $pids 2>/dev/null || true
  sleep 1
done
for pid in $(pgrep -f "$data_dir/data/" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done

# Mounts of pods and containers (deepest first), then the pods' network namespaces.
awk '$2 ~ "^(/run/k3s|/var/lib/rancher/k3s|/var/lib/kubelet|/run/netns/cni-)" { print $2 }' \
  /proc/self/mounts | sort -r | while read -r mount; do
  umount -f "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
done
ip netns show 2>/dev/null | awk '$1 ~ /^cni-/ { print $1 }' | while read -r netns; do
  ip netns delete "$netns" 2>/dev/null || true
done
rm -rf /run/netns/cni-* 2>/dev/null || true

# The pods' veths (master cni0) and the interfaces of the CNI, flannel and kube-proxy's IPVS.
ip -o link show master cni0 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1 |
  while read -r link; do ip link delete "$link" 2>/dev/null || true; done
for link in cni0 flannel.1 flannel-v6.1 kube-ipvs0 flannel-wg flannel-wg-v6; do
  ip link delete "$link" 2>/dev/null || true
done
rm -rf /var/lib/cni /run/flannel

# kube-proxy's, the CNI's and flannel's rules and chains (FLANNEL-*: the match ignores case).
for tables in iptables ip6tables; do
  if command -v "$tables-save" >/dev/null 2>&1 && command -v "$tables-restore" >/dev/null 2>&1; then
    "$tables-save" 2>/dev/null | grep -v -e KUBE- -e CNI- | grep -iv flannel |
      "$tables-restore" 2>/dev/null || true
  fi
done

rm -f /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service \
  /etc/systemd/system/k3s.service.env /etc/systemd/system/k3s-agent.service.env
systemctl daemon-reload >/dev/null 2>&1 || true
rm -rf /etc/rancher/k3s /etc/rancher/node /run/k3s "$data_dir" /var/lib/kubelet
for link in kubectl crictl ctr; do
  [ "$(readlink "/usr/local/bin/$link" 2>/dev/null)" = /usr/local/bin/k3s ] && rm -f "/usr/local/bin/$link"
done
rm -f /usr/local/bin/k3s
rm -f /var/lib/cluster-mgr/pending-handlers/k3s* /var/lib/cluster-mgr/pending-handlers/gpu*
rm -f "$0"
echo "K3s removed from $(hostname)"
