"""What a k3s agent (every server is one too) learns about its own host at start: addresses,
capacity, reservations from kubelet-arg, GPUs, and the containerd config it renders."""
import ipaddress
import json
import os
import re
import shutil
import subprocess
import time

from . import util
from .version import VERSION

CONTAINERD_DIR = util.DATA_DIR + "/agent/etc/containerd"
# exec.LookPath for these, with /usr/local/nvidia/toolkit appended (pkg/agent/containerd/runtimes.go).
RUNTIME_BINARIES = [
    ("crun", "crun"), ("nvidia", "nvidia-container-runtime"),
    ("nvidia-experimental", "nvidia-container-runtime-experimental"),
    ("nvidia-cdi", "nvidia-container-runtime.cdi"),
    ("lunatic", "containerd-shim-lunatic-v1"), ("slight", "containerd-shim-slight-v1"),
    ("spin", "containerd-shim-spin-v2"), ("wws", "containerd-shim-wws-v1"),
    ("wasmedge", "containerd-shim-wasmedge-v1"), ("wasmer", "containerd-shim-wasmer-v1"),
    ("wasmtime", "containerd-shim-wasmtime-v1"),
]
ALLOWED_K8S_LABELS = {
    "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type", "beta.kubernetes.io/os",
    "failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
    "kubernetes.io/arch", "kubernetes.io/hostname", "kubernetes.io/os", "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/region", "topology.kubernetes.io/zone",
}
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")


def version_tuple(v=VERSION):
    m = re.match(r"v(\d+)\.(\d+)\.(\d+)", v)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def containerd_version():
    v = version_tuple()
    if v >= (1, 32, 2) or (v[:2] == (1, 31) and v[2] >= 6):
        return "2.0.2-k3s2"
    return "1.7.23-k3s2"


def interfaces():
    """{interface: [addresses]} from `ip -j addr`."""
    try:
        out = subprocess.run(["ip", "-j", "addr", "show"], capture_output=True, text=True, check=True).stdout
        data = json.loads(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return {}
    return {i["ifname"]: [a["local"] for a in i.get("addr_info", [])] for i in data}


def default_route_interface():
    try:
        with open("/proc/net/route") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if len(parts) > 2 and parts[1] == "00000000":
                    return parts[0]
    except OSError:
        pass
    return None


def resolve_addresses(settings, server_mode):
    """node-ip / advertise-address / flannel-iface checks; returns (node_ip, iface)."""
    ifs = interfaces()
    local = {a: name for name, addrs in ifs.items() for a in addrs}
    iface = settings.get("flannel-iface")
    if iface and iface not in ifs:
        util.fatal("flannel exited: failed to find the interface: unable to find interface %s" % iface)
    node_ips = settings.get("node-ip") or []
    for ip in node_ips:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            util.fatal("invalid node-ip %s: not an IP address" % ip)
        if ip not in local:
            util.fatal("unable to find interface for node-ip %s: no local interface has this address "
                       "(addresses here: %s)" % (ip, ", ".join(sorted(a for a in local if a not in ("127.0.0.1", "::1")))))
    if node_ips:
        node_ip = node_ips[0]
    elif iface:
        v4 = [a for a in ifs[iface] if ":" not in a]
        if not v4:
            util.fatal("flannel exited: failed to find IPv4 address for interface %s" % iface)
        node_ip = v4[0]
    else:
        dev = default_route_interface()
        if not dev or not [a for a in ifs.get(dev, []) if ":" not in a]:
            util.fatal('unable to select an IP from default routes: no default routes found in "/proc/net/route" '
                       'or "/proc/net/ipv6_route". Try to set one via --node-ip')
        node_ip = [a for a in ifs[dev] if ":" not in a][0]
        iface = iface or dev
    if iface is None:
        iface = local.get(node_ip)
    if server_mode:
        adv = settings.get("advertise-address")
        if adv and adv not in local:
            util.fatal("advertise-address %s is not assigned to any local interface: the apiserver would "
                       "advertise an address nobody can reach it on" % adv)
    return node_ip, iface


def validate_labels(labels):
    out = {}
    for item in labels:
        key, eq, value = item.partition("=")
        if not eq or not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
            util.fatal("failed to validate kubelet flags: invalid node labels: %s" % item)
        prefix = key.split("/")[0] if "/" in key else ""
        if (prefix.endswith("kubernetes.io") or prefix.endswith("k8s.io")) and key not in ALLOWED_K8S_LABELS \
                and not (prefix.endswith("kubelet.kubernetes.io") or prefix.endswith("node.kubernetes.io")):
            util.fatal("failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified "
                       "with --node-labels: [%s]; --node-labels in the 'kubernetes.io' namespace must begin with "
                       "an allowed prefix (kubelet.kubernetes.io, node.kubernetes.io) or be in the specifically "
                       "allowed set (%s)" % (key, ", ".join(sorted(ALLOWED_K8S_LABELS))))
        out[key] = value
    return out


def parse_taint(text):
    """`key[=value]:Effect` -> taint dict, or None when malformed."""
    spec, colon, effect = text.rpartition(":")
    if not colon or effect not in EFFECTS:
        return None
    key, eq, value = spec.partition("=")
    if not _LABEL_KEY.match(key) or (eq and not _LABEL_VALUE.match(value)):
        return None
    taint = {"key": key, "effect": effect}
    if eq:
        taint["value"] = value
    return taint


def validate_taints(taints):
    out = []
    for item in taints:
        t = parse_taint(item)
        if t is None:
            util.fatal("failed to validate kubelet flags: invalid taint spec: %s" % item)
        out.append(t)
    return out


def kubelet_args(items):
    args = {}
    for item in items:
        s = item[2:] if item.startswith("--") else item
        name, eq, value = s.partition("=")
        if not eq or not re.match(r"^[a-z0-9][a-z0-9-]*$", name):
            util.fatal('failed to parse kubelet flag: bad flag syntax: "%s"' % item)
        args[name] = value
    return args


def _reserved(text, flag):
    out = {}
    for part in filter(None, text.split(",")):
        k, eq, v = part.partition("=")
        if not eq or k not in ("cpu", "memory", "ephemeral-storage", "pid"):
            util.fatal('failed to parse kubelet flag: invalid argument "%s" for "--%s" flag: cannot reserve '
                       '"%s" resource' % (text, flag, k))
        try:
            out[k] = util.parse_quantity(v)
        except ValueError as e:
            util.fatal('failed to parse kubelet flag: invalid argument "%s" for "--%s" flag: %s' % (text, flag, e))
    return out


def _eviction(text):
    out = {}
    for part in filter(None, text.split(",")):
        m = re.match(r"^([a-z.]+)<(.+)$", part)
        if not m:
            util.fatal('failed to parse kubelet flag: invalid argument "%s" for "--eviction-hard"' % text)
        out[m.group(1)] = m.group(2)
    return out


def capacity_and_allocatable(settings):
    args = kubelet_args(settings.get("kubelet-arg") or [])
    cpus = os.cpu_count() or 1
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    st = os.statvfs("/var/lib" if not os.path.exists(util.DATA_DIR) else util.DATA_DIR)
    disk = st.f_blocks * st.f_frsize
    try:
        pods = int(args.get("max-pods", "110"))
    except ValueError:
        util.fatal('failed to parse kubelet flag: invalid argument "%s" for "--max-pods"' % args["max-pods"])
    kube = _reserved(args.get("kube-reserved", ""), "kube-reserved")
    system = _reserved(args.get("system-reserved", ""), "system-reserved")
    # k3s passes --eviction-hard=imagefs.available<5%,nodefs.available<5% unless set in kubelet-arg.
    eviction = _eviction(args.get("eviction-hard", "imagefs.available<5%,nodefs.available<5%"))
    mem_evict = 0
    if "memory.available" in eviction:
        v = eviction["memory.available"]
        mem_evict = mem * float(v[:-1]) / 100 if v.endswith("%") else util.parse_quantity(v)
    disk_evict = 0
    if "nodefs.available" in eviction:
        v = eviction["nodefs.available"]
        disk_evict = disk * float(v[:-1]) / 100 if v.endswith("%") else util.parse_quantity(v)
    cap = {"cpu": str(cpus), "memory": util.format_bytes_ki(mem), "pods": str(pods),
           "ephemeral-storage": util.format_bytes_ki(disk - disk % 1024), "hugepages-1Gi": "0",
           "hugepages-2Mi": "0"}
    cpu_alloc = cpus * 1000 - 1000 * (kube.get("cpu", 0) + system.get("cpu", 0))
    mem_alloc = mem - kube.get("memory", 0) - system.get("memory", 0) - mem_evict
    disk_alloc = disk - kube.get("ephemeral-storage", 0) - system.get("ephemeral-storage", 0) - disk_evict
    if cpu_alloc < 0 or mem_alloc < 0:
        util.warn("kube-reserved + system-reserved exceed the node's capacity; allocatable is 0")
    alloc = {"cpu": util.format_cpu(max(cpu_alloc, 0)),
             "memory": util.format_bytes_ki(max(int(mem_alloc) - int(mem_alloc) % 1024, 0)),
             "pods": str(pods),
             "ephemeral-storage": str(max(int(disk_alloc), 0)), "hugepages-1Gi": "0", "hugepages-2Mi": "0"}
    return cap, alloc, {"kube-reserved": args.get("kube-reserved", ""),
                        "system-reserved": args.get("system-reserved", "")}


def gpu_count():
    """GPUs as `nvidia-smi -L` lists them (0 when there is no working nvidia-smi)."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return 0
    try:
        res = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    if res.returncode != 0:
        return 0
    return sum(1 for line in res.stdout.splitlines() if line.startswith("GPU "))


def find_runtimes():
    path = os.environ.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    path += ":/usr/local/nvidia/toolkit"
    found = {}
    for name, binary in RUNTIME_BINARIES:
        exe = shutil.which(binary, path=path)
        if exe:
            found[name] = exe
    return found


def render_containerd_config(settings):
    """Writes config.toml like k3s does at every start (containerd 1.7: version 2 schema; 2.0: v3),
    with a runtime section for each runtime binary found. A config(-v3).toml.tmpl next to it is
    used instead, with {{ template "base" . }} expanding to the generated config."""
    os.makedirs(CONTAINERD_DIR, exist_ok=True)
    runtimes = find_runtimes()
    v2 = containerd_version().startswith("2.")
    cri = "plugins.'io.containerd.cri.v1.runtime'" if v2 else 'plugins."io.containerd.grpc.v1.cri"'
    lines = ["# File generated by k3s. DO NOT EDIT. Use config%s.toml.tmpl instead." % ("-v3" if v2 else ""),
             "version = %d" % (3 if v2 else 2), ""]
    if v2:
        lines += ["[plugins.'io.containerd.internal.v1.opt']",
                  '  path = "/var/lib/rancher/k3s/agent/containerd"', "",
                  "[plugins.'io.containerd.grpc.v1.cri']",
                  '  stream_server_address = "127.0.0.1"', '  stream_server_port = "10010"', "",
                  "[%s]" % cri, "  enable_selinux = false", "  enable_unprivileged_ports = true",
                  "  enable_unprivileged_icmp = true", "  device_ownership_from_security_context = false", "",
                  "[%s.cni]" % cri, '  bin_dir = "/var/lib/rancher/k3s/data/cni"',
                  '  conf_dir = "/var/lib/rancher/k3s/agent/etc/cni/net.d"', "",
                  "[%s.containerd]" % cri, '  snapshotter = "overlayfs"']
    else:
        lines += ['[plugins."io.containerd.internal.v1.opt"]', '  path = "/var/lib/rancher/k3s/agent/containerd"',
                  "", "[%s]" % cri, '  stream_server_address = "127.0.0.1"', '  stream_server_port = "10010"',
                  "  enable_selinux = false", "  enable_unprivileged_ports = true",
                  "  enable_unprivileged_icmp = true", "  device_ownership_from_security_context = false",
                  '  sandbox_image = "rancher/mirrored-pause:3.6"', "", "[%s.containerd]" % cri,
                  '  snapshotter = "overlayfs"', "  disable_snapshot_annotations = true"]
    default = settings.get("default-runtime")
    if default:
        lines.append('  default_runtime_name = "%s"' % default)
    if not v2:
        lines += ["", "[%s.cni]" % cri, '  bin_dir = "/var/lib/rancher/k3s/data/cni"',
                  '  conf_dir = "/var/lib/rancher/k3s/agent/etc/cni/net.d"']
    q = (lambda n: "'%s'" % n) if v2 else (lambda n: '"%s"' % n)
    for name, exe in [("runc", None)] + sorted(runtimes.items()):
        lines += ["", "[%s.containerd.runtimes.%s]" % (cri, q(name)), '  runtime_type = "io.containerd.runc.v2"',
                  "", "[%s.containerd.runtimes.%s.options]" % (cri, q(name))]
        if exe:
            lines.append('  BinaryName = "%s"' % exe)
        lines.append("  SystemdCgroup = true")
    lines += ["", "[%s.registry]" % ("plugins.'io.containerd.cri.v1.images'" if v2 else cri),
              '  config_path = "/var/lib/rancher/k3s/agent/etc/containerd/certs.d"', ""]
    base = "\n".join(lines)
    tmpl = os.path.join(CONTAINERD_DIR, "config-v3.toml.tmpl" if v2 else "config.toml.tmpl")
    text = base
    if os.path.exists(tmpl):
        util.info("Using containerd template at %s" % tmpl)
        with open(tmpl) as f:
            text = re.sub(r"\{\{-?\s*template\s+\"base\"\s+\.\s*-?\}\}", lambda m: base, f.read())
    with open(os.path.join(CONTAINERD_DIR, "config.toml"), "w") as f:
        f.write(text)
    return configured_runtimes(text), default


def configured_runtimes(text):
    """Runtime name -> BinaryName, as containerd would load them from config.toml."""
    import tomllib
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        util.fatal("containerd: failed to load TOML %s/config.toml: %s" % (CONTAINERD_DIR, e))
    plugins = doc.get("plugins", {})
    cri = plugins.get("io.containerd.cri.v1.runtime") or plugins.get("io.containerd.grpc.v1.cri") or {}
    out = {}
    for name, rt in ((cri.get("containerd") or {}).get("runtimes") or {}).items():
        out[name] = (rt.get("options") or {}).get("BinaryName", "runc")
    return out


def os_image():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "Linux"


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


# K3s's node directory (its password and node id); testapi.py points it into its own directory.
NODE_DIR = "/etc/rancher/node"


def node_password():
    """/etc/rancher/node/password: the node's identity towards the server (made once)."""
    path = os.path.join(NODE_DIR, "password")
    pw = read(path)
    if not pw:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pw = os.urandom(16).hex()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(pw + "\n")
    return pw


def report(mode, settings, argv_extra, node_ip, iface, runtimes, default_runtime, etcd):
    """Everything the server needs to register and describe this node."""
    from . import config
    name = settings.get("node-name") or os.uname().nodename
    if settings.get("with-node-id"):
        node_id = read(os.path.join(NODE_DIR, "node-id"))
        if not node_id:
            node_id = os.urandom(4).hex()
            os.makedirs(NODE_DIR, exist_ok=True)
            with open(os.path.join(NODE_DIR, "node-id"), "w") as f:
                f.write(node_id + "\n")
        name += "-" + node_id
    cap, alloc, reserved = capacity_and_allocatable(settings)
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    return {
        "name": name, "mode": mode, "node_ip": node_ip, "iface": iface, "etcd": etcd,
        "external_ips": settings.get("node-external-ip") or [],
        "labels": validate_labels(settings.get("node-label") or []),
        "taints": validate_taints(settings.get("node-taint") or []),
        "capacity": cap, "allocatable": alloc, "reserved": reserved,
        "gpus": gpu_count(), "runtimes": runtimes, "default_runtime": default_runtime or "",
        "version": VERSION, "containerd": containerd_version(), "arch": arch,
        "kernel": os.uname().release, "os_image": os_image(),
        "machine_id": read("/etc/machine-id"), "boot_id": read("/proc/sys/kernel/random/boot_id"),
        "node_args": config.node_args(mode, settings),
        "config_hash": util.sha256_hex(json.dumps(settings, sort_keys=True))[:52].upper(),
        "password": node_password(), "started": time.time(),
    }
