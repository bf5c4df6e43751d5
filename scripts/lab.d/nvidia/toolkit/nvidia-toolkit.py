#!/usr/bin/python3
"""LAB STAND-IN, never shipped: the NVIDIA Container Toolkit's commands, packaged into the lab's
stand-in .debs (nvidia-container-toolkit-base: nvidia-ctk, nvidia-container-runtime,
nvidia-cdi-hook; nvidia-container-toolkit: nvidia-container-runtime-hook;
libnvidia-container-tools: nvidia-container-cli). One file, dispatched on its name.

What works: versions; `nvidia-ctk runtime configure --runtime=containerd|docker|crio [--config=PATH]
[--set-as-default]` edits the runtime's config like the real tool (k3s ignores
/etc/containerd/config.toml: it detects /usr/bin/nvidia-container-runtime itself);
`nvidia-ctk system create-dev-char-symlinks`; `nvidia-container-cli info` (from nvidia-smi).
What does not: running containers (the lab runs none).
"""
import json
import os
import re
import shutil
import subprocess
import sys

TOOLKIT_VERSION = "1.17.8"
COMMIT = "f202b80a9b9d0db00d9b1d73c0128c8962c55f4d"


def info(msg):
    sys.stderr.write("INFO[0000] %s\n" % msg)


def ctk(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print("NAME:\n   NVIDIA Container Toolkit CLI - Tools to configure the NVIDIA Container Toolkit\n\n"
              "COMMANDS:\n   runtime  A collection of runtime-related utilities\n   system   A collection of "
              "system-related utilities\n   cdi      Provide tools for interacting with CDI specifications")
        return 0
    if argv[0] in ("--version", "-v", "version"):
        print("NVIDIA Container Toolkit CLI version %s\ncommit: %s" % (TOOLKIT_VERSION, COMMIT))
        return 0
    if argv[:2] == ["runtime", "configure"]:
        return configure(argv[2:])
    if argv[:2] == ["system", "create-dev-char-symlinks"]:
        made = 0
        os.makedirs("/dev/char", exist_ok=True)
        for dev in sorted(os.listdir("/dev")):
            if dev.startswith("nvidia"):
                st = os.stat("/dev/" + dev)
                link = "/dev/char/%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
                if not os.path.exists(link):
                    os.symlink("../" + dev, link)
                    made += 1
        info("Created %d /dev/char symlinks" % made)
        return 0
    if argv[:2] == ["cdi", "list"]:
        info("Found 0 CDI devices")
        return 0
    if argv[:2] == ["cdi", "generate"]:
        sys.stderr.write("ERRO[0000] failed to generate CDI spec: failed to initialize NVML: ERROR_LIBRARY_NOT_FOUND "
                         "(the lab has no NVIDIA driver libraries)\n")
        return 1
    sys.stderr.write('Incorrect Usage: "%s" is not supported by the lab stand-in\n' % " ".join(argv))
    return 1


def configure(argv):
    opts = {}
    for a in argv:
        k, eq, v = a.lstrip("-").partition("=")
        opts[k] = v if eq else "true"
    runtime = opts.get("runtime", "docker")
    default = opts.get("set-as-default") == "true"
    name = opts.get("nvidia-runtime-name", "nvidia")
    binary = opts.get("nvidia-runtime-path", "/usr/bin/nvidia-container-runtime")
    if runtime == "docker":
        path = opts.get("config", "/etc/docker/daemon.json")
        try:
            cfg = json.load(open(path))
        except (OSError, ValueError):
            cfg = {}
        cfg.setdefault("runtimes", {})[name] = {"args": [], "path": binary}
        if default:
            cfg["default-runtime"] = name
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(cfg, f, indent=4)
        info("Wrote updated config to %s" % path)
        info("It is recommended that docker daemon be restarted.")
        return 0
    if runtime in ("containerd", "crio"):
        path = opts.get("config", "/etc/containerd/config.toml" if runtime == "containerd"
                        else "/etc/crio/crio.conf.d/99-nvidia.toml")
        try:
            text = open(path).read()
        except OSError:
            text = ""
        if runtime == "containerd":
            section = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.%s]' % name
            block = ('\n%s\n  privileged_without_host_devices = false\n  runtime_engine = ""\n  runtime_root = ""\n'
                     '  runtime_type = "io.containerd.runc.v2"\n\n'
                     '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.%s.options]\n'
                     '    BinaryName = "%s"\n' % (section, name, binary))
            if "version = " not in text:
                text = "version = 2\n" + text
            if section not in text:
                text += block
            if default:
                text = re.sub(r'default_runtime_name = "[^"]*"\n', "", text)
                text += '\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "%s"\n' % name
        else:
            text = ('[crio]\n\n  [crio.runtime]\n%s\n    [crio.runtime.runtimes.%s]\n      runtime_path = "%s"\n'
                    '      runtime_type = "oci"\n' % ('    default_runtime = "%s"\n' % name if default else "", name,
                                                      binary))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        info("Wrote updated config to %s" % path)
        info("It is recommended that %s daemon be restarted." % runtime)
        return 0
    sys.stderr.write('ERRO[0000] unrecognized runtime \'%s\'\n' % runtime)
    return 1


def runtime(argv):
    if "--version" in argv or "-v" in argv:
        print("NVIDIA Container Runtime version %s\ncommit: %s\nspec: 1.2.0\n\nrunc version 1.1.12\nspec: 1.0.2-dev"
              % (TOOLKIT_VERSION, COMMIT))
        return 0
    sys.stderr.write("nvidia-container-runtime: the lab runs no containers (LAB STAND-IN)\n")
    return 1


def cli(argv):
    if "--version" in argv or argv[:1] == ["-V"]:
        print("cli-version: %s\nlib-version: %s\nbuild date: 2025-05-30T13:47+00:00\nbuild revision: %s\n"
              "build compiler: x86_64-linux-gnu-gcc-7 7.5.0\nbuild platform: x86_64" % (
                  TOOLKIT_VERSION, TOOLKIT_VERSION, COMMIT))
        return 0
    if argv[:1] == ["info"]:
        smi = shutil.which("nvidia-smi")
        if not smi:
            sys.stderr.write("nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: "
                             "cannot open shared object file: no such file or directory\n")
            return 1
        res = subprocess.run([smi, "--query-gpu=name,uuid,pci.bus_id,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True)
        if res.returncode != 0:
            sys.stderr.write("nvidia-container-cli: initialization error: nvml error: driver not loaded\n")
            return 1
        lines = [l.split(", ") for l in res.stdout.splitlines() if l.strip()]
        if lines:
            print("NVRM version:   %s\nCUDA version:   12.8\n" % lines[0][3])
        for name, uuid, bus, _ in lines:
            print("Device Index:   0\nDevice Minor:   0\nModel:          %s\nBrand:          GeForce\nGPU UUID:       %s\n"
                  "Bus Location:   %s\nArchitecture:   8.9\n" % (name, uuid, bus))
        return 0
    sys.stderr.write("nvidia-container-cli: %s: not supported by the lab stand-in\n" % " ".join(argv))
    return 1


def hook(argv):
    if "--version" in argv or "-version" in argv:
        print("NVIDIA Container Runtime Hook version %s\ncommit: %s" % (TOOLKIT_VERSION, COMMIT))
        return 0
    sys.stderr.write("nvidia-container-runtime-hook: the lab runs no containers (LAB STAND-IN)\n")
    return 1


def main():
    prog = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    if prog == "nvidia-ctk":
        return ctk(args)
    if prog.startswith("nvidia-container-runtime-hook") or prog == "nvidia-cdi-hook":
        return hook(args)
    if prog.startswith("nvidia-container-runtime"):
        return runtime(args)
    if prog == "nvidia-container-cli":
        return cli(args)
    sys.stderr.write("%s: unknown NVIDIA toolkit command (lab stand-in)\n" % prog)
    return 1


sys.exit(main())
