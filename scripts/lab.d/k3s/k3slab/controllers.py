"""What the control plane and kubelets do to stored objects: node registration, heartbeats and
the node lifecycle, workloads to pods (scheduling with selectors, affinity, taints, resources),
the NVIDIA device plugin advertising nvidia.com/gpu, CRDs, and Flux's source and kustomize
controllers (stand-ins: no image is pulled, no container runs, no Git is fetched)."""
import copy
import hashlib
import json
import os
import threading
import time

from . import deviceplugin, printers, util
from .api import label_selector_matches, rand_suffix
from .store import ApiError

DS_AUTO_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
POD_DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]
MASTER_TOLERATIONS = [
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
]
BUILTIN_RUNTIMECLASSES = ["crun", "lunatic", "nvidia", "nvidia-experimental", "slight", "spin", "wasmedge",
                          "wasmer", "wasmtime", "wws"]


def template_hash(template):
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


def short_hash(template):
    h = int(template_hash(template), 16)
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    out = ""
    while len(out) < 10:
        out += alphabet[h % len(alphabet)]
        h //= len(alphabet)
    return out


def tolerates(tolerations, taint):
    for t in tolerations or []:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        op = t.get("operator", "Equal")
        if not t.get("key") and op == "Exists":
            return True
        if t.get("key") != taint.get("key"):
            continue
        if op == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def match_expressions(exprs, labels, fields=None):
    for e in exprs or []:
        key, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
        v = (fields or {}).get(key) if fields is not None else labels.get(key)
        present = v is not None
        if op == "In" and not (present and v in vals):
            return False
        if op == "NotIn" and present and v in vals:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
        if op in ("Gt", "Lt"):
            try:
                a, b = int(v), int(vals[0])
            except (TypeError, ValueError, IndexError):
                return False
            if (op == "Gt" and not a > b) or (op == "Lt" and not a < b):
                return False
    return True


def node_affinity_matches(spec, node):
    labels = node["metadata"].get("labels") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    req = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
            .get("requiredDuringSchedulingIgnoredDuringExecution")) or {})
    terms = req.get("nodeSelectorTerms")
    if terms:
        ok = False
        for term in terms:
            if match_expressions(term.get("matchExpressions"), labels) and \
                    match_expressions(term.get("matchFields"), labels, {"metadata.name": node["metadata"]["name"]}):
                ok = True
                break
        if not ok:
            return False
    return True


def condition(obj, ctype):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


def node_ready(node):
    c = condition(node, "Ready")
    return bool(c and c.get("status") == "True")


def requests_of(spec):
    out = {}
    for c in spec.get("containers") or []:
        res = c.get("resources") or {}
        req = dict(res.get("limits") or {})
        req.update(res.get("requests") or {})
        for k, v in req.items():
            try:
                out[k] = out.get(k, 0) + util.parse_quantity(v)
            except ValueError:
                pass
    return out


def set_condition(conds, ctype, status, reason, message):
    for c in conds:
        if c.get("type") == ctype:
            if c.get("status") != status:
                c["lastTransitionTime"] = util.rfc3339()
            c.update({"status": status, "reason": reason, "message": message})
            return conds
    conds.append({"type": ctype, "status": status, "reason": reason, "message": message,
                  "lastTransitionTime": util.rfc3339()})
    return conds


class Controllers:
    def __init__(self, cluster):
        self.c = cluster
        self.store = cluster.store
        self.api = cluster.api
        self.kick = threading.Event()
        self.stopped = threading.Event()
        self.grace = util.lab_float("LAB_K3S_NODE_MONITOR_GRACE_PERIOD", 40)
        self.flux_delay = util.lab_float("LAB_K3S_FLUX_READY_DELAY", 2)
        self.started = time.time()
        self.heartbeats = {}
        self.thread = None

    def R(self, group, plural):
        return self.store.resource(group, plural)

    def interval(self):
        return max(0.5, min(10.0, self.grace / 4.0))

    # ---------------------------------------------------------------- bootstrap objects
    def start_leader(self, report):
        disabled = set(self.c.settings.get("disable") or [])
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self._ensure("", "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        self.register(dict(report), local=True)
        for pc, value in (("system-cluster-critical", 2000000000), ("system-node-critical", 2000001000)):
            self._ensure("scheduling.k8s.io", "priorityclasses", {
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": pc},
                "value": value, "description": "Used for system critical pods that must not be moved from their "
                "current node.", "preemptionPolicy": "PreemptLowerPriority"})
        self._ensure("", "services", {"apiVersion": "v1", "kind": "Service", "metadata": {
            "name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": self._svc_ip(1), "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                               "targetPort": 6443}], "type": "ClusterIP"}})
        if "runtimes" not in disabled:
            for name in BUILTIN_RUNTIMECLASSES:
                self._ensure("node.k8s.io", "runtimeclasses", {
                    "apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "handler": name,
                    "metadata": {"name": name, "labels": {"objectset.rio.cattle.io/hash": short_hash(name)},
                                 "annotations": {"objectset.rio.cattle.io/id": "",
                                                 "objectset.rio.cattle.io/owner-name": "runtimes",
                                                 "objectset.rio.cattle.io/owner-namespace": "kube-system"}}})
        if "coredns" not in disabled:
            self._addon_deployment("coredns", {"k8s-app": "kube-dns"}, "rancher/mirrored-coredns-coredns:1.12.0",
                                   {"cpu": "100m", "memory": "70Mi"}, volumes=[{"name": "config-volume",
                                                                                "configMap": {"name": "coredns"}}])
            self._ensure("", "configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
                "name": "coredns", "namespace": "kube-system"}, "data": {"Corefile": ".:53 {\n    errors\n    health\n"
                "    kubernetes %s in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n    cache 30\n}\n" % (
                    self.c.settings.get("cluster-domain") or "cluster.local")}})
            self._ensure("", "services", {"apiVersion": "v1", "kind": "Service", "metadata": {
                "name": "kube-dns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
                "spec": {"clusterIP": (self.c.settings.get("cluster-dns") or ["10.43.0.10"])[0],
                         "selector": {"k8s-app": "kube-dns"},
                         "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                                   {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}})
        if "local-storage" not in disabled:
            self._addon_deployment("local-path-provisioner", {"app": "local-path-provisioner"},
                                   "rancher/local-path-provisioner:v0.0.30", {})
            self._ensure("storage.k8s.io", "storageclasses", {
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {
                    "name": "local-path", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
                "volumeBindingMode": "WaitForFirstConsumer"})
        if "metrics-server" not in disabled:
            self._addon_deployment("metrics-server", {"k8s-app": "metrics-server"},
                                   "rancher/mirrored-metrics-server:v0.7.2", {"cpu": "100m", "memory": "70Mi"},
                                   volumes=[{"name": "tmp-dir", "emptyDir": {}}])
        if "traefik" not in disabled:
            for job in ("helm-install-traefik-crd", "helm-install-traefik"):
                self._ensure("batch", "jobs", {"apiVersion": "batch/v1", "kind": "Job", "metadata": {
                    "name": job, "namespace": "kube-system"}, "spec": {"backoffLimit": 1000, "template": {
                        "metadata": {"labels": {"helmcharts.helm.cattle.io/chart": job[13:]}},
                        "spec": {"restartPolicy": "OnFailure", "containers": [
                            {"name": "helm", "image": "rancher/klipper-helm:v0.9.3-build20241008"}]}}}})
            self._addon_deployment("traefik", {"app.kubernetes.io/name": "traefik"}, "rancher/mirrored-library-traefik:2.11.10",
                                   {}, volumes=[{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}])
            if "servicelb" not in disabled:
                name = "svclb-traefik-" + short_hash("traefik")[:8]
                tmpl = {"metadata": {"labels": {"app": name, "svccontroller.k3s.cattle.io/svcname": "traefik"}},
                        "spec": {"tolerations": [{"operator": "Exists"}], "containers": [
                            {"name": "lb-tcp-80", "image": "rancher/klipper-lb:v0.4.9"},
                            {"name": "lb-tcp-443", "image": "rancher/klipper-lb:v0.4.9"}]}}
                self._ensure("apps", "daemonsets", {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {
                    "name": name, "namespace": "kube-system"}, "spec": {"selector": {"matchLabels": {"app": name}},
                                                                        "template": tmpl}})
        self.thread = threading.Thread(target=self.loop, name="controllers", daemon=True)
        self.thread.start()

    def _svc_ip(self, n):
        import ipaddress
        net = ipaddress.ip_network((self.c.settings.get("service-cidr") or ["10.43.0.0/16"])[0], strict=False)
        return str(net.network_address + n)

    def _addon_deployment(self, name, labels, image, requests, volumes=None):
        c = {"name": name.split("-")[0] if name != "local-path-provisioner" else name, "image": image}
        if requests:
            c["resources"] = {"requests": requests}
        if volumes:
            c["volumeMounts"] = [{"name": v["name"], "mountPath": "/" + v["name"]} for v in volumes]
        spec = {"priorityClassName": "system-cluster-critical", "tolerations": copy.deepcopy(MASTER_TOLERATIONS),
                "nodeSelector": {"kubernetes.io/os": "linux"}, "containers": [c]}
        if volumes:
            spec["volumes"] = volumes
        self._ensure("apps", "deployments", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
            "name": name, "namespace": "kube-system", "labels": dict(labels),
            "annotations": {"objectset.rio.cattle.io/owner-name": name, "objectset.rio.cattle.io/owner-namespace":
                            "kube-system"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": dict(labels)}, "spec": spec}}})

    def _ensure(self, group, plural, obj):
        res = self.R(group, plural)
        md = obj["metadata"]
        if self.store.get(res, md.get("namespace", ""), md["name"]) is None:
            try:
                self.api.create(res, res.version, md.get("namespace"), obj)
            except ApiError as e:
                util.error("creating %s %s: %s" % (res.kind, md["name"], e.message))

    # ---------------------------------------------------------------- events
    def event(self, involved, reason, message, etype="Normal", component="kubelet", host=None):
        md = involved.get("metadata") or {}
        ns = md.get("namespace") or "default"
        evres = self.R("", "events")
        now = util.rfc3339()
        with self.store.lock:
            for ev in self.store.list(evres, ns):
                io = ev.get("involvedObject") or {}
                if io.get("name") == md.get("name") and io.get("kind") == involved.get("kind") and \
                        ev.get("reason") == reason and ev.get("message") == message:
                    ev["count"] = int(ev.get("count", 1)) + 1
                    ev["lastTimestamp"] = now
                    self.store.update(evres, ev)
                    return
            ref = {"kind": involved.get("kind"), "name": md.get("name"), "uid": md.get("uid", md.get("name")),
                   "apiVersion": involved.get("apiVersion", "v1")}
            if md.get("namespace"):
                ref["namespace"] = md["namespace"]
            if involved.get("kind") == "Node":
                ref["uid"] = md.get("name")
            self.store.create(evres, {
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": "%s.%x" % (md.get("name"), time.time_ns()), "namespace": ns},
                "involvedObject": ref, "reason": reason, "message": message, "type": etype,
                "source": {"component": component, **({"host": host} if host else {})},
                "firstTimestamp": now, "lastTimestamp": now, "count": 1, "eventTime": None,
                "reportingComponent": component, "reportingInstance": host or ""})

    # ---------------------------------------------------------------- change hooks
    def on_change(self, res, old, new):
        self.kick.set()
        if res.kind == "Node":
            if new is None and old is not None:
                self._node_deleted(old)
            elif old is not None and new is not None:
                self._node_changed(old, new)
        elif res.kind == "Namespace" and old is None and new is not None:
            self._namespace_created(new["metadata"]["name"])

    def _namespace_created(self, ns):
        self._ensure("", "serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                             "metadata": {"name": "default", "namespace": ns}})
        self._ensure("", "configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": "kube-root-ca.crt", "namespace": ns}, "data": {"ca.crt": self.c.server_ca_pem()}})

    def _node_changed(self, old, new):
        name = new["metadata"]["name"]
        ol, nl = old["metadata"].get("labels") or {}, new["metadata"].get("labels") or {}
        if ol != nl:
            changes = ["+%s=%s" % (k, v) for k, v in sorted(nl.items()) if ol.get(k) != v] + \
                      ["-%s" % k for k in sorted(ol) if k not in nl]
            self.event(new, "NodeLabelsChanged", "Node %s labels changed: %s" % (name, ", ".join(changes)),
                       component="k3s-lab-audit")
        ou, nu = bool((old.get("spec") or {}).get("unschedulable")), bool((new.get("spec") or {}).get("unschedulable"))
        if ou != nu:
            self.event(new, "NodeNotSchedulable" if nu else "NodeSchedulable",
                       "Node %s status is now: %s" % (name, "NodeNotSchedulable" if nu else "NodeSchedulable"),
                       host=name)

    def _node_deleted(self, node):
        name = node["metadata"]["name"]
        self.heartbeats.pop(name, None)
        secrets = self.R("", "secrets")
        with self.store.lock:
            if self.store.get(secrets, "kube-system", name + ".node-password.k3s"):
                self.store.delete(secrets, "kube-system", name + ".node-password.k3s")
            pods = self.R("", "pods")
            for p in self.store.list(pods):
                if (p.get("spec") or {}).get("nodeName") == name:
                    self.store.delete(pods, p["metadata"]["namespace"], p["metadata"]["name"])
            report = json.loads(self.store.meta("report:" + name, "null") or "null")
            self.store.db.execute("DELETE FROM meta WHERE k=?", ("report:" + name,))
            members = json.loads(self.store.meta("etcd-members", "{}"))
            if report and report.get("mode") == "server" and name in members:
                members.pop(name)
                self.store.set_meta("etcd-members", json.dumps(members))
                self.store.set_meta("removed:" + name, util.rfc3339())
                util.info("Removed etcd member %s from the cluster: its node was deleted" % name)
        self.event(node, "RemovingNode", "Node %s event: Removing Node %s from Controller" % (name, name),
                   component="node-controller")

    # ---------------------------------------------------------------- registration and heartbeats
    def register(self, report, local=False):
        name = report["name"]
        nodes, secrets = self.R("", "nodes"), self.R("", "secrets")
        pw_hash = util.sha256_hex(report.get("password", ""))
        with self.store.lock:
            if not local and self.store.meta("removed:" + name) and report.get("mode") == "server":
                raise ApiError(403, "Forbidden", "etcd: the member has been permanently removed from the cluster")
            sec = self.store.get(secrets, "kube-system", name + ".node-password.k3s")
            if sec is not None and util.unb64((sec.get("data") or {}).get("hash")).decode() != pw_hash:
                raise ApiError(403, "Forbidden", "Node password rejected, duplicate hostname or contents of "
                               "'/etc/rancher/node/password' may not match server node-passwd entry, try enabling "
                               "a unique node name with the --with-node-id flag")
            if sec is None:
                self.store.create(secrets, {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {
                    "name": name + ".node-password.k3s", "namespace": "kube-system",
                    "labels": {"k3s.io/node-password": "true"}}, "immutable": True,
                    "data": {"hash": util.b64(pw_hash)}})
            stored = {k: v for k, v in report.items() if k != "password"}
            self.store.set_meta("report:" + name, json.dumps(stored))
            node = self.store.get(nodes, "", name)
            fresh = node is None
            if fresh:
                node = self._new_node(report)
            else:
                node = self._refresh_node(node, report)
            self._apply_status(node, report, ready=True)
            if fresh:
                created = self.store.create(nodes, node)
            else:
                created, _ = self.store.update(nodes, node)
            self.heartbeats[name] = time.time()
        self.event(created, "Starting", "Starting kubelet.", host=name)
        if fresh:
            self.event(created, "RegisteredNode", "Node %s event: Registered Node %s in Controller" % (name, name),
                       component="node-controller")
        self.event(created, "NodeReady", "Node %s status is now: NodeReady" % name, host=name)
        self.kick.set()
        util.info("Node %s %s (kubelet %s, node-ip %s)" % (name, "registered" if fresh else "re-registered",
                                                         report["version"], report["node_ip"]))
        return {"heartbeat": self.interval()}

    def _pod_cidr(self):
        with self.store.lock:
            n = int(self.store.meta("pod-cidr-next", "0"))
            self.store.set_meta("pod-cidr-next", str(n + 1))
        base = (self.c.settings.get("cluster-cidr") or ["10.42.0.0/16"])[0].split("/")[0].split(".")
        return "%s.%s.%d.0/24" % (base[0], base[1], n)

    def _new_node(self, r):
        name = r["name"]
        labels = {"beta.kubernetes.io/arch": r["arch"], "beta.kubernetes.io/instance-type": "k3s",
                  "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": r["arch"], "kubernetes.io/hostname": name,
                  "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "k3s"}
        labels.update(r.get("labels") or {})
        if r["mode"] == "server":
            labels["node-role.kubernetes.io/control-plane"] = "true"
            labels["node-role.kubernetes.io/master"] = "true"
            if r.get("etcd"):
                labels["node-role.kubernetes.io/etcd"] = "true"
        cidr = self._pod_cidr()
        spec = {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": "k3s://" + name}
        if r.get("taints"):
            spec["taints"] = [dict(t) for t in r["taints"]]
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels, "annotations": {}},
                "spec": spec, "status": {}}

    def _refresh_node(self, node, r):
        labels = node["metadata"].setdefault("labels", {})
        # The kubelet re-asserts its default labels and k3s its role labels at every start;
        # node-label / node-taint from the config are NOT re-applied (registration only).
        labels.update({"beta.kubernetes.io/arch": r["arch"], "beta.kubernetes.io/os": "linux",
                       "kubernetes.io/arch": r["arch"], "kubernetes.io/hostname": r["name"],
                       "kubernetes.io/os": "linux"})
        if r["mode"] == "server":
            labels["node-role.kubernetes.io/control-plane"] = "true"
            labels["node-role.kubernetes.io/master"] = "true"
            if r.get("etcd"):
                labels["node-role.kubernetes.io/etcd"] = "true"
        return node

    def _apply_status(self, node, r, ready):
        ann = node["metadata"].setdefault("annotations", {})
        ann.update({
            "alpha.kubernetes.io/provided-node-ip": r["node_ip"],
            "flannel.alpha.coreos.com/backend-data": json.dumps({"VNI": 1, "VtepMAC": _mac(r["name"])}),
            "flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/kube-subnet-manager": "true",
            "flannel.alpha.coreos.com/public-ip": r["node_ip"], "k3s.io/hostname": r["name"],
            "k3s.io/internal-ip": r["node_ip"], "k3s.io/node-args": json.dumps(r["node_args"]),
            "k3s.io/node-config-hash": r["config_hash"], "k3s.io/node-env": "{}",
            "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"})
        if r.get("external_ips"):
            ann["k3s.io/external-ip"] = ",".join(r["external_ips"])
        if r.get("etcd"):
            ann["etcd.k3s.cattle.io/node-name"] = "%s-%s" % (r["name"], util.sha256_hex(r["name"])[:8])
            ann["etcd.k3s.cattle.io/node-address"] = r["node_ip"]
        st = node.setdefault("status", {})
        now = util.rfc3339()
        st["capacity"] = dict(r["capacity"])
        st["allocatable"] = dict(r["allocatable"])
        st["addresses"] = [{"type": "InternalIP", "address": r["node_ip"]}] + \
            [{"type": "ExternalIP", "address": a} for a in r.get("external_ips") or []] + \
            [{"type": "Hostname", "address": r["name"]}]
        st["daemonEndpoints"] = {"kubeletEndpoint": {"Port": 10250}}
        st["nodeInfo"] = {"architecture": r["arch"], "bootID": r["boot_id"],
                          "containerRuntimeVersion": "containerd://" + r["containerd"],
                          "kernelVersion": r["kernel"], "kubeProxyVersion": r["version"],
                          "kubeletVersion": r["version"], "machineID": r["machine_id"], "operatingSystem": "linux",
                          "osImage": r["os_image"], "systemUUID": r["machine_id"]}
        st.setdefault("images", [])
        conds = st.setdefault("conditions", [])
        for ctype, reason, msg in (("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                                   ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                                   ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                                   ("Ready", "KubeletReady", "kubelet is posting ready status")):
            status = ("True" if ctype == "Ready" else "False") if ready else "Unknown"
            set_condition(conds, ctype, status, reason if ready else "NodeStatusUnknown",
                          msg if ready else "Kubelet stopped posting node status.")
            for c in conds:
                if c["type"] == ctype:
                    c["lastHeartbeatTime"] = now
        spec = node.setdefault("spec", {})
        if ready and spec.get("taints"):
            spec["taints"] = [t for t in spec["taints"] if t.get("key") not in ("node.kubernetes.io/unreachable",
                                                                                  "node.kubernetes.io/not-ready")]
            if not spec["taints"]:
                spec.pop("taints")
        self._gpu_status(node, r)

    def heartbeat(self, name, password, started, version=None):
        if not name:
            return 400, "no node name"
        if self.store.meta("removed:" + str(name)):
            return 410, "etcd: the member has been permanently removed from the cluster"
        nodes = self.R("", "nodes")
        with self.store.lock:
            node = self.store.get(nodes, "", name)
            if node is None:
                return 404, 'nodes "%s" not found' % name
            self.heartbeats[name] = time.time()
            info = (node.get("status") or {}).setdefault("nodeInfo", {})
            if version and info.get("kubeletVersion") != version:
                # kubelet reports its version with every status update (nodestatus.VersionInfo),
                # so a node object restored from an older snapshot shows what really runs.
                info["kubeletVersion"] = info["kubeProxyVersion"] = version
                report = json.loads(self.store.meta("report:" + name, "null") or "null")
                if report:
                    report["version"] = version
                    self.store.set_meta("report:" + name, json.dumps(report))
                self.store.update(nodes, node)
            if not node_ready(node):
                report = json.loads(self.store.meta("report:" + name, "null") or "null")
                if report:
                    self._apply_status(node, report, ready=True)
                    self.store.update(nodes, node)
                    became = True
                else:
                    became = False
            else:
                became = False
        if became:
            self.event(node, "NodeReady", "Node %s status is now: NodeReady" % name, host=name)
            self.kick.set()
        return 200, "%g" % self.interval()

    def self_heartbeat(self, report):
        name = report["name"]
        self.heartbeats[name] = time.time()
        nodes = self.R("", "nodes")
        node = self.store.get(nodes, "", name)
        if node is not None and not node_ready(node):
            self.heartbeat(name, report["password"], report["started"], report.get("version"))

    # ---------------------------------------------------------------- the loop
    def stop(self):
        self.stopped.set()
        self.kick.set()

    def loop(self):
        while not self.stopped.is_set():
            self.kick.wait(1.0)
            self.kick.clear()
            for step in (self.node_lifecycle, self.workloads, self.pod_statuses, self.gpus, self.flux,
                         self.disruption_budgets):
                try:
                    step()
                except Exception as e:  # noqa: BLE001 - keep the control plane running
                    import traceback
                    util.error("controller %s: %r\n%s" % (step.__name__, e, traceback.format_exc()))

    def node_lifecycle(self):
        nodes = self.R("", "nodes")
        now = time.time()
        for node in self.store.list(nodes):
            name = node["metadata"]["name"]
            last = self.heartbeats.get(name, self.started)
            if now - last <= self.grace or not node_ready(node):
                continue
            with self.store.lock:
                node = self.store.get(nodes, "", name)
                if node is None or not node_ready(node):
                    continue
                for c in node["status"]["conditions"]:
                    if c["type"] in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
                        c.update({"status": "Unknown", "reason": "NodeStatusUnknown",
                                  "message": "Kubelet stopped posting node status.",
                                  "lastTransitionTime": util.rfc3339()})
                taints = node["spec"].setdefault("taints", [])
                for effect in ("NoSchedule", "NoExecute"):
                    if not any(t.get("key") == "node.kubernetes.io/unreachable" and t.get("effect") == effect
                               for t in taints):
                        t = {"key": "node.kubernetes.io/unreachable", "effect": effect}
                        if effect == "NoExecute":
                            t["timeAdded"] = util.rfc3339()
                        taints.append(t)
                self.store.update(nodes, node)
            self.event(node, "NodeNotReady", "Node %s status is now: NodeNotReady" % name, component="node-controller")
            util.info("Node %s: no status for %.0fs, Ready=Unknown" % (name, now - last))

    # ---------------------------------------------------------------- scheduling
    def reports(self):
        out = {}
        for k, v in self.store.db.execute("SELECT k, v FROM meta WHERE k LIKE 'report:%'").fetchall():
            try:
                out[k[7:]] = json.loads(v)
            except ValueError:
                pass
        return out

    def effective_taints(self, node):
        taints = list((node.get("spec") or {}).get("taints") or [])
        if (node.get("spec") or {}).get("unschedulable"):
            taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
        if not node_ready(node) and not any(t.get("key") == "node.kubernetes.io/unreachable" for t in taints):
            taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
        return taints

    def fits(self, spec, node, used, daemon=False):
        """(fits, reason) for a pod spec on a node."""
        tolerations = list(spec.get("tolerations") or []) + (DS_AUTO_TOLERATIONS if daemon else [])
        for t in self.effective_taints(node):
            if t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, t):
                return False, "node(s) had untolerated taint {%s: %s}" % (t.get("key"), t.get("value", ""))
        if not node_affinity_matches(spec, node):
            return False, "node(s) didn't match Pod's node affinity/selector"
        alloc = (node.get("status") or {}).get("allocatable") or {}
        for k, v in requests_of(spec).items():
            if v <= 0:
                continue
            have = util.parse_quantity(alloc.get(k, "0"))
            if used.get(node["metadata"]["name"], {}).get(k, 0) + v > have + 1e-9:
                return False, "Insufficient %s" % k
        return True, ""

    def usage(self, pods):
        used = {}
        for p in pods:
            n = (p.get("spec") or {}).get("nodeName")
            if not n or (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            for k, v in requests_of(p.get("spec") or {}).items():
                used.setdefault(n, {})[k] = used.setdefault(n, {}).get(k, 0) + v
        return used

    # ---------------------------------------------------------------- workloads
    def workloads(self):
        nodes = [n for n in self.store.list(self.R("", "nodes"))]
        podres = self.R("", "pods")
        for kind, plural in (("Deployment", "deployments"), ("StatefulSet", "statefulsets"),
                             ("DaemonSet", "daemonsets"), ("Job", "jobs")):
            res = self.R("apps" if kind != "Job" else "batch", plural)
            for w in self.store.list(res):
                pods = self.store.list(podres)
                try:
                    getattr(self, "_reconcile_" + kind.lower())(res, w, nodes, pods)
                except ApiError as e:
                    self.event(w, "FailedCreate", "Error creating: %s" % e.message, "Warning",
                               component=kind.lower() + "-controller")
        # pod garbage collection: pods whose owner or node is gone
        owners = {}
        for p in self.store.list(podres):
            refs = p["metadata"].get("ownerReferences") or []
            node = (p.get("spec") or {}).get("nodeName")
            gone = node and self.store.get(self.R("", "nodes"), "", node) is None
            for ref in refs:
                key = (ref["kind"], p["metadata"]["namespace"], ref["name"])
                if key not in owners:
                    group = "batch" if ref["kind"] == "Job" else "apps"
                    plural = {"ReplicaSet": "replicasets", "DaemonSet": "daemonsets", "StatefulSet": "statefulsets",
                              "Job": "jobs"}.get(ref["kind"])
                    r = self.R(group, plural) if plural else None
                    owners[key] = r is not None and self.store.get(r, key[1], key[2]) is not None
                if not owners[key]:
                    gone = True
            if gone:
                try:
                    self.store.delete(podres, p["metadata"]["namespace"], p["metadata"]["name"])
                except ApiError:
                    pass

    def _owned(self, pods, kind, name, ns):
        return [p for p in pods if p["metadata"].get("namespace") == ns and any(
            r.get("kind") == kind and r.get("name") == name for r in p["metadata"].get("ownerReferences") or [])]

    def _new_pod(self, owner_kind, owner, name, template, node_name, extra_labels, api_version="apps/v1"):
        spec = copy.deepcopy(template.get("spec") or {})
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        tol = spec.setdefault("tolerations", [])
        for t in (DS_AUTO_TOLERATIONS if owner_kind == "DaemonSet" else POD_DEFAULT_TOLERATIONS):
            if not any(x.get("key") == t["key"] and x.get("effect") == t["effect"] for x in tol):
                tol.append(dict(t))
        if spec.get("priorityClassName"):
            pc = self.store.get(self.R("scheduling.k8s.io", "priorityclasses"), "", spec["priorityClassName"])
            if pc is None:
                raise ApiError(403, "Forbidden", 'pods "%s" is forbidden: no PriorityClass with name %s was found'
                               % (name, spec["priorityClassName"]))
            spec["priority"] = pc.get("value", 0)
        if node_name:
            spec["nodeName"] = node_name
        md = copy.deepcopy(template.get("metadata") or {})
        labels = md.get("labels") or {}
        labels.update(extra_labels)
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": name, "namespace": owner["metadata"]["namespace"], "labels": labels,
            "ownerReferences": [{"apiVersion": api_version, "kind": owner_kind, "name": owner["metadata"]["name"],
                                 "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]},
            "spec": spec, "status": {"phase": "Pending", "qosClass": "BestEffort"}}
        if md.get("annotations"):
            pod["metadata"]["annotations"] = md["annotations"]
        created = self.api.create(self.R("", "pods"), "v1", owner["metadata"]["namespace"], pod)
        if node_name:
            self.event(created, "Scheduled", "Successfully assigned %s/%s to %s" % (
                created["metadata"]["namespace"], name, node_name), component="default-scheduler")
        return created

    def _pick_node(self, spec, nodes, used, counts, daemon=False):
        best, reasons = None, []
        for n in nodes:
            ok, why = self.fits(spec, n, used, daemon)
            if not ok:
                reasons.append(why)
                continue
            c = counts.get(n["metadata"]["name"], 0)
            if best is None or c < counts.get(best["metadata"]["name"], 0):
                best = n
        return best, reasons

    def _schedule_pending(self, pods, nodes, used, counts):
        podres = self.R("", "pods")
        for p in pods:
            if (p.get("spec") or {}).get("nodeName"):
                continue
            node, reasons = self._pick_node(p["spec"], nodes, used, counts)
            if node is None:
                msg = "0/%d nodes are available: %s." % (len(nodes), ", ".join(sorted(set(reasons))) or "no nodes")
                st = p.setdefault("status", {})
                st["phase"] = "Pending"
                old = copy.deepcopy(st.get("conditions"))
                st["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                     "message": msg, "lastTransitionTime": (old or [{}])[0].get(
                                         "lastTransitionTime", util.rfc3339())}]
                if st["conditions"] != old:
                    self.store.update(podres, p)
                    self.event(p, "FailedScheduling", msg, "Warning", component="default-scheduler")
                continue
            name = node["metadata"]["name"]
            p["spec"]["nodeName"] = name
            p["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
            self.store.update(podres, p)
            for k, v in requests_of(p["spec"]).items():
                used.setdefault(name, {})[k] = used.setdefault(name, {}).get(k, 0) + v
            counts[name] = counts.get(name, 0) + 1
            self.event(p, "Scheduled", "Successfully assigned %s/%s to %s" % (
                p["metadata"]["namespace"], p["metadata"]["name"], name), component="default-scheduler")

    def _replicas(self, res, w, nodes, pods, owner_kind, owner, current_labels, prefix, want, ordinal=False):
        podres = self.R("", "pods")
        mine = self._owned(pods, owner_kind, owner["metadata"]["name"], owner["metadata"]["namespace"])
        h = current_labels.get("pod-template-hash") or current_labels.get("controller-revision-hash")
        keep = []
        for p in mine:
            labels = p["metadata"].get("labels") or {}
            if labels.get("pod-template-hash", labels.get("controller-revision-hash")) != h:
                self.store.delete(podres, p["metadata"]["namespace"], p["metadata"]["name"])
            else:
                keep.append(p)
        keep.sort(key=lambda p: p["metadata"].get("creationTimestamp", ""))
        while len(keep) > want:
            p = keep.pop()
            self.store.delete(podres, p["metadata"]["namespace"], p["metadata"]["name"])
        all_pods = self.store.list(podres)
        used = self.usage(all_pods)
        counts = {}
        for p in keep:
            n = (p.get("spec") or {}).get("nodeName")
            if n:
                counts[n] = counts.get(n, 0) + 1
        self._schedule_pending(keep, nodes, used, counts)
        tmpl = (w.get("spec") or {}).get("template") or {}
        names = {p["metadata"]["name"] for p in keep}
        i = 0
        while len(keep) < want:
            if ordinal:
                while "%s-%d" % (prefix, i) in names:
                    i += 1
                pname = "%s-%d" % (prefix, i)
                names.add(pname)
            else:
                pname = "%s-%s" % (prefix, rand_suffix())
            node, _ = self._pick_node(tmpl.get("spec") or {}, nodes, used, counts)
            nname = node["metadata"]["name"] if node else None
            p = self._new_pod(owner_kind, owner, pname, tmpl, nname, current_labels)
            if nname:
                counts[nname] = counts.get(nname, 0) + 1
                for k, v in requests_of(tmpl.get("spec") or {}).items():
                    used.setdefault(nname, {})[k] = used.setdefault(nname, {}).get(k, 0) + v
            else:
                self._schedule_pending([p], nodes, used, counts)
            keep.append(p)
        return keep

    def _reconcile_deployment(self, res, d, nodes, pods):
        spec = d.get("spec") or {}
        want = int(spec.get("replicas", 1))
        tmpl = spec.get("template") or {}
        h = short_hash(tmpl)
        rsres = self.R("apps", "replicasets")
        rs_name = "%s-%s" % (d["metadata"]["name"], h)
        ns = d["metadata"]["namespace"]
        for rs in self.store.list(rsres, ns):
            if any(r.get("uid") == d["metadata"]["uid"] for r in rs["metadata"].get("ownerReferences") or []) and \
                    rs["metadata"]["name"] != rs_name:
                self.store.delete(rsres, ns, rs["metadata"]["name"])
        rs = self.store.get(rsres, ns, rs_name)
        labels = dict((tmpl.get("metadata") or {}).get("labels") or {}, **{"pod-template-hash": h})
        if rs is None:
            rs = self.store.create(rsres, {
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {
                    "name": rs_name, "namespace": ns, "labels": labels,
                    "annotations": {"deployment.kubernetes.io/revision": str(d["metadata"].get("generation", 1))},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": d["metadata"]["name"],
                                         "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]},
                "spec": {"replicas": want, "selector": {"matchLabels": dict((spec.get("selector") or {}).get(
                    "matchLabels") or {}, **{"pod-template-hash": h})}, "template": dict(tmpl, metadata=dict(
                        tmpl.get("metadata") or {}, labels=labels))}})
        elif (rs.get("spec") or {}).get("replicas") != want:
            rs["spec"]["replicas"] = want
            rs, _ = self.store.update(rsres, rs)
        mine = self._replicas(rsres, dict(d, spec=dict(spec, template=tmpl)), nodes, pods, "ReplicaSet", rs,
                              labels, rs_name, want)
        mine = [self.store.get(self.R("", "pods"), ns, p["metadata"]["name"]) or p for p in mine]
        ready = sum(1 for p in mine if self._pod_ready(p))
        self._set_status(rsres, rs, {"replicas": len(mine), "fullyLabeledReplicas": len(mine), "readyReplicas": ready,
                                     "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)})
        conds = copy.deepcopy((d.get("status") or {}).get("conditions") or [])
        set_condition(conds, "Available", "True" if ready >= want else "False",
                      "MinimumReplicasAvailable" if ready >= want else "MinimumReplicasUnavailable",
                      "Deployment has minimum availability." if ready >= want else
                      "Deployment does not have minimum availability.")
        set_condition(conds, "Progressing", "True", "NewReplicaSetAvailable" if ready >= want else "ReplicaSetUpdated",
                      'ReplicaSet "%s" has %s progressing.' % (rs_name, "successfully" if ready >= want else "been"))
        st = {"observedGeneration": d["metadata"].get("generation", 1), "replicas": len(mine),
              "updatedReplicas": len(mine), "readyReplicas": ready, "availableReplicas": ready,
              "conditions": conds}
        if ready < len(mine):
            st["unavailableReplicas"] = len(mine) - ready
        if not ready:
            st.pop("readyReplicas")
            st.pop("availableReplicas")
        self._set_status(res, d, st)

    def _reconcile_statefulset(self, res, s, nodes, pods):
        spec = s.get("spec") or {}
        want = int(spec.get("replicas", 1))
        tmpl = spec.get("template") or {}
        h = "%s-%s" % (s["metadata"]["name"], short_hash(tmpl))
        labels = dict((tmpl.get("metadata") or {}).get("labels") or {}, **{"controller-revision-hash": h})
        mine = self._replicas(res, s, nodes, pods, "StatefulSet", s, labels, s["metadata"]["name"], want, ordinal=True)
        mine = [self.store.get(self.R("", "pods"), s["metadata"]["namespace"], p["metadata"]["name"]) or p for p in mine]
        ready = sum(1 for p in mine if self._pod_ready(p))
        self._set_status(res, s, {"observedGeneration": s["metadata"].get("generation", 1), "replicas": len(mine),
                                  "readyReplicas": ready, "currentReplicas": len(mine), "updatedReplicas": len(mine),
                                  "availableReplicas": ready, "currentRevision": h, "updateRevision": h})

    def _reconcile_daemonset(self, res, ds, nodes, pods):
        spec = ds.get("spec") or {}
        tmpl = spec.get("template") or {}
        h = short_hash(tmpl)
        ns = ds["metadata"]["namespace"]
        podres = self.R("", "pods")
        mine = self._owned(pods, "DaemonSet", ds["metadata"]["name"], ns)
        used = self.usage(pods)
        eligible = []
        for n in nodes:
            ok, _ = self.fits(tmpl.get("spec") or {}, n, {}, daemon=True)
            if ok:
                eligible.append(n["metadata"]["name"])
        labels = dict((tmpl.get("metadata") or {}).get("labels") or {}, **{
            "controller-revision-hash": h, "pod-template-generation": str(ds["metadata"].get("generation", 1))})
        by_node = {}
        for p in mine:
            n = (p.get("spec") or {}).get("nodeName")
            if n not in eligible or (p["metadata"].get("labels") or {}).get("controller-revision-hash") != h or \
                    n in by_node:
                self.store.delete(podres, ns, p["metadata"]["name"])
                continue
            by_node[n] = p
        for n in eligible:
            if n not in by_node:
                by_node[n] = self._new_pod("DaemonSet", ds, "%s-%s" % (ds["metadata"]["name"], rand_suffix()),
                                           tmpl, n, labels)
        current = [self.store.get(podres, ns, p["metadata"]["name"]) or p for p in by_node.values()]
        ready = sum(1 for p in current if self._pod_ready(p))
        del used
        self._set_status(res, ds, {"currentNumberScheduled": len(current), "desiredNumberScheduled": len(eligible),
                                   "numberAvailable": ready, "numberMisscheduled": 0, "numberReady": ready,
                                   "observedGeneration": ds["metadata"].get("generation", 1),
                                   "updatedNumberScheduled": len(current),
                                   **({"numberUnavailable": len(current) - ready} if len(current) > ready else {})})

    def _reconcile_job(self, res, job, nodes, pods):
        if (job.get("status") or {}).get("succeeded"):
            return
        spec = job.get("spec") or {}
        tmpl = spec.get("template") or {}
        labels = {"batch.kubernetes.io/job-name": job["metadata"]["name"], "job-name": job["metadata"]["name"]}
        mine = self._owned(pods, "Job", job["metadata"]["name"], job["metadata"]["namespace"])
        if not mine:
            used = self.usage(pods)
            node, _ = self._pick_node(tmpl.get("spec") or {}, nodes, used, {})
            if node is None:
                return
            self._new_pod("Job", job, "%s-%s" % (job["metadata"]["name"], rand_suffix()), tmpl,
                          node["metadata"]["name"], labels, "batch/v1")
            return
        p = self.store.get(self.R("", "pods"), job["metadata"]["namespace"], mine[0]["metadata"]["name"])
        if p and (p.get("status") or {}).get("phase") == "Succeeded":
            now = util.rfc3339()
            self._set_status(res, job, {"succeeded": 1, "startTime": p["metadata"]["creationTimestamp"],
                                        "completionTime": now, "ready": 0, "conditions": [
                                            {"type": "Complete", "status": "True", "lastProbeTime": now,
                                             "lastTransitionTime": now}]})

    def _set_status(self, res, obj, status):
        with self.store.lock:
            cur = self.store.get(res, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            if cur is None:
                return cur
            new = dict(cur)
            new["status"] = status
            if cur.get("status") == status:
                return cur
            out, _ = self.store.update(res, new)
            return out

    # ---------------------------------------------------------------- disruption controller
    def disruption_budgets(self):
        """PodDisruptionBudget status as pkg/controller/disruption keeps it: the pods the selector
        picks, how many are Ready and not being evicted (disruptedPods, forgotten once the pod is
        gone or after 2 minutes), how many must stay (minAvailable, or the pods minus
        maxUnavailable; percentages of the pods), and how many may go now."""
        from .api import disruption_condition, selector_matches
        pdbres, podres = self.R("policy", "poddisruptionbudgets"), self.R("", "pods")
        now = time.time()
        for pdb in self.store.list(pdbres):
            ns = pdb["metadata"]["namespace"]
            spec = pdb.get("spec") or {}
            sel = spec.get("selector") or {}
            pods = [p for p in self.store.list(podres, ns) if (sel.get("matchLabels") or sel.get("matchExpressions"))
                    and selector_matches(sel, p["metadata"].get("labels") or {})
                    and not p["metadata"].get("deletionTimestamp")]
            names = {p["metadata"]["name"] for p in pods}
            old = pdb.get("status") or {}
            disrupted = {k: v for k, v in (old.get("disruptedPods") or {}).items()
                         if k in names and now - util.parse_rfc3339(v) < 120}
            healthy = sum(1 for p in pods if self._pod_ready(p) and p["metadata"]["name"] not in disrupted)
            expected = len(pods)
            desired = self._desired_healthy(spec, expected)
            allowed = max(0, healthy - desired)
            status = {"observedGeneration": pdb["metadata"].get("generation", 1), "disruptionsAllowed": allowed,
                      "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected}
            if disrupted:
                status["disruptedPods"] = disrupted
            cond = disruption_condition(pdb, allowed > 0)
            prev = next((c for c in old.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), None)
            if prev and prev.get("status") == cond["status"]:
                cond["lastTransitionTime"] = prev.get("lastTransitionTime")
            status["conditions"] = [cond]
            if status != old:
                self._set_status(pdbres, pdb, status)

    @staticmethod
    def _desired_healthy(spec, expected):
        def scaled(value, round_up):
            if isinstance(value, str) and value.endswith("%"):
                share = expected * int(value[:-1]) / 100.0
                return int(-(-share // 1)) if round_up else int(share)
            return int(value)
        if spec.get("minAvailable") is not None:
            return scaled(spec["minAvailable"], True)
        if spec.get("maxUnavailable") is not None:
            return max(0, expected - scaled(spec["maxUnavailable"], True))
        return 0

    def _pod_ready(self, p):
        c = condition(p, "Ready")
        return bool(c and c.get("status") == "True")

    # ---------------------------------------------------------------- pods: what the kubelet reports
    def pod_statuses(self):
        podres = self.R("", "pods")
        reports = self.reports()
        for p in self.store.list(podres):
            node = (p.get("spec") or {}).get("nodeName")
            if not node:
                continue
            status, events = self._kubelet_view(p, reports.get(node))
            if status is None:
                continue
            old = p.get("status") or {}
            if _status_key(old) == _status_key(status):
                continue
            for c in status.get("conditions") or []:
                oc = next((x for x in old.get("conditions") or [] if x.get("type") == c["type"]), None)
                if oc and oc.get("status") == c["status"]:
                    c["lastTransitionTime"] = oc.get("lastTransitionTime")
            if old.get("startTime"):
                status["startTime"] = old["startTime"]
            with self.store.lock:
                cur = self.store.get(podres, p["metadata"]["namespace"], p["metadata"]["name"])
                if cur is None or cur["metadata"]["uid"] != p["metadata"]["uid"]:
                    continue
                cur["status"] = status
                self.store.update(podres, cur)
                p = cur
            for reason, msg, etype in events:
                self.event(p, reason, msg, etype, host=node)

    def _kubelet_view(self, p, report):
        spec = p.get("spec") or {}
        md = p["metadata"]
        now = util.rfc3339()
        node = self.store.get(self.R("", "nodes"), "", spec["nodeName"])
        if node is None or report is None:
            return None, []
        containers = spec.get("containers") or []
        events = []
        waiting_reason, waiting_msg, crash = None, None, False
        handler, runtimes = self._pod_runtime(p, report)
        if handler not in runtimes:
            waiting_reason = "ContainerCreating"
            events.append(("FailedCreatePodSandBox", 'Failed to create pod sandbox: rpc error: code = Unknown desc = '
                           'failed to get sandbox runtime: no runtime for "%s" is configured' % handler, "Warning"))
        for v in spec.get("volumes") or []:
            for kind, key, res in (("configMap", "name", ("", "configmaps")), ("secret", "secretName", ("", "secrets"))):
                src = v.get(kind)
                if src and not src.get("optional") and self.store.get(
                        self.R(*res), md["namespace"], src.get(key, "")) is None and waiting_reason is None:
                    waiting_reason = "ContainerCreating"
                    events.append(("FailedMount", 'MountVolume.SetUp failed for volume "%s" : %s "%s" not found' % (
                        v.get("name"), kind.lower(), src.get(key)), "Warning"))
        # A container takes a moment to start (image, sandbox): LAB_K3S_POD_START_SECONDS, 0 by
        # default, keeps a new pod ContainerCreating (Pending, not Ready) that long.
        start = util.lab_float("LAB_K3S_POD_START_SECONDS", 0)
        if waiting_reason is None and start > 0 and \
                time.time() - util.parse_rfc3339(md["creationTimestamp"]) < start:
            waiting_reason = "ContainerCreating"
        plugin = self.is_device_plugin(p)
        crash_msg = None
        if waiting_reason is None and plugin:
            fail_on_init = self._env(p, "FAIL_ON_INIT_ERROR", "true").lower() != "false"
            cfg = self.plugin_config(p)
            problem = self._plugin_problem(p, report)
            if cfg.get("error"):
                crash, crash_msg = True, cfg["error"]
            elif problem and fail_on_init:
                crash, crash_msg = True, problem
        shared = self._shared_gpu_limit(p, spec["nodeName"], report) if not plugin else None
        if shared:
            return ({"phase": "Failed", "reason": "UnexpectedAdmissionError", "message": shared,
                     "hostIP": report["node_ip"], "startTime": md["creationTimestamp"]},
                    [("UnexpectedAdmissionError", shared, "Warning")])
        if spec.get("restartPolicy") in ("OnFailure", "Never") and (md.get("ownerReferences") or [{}])[0].get("kind") == "Job":
            phase, reason_state = "Succeeded", {"terminated": {"exitCode": 0, "reason": "Completed",
                                                               "startedAt": md["creationTimestamp"], "finishedAt": now}}
        elif waiting_reason:
            phase, reason_state = "Pending", {"waiting": {"reason": waiting_reason}}
        elif crash:
            phase, reason_state = "Running", {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off restarting "
                                                           "failed container"}}
        else:
            phase, reason_state = "Running", {"running": {"startedAt": md["creationTimestamp"]}}
        age = time.time() - util.parse_rfc3339(md["creationTimestamp"])
        restarts = int(age // 20) + 1 if crash else 0
        ready = phase == "Running" and not crash
        statuses = []
        for c in containers:
            cs = {"name": c.get("name"), "image": c.get("image", ""), "imageID": "",
                  "containerID": "" if waiting_reason else "containerd://" + util.sha256_hex(md["uid"] + c.get("name", "")),
                  "ready": ready, "started": ready, "restartCount": restarts, "state": reason_state}
            if crash:
                cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "message": crash_msg or "",
                                                  "startedAt": md["creationTimestamp"], "finishedAt": now}}
            statuses.append(cs)
        ip = (node.get("spec") or {}).get("podCIDR", "10.42.0.0/24").rsplit(".", 1)[0] + ".%d" % (
            2 + int(util.sha256_hex(md["uid"]), 16) % 250)
        t = "True" if ready else "False"
        st = {"phase": phase, "hostIP": report["node_ip"], "hostIPs": [{"ip": report["node_ip"]}],
              "startTime": md["creationTimestamp"], "qosClass": "BestEffort" if not requests_of(spec) else "Burstable",
              "conditions": [{"type": "PodReadyToStartContainers", "status": "False" if waiting_reason else "True"},
                             {"type": "Initialized", "status": "True"}, {"type": "Ready", "status": t},
                             {"type": "ContainersReady", "status": t}, {"type": "PodScheduled", "status": "True"}],
              "containerStatuses": statuses}
        for c in st["conditions"]:
            c["lastProbeTime"] = None
            c["lastTransitionTime"] = now
        if not waiting_reason:
            st["podIP"] = ip if not spec.get("hostNetwork") else report["node_ip"]
            st["podIPs"] = [{"ip": st["podIP"]}]
        if crash and restarts:
            events.append(("BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)" % (
                containers[0].get("name") if containers else "", md["name"], md["namespace"], md["uid"]), "Warning"))
        elif ready:
            events += [("Pulled", 'Container image "%s" already present on machine' % c.get("image", ""), "Normal")
                       for c in containers[:1]]
            events += [("Started", "Started container %s" % c.get("name"), "Normal") for c in containers[:1]]
        return st, events

    def _pod_runtime(self, p, report):
        """(RuntimeClass handler the pod runs under, the node's configured runtimes)."""
        spec = p.get("spec") or {}
        handler = None
        if spec.get("runtimeClassName"):
            rc = self.store.get(self.R("node.k8s.io", "runtimeclasses"), "", spec["runtimeClassName"])
            handler = rc.get("handler") if rc else spec["runtimeClassName"]
        handler = handler or report.get("default_runtime") or "runc"
        return handler, report.get("runtimes") or {"runc": "runc"}

    def _plugin_problem(self, p, report):
        """Why the device plugin finds no GPU on this node (None when it finds them): it must run
        under the NVIDIA runtime to load NVML, and the node must have GPUs."""
        handler, runtimes = self._pod_runtime(p, report)
        binary = os.path.basename(runtimes.get(handler) or "runc")
        if binary != "nvidia-container-runtime":
            return ("Failed to initialize NVML: could not load NVML library (the pod runs under the %r runtime, "
                    "not nvidia: set runtimeClassName: nvidia or default-runtime: nvidia)" % handler)
        if report.get("gpus", 0) == 0:
            return "No devices found. Waiting indefinitely. (no NVIDIA GPU on this node)"
        return None

    def _shared_gpu_limit(self, p, node_name, report):
        """The device plugin's admission error for a pod asking for more than one time-sliced GPU
        when its config says failRequestsGreaterThanOne (None otherwise)."""
        want = requests_of(p.get("spec") or {})
        if not any(k.startswith("nvidia.com/") and v > 1 for k, v in want.items()):
            return None
        for other in self.store.list(self.R("", "pods")):
            if (other.get("spec") or {}).get("nodeName") != node_name or not self.is_device_plugin(other):
                continue
            cfg = self.plugin_config(other)
            res = cfg.get("resource", "nvidia.com/gpu")
            if cfg.get("fail_gt1") and cfg.get("replicas", 1) > 1 and want.get(res, 0) > 1:
                return ("Allocate failed due to rpc error: code = Unknown desc = request for '%s: %d' too large: "
                        "maximum request size for shared resources is 1" % (res, int(want[res])))
        return None

    def _env(self, p, name, default):
        for c in (p.get("spec") or {}).get("containers") or []:
            for e in c.get("env") or []:
                if e.get("name") == name and "value" in e:
                    return str(e["value"])
        return default

    # ---------------------------------------------------------------- the NVIDIA device plugin
    def is_device_plugin(self, p):
        for ref in p["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "DaemonSet" and "nvidia-device-plugin" in ref.get("name", ""):
                return True
        return any("k8s-device-plugin" in (c.get("image") or "") for c in (p.get("spec") or {}).get("containers") or [])

    def plugin_config(self, p):
        """The time-slicing config the plugin read when its pod started (snapshotted per pod,
        since the real plugin reads its config file only at start)."""
        key = "dp:" + p["metadata"]["uid"]
        cached = self.store.meta(key)
        if cached:
            return json.loads(cached)
        cfg = self._read_plugin_config(p)
        self.store.set_meta(key, json.dumps(cfg))
        return cfg

    def _read_plugin_config(self, p):
        spec = p.get("spec") or {}
        path = None
        mounts = {}
        for c in spec.get("containers") or []:
            for e in c.get("env") or []:
                if e.get("name") == "CONFIG_FILE":
                    path = e.get("value")
            for a in (c.get("args") or []) + (c.get("command") or []):
                if str(a).startswith("--config-file="):
                    path = str(a).split("=", 1)[1]
            for m in c.get("volumeMounts") or []:
                mounts[m.get("mountPath", "").rstrip("/")] = m
        out = {"replicas": 1, "resource": "nvidia.com/gpu", "source": None, "error": None}
        if not path:
            return out
        volumes = {v.get("name"): v for v in spec.get("volumes") or []}
        for mp, m in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
            if path == mp or path.startswith(mp + "/"):
                vol = volumes.get(m.get("name")) or {}
                cm = vol.get("configMap")
                if not cm:
                    return dict(out, error="unable to load config: the lab stand-in reads the plugin config only "
                                "from a ConfigMap volume (volume %r is not one)" % m.get("name"))
                rel = path[len(mp):].lstrip("/")
                if m.get("subPath"):
                    rel = m["subPath"]
                key = rel
                for item in cm.get("items") or []:
                    if item.get("path") == rel:
                        key = item.get("key")
                obj = self.store.get(self.R("", "configmaps"), p["metadata"]["namespace"], cm.get("name", ""))
                if obj is None:
                    return dict(out, error=str(deviceplugin.missing_file(path)))
                text = (obj.get("data") or {}).get(key)
                if text is None:
                    return dict(out, error=str(deviceplugin.missing_file(path)))
                return self._parse_plugin_config(text, "%s/%s[%s]" % (p["metadata"]["namespace"], cm.get("name"), key))
        return dict(out, error=str(deviceplugin.missing_file(path)))

    def _parse_plugin_config(self, text, source):
        """The config as device plugin v0.20.0 loads it (deviceplugin.py); a config it refuses
        makes the plugin exit, whatever FAIL_ON_INIT_ERROR says."""
        out = {"replicas": 1, "resource": "nvidia.com/gpu", "source": source, "error": None}
        try:
            cfg = deviceplugin.load(text)
        except deviceplugin.PluginConfigError as e:
            return dict(out, error=str(e))
        out.update(replicas=cfg["replicas"], resource=cfg["resource"], fail_gt1=cfg["fail_gt1"])
        return out

    def _gpu_status(self, node, report):
        """Extended resources from the running device plugin pod on this node (if any)."""
        name = node["metadata"]["name"]
        st = node.setdefault("status", {})
        base_cap, base_alloc = dict(report["capacity"]), dict(report["allocatable"])
        adv = {}
        for p in self.store.list(self.R("", "pods")):
            if (p.get("spec") or {}).get("nodeName") != name or not self.is_device_plugin(p):
                continue
            ready = self._pod_ready(p)
            if not ready:
                continue
            cfg = self.plugin_config(p)
            if cfg.get("error") or self._plugin_problem(p, report):
                continue
            adv[cfg["resource"]] = str(report.get("gpus", 0) * cfg["replicas"])
        for k in list((st.get("capacity") or {}).keys()):
            if k.startswith("nvidia.com/") and k not in adv:
                base_cap[k] = st["capacity"][k]
                base_alloc[k] = "0"
        base_cap.update(adv)
        base_alloc.update(adv)
        st["capacity"], st["allocatable"] = base_cap, base_alloc

    def gpus(self):
        nodes = self.R("", "nodes")
        reports = self.reports()
        for node in self.store.list(nodes):
            r = reports.get(node["metadata"]["name"])
            if not r:
                continue
            with self.store.lock:
                cur = self.store.get(nodes, "", node["metadata"]["name"])
                if cur is None:
                    continue
                new = copy.deepcopy(cur)
                self._gpu_status(new, r)
                if new != cur:
                    self.store.update(nodes, new)

    # ---------------------------------------------------------------- CRDs and Flux
    def _controller_available(self, name):
        for d in self.store.list(self.R("apps", "deployments")):
            if d["metadata"]["name"] == name:
                c = condition(d, "Available")
                return bool(c and c.get("status") == "True")
        return False

    def _first_seen(self, obj):
        key = "seen:%s:%s" % (obj["metadata"]["uid"], obj["metadata"].get("generation", 1))
        t = self.store.meta(key)
        if t is None:
            t = str(time.time())
            self.store.set_meta(key, t)
        return float(t)

    def flux(self):
        for res in self.store.resources():
            if res.group == "source.toolkit.fluxcd.io" and res.kind == "GitRepository":
                if self._controller_available("source-controller"):
                    for g in self.store.list(res):
                        self._git_repository(res, g)
            if res.group == "kustomize.toolkit.fluxcd.io" and res.kind == "Kustomization":
                if self._controller_available("kustomize-controller"):
                    for k in self.store.list(res):
                        self._kustomization(res, k)

    def _flux_status(self, res, obj, ready, reason, message, extra=None):
        st = copy.deepcopy(obj.get("status") or {})
        conds = st.get("conditions") or []
        gen = obj["metadata"].get("generation", 1)
        if ready is None:
            set_condition(conds, "Reconciling", "True", "Progressing", "reconciliation in progress")
            set_condition(conds, "Ready", "Unknown", "Progressing", "reconciliation in progress")
        else:
            conds = [c for c in conds if c.get("type") != "Reconciling"]
            set_condition(conds, "Ready", "True" if ready else "False", reason, message)
        for c in conds:
            c["observedGeneration"] = gen
        st["conditions"] = conds
        st["observedGeneration"] = gen if ready is not None else st.get("observedGeneration", -1)
        req = (obj["metadata"].get("annotations") or {}).get("reconcile.fluxcd.io/requestedAt")
        if req:
            st["lastHandledReconcileAt"] = req
        st.update(extra or {})
        if st != obj.get("status"):
            self._set_status(res, obj, st)

    def _git_repository(self, res, g):
        if time.time() - self._first_seen(g) < self.flux_delay:
            return self._flux_status(res, g, None, "", "")
        spec = g.get("spec") or {}
        url = spec.get("url") or ""
        ns = g["metadata"]["namespace"]
        secret_name = (spec.get("secretRef") or {}).get("name")
        secret = self.store.get(self.R("", "secrets"), ns, secret_name) if secret_name else None
        if secret_name and secret is None:
            return self._flux_status(res, g, False, "AuthenticationFailed", "failed to get secret '%s/%s': secrets "
                                     '"%s" not found' % (ns, secret_name, secret_name))
        if url.startswith("ssh://"):
            if secret is None:
                return self._flux_status(res, g, False, "GitOperationFailed", "failed to checkout and determine "
                                         "revision: unable to clone '%s': ssh: handshake failed: ssh: unable to "
                                         "authenticate, attempted methods [none], no supported methods remain "
                                         "(set spec.secretRef to a Secret with identity and known_hosts)" % url)
            data = secret.get("data") or {}
            for key in ("identity", "known_hosts"):
                if not data.get(key):
                    return self._flux_status(res, g, False, "AuthenticationFailed",
                                             "invalid '%s' auth option: '%s' is required" % (secret_name, key))
        elif not url.startswith(("https://", "http://")):
            return self._flux_status(res, g, False, "URLInvalid", "failed to checkout and determine revision: unsupported "
                                     "URL scheme in %r: use ssh:// or https://" % url)
        ref = spec.get("ref") or {}
        branch = ref.get("branch") or ("" if ref.get("tag") or ref.get("commit") else "master")
        sha = hashlib.sha1(json.dumps([url, ref], sort_keys=True).encode()).hexdigest()
        rev = "%s@sha1:%s" % (branch or ref.get("tag") or "HEAD", ref.get("commit") or sha)
        art = {"digest": "sha256:" + util.sha256_hex(rev), "lastUpdateTime": util.rfc3339(self._first_seen(g)),
               "path": "gitrepository/%s/%s/%s.tar.gz" % (ns, g["metadata"]["name"], sha),
               "revision": rev, "size": 0,
               "url": "http://source-controller.flux-system.svc.cluster.local./gitrepository/%s/%s/%s.tar.gz" % (
                   ns, g["metadata"]["name"], sha)}
        self._flux_status(res, g, True, "Succeeded", "stored artifact for revision '%s'" % rev, {"artifact": art})

    def _kustomization(self, res, k):
        if time.time() - self._first_seen(k) < self.flux_delay:
            return self._flux_status(res, k, None, "", "")
        spec = k.get("spec") or {}
        ns = k["metadata"]["namespace"]
        for dep in spec.get("dependsOn") or []:
            d = self.store.get(res, dep.get("namespace") or ns, dep.get("name", ""))
            c = condition(d, "Ready") if d else None
            if not c or c.get("status") != "True":
                return self._flux_status(res, k, False, "DependencyNotReady", "dependency '%s/%s' is not ready" % (
                    dep.get("namespace") or ns, dep.get("name")))
        src = spec.get("sourceRef") or {}
        if src.get("kind") != "GitRepository":
            return self._flux_status(res, k, False, "ArtifactFailed", "the lab stand-in only knows GitRepository "
                                     "sources, not %r" % src.get("kind"))
        gres = self.store.resource_for_kind("source.toolkit.fluxcd.io/v1", "GitRepository") or next(
            (r for r in self.store.resources() if r.group == "source.toolkit.fluxcd.io" and r.kind == "GitRepository"),
            None)
        g = self.store.get(gres, src.get("namespace") or ns, src.get("name", "")) if gres else None
        if g is None:
            return self._flux_status(res, k, False, "ArtifactFailed", 'GitRepository.source.toolkit.fluxcd.io "%s" '
                                     "not found" % src.get("name"))
        c = condition(g, "Ready")
        if not c or c.get("status") != "True":
            return self._flux_status(res, k, False, "ArtifactFailed", "Source artifact not found, retrying in 30s")
        if not spec.get("path"):
            return self._flux_status(res, k, False, "BuildFailed", "spec.path is not set (the lab stand-in fetches no "
                                     "Git content, so it cannot build the repository root)")
        rev = ((g.get("status") or {}).get("artifact") or {}).get("revision", "")
        self._flux_status(res, k, True, "ReconciliationSucceeded", "Applied revision: %s" % rev,
                          {"lastAppliedRevision": rev, "lastAttemptedRevision": rev})


def _status_key(st):
    st = copy.deepcopy(st or {})
    for c in st.get("conditions") or []:
        c.pop("lastTransitionTime", None)
        c.pop("lastProbeTime", None)
    for cs in st.get("containerStatuses") or []:
        for s in (cs.get("state") or {}).values():
            s.pop("startedAt", None)
            s.pop("finishedAt", None)
        (cs.get("lastState") or {}).get("terminated", {}).pop("finishedAt", None)
        (cs.get("lastState") or {}).get("terminated", {}).pop("startedAt", None)
    st.pop("startTime", None)
    return json.dumps(st, sort_keys=True)


def _mac(name):
    h = util.sha256_hex(name)
    return ":".join([h[i:i + 2] for i in range(0, 12, 2)])
