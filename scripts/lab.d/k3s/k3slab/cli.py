"""The `k3s` command line: --version, server, agent, kubectl, crictl, ctr, etcd-snapshot."""
import glob
import json
import os
import sys
import time

# Each command imports what it needs (so `k3s --version` stays quick); `k3s server` and
# `k3s agent` import every module of the stand-in when they start, so that a running k3s keeps
# the code it started with even when /usr/local/bin/k3s is replaced underneath it.
from . import util
from .version import VERSION

USAGE = """NAME:
   k3s - Kubernetes, but small and simple (cluster-mgr lab stand-in)

USAGE:
   k3s [global options] command [command options] [arguments...]

VERSION:
   %s

COMMANDS:
   server         Run management server
   agent          Run node agent
   kubectl        Run kubectl
   crictl         Run crictl
   ctr            Run ctr
   etcd-snapshot  Manage etcd snapshots

GLOBAL OPTIONS:
   --debug                     (logging) Turn on debug logs [$K3S_DEBUG]
   --help, -h                  show help
   --version, -v               print the version
"""


def short_commit():
    return util.short_commit(VERSION)


def version_text():
    return "k3s version %s (%s)\ngo version go1.22.9\n" % (VERSION, short_commit())


def running(mode=None):
    for d in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            argv = open(d, "rb").read().split(b"\0")
        except OSError:
            continue
        if len(argv) > 2 and argv[1].endswith(b"k3s") and argv[2] in ((mode.encode(),) if mode else (b"server", b"agent")):
            return True
    return False


def crictl(argv):
    from . import nodeinfo
    if not argv or argv[0] in ("-h", "--help"):
        print("crictl (lab stand-in): info, version")
        return 0
    if not running():
        sys.stderr.write('E0000 validate service connection: validate CRI v1 runtime API for endpoint '
                         '"unix:///run/k3s/containerd/containerd.sock": rpc error: code = Unavailable desc = connection '
                         'error: desc = "transport: Error while dialing: dial unix /run/k3s/containerd/containerd.sock: '
                         'connect: no such file or directory"\n')
        return 1
    if argv[0] == "version":
        print("Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  v%s\nRuntimeApiVersion:  v1" %
              nodeinfo.containerd_version())
        return 0
    if argv[0] == "info":
        text = open(nodeinfo.CONTAINERD_DIR + "/config.toml").read()
        rts = nodeinfo.configured_runtimes(text)
        import tomllib
        doc = tomllib.loads(text)
        cri = doc.get("plugins", {}).get("io.containerd.cri.v1.runtime") or \
            doc.get("plugins", {}).get("io.containerd.grpc.v1.cri") or {}
        default = (cri.get("containerd") or {}).get("default_runtime_name", "runc")
        out = {"status": {"conditions": [
            {"type": "RuntimeReady", "status": True, "reason": "", "message": ""},
            {"type": "NetworkReady", "status": True, "reason": "", "message": ""}]},
            "config": {"containerd": {"snapshotter": "overlayfs", "defaultRuntimeName": default, "runtimes": {
                name: {"runtimeType": "io.containerd.runc.v2",
                       "options": dict({"SystemdCgroup": True}, **({"BinaryName": b} if b != "runc" else {}))}
                for name, b in rts.items()}}}}
        print(json.dumps(out, indent=2))
        return 0
    if argv[0] in ("ps", "pods", "images"):
        print({"ps": "CONTAINER           IMAGE               CREATED             STATE               NAME"
                     "                ATTEMPT             POD ID              POD",
               "pods": "POD ID              CREATED             STATE               NAME                NAMESPACE"
                       "           ATTEMPT             RUNTIME",
               "images": "IMAGE                                        TAG                 IMAGE ID            SIZE"}[argv[0]])
        return 0
    sys.stderr.write("crictl %s: not supported by the lab's k3s stand-in (it runs no containers)\n" % argv[0])
    return 1


def etcd_snapshot(argv):
    from . import client, config, kubectl, server
    sub = "save"
    if argv and not argv[0].startswith("-"):
        sub, argv = argv[0], argv[1:]
    opts, names = {}, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("-"):
            names.append(a)
            i += 1
            continue
        name, eq, val = a.lstrip("-").partition("=")
        if not eq and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
            i += 1
            val = argv[i]
        opts[name] = val
        i += 1
    settings = {}
    try:
        settings, _ = config.load("server", [])
    except config.ConfigError:
        pass
    directory = opts.get("etcd-snapshot-dir") or opts.get("dir") or settings.get("etcd-snapshot-dir") or server.SNAPSHOTS
    if sub in ("ls", "list"):
        rows = [["Name", "Location", "Size", "Created"]]
        for f in sorted(glob.glob(os.path.join(directory, "*"))):
            st = os.stat(f)
            rows.append([os.path.basename(f), "file://" + f, str(st.st_size), util.rfc3339(st.st_mtime)])
        sys.stdout.write(kubectl.tabulate(rows))
        return 0
    if sub == "delete":
        for n in names:
            path = os.path.join(directory, os.path.basename(n))
            if not os.path.exists(path):
                util.fatal("snapshot %s not found in %s" % (n, directory))
            os.unlink(path)
            util.info("Snapshot %s deleted." % n)
        return 0
    if sub != "save":
        util.fatal('etcd-snapshot: unknown command "%s"' % sub)
    if not (settings.get("cluster-init") or settings.get("server")) or not os.path.isdir(server.DB_DIR):
        util.fatal("etcd database not found in %s/etcd" % server.DB_DIR)
    try:
        token = open(server.SERVER_DIR + "/token").read().strip()
    except OSError as e:
        util.fatal("failed to read the server token: %s" % e)
    pw = client.parse_token(token)[2]
    port = int(settings.get("https-listen-port") or 6443)
    try:
        code, _, data = client.request("https://127.0.0.1:%d" % port, "POST", "/v1-k3s/lab/etcd-snapshot",
                                       body={"name": opts.get("name") or settings.get("etcd-snapshot-name") or "on-demand",
                                             "dir": directory}, basic=("server", pw), timeout=60)
    except client.ClientError as e:
        util.fatal("etcd-snapshot: the k3s server is not running here (%s)" % e)
    if code != 200:
        util.fatal(data.decode(errors="replace"))
    out = json.loads(data)
    util.info("Snapshot %s saved." % out["name"])
    print(out["path"])
    return 0


def main(argv):
    prog = os.path.basename(argv[0])
    args = argv[1:]
    if prog in ("kubectl",):
        from . import kubectl
        return kubectl.main(args)
    if prog == "crictl":
        return crictl(args)
    if prog == "ctr":
        sys.stderr.write("ctr: not supported by the lab's k3s stand-in (it runs no containers)\n")
        return 1
    while args and args[0] in ("--debug",):
        args = args[1:]
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE % version_text().splitlines()[0].split(" ", 2)[2])
        return 0
    cmd, rest = args[0], args[1:]
    if cmd in ("--version", "-v", "version"):
        sys.stdout.write(version_text())
        return 0
    try:
        if cmd in ("server", "agent"):
            from . import agent, api, certs, client, config, controllers, httpserver, jsonpath  # noqa: F401
            from . import kubectl, nodeinfo, patch, printers, server, store  # noqa: F401
            return server.run(rest) if cmd == "server" else agent.run(rest)
        if cmd == "etcd-snapshot":
            return etcd_snapshot(rest)
    except util.Fatal as e:
        util.log("fatal", str(e))
        return 1
    if cmd == "kubectl":
        from . import kubectl
        return kubectl.main(rest)
    if cmd == "crictl":
        return crictl(rest)
    if cmd == "ctr":
        sys.stderr.write("ctr: not supported by the lab's k3s stand-in (it runs no containers)\n")
        return 1
    sys.stderr.write('Incorrect Usage: command "%s" not found (lab stand-in: server, agent, kubectl, crictl, '
                     'etcd-snapshot)\n' % cmd)
    return 1
