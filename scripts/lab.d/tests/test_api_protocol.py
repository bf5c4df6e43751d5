# LAB STAND-IN tests, never shipped.
"""The K3s stand-in's API speaks the Kubernetes API as kube-apiserver does, for what cluster-mgr's
client uses: server-side apply (the content type, fieldManager, managedFields, conflicts, force,
dry runs), watches (the event framing, resourceVersion, bookmarks, 410 Expired), evictions with
PodDisruptionBudgets, Status errors, and a log of every request.

Over real HTTPS against the stand-in's server (scripts/lab.d/k3s/testapi.py). Every object and
every Status it returns is validated against the Kubernetes v1.36 schemas kubernetes-validate
ships; what the schemas cannot say (wording, codes, the order of events) is checked against the
upstream source each test cites."""
import base64
import http.client
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import jsonschema
import kubernetes_validate

import support

K8S = "1.36"
DEFINITIONS = json.loads((support.kubernetes_json_schema() / "_definitions.json").read_text())["$defs"]


def meta_schema(name):
    """A definition of the schemas (Status, WatchEvent, …) as a standalone JSON schema."""
    return {"$ref": "#/$defs/" + name, "$defs": DEFINITIONS}


class Server:
    """testapi.py in a temporary directory, and a client with its admin certificate."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="cm-api-py-")
        # Bookmarks every second (K3s's apiserver sends them about once a minute).
        env = dict(os.environ, LAB_K3S_WATCH_BOOKMARK_SECONDS="1")
        self.proc = subprocess.Popen([sys.executable, str(support.LAB_D / "k3s" / "testapi.py"), "--dir", self.dir.name],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        info = json.loads(self.proc.stdout.readline())
        self.port, self.log = info["port"], info["requestLog"]
        with open(info["kubeconfig"]) as f:
            kc = json.load(f)
        files = {}
        for name, value in (("ca", kc["clusters"][0]["cluster"]["certificate-authority-data"]),
                            ("crt", kc["users"][0]["user"]["client-certificate-data"]),
                            ("key", kc["users"][0]["user"]["client-key-data"])):
            files[name] = os.path.join(self.dir.name, "client-" + name)
            with open(files[name], "wb") as f:
                f.write(base64.b64decode(value))
        self.ctx = ssl.create_default_context(cafile=files["ca"])
        self.ctx.load_cert_chain(files["crt"], files["key"])

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.dir.cleanup()

    def request(self, method, path, body=None, ctype="application/json", agent="protocol-test/1.0"):
        """(status, headers, decoded JSON body)."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        headers = {"User-Agent": agent, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = ctype
            body = body if isinstance(body, (str, bytes)) else json.dumps(body)
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, json.loads(data) if data else None

    def watch(self, path, until, timeout=15):
        """Watch events (each line one JSON object) until `until(events)` or the stream ends."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=timeout)
        conn.request("GET", path, headers={"User-Agent": "protocol-test/1.0"})
        resp = conn.getresponse()
        events, buf = [], b""
        deadline = time.time() + timeout
        try:
            while time.time() < deadline and not until(events):
                piece = resp.read1(65536)
                if not piece:
                    break
                buf += piece
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        events.append(json.loads(line))
        finally:
            conn.close()
        return resp, events

    def requests(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]


SERVER = None


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    SERVER.stop()


def validate_object(test, obj):
    """Built-in objects against their kind's schema (strict: no field the schema lacks)."""
    try:
        kubernetes_validate.validate(obj, K8S, strict=True)
    except kubernetes_validate.ValidationError as e:
        test.fail("%s %s does not validate: %s" % (obj.get("kind"), obj.get("metadata", {}).get("name"), e.message))


def validate_status(test, status):
    jsonschema.validate(status, meta_schema("io.k8s.apimachinery.pkg.apis.meta.v1.Status"))
    test.assertEqual(status["kind"], "Status")


def configmap(name, data, ns="default"):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}


APPLY = "application/apply-patch+yaml"


class ServerSideApplyTests(unittest.TestCase):
    def apply(self, obj, manager="cluster-mgr", **query):
        q = "&".join(["fieldManager=" + manager] + ["%s=%s" % kv for kv in query.items()])
        return SERVER.request("PATCH", "/api/v1/namespaces/default/configmaps/%s?%s" % (obj["metadata"]["name"], q),
                              obj, APPLY)

    def test_apply_creates_owns_and_a_second_apply_changes_nothing(self):
        code, _, created = self.apply(configmap("ssa-a", {"a": "1", "b": "2"}))
        self.assertEqual(code, 200)
        validate_object(self, created)
        entry = created["metadata"]["managedFields"][0]
        jsonschema.validate(entry, meta_schema("io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry"))
        # ManagedFieldsEntry (apimachinery pkg/apis/meta/v1/types.go): operation Apply or Update,
        # fieldsType FieldsV1, fields as `f:<name>` keys (structured-merge-diff fieldpath/serialize.go).
        self.assertEqual((entry["manager"], entry["operation"], entry["fieldsType"]), ("cluster-mgr", "Apply", "FieldsV1"))
        self.assertEqual(entry["fieldsV1"], {"f:data": {"f:a": {}, "f:b": {}}})
        _, _, again = self.apply(configmap("ssa-a", {"a": "1", "b": "2"}))
        self.assertEqual(again["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"])

    def test_a_field_another_manager_changed_conflicts_unless_forced(self):
        self.apply(configmap("ssa-b", {"a": "1"}))
        code, _, edited = SERVER.request("PATCH", "/api/v1/namespaces/default/configmaps/ssa-b?fieldManager=kubectl-edit",
                                         {"data": {"a": "9"}}, "application/merge-patch+json")
        self.assertEqual(code, 200)
        managers = {(m["manager"], m["operation"]) for m in edited["metadata"]["managedFields"]}
        self.assertIn(("kubectl-edit", "Update"), managers)
        code, _, status = self.apply(configmap("ssa-b", {"a": "1"}))
        self.assertEqual(code, 409)
        validate_status(self, status)
        # apimachinery pkg/util/managedfields/internal/conflict.go: NewConflictError, printManager
        # (an Update manager is named with its apiVersion and time).
        self.assertEqual(status["reason"], "Conflict")
        self.assertRegex(status["message"], r'^Apply failed with 1 conflict: conflict with "kubectl-edit" '
                                            r'using v1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: \.data\.a$')
        # StatusCause serialises its type as "reason" (apimachinery pkg/apis/meta/v1/types.go).
        self.assertEqual(status["details"]["causes"][0]["reason"], "FieldManagerConflict")
        self.assertEqual(status["details"]["causes"][0]["field"], ".data.a")
        code, _, forced = self.apply(configmap("ssa-b", {"a": "1"}), force="true")
        self.assertEqual((code, forced["data"]["a"]), (200, "1"))
        owners = {m["manager"]: m for m in forced["metadata"]["managedFields"]}
        self.assertNotIn("kubectl-edit", owners, "a forced apply takes the field from the other manager")

    def test_a_field_no_longer_applied_is_removed_unless_someone_else_owns_it(self):
        self.apply(configmap("ssa-c", {"keep": "1", "drop": "2", "shared": "3"}))
        SERVER.request("PATCH", "/api/v1/namespaces/default/configmaps/ssa-c?fieldManager=other",
                       {"data": {"extra": "4"}}, "application/merge-patch+json")
        _, _, after = self.apply(configmap("ssa-c", {"keep": "1"}))
        self.assertEqual(after["data"], {"keep": "1", "extra": "4"})

    def test_a_struct_no_longer_applied_goes_as_a_whole(self):
        # A Kustomization's spec.decryption, applied once and then left out: structured-merge-diff
        # prunes the struct itself (EnsureNamedFieldsAreMembers), not only its leaves, so no
        # `decryption: {secretRef: {}}` is left to fail the CRD's required fields.
        from k3slab import ssa
        schema = ssa.Schema({"properties": {"spec": {"properties": {
            "path": {"type": "string"},
            "decryption": {"properties": {"provider": {"type": "string"},
                                          "secretRef": {"properties": {"name": {"type": "string"}}}}}}}}})
        first = {"spec": {"path": "./a", "decryption": {"provider": "sops", "secretRef": {"name": "sops-age"}}}}
        live, managed = ssa.apply(None, first, schema, "cluster-mgr", "v1", False)
        live["metadata"] = {"managedFields": managed}
        after, _ = ssa.apply(live, {"spec": {"path": "./a"}}, schema, "cluster-mgr", "v1", False)
        self.assertEqual(after["spec"], {"path": "./a"})

    def test_dry_run_returns_the_result_and_stores_nothing(self):
        _, _, live = self.apply(configmap("ssa-d", {"a": "1"}))
        code, _, preview = self.apply(configmap("ssa-d", {"a": "2"}), dryRun="All")
        self.assertEqual((code, preview["data"]["a"]), (200, "2"))
        validate_object(self, preview)
        _, _, still = SERVER.request("GET", "/api/v1/namespaces/default/configmaps/ssa-d")
        self.assertEqual(still["data"]["a"], "1")
        self.assertEqual(still["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"])

    def test_patch_options_are_validated_first(self):
        # apimachinery pkg/apis/meta/v1/validation/validation.go: ValidatePatchOptions.
        code, _, status = SERVER.request("PATCH", "/api/v1/namespaces/default/configmaps/x", configmap("x", {}), APPLY)
        self.assertEqual((code, status["reason"]), (422, "Invalid"))
        validate_status(self, status)
        self.assertEqual(status["message"],
                         'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
        code, _, status = SERVER.request("PATCH", "/api/v1/namespaces/default/configmaps/x?force=true",
                                         {"data": {}}, "application/merge-patch+json")
        self.assertEqual(code, 422)
        self.assertIn("force: Forbidden: may not be specified for non-apply patch", status["message"])


class WatchTests(unittest.TestCase):
    def test_events_are_framed_and_typed_as_upstream_and_end_with_the_timeout(self):
        _, _, listed = SERVER.request("GET", "/api/v1/namespaces/default/configmaps")
        rv = listed["metadata"]["resourceVersion"]
        SERVER.request("POST", "/api/v1/namespaces/default/configmaps", configmap("w-1", {"a": "1"}))
        SERVER.request("PATCH", "/api/v1/namespaces/default/configmaps/w-1", {"data": {"a": "2"}},
                       "application/merge-patch+json")
        SERVER.request("DELETE", "/api/v1/namespaces/default/configmaps/w-1")
        resp, events = SERVER.watch(
            "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=%s&timeoutSeconds=2&fieldSelector="
            "metadata.name%%3Dw-1" % rv, until=lambda e: len(e) >= 3)
        self.assertEqual(resp.getheader("Transfer-Encoding"), "chunked")
        # apimachinery pkg/watch/watch.go: ADDED, MODIFIED, DELETED (the object before deletion).
        self.assertEqual([e["type"] for e in events], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(events[2]["object"]["data"], {"a": "2"})
        for e in events:
            jsonschema.validate(e, meta_schema("io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"))
            validate_object(self, e["object"])
        versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
        self.assertEqual(versions, sorted(versions))

    def test_bookmarks_carry_only_a_resource_version(self):
        _, _, listed = SERVER.request("GET", "/api/v1/nodes")
        _, events = SERVER.watch("/api/v1/nodes?watch=1&allowWatchBookmarks=true&timeoutSeconds=8&resourceVersion=%s"
                                 % listed["metadata"]["resourceVersion"],
                                 until=lambda e: any(x["type"] == "BOOKMARK" for x in e))
        bookmark = next(e for e in events if e["type"] == "BOOKMARK")
        # KEP-956 (watch bookmarks): the object is of the watched kind with only its resourceVersion.
        self.assertEqual(set(bookmark["object"]), {"kind", "apiVersion", "metadata"})
        self.assertEqual(set(bookmark["object"]["metadata"]), {"resourceVersion"})
        self.assertEqual(bookmark["object"]["kind"], "Node")

    def test_a_resource_version_older_than_the_history_is_410_expired(self):
        _, events = SERVER.watch("/api/v1/nodes?watch=1&resourceVersion=1&timeoutSeconds=2", until=lambda e: e)
        self.assertEqual(events[0]["type"], "ERROR")
        status = events[0]["object"]
        validate_status(self, status)
        # The etcd3 watcher's wording (apiserver pkg/storage/etcd3: "too old resource version").
        self.assertEqual((status["code"], status["reason"]), (410, "Expired"))
        self.assertTrue(status["message"].startswith("too old resource version: 1 ("))

    def test_without_a_resource_version_current_objects_come_first(self):
        _, events = SERVER.watch("/api/v1/nodes?watch=1&timeoutSeconds=2", until=lambda e: e)
        self.assertEqual(events[0]["type"], "ADDED")
        self.assertEqual(events[0]["object"]["metadata"]["name"], "test-node")


class EvictionTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "guard", "namespace": "default"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "guard"}},
                        "template": {"metadata": {"labels": {"app": "guard"}},
                                     "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}
        pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": "guard", "namespace": "default"},
               "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "guard"}}}}
        SERVER.request("POST", "/apis/apps/v1/namespaces/default/deployments", dep)
        SERVER.request("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets", pdb)
        deadline = time.time() + 30
        while time.time() < deadline:
            _, _, pdb = SERVER.request("GET", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/guard")
            if (pdb.get("status") or {}).get("currentHealthy") == 1:
                break
            time.sleep(0.5)
        cls.pdb = pdb
        _, _, pods = SERVER.request("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dguard")
        cls.pod = pods["items"][0]["metadata"]["name"]

    def evict(self, name):
        return SERVER.request("POST", "/api/v1/namespaces/default/pods/%s/eviction" % name, {
            "apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}})

    def test_the_budget_status_is_the_disruption_controllers(self):
        validate_object(self, self.pdb)
        st = self.pdb["status"]
        self.assertEqual((st["currentHealthy"], st["desiredHealthy"], st["expectedPods"], st["disruptionsAllowed"]),
                         (1, 1, 1, 0))
        self.assertEqual(st["conditions"][0]["reason"], "InsufficientPods")

    def test_an_eviction_the_budget_forbids_is_429_naming_the_budget(self):
        code, headers, status = self.evict(self.pod)
        self.assertEqual(code, 429)
        validate_status(self, status)
        # pkg/registry/core/pod/storage/eviction.go (checkAndDecrement): the message, and the
        # DisruptionBudget cause with what the budget needs and has.
        self.assertEqual(status["reason"], "TooManyRequests")
        self.assertEqual(status["message"], "Cannot evict pod as it would violate the pod's disruption budget.")
        self.assertEqual(status["details"]["causes"],
                         [{"reason": "DisruptionBudget",
                           "message": "The disruption budget guard needs 1 healthy pods and has 1 currently"}])
        _, _, still = SERVER.request("GET", "/api/v1/namespaces/default/pods/" + self.pod)
        self.assertEqual(still["metadata"]["name"], self.pod)

    def test_a_pod_no_budget_covers_is_evicted_with_201_success(self):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "free", "namespace": "default"},
               "spec": {"nodeName": "test-node", "containers": [{"name": "c", "image": "busybox"}]}}
        SERVER.request("POST", "/api/v1/namespaces/default/pods", pod)
        code, _, status = self.evict("free")
        self.assertEqual(code, 201)
        validate_status(self, status)
        self.assertEqual(status["status"], "Success")
        code, _, _ = SERVER.request("GET", "/api/v1/namespaces/default/pods/free")
        self.assertEqual(code, 404)
        code, _, status = self.evict("free")
        self.assertEqual((code, status["reason"]), (404, "NotFound"))

    def test_a_mismatched_name_is_a_bad_request(self):
        code, _, status = SERVER.request("POST", "/api/v1/namespaces/default/pods/%s/eviction" % self.pod, {
            "apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "other"}})
        self.assertEqual((code, status["message"]), (400, "name in URL does not match name in Eviction object"))


class ResponsesTests(unittest.TestCase):
    def test_every_listed_object_validates(self):
        for path in ("/api/v1/nodes", "/api/v1/namespaces", "/api/v1/pods", "/apis/apps/v1/deployments",
                     "/api/v1/events", "/apis/node.k8s.io/v1/runtimeclasses"):
            code, _, listing = SERVER.request("GET", path)
            self.assertEqual(code, 200, path)
            for item in listing["items"]:
                validate_object(self, item)

    def test_errors_are_status_objects(self):
        for method, path, body, code in (("GET", "/api/v1/namespaces/default/configmaps/none", None, 404),
                                         ("POST", "/api/v1/namespaces/default/configmaps", configmap("", {}), 422)):
            got, _, status = SERVER.request(method, path, body)
            self.assertEqual(got, code)
            validate_status(self, status)
            self.assertEqual(status["code"], code)

    def test_every_request_is_logged_with_its_user_agent(self):
        SERVER.request("GET", "/api/v1/namespaces/kube-system", agent="counting/1.0")
        entry = SERVER.requests()[-1]
        self.assertEqual((entry["method"], entry["path"], entry["userAgent"], entry["code"]),
                         ("GET", "/api/v1/namespaces/kube-system", "counting/1.0", 200))
        self.assertEqual(entry["user"], "system:admin")


if __name__ == "__main__":
    unittest.main()
