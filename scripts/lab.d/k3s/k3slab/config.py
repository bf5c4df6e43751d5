"""k3s's configuration: /etc/rancher/k3s/config.yaml, its .d drop-ins, flags and K3S_* variables.

Merged as K3s v1.36 does it (k3s-io/k3s pkg/configfilearg/parser.go, readConfigFile and
dotDFiles): config.yaml first, then every file of config.yaml.d whose name ends in .yaml or .yml
(any case) in name order; a later file's value replaces an earlier one, also for lists (an empty
list removes them), unless the key ends in `+`, which appends to the value so far. Keys that are
not flags of the command are skipped with K3s's warning ("Unknown flag --x found in config.yaml,
skipping", stripInvalidFlags). Command-line flags come after the files: they append to lists and
replace single values. Keys are flag names; repeatable flags take YAML lists.
"""
import os

import yaml

from . import util

BOOL, STR, LIST, INT = "bool", "string", "list", "int"

COMMON = {
    "config": STR, "debug": BOOL, "v": INT, "vmodule": STR, "log": STR, "alsologtostderr": BOOL,
    "data-dir": STR, "token": STR, "token-file": STR, "server": STR, "node-name": STR,
    "with-node-id": BOOL, "node-label": LIST, "node-taint": LIST,
    "image-credential-provider-bin-dir": STR, "image-credential-provider-config": STR,
    "docker": BOOL, "container-runtime-endpoint": STR, "default-runtime": STR,
    "image-service-endpoint": STR, "disable-default-registry-endpoint": BOOL,
    "nonroot-devices": BOOL, "pause-image": STR, "snapshotter": STR, "private-registry": STR,
    "system-default-registry": STR, "node-ip": LIST, "node-external-ip": LIST,
    "node-internal-dns": LIST, "node-external-dns": LIST, "resolv-conf": STR,
    "flannel-iface": STR, "flannel-conf": STR, "flannel-cni-conf": STR, "kubelet-arg": LIST,
    "kube-proxy-arg": LIST, "protect-kernel-defaults": BOOL, "secrets-encryption": BOOL,
    "enable-pprof": BOOL, "selinux": BOOL, "lb-server-port": INT, "vpn-auth": STR,
    "vpn-auth-file": STR, "rootless": BOOL, "prefer-bundled-bin": BOOL,
    "airgap-extra-registry": LIST,
}
AGENT_ONLY = {"disable-apiserver-lb": BOOL}
SERVER_ONLY = {
    "bind-address": STR, "https-listen-port": INT, "supervisor-port": INT, "apiserver-port": INT,
    "apiserver-bind-address": STR, "advertise-address": STR, "advertise-port": INT,
    "tls-san": LIST, "tls-san-security": BOOL, "cluster-cidr": LIST, "service-cidr": LIST,
    "service-node-port-range": STR, "cluster-dns": LIST, "cluster-domain": STR,
    "flannel-backend": STR, "flannel-ipv6-masq": BOOL, "flannel-external-ip": BOOL,
    "egress-selector-mode": STR, "servicelb-namespace": STR, "write-kubeconfig": STR,
    "write-kubeconfig-mode": STR, "write-kubeconfig-group": STR, "helm-job-image": STR,
    "agent-token": STR, "agent-token-file": STR, "cluster-init": BOOL, "cluster-reset": BOOL,
    "cluster-reset-restore-path": STR, "kube-apiserver-arg": LIST, "etcd-arg": LIST,
    "kube-controller-manager-arg": LIST, "kube-scheduler-arg": LIST,
    "kube-cloud-controller-manager-arg": LIST, "datastore-endpoint": STR, "datastore-cafile": STR,
    "datastore-certfile": STR, "datastore-keyfile": STR, "etcd-expose-metrics": BOOL,
    "etcd-disable-snapshots": BOOL, "etcd-snapshot-name": STR, "etcd-snapshot-schedule-cron": STR,
    "etcd-snapshot-retention": INT, "etcd-snapshot-dir": STR, "etcd-snapshot-compress": BOOL,
    "etcd-s3": BOOL, "etcd-s3-endpoint": STR, "etcd-s3-endpoint-ca": STR,
    "etcd-s3-skip-ssl-verify": BOOL, "etcd-s3-access-key": STR, "etcd-s3-secret-key": STR,
    "etcd-s3-bucket": STR, "etcd-s3-region": STR, "etcd-s3-folder": STR, "etcd-s3-proxy": STR,
    "etcd-s3-config-secret": STR, "etcd-s3-insecure": BOOL, "etcd-s3-timeout": STR,
    "default-local-storage-path": STR, "disable": LIST, "disable-scheduler": BOOL,
    "disable-cloud-controller": BOOL, "disable-kube-proxy": BOOL, "disable-network-policy": BOOL,
    "disable-helm-controller": BOOL, "embedded-registry": BOOL, "supervisor-metrics": BOOL,
    "secrets-encryption-provider": STR, "disable-etcd": BOOL, "disable-apiserver": BOOL,
    "disable-controller-manager": BOOL, "kine-tls": BOOL,
}
SHORT = {"t": "token", "s": "server", "i": "node-ip", "d": "data-dir", "o": "write-kubeconfig",
         "c": "config"}
ENV = {"K3S_TOKEN": "token", "K3S_TOKEN_FILE": "token-file", "K3S_URL": "server",
       "K3S_NODE_NAME": "node-name", "K3S_KUBECONFIG_MODE": "write-kubeconfig-mode",
       "K3S_KUBECONFIG_OUTPUT": "write-kubeconfig", "K3S_AGENT_TOKEN": "agent-token",
       "K3S_AGENT_TOKEN_FILE": "agent-token-file", "K3S_CLUSTER_INIT": "cluster-init",
       "K3S_CLUSTER_RESET": "cluster-reset", "K3S_DATA_DIR": "data-dir",
       "K3S_SELINUX": "selinux", "K3S_RESOLV_CONF": "resolv-conf"}
# Comma-separated values are split for these (k3s's util.SplitStringSlice).
SPLIT = {"tls-san", "disable", "cluster-cidr", "service-cidr", "cluster-dns", "node-ip",
         "node-external-ip", "node-internal-dns", "node-external-dns"}

# Values every server of a cluster must share ("critical configuration value mismatch").
CRITICAL = {
    "cluster-cidr": ["10.42.0.0/16"], "service-cidr": ["10.43.0.0/16"],
    "cluster-dns": ["10.43.0.10"], "cluster-domain": "cluster.local", "flannel-backend": "vxlan",
    "flannel-external-ip": False, "flannel-ipv6-masq": False, "disable-network-policy": False,
    "disable-helm-controller": False, "disable-cloud-controller": False,
    "egress-selector-mode": "agent", "secrets-encryption": False,
}


class ConfigError(Exception):
    pass


def flags_for(mode):
    table = dict(COMMON)
    table.update(SERVER_ONLY if mode == "server" else AGENT_ONLY)
    return table


def _coerce(key, kind, value, source):
    if kind == BOOL:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes"):
            return True
        if str(value).lower() in ("false", "0", "no"):
            return False
        raise ConfigError('invalid boolean value "%s" for %s in %s' % (value, key, source))
    if kind == INT:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError('invalid value "%s" for flag --%s: parse error (in %s)' % (value, key, source))
    if kind == LIST:
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if isinstance(item, (dict, list)):
                raise ConfigError("invalid value for --%s in %s: %r" % (key, source, item))
            item = "true" if item is True else "false" if item is False else str(item)
            out.extend(p.strip() for p in item.split(",")) if key in SPLIT else out.append(item)
        return [x for x in out if x != ""]
    if isinstance(value, (dict, list)):
        raise ConfigError("invalid value for --%s in %s: expected a single value, got %r" % (key, source, value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def config_files(path):
    """config.yaml, then its drop-ins as K3s's dotDFiles lists them: every entry of
    config.yaml.d that is not a directory and ends in .yaml or .yml (any case), in name order."""
    files = [path] if os.path.exists(path) else []
    try:
        names = sorted(os.listdir(path + ".d"))
    except FileNotFoundError:
        names = []
    for name in names:
        full = os.path.join(path + ".d", name)
        if not os.path.isdir(full) and name.lower().endswith((".yaml", ".yml")):
            files.append(full)
    return files


def merge_files(files, table):
    """The settings of `files` merged as K3s merges them (later files win, `key+` appends);
    unknown keys are warned about and skipped. Raises ConfigError on unreadable files."""
    settings = {}
    for f in files:
        for key, value in _read(f).items():
            append = key.endswith("+")
            name = key[:-1] if append else key
            if name not in table:
                util.warn("Unknown flag --%s found in config.yaml, skipping" % name)
                continue
            kind = table[name]
            val = _coerce(name, kind, value, f)
            if append and kind == LIST and name in settings:
                settings[name] = settings[name] + val
            else:
                settings[name] = val
    return settings


def _read(f):
    try:
        with open(f) as fh:
            doc = yaml.safe_load(fh)
    except yaml.YAMLError as e:
        raise ConfigError("failed to parse %s: %s" % (f, str(e).replace("\n", " ")))
    except OSError as e:
        raise ConfigError("failed to read %s: %s" % (f, e))
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError("%s: the config file must be a YAML mapping of flag names" % f)
    return {str(k): v for k, v in doc.items()}


def load(mode, argv):
    """Returns (settings dict, raw args for the node-args annotation). Raises ConfigError."""
    table = flags_for(mode)
    cli, extra = parse_args(argv, table, mode)
    path = cli.get("config") or os.environ.get("K3S_CONFIG_FILE") or util.CONFIG_DIR + "/config.yaml"
    settings = merge_files(config_files(path), table)
    for name, val in cli.items():
        kind = table[name]
        if kind == LIST:
            settings[name] = settings.get(name, []) + val
        else:
            settings[name] = val
    for var, name in ENV.items():
        if name in table and name not in settings and os.environ.get(var):
            settings[name] = _coerce(name, table[name], os.environ[var], "$" + var)
    for name in ("token-file", "agent-token-file"):
        if settings.get(name) and not settings.get(name.replace("-file", "")):
            try:
                settings[name.replace("-file", "")] = open(settings[name]).read().strip()
            except OSError as e:
                raise ConfigError("failed to read %s: %s" % (settings[name], e))
    return settings, extra


def parse_args(argv, table, mode):
    out = {}
    extra = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            raise ConfigError("k3s %s takes no arguments, got %r" % (mode, arg))
        name, eq, val = arg.lstrip("-").partition("=")
        name = SHORT.get(name, name)
        if name not in table:
            raise ConfigError("flag provided but not defined: -%s" % name)
        kind = table[name]
        if not eq:
            if kind == BOOL:
                val = "true"
            else:
                i += 1
                if i >= len(argv):
                    raise ConfigError("flag needs an argument: -%s" % name)
                val = argv[i]
        v = _coerce(name, kind, val, "the command line")
        if kind == LIST:
            out[name] = out.get(name, []) + v
        else:
            out[name] = v
        extra.append(arg if eq or kind == BOOL else "--%s=%s" % (name, val))
        i += 1
    return out, extra


def node_args(mode, settings):
    """The k3s.io/node-args annotation: the effective flags, secrets redacted."""
    out = [mode]
    for key, val in settings.items():
        vals = val if isinstance(val, list) else [val]
        for v in vals:
            if key in ("token", "agent-token", "etcd-s3-secret-key", "vpn-auth"):
                v = "********"
            out += ["--" + key, "true" if v is True else "false" if v is False else str(v)]
    return out


def critical(settings):
    out = {}
    for key, default in CRITICAL.items():
        out[key] = settings.get(key, default)
    out["disable-servicelb"] = "servicelb" in settings.get("disable", [])
    out["agent-token-set"] = bool(settings.get("agent-token"))
    return out
