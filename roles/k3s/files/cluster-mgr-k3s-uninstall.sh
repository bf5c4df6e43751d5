#!/bin/sh
# Managed by cluster-mgr: removes K3s from this host. `cluster-mgr remove-node` runs it after
# draining and deleting the node; it is safe to run again.
set -u
for unit in k3s k3s-agent; do
  systemctl disable --now "$unit" >/dev/null 2>&1 || true
done
# K3s units use KillMode=process: containers keep running after the service stops.
for pid in $(pgrep -f '/var/lib/rancher/k3s/data/' 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
awk '$2 ~ "^(/run/k3s|/var/lib/rancher/k3s|/var/lib/kubelet|/run/netns/cni-)" {print $2}' /proc/self/mounts \
  | sort -r | while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
for link in flannel.1 cni0 flannel-v6.1 flannel-wg; do ip link delete "$link" 2>/dev/null || true; done
if command -v iptables-save >/dev/null 2>&1; then
  iptables-save | grep -v -e KUBE- -e CNI- -e flannel | iptables-restore 2>/dev/null || true
fi
rm -f /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service \
  /etc/systemd/system/k3s.service.env /etc/systemd/system/k3s-agent.service.env
systemctl daemon-reload >/dev/null 2>&1 || true
rm -rf /etc/rancher/k3s /etc/rancher/node /var/lib/rancher/k3s /var/lib/kubelet /run/k3s
for link in kubectl crictl ctr; do
  [ "$(readlink "/usr/local/bin/$link" 2>/dev/null)" = /usr/local/bin/k3s ] && rm -f "/usr/local/bin/$link"
done
rm -f /usr/local/bin/k3s
rm -f /var/lib/cluster-mgr/pending-handlers/k3s* /var/lib/cluster-mgr/pending-handlers/gpu*
rm -f "$0"
echo "K3s removed from $(hostname)"
