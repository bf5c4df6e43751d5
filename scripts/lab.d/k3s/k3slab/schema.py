"""Schema validation of what clients write, as kube-apiserver does it: built-in kinds against the
Kubernetes v1.36 OpenAPI schemas (k8s_schemas.py, from kubernetes-validate), custom resources
against their CRD's openAPIV3Schema (type, required, enum, pattern, min/max, lengths, unknown
fields unless x-kubernetes-preserve-unknown-fields).

A Finding is (what, path, message[, got, want]): "type" (the object cannot be decoded: 400 BadRequest for
built-ins, 422 for custom resources), "unknown" (a field the schema does not declare: an error
only with fieldValidation=Strict, which kubectl sends by default) or "invalid" (422 Invalid).
"""
import collections
import json
import re

from . import k8s_schemas

Finding = collections.namedtuple("Finding", "what path message got want", defaults=(None, None))

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def builtin_schema(group, version, kind):
    """The definition name of a built-in kind, or None when the schemas do not have it."""
    return k8s_schemas.SCHEMAS["kinds"].get("%s/%s/%s" % (group, version, kind))


def check_builtin(obj, group, version, kind, skip=()):
    """Findings for a built-in object (top-level fields named in `skip` are not checked)."""
    name = builtin_schema(group, version, kind)
    if name is None:
        return []
    defs = k8s_schemas.SCHEMAS["definitions"]
    out = []
    check({k: v for k, v in obj.items() if k not in skip}, defs[name], "", out, defs)
    return [f for f in out if f.path.split(".")[0].split("[")[0] not in skip]


def check_custom(obj, crd_version, skip=()):
    """Findings for a custom resource against its CRD version's openAPIV3Schema: spec and status
    (metadata is ObjectMeta, checked elsewhere) and the top-level required fields."""
    schema = ((crd_version.get("schema") or {}).get("openAPIV3Schema") or {})
    props = schema.get("properties") or {}
    out = []
    for top in ("spec", "status"):
        if top in props and top in obj and top not in skip:
            check(obj[top], props[top], top, out, None, crd=True)
    for req in schema.get("required") or []:
        if req not in obj:
            out.append(Finding("invalid", req, "%s: Required value" % req))
    return out


def check(value, schema, path, out, defs, crd=False):
    """Appends the findings for `value` at `path` against `schema` to `out`."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        check(value, defs[schema["$ref"]], path, out, defs, crd)
        return
    if value is None:
        if _allows_null(schema, crd):
            return
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not _findings(value, s, path, defs, crd)]
        if len(matching) != 1:
            want = " or ".join(t for s in schema["oneOf"] for t in _types(s) if t != "null")
            out.append(Finding("type", path, _type_message(value, path, want), _json_type(value), want))
        return
    types = _types(schema)
    if types and not any(_is(value, t) for t in types) and not _int_or_string(value, schema):
        out.append(Finding("type", path, _type_message(value, path, types[0]), _json_type(value), types[0]))
        return
    if "enum" in schema and value not in schema["enum"]:
        out.append(Finding("invalid", path, '%s: Unsupported value: %s: supported values: %s' % (
            path, json.dumps(value), ", ".join(json.dumps(v) for v in schema["enum"]))))
    if isinstance(value, str):
        _check_string(value, schema, path, out)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(value, schema, path, out)
    if isinstance(value, dict):
        _check_object(value, schema, path, out, defs, crd)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            check(item, schema["items"], "%s[%d]" % (path, i), out, defs, crd)


def _findings(value, schema, path, defs, crd):
    out = []
    check(value, schema, path, out, defs, crd)
    return out


def _types(schema):
    t = schema.get("type")
    return [t] if isinstance(t, str) else list(t or [])


def _allows_null(schema, crd):
    return crd or schema.get("nullable") or "null" in _types(schema) or not _types(schema) and "oneOf" not in schema


def _is(value, t):
    if t == "null":
        return value is None
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or \
            isinstance(value, float) and value.is_integer()
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES.get(t, object))


def _int_or_string(value, schema):
    return schema.get("x-kubernetes-int-or-string") and (
        isinstance(value, str) or isinstance(value, int) and not isinstance(value, bool))


def _type_message(value, path, want):
    return '%s: Invalid value: "%s": %s in body must be of type %s: "%s"' % (
        path, _short(value), path, want, _json_type(value))


def _check_string(value, schema, path, out):
    if "pattern" in schema and not re.search(schema["pattern"], value):
        out.append(Finding("invalid", path, "%s: Invalid value: \"%s\": %s in body should match '%s'" % (
            path, value, path, schema["pattern"])))
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append(Finding("invalid", path, "%s: Invalid value: \"%s\": %s in body should be at least %d chars long" % (
            path, value, path, schema["minLength"])))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        out.append(Finding("invalid", path, "%s: Too long: may not be longer than %d" % (path, schema["maxLength"])))


def _check_number(value, schema, path, out):
    if "minimum" in schema and value < schema["minimum"]:
        out.append(Finding("invalid", path, "%s: Invalid value: %s: %s in body should be greater than or equal to %s" % (
            path, value, path, schema["minimum"])))
    if "maximum" in schema and value > schema["maximum"]:
        out.append(Finding("invalid", path, "%s: Invalid value: %s: %s in body should be less than or equal to %s" % (
            path, value, path, schema["maximum"])))


def _check_object(value, schema, path, out, defs, crd):
    for req in schema.get("required") or []:
        if req not in value:
            out.append(Finding("invalid", _join(path, req), "%s: Required value" % _join(path, req)))
    props = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    closed = extra is False or crd and props and extra is None and \
        not schema.get("x-kubernetes-preserve-unknown-fields")
    for k, v in value.items():
        sub = _join(path, k)
        if k in props:
            check(v, props[k], sub, out, defs, crd)
        elif isinstance(extra, dict):
            check(v, extra, sub, out, defs, crd)
        elif closed:
            out.append(Finding("unknown", sub, 'unknown field "%s"' % sub))


def _join(path, key):
    return "%s.%s" % (path, key) if path else key


def _short(v):
    return v if isinstance(v, str) else json.dumps(v)


def _json_type(v):
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
            float: "number"}.get(type(v), "null")
