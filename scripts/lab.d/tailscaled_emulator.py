#!/usr/bin/python3
"""LAB STAND-IN, never shipped: a Tailscale LocalAPI emulator on a unix socket.

It speaks tailscaled's HTTP the way the real daemon does (see
shared/reference/tailscale-localapi.md, mirrored in docs/lab.md):

* Go net/http over a unix socket, HTTP/1.1 with keep-alive; bodies over 2 KiB are
  sent with Transfer-Encoding: chunked, smaller ones with Content-Length;
* Host must be `local-tailscaled.sock` (or empty) and Referer/Origin must be absent,
  otherwise `403 invalid localapi request`;
* `GET /localapi/v0/status[?peers=false]`: tab-indented JSON with Go's HTML escaping
  and a trailing newline, headers Tailscale-Version / Tailscale-Cap / CSP / nosniff;
* unknown LocalAPI names: `404 404 page not found`.

The tailnet it describes comes from `<state-dir>/tailnet.json`, which `scripts/lab`
writes (the workstation as Self, every lab host as a peer with its real SSH host keys,
plus a phone and an offline laptop). `<state-dir>/mode` switches scenarios at run time:

  running | stopped | needslogin | needsmachineauth   backend states
  fixture:<path>                                    serve a JSON file verbatim
  forbidden                                         403 status access denied
  unauthorized                                      401 auth required
  hang                                              never answer (client timeout)
  slow:<seconds>                                    answer as `running`, but only after <seconds>
  eof                                               close the connection without a reply
  garbage                                           200 with truncated JSON

Every request is appended to `<state-dir>/requests.log` (one JSON object per line:
method, path, host, referer, origin, tailscale-cap) so tests can assert what the client sent.
"""
import argparse
import hashlib
import json
import os
import socketserver
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

VERSION = "1.102.3-t53a0d659a-g8c41f2e07"
CAP_VERSION = "142"
ZERO_TIME = "0001-01-01T00:00:00Z"
CSP = ("default-src 'none'; frame-ancestors 'none'; script-src 'none'; "
       "script-src-elem 'none'; script-src-attr 'none'")
LAB_USER_ID = 7203945511029384
TAGGED_USER_ID = 6064107676551250


def go_json(value):
    """Encodes like Go's json.Encoder with SetIndent("", "\t"): HTML-safe, trailing newline."""
    text = json.dumps(value, indent="\t", ensure_ascii=False, separators=(",", ": "))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (text + "\n").encode()


def stable(seed, length):
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def stable_id(name):
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    digest = hashlib.sha256(("id:" + name).encode()).digest()
    return "n" + "".join(alphabet[b % len(alphabet)] for b in digest[:11]) + "CNTRL"


def node_id(name):
    return 1_000_000_000_000_000 + int(stable("nid:" + name, 12), 16) % 8_999_999_999_999_999


def ipv6_for(ipv4):
    a, b, c, d = (int(x) for x in ipv4.split("."))
    return "fd7a:115c:a1e0::%x:%x" % ((a << 8) | b, (c << 8) | d)


def rfc3339(ts):
    if not ts:
        return ZERO_TIME
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace("000Z", "Z")


def peer_status(node, suffix, is_self=False, stopped=False):
    """A PeerStatus with the fields, order and omitempty rules of ipnstate.PeerStatus (v1.102.3)."""
    name = node["hostname"]
    ipv4 = node["ip"]
    ipv6 = ipv6_for(ipv4)
    tags = node.get("tags") or []
    online = bool(node.get("online", True)) and not stopped
    if is_self:
        online = not stopped
    p = {
        "ID": stable_id(name),
        "NodeID": node_id(name),
        "PublicKey": "nodekey:" + stable("nodekey:" + name, 64),
        "HostName": node.get("display_hostname", name),
        "DNSName": "%s.%s." % (node.get("dns_label", name.lower()), suffix),
        "OS": node.get("os", "linux"),
        "UserID": TAGGED_USER_ID if tags else LAB_USER_ID,
        "TailscaleIPs": [ipv4, ipv6],
        "AllowedIPs": [ipv4 + "/32", ipv6 + "/128"],
    }
    if tags:
        p["Tags"] = sorted(tags)
    p.update({
        "Addrs": (["%s:41641" % ipv4] if is_self else None),
        "CurAddr": "" if (is_self or stopped or not online) else "%s:41641" % ipv4,
        "Relay": "" if (not online and not is_self) else "lab",
        "PeerRelay": "",
        "RxBytes": 0,
        "TxBytes": 0,
        "Created": rfc3339(node.get("created", 1763800000.123456789)),
        "LastWrite": ZERO_TIME,
        "LastSeen": ZERO_TIME if online else rfc3339(node.get("last_seen")),
        "LastHandshake": ZERO_TIME,
        "Online": online,
        "ExitNode": False,
        "ExitNodeOption": False,
        "Active": False,
        "PeerAPIURL": None if (is_self and stopped) else ["http://%s:%d" % (ipv4, 40000 + int(stable(name, 4), 16) % 20000)],
        "TaildropTarget": 0 if is_self else (3 if stopped else (1 if online else 5)),
        "NoFileSharingReason": "",
    })
    if is_self:
        p["Capabilities"] = ["HTTPS://TAILSCALE.COM/s/DEPRECATED-NODE-CAPS#see-https://github.com/tailscale/tailscale/issues/11508",
                             "https", "https://tailscale.com/cap/ssh"]
        p["CapMap"] = {"https": None, "https://tailscale.com/cap/ssh": None}
    keys = node.get("ssh_host_keys") or []
    if keys and not is_self:
        p["sshHostKeys"] = keys
    p.update({"InNetworkMap": True, "InMagicSock": not stopped and not is_self,
              "InEngine": not stopped and not is_self})
    if not tags:
        p["KeyExpiry"] = "2027-05-21T10:00:00Z"
    return p


def build_status(tailnet, mode, peers):
    suffix = tailnet.get("magic_dns_suffix", "lab-tailnet.ts.net")
    stopped = mode == "stopped"
    if mode in ("needslogin", "needsmachineauth"):
        me = tailnet["self"]
        self_status = {
            "ID": "", "NodeID": 0,
            "PublicKey": "nodekey:" + "0" * 64,
            "HostName": me["hostname"], "DNSName": "", "OS": "linux", "UserID": 0,
            "TailscaleIPs": None, "Addrs": [], "CurAddr": "", "Relay": "", "PeerRelay": "",
            "RxBytes": 0, "TxBytes": 0, "Created": ZERO_TIME, "LastWrite": ZERO_TIME,
            "LastSeen": ZERO_TIME, "LastHandshake": ZERO_TIME, "Online": False,
            "ExitNode": False, "ExitNodeOption": False, "Active": False, "PeerAPIURL": None,
            "TaildropTarget": 0, "NoFileSharingReason": "", "InNetworkMap": False,
            "InMagicSock": False, "InEngine": False,
        }
        return {
            "Version": VERSION, "TUN": True,
            "BackendState": "NeedsLogin" if mode == "needslogin" else "NeedsMachineAuth",
            "AuthURL": "https://login.tailscale.com/a/" + stable("auth", 14) if mode == "needslogin" else "",
            "TailscaleIPs": None, "Self": self_status, "Health": [], "MagicDNSSuffix": "",
            "CurrentTailnet": None, "CertDomains": None, "ExtraRecords": None,
            "Peer": None, "User": None, "ClientVersion": None,
        }
    me = tailnet["self"]
    self_status = peer_status(me, suffix, is_self=True, stopped=stopped)
    status = {
        "Version": VERSION,
        "TUN": True,
        "BackendState": "Stopped" if stopped else "Running",
        "HaveNodeKey": True,
        "AuthURL": "",
        "TailscaleIPs": self_status["TailscaleIPs"],
        "Self": self_status,
        "Health": ["Tailscale is stopped."] if stopped else [],
        "MagicDNSSuffix": suffix,
        "CurrentTailnet": {"Name": tailnet.get("tailnet_name", "lab@example.com"),
                           "MagicDNSSuffix": suffix, "MagicDNSEnabled": True},
        "CertDomains": None,
        "ExtraRecords": None,
    }
    if peers:
        peer_map = {}
        for node in tailnet.get("peers", []):
            ps = peer_status(node, suffix, stopped=stopped)
            peer_map[ps["PublicKey"]] = ps
        status["Peer"] = dict(sorted(peer_map.items())) or None
    else:
        status["Peer"] = None
    users = {str(LAB_USER_ID): {"ID": LAB_USER_ID, "LoginName": "lab@example.com",
                                "DisplayName": "Lab Operator"}}
    if peers and any(n.get("tags") for n in tailnet.get("peers", [])):
        users[str(TAGGED_USER_ID)] = {"ID": TAGGED_USER_ID, "LoginName": "tagged-devices",
                                      "DisplayName": "Tagged Devices"}
    status["User"] = dict(sorted(users.items()))
    status["ClientVersion"] = {"RunningLatest": True}
    return status


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tailscaled-lab-emulator"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def send_response(self, code, message=None):
        # Go's net/http sends Date but no Server header.
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def address_string(self):
        return "unix"

    def _state(self, name, default=""):
        try:
            with open(os.path.join(self.server.state_dir, name)) as f:
                return f.read().strip()
        except FileNotFoundError:
            return default

    def _record(self):
        entry = {
            "time": time.time(), "method": self.command, "path": self.path,
            "host": self.headers.get("Host"), "referer": self.headers.get("Referer"),
            "origin": self.headers.get("Origin"), "tailscale-cap": self.headers.get("Tailscale-Cap"),
        }
        with self.server.log_lock, open(os.path.join(self.server.state_dir, "requests.log"), "a") as f:
            f.write(json.dumps(entry) + "\n")

    def _send(self, code, body, content_type="text/plain; charset=utf-8", localapi_headers=True):
        self.send_response(code)
        if localapi_headers:
            self.send_header("Tailscale-Version", VERSION)
            self.send_header("Tailscale-Cap", CAP_VERSION)
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Frame-Options", "DENY")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Type", content_type)
        if self.request_version == "HTTP/1.0":
            # HTTP/1.0 clients get a close-delimited body, as from Go's net/http.
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
        elif len(body) > 2048:
            # Go's net/http streams an unsized body written in pieces as chunked.
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 4096):
                piece = body[i:i + 4096]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def _error(self, code, message, localapi_headers=True):
        self._send(code, (message + "\n").encode(), localapi_headers=localapi_headers)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_any(self):
        self._record()
        url = urlsplit(self.path)
        if not url.path.startswith("/localapi/"):
            if url.path == "/":
                self._send(200, b"<html><body><h1>tailscaled</h1>\n</body></html>\n",
                           "text/html; charset=utf-8", localapi_headers=False)
            else:
                self._error(404, "404 page not found", localapi_headers=False)
            return
        host = self.headers.get("Host", "")
        if self.headers.get("Referer") or self.headers.get("Origin") or host not in ("", "local-tailscaled.sock"):
            self._error(403, "invalid localapi request", localapi_headers=False)
            return
        mode = self._state("mode", "running") or "running"
        if mode == "hang":
            time.sleep(3600)
            self.close_connection = True
            return
        if mode.startswith("slow:"):
            try:
                time.sleep(float(mode[len("slow:"):]))
            except ValueError:
                pass
            mode = "running"
        if mode == "eof":
            self.close_connection = True
            return
        if mode == "unauthorized":
            self._error(401, "auth required")
            return
        if url.path != "/localapi/v0/status":
            self._error(404, "404 page not found")
            return
        if mode == "forbidden":
            self._error(403, "status access denied")
            return
        if mode.startswith("fixture:"):
            with open(mode[len("fixture:"):], "rb") as f:
                self._send(200, f.read(), "application/json")
            return
        try:
            with open(os.path.join(self.server.state_dir, "tailnet.json")) as f:
                tailnet = json.load(f)
        except (OSError, ValueError) as e:
            self._error(500, "internal error: %s" % e)
            return
        peers_values = parse_qs(url.query).get("peers", [""])
        peers = peers_values[-1] not in ("0", "f", "F", "FALSE", "false", "False")
        body = go_json(build_status(tailnet, mode, peers))
        if mode == "garbage":
            body = body[: len(body) // 3]
        self._send(200, body, "application/json")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_any


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--state-dir", required=True)
    args = ap.parse_args()
    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    server = Server(args.socket, Handler)
    server.state_dir = args.state_dir
    server.log_lock = threading.Lock()
    os.chmod(args.socket, 0o666)
    print("tailscaled emulator listening on %s" % args.socket, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
