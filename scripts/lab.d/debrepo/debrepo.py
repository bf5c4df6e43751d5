#!/usr/bin/python3
"""LAB STAND-IN, never shipped: a Debian 12 mirror for the lab workstation, holding only what it needs.

  debrepo.py build OUT --image-status FILE --packages a,b,c [--suite bookworm]

Real Debian packages, fetched on this machine with `apt-get download`, laid out as a Debian
mirror (OUT/debian/dists/<suite>/{Release,InRelease,Release.gpg}, main/binary-amd64/Packages[.gz],
OUT/debian/pool/main/...), signed with a lab key (OUT/keyring.gpg for `signed-by`, OUT/key.asc,
OUT/fingerprint). What goes in, for the packages named (the dependencies of cluster-mgr's .deb):

* each named package that the image has, at the image's version (so it can be reinstalled);
* for each named package the image lacks, what `apt-get install` would add to the image: its
  dependency closure minus what the image has installed, at the versions apt picks from this
  machine's package lists (computed with apt itself against the image's dpkg status file).

OUT/manifest.json lists every package with its version and why it is there. `aptrepo.py serve
--dir OUT` serves it (scripts/lab does, on the lab bridge).
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "aptrepo"))
from aptrepo import run, sign_release  # noqa: E402

KEY_UID = "cluster-mgr lab Debian repository stand-in <lab-debian-repo@example.invalid>"
ARCH = "amd64"
INST = re.compile(r"^Inst (\S+) (?:\[[^]]*\] )?\((\S+) ")


def installed_versions(status_file):
    """{package: version} of the packages dpkg's status file says are installed."""
    versions = {}
    for block in Path(status_file).read_text().split("\n\n"):
        fields = dict(re.findall(r"^(Package|Version|Status): (.*)$", block, re.M))
        name, version = fields.get("Package"), fields.get("Version")
        if name and version and fields.get("Status", "").endswith(" installed"):
            versions[name] = version
    return versions


def missing_closure(packages, status_file):
    """{package: version} that `apt-get install PACKAGES` would add to (or upgrade on) a system
    with this dpkg status, using this machine's package lists."""
    if not packages:
        return {}
    out = run(["apt-get", "-s", "-q", "--no-install-recommends", "-o", "Dir::State::status=" + str(status_file),
               "-o", "Debug::NoLocking=1", "install"] + packages)
    return {m.group(1): m.group(2) for m in map(INST.match, out.splitlines()) if m}


def wanted(packages, status_file):
    """[(package, version, reason)] for the repository."""
    have = installed_versions(status_file)
    out = [(p, have[p], "in the image") for p in packages if p in have]
    lacking = [p for p in packages if p not in have]
    for name, version in sorted(missing_closure(lacking, status_file).items()):
        out.append((name, version, "apt-get install %s adds it" % " ".join(lacking)))
    return out


def download(entries, pool):
    pool.mkdir(parents=True, exist_ok=True)
    specs = ["%s=%s" % (name, version) for name, version, _ in entries]
    res = subprocess.run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root"] + specs, cwd=pool,
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit("debrepo: apt-get download %s failed: %s\n(this machine's package lists must hold "
                         "those versions: apt-get update)" % (" ".join(specs), res.stderr.strip()))
    return sorted(pool_name(deb) for deb in pool.glob("*.deb"))


def pool_name(deb):
    """Renames a downloaded .deb as Debian's pool names it: no epoch (apt-get download writes it
    URL-encoded, `1%3a1.2.13`, which is no file name to put in a Packages index)."""
    fields = dict(line.split(": ", 1) for line in run(
        ["dpkg-deb", "-f", str(deb), "Package", "Version", "Architecture"]).splitlines())
    target = deb.with_name("%s_%s_%s.deb" % (fields["Package"], fields["Version"].split(":", 1)[-1],
                                             fields["Architecture"]))
    deb.rename(target)
    return target


def packages_index(debs, root):
    stanzas = []
    for deb in debs:
        control = run(["dpkg-deb", "-f", str(deb)]).rstrip("\n")
        data = deb.read_bytes()
        stanzas.append("\n".join([control, "Filename: %s" % deb.relative_to(root), "Size: %d" % len(data),
                                  "MD5sum: %s" % hashlib.md5(data).hexdigest(),
                                  "SHA256: %s" % hashlib.sha256(data).hexdigest()]))
    return "\n\n".join(stanzas) + "\n"


def write_release(dist, suite, files):
    lines = ["Origin: Debian (cluster-mgr lab stand-in)", "Label: Debian (cluster-mgr lab stand-in)",
             "Suite: stable", "Codename: %s" % suite, "Architectures: %s" % ARCH, "Components: main",
             "Date: %s" % time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(time.time() - 86400))]
    for title, algo in (("MD5Sum", hashlib.md5), ("SHA256", hashlib.sha256)):
        lines.append("%s:" % title)
        for name in files:
            data = (dist / name).read_bytes()
            lines.append(" %s %d %s" % (algo(data).hexdigest(), len(data), name))
    (dist / "Release").write_text("\n".join(lines) + "\n")
    return dist / "Release"


def build(out, status_file, packages, suite):
    root = Path(out) / "debian"
    entries = wanted(packages, status_file)
    debs = download(entries, root / "pool" / "main")
    dist = root / "dists" / suite
    binary = dist / "main" / ("binary-%s" % ARCH)
    binary.mkdir(parents=True, exist_ok=True)
    index = packages_index(debs, root)
    (binary / "Packages").write_text(index)
    with gzip.GzipFile(binary / "Packages.gz", "wb", mtime=0) as f:
        f.write(index.encode())
    release = write_release(dist, suite, ["main/binary-%s/Packages" % ARCH, "main/binary-%s/Packages.gz" % ARCH])
    fpr, armored, keyring = sign_release(release, KEY_UID)
    (Path(out) / "key.asc").write_text(armored)
    (Path(out) / "keyring.gpg").write_bytes(keyring)
    (Path(out) / "fingerprint").write_text(fpr + "\n")
    (Path(out) / "manifest.json").write_text(json.dumps(
        [{"package": n, "version": v, "why": why} for n, v, why in entries], indent=2) + "\n")
    return fpr


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("out")
    b.add_argument("--image-status", required=True)
    b.add_argument("--packages", required=True)
    b.add_argument("--suite", default="bookworm")
    args = ap.parse_args()
    print(build(args.out, args.image_status, [p for p in args.packages.split(",") if p], args.suite))


if __name__ == "__main__":
    sys.exit(main())
