"""kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath), the subset people use:
{.a.b}, {.a['b.c']}, {.a.b\\.c}, [*], [n], [a:b], [?(@.k=="v")], .., {range ...}{end}, "text"."""
import json
import re


class JSONPathError(Exception):
    pass


def _split_template(tmpl):
    """Text and {actions}; braces inside quotes do not end an action."""
    parts, i, buf = [], 0, ""
    while i < len(tmpl):
        c = tmpl[i]
        if c == "{":
            if buf:
                parts.append(("text", buf))
                buf = ""
            j, quote = i + 1, None
            while j < len(tmpl):
                ch = tmpl[j]
                if quote:
                    if ch == "\\":
                        j += 1
                    elif ch == quote:
                        quote = None
                elif ch in "\"'":
                    quote = ch
                elif ch == "}":
                    break
                j += 1
            if j >= len(tmpl):
                raise JSONPathError("unclosed action")
            parts.append(("action", tmpl[i + 1:j].strip()))
            i = j + 1
            continue
        buf += c
        i += 1
    if buf:
        parts.append(("text", buf))
    return parts


def _unescape(s):
    return s.encode("utf-8").decode("unicode_escape") if "\\" in s else s


def _parse_steps(expr):
    """Steps: ("field", name) ("recurse", name) ("index", spec) ("filter", (path, op, value)) ("wild",)."""
    steps, i = [], 0
    if expr.startswith("$"):
        i = 1
    elif expr.startswith("@"):
        i = 1
    while i < len(expr):
        c = expr[i]
        if c == ".":
            if expr[i:i + 2] == "..":
                i += 2
                m = re.match(r"((?:\\.|[^.\[\\])+)", expr[i:])
                name = m.group(1) if m else ""
                steps.append(("recurse", name.replace("\\.", ".")))
                i += len(name)
                continue
            i += 1
            m = re.match(r"((?:\\.|[^.\[\\])+)", expr[i:])
            if not m:
                continue
            name = m.group(1)
            i += len(name)
            name = name.replace("\\.", ".")
            steps.append(("wild",) if name == "*" else ("field", name))
        elif c == "[":
            depth, j = 0, i
            while j < len(expr):
                if expr[j] == "[":
                    depth += 1
                elif expr[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner = expr[i + 1:j].strip()
            i = j + 1
            if inner == "*":
                steps.append(("wild",))
            elif inner.startswith("?(") and inner.endswith(")"):
                cond = inner[2:-1].strip()
                m = re.match(r"^@((?:\.[^=!<> ]+)*)\s*(==|!=|<=|>=|<|>)\s*(.+)$", cond)
                if m:
                    val = m.group(3).strip()
                    if val[:1] in "\"'":
                        val = val[1:-1]
                    else:
                        try:
                            val = json.loads(val)
                        except ValueError:
                            pass
                    steps.append(("filter", (_parse_steps(m.group(1)), m.group(2), val)))
                else:
                    steps.append(("exists", _parse_steps(cond.lstrip("@"))))
            elif inner[:1] in "\"'":
                for name in re.findall(r"'([^']*)'|\"([^\"]*)\"", inner):
                    steps.append(("field", name[0] or name[1]))
            elif ":" in inner or re.match(r"^-?\d+$", inner):
                steps.append(("index", inner))
            else:
                steps.append(("field", inner))
        else:
            m = re.match(r"((?:\\.|[^.\[\\])+)", expr[i:])
            name = m.group(1)
            i += len(name)
            steps.append(("field", name.replace("\\.", ".")))
    return steps


def _apply(values, steps):
    for step in steps:
        out = []
        for v in values:
            kind = step[0]
            if kind == "field":
                if isinstance(v, dict) and step[1] in v:
                    out.append(v[step[1]])
            elif kind == "wild":
                if isinstance(v, dict):
                    out.extend(v.values())
                elif isinstance(v, list):
                    out.extend(v)
            elif kind == "index":
                if not isinstance(v, list):
                    continue
                spec = step[1]
                if ":" in spec:
                    a, _, b = spec.partition(":")
                    b = b.split(":")[0]
                    out.extend(v[int(a) if a else None:int(b) if b else None])
                else:
                    idx = int(spec)
                    if -len(v) <= idx < len(v):
                        out.append(v[idx])
                    else:
                        raise JSONPathError("array index out of bounds: index %d, length %d" % (idx, len(v)))
            elif kind == "filter":
                path, op, want = step[1]
                items = v if isinstance(v, list) else list(v.values()) if isinstance(v, dict) else []
                for item in items:
                    got = _apply([item], path)
                    if not got:
                        continue
                    g = got[0]
                    try:
                        ok = {"==": g == want or str(g) == str(want), "!=": g != want and str(g) != str(want),
                              "<": g < want, ">": g > want, "<=": g <= want, ">=": g >= want}[op]
                    except TypeError:
                        ok = False
                    if ok:
                        out.append(item)
            elif kind == "exists":
                items = v if isinstance(v, list) else []
                out.extend(i for i in items if _apply([i], step[1]))
            elif kind == "recurse":
                out.extend(_recurse(v, step[1]))
        values = out
    return values


def _recurse(v, name):
    out = []
    if isinstance(v, dict):
        if name and name in v:
            out.append(v[name])
        for x in v.values():
            out.extend(_recurse(x, name))
    elif isinstance(v, list):
        for x in v:
            out.extend(_recurse(x, name))
    return out


def _fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def evaluate(template, obj, raw=False):
    """The rendered text, or with raw=True the list of values of the first action."""
    parts = _split_template(template)
    if raw:
        for kind, body in parts:
            if kind == "action":
                return _apply([obj], _parse_steps(body))
        return []
    out, _ = _render(parts, 0, obj, obj)
    return out


def _render(parts, i, cur, root):
    out = ""
    while i < len(parts):
        kind, body = parts[i]
        if kind == "text":
            out += body
            i += 1
            continue
        if body == "end":
            return out, i
        if body.startswith("range "):
            values = _values(body[6:].strip(), cur, root)
            end = _find_end(parts, i + 1)
            for v in values:
                text, _ = _render(parts[i + 1:end], 0, v, root)
                out += text
            i = end + 1
            continue
        if body[:1] in "\"'" and body[-1:] == body[:1]:
            out += _unescape(body[1:-1])
            i += 1
            continue
        out += " ".join(_fmt(v) for v in _values(body, cur, root))
        i += 1
    return out, i


def _values(expr, cur, root):
    if expr.startswith("$"):
        return _apply([root], _parse_steps(expr))
    return _apply([cur], _parse_steps(expr))


def _find_end(parts, i):
    depth = 0
    while i < len(parts):
        kind, body = parts[i]
        if kind == "action" and body.startswith("range "):
            depth += 1
        elif kind == "action" and body == "end":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise JSONPathError("not in range, nothing to end")
