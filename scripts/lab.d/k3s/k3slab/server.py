"""`k3s server`: datastore, certificates, tokens, kubeconfig, the API on :6443, the supervisor
endpoints agents and joining servers use, and this server's own node."""
import base64
import hmac
import http.client
import ipaddress
import json
import os
import shutil
import signal
import socket
import sqlite3
import sys
import threading
import time
import urllib.parse

import yaml

from . import certs, client, config, controllers, httpserver, nodeinfo, util
from .api import Api
from .store import ApiError, Store
from .version import VERSION

SERVER_DIR = util.DATA_DIR + "/server"
TLS = SERVER_DIR + "/tls"
DB_DIR = SERVER_DIR + "/db"
DB = DB_DIR + "/state.db"
SNAPSHOTS = DB_DIR + "/snapshots"
REMOVED_MARK = DB_DIR + "/removed-from-cluster"
# Every API request this server serves, one JSON object per line (the lab's tests count them).
REQUEST_LOG = SERVER_DIR + "/lab-api-requests.log"


def json_response(code, obj, extra=None):
    return code, "application/json", json.dumps(obj), extra or {}


def status_response(err):
    extra = {}
    retry = (err.details or {}).get("retryAfterSeconds")
    if retry:
        extra["Retry-After"] = str(retry)
    return json_response(err.code, err.status(), extra)


def field_manager(query, headers):
    """The manager of a write: `fieldManager`, else the User-Agent up to its first `/`, as
    kube-apiserver defaults it (handlers/rest.go: prefixFromUserAgent)."""
    if query.get("fieldManager"):
        return query["fieldManager"]
    agent = headers.get("User-Agent") or ""
    return agent.split("/")[0][:128] or "unknown"


class RequestLog:
    """Appends one line per served API request to REQUEST_LOG."""

    def __init__(self):
        self.lock = threading.Lock()

    def write(self, method, path, query, headers, who, code, started):
        entry = {"time": util.rfc3339(), "method": method, "path": path, "query": query,
                 "userAgent": headers.get("User-Agent") or "", "user": who, "code": code,
                 "watch": query.get("watch") in ("true", "1"), "ms": round((time.time() - started) * 1000, 1)}
        try:
            with self.lock, open(REQUEST_LOG, "a") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")
        except OSError:
            pass


UNAUTHORIZED = ApiError(401, "Unauthorized", "Unauthorized")


class Cluster:
    """One server process: the leader (the first server: owns the datastore) or a follower
    (joined with `server:`; forwards the API to the leader, like a member of embedded etcd that
    talks to the same data)."""

    def __init__(self, settings, report, leader_url=None):
        self.settings = settings
        self.report = report
        self.node_name = report["name"]
        self.leader_url = leader_url
        self.is_leader = leader_url is None
        self.advertise = settings.get("advertise-address") or report["node_ip"]
        self.port = int(settings.get("https-listen-port") or 6443)
        self.etcd = bool(settings.get("cluster-init")) or not self.is_leader
        self.store = None
        self.api = None
        self.ctl = None
        self.heartbeats = {}
        self.lock = threading.RLock()
        self.password = None
        self.agent_password = None
        self.stop = threading.Event()
        self.sa_tokens = {}
        self.requests = RequestLog()

    # ---------------------------------------------------------------- helpers for Api
    def server_ca_pem(self):
        return open(TLS + "/server-ca.crt").read()

    def new_sa_token(self):
        return base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("=")

    def allocate_service_ip(self):
        net = ipaddress.ip_network((self.settings.get("service-cidr") or ["10.43.0.0/16"])[0], strict=False)
        with self.store.lock:
            n = int(self.store.meta("service-ip-next", "11")) + 1
            self.store.set_meta("service-ip-next", str(n))
        return str(net.network_address + n)

    def on_change(self, res, old, new):
        if self.ctl:
            self.ctl.on_change(res, old, new)

    # ---------------------------------------------------------------- auth
    def identity(self, headers, cert):
        if cert:
            subject = dict(x[0] for x in cert.get("subject", ()))
            return subject.get("commonName", "unknown")
        auth = headers.get("Authorization") or ""
        if auth.startswith("Bearer ") and self.store is not None:
            tok = auth[7:].strip()
            secrets = self.store.resource("", "secrets")
            for s in self.store.list(secrets):
                if s.get("type") == "kubernetes.io/service-account-token" and \
                        util.unb64((s.get("data") or {}).get("token", "")).decode(errors="replace") == tok:
                    return "system:serviceaccount:%s:%s" % (
                        s["metadata"]["namespace"],
                        (s["metadata"].get("annotations") or {}).get("kubernetes.io/service-account.name", ""))
        return None

    def basic(self, headers):
        auth = headers.get("Authorization") or ""
        if not auth.startswith("Basic "):
            return None, None
        try:
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        return user, pw

    def supervisor_role(self, headers):
        """'server' for the server token, 'node' for the agent token (or the server token)."""
        user, pw = self.basic(headers)
        if pw is None:
            return None
        if hmac.compare_digest(pw, self.password):
            return "server" if user in ("server", "node") else None
        if self.agent_password and hmac.compare_digest(pw, self.agent_password) and user == "node":
            return "node"
        return None

    # ---------------------------------------------------------------- requests
    def handle(self, method, raw_path, headers, body, cert):
        u = urllib.parse.urlsplit(raw_path)
        path = u.path
        query = dict(urllib.parse.parse_qsl(u.query))
        if path == "/ping":
            return 200, "text/plain", "pong", {}
        if path == "/cacerts":
            return 200, "text/plain", self.server_ca_pem(), {}
        if path.startswith("/v1-k3s/"):
            return self.supervisor(method, path, query, headers, body)
        started = time.time()
        who = self.identity(headers, cert)
        response = self.authenticated(method, raw_path, path, query, headers, body, who)
        self.requests.write(method, path, query, headers, who, response[0], started)
        return response

    def authenticated(self, method, raw_path, path, query, headers, body, who):
        if who is None:
            return status_response(UNAUTHORIZED)
        if path in ("/readyz", "/livez", "/healthz"):
            return self.health(path, query)
        if path == "/version":
            return json_response(200, Api.version(None))
        if not self.is_leader:
            return self.forward(method, raw_path, headers, body)
        return self.api_request(method, path, query, headers, body)

    def health(self, path, query):
        checks = ["ping", "log", "etcd", "etcd-readiness", "informer-sync", "poststarthook/start-apiextensions-controllers",
                  "poststarthook/crd-informer-synced", "poststarthook/bootstrap-controller", "shutdown"]
        ok = True
        if not self.is_leader:
            try:
                code, _, _ = client.request(self.leader_url, "GET", "/ping", timeout=3)
                ok = code == 200
            except client.ClientError:
                ok = False
        if not ok:
            text = "[-]etcd failed: reason withheld\n%s check failed" % path[1:]
            return 500, "text/plain; charset=utf-8", text, {}
        if "verbose" in query:
            lines = ["[+]%s ok" % c for c in checks] + ["%s check passed" % path[1:]]
            return 200, "text/plain; charset=utf-8", "\n".join(lines) + "\n", {}
        return 200, "text/plain; charset=utf-8", "ok", {}

    def forward(self, method, raw_path, headers, body):
        fwd = {k: v for k, v in headers.items() if k.lower() in ("content-type", "accept", "user-agent")}
        if "watch=1" in raw_path or "watch=true" in raw_path:
            return self.forward_stream(raw_path, fwd)
        try:
            code, hdrs, data = client.request(self.leader_url, method, raw_path, body=body or None, headers=fwd,
                                              ctx=self.leader_ctx(), timeout=30)
        except client.ClientError as e:
            return json_response(503, ApiError(503, "ServiceUnavailable",
                                               "etcd: the cluster's datastore on %s is unreachable: %s" % (
                                                   self.leader_url, e)).status())
        return code, hdrs.get("content-type", "application/json"), data, {}

    def forward_stream(self, raw_path, headers):
        """A watch passed through from the first server as it streams."""
        u = urllib.parse.urlsplit(self.leader_url)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=self.leader_ctx(), timeout=3600)
        try:
            conn.request("GET", raw_path, headers=headers)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            return json_response(503, ApiError(503, "ServiceUnavailable", "etcd: the cluster's datastore on %s is "
                                               "unreachable: %s" % (self.leader_url, e)).status())

        def chunks():
            try:
                while True:
                    data = resp.read1(65536)
                    if not data:
                        return
                    yield data
            finally:
                conn.close()
        return resp.status, resp.getheader("content-type", "application/json"), chunks(), {}

    def leader_ctx(self):
        return client.context(ca_file=TLS + "/server-ca.crt", cert_file=TLS + "/client-supervisor.crt",
                              key_file=TLS + "/client-supervisor.key")

    def api_request(self, method, path, query, headers, body):
        api = self.api
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] not in ("api", "apis"):
            return json_response(404, ApiError(404, "NotFound", "the server could not find the requested resource").status())
        try:
            if method == "GET":
                d = api.discovery(parts)
                if d is not None:
                    return json_response(200, d)
            res, version, ns, name, sub = api.route(parts)
            accept = headers.get("Accept") or ""
            as_table = "as=Table" in accept
            dry = query.get("dryRun") == "All"
            # Every client write is validated against the schemas; kubectl asks for Strict.
            fv = query.get("fieldValidation", "Warn")
            manager = field_manager(query, headers)
            if method == "GET" and query.get("watch") in ("true", "1"):
                if name is not None:
                    raise ApiError(405, "MethodNotAllowed", "watch a single object with ?fieldSelector=metadata.name=NAME")
                return 200, "application/json", api.watch(res, version, ns, query), {}
            if method == "GET":
                if name is None:
                    return json_response(200, api.list(res, version, ns, query, as_table))
                return json_response(200, api.get(res, version, ns, name, as_table))
            if method == "POST":
                obj = self._decode(body)
                if sub == "eviction" and res.kind == "Pod":
                    out = api.evict(ns, name, obj, dry)
                    return json_response(out.get("code", 201), out)
                if name is not None:
                    raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
                return json_response(201, api.create(res, version, ns, obj, dry, manager=manager, field_validation=fv))
            if method == "PUT":
                return json_response(200, api.replace(res, version, ns, name, self._decode(body), sub, dry,
                                                      field_validation=fv, manager=manager))
            if method == "PATCH":
                obj = api.patch(res, version, ns, name, body, headers.get("Content-Type"), query, sub,
                                manager=manager)
                return json_response(200, obj)
            if method == "DELETE":
                if name is None:
                    items = api.list(res, version, ns, query)["items"]
                    for o in items:
                        api.delete(res, version, o["metadata"].get("namespace"), o["metadata"]["name"], dry)
                    return json_response(200, {"kind": res.kind + "List", "apiVersion": res.api_version,
                                               "metadata": {}, "items": items})
                return json_response(200, api.delete(res, version, ns, name, dry))
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        except ApiError as e:
            return status_response(e)

    def _decode(self, body):
        try:
            return json.loads(body or b"{}")
        except ValueError:
            try:
                return yaml.safe_load(body)
            except yaml.YAMLError as e:
                raise ApiError(400, "BadRequest", "the body of the request could not be decoded: %s" % e)

    # ---------------------------------------------------------------- supervisor
    def supervisor(self, method, path, query, headers, body):
        if not self.is_leader and path != "/v1-k3s/lab/etcd-snapshot":
            fwd = {k: v for k, v in headers.items() if k.lower() in ("content-type", "authorization")}
            try:
                code, hdrs, data = client.request(self.leader_url, method, path, body=body or None, headers=fwd,
                                                  ctx=self.leader_ctx(), timeout=30)
            except client.ClientError as e:
                return 503, "text/plain", "datastore unreachable: %s" % e, {}
            return code, hdrs.get("content-type", "text/plain"), data, {}
        role = self.supervisor_role(headers)
        if role is None:
            return 401, "text/plain", "Unauthorized", {}
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return 400, "text/plain", "bad request", {}
        if path == "/v1-k3s/server-bootstrap":
            if role != "server":
                return 401, "text/plain", "Unauthorized: joining a server needs the server token", {}
            return self.bootstrap_for(req)
        if path == "/v1-k3s/lab/register":
            try:
                out = self.ctl.register(req)
            except ApiError as e:
                return e.code, "text/plain", e.message, {}
            return json_response(200, out)
        if path == "/v1-k3s/lab/heartbeat":
            code, msg = self.ctl.heartbeat(req.get("name"), req.get("password"), req.get("started"),
                                           req.get("version"))
            return code, "text/plain", msg, {}
        if path == "/v1-k3s/lab/datastore":
            if role != "server":
                return 401, "text/plain", "Unauthorized", {}
            tmp = DB_DIR + "/.backup-%d" % os.getpid()
            self.store.backup(tmp)
            data = open(tmp, "rb").read()
            os.unlink(tmp)
            return 200, "application/octet-stream", data, {}
        if path == "/v1-k3s/lab/etcd-snapshot":
            if role != "server":
                return 401, "text/plain", "Unauthorized", {}
            return self.snapshot(req)
        return 404, "text/plain", "404 page not found", {}

    def bootstrap_for(self, req):
        if not self.etcd:
            return 400, "text/plain", ("this server is not running embedded etcd (it was started without "
                                       "cluster-init), so no server can join it"), {}
        mine = config.critical(self.settings)
        theirs = req.get("critical") or {}
        diff = sorted(k for k in mine if mine.get(k) != theirs.get(k))
        if diff:
            return 400, "text/plain", ("failed to validate server configuration: critical configuration value "
                                       "mismatch between servers: %s (this cluster: %s; joining server: %s)" % (
                                           ", ".join(diff), ", ".join("%s=%s" % (k, mine[k]) for k in diff),
                                           ", ".join("%s=%s" % (k, theirs.get(k)) for k in diff))), {}
        out = {"token_hash": self.store.meta("token-hash"), "leader": "https://%s:%d" % (self.advertise, self.port)}
        for name in ("server-ca", "client-ca"):
            out[name + ".crt"] = open("%s/%s.crt" % (TLS, name)).read()
            out[name + ".key"] = open("%s/%s.key" % (TLS, name)).read()
        with self.store.lock:
            members = json.loads(self.store.meta("etcd-members", "{}"))
            name = req.get("name", "?")
            if req.get("member") and name not in members:
                # A server that kept its etcd data (it was a member) but is not in the member list any
                # more, as after a cluster-reset: etcd refuses it until its server/db is removed
                # (k3s pkg/etcd/etcd.go, membershipError).
                found = ["%s=https://%s:2380" % (n, a) for n, a in sorted(members.items())]
                found.insert(0, "%s=https://%s:2380" % (self.node_name, self.advertise))
                return 400, "text/plain", ("this server is a not a member of the etcd cluster. Found [%s], expect: "
                                           "%s=https://%s:2380" % (" ".join(found), name,
                                                                   req.get("address", ""))), {}
            members[name] = req.get("address", "")
            self.store.set_meta("etcd-members", json.dumps(members))
        if not req.get("member"):
            util.info("Adding member %s=https://%s:2380 to etcd cluster" % (req.get("name"), req.get("address")))
        return json_response(200, out)

    def snapshot(self, req):
        name = req.get("name") or "on-demand"
        directory = req.get("dir") or SNAPSHOTS
        if not self.etcd:
            return 400, "text/plain", "etcd datastore disabled", {}
        os.makedirs(directory, exist_ok=True)
        fname = "%s-%s-%d" % (name, self.node_name, int(time.time()))
        path = os.path.join(directory, fname)
        if self.is_leader:
            self.store.backup(path)
        else:
            try:
                code, _, data = client.request(self.leader_url, "POST", "/v1-k3s/lab/datastore", body=b"{}",
                                               basic=("server", self.password), ctx=self.leader_ctx(), timeout=30)
            except client.ClientError as e:
                return 503, "text/plain", "failed to reach etcd: %s" % e, {}
            if code != 200:
                return code, "text/plain", data, {}
            with open(path, "wb") as f:
                f.write(data)
        os.chmod(path, 0o600)
        util.info("Snapshot %s saved." % fname)
        return json_response(200, {"name": fname, "path": path, "size": os.path.getsize(path)})


# -------------------------------------------------------------------- startup

def write_kubeconfig(settings, port):
    path = settings.get("write-kubeconfig") or util.CONFIG_DIR + "/k3s.yaml"
    mode = settings.get("write-kubeconfig-mode") or ""
    doc = {
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": util.b64(open(TLS + "/server-ca.crt").read()),
                                  "server": "https://127.0.0.1:%d" % port}, "name": "default"}],
        "contexts": [{"context": {"cluster": "default", "user": "default"}, "name": "default"}],
        "current-context": "default", "kind": "Config", "preferences": {},
        "users": [{"name": "default", "user": {
            "client-certificate-data": util.b64(open(TLS + "/client-admin.crt").read() + open(TLS + "/client-ca.crt").read()),
            "client-key-data": util.b64(open(TLS + "/client-admin.key").read())}}],
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    perm = 0o600
    if mode:
        try:
            perm = int(mode, 8)
        except ValueError:
            util.fatal('invalid write-kubeconfig-mode "%s"' % mode)
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, perm)
    with os.fdopen(fd, "w") as f:
        f.write(yaml.safe_dump(doc, default_flow_style=False, sort_keys=False))
    os.chmod(tmp, perm)
    group = settings.get("write-kubeconfig-group")
    if group:
        try:
            shutil.chown(tmp, group=group)
        except (LookupError, OSError) as e:
            util.warn("failed to set group %s on %s: %s" % (group, path, e))
    os.replace(tmp, path)
    util.info("Wrote kubeconfig %s" % path)


def write_tokens(password, agent_password, ca_hash):
    os.makedirs(SERVER_DIR, exist_ok=True)
    token = "K10%s::server:%s" % (ca_hash, password)
    tmp = SERVER_DIR + "/token.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.replace(tmp, SERVER_DIR + "/token")
    for link in ("node-token", "agent-token"):
        p = SERVER_DIR + "/" + link
        if os.path.islink(p) or os.path.exists(p):
            os.unlink(p)
    os.symlink(SERVER_DIR + "/token", SERVER_DIR + "/node-token")
    if agent_password:
        fd = os.open(SERVER_DIR + "/agent-token", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("K10%s::node:%s\n" % (ca_hash, agent_password))
    else:
        os.symlink(SERVER_DIR + "/token", SERVER_DIR + "/agent-token")


def existing_password():
    try:
        tok = open(SERVER_DIR + "/token").read().strip()
    except OSError:
        return None
    return client.parse_token(tok)[2]


def issue_certs(settings, report):
    server_ca = (TLS + "/server-ca.crt", TLS + "/server-ca.key")
    client_ca = (TLS + "/client-ca.crt", TLS + "/client-ca.key")
    sans = ["kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc." + (settings.get("cluster-domain") or "cluster.local"), "localhost",
            report["name"], "127.0.0.1", "::1", report["node_ip"]]
    net = ipaddress.ip_network((settings.get("service-cidr") or ["10.43.0.0/16"])[0], strict=False)
    sans.append(str(net.network_address + 1))
    if settings.get("advertise-address"):
        sans.append(settings["advertise-address"])
    sans += settings.get("tls-san") or []
    sans += settings.get("node-external-ip") or []
    seen = []
    for s in sans:
        if s and s not in seen:
            seen.append(s)
    # Kept across restarts while still valid (so k3s.yaml does not change at every start); the
    # serving certificate is re-issued when the SANs change, as k3s's dynamic listener does.
    if not certs.still_good(TLS, "serving-kube-apiserver", server_ca, seen):
        certs.issue(TLS, "serving-kube-apiserver", server_ca, "kube-apiserver", sans=seen)
    if not certs.still_good(TLS, "client-admin", client_ca):
        certs.issue(TLS, "client-admin", client_ca, "system:admin", org="system:masters", usage="clientAuth")
    if not certs.still_good(TLS, "client-supervisor", client_ca):
        certs.issue(TLS, "client-supervisor", client_ca, "system:k3s-supervisor", org="system:masters",
                    usage="clientAuth")
    util.info("Serving the apiserver with a certificate for %s" % ", ".join(seen))


def port_in_use(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def cluster_reset(settings):
    port = int(settings.get("https-listen-port") or 6443)
    if port_in_use(port):
        util.fatal("starting kubernetes: preparing server: cluster-reset: k3s is still running on port %d; "
                   "stop the k3s service first" % port)
    if settings.get("server"):
        util.fatal("cluster-reset is run on the server that started the cluster (remove `server` from the config)")
    restore = settings.get("cluster-reset-restore-path")
    os.makedirs(DB_DIR, exist_ok=True)
    password = _configured_password(settings) or existing_password()
    if restore:
        if not os.path.exists(restore):
            util.fatal("etcd: snapshot restore failed: stat %s: no such file or directory" % restore)
        try:
            db = sqlite3.connect("file:%s?mode=ro" % restore, uri=True)
            row = db.execute("SELECT v FROM meta WHERE k='token-hash'").fetchone()
            db.close()
        except sqlite3.Error as e:
            util.fatal("etcd: snapshot restore failed: %s is not an etcd snapshot: %s" % (restore, e))
        if row and password and row[0] != util.sha256_hex(password):
            util.fatal("bootstrap data already found and encrypted with different token")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(DB + suffix):
                os.unlink(DB + suffix)
        shutil.copyfile(restore, DB)
        util.info("etcd: restored the datastore from snapshot %s" % restore)
    if os.path.exists(DB):
        store = Store(DB)
        store.set_meta("etcd-members", "{}")
        store.close()
    if os.path.exists(REMOVED_MARK):
        os.unlink(REMOVED_MARK)
    util.info("Managed etcd cluster membership has been reset, restart without --cluster-reset flag now. Backup and "
              "delete ${datadir}/server/db on each peer etcd server and rejoin the nodes.")
    return 0


def _configured_password(settings):
    tok = settings.get("token") or ""
    return client.parse_token(tok)[2] if tok else None


def join(settings, report, password, token_hash_wanted, member=False):
    url = settings["server"].rstrip("/")
    if not url.startswith("https://"):
        util.fatal("Error: server %s: the server URL must use https://" % url)
    deadline = time.time() + util.lab_float("LAB_K3S_JOIN_TIMEOUT", 30)
    last = None
    while True:
        try:
            code, _, ca = client.request(url, "GET", "/cacerts", timeout=5)
            if code != 200:
                raise client.ClientError("%d %s" % (code, ca[:100]))
            break
        except client.ClientError as e:
            last = e
            if time.time() > deadline:
                util.fatal("Failed to validate connection to cluster at %s: failed to get CA certs: Get "
                           "\"%s/cacerts\": %s" % (url, url, last))
            util.info("Waiting to retrieve the cluster's CA from %s: %s" % (url, e))
            time.sleep(1)
    ca_hash = util.sha256_hex(ca)
    if token_hash_wanted and token_hash_wanted != ca_hash:
        util.fatal("Failed to validate connection to cluster at %s: token CA hash does not match the Cluster CA "
                   "certificate hash: %s != %s" % (url, token_hash_wanted, ca_hash))
    ctx = client.context(ca_pem=ca.decode())
    try:
        code, _, data = client.request(url, "POST", "/v1-k3s/server-bootstrap",
                                       body={"critical": config.critical(settings), "name": report["name"],
                                             "address": report["node_ip"], "version": VERSION,
                                             "member": member},
                                       basic=("server", password), ctx=ctx, timeout=15)
    except client.ClientError as e:
        util.fatal("failed to get the cluster's bootstrap data from %s: %s" % (url, e))
    if code == 401:
        util.fatal("failed to get the cluster's bootstrap data from %s: https://%s/v1-k3s/server-bootstrap: "
                   "401 Unauthorized (the token does not match the cluster's token)" % (url, url.split("://")[1]))
    text = data.decode(errors="replace")
    if code == 400 and "is a not a member of the etcd cluster" in text:
        util.fatal("starting kubernetes: preparing server: start managed database: %s; back up and remove %s "
                   "to join the cluster again" % (text, DB_DIR))
    if code != 200:
        util.fatal("failed to join the cluster at %s: %s" % (url, text))
    return json.loads(data)


def run(argv):
    try:
        settings, extra = config.load("server", argv)
    except config.ConfigError as e:
        util.fatal(str(e))
    if settings.get("cluster-reset"):
        return cluster_reset(settings)
    if settings.get("datastore-endpoint"):
        util.fatal("the lab's k3s stand-in supports only SQLite and embedded etcd (no datastore-endpoint)")
    util.info("Starting k3s %s (%s)" % (VERSION, util.short_commit(VERSION)))
    if os.path.exists(REMOVED_MARK):
        util.fatal("etcd: the member has been permanently removed from the cluster; remove %s to rejoin" % DB_DIR)
    node_ip, iface = nodeinfo.resolve_addresses(settings, True)
    runtimes, default_rt = nodeinfo.render_containerd_config(settings)
    report = nodeinfo.report("server", settings, extra, node_ip, iface, runtimes, default_rt,
                             bool(settings.get("cluster-init") or settings.get("server")))
    os.makedirs(DB_DIR, mode=0o700, exist_ok=True)
    token_hash_wanted, _, password = client.parse_token(settings.get("token") or "")
    password = password or None
    leader_url = None
    store = Store(DB)
    stored_hash = store.meta("token-hash")
    if password and stored_hash and stored_hash != util.sha256_hex(password):
        util.fatal("starting kubernetes: preparing server: bootstrap data already found and encrypted with "
                   "different token")
    if settings.get("server"):
        if not password:
            util.fatal("--token is required when joining a server (set `token` in config.yaml)")
        # A server that joined before keeps its etcd data: it starts as a member, not as a new one.
        boot = join(settings, report, password, token_hash_wanted, member=store.meta("role") == "follower")
        if stored_hash is None:
            store.set_meta("token-hash", boot["token_hash"])
        elif stored_hash != boot["token_hash"]:
            util.fatal("starting kubernetes: preparing server: bootstrap data already found and encrypted with "
                       "different token")
        for name in ("server-ca", "client-ca"):
            certs.install_ca(TLS, name, boot[name + ".crt"], boot[name + ".key"])
        leader_url = boot["leader"]
        store.set_meta("role", "follower")
    else:
        certs.ensure_ca(TLS, "server-ca")
        certs.ensure_ca(TLS, "client-ca")
        if not password:
            password = existing_password() or os.urandom(16).hex()
        if stored_hash is None:
            store.set_meta("token-hash", util.sha256_hex(password))
        store.set_meta("role", "leader")
        if token_hash_wanted and token_hash_wanted != util.sha256_hex(open(TLS + "/server-ca.crt").read()):
            util.fatal("starting kubernetes: preparing server: failed to normalize server token; token CA hash "
                       "does not match the Cluster CA certificate hash")
    ca_hash = util.sha256_hex(open(TLS + "/server-ca.crt").read())
    agent_password = client.parse_token(settings.get("agent-token") or "")[2] or None
    write_tokens(password, agent_password, ca_hash)
    issue_certs(settings, report)
    cluster = Cluster(settings, report, leader_url)
    cluster.password, cluster.agent_password = password, agent_password
    port = cluster.port
    if cluster.is_leader:
        cluster.store = store
        cluster.api = Api(store, cluster)
        cluster.ctl = controllers.Controllers(cluster)
    else:
        store.close()
    bind = settings.get("bind-address") or "0.0.0.0"
    try:
        srv = httpserver.serve(bind, port, TLS + "/serving-kube-apiserver.crt", TLS + "/serving-kube-apiserver.key",
                               TLS + "/client-ca.crt", cluster)
    except OSError as e:
        util.fatal("starting kubernetes: preparing server: listen tcp %s:%d: bind: %s" % (bind, port, e.strerror))
    util.info("Running kube-apiserver on https://%s:%d (advertising %s)" % (bind, port, cluster.advertise))
    write_kubeconfig(settings, port)
    if cluster.is_leader:
        cluster.ctl.start_leader(report)
    from . import agent
    hb = agent.NodeLink(leader_url or "https://127.0.0.1:%d" % port, ("server", password),
                        client.context(ca_file=TLS + "/server-ca.crt"), report, server=True)
    if not cluster.is_leader:
        hb.register_or_die()
    util.info("k3s is up and running")
    util.sd_notify("READY=1")

    def on_term(signum, frame):
        cluster.stop.set()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    code = 0
    while not cluster.stop.is_set():
        if not cluster.is_leader:
            if hb.beat() == "removed":
                with open(REMOVED_MARK, "w") as f:
                    f.write("removed at %s\n" % util.rfc3339())
                util.error("etcd: the member has been permanently removed from the cluster")
                code = 1
                break
        else:
            cluster.ctl.self_heartbeat(report)
        cluster.stop.wait(hb.interval if not cluster.is_leader else 1.0)
    util.info("Shutting down k3s")
    srv.shutdown()
    if cluster.ctl:
        cluster.ctl.stop()
    return code
