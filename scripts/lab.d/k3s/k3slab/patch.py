"""JSON merge patch (RFC 7386), strategic merge patch (the common subset), JSON patch (RFC 6902),
and kubectl apply's three-way merge."""
import copy

# Lists merged by key under strategic merge (field name -> merge key); others are replaced.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "mountPath", "imagePullSecrets": "name", "ports": "containerPort",
    "conditions": "type", "addresses": "type", "ownerReferences": "uid", "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey", "volumeDevices": "devicePath",
}
SET_LISTS = {"finalizers"}


class PatchError(Exception):
    pass


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_merge_patch(target, patch, field=None):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        p = {k: v for k, v in patch.items() if k != "$patch"}
        return copy.deepcopy(p)
    if patch.get("$patch") == "delete":
        return None
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$"):
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, list):
            out[k] = _merge_list(out.get(k), v, k)
        elif isinstance(v, dict):
            merged = strategic_merge_patch(out.get(k), v, k)
            if merged is None:
                out.pop(k, None)
            else:
                out[k] = merged
        else:
            out[k] = v
    return out


def _merge_list(current, patch, field):
    key = MERGE_KEYS.get(field)
    if field in SET_LISTS and isinstance(current, list):
        return current + [x for x in patch if x not in current]
    if not key or not isinstance(current, list) or not all(isinstance(x, dict) for x in patch):
        return [x for x in copy.deepcopy(patch) if not (isinstance(x, dict) and x.get("$patch"))]
    if any(isinstance(x, dict) and x.get("$patch") == "replace" for x in patch):
        return [x for x in copy.deepcopy(patch) if not x.get("$patch")]
    out = copy.deepcopy(current)
    for item in patch:
        idx = next((i for i, x in enumerate(out) if isinstance(x, dict) and x.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(copy.deepcopy(item))
        else:
            out[idx] = strategic_merge_patch(out[idx], item, field)
    return out


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts, create=False):
    cur = doc
    for p in parts:
        if isinstance(cur, list):
            cur = cur[int(p)]
        elif isinstance(cur, dict):
            if p not in cur:
                raise PatchError("doc is missing path: %s" % "/".join(parts))
            cur = cur[p]
        else:
            raise PatchError("doc is missing path: %s" % "/".join(parts))
    return cur


def json_patch(doc, ops):
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise PatchError("json patch must be a list of operations")
    for op in ops:
        kind = op.get("op")
        parts = _pointer(op.get("path", ""))
        try:
            if kind == "test":
                if _walk(doc, parts) != op.get("value"):
                    raise PatchError("testing value %s failed" % op.get("path"))
                continue
            if kind in ("move", "copy"):
                src = _pointer(op.get("from", ""))
                value = copy.deepcopy(_walk(doc, src))
                if kind == "move":
                    doc = _remove(doc, src)
                doc = _add(doc, parts, value)
                continue
            if kind == "add":
                doc = _add(doc, parts, copy.deepcopy(op.get("value")))
            elif kind == "remove":
                doc = _remove(doc, parts)
            elif kind == "replace":
                _walk(doc, parts)
                doc = _remove(doc, parts)
                doc = _add(doc, parts, copy.deepcopy(op.get("value")))
            else:
                raise PatchError("Unexpected kind: %s" % kind)
        except (IndexError, ValueError, TypeError):
            raise PatchError("doc is missing path: %s" % op.get("path"))
    return doc


def _add(doc, parts, value):
    if not parts:
        return value
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            i = int(last)
            if i < 0 or i > len(parent):
                raise PatchError("index out of range")
            parent.insert(i, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise PatchError("doc is missing path")
    return doc


def _remove(doc, parts):
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        parent.pop(int(last))
    elif isinstance(parent, dict):
        if last not in parent:
            raise PatchError("Unable to remove nonexistent key: %s: missing value" % last)
        del parent[last]
    return doc


def three_way(last, new, live):
    """kubectl apply: fields in `new` win, fields in `last` but not in `new` are removed,
    everything else in `live` (set by others or the server) is kept."""
    if not isinstance(new, dict) or not isinstance(live, dict):
        return copy.deepcopy(new)
    out = copy.deepcopy(live)
    last = last if isinstance(last, dict) else {}
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = three_way(last.get(k), v, out[k])
        elif isinstance(v, list) and k in MERGE_KEYS and isinstance(out.get(k), list) and \
                all(isinstance(x, dict) for x in v):
            key = MERGE_KEYS[k]
            prev = {x.get(key): x for x in (last.get(k) or []) if isinstance(x, dict)}
            merged = []
            for item in v:
                cur = next((x for x in out[k] if isinstance(x, dict) and x.get(key) == item.get(key)), None)
                merged.append(three_way(prev.get(item.get(key)), item, cur) if cur is not None
                              else copy.deepcopy(item))
            out[k] = merged
        else:
            out[k] = copy.deepcopy(v)
    for k in last:
        if k not in new:
            out.pop(k, None)
    return out
