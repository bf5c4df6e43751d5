"""The Kubernetes API subset: discovery, CRUD with list/label/field selectors, merge, strategic,
JSON and server-side-apply patches, eviction, tables, and what admission does for these kinds."""
import copy
import json
import os
import random
import re
import string
import threading
import time

import yaml

from . import patch as patches
from . import printers, schema, ssa, util
from .store import ApiError, not_found
from .version import VERSION

STATUS_SUBRESOURCE_KINDS = {"Node", "Pod", "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job",
                            "Namespace", "Service", "CustomResourceDefinition"}
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def rand_suffix(n=5):
    return "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))


def label_selector_matches(selector, labels):
    labels = labels or {}
    if not selector:
        return True
    for req in _split_selector(selector):
        req = req.strip()
        if not req:
            continue
        m = re.match(r"^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$", req)
        if m:
            vals = {v.strip() for v in m.group(3).split(",")}
            has = m.group(1) in labels and labels[m.group(1)] in vals
            if (m.group(2) == "in") != has:
                return False
            continue
        if req.startswith("!"):
            if req[1:] in labels:
                return False
            continue
        m = re.match(r"^([^!=]+?)\s*(==|=|!=)\s*(.*)$", req)
        if m:
            k, op, v = m.group(1).strip(), m.group(2), m.group(3).strip()
            if op == "!=":
                if labels.get(k) == v:
                    return False
            elif labels.get(k) != v:
                return False
            continue
        if req not in labels:
            return False
    return True


def _split_selector(sel):
    out, depth, buf = [], 0, ""
    for c in sel:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            out.append(buf)
            buf = ""
        else:
            buf += c
    out.append(buf)
    return out


def field_value(obj, path):
    cur = obj
    for p in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(p)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def field_selector_matches(selector, obj):
    if not selector:
        return True
    for req in selector.split(","):
        m = re.match(r"^([^!=]+?)\s*(==|=|!=)\s*(.*)$", req.strip())
        if not m:
            raise ApiError(400, "BadRequest", 'unable to parse requirement: "%s"' % req)
        got = field_value(obj, m.group(1))
        if (m.group(2) == "!=") == (got == m.group(3)):
            return False
    return True


def validate_metadata(kind, obj, errors):
    md = obj.get("metadata") or {}
    for field in ("labels", "annotations"):
        vals = md.get(field) or {}
        if not isinstance(vals, dict):
            errors.append("metadata.%s: Invalid value: must be a map" % field)
            continue
        for k, v in vals.items():
            if not _LABEL_KEY.match(k):
                errors.append('metadata.%s: Invalid value: "%s": name part must consist of alphanumeric characters, '
                              "'-', '_' or '.', and must start and end with an alphanumeric character" % (field, k))
            if field == "labels" and (not isinstance(v, str) or not _LABEL_VALUE.match(v)):
                errors.append('metadata.labels: Invalid value: "%s": a valid label must be an empty string or '
                              "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                              "alphanumeric character" % (v,))
            if field == "annotations" and not isinstance(v, str):
                errors.append("metadata.annotations: Invalid value: %s: annotation values must be strings" % json.dumps(v))


def selector_matches(selector, labels):
    """A metav1.LabelSelector (matchLabels, matchExpressions) against labels."""
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def patch_options_invalid(field, reason, message):
    """422 for PatchOptions a request may not have, worded as ValidatePatchOptions' field errors."""
    return ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: %s: %s' % (field, message),
                    {"group": "meta.k8s.io", "kind": "PatchOptions",
                     "causes": [{"reason": reason, "message": message, "field": field}]})


def too_many_requests(cause, retry_after):
    """429 as errors.NewTooManyRequests words an eviction refusal (eviction.go)."""
    details = {"causes": [{"reason": "DisruptionBudget", "message": cause}]}
    if retry_after:
        details["retryAfterSeconds"] = retry_after
    return ApiError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
                    details)


def disruption_condition(pdb, allowed):
    """The DisruptionAllowed condition (policy/v1: SufficientPods, InsufficientPods)."""
    return {"type": "DisruptionAllowed", "status": "True" if allowed else "False",
            "reason": "SufficientPods" if allowed else "InsufficientPods", "message": "",
            "observedGeneration": pdb["metadata"].get("generation", 1), "lastTransitionTime": util.rfc3339()}


def undecodable(res, message):
    """400 BadRequest: the body cannot be decoded into the kind (a wrong type, or an unknown field
    with fieldValidation=Strict), as kube-apiserver answers."""
    return ApiError(400, "BadRequest", '%s in version "%s" cannot be handled as a %s: %s' % (
        res.kind, res.version, res.kind, message))


def invalid(res, name, errors):
    kind_group = res.kind + ("." + res.group if res.group else "")
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (
        kind_group, name, errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"),
        {"name": name, "group": res.group, "kind": res.kind,
         "causes": [{"message": e} for e in errors]})


class Api:
    def __init__(self, store, cluster):
        self.store = store
        self.cluster = cluster  # server.Cluster: events, node hooks, tokens, versions
        self.lock = threading.RLock()

    # ------------------------------------------------------------ discovery
    def discovery(self, parts):
        resources = self.store.resources()
        if parts == ["api"]:
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "%s:6443" % self.cluster.advertise}]}
        if parts == ["apis"]:
            groups = []
            for g in sorted({r.group for r in resources if r.group}):
                versions = sorted({v for r in resources if r.group == g for v in r.versions})
                pref = next((r.version for r in resources if r.group == g), versions[0])
                groups.append({"name": g, "versions": [{"groupVersion": "%s/%s" % (g, v), "version": v}
                                                       for v in versions],
                               "preferredVersion": {"groupVersion": "%s/%s" % (g, pref), "version": pref}})
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        if len(parts) == 2 and parts[0] == "apis":
            g = parts[1]
            versions = sorted({v for r in resources if r.group == g for v in r.versions})
            if not versions:
                return None
            pref = next(r.version for r in resources if r.group == g)
            return {"kind": "APIGroup", "apiVersion": "v1", "name": g,
                    "versions": [{"groupVersion": "%s/%s" % (g, v), "version": v} for v in versions],
                    "preferredVersion": {"groupVersion": "%s/%s" % (g, pref), "version": pref}}
        if parts == ["api", "v1"] or (len(parts) == 3 and parts[0] == "apis"):
            g, v = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
            rs = [r for r in resources if r.group == g and v in r.versions]
            if not rs:
                return None
            out = []
            verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
            for r in rs:
                item = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                        "kind": r.kind, "verbs": verbs}
                if r.short:
                    item["shortNames"] = r.short
                if r.crd is not None:
                    item["categories"] = (r.crd.get("spec", {}).get("names") or {}).get("categories") or []
                out.append(item)
                if r.kind in STATUS_SUBRESOURCE_KINDS or r.crd is not None:
                    out.append({"name": r.plural + "/status", "singularName": "", "namespaced": r.namespaced,
                                "kind": r.kind, "verbs": ["get", "patch", "update"]})
                if r.kind == "Pod":
                    out.append({"name": "pods/eviction", "singularName": "", "namespaced": True,
                                "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]})
            return {"kind": "APIResourceList", "apiVersion": "v1",
                    "groupVersion": "%s/%s" % (g, v) if g else v, "resources": out}
        return None

    # ------------------------------------------------------------ routing
    def route(self, parts):
        """(resource, namespace, name, subresource) for an API path, or raises NotFound."""
        if parts[0] == "api" and len(parts) >= 3:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 4:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
            ns, rest = rest[1], rest[2:]
        res = self.store.resource(group, rest[0])
        if res is None or version not in res.versions:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if ns is not None and not res.namespaced:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        return res, version, ns, name, sub

    # ------------------------------------------------------------ reads
    def list(self, res, version, ns, query, as_table=False):
        items = self.store.list(res, ns if res.namespaced else None)
        ls = query.get("labelSelector", "")
        fs = query.get("fieldSelector", "")
        out = [self._view(res, version, o) for o in items
               if label_selector_matches(ls, o["metadata"].get("labels")) and field_selector_matches(fs, o)]
        rv = self.store.meta("resourceVersion", "100")
        if as_table:
            return printers.table(res, out, rv)
        return {"kind": res.kind + "List", "apiVersion": res.api_version if version == res.version else
                ("%s/%s" % (res.group, version) if res.group else version),
                "metadata": {"resourceVersion": rv}, "items": out}

    def _view(self, res, version, obj):
        if version != res.version or obj.get("apiVersion") != res.api_version:
            obj["apiVersion"] = "%s/%s" % (res.group, version) if res.group else version
        obj.setdefault("kind", res.kind)
        return obj

    def get(self, res, version, ns, name, as_table=False):
        obj = self.store.get(res, ns if res.namespaced else "", name)
        if obj is None:
            raise not_found(res, name)
        obj = self._view(res, version, obj)
        if as_table:
            return printers.table(res, [obj], obj["metadata"]["resourceVersion"])
        return obj

    # ------------------------------------------------------------ watches
    def watch(self, res, version, ns, query):
        """`?watch=1`: a generator of newline-terminated watch events (metav1.WatchEvent as JSON:
        ADDED, MODIFIED, DELETED, BOOKMARK with allowWatchBookmarks, ERROR with a Status). Without a
        resourceVersion (or "0") every current object comes first as ADDED; with one, the changes
        after it; one older than the kept history is an ERROR 410 Expired. Ends after
        timeoutSeconds. An object that stops (starts) matching the selectors is DELETED (ADDED)."""
        rv_text = query.get("resourceVersion", "")
        if rv_text not in ("", "0") and not rv_text.isdigit():
            raise ApiError(400, "BadRequest", 'invalid resource version "%s"' % rv_text)
        fs = query.get("fieldSelector", "")
        field_selector_matches(fs, {})  # a selector that cannot be parsed is refused before streaming
        timeout = float(query.get("timeoutSeconds") or 1800)
        bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
        return self._watch_events(res, version, ns if res.namespaced else None, query.get("labelSelector", ""),
                                  fs, rv_text, time.time() + timeout, bookmarks)

    def _watch_events(self, res, version, ns, ls, fs, rv_text, deadline, bookmarks):
        def matches(obj):
            if ns and obj["metadata"].get("namespace") != ns:
                return False
            return label_selector_matches(ls, obj["metadata"].get("labels")) and field_selector_matches(fs, obj)

        def event(kind, obj):
            return (json.dumps({"type": kind, "object": self._view(res, version, copy.deepcopy(obj))},
                               separators=(",", ":")) + "\n").encode()

        if rv_text in ("", "0"):
            with self.store.lock:
                items = self.store.list(res, ns)
                current = int(self.store.meta("resourceVersion", "100"))
            for obj in items:
                if matches(obj):
                    yield event("ADDED", obj)
        else:
            current = int(rv_text)
        interval = util.lab_float("LAB_K3S_WATCH_BOOKMARK_SECONDS", 5)
        last_bookmark = time.time()
        while True:
            with self.store.lock:
                changes, covered = self.store.changes_since(current, res.key)
                if covered and not changes:
                    self.store.changed.wait(max(0.05, min(1.0, deadline - time.time())))
                    changes, covered = self.store.changes_since(current, res.key)
                latest = int(self.store.meta("resourceVersion", "100"))
            if not covered:
                yield (json.dumps({"type": "ERROR", "object": ApiError(
                    410, "Expired", "too old resource version: %d (%d)" % (current, latest)).status()}) + "\n").encode()
                return
            if not changes:
                yield b""  # lets the server notice a client that went away
            for rv, _, _, kind, obj, old in changes:
                current = rv
                now, before = matches(obj), old is not None and matches(old)
                if kind == "MODIFIED" and now != before:
                    kind = "ADDED" if now else "DELETED"
                if now or before:
                    yield event(kind, obj)
            current = max(current, latest)
            if bookmarks and time.time() - last_bookmark >= interval:
                last_bookmark = time.time()
                yield (json.dumps({"type": "BOOKMARK", "object": {
                    "kind": res.kind, "apiVersion": res.api_version,
                    "metadata": {"resourceVersion": str(current)}}}) + "\n").encode()
            if time.time() >= deadline:
                return

    # ------------------------------------------------------------ writes
    def create(self, res, version, ns, obj, dry_run=False, manager=None, field_validation=None, managed=None):
        """Creates `obj`; `manager` (a client's field manager) owns every field it set, or
        `managed` (a server-side apply's managedFields) says who owns what."""
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "the body of the request was in an unknown format")
        obj = copy.deepcopy(obj)
        self._check_kind(res, obj)
        md = obj.setdefault("metadata", {})
        if not md.get("name"):
            if md.get("generateName"):
                md["name"] = md["generateName"] + rand_suffix()
            else:
                raise invalid(res, "", ["metadata.name: Required value: name or generateName is required"])
        if res.namespaced:
            body_ns = md.get("namespace")
            if ns and body_ns and body_ns != ns:
                raise ApiError(400, "BadRequest", "the namespace of the provided object does not match the "
                               "namespace sent on the request")
            md["namespace"] = ns or body_ns or "default"
            if res.kind != "Namespace" and self.store.get(self.store.resource("", "namespaces"), "",
                                                          md["namespace"]) is None:
                raise ApiError(404, "NotFound", 'namespaces "%s" not found' % md["namespace"],
                               {"name": md["namespace"], "kind": "namespaces"})
        else:
            md.pop("namespace", None)
        obj["apiVersion"] = res.api_version
        obj["kind"] = res.kind
        md.pop("managedFields", None)
        self.admit(res, obj, None, field_validation)
        if managed is not None:
            md["managedFields"] = managed
        elif manager:
            md["managedFields"] = ssa.update(None, obj, ssa.Schema.for_resource(res), manager, res.api_version)
        if dry_run:
            md.setdefault("uid", util.new_uid())
            md.setdefault("creationTimestamp", util.rfc3339())
            return obj
        with self.store.lock:
            created = self.store.create(res, obj)
        self.cluster.on_change(res, None, created)
        return created

    def replace(self, res, version, ns, name, obj, subresource=None, dry_run=False, check_rv=True,
                field_validation=None, manager=None, managed=None):
        """Replaces the object; `manager` becomes the owner of the fields this write changes, or
        `managed` (from a server-side apply) is the new managedFields."""
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "the body of the request was in an unknown format")
        obj = copy.deepcopy(obj)
        with self.store.lock:
            cur = self.store.get(res, ns if res.namespaced else "", name)
            if cur is None:
                raise not_found(res, name)
            self._check_kind(res, obj)
            md = obj.setdefault("metadata", {})
            if md.get("name") and md["name"] != name:
                raise ApiError(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)"
                               % (md["name"], name))
            md["name"] = name
            if res.namespaced:
                md["namespace"] = cur["metadata"]["namespace"]
            obj["apiVersion"], obj["kind"] = res.api_version, res.kind
            has_status = res.kind in STATUS_SUBRESOURCE_KINDS or self._crd_has_status(res)
            if subresource == "status":
                new = copy.deepcopy(cur)
                new["status"] = obj.get("status")
                if new["status"] is None:
                    new.pop("status")
                obj = new
            elif has_status:
                if "status" in cur:
                    obj["status"] = cur["status"]
                else:
                    obj.pop("status", None)
            md.pop("managedFields", None)
            self.admit(res, obj, cur, field_validation, status_write=subresource == "status")
            if managed is not None:
                md["managedFields"] = managed
            elif manager and subresource != "status":
                md["managedFields"] = ssa.update(cur, obj, ssa.Schema.for_resource(res), manager, res.api_version)
            elif cur["metadata"].get("managedFields"):
                md["managedFields"] = cur["metadata"]["managedFields"]
            if dry_run:
                return obj
            expect = md.get("resourceVersion") if check_rv else None
            updated, changed = self.store.update(res, obj, expect_rv=expect)
        if changed:
            self.cluster.on_change(res, cur, updated)
        return updated

    def patch(self, res, version, ns, name, body, content_type, query, subresource=None, manager=None):
        ct = (content_type or "").split(";")[0].strip()
        dry_run = query.get("dryRun") == "All"
        apply = ct == "application/apply-patch+yaml"
        # PatchOptions are validated first (apimachinery pkg/apis/meta/v1/validation: ValidatePatchOptions).
        if apply and not query.get("fieldManager"):
            raise patch_options_invalid("fieldManager", "FieldValueRequired", "Required value: is required for apply patch")
        if not apply and "force" in query:
            raise patch_options_invalid("force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch")
        if apply:
            return self.server_side_apply(res, version, ns, name, body, query["fieldManager"],
                                          dry_run, query.get("fieldValidation", "Warn"),
                                          force=query.get("force") == "true")
        try:
            p = json.loads(body or b"null")
        except ValueError as e:
            raise ApiError(400, "BadRequest", "error decoding patch: %s" % e)
        with self.store.lock:
            cur = self.store.get(res, ns if res.namespaced else "", name)
            if cur is None:
                raise not_found(res, name)
            try:
                if ct == "application/json-patch+json":
                    new = patches.json_patch(cur, p)
                elif ct == "application/merge-patch+json":
                    new = patches.merge_patch(cur, p)
                elif ct == "application/strategic-merge-patch+json":
                    if res.crd is not None:
                        raise ApiError(415, "UnsupportedMediaType", "strategic merge patch is not supported for "
                                       "custom resources: use --type merge or --type json")
                    new = patches.strategic_merge_patch(cur, p)
                else:
                    raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                                   "accepted media types include: application/json-patch+json, "
                                   "application/merge-patch+json, application/apply-patch+yaml, "
                                   "application/strategic-merge-patch+json")
            except patches.PatchError as e:
                raise ApiError(422, "Invalid", str(e))
            new.setdefault("metadata", {})["resourceVersion"] = cur["metadata"]["resourceVersion"]
            fv = query.get("fieldValidation", "Warn")
            if subresource == "status":
                return self.replace(res, version, ns, name, new, "status", dry_run, field_validation=fv)
            has_status = res.kind in STATUS_SUBRESOURCE_KINDS or self._crd_has_status(res)
            if has_status and "status" in cur:
                new["status"] = cur["status"]
            new.setdefault("metadata", {}).pop("managedFields", None)
            return self.replace(res, version, ns, name, new, None, dry_run, field_validation=fv, manager=manager)

    def server_side_apply(self, res, version, ns, name, body, manager, dry_run, field_validation=None,
                          force=False):
        """PATCH application/apply-patch+yaml: `manager` owns what the body sets (ssa.py); a field
        another manager owns with another value is a 409 Conflict unless `force`."""
        try:
            obj = yaml.safe_load(body)
        except yaml.YAMLError as e:
            raise ApiError(400, "BadRequest", "error decoding YAML: %s" % e)
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "the body of the request was in an unknown format")
        self._check_kind(res, obj)
        md = obj.setdefault("metadata", {})
        if md.get("name") and md["name"] != name:
            raise ApiError(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)"
                           % (md["name"], name))
        md["name"] = name
        for k in ("resourceVersion", "managedFields", "uid", "creationTimestamp", "generation"):
            md.pop(k, None)
        obj.pop("status", None)
        schema_ = ssa.Schema.for_resource(res)
        with self.store.lock:
            cur = self.store.get(res, ns if res.namespaced else "", name)
            if cur is None:
                created, managed = ssa.apply(None, obj, schema_, manager, res.api_version, force)
                return self.create(res, version, ns, created, dry_run, field_validation=field_validation,
                                   managed=managed)
            merged, managed = ssa.apply(cur, obj, schema_, manager, res.api_version, force)
            merged.setdefault("metadata", {})["resourceVersion"] = cur["metadata"]["resourceVersion"]
            if "status" in cur:
                merged["status"] = cur["status"]
            return self.replace(res, version, ns, name, merged, None, dry_run, field_validation=field_validation,
                                managed=managed)

    def delete(self, res, version, ns, name, dry_run=False):
        with self.store.lock:
            cur = self.store.get(res, ns if res.namespaced else "", name)
            if cur is None:
                raise not_found(res, name)
            if dry_run:
                return cur
            self.store.delete(res, ns or "", name)
            if res.kind == "Namespace":
                self.store.delete_namespace_contents(name)
            if res.kind == "CustomResourceDefinition":
                spec = cur.get("spec") or {}
                self.store.db.execute("DELETE FROM objects WHERE res=?", (
                    "%s/%s" % (spec.get("group"), (spec.get("names") or {}).get("plural")),))
                self.store.invalidate()
        self.cluster.on_change(res, cur, None)
        return cur

    def evict(self, ns, name, body, dry_run=False):
        """POST pods/NAME/eviction, as pkg/registry/core/pod/storage/eviction.go does it: a pod that
        is Pending, finished or terminating is deleted at once; otherwise the one
        PodDisruptionBudget that selects it must allow a disruption (its status, kept by the
        disruption controller), which is counted down and the pod recorded in disruptedPods; no
        budget left is 429 TooManyRequests with the budget named in the causes."""
        if not isinstance(body, dict) or body.get("kind") not in (None, "Eviction"):
            raise ApiError(400, "BadRequest", "not a Eviction object: %s" % type(body).__name__)
        if (body.get("metadata") or {}).get("name") != name:
            raise ApiError(400, "BadRequest", "name in URL does not match name in Eviction object")
        pods = self.store.resource("", "pods")
        with self.store.lock:
            pod = self.store.get(pods, ns, name)
            if pod is None:
                raise not_found(pods, name)
            phase = (pod.get("status") or {}).get("phase")
            if phase in ("Succeeded", "Failed", "Pending") or pod["metadata"].get("deletionTimestamp"):
                return self._evicted(pods, ns, name, dry_run)
            budgets = self.disruption_budgets_of(pod)
            if len(budgets) > 1:
                return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "code": 500,
                        "message": "This pod has more than one PodDisruptionBudget, which the eviction "
                                   "subresource does not support."}
            if budgets:
                self._check_and_decrement(budgets[0], pod, dry_run)
            return self._evicted(pods, ns, name, dry_run)

    def _evicted(self, pods, ns, name, dry_run):
        if not dry_run:
            self.delete(pods, "v1", ns, name)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    def disruption_budgets_of(self, pod):
        """The PodDisruptionBudgets of the pod's namespace whose (non-empty) selector matches it."""
        pdbs = self.store.resource("policy", "poddisruptionbudgets")
        labels = pod["metadata"].get("labels") or {}
        out = []
        for pdb in self.store.list(pdbs, pod["metadata"]["namespace"]):
            sel = (pdb.get("spec") or {}).get("selector") or {}
            if (sel.get("matchLabels") or sel.get("matchExpressions")) and selector_matches(sel, labels):
                out.append(pdb)
        return out

    def _check_and_decrement(self, pdb, pod, dry_run):
        st = pdb.get("status") or {}
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in (pod.get("status") or {}).get("conditions") or [])
        desired, healthy = st.get("desiredHealthy", 0), st.get("currentHealthy", 0)
        if not ready and healthy >= desired and desired > 0:
            return
        name = pdb["metadata"]["name"]
        if st.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1):
            raise too_many_requests("The disruption budget %s is still being processed by the server." % name, 10)
        if st.get("disruptionsAllowed", 0) == 0:
            raise too_many_requests("The disruption budget %s needs %d healthy pods and has %d currently"
                                    % (name, desired, healthy), 0)
        if dry_run:
            return
        st = dict(st)
        st["disruptionsAllowed"] -= 1
        st["disruptedPods"] = dict(st.get("disruptedPods") or {}, **{pod["metadata"]["name"]: util.rfc3339()})
        if st["disruptionsAllowed"] == 0:
            st["conditions"] = [disruption_condition(pdb, False)]
        new = copy.deepcopy(pdb)
        new["status"] = st
        self.store.update(self.store.resource("policy", "poddisruptionbudgets"), new)

    # ------------------------------------------------------------ admission and validation
    def _check_kind(self, res, obj):
        kind = obj.get("kind")
        if kind and kind != res.kind:
            raise ApiError(400, "BadRequest", "the object provided is unrecognized (must be of type %s): "
                           "kind %s does not match" % (res.kind, kind))

    def _crd_has_status(self, res):
        if res.crd is None:
            return False
        for v in (res.crd.get("spec") or {}).get("versions") or []:
            if "status" in ((v.get("subresources") or {})):
                return True
        return False

    def _check_schema(self, res, obj, field_validation, status_write):
        """Schema findings for a client's write (schema.py): a built-in body that cannot be decoded
        is a 400, so is an unknown field with fieldValidation=Strict; the rest are returned for the
        422. The status of a kind with a status subresource is checked only when it is written."""
        has_status = res.kind in STATUS_SUBRESOURCE_KINDS or self._crd_has_status(res)
        skip = ("spec", "metadata") if status_write else ("status",) if has_status else ()
        if res.crd is not None:
            version = next((v for v in (res.crd.get("spec") or {}).get("versions") or []
                            if v.get("name") == res.version), {})
            findings = schema.check_custom(obj, version, skip)
        else:
            findings = schema.check_builtin(obj, res.group, res.version, res.kind, skip)
            for f in findings:
                if f.what == "type":
                    raise undecodable(res, "json: cannot unmarshal %s into Go struct field %s of type %s" % (
                        f.got, f.path, f.want))
        unknown = [f.message for f in findings if f.what == "unknown"]
        if unknown and field_validation == "Strict":
            raise undecodable(res, "strict decoding error: " + ", ".join(unknown))
        return [f.message for f in findings if f.what in ("invalid", "type")]

    def admit(self, res, obj, old, field_validation=None, status_write=False):
        """What admission and validation do to a write; `field_validation` is set for a client's
        request (kubectl sends Strict), None for the stand-in's own controllers."""
        md = obj["metadata"]
        errors = []
        if field_validation is not None:
            errors += self._check_schema(res, obj, field_validation, status_write)
        if not _NAME.match(md["name"]) and res.kind not in ("Event",) and ":" not in md["name"]:
            errors.append('metadata.name: Invalid value: "%s": a lowercase RFC 1123 subdomain must consist of lower '
                          "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                          "character" % md["name"])
        validate_metadata(res.kind, obj, errors)
        if res.kind == "Node":
            seen = set()
            for t in (obj.get("spec") or {}).get("taints") or []:
                if t.get("effect") not in _EFFECTS:
                    errors.append('spec.taints[0].effect: Unsupported value: "%s": supported values: "NoSchedule", '
                                  '"PreferNoSchedule", "NoExecute"' % t.get("effect"))
                if not _LABEL_KEY.match(t.get("key") or ""):
                    errors.append('spec.taints[0].key: Invalid value: "%s"' % t.get("key"))
                if (t.get("key"), t.get("effect")) in seen:
                    errors.append('spec.taints[1]: Duplicate value: core.Taint{Key:"%s", Effect:"%s"}: taints must '
                                  "be unique by key and effect pair" % (t.get("key"), t.get("effect")))
                seen.add((t.get("key"), t.get("effect")))
        if res.kind == "Pod" and old is None:
            rc = (obj.get("spec") or {}).get("runtimeClassName")
            if rc and self.store.get(self.store.resource("node.k8s.io", "runtimeclasses"), "", rc) is None:
                raise ApiError(403, "Forbidden", 'pods "%s" is forbidden: pod rejected: RuntimeClass "%s" not found'
                               % (md["name"], rc))
        if res.kind == "ConfigMap":
            for k, v in (obj.get("data") or {}).items():
                if not isinstance(v, str):
                    errors.append("data[%s]: Invalid value: must be a string" % k)
        if res.kind == "Secret":
            for k, v in (obj.get("stringData") or {}).items():
                obj.setdefault("data", {})[k] = util.b64(str(v))
            obj.pop("stringData", None)
            obj.setdefault("type", "Opaque")
            if obj["type"] == "kubernetes.io/service-account-token" and "token" not in (obj.get("data") or {}):
                obj.setdefault("data", {})["token"] = util.b64(self.cluster.new_sa_token())
                obj["data"]["ca.crt"] = util.b64(self.cluster.server_ca_pem())
                obj["data"]["namespace"] = util.b64(md.get("namespace", "default"))
        if res.kind == "Namespace":
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj["status"] = {"phase": "Active"}
            md.setdefault("labels", {})["kubernetes.io/metadata.name"] = md["name"]
        if res.kind == "Service":
            spec = obj.setdefault("spec", {})
            if old is not None and (old.get("spec") or {}).get("clusterIP"):
                spec["clusterIP"] = old["spec"]["clusterIP"]
            elif spec.get("clusterIP") != "None":
                spec["clusterIP"] = self.cluster.allocate_service_ip()
            spec.setdefault("type", "ClusterIP")
        if res.kind == "CustomResourceDefinition":
            names = (obj.get("spec") or {}).get("names") or {}
            group = (obj.get("spec") or {}).get("group")
            if md["name"] != "%s.%s" % (names.get("plural"), group):
                errors.append('metadata.name: Invalid value: "%s": must be spec.names.plural+"."+spec.group' % md["name"])
            obj["status"] = {"acceptedNames": names, "storedVersions": [
                v.get("name") for v in (obj.get("spec") or {}).get("versions") or [] if v.get("storage")],
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                     "message": "no conflicts found", "lastTransitionTime": util.rfc3339()},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                     "message": "the initial names have been accepted", "lastTransitionTime": util.rfc3339()}]}
        if res.kind in ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job"):
            spec = obj.get("spec") or {}
            tmpl = (spec.get("template") or {}).get("metadata", {}).get("labels") or {}
            sel = (spec.get("selector") or {}).get("matchLabels")
            if res.kind != "Job":
                if not spec.get("selector"):
                    errors.append("spec.selector: Required value")
                elif sel and not all(tmpl.get(k) == v for k, v in sel.items()):
                    errors.append("spec.template.metadata.labels: Invalid value: %s: `selector` does not match "
                                  "template `labels`" % json.dumps(tmpl))
                if old is not None and (old.get("spec") or {}).get("selector") != spec.get("selector"):
                    errors.append("spec.selector: Invalid value: %s: field is immutable" % json.dumps(spec.get("selector")))
            if not ((spec.get("template") or {}).get("spec") or {}).get("containers"):
                errors.append("spec.template.spec.containers: Required value")
        if errors:
            raise invalid(res, md["name"], errors)

    # ------------------------------------------------------------ misc
    def version(self):
        m = re.match(r"v(\d+)\.(\d+)\.(\d+)", VERSION)
        return {"major": m.group(1), "minor": m.group(2), "gitVersion": VERSION,
                "gitCommit": util.sha256_hex(VERSION)[:40], "gitTreeState": "clean",
                "buildDate": "2024-12-12T00:00:00Z", "goVersion": "go1.22.9", "compiler": "gc",
                "platform": "linux/%s" % {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, "amd64")}
