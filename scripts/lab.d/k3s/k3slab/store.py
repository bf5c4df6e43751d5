"""The datastore: Kubernetes objects in SQLite (/var/lib/rancher/k3s/server/db/state.db), and the
resource types the API serves (built-in ones plus those of applied CustomResourceDefinitions)."""
import collections
import json
import sqlite3
import threading

from . import util

# (group, version, kind, plural, namespaced, short names)
BUILTIN = [
    ("", "v1", "Node", "nodes", False, ["no"]),
    ("", "v1", "Namespace", "namespaces", False, ["ns"]),
    ("", "v1", "Pod", "pods", True, ["po"]),
    ("", "v1", "Event", "events", True, ["ev"]),
    ("", "v1", "ConfigMap", "configmaps", True, ["cm"]),
    ("", "v1", "Secret", "secrets", True, []),
    ("", "v1", "Service", "services", True, ["svc"]),
    ("", "v1", "ServiceAccount", "serviceaccounts", True, ["sa"]),
    ("", "v1", "Endpoints", "endpoints", True, ["ep"]),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ["pvc"]),
    ("", "v1", "PersistentVolume", "persistentvolumes", False, ["pv"]),
    ("", "v1", "LimitRange", "limitranges", True, ["limits"]),
    ("", "v1", "ResourceQuota", "resourcequotas", True, ["quota"]),
    ("apps", "v1", "Deployment", "deployments", True, ["deploy"]),
    ("apps", "v1", "DaemonSet", "daemonsets", True, ["ds"]),
    ("apps", "v1", "StatefulSet", "statefulsets", True, ["sts"]),
    ("apps", "v1", "ReplicaSet", "replicasets", True, ["rs"]),
    ("apps", "v1", "ControllerRevision", "controllerrevisions", True, []),
    ("batch", "v1", "Job", "jobs", True, []),
    ("batch", "v1", "CronJob", "cronjobs", True, ["cj"]),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False, []),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False, []),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", True, []),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True, []),
    ("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", False, []),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False,
     ["crd", "crds"]),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, ["netpol"]),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", True, ["ing"]),
    ("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False, []),
    ("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False, ["pc"]),
    ("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, ["sc"]),
    ("storage.k8s.io", "v1", "CSIDriver", "csidrivers", False, []),
    ("coordination.k8s.io", "v1", "Lease", "leases", True, []),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ["pdb"]),
    ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
     "validatingwebhookconfigurations", False, []),
    ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
     "mutatingwebhookconfigurations", False, []),
    ("apiregistration.k8s.io", "v1", "APIService", "apiservices", False, []),
    ("helm.cattle.io", "v1", "HelmChart", "helmcharts", True, []),
    ("helm.cattle.io", "v1", "HelmChartConfig", "helmchartconfigs", True, []),
    ("k3s.cattle.io", "v1", "Addon", "addons", True, []),
    ("k3s.cattle.io", "v1", "ETCDSnapshotFile", "etcdsnapshotfiles", False, []),
]


class Resource:
    def __init__(self, group, version, kind, plural, namespaced, short=(), versions=None, crd=None):
        self.group, self.version, self.kind, self.plural = group, version, kind, plural
        self.namespaced, self.short = namespaced, list(short)
        self.versions = versions or [version]
        self.crd = crd

    @property
    def key(self):
        return "%s/%s" % (self.group, self.plural)

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def singular(self):
        return self.kind.lower()

    @property
    def qualified(self):
        """`deployment.apps`, `node`: what kubectl prints before the name."""
        return self.singular + ("." + self.group if self.group else "")

    def __repr__(self):
        return "Resource(%s)" % self.key


class ApiError(Exception):
    """An error the API answers with a metav1.Status."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            out["details"] = self.details
        return out


def not_found(res, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (res.plural + ("." + res.group if res.group else ""), name),
                    {"name": name, "group": res.group, "kind": res.plural})


class Store:
    """Every object, one row each; writes bump a global resourceVersion."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS objects (res TEXT NOT NULL, ns TEXT NOT NULL, "
                        "name TEXT NOT NULL, body TEXT NOT NULL, applied TEXT, "
                        "PRIMARY KEY (res, ns, name))")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
        self.changed = threading.Condition(self.lock)
        self._resources = None
        # Recent changes for watches: (resourceVersion, resource key, namespace, type, object, old).
        # Kept in memory (as kube-apiserver's watch cache is): after a restart, or for a
        # resourceVersion older than what is kept, a watch ends with 410 Expired and clients list again.
        self.history = collections.deque(maxlen=20000)
        self.history_start = int(self.meta("resourceVersion", "100"))

    # -- meta
    def meta(self, key, default=None):
        with self.lock:
            row = self.db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
            return row[0] if row else default

    def set_meta(self, key, value):
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (key, value))

    def next_rv(self):
        with self.lock:
            rv = int(self.meta("resourceVersion", "100")) + 1
            self.set_meta("resourceVersion", str(rv))
            return str(rv)

    # -- resource types
    def resources(self):
        with self.lock:
            if self._resources is None:
                out = [Resource(*b) for b in BUILTIN]
                for crd in self.list_raw("apiextensions.k8s.io/customresourcedefinitions"):
                    spec = crd.get("spec") or {}
                    names = spec.get("names") or {}
                    served = [v.get("name") for v in spec.get("versions") or [] if v.get("served", True)]
                    storage = next((v.get("name") for v in spec.get("versions") or [] if v.get("storage")),
                                   served[0] if served else "v1")
                    if not spec.get("group") or not names.get("plural") or not names.get("kind"):
                        continue
                    out.append(Resource(spec["group"], storage, names["kind"], names["plural"],
                                        spec.get("scope", "Namespaced") == "Namespaced",
                                        names.get("shortNames") or [], served or [storage], crd=crd))
                self._resources = out
            return self._resources

    def invalidate(self):
        with self.lock:
            self._resources = None

    def resource(self, group, plural):
        for r in self.resources():
            if r.group == group and r.plural == plural:
                return r
        return None

    def resource_for_kind(self, api_version, kind):
        group, _, version = api_version.rpartition("/")
        for r in self.resources():
            if r.group == group and r.kind == kind and version in r.versions:
                return r
        return None

    # -- objects
    def list_raw(self, key, ns=None):
        with self.lock:
            if ns is None:
                rows = self.db.execute("SELECT body FROM objects WHERE res=? ORDER BY ns, name", (key,))
            else:
                rows = self.db.execute("SELECT body FROM objects WHERE res=? AND ns=? ORDER BY name", (key, ns))
            return [json.loads(r[0]) for r in rows.fetchall()]

    def list(self, res, ns=None):
        return self.list_raw(res.key, ns)

    def get(self, res, ns, name):
        with self.lock:
            row = self.db.execute("SELECT body FROM objects WHERE res=? AND ns=? AND name=?",
                                  (res.key, ns or "", name)).fetchone()
            return json.loads(row[0]) if row else None

    def applied(self, res, ns, name):
        with self.lock:
            row = self.db.execute("SELECT applied FROM objects WHERE res=? AND ns=? AND name=?",
                                  (res.key, ns or "", name)).fetchone()
            return json.loads(row[0]) if row and row[0] else {}

    def set_applied(self, res, ns, name, applied):
        with self.lock:
            self.db.execute("UPDATE objects SET applied=? WHERE res=? AND ns=? AND name=?",
                            (json.dumps(applied), res.key, ns or "", name))

    def create(self, res, obj):
        with self.lock:
            md = obj.setdefault("metadata", {})
            ns = md.get("namespace", "") if res.namespaced else ""
            if self.get(res, ns, md["name"]) is not None:
                raise ApiError(409, "AlreadyExists", '%s "%s" already exists' % (
                    res.plural + ("." + res.group if res.group else ""), md["name"]),
                    {"name": md["name"], "group": res.group, "kind": res.plural})
            md["uid"] = md.get("uid") or util.new_uid()
            md["creationTimestamp"] = util.rfc3339()
            md["resourceVersion"] = self.next_rv()
            if "spec" in obj or res.kind in ("Deployment", "DaemonSet", "StatefulSet"):
                md["generation"] = 1
            for k in ("deletionTimestamp", "selfLink"):
                md.pop(k, None)
            self.db.execute("INSERT INTO objects (res, ns, name, body) VALUES (?, ?, ?, ?)",
                            (res.key, ns, md["name"], json.dumps(obj)))
            if res.key == "apiextensions.k8s.io/customresourcedefinitions":
                self._resources = None
            self._record(res, ns, "ADDED", obj, None)
            return obj

    def update(self, res, obj, expect_rv=None):
        """Replaces an object. Bumps resourceVersion (and generation when spec changed) only when
        something changed; returns (object, changed)."""
        with self.lock:
            md = obj["metadata"]
            ns = md.get("namespace", "") if res.namespaced else ""
            cur = self.get(res, ns, md["name"])
            if cur is None:
                raise not_found(res, md["name"])
            if expect_rv and expect_rv != cur["metadata"].get("resourceVersion"):
                raise ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has been '
                               "modified; please apply your changes to the latest version and try again" % (
                                   res.plural + ("." + res.group if res.group else ""), md["name"]),
                               {"name": md["name"], "group": res.group, "kind": res.plural})
            for k in ("uid", "creationTimestamp"):
                md[k] = cur["metadata"].get(k)
            if "generation" in cur["metadata"]:
                md["generation"] = cur["metadata"]["generation"]
            md["resourceVersion"] = cur["metadata"]["resourceVersion"]
            if obj == cur:
                return cur, False
            if cur.get("spec") != obj.get("spec") or (res.kind in ("ConfigMap", "Secret") and False):
                md["generation"] = int(cur["metadata"].get("generation", 0)) + 1
            md["resourceVersion"] = self.next_rv()
            self.db.execute("UPDATE objects SET body=? WHERE res=? AND ns=? AND name=?",
                            (json.dumps(obj), res.key, ns, md["name"]))
            if res.key == "apiextensions.k8s.io/customresourcedefinitions":
                self._resources = None
            self._record(res, ns, "MODIFIED", obj, cur)
            return obj, True

    def delete(self, res, ns, name):
        with self.lock:
            cur = self.get(res, ns if res.namespaced else "", name)
            if cur is None:
                raise not_found(res, name)
            self.db.execute("DELETE FROM objects WHERE res=? AND ns=? AND name=?",
                            (res.key, ns if res.namespaced else "", name))
            if res.key == "apiextensions.k8s.io/customresourcedefinitions":
                self._resources = None
            gone = json.loads(json.dumps(cur))
            gone["metadata"]["resourceVersion"] = self.next_rv()
            self._record(res, ns if res.namespaced else "", "DELETED", gone, cur)
            return cur

    def delete_namespace_contents(self, ns):
        with self.lock:
            rows = self.db.execute("SELECT res, body FROM objects WHERE ns=?", (ns,)).fetchall()
            self.db.execute("DELETE FROM objects WHERE ns=?", (ns,))
            for key, body in rows:
                gone = json.loads(body)
                gone["metadata"]["resourceVersion"] = self.next_rv()
                self.history.append((int(gone["metadata"]["resourceVersion"]), key, ns, "DELETED", gone, None))
            self.changed.notify_all()

    def _record(self, res, ns, kind, obj, old):
        """Remembers a change for watches and wakes them."""
        self.history.append((int(obj["metadata"]["resourceVersion"]), res.key, ns, kind,
                             json.loads(json.dumps(obj)), old))
        self.changed.notify_all()

    def changes_since(self, rv, key):
        """(changes after `rv` of resource `key`, whether `rv` is still covered by the history)."""
        with self.lock:
            full = len(self.history) == self.history.maxlen
            covered = rv >= self.history_start and (not full or rv >= self.history[0][0] - 1)
            return [h for h in self.history if h[0] > rv and h[1] == key], covered

    def backup(self, path):
        with self.lock:
            dst = sqlite3.connect(path)
            with dst:
                self.db.backup(dst)
            dst.close()

    def close(self):
        with self.lock:
            self.db.close()
