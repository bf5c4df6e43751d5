#!/usr/bin/python3
"""LAB STAND-IN, never shipped: GitHub's release downloads, served from the lab's artifacts.

  release_mirror.py serve --artifacts DIR --overlay DIR --bind IP --port PORT --cert CRT --key KEY --log FILE
  release_mirror.py tamper --artifacts DIR --overlay DIR PATH [--how flip|append]
  release_mirror.py restore --overlay DIR [PATH]
  release_mirror.py status --artifacts DIR --overlay DIR

What it serves (HTTPS only, one certificate for every name below, issued by the lab CA):

* Host `github.com`: `GET|HEAD /k3s-io/k3s/releases/download/<version>/<asset>` and
  `/fluxcd/flux2/releases/download/<version>/install.yaml` answer `302 Found` with a `Location`
  on `objects.githubusercontent.com`, as GitHub does (clients must follow redirects: curl -L).
* Host `objects.githubusercontent.com`: the redirect's target
  `/github-production-release-asset-2e65be/<owner>/<repo>/<version>/<asset>?...` answers the file.
* Any other host (`releases.lab-tailnet.ts.net`, the gateway's IP: a release mirror with GitHub's
  layout under a custom base URL): the release paths answer the file directly.

`<version>` may arrive raw (`v1.36.4+k3s1`, as install.sh sends it) or URL-encoded (`v1.36.4%2Bk3s1`).
Files come from the artifacts directory (`k3s/<version>/<asset>`, `flux/<version>/install.yaml`),
unless a tampered copy of that file exists under the overlay directory (same relative path):
`tamper` writes one, `restore` removes it. Everything else is `404 Not Found`. Every request is
logged to the log file as one JSON object per line: time, client, host, method, path, status,
bytes (body bytes sent), file (artifacts-relative, or null) and tampered.
"""
import argparse
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import ssl
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

GITHUB = "github.com"
OBJECTS = "objects.githubusercontent.com"
OBJECTS_PREFIX = "/github-production-release-asset-2e65be"
# (owner, repo) on GitHub → the artifacts directory holding its releases, and the assets it has.
REPOS = {("k3s-io", "k3s"): "k3s", ("fluxcd", "flux2"): "flux"}
ASSET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
CHUNK = 1 << 20
TAMPER_TRAILER = b"\n# tampered by scripts/lab mirror tamper\n"


# ---------------------------------------------------------------- paths

def artifact_for(owner, repo, version, asset):
    """The artifacts-relative path of a release asset, or None when it is not one the lab has."""
    kind = REPOS.get((owner, repo))
    if kind is None or not ASSET.match(version) or not ASSET.match(asset):
        return None
    return "%s/%s/%s" % (kind, version, asset)


def release_path(rel):
    """The GitHub release path (/owner/repo/releases/download/version/asset) of an artifact."""
    kind, version, asset = rel.split("/")
    owner, repo = next(k for k, v in REPOS.items() if v == kind)
    return "/%s/%s/releases/download/%s/%s" % (owner, repo, quote(version, safe=""), asset)


def parse_release(path):
    """(owner, repo, version, asset) of /owner/repo/releases/download/version/asset, else None."""
    parts = unquote(path).split("/")
    if len(parts) != 7 or parts[0] != "" or parts[3:5] != ["releases", "download"]:
        return None
    return parts[1], parts[2], parts[5], parts[6]


def parse_object(path):
    """(owner, repo, version, asset) of the redirect target's path, else None."""
    if not path.startswith(OBJECTS_PREFIX + "/"):
        return None
    parts = unquote(path[len(OBJECTS_PREFIX) + 1:]).split("/")
    return tuple(parts) if len(parts) == 4 else None


def object_url(owner, repo, version, asset):
    disposition = quote("attachment; filename=%s" % asset, safe="")
    return "https://%s%s/%s/%s/%s/%s?response-content-disposition=%s&response-content-type=%s" % (
        OBJECTS, OBJECTS_PREFIX, owner, repo, quote(version, safe=""), asset, disposition,
        quote("application/octet-stream", safe=""))


def normalise(spec):
    """An artifacts-relative path from what a person types: `k3s/<v>/k3s`, a release path
    (`/k3s-io/k3s/releases/download/v1.36.4%2Bk3s1/k3s`) or a full URL."""
    path = "/" + (urlsplit(spec).path if "://" in spec else spec).lstrip("/")
    named = parse_release(path) or parse_object(path)
    if named:
        rel = artifact_for(*named)
    else:
        parts = unquote(path).strip("/").split("/")
        fits = len(parts) == 3 and parts[0] in REPOS.values() and all(ASSET.match(p) for p in parts[1:])
        rel = "/".join(parts) if fits else None
    if rel is None:
        raise SystemExit("release_mirror: %r is not a release asset path (k3s/<version>/<asset>, "
                         "flux/<version>/install.yaml, or /<owner>/<repo>/releases/download/<version>/<asset>)" % spec)
    return rel


# ---------------------------------------------------------------- serving

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cluster-mgr-lab-release-mirror"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True

    def do_GET(self):
        self.answer(body=True)

    def do_HEAD(self):
        self.answer(body=False)

    def send_response(self, code, message=None):
        self.code = code
        super().send_response(code, message)

    def answer(self, body):
        self.code, self.sent, self.file, self.tampered = None, 0, None, False
        try:
            self.route(body)
        finally:
            self.server.record(self)

    def route(self, body):
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        path = urlsplit(self.path).path
        named = parse_object(path) if host == OBJECTS else parse_release(path)
        rel = artifact_for(*named) if named else None
        if not self.find(rel):
            return self.not_found(body)
        self.file = rel
        if host == GITHUB:
            return self.redirect(object_url(*named))
        return self.send_file(rel, body)

    def find(self, rel):
        """The file to serve for an artifacts-relative path (a tampered copy first), or None."""
        if rel is None:
            return None
        for base, tampered in ((self.server.overlay, True), (self.server.artifacts, False)):
            candidate = base / rel
            if candidate.is_file():
                return candidate, tampered
        return None

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def not_found(self, body):
        data = b"Not Found"
        self.send_response(404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)
            self.sent = len(data)

    def send_file(self, rel, body):
        path, self.tampered = self.find(rel)
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.send_header("Content-Disposition", "attachment; filename=%s" % rel.rsplit("/", 1)[1])
            self.send_header("Last-Modified", self.date_time_string(os.fstat(f.fileno()).st_mtime))
            self.end_headers()
            while body:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                self.wfile.write(chunk)
                self.sent += len(chunk)


class Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, tls, artifacts, overlay, log):
        super().__init__(address, Handler)
        self.tls, self.artifacts, self.overlay = tls, Path(artifacts), Path(overlay)
        self.logfile, self.log_lock = open(log, "a"), threading.Lock()

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the request's own thread, so a slow client holds up no one.
        request.settimeout(60)
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        try:
            super().finish_request(request, client_address)
        finally:
            request.close()

    def record(self, handler):
        entry = {"time": round(time.time(), 3), "client": handler.client_address[0],
                 "host": handler.headers.get("Host"), "method": handler.command, "path": handler.path,
                 "status": handler.code, "bytes": handler.sent, "file": handler.file,
                 "tampered": handler.tampered}
        with self.log_lock:
            self.logfile.write(json.dumps(entry) + "\n")
            self.logfile.flush()


def serve(args):
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)
    server = Server((args.bind, args.port), tls, args.artifacts, args.overlay, args.log)
    print("release mirror on https://%s:%d/ (artifacts %s)" % (args.bind, args.port, args.artifacts), flush=True)
    server.serve_forever()


# ---------------------------------------------------------------- tamper control

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def tampered_bytes(data, how):
    if how == "append":
        return data + TAMPER_TRAILER
    if not data:
        raise SystemExit("release_mirror: cannot flip a byte of an empty file")
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def tamper(args):
    rel = normalise(args.path)
    original = Path(args.artifacts) / rel
    if not original.is_file():
        raise SystemExit("release_mirror: the artifacts have no %s" % rel)
    target = Path(args.overlay) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(tampered_bytes(original.read_bytes(), args.how))
    os.replace(tmp, target)
    print(json.dumps({"file": rel, "path": release_path(rel), "how": args.how,
                      "sha256": sha256(target), "original_sha256": sha256(original),
                      "size": target.stat().st_size, "original_size": original.stat().st_size}))


def tampered_files(overlay):
    root = Path(overlay)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def restore(args):
    targets = [normalise(args.path)] if args.path else tampered_files(args.overlay)
    for rel in targets:
        try:
            (Path(args.overlay) / rel).unlink()
        except FileNotFoundError:
            pass
        print(rel)


def status(args):
    files = [{"file": rel, "path": release_path(rel), "sha256": sha256(Path(args.overlay) / rel),
              "original_sha256": sha256(Path(args.artifacts) / rel)} for rel in tampered_files(args.overlay)]
    print(json.dumps({"tampered": files}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    for flag in ("--artifacts", "--overlay", "--bind", "--cert", "--key", "--log"):
        s.add_argument(flag, required=True)
    s.add_argument("--port", type=int, required=True)
    t = sub.add_parser("tamper")
    t.add_argument("--artifacts", required=True)
    t.add_argument("--overlay", required=True)
    t.add_argument("--how", choices=("flip", "append"), default="flip")
    t.add_argument("path")
    r = sub.add_parser("restore")
    r.add_argument("--overlay", required=True)
    r.add_argument("path", nargs="?")
    st = sub.add_parser("status")
    st.add_argument("--artifacts", required=True)
    st.add_argument("--overlay", required=True)
    args = ap.parse_args()
    {"serve": serve, "tamper": tamper, "restore": restore, "status": status}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
