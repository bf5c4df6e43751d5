"""Small helpers shared by every part of the k3s stand-in (LAB STAND-IN, never shipped)."""
import base64
import datetime
import hashlib
import json
import os
import re
import socket
import sys
import time
import uuid

DATA_DIR = "/var/lib/rancher/k3s"
CONFIG_DIR = "/etc/rancher/k3s"
LAB_SETTINGS = "/etc/cluster-mgr-lab/k3s.env"


def now():
    return time.time()


def rfc3339(ts=None):
    ts = now() if ts is None else ts
    return datetime.datetime.fromtimestamp(int(ts), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    if not text:
        return 0.0
    try:
        return datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return 0.0


def new_uid():
    return str(uuid.uuid4())


def sha256_hex(data):
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def unb64(text):
    return base64.b64decode(text or "")


def dumps(obj, indent=None):
    return json.dumps(obj, indent=indent, sort_keys=False, ensure_ascii=False)


def deepcopy(obj):
    return json.loads(json.dumps(obj))


# ---------------------------------------------------------------- logging like k3s (logrus)

_LEVELS = {"debug": "DEBU", "info": "INFO", "warning": "WARN", "error": "ERRO", "fatal": "FATA"}
_START = time.time()


def log(level, msg):
    """Logs like k3s does under systemd: logrus text format on stderr (the journal)."""
    if sys.stderr.isatty():
        line = "%s[%04d] %s" % (_LEVELS[level], int(time.time() - _START), msg)
    else:
        line = 'time="%s" level=%s msg=%s' % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), level,
            json.dumps(msg))
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def info(msg):
    log("info", msg)


def warn(msg):
    log("warning", msg)


def error(msg):
    log("error", msg)


class Fatal(Exception):
    """A startup error: logged at level=fatal, exit status 1 (as k3s does)."""


def fatal(msg):
    raise Fatal(msg)


# ---------------------------------------------------------------- systemd

def sd_notify(state):
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.connect(addr)
            s.sendall(state.encode())
        return True
    except OSError as e:
        warn("sd_notify failed: %s" % e)
        return False


# ---------------------------------------------------------------- lab-only knobs

def lab_setting(name, default=None):
    """A lab-only knob: the environment (LAB_K3S_*) wins over /etc/cluster-mgr-lab/k3s.env."""
    if name in os.environ:
        return os.environ[name]
    try:
        with open(LAB_SETTINGS) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                k, v = line.split("=", 1)
                if k.strip() == name:
                    return v.strip().strip('"')
    except OSError:
        pass
    return default


def lab_float(name, default):
    try:
        return float(lab_setting(name, default))
    except (TypeError, ValueError):
        return float(default)


# ---------------------------------------------------------------- quantities

_BIN = {"Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4, "Pi": 1024 ** 5, "Ei": 1024 ** 6}
_DEC = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
        "E": 1e18}
_QTY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


def parse_quantity(text):
    """A Kubernetes quantity ("500m", "1Gi", "2") as a float; ValueError when malformed."""
    m = _QTY.match(str(text).strip())
    if not m:
        raise ValueError("quantities must match the regular expression "
                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    num, suffix = float(m.group(1)), m.group(2) or ""
    return num * (_BIN[suffix] if suffix in _BIN else _DEC[suffix])


def format_cpu(millis):
    millis = int(round(millis))
    if millis % 1000 == 0:
        return str(millis // 1000)
    return "%dm" % millis


def format_bytes_ki(nbytes):
    nbytes = int(nbytes)
    if nbytes % 1024 == 0:
        return "%dKi" % (nbytes // 1024)
    return str(nbytes)


def format_count(n):
    return str(int(n))


# ---------------------------------------------------------------- kubectl-style durations

def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60 * 2:
        return "%ds" % s
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return "%dm" % minutes if rest == 0 else "%dm%ds" % (minutes, rest)
    if minutes < 60 * 3:
        return "%dm" % minutes
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return "%dh" % hours if rest == 0 else "%dh%dm" % (hours, rest)
    if hours < 48:
        return "%dh" % hours
    if hours < 24 * 8:
        rest = hours % 24
        return "%dd" % (hours // 24) if rest == 0 else "%dd%dh" % (hours // 24, rest)
    if hours < 24 * 365 * 2:
        return "%dd" % (hours // 24)
    if hours < 24 * 365 * 8:
        days = hours // 24
        rest = days % 365
        return "%dy" % (days // 365) if rest == 0 else "%dy%dd" % (days // 365, rest)
    return "%dy" % (hours // 24 // 365)


def age(ts_text):
    if not ts_text:
        return "<unknown>"
    return human_duration(now() - parse_rfc3339(ts_text))


def short_commit(version):
    """The commit k3s prints after its version (derived from the version, stable per version)."""
    return sha256_hex("k3s " + version)[:8]
