#!/usr/bin/python3
"""LAB STAND-IN, never shipped: NVIDIA's container-toolkit apt repository, for the lab.

  aptrepo.py build OUT       stand-in .debs (dpkg-deb), Packages, Release/InRelease/Release.gpg signed
                             with a lab GPG key, and the armored key, laid out like
                             https://nvidia.github.io/libnvidia-container/ (OUT/libnvidia-container/...)
  aptrepo.py serve --dir OUT --bind IP --port PORT [--log FILE]
                             serves it over HTTP on the lab bridge (scripts/lab starts and stops it)

The packages carry the real names, versions and dependencies (nvidia-container-toolkit depends on
nvidia-container-toolkit-base (= V) and libnvidia-container-tools (>= V), which depends on
libnvidia-container1 (>= V)), and install the stand-in commands of ../nvidia/toolkit at the real
paths (/usr/bin/nvidia-container-runtime, /usr/bin/nvidia-ctk, ...), so `apt-get install
nvidia-container-toolkit` runs for real and k3s's containerd then finds the nvidia runtime.
"""
import argparse
import gzip
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLKIT = HERE.parent / "nvidia" / "toolkit" / "nvidia-toolkit.py"
VERSIONS = ["1.17.7", "1.17.8"]
MAINTAINER = "NVIDIA CORPORATION <cudatools@nvidia.com>"
KEY_UID = "cluster-mgr lab NVIDIA repository stand-in <lab-nvidia-repo@example.invalid>"
REPO = "libnvidia-container"
DIST = "stable/deb"


def packages(v):
    deb = v + "-1"
    return [
        {"Package": "libnvidia-container1", "Section": "libs", "Depends": "libc6 (>= 2.34)",
         "Description": "NVIDIA container runtime library\n The nvidia-container library provides an interface to "
                        "configure GNU/Linux\n containers leveraging NVIDIA hardware. (cluster-mgr lab stand-in)",
         "files": {"usr/share/doc/libnvidia-container1/README.lab": "LAB STAND-IN, never shipped: no library.\n"}},
        {"Package": "libnvidia-container-tools", "Section": "utils",
         "Depends": "libnvidia-container1 (>= %s), libc6 (>= 2.34)" % deb,
         "Description": "NVIDIA container runtime library (command-line tools)\n The nvidia-container library "
                        "provides an interface to configure GNU/Linux\n containers leveraging NVIDIA hardware. "
                        "(cluster-mgr lab stand-in)",
         "files": {"usr/bin/nvidia-container-cli": None}},
        {"Package": "nvidia-container-toolkit-base", "Section": "utils",
         "Breaks": "nvidia-container-runtime (<= 3.5.0-1)", "Replaces": "nvidia-container-runtime (<= 3.5.0-1)",
         "Description": "NVIDIA Container Toolkit Base\n Provides tools such as the NVIDIA Container Runtime and "
                        "NVIDIA Container Toolkit CLI to enable\n GPU support in containers. (cluster-mgr lab stand-in)",
         "files": {"usr/bin/nvidia-container-runtime": None, "usr/bin/nvidia-ctk": None,
                   "usr/bin/nvidia-cdi-hook": None,
                   "etc/nvidia-container-runtime/config.toml":
                       "#accept-nvidia-visible-devices-as-volume-mounts = false\n"
                       "#accept-nvidia-visible-devices-envvar-when-unprivileged = true\n"
                       "disable-require = false\nsupported-driver-capabilities = "
                       "\"compat32,compute,display,graphics,ngx,utility,video\"\n\n[nvidia-container-cli]\n"
                       "environment = []\nldconfig = \"@/sbin/ldconfig.real\"\nload-kmods = true\n\n"
                       "[nvidia-container-runtime]\nlog-level = \"info\"\nmode = \"auto\"\n"
                       "runtimes = [\"docker-runc\", \"runc\", \"crun\"]\n"},
         "conffiles": ["/etc/nvidia-container-runtime/config.toml"]},
        {"Package": "nvidia-container-toolkit", "Section": "utils",
         "Depends": "libnvidia-container-tools (>= %s), libnvidia-container-tools (<< 2.0.0), "
                    "nvidia-container-toolkit-base (= %s)" % (deb, deb),
         "Breaks": "nvidia-container-runtime (<= 3.5.0-1), nvidia-container-runtime-hook",
         "Replaces": "nvidia-container-runtime (<= 3.5.0-1), nvidia-container-runtime-hook",
         "Description": "NVIDIA Container toolkit\n Provides tools and utilities to enable GPU support in containers. "
                        "(cluster-mgr lab stand-in)",
         "files": {"usr/bin/nvidia-container-runtime-hook": None}},
    ]


def run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise SystemExit("aptrepo: %s failed: %s" % (" ".join(cmd), res.stderr.strip()))
    return res.stdout


def build_deb(pkg, version, out_dir):
    toolkit = TOOLKIT.read_text()
    toolkit = re.sub(r'^TOOLKIT_VERSION = ".*"$', 'TOOLKIT_VERSION = "%s"' % version, toolkit, count=1, flags=re.M)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        (root / "DEBIAN").mkdir(parents=True)
        size = 0
        for rel, content in pkg["files"].items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            data = toolkit if content is None else content
            p.write_text(data)
            os.chmod(p, 0o755 if content is None else 0o644)
            size += len(data)
        control = ["Package: %s" % pkg["Package"], "Version: %s-1" % version, "Architecture: amd64",
                   "Maintainer: %s" % MAINTAINER, "Installed-Size: %d" % max(1, size // 1024)]
        for k in ("Depends", "Breaks", "Replaces"):
            if pkg.get(k):
                control.append("%s: %s" % (k, pkg[k]))
        control += ["Section: %s" % pkg["Section"], "Priority: optional",
                    "Homepage: https://github.com/NVIDIA/nvidia-container-toolkit",
                    "Description: %s" % pkg["Description"]]
        (root / "DEBIAN" / "control").write_text("\n".join(control) + "\n")
        if pkg.get("conffiles"):
            (root / "DEBIAN" / "conffiles").write_text("\n".join(pkg["conffiles"]) + "\n")
        for p in root.rglob("*"):
            os.utime(p, (1700000000, 1700000000))
        name = "%s_%s-1_amd64.deb" % (pkg["Package"], version)
        env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
        run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(out_dir / name)], env=env)
    return name, control


def build(out):
    out = Path(out)
    repo = out / REPO / DIST / "amd64"
    repo.mkdir(parents=True, exist_ok=True)
    entries = []
    for v in VERSIONS:
        for pkg in packages(v):
            name, control = build_deb(pkg, v, repo)
            data = (repo / name).read_bytes()
            fields = control[:-1] + ["Filename: ./%s" % name, "Size: %d" % len(data),
                                     "MD5sum: %s" % hashlib.md5(data).hexdigest(),
                                     "SHA1: %s" % hashlib.sha1(data).hexdigest(),
                                     "SHA256: %s" % hashlib.sha256(data).hexdigest(), control[-1]]
            entries.append("\n".join(fields))
    text = "\n\n".join(entries) + "\n"
    (repo / "Packages").write_text(text)
    with gzip.GzipFile(repo / "Packages.gz", "wb", mtime=0) as f:
        f.write(text.encode())
    files = ["Packages", "Packages.gz"]
    rel = ["Origin: https://nvidia.github.io/libnvidia-container (cluster-mgr lab stand-in)",
           "Label: libnvidia-container (cluster-mgr lab stand-in)", "Architectures: amd64",
           "Date: %s" % time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(time.time() - 86400))]
    for title, algo in (("MD5Sum", hashlib.md5), ("SHA1", hashlib.sha1), ("SHA256", hashlib.sha256)):
        rel.append("%s:" % title)
        for f in files:
            data = (repo / f).read_bytes()
            rel.append(" %s %d %s" % (algo(data).hexdigest(), len(data), f))
    (repo / "Release").write_text("\n".join(rel) + "\n")
    fpr, armored, _ = sign_release(repo / "Release", KEY_UID)
    (out / REPO / "gpgkey").write_text(armored)
    (out / "fingerprint").write_text(fpr + "\n")
    return fpr


def sign_release(release, uid):
    """Signs `release` with a new RSA key called `uid`: InRelease (clearsigned) and Release.gpg
    (detached) next to it, as apt expects. Returns the key's fingerprint, the armored public key
    and the binary one (a keyring for `signed-by`); the private key is thrown away."""
    release = Path(release)
    home = Path(tempfile.mkdtemp(prefix="cml-gpg-", dir="/tmp"))
    os.chmod(home, 0o700)
    env = dict(os.environ, GNUPGHOME=str(home))
    try:
        run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", uid,
             "rsa3072", "sign", "never"], env=env)
        listing = run(["gpg", "--batch", "--with-colons", "--list-keys", uid], env=env)
        fpr = next(l.split(":")[9] for l in listing.splitlines() if l.startswith("fpr:"))
        armored = run(["gpg", "--batch", "--armor", "--export", fpr], env=env)
        binary = subprocess.run(["gpg", "--batch", "--export", fpr], env=env, capture_output=True,
                                check=True).stdout
        sign = ["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", "--local-user", fpr]
        run(sign + ["--clearsign", "-o", str(release.with_name("InRelease")), str(release)], env=env)
        run(sign + ["--armor", "--detach-sign", "-o", str(release.with_name("Release.gpg")), str(release)], env=env)
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
    return fpr, armored, binary


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        if self.server.logfile:
            self.server.logfile.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), fmt % args))
            self.server.logfile.flush()

    def do_GET(self):
        if self.path.split("?")[0] == "/%s/%s/nvidia-container-toolkit.list" % (REPO, DIST):
            host = self.headers.get("Host") or "%s:%d" % self.server.server_address
            body = ("deb http://%s/%s/%s/$(ARCH) /\n#deb http://%s/%s/experimental/deb/$(ARCH) /\n" % (
                host, REPO, DIST, host, REPO)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


def serve(directory, bind, port, log):
    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        daemon_threads = True
    srv = Server((bind, port), lambda *a, **kw: Handler(*a, directory=directory, **kw))
    srv.logfile = open(log, "a") if log else None
    srv.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("out")
    s = sub.add_parser("serve")
    s.add_argument("--dir", required=True)
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--log")
    args = ap.parse_args()
    if args.cmd == "build":
        print(build(args.out))
    else:
        serve(args.dir, args.bind, args.port, args.log)


if __name__ == "__main__":
    sys.exit(main())
