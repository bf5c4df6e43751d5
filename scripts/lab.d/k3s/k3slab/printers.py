"""Server-side printing (meta.k8s.io/v1 Table), as kube-apiserver answers `kubectl get`."""
from . import util


def _col(name, typ="string", desc="", priority=0, fmt=""):
    return {"name": name, "type": typ, "format": fmt, "description": desc, "priority": priority}


def _ready_status(node):
    conds = {c.get("type"): c.get("status") for c in (node.get("status") or {}).get("conditions") or []}
    status = "Ready" if conds.get("Ready") == "True" else "NotReady" if "Ready" in conds else "Unknown"
    if (node.get("spec") or {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    return status


def node_roles(node):
    roles = []
    for k, v in ((node.get("metadata") or {}).get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            roles.append(k.split("/", 1)[1])
        elif k == "kubernetes.io/role":
            roles.append(v)
    return ",".join(sorted(set(roles))) or "<none>"


def _addr(node, kind):
    for a in (node.get("status") or {}).get("addresses") or []:
        if a.get("type") == kind:
            return a.get("address")
    return "<none>"


def pod_status(pod):
    st = pod.get("status") or {}
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    reason = st.get("reason") or st.get("phase") or "Pending"
    for cs in st.get("containerStatuses") or []:
        state = cs.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated"):
            reason = state["terminated"].get("reason") or "Completed"
    return reason


def _pod_ready(pod):
    cs = (pod.get("status") or {}).get("containerStatuses") or []
    total = len((pod.get("spec") or {}).get("containers") or []) or len(cs)
    return "%d/%d" % (sum(1 for c in cs if c.get("ready")), total)


def _restarts(pod):
    return sum(int(c.get("restartCount", 0)) for c in (pod.get("status") or {}).get("containerStatuses") or [])


def _selector(sel):
    return ",".join("%s=%s" % kv for kv in (sel or {}).items()) or "<none>"


def columns_for(res):
    """(column definitions, function obj -> cells) for a resource type."""
    kind = res.kind
    name = _col("Name", fmt="name", desc="Name must be unique within a namespace.")
    agecol = _col("Age", desc="CreationTimestamp is a timestamp representing the server time when this object was created.")
    age = lambda o: util.age(o["metadata"].get("creationTimestamp"))  # noqa: E731
    if kind == "Node":
        return ([name, _col("Status"), _col("Roles"), agecol, _col("Version"),
                 _col("Internal-IP", priority=1), _col("External-IP", priority=1), _col("OS-Image", priority=1),
                 _col("Kernel-Version", priority=1), _col("Container-Runtime", priority=1)],
                lambda o: [o["metadata"]["name"], _ready_status(o), node_roles(o), age(o),
                           ((o.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", ""),
                           _addr(o, "InternalIP"), _addr(o, "ExternalIP"),
                           ((o.get("status") or {}).get("nodeInfo") or {}).get("osImage", ""),
                           ((o.get("status") or {}).get("nodeInfo") or {}).get("kernelVersion", ""),
                           ((o.get("status") or {}).get("nodeInfo") or {}).get("containerRuntimeVersion", "")])
    if kind == "Pod":
        return ([name, _col("Ready"), _col("Status"), _col("Restarts", "string"), agecol,
                 _col("IP", priority=1), _col("Node", priority=1), _col("Nominated Node", priority=1),
                 _col("Readiness Gates", priority=1)],
                lambda o: [o["metadata"]["name"], _pod_ready(o), pod_status(o), str(_restarts(o)), age(o),
                           (o.get("status") or {}).get("podIP") or "<none>",
                           (o.get("spec") or {}).get("nodeName") or "<none>", "<none>", "<none>"])
    if kind == "Namespace":
        return ([name, _col("Status"), agecol],
                lambda o: [o["metadata"]["name"], (o.get("status") or {}).get("phase", "Active"), age(o)])
    if kind == "Event":
        return ([_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"), _col("Message")],
                lambda o: [util.age(o.get("lastTimestamp") or o["metadata"].get("creationTimestamp")),
                           o.get("type", ""), o.get("reason", ""),
                           "%s/%s" % ((o.get("involvedObject") or {}).get("kind", "").lower(),
                                      (o.get("involvedObject") or {}).get("name", "")),
                           o.get("message", "")])
    if kind == "Deployment":
        return ([name, _col("Ready"), _col("Up-to-date"), _col("Available"), agecol],
                lambda o: [o["metadata"]["name"], "%d/%d" % ((o.get("status") or {}).get("readyReplicas", 0),
                                                             (o.get("spec") or {}).get("replicas", 1)),
                           str((o.get("status") or {}).get("updatedReplicas", 0)),
                           str((o.get("status") or {}).get("availableReplicas", 0)), age(o)])
    if kind == "DaemonSet":
        st = lambda o, k: str((o.get("status") or {}).get(k, 0))  # noqa: E731
        return ([name, _col("Desired"), _col("Current"), _col("Ready"), _col("Up-to-date"), _col("Available"),
                 _col("Node Selector"), agecol],
                lambda o: [o["metadata"]["name"], st(o, "desiredNumberScheduled"), st(o, "currentNumberScheduled"),
                           st(o, "numberReady"), st(o, "updatedNumberScheduled"), st(o, "numberAvailable"),
                           _selector((((o.get("spec") or {}).get("template") or {}).get("spec") or {}).get("nodeSelector")),
                           age(o)])
    if kind == "ConfigMap":
        return ([name, _col("Data"), agecol],
                lambda o: [o["metadata"]["name"], str(len(o.get("data") or {}) + len(o.get("binaryData") or {})), age(o)])
    if kind == "Secret":
        return ([name, _col("Type"), _col("Data"), agecol],
                lambda o: [o["metadata"]["name"], o.get("type", "Opaque"), str(len(o.get("data") or {})), age(o)])
    if kind == "RuntimeClass":
        return ([name, _col("Handler"), agecol], lambda o: [o["metadata"]["name"], o.get("handler", ""), age(o)])
    if kind == "CustomResourceDefinition":
        return ([name, _col("Created At", "date")],
                lambda o: [o["metadata"]["name"], o["metadata"].get("creationTimestamp")])
    if kind == "Service":
        return ([name, _col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)"), agecol],
                lambda o: [o["metadata"]["name"], (o.get("spec") or {}).get("type", "ClusterIP"),
                           (o.get("spec") or {}).get("clusterIP", "<none>"), "<none>",
                           ",".join("%s/%s" % (p.get("port"), p.get("protocol", "TCP"))
                                    for p in (o.get("spec") or {}).get("ports") or []) or "<none>", age(o)])
    if kind == "Job":
        return ([name, _col("Status"), _col("Completions"), _col("Duration"), agecol],
                lambda o: [o["metadata"]["name"], "Complete" if (o.get("status") or {}).get("succeeded") else "Running",
                           "%d/%d" % ((o.get("status") or {}).get("succeeded", 0), (o.get("spec") or {}).get("completions", 1)),
                           "5s", age(o)])
    if res.crd is not None:
        cols, fns = [name], [lambda o: o["metadata"]["name"]]
        version = next((v for v in (res.crd.get("spec") or {}).get("versions") or [] if v.get("name") == res.version), {})
        for pc in version.get("additionalPrinterColumns") or []:
            cols.append(_col(pc.get("name"), pc.get("type", "string"), pc.get("description", ""), pc.get("priority", 0)))
            fns.append(lambda o, p=pc.get("jsonPath", ""): _simple_path(o, p))
        if not any(c["name"] == "Age" for c in cols):
            cols.append(_col("Age", "date"))
            fns.append(lambda o: o["metadata"].get("creationTimestamp"))
        return cols, lambda o: [f(o) for f in fns]
    return [name, agecol], lambda o: [o["metadata"]["name"], age(o)]


def _simple_path(obj, path):
    """A CRD printer column's JSONPath (`.status.conditions[?(@.type=="Ready")].status`)."""
    from . import jsonpath
    try:
        vals = jsonpath.evaluate("{" + path + "}", obj, raw=True)
    except Exception:  # noqa: BLE001
        return None
    if not vals:
        return None
    return vals[0]


def table(res, objs, rv):
    cols, cells = columns_for(res)
    rows = []
    for o in objs:
        md = {k: v for k, v in o["metadata"].items() if k != "managedFields"}
        rows.append({"cells": cells(o), "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                                   "metadata": md}})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": rv},
            "columnDefinitions": cols, "rows": rows}
