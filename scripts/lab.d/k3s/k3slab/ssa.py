"""Server-side apply and field ownership, as kube-apiserver's fieldmanager does it
(sigs.k8s.io/structured-merge-diff): every manager owns a set of fields, kept in
metadata.managedFields as FieldsV1; an apply owns what it sets, conflicts with fields another
manager owns unless forced, and removes the fields it applied before and no longer applies when
nobody else owns them; any other write (create, update, patch) gives its manager the fields it
changed and takes them from the others.

Lists follow the schemas' x-kubernetes-list-type: `map` (items identified by
x-kubernetes-list-map-keys: `k:{"name":"x"}`), `set` (`v:<value>`), `atomic` (the default: owned as
a whole). Paths are tuples of FieldsV1 keys (`f:spec`, `k:{"name":"x"}`, `v:"a"`); a path that
ends in a list item's key names the item itself (`.` in FieldsV1)."""
import copy
import json

from . import k8s_schemas, util
from .store import ApiError

# Fields of the main resource no manager owns (fieldmanager's "ignored fields" and status, which
# only the status subresource writes).
IGNORED = {("f:apiVersion",), ("f:kind",), ("f:status",), ("f:metadata", "f:name"), ("f:metadata", "f:namespace"),
           ("f:metadata", "f:uid"), ("f:metadata", "f:resourceVersion"), ("f:metadata", "f:generation"),
           ("f:metadata", "f:managedFields"), ("f:metadata", "f:creationTimestamp"),
           ("f:metadata", "f:selfLink"), ("f:metadata", "f:deletionTimestamp")}


class Schema:
    """Resolves the schema of a built-in kind (k8s_schemas) or of a CRD version."""

    def __init__(self, root, defs=None):
        self.root, self.defs = root or {}, defs or {}

    @classmethod
    def for_resource(cls, res):
        if res.crd is not None:
            version = next((v for v in (res.crd.get("spec") or {}).get("versions") or []
                            if v.get("name") == res.version), {})
            return cls(((version.get("schema") or {}).get("openAPIV3Schema") or {}))
        defs = k8s_schemas.SCHEMAS["definitions"]
        name = k8s_schemas.SCHEMAS["kinds"].get("%s/%s/%s" % (res.group, res.version, res.kind))
        return cls(defs.get(name) if name else {}, defs)

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.defs.get(node["$ref"], {})
        return node if isinstance(node, dict) else {}

    def field(self, node, name):
        node = self.resolve(node)
        props = node.get("properties") or {}
        if name in props:
            return props[name]
        extra = node.get("additionalProperties")
        return extra if isinstance(extra, dict) else {}

    def items(self, node):
        return self.resolve(node).get("items") or {}

    def list_type(self, node):
        node = self.resolve(node)
        return node.get("x-kubernetes-list-type") or "atomic", node.get("x-kubernetes-list-map-keys") or []

    def atomic_map(self, node):
        return self.resolve(node).get("x-kubernetes-map-type") == "atomic"


def item_key(item, keys):
    if not isinstance(item, dict):
        return "v:" + json.dumps(item, separators=(",", ":"))
    return "k:" + json.dumps({k: item.get(k) for k in keys}, sort_keys=True, separators=(",", ":"))


def paths(value, schema, node=None, prefix=()):
    """The set of field paths `value` sets (leaves, list items)."""
    node = schema.root if node is None else node
    out = set()
    if isinstance(value, dict) and value and not schema.atomic_map(node):
        for k, v in value.items():
            out |= paths(v, schema, schema.field(node, k), prefix + ("f:" + k,))
    elif isinstance(value, list) and value and schema.list_type(node)[0] in ("map", "set"):
        kind, keys = schema.list_type(node)
        for item in value:
            element = prefix + (item_key(item, keys) if kind == "map" else
                                "v:" + json.dumps(item, separators=(",", ":")),)
            out.add(element)
            if kind == "map" and isinstance(item, dict):
                out |= paths(item, schema, schema.items(node), element)
    elif prefix:
        out.add(prefix)
    return {p for p in out if not any(p[:len(i)] == i for i in IGNORED)}


def named_fields(found, schema):
    """The struct fields (declared in `properties`) on the way to each path of `found`; map keys
    (`additionalProperties`) and list items are not named fields."""
    out = set()
    for path in found:
        node = schema.root
        for i, el in enumerate(path[:-1]):
            if el.startswith("f:"):
                named = el[2:] in (schema.resolve(node).get("properties") or {})
                node = schema.field(node, el[2:])
                if named:
                    out.add(path[:i + 1])
            else:
                node = schema.items(node)
    return out


def lookup(obj, path):
    """(found, value) at `path`."""
    cur = obj
    for el in path:
        if el.startswith("f:") and isinstance(cur, dict) and el[2:] in cur:
            cur = cur[el[2:]]
        elif el.startswith("k:") and isinstance(cur, list):
            want = json.loads(el[2:])
            cur = next((i for i in cur if isinstance(i, dict) and all(i.get(k) == v for k, v in want.items())), None)
            if cur is None:
                return False, None
        elif el.startswith("v:") and isinstance(cur, list):
            want = json.loads(el[2:])
            if want not in cur:
                return False, None
            cur = want
        else:
            return False, None
    return True, cur


def remove(obj, path):
    """Removes the field or list item at `path` (no-op when absent)."""
    parent_found, parent = lookup(obj, path[:-1])
    if not parent_found:
        return
    el = path[-1]
    if el.startswith("f:") and isinstance(parent, dict):
        parent.pop(el[2:], None)
    elif el.startswith("k:") and isinstance(parent, list):
        want = json.loads(el[2:])
        parent[:] = [i for i in parent if not (isinstance(i, dict) and all(i.get(k) == v for k, v in want.items()))]
    elif el.startswith("v:") and isinstance(parent, list):
        want = json.loads(el[2:])
        parent[:] = [i for i in parent if i != want]


def merge(live, applied, schema, node=None):
    """`applied` laid over `live`: maps member by member, map-lists item by key, sets united,
    anything else replaced."""
    node = schema.root if node is None else node
    if isinstance(applied, dict) and isinstance(live, dict) and not schema.atomic_map(node):
        out = copy.deepcopy(live)
        for k, v in applied.items():
            out[k] = merge(live.get(k), v, schema, schema.field(node, k))
        return out
    if isinstance(applied, list) and isinstance(live, list):
        kind, keys = schema.list_type(node)
        if kind == "map":
            out = copy.deepcopy(live)
            for item in applied:
                key = item_key(item, keys)
                idx = next((n for n, x in enumerate(out) if item_key(x, keys) == key), None)
                if idx is None:
                    out.append(copy.deepcopy(item))
                else:
                    out[idx] = merge(out[idx], item, schema, schema.items(node))
            return out
        if kind == "set":
            return copy.deepcopy(live) + [copy.deepcopy(i) for i in applied if i not in live]
    return copy.deepcopy(applied)


def changed_paths(old, new, schema, node=None, prefix=()):
    """Paths whose value differs between `old` and `new` (set in either)."""
    node = schema.root if node is None else node
    if old == new:
        return set()
    if isinstance(old, dict) and isinstance(new, dict) and not schema.atomic_map(node):
        out = set()
        for k in set(old) | set(new):
            out |= changed_paths(old.get(k), new.get(k), schema, schema.field(node, k), prefix + ("f:" + k,))
        return out
    if isinstance(old, list) and isinstance(new, list) and schema.list_type(node)[0] == "map":
        keys = schema.list_type(node)[1]
        a = {item_key(i, keys): i for i in old}
        b = {item_key(i, keys): i for i in new}
        out = set()
        for key in set(a) | set(b):
            element = prefix + (key,)
            if key not in a or key not in b:
                out |= {element} | paths(a.get(key) or b.get(key), schema, schema.items(node), element)
            else:
                out |= changed_paths(a[key], b[key], schema, schema.items(node), element)
        return out
    out = set(paths(new, schema, node, prefix)) if new is not None else set()
    if old is not None:
        out |= paths(old, schema, node, prefix)
    return out or {prefix}


# ---------------------------------------------------------------- managedFields

def to_tree(path_set):
    tree = {}
    for path in sorted(path_set):
        cur = tree
        for el in path:
            cur = cur.setdefault(el, {})
        if path and not path[-1].startswith("f:"):
            cur.setdefault(".", {})
    return tree


def from_tree(tree, prefix=()):
    out = set()
    for key, sub in (tree or {}).items():
        if key == ".":
            out.add(prefix)
            continue
        path = prefix + (key,)
        if not sub:
            out.add(path)
        else:
            out |= from_tree(sub, path)
    return out


def owners(obj):
    """[(manager, operation, apiVersion, time, set)] from metadata.managedFields."""
    out = []
    for e in (obj or {}).get("metadata", {}).get("managedFields") or []:
        out.append([e.get("manager", ""), e.get("operation", "Update"), e.get("apiVersion", ""),
                    e.get("time", ""), from_tree(e.get("fieldsV1"))])
    return out


def to_entries(entries):
    return [{"manager": m, "operation": op, "apiVersion": av, "time": t, "fieldsType": "FieldsV1",
             "fieldsV1": to_tree(s)} for m, op, av, t, s in entries if s]


def render(path):
    """`.spec.template.spec.containers[name="x"].image`: how conflicts name a field."""
    out = ""
    for el in path:
        if el.startswith("f:"):
            out += "." + el[2:]
        elif el.startswith("k:"):
            out += "[" + ",".join('%s=%s' % (k, json.dumps(v)) for k, v in sorted(json.loads(el[2:]).items())) + "]"
        else:
            out += "[=" + el[2:] + "]"
    return out


# ---------------------------------------------------------------- operations

def apply(live, applied, schema, manager, api_version, force):
    """The object after `manager` applies `applied` over `live` (None: it is created) and its
    managedFields; raises 409 Conflict for fields others own with other values unless `force`."""
    entries = owners(live)
    mine = paths(applied, schema)
    conflicts = []
    for entry in entries:
        m, op = entry[0], entry[1]
        if m == manager and op == "Apply":
            continue
        for p in sorted(mine & entry[4]):
            if lookup(live, p) != lookup(applied, p) and not p[-1].startswith(("k:", "v:")):
                conflicts.append((print_manager(entry), p))
    if conflicts and not force:
        raise conflict_error(conflicts)
    previous = next((e[4] for e in entries if e[0] == manager and e[1] == "Apply"), set())
    result = merge(live or {}, applied, schema)
    for entry in entries:
        if not (entry[0] == manager and entry[1] == "Apply"):
            entry[4] -= {c[1] for c in conflicts}
    others = set().union(*[e[4] for e in entries if not (e[0] == manager and e[1] == "Apply")])
    # As structured-merge-diff prunes (EnsureNamedFieldsAreMembers): a struct field the manager
    # applied before and applies no more goes as a whole, not only its leaves.
    dropped = (previous | named_fields(previous, schema)) - (mine | named_fields(mine, schema))
    for p in sorted(dropped, key=len, reverse=True):
        if p not in others and not any(o[:len(p)] == p for o in others):
            remove(result, p)
    now = util.rfc3339()
    kept = [e for e in entries if not (e[0] == manager and e[1] == "Apply")]
    old_time = next((e[3] for e in entries if e[0] == manager and e[1] == "Apply" and e[4] == mine), now)
    kept.append([manager, "Apply", api_version, old_time, mine])
    return result, to_entries(kept)


def update(old, new, schema, manager, api_version):
    """managedFields after `manager` changed `old` into `new` with a create, update or patch."""
    entries = owners(old)
    if old is None:
        return to_entries([[manager, "Update", api_version, util.rfc3339(), paths(new, schema)]])
    changed = changed_paths(_owned_view(old), _owned_view(new), schema)
    if not changed:
        return (old.get("metadata") or {}).get("managedFields") or []
    present = paths(new, schema)
    for entry in entries:
        entry[4] = {p for p in entry[4] - changed if lookup(new, p)[0]}
    mine = next((e for e in entries if e[0] == manager and e[1] == "Update"), None)
    if mine is None:
        mine = [manager, "Update", api_version, util.rfc3339(), set()]
        entries.append(mine)
    mine[3] = util.rfc3339()
    mine[4] |= changed & present
    return to_entries(entries)


def _owned_view(obj):
    return {k: v for k, v in (obj or {}).items() if k not in ("status",)}


def print_manager(entry):
    """How a conflict names a manager: `"kubectl-edit" using v1 at 2026-…Z` for an update, the
    bare quoted name for an apply (conflict.go: printManager)."""
    manager, operation, api_version, time = entry[:4]
    text = json.dumps(manager)
    if operation == "Update":
        return "%s using %s at %s" % (text, api_version, time) if time else "%s using %s" % (text, api_version)
    return text


def conflict_error(conflicts):
    """409 Conflict worded as k8s.io/apimachinery's pkg/util/managedfields/internal/conflict.go
    (NewConflictError, getConflictMessage): one cause per field, the message grouped by manager."""
    if len(conflicts) == 1:
        manager, path = conflicts[0]
        message = "Apply failed with 1 conflict: conflict with %s: %s" % (manager, render(path))
    else:
        by_manager = {}
        for manager, path in conflicts:
            by_manager.setdefault(manager, []).append(render(path))
        lines = []
        for manager in sorted(by_manager):
            lines.append("conflicts with %s:" % manager)
            lines += ["- " + f for f in by_manager[manager]]
        message = "Apply failed with %d conflicts: %s" % (len(conflicts), "\n".join(lines))
    causes = [{"reason": "FieldManagerConflict", "message": "conflict with %s" % manager, "field": render(path)}
              for manager, path in conflicts]
    return ApiError(409, "Conflict", message, {"causes": causes})
