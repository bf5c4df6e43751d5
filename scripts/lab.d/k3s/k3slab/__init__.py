"""LAB STAND-IN, never shipped: the cluster-mgr lab's k3s (server, agent, kubectl, etcd-snapshot).

Built into a single executable zipapp per version by `scripts/lab artifacts`."""
