"""Certificates with openssl, laid out like k3s's /var/lib/rancher/k3s/server/tls."""
import os
import subprocess
import tempfile
import time

from . import util


def _openssl(args, cwd=None):
    res = subprocess.run(["openssl"] + args, capture_output=True, text=True, cwd=cwd)
    if res.returncode != 0:
        util.fatal("openssl %s failed: %s" % (args[0], res.stderr.strip()))
    return res.stdout


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(data)


def ensure_ca(tls, name):
    """A self-signed EC P-256 CA like k3s's (`k3s-<name>@<unix time>`); kept once made."""
    crt, key = os.path.join(tls, name + ".crt"), os.path.join(tls, name + ".key")
    if os.path.exists(crt) and os.path.exists(key):
        return crt, key
    os.makedirs(tls, exist_ok=True)
    _openssl(["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-keyout", key, "-out", crt, "-days", "3650",
              "-subj", "/CN=k3s-%s@%d" % (name, int(time.time())),
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign"])
    os.chmod(key, 0o600)
    return crt, key


def install_ca(tls, name, crt_pem, key_pem):
    os.makedirs(tls, exist_ok=True)
    with open(os.path.join(tls, name + ".crt"), "w") as f:
        f.write(crt_pem)
    _write_private(os.path.join(tls, name + ".key"), key_pem)


def issue(tls, name, ca, cn, org=None, sans=(), usage="serverAuth", days=365):
    """Issues `<name>.crt`/`.key` signed by `ca` (a (crt, key) pair); returns the paths."""
    crt, key = os.path.join(tls, name + ".crt"), os.path.join(tls, name + ".key")
    subj = "/CN=%s" % cn + ("/O=%s" % org if org else "")
    with tempfile.TemporaryDirectory() as tmp:
        ext = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
               "extendedKeyUsage=%s" % usage]
        if sans:
            parts = []
            for san in sans:
                parts.append(("IP:%s" if _is_ip(san) else "DNS:%s") % san)
            ext.append("subjectAltName=" + ",".join(parts))
        with open(os.path.join(tmp, "ext.cnf"), "w") as f:
            f.write("\n".join(ext) + "\n")
        _openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", os.path.join(tmp, "k"), "-out", os.path.join(tmp, "csr"), "-subj", subj])
        _openssl(["x509", "-req", "-in", os.path.join(tmp, "csr"), "-CA", ca[0], "-CAkey", ca[1],
                  "-CAcreateserial", "-CAserial", os.path.join(tmp, "serial"), "-out", os.path.join(tmp, "c"),
                  "-days", str(days), "-extfile", os.path.join(tmp, "ext.cnf")])
        with open(os.path.join(tmp, "k")) as f:
            _write_private(key, f.read())
        with open(os.path.join(tmp, "c")) as f, open(crt, "w") as out:
            out.write(f.read())
    return crt, key


def still_good(tls, name, ca, sans=None):
    """Whether `<name>.crt` exists, is signed by the CA, is valid for 90 more days and (for a
    serving certificate) carries exactly `sans`: k3s keeps such certificates across restarts."""
    crt, key = os.path.join(tls, name + ".crt"), os.path.join(tls, name + ".key")
    if not (os.path.exists(crt) and os.path.exists(key)):
        return False
    if subprocess.run(["openssl", "verify", "-CAfile", ca[0], crt], capture_output=True).returncode != 0:
        return False
    if subprocess.run(["openssl", "x509", "-in", crt, "-noout", "-checkend", str(90 * 86400)],
                      capture_output=True).returncode != 0:
        return False
    if sans is not None and sorted(_norm(s) for s in sans_of(crt)) != sorted(_norm(s) for s in sans):
        return False
    return True


def _norm(san):
    import ipaddress
    try:
        return str(ipaddress.ip_address(san))
    except ValueError:
        return san


def sans_of(crt):
    text = _openssl(["x509", "-in", crt, "-noout", "-ext", "subjectAltName"])
    out = []
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if part.startswith("IP Address:"):
            out.append(part[len("IP Address:"):])
        elif part.startswith("DNS:"):
            out.append(part[4:])
    return out


def _is_ip(text):
    import ipaddress
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
