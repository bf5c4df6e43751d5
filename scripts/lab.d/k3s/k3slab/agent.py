"""`k3s agent`: joins `server` with `token` over the lab network, registers its node, heartbeats."""
import json
import signal
import threading
import time

from . import client, config, nodeinfo, util
from .version import VERSION


class NodeLink:
    """Registration and heartbeats towards the (leader) server."""

    def __init__(self, url, creds, ctx, report, server=False):
        self.url, self.creds, self.ctx, self.report, self.server = url, creds, ctx, report, server
        self.interval = 10.0
        self.missing_logged = False

    def register_or_die(self):
        deadline = time.time() + util.lab_float("LAB_K3S_JOIN_TIMEOUT", 30)
        while True:
            try:
                code, _, data = client.request(self.url, "POST", "/v1-k3s/lab/register", body=self.report,
                                               basic=self.creds, ctx=self.ctx, timeout=15)
            except client.ClientError as e:
                if time.time() > deadline:
                    util.fatal("Failed to connect to proxy: failed to register node with %s: %s" % (self.url, e))
                util.info("Waiting to register with the server at %s: %s" % (self.url, e))
                time.sleep(1)
                continue
            text = data.decode(errors="replace")
            if code == 401:
                util.fatal("Failed to validate connection to cluster at %s: %s/v1-k3s/config: 401 Unauthorized "
                           "(the token is not this cluster's token)" % (self.url, self.url))
            if code == 403:
                util.fatal(text)
            if code == 503 and time.time() < deadline:
                util.info("Waiting for the server's datastore: %s" % text)
                time.sleep(1)
                continue
            if code != 200:
                util.fatal("failed to register node %s with %s: %d %s" % (self.report["name"], self.url, code, text))
            out = json.loads(data)
            self.interval = float(out.get("heartbeat", 10))
            util.info("Node %s registered with %s (node-ip %s)" % (self.report["name"], self.url,
                                                                    self.report["node_ip"]))
            return out

    def beat(self):
        body = {"name": self.report["name"], "password": self.report["password"], "started": self.report["started"],
                "version": self.report.get("version")}
        try:
            code, _, data = client.request(self.url, "POST", "/v1-k3s/lab/heartbeat", body=body, basic=self.creds,
                                           ctx=self.ctx, timeout=10)
        except client.ClientError as e:
            util.error("Error updating node status, will retry: %s" % e)
            return "error"
        if code == 200:
            self.missing_logged = False
            try:
                self.interval = float(data.decode().strip() or self.interval)
            except ValueError:
                pass
            return "ok"
        if code == 410:
            return "removed"
        if code == 404:
            if not self.missing_logged:
                util.error('Error updating node status, will retry: error getting node "%s": nodes "%s" not found'
                           % (self.report["name"], self.report["name"]))
                self.missing_logged = True
            return "missing"
        util.error("Error updating node status, will retry: %d %s" % (code, data.decode(errors="replace")))
        return "error"


def run(argv):
    try:
        settings, extra = config.load("agent", argv)
    except config.ConfigError as e:
        util.fatal(str(e))
    util.info("Starting k3s agent %s (%s)" % (VERSION, util.short_commit(VERSION)))
    url = (settings.get("server") or "").rstrip("/")
    if not url:
        util.fatal("Error: --server is required")
    if not url.startswith("https://"):
        util.fatal("Error: server %s: the server URL must use https://" % url)
    if not settings.get("token"):
        util.fatal("Error: --token is required")
    node_ip, iface = nodeinfo.resolve_addresses(settings, False)
    runtimes, default_rt = nodeinfo.render_containerd_config(settings)
    report = nodeinfo.report("agent", settings, extra, node_ip, iface, runtimes, default_rt, False)
    want_hash, _, password = client.parse_token(settings["token"])
    deadline = time.time() + util.lab_float("LAB_K3S_JOIN_TIMEOUT", 30)
    while True:
        try:
            code, _, ca = client.request(url, "GET", "/cacerts", timeout=5)
            if code != 200:
                raise client.ClientError("%d" % code)
            break
        except client.ClientError as e:
            if time.time() > deadline:
                util.fatal("Failed to validate connection to cluster at %s: failed to get CA certs: Get "
                           "\"%s/cacerts\": %s" % (url, url, e))
            util.info("Waiting to retrieve agent configuration; server is not ready: %s" % e)
            time.sleep(1)
    ca_hash = util.sha256_hex(ca)
    if want_hash and want_hash != ca_hash:
        util.fatal("Failed to validate connection to cluster at %s: token CA hash does not match the Cluster CA "
                   "certificate hash: %s != %s" % (url, want_hash, ca_hash))
    link = NodeLink(url, ("node", password), client.context(ca_pem=ca.decode()), report)
    link.register_or_die()
    util.sd_notify("READY=1")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda s, f: stop.set())
    signal.signal(signal.SIGINT, lambda s, f: stop.set())
    while not stop.is_set():
        link.beat()
        stop.wait(link.interval)
    util.info("Shutting down k3s agent")
    return 0
