"""The NVIDIA device plugin's config file, loaded with the rules of the plugin version the roles pin
(NVIDIA/k8s-device-plugin v0.20.0): api/config/v1/config.go (parseConfigFrom: YAML read as JSON,
unknown fields ignored, `version` v1 or empty), api/config/v1/replicas.go (ReplicatedResources and
ReplicatedResource UnmarshalJSON: `resources` present and not empty, each with `name` and
`replicas`, replicas >= 2, `devices` "all", a count > 0 or a list of indices/UUIDs),
api/config/v1/resources.go (NewResourceName: `nvidia.com/` added, 63 characters at most, the name a
DNS subdomain) and DisableResourceNamingInConfig (only renameByDefault renames, to `<name>.shared`;
a `rename` is ignored). A config the plugin refuses makes it exit 1 from main.go with klog's
`error starting plugins: unable to load config: …` line, whatever FAIL_ON_INIT_ERROR says.
"""
import re

import yaml

GPU_RESOURCE = "nvidia.com/gpu"
PREFIX = "nvidia.com"
MAX_NAME = 63
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(r"^%s(\.%s)*$" % (_DNS_LABEL, _DNS_LABEL))
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class PluginConfigError(Exception):
    """What the plugin logs before it exits (the whole error chain of main.go)."""


def _chain(detail):
    return ("error starting plugins: unable to load config: unable to finalize config: "
            "unable to parse config file: error parsing config file: %s" % detail)


def missing_file(path):
    """The error for a config file that does not exist in the container."""
    return PluginConfigError(
        "error starting plugins: unable to load config: unable to finalize config: unable to parse config "
        "file: error opening config file: open %s: no such file or directory" % path)


def _unmarshal(detail):
    return PluginConfigError(_chain("unmarshal error: error unmarshaling JSON: while decoding JSON: " + detail))


def _json_type(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _type_error(value, go_type):
    return _unmarshal("json: cannot unmarshal %s into Go value of type %s" % (_json_type(value), go_type))


def load(text):
    """The effective time-slicing settings of a config file's text:
    {"resource": name offered, "replicas": N, "fail_gt1": bool, "warnings": [...]}.
    Raises PluginConfigError with the plugin's message when v0.20.0 refuses the file."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise PluginConfigError(_chain("unmarshal error: error converting YAML to JSON: %s"
                                       % str(e).replace("\n", " ")))
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise _type_error(doc, "v1.Config")
    version = doc.get("version") or ""
    if not isinstance(version, str):
        raise _type_error(version, "string")
    if version not in ("", "v1"):
        raise PluginConfigError(_chain("unknown version: %s" % version))
    out = {"resource": GPU_RESOURCE, "replicas": 1, "fail_gt1": False, "warnings": []}
    sharing = doc.get("sharing")
    if sharing is None:
        return out
    if not isinstance(sharing, dict):
        raise _type_error(sharing, "v1.Sharing")
    if "timeSlicing" not in sharing:
        return out
    rename_by_default, fail_gt1, resources = _replicated_resources(sharing["timeSlicing"])
    for r in resources:
        if r["name"] != GPU_RESOURCE:
            continue
        if r["rename"] and not rename_by_default:
            out["warnings"].append("Setting the 'rename' field in sharing.timeSlicing.resources is not yet "
                                   "supported in the config. Ignoring...")
        out["resource"] = r["name"] + ".shared" if rename_by_default else r["name"]
        out["replicas"] = r["replicas"]
        out["fail_gt1"] = fail_gt1
    return out


def _replicated_resources(ts):
    """ReplicatedResources.UnmarshalJSON: (renameByDefault, failRequestsGreaterThanOne, resources)."""
    if ts is None:
        ts = {}
    if not isinstance(ts, dict):
        raise _type_error(ts, "map[string]json.RawMessage")
    rename_by_default = ts.get("renameByDefault", False)
    if not isinstance(rename_by_default, bool):
        raise _type_error(rename_by_default, "bool")
    fail_gt1 = ts.get("failRequestsGreaterThanOne")
    if fail_gt1 is not None and not isinstance(fail_gt1, bool):
        raise _type_error(fail_gt1, "bool")
    if "resources" not in ts:
        raise _unmarshal("no resources specified")
    items = ts["resources"]
    if items is not None and not isinstance(items, list):
        raise _type_error(items, "[]v1.ReplicatedResource")
    if not items:
        raise _unmarshal("no resources specified")
    return rename_by_default, bool(fail_gt1), [_replicated_resource(r) for r in items]


def _replicated_resource(r):
    """ReplicatedResource.UnmarshalJSON, in its order of checks."""
    if not isinstance(r, dict):
        raise _type_error(r, "map[string]json.RawMessage")
    if "name" not in r:
        raise _unmarshal("no resource name specified")
    name = resource_name(r["name"])
    _devices(r.get("devices", "all"))
    if "replicas" not in r:
        raise _unmarshal("no replicas specified")
    replicas = r["replicas"]
    if isinstance(replicas, bool) or not isinstance(replicas, int):
        raise _type_error(replicas, "int")
    if replicas < 2:
        raise _unmarshal("number of replicas must be >= 2")
    rename = resource_name(r["rename"]) if "rename" in r else ""
    return {"name": name, "replicas": replicas, "rename": rename}


def resource_name(raw):
    """NewResourceName: `nvidia.com/` added when missing, at most 63 characters, a DNS subdomain."""
    if not isinstance(raw, str):
        raise _type_error(raw, "string")
    n = raw if raw.startswith(PREFIX + "/") else PREFIX + "/" + raw
    if len(n) > MAX_NAME:
        raise _unmarshal("fully-qualified resource name must be %d characters or less: %s" % (MAX_NAME, n))
    name = n.split("/", 1)[1]
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise _unmarshal("incorrect format for resource name '%s': [a lowercase RFC 1123 subdomain must consist "
                         "of lower case alphanumeric characters, '-' or '.', and must start and end with an "
                         "alphanumeric character]" % n)
    return n


def _devices(value):
    """ReplicatedDevices.UnmarshalJSON: "all", a count > 0, or a list of GPU/MIG indices or UUIDs."""
    if isinstance(value, str):
        if value != "all":
            raise _unmarshal("devices set as '%s' but the only valid string input is 'all'" % value)
        return
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise _unmarshal("devices set as '%d' but a count of devices must be > 0" % value)
        return
    if isinstance(value, list):
        for item in value:
            if isinstance(item, int) and not isinstance(item, bool) and item >= 0:
                continue
            if isinstance(item, str) and _device_ref(item):
                continue
            raise _unmarshal("unsupported type for device in devices list: %s, string" % item)
        return
    raise _unmarshal("unrecognized type for devices spec: %s" % value)


def _device_ref(ref):
    return bool(re.match(r"^\d+$", ref) or re.match(r"^\d+:\d+$", ref)
                or re.match(r"^GPU-%s$" % _UUID, ref) or re.match(r"^MIG-%s$" % _UUID, ref)
                or re.match(r"^MIG-GPU-%s/\d+/\d+$" % _UUID, ref))
