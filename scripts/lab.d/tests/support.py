# LAB STAND-IN tests, never shipped: helpers for the unit tests of scripts/lab.d's stand-ins.
"""Imports the K3s stand-in's package from the checkout (its version module, which
`scripts/lab artifacts` writes into each zipapp, is provided here) and reads the repository's
files. Run with the checkout's .venv Python (scripts/setup), which has the oracles:
kubernetes-validate and jsonschema.

    .venv/bin/python -m unittest discover -s scripts/lab.d/tests
"""
import sys
import types
from pathlib import Path

LAB_D = Path(__file__).resolve().parents[1]
REPO = LAB_D.parents[1]
K3S_VERSION = "v1.36.4+k3s1"

sys.path.insert(0, str(LAB_D / "k3s"))
if "k3slab.version" not in sys.modules:
    version = types.ModuleType("k3slab.version")
    version.VERSION = K3S_VERSION
    sys.modules["k3slab.version"] = version


def flux_documents():
    """The documents of the lab's Flux install.yaml stand-in."""
    import yaml
    return [d for d in yaml.safe_load_all((LAB_D / "flux" / "install.yaml").read_text()) if d]


def crd_version(kind, version="v1"):
    """The `version` entry of the install manifest's CRD for `kind`."""
    for d in flux_documents():
        if d["kind"] == "CustomResourceDefinition" and d["spec"]["names"]["kind"] == kind:
            return next(v for v in d["spec"]["versions"] if v["name"] == version)
    raise KeyError(kind)


def kubernetes_json_schema():
    """The directory of the Kubernetes v1.36 strict JSON schemas kubernetes-validate ships."""
    import kubernetes_validate
    return Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / "v1.36.0-local-strict"
