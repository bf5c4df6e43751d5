#!/usr/bin/python3
# LAB STAND-IN, never shipped: the K3s stand-in's API server alone, on 127.0.0.1, for unit tests.
"""Runs the K3s stand-in's first server in a directory of its own (certificates, SQLite
datastore, request log) on 127.0.0.1 without booting a lab: the API with its controllers and one
Ready node (this machine, registered as NODE), so clients (cluster-mgr's Kubernetes client in
`swift test`, the stand-in's Python tests) talk real HTTPS to the code the lab runs.

    testapi.py --dir DIR [--port PORT] [--node NAME]

Prints one JSON line when it serves: {"port", "kubeconfig" (an admin kubeconfig with inline
certificates), "requestLog"}; runs until stdin closes or SIGTERM.
"""
import argparse
import json
import os
import signal
import sys
import threading
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
if "k3slab.version" not in sys.modules:
    version = types.ModuleType("k3slab.version")
    version.VERSION = os.environ.get("LAB_K3S_TEST_VERSION", "v1.36.4+k3s1")
    sys.modules["k3slab.version"] = version

from k3slab import api, certs, controllers, httpserver, nodeinfo, server, store, util  # noqa: E402


def relocate(directory):
    """Points every path the server writes into `directory`."""
    util.DATA_DIR = directory
    util.LAB_SETTINGS = os.path.join(directory, "k3s.env")
    server.SERVER_DIR = os.path.join(directory, "server")
    server.TLS = os.path.join(server.SERVER_DIR, "tls")
    server.DB_DIR = os.path.join(server.SERVER_DIR, "db")
    server.DB = os.path.join(server.DB_DIR, "state.db")
    server.REQUEST_LOG = os.path.join(directory, "requests.log")
    nodeinfo.NODE_DIR = os.path.join(directory, "node")
    os.makedirs(server.DB_DIR, exist_ok=True)


def credentials():
    tls = server.TLS
    server_ca = certs.ensure_ca(tls, "server-ca")
    client_ca = certs.ensure_ca(tls, "client-ca")
    certs.issue(tls, "serving-kube-apiserver", server_ca, "kube-apiserver", sans=["127.0.0.1", "localhost"])
    certs.issue(tls, "client-admin", client_ca, "system:admin", org="system:masters", usage="clientAuth")


def kubeconfig(directory, port):
    tls = server.TLS

    def data(name):
        with open(os.path.join(tls, name)) as f:
            return util.b64(f.read())
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "test",
           "clusters": [{"name": "test", "cluster": {"server": "https://127.0.0.1:%d" % port,
                                                     "certificate-authority-data": data("server-ca.crt")}}],
           "users": [{"name": "test", "user": {"client-certificate-data": data("client-admin.crt"),
                                               "client-key-data": data("client-admin.key")}}],
           "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}]}
    path = os.path.join(directory, "kubeconfig")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--node", default="test-node")
    args = ap.parse_args()
    directory = os.path.abspath(args.dir)
    relocate(directory)
    credentials()
    settings = {"node-name": args.node, "disable": ["traefik", "servicelb", "metrics-server", "local-storage"]}
    report = nodeinfo.report("server", settings, [], "127.0.0.1", "lo", [], "", False)
    cluster = server.Cluster(settings, report)
    cluster.password = "test"
    cluster.store = store.Store(server.DB)
    cluster.api = api.Api(cluster.store, cluster)
    cluster.ctl = controllers.Controllers(cluster)
    srv = httpserver.serve("127.0.0.1", args.port, os.path.join(server.TLS, "serving-kube-apiserver.crt"),
                           os.path.join(server.TLS, "serving-kube-apiserver.key"),
                           os.path.join(server.TLS, "client-ca.crt"), cluster)
    port = srv.server_address[1]
    cluster.ctl.start_leader(report)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print(json.dumps({"port": port, "kubeconfig": kubeconfig(directory, port),
                      "requestLog": server.REQUEST_LOG}), flush=True)
    while not stop.wait(1.0):
        cluster.ctl.self_heartbeat(report)
    srv.shutdown()
    cluster.ctl.stop()


if __name__ == "__main__":
    main()
