# LAB STAND-IN tests, never shipped.
"""The K3s stand-in's API validates what clients write as kube-apiserver does: built-in kinds
against the Kubernetes v1.36 schemas (its verdicts are checked here against kubernetes-validate's,
the real schemas' validator), custom resources against the CRDs of the lab's Flux install.yaml,
which are upstream's."""
import copy
import subprocess
import sys
import unittest

import kubernetes_validate
import yaml

import support
from k3slab import api, schema, store
from k3slab.store import ApiError

K8S = "1.36"


def manifests():
    """Built-in objects cluster-mgr and the lab apply: roles/, gitops/, the Flux install manifest."""
    docs = []
    for path in sorted((support.REPO / "roles").rglob("*")):
        if path.suffix in (".yaml", ".mustache") and path.parent.name in ("manifests", "templates") \
                and path.parts[-3] == "gpu":
            text = path.read_text().replace("{{version}}", "v0.20.0").replace("{{configHash}}", "0123")
            text = "\n".join(l for l in text.splitlines() if not l.strip().startswith("{{"))
            docs += [d for d in yaml.safe_load_all(text.replace("{{replicas}}", "4")) if d]
    for path in sorted((support.REPO / "gitops").rglob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    docs += support.flux_documents()
    return [d for d in docs if schema.builtin_schema(*group_version(d), d["kind"])]


def group_version(doc):
    group, _, version = doc["apiVersion"].rpartition("/")
    return group, version


def broken(doc):
    """Variants of `doc` that a real API server refuses or (unknown field) refuses when strict."""
    out = []
    unknown = copy.deepcopy(doc)
    unknown.setdefault("metadata", {})["nmae"] = "x"
    out.append(unknown)
    typed = copy.deepcopy(doc)
    typed.setdefault("metadata", {})["labels"] = {"a": 1}
    out.append(typed)
    pod = (((doc.get("spec") or {}).get("template") or {}).get("spec"))
    if pod:
        nameless = copy.deepcopy(doc)
        del nameless["spec"]["template"]["spec"]["containers"][0]["name"]
        out.append(nameless)
        policy = copy.deepcopy(doc)
        policy["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Sometimes"
        out.append(policy)
        port = copy.deepcopy(doc)
        port["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": "80"}]
        out.append(port)
    return out


def oracle(doc, strict):
    try:
        kubernetes_validate.validate(doc, K8S, strict=strict)
        return True
    except kubernetes_validate.ValidationError:
        return False


def stand_in(doc, strict):
    findings = schema.check_builtin(doc, *group_version(doc), doc["kind"])
    return not [f for f in findings if strict or f.what != "unknown"]


class BuiltinSchemaTests(unittest.TestCase):
    def test_the_schema_module_is_what_the_pinned_kubernetes_validate_gives(self):
        gen = support.LAB_D / "k8s-schemas.py"
        result = subprocess.run([sys.executable, str(gen), "--check"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_verdicts_agree_with_kubernetes_validate(self):
        docs = manifests()
        kinds = {d["kind"] for d in docs}
        self.assertTrue({"DaemonSet", "ConfigMap", "RuntimeClass", "Deployment", "Namespace",
                         "CustomResourceDefinition", "Job", "Service"} <= kinds, kinds)
        checked = 0
        for doc in docs:
            for variant in [doc] + broken(doc):
                for strict in (True, False):
                    self.assertEqual(stand_in(variant, strict), oracle(variant, strict),
                                     "%s %s strict=%s: %s" % (doc["kind"], doc["metadata"].get("name"), strict,
                                                              schema.check_builtin(variant, *group_version(variant),
                                                                                   variant["kind"])))
                    checked += 1
        for doc in docs:
            self.assertTrue(stand_in(doc, True), doc["metadata"].get("name"))
        self.assertGreater(checked, 100)


def resource(kind):
    for group, version, k, plural, namespaced, short in store.BUILTIN:
        if k == kind:
            return store.Resource(group, version, k, plural, namespaced, short)
    raise KeyError(kind)


def custom(kind):
    group = {"GitRepository": "source.toolkit.fluxcd.io", "Kustomization": "kustomize.toolkit.fluxcd.io"}[kind]
    crd = next(d for d in support.flux_documents() if d["kind"] == "CustomResourceDefinition"
               and d["spec"]["names"]["kind"] == kind)
    return store.Resource(group, "v1", kind, crd["spec"]["names"]["plural"], True, crd=crd)


def git_repository(url, **spec):
    return {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "flux-system", "namespace": "flux-system"},
            "spec": dict({"interval": "1m0s", "url": url, "ref": {"branch": "main"},
                          "secretRef": {"name": "flux-system"}}, **spec)}


class AdmissionTests(unittest.TestCase):
    def admit(self, res, obj, field_validation="Strict"):
        api.Api(None, None).admit(res, copy.deepcopy(obj), None, field_validation)

    def refusal(self, res, obj, field_validation="Strict"):
        with self.assertRaises(ApiError) as raised:
            self.admit(res, obj, field_validation)
        return raised.exception

    def test_an_unknown_field_is_refused_only_when_the_client_asks_for_strict(self):
        ds = next(d for d in manifests() if d["kind"] == "DaemonSet")
        bad = copy.deepcopy(ds)
        bad["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
        kind = resource(bad["kind"])
        e = self.refusal(kind, bad)
        self.assertEqual(e.code, 400)
        self.assertIn('cannot be handled as a %s: strict decoding error: unknown field '
                      '"spec.template.spec.containers[0].imagee"' % bad["kind"], e.message)
        self.admit(kind, bad, "Warn")
        self.admit(kind, ds)

    def test_a_wrong_type_is_a_400_and_a_missing_required_field_a_422(self):
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"},
              "data": {"replicas": 2}}
        e = self.refusal(resource("ConfigMap"), cm)
        self.assertEqual(e.code, 400)
        self.assertIn("json: cannot unmarshal integer into Go struct field data.replicas of type string", e.message)
        rc = {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": "nvidia"}}
        e = self.refusal(resource("RuntimeClass"), rc)
        self.assertEqual(e.code, 422)
        self.assertIn("handler: Required value", e.message)

    def test_an_scp_style_git_url_fails_the_crds_pattern(self):
        repo = custom("GitRepository")
        e = self.refusal(repo, git_repository("git@github.com:example/homelab.git"))
        self.assertEqual(e.code, 422)
        self.assertIn('spec.url: Invalid value: "git@github.com:example/homelab.git": spec.url in body should '
                      "match '^(http|https|ssh)://.*$'", e.message)
        self.admit(repo, git_repository("ssh://git@github.com/example/homelab.git"))
        self.admit(repo, git_repository("https://github.com/example/homelab.git"))

    def test_the_crds_required_fields_types_and_unknown_fields(self):
        repo = custom("GitRepository")
        nointerval = git_repository("https://x/y.git")
        del nointerval["spec"]["interval"]
        self.assertIn("spec.interval: Required value", self.refusal(repo, nointerval).message)
        self.assertIn("should match", self.refusal(repo, git_repository("https://x/y.git", interval="1 minute")).message)
        e = self.refusal(repo, git_repository("https://x/y.git", branch="main"))
        self.assertEqual(e.code, 400)
        self.assertIn('unknown field "spec.branch"', e.message)
        ks = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
              "metadata": {"name": "flux-system", "namespace": "flux-system"},
              "spec": {"interval": "10m0s", "path": "./clusters/x", "prune": "yes",
                       "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}
        self.assertIn('spec.prune in body must be of type boolean', self.refusal(custom("Kustomization"), ks).message)
        ks["spec"]["prune"] = True
        self.admit(custom("Kustomization"), ks)

    def test_the_install_manifests_crds_carry_upstreams_rules(self):
        spec = support.crd_version("GitRepository")["schema"]["openAPIV3Schema"]["properties"]["spec"]
        self.assertEqual(spec["properties"]["url"]["pattern"], "^(http|https|ssh)://.*$")
        self.assertEqual(spec["required"], ["interval", "url"])
        ks = support.crd_version("Kustomization")["schema"]["openAPIV3Schema"]["properties"]["spec"]
        self.assertEqual(ks["required"], ["interval", "prune", "sourceRef"])
        self.assertEqual(ks["properties"]["sourceRef"]["properties"]["kind"]["enum"],
                         ["OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"])


if __name__ == "__main__":
    unittest.main()
