# Runs INSIDE a lab host (python3 on stdin, as root, via `scripts/lab exec HOST -- python3 -`):
# prints the state of every path the benchmark workload manages, as one JSON object.
# Part of scripts/bench (dev tooling, never shipped).
import base64
import grp
import hashlib
import json
import os
import pwd
import stat
import sys

PATHS = [
    "/etc/fstab",
    "/etc/sysctl.d/90-k8s.conf",
    "/etc/modules-load.d/k8s.conf",
    "/etc/rancher/k3s",
    "/etc/rancher/k3s/config.yaml",
    "/etc/rancher/k3s/registries.yaml",
    "/usr/local/bin/k3s",
    "/usr/local/bin/kubectl",
    "/usr/local/bin/crictl",
    "/etc/systemd/system/k3s.service",
    "/etc/systemd/system/multi-user.target.wants/k3s.service",
    "/etc/hosts",
    "/var/lib/rancher/k3s/server",
    "/var/lib/rancher/k3s/server/token",
    "/var/lib/rancher/k3s/install.done",
    "/var/lib/bench-site",
    "/var/lib/bench-site/handlers.log",
]
# Directories whose every entry is listed (stray temporary files or backups show up here).
LISTED = ["/etc/rancher/k3s", "/var/lib/rancher/k3s", "/var/lib/rancher/k3s/server", "/usr/local/bin",
          "/etc/sysctl.d", "/etc/modules-load.d", "/etc/systemd/system", "/var/lib/bench-site", "/tmp",
          "/etc", "/var/lib", "/root", "/home/lab"]
SMALL = 1 << 20


def name(table, ident):
    try:
        return table(ident)[0]
    except KeyError:
        return str(ident)


def describe(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return {"type": "absent"}
    out = {"mode": "%o" % stat.S_IMODE(st.st_mode), "owner": name(pwd.getpwuid, st.st_uid),
           "group": name(grp.getgrgid, st.st_gid), "ino": st.st_ino, "mtime_ns": st.st_mtime_ns,
           "ctime_ns": st.st_ctime_ns}
    if stat.S_ISLNK(st.st_mode):
        out.update(type="symlink", target=os.readlink(path))
    elif stat.S_ISDIR(st.st_mode):
        out["type"] = "directory"
    elif stat.S_ISREG(st.st_mode):
        out.update(type="file", size=st.st_size)
        h = hashlib.sha256()
        with open(path, "rb") as f:
            data = f.read(SMALL + 1)
            h.update(data)
            while True:
                chunk = f.read(1 << 22)
                if not chunk:
                    break
                h.update(chunk)
        out["sha256"] = h.hexdigest()
        if len(data) <= SMALL:
            out["content_b64"] = base64.b64encode(data).decode()
    else:
        out["type"] = "other"
    return out


def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return None


print(json.dumps({"paths": {p: describe(p) for p in PATHS},
                  "listings": {d: listing(d) for d in LISTED}}))
sys.stdout.flush()
