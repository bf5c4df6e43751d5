"""scripts/bench --site cluster: `cluster-mgr provision` of the demo's 4-host lab (dev tooling).

The site is what scripts/demo provisions: lab-cp1 (server), lab-w1, lab-w2 (agents) and lab-gpu1
(a GPU agent), with GPU time-slicing (4 replicas) and Flux syncing an SSH repository, K3s and
Flux from the lab's artifacts (`--artifacts`). Each cold run gets a fresh lab; the no-op runs
(--repeat) follow the first cold run on its lab; the SSH user lingers on the hosts (the lab's
default, as with `--login warm`). Every run is `cluster-mgr provision --output json`, measured like the workload's
runs (wall seconds, peak RSS); afterwards the bench reads the run's recap (tasks changed,
failed), the K3s stand-in's API request log (requests served during the run, by user agent) and
its kubectl log (kubectl processes started on any host during the run).
A no-op run that changed or failed anything is reported as wrong.
"""
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

HOSTS = ["lab-cp1", "lab-w1", "lab-w2", "lab-gpu1"]
# The demo's cluster settings (scripts/demo), added under all.vars of the lab's inventory.
DEMO_VARS = [
    "    gpu_time_slicing_enabled: true",
    "    gpu_time_slicing_replicas: 4",
    "    git_repo_url: ssh://git@github.com/example/homelab.git",
    "    git_path: ./gitops/clusters/homelab",
    "    git_known_hosts: github.com ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
]
# Where the K3s stand-in logs (see docs/lab.md): every API request it serves, every kubectl run.
API_LOG = "/var/lib/rancher/k3s/server/lab-api-requests.log"
KUBECTL_LOG = "/var/log/lab-kubectl.log"


def demo_inventory(text):
    """The lab's inventory with the demo's settings, as scripts/demo writes it."""
    return text.replace("\n  children:\n", "\n" + "\n".join(DEMO_VARS) + "\n  children:\n", 1)


def build_cluster_mgr(repo, args, log, die):
    if args.cluster_mgr:
        return Path(args.cluster_mgr)
    if not args.no_build:
        log("building cluster-mgr (release)")
        res = subprocess.run(["swift", "build", "-c", "release", "--product", "cluster-mgr"], cwd=repo,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if res.returncode != 0:
            die("swift build -c release --product cluster-mgr failed:\n" + res.stderr[-3000:])
    bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=repo,
                             capture_output=True, text=True).stdout.strip()
    path = Path(bin_dir) / "cluster-mgr"
    if not path.exists():
        die("%s does not exist (build it, or drop --no-build)" % path)
    return path


class Counters:
    """Line counts of the stand-in's logs on every host, to attribute what a run caused."""

    def __init__(self, lab):
        self.lab = lab

    def read(self):
        script = "for f in %s %s; do if [ -f $f ]; then wc -l < $f; else echo -; fi; done" % (API_LOG, KUBECTL_LOG)
        counts = {}
        for host in HOSTS:
            out = self.lab.lab("exec", host, "--", "sh", "-c", script, check=False).stdout.split()
            # A log not written yet (K3s not installed before a cold run) has no lines yet.
            counts[host] = [0 if x == "-" else int(x) for x in (out + ["-", "-"])[:2]]
        return counts

    def since(self, before):
        """(API requests by user agent, kubectl runs by host) logged after `before`."""
        agents, kubectl = {}, {}
        for host in HOSTS:
            api_from, kubectl_from = before.get(host, [None, None])
            if api_from is not None:
                lines = self.lab.lab("exec", host, "--", "tail", "-n", "+%d" % (api_from + 1), API_LOG,
                                     check=False).stdout.splitlines()
                for line in lines:
                    try:
                        agent = (json.loads(line).get("userAgent") or "?").split("/")[0]
                    except ValueError:
                        continue
                    agents[agent] = agents.get(agent, 0) + 1
            if kubectl_from is not None:
                lines = self.lab.lab("exec", host, "--", "tail", "-n", "+%d" % (kubectl_from + 1), KUBECTL_LOG,
                                     check=False).stdout.splitlines()
                if lines:
                    kubectl[host] = len(lines)
        return agents, kubectl


def recap(logfile):
    """Tasks changed and failed, from the run's JSON events."""
    changed = failed = 0
    try:
        text = Path(logfile).read_text(errors="replace")
    except OSError:
        return {}
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") in ("task_finished", "handler_finished"):
            changed += event.get("status") == "changed"
            failed += event.get("status") in ("failed", "unreachable")
    return {"changed": changed, "failed": failed}


def run_site(args, results, Lab, Measured, log, save, repo):
    binary = build_cluster_mgr(repo, args, log, lambda m: (_ for _ in ()).throw(RuntimeError(m)))
    artifacts = subprocess.run([str(repo / "scripts" / "lab"), "artifacts"], capture_output=True,
                               text=True, check=True).stdout.strip()
    results["config"]["cluster_mgr"] = str(binary)
    for cold_rep in range(1, args.repeat_cold + 1):
        lab = Lab(("bcl%d%d" % (os.getpid() % 10000, cold_rep))[:12], HOSTS)
        rundir = Path(args.logs) / ("cluster-cold%d" % cold_rep)
        rundir.mkdir(parents=True, exist_ok=True)
        try:
            lab.up()
            inventory = rundir / "hosts.yml"
            inventory.write_text(demo_inventory((lab.dir / "hosts.yml").read_text()))
            env = {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "KUBECONFIG")}
            status = json.loads(lab.lab("status", "--json").stdout)
            env.update({"NO_COLOR": "1", "CLUSTER_MGR_STATE_DIR": str(rundir / "state"),
                        "KUBECONFIG": str(rundir / "kubeconfig"), "CLUSTER_MGR_INVENTORY": str(inventory),
                        "CLUSTER_MGR_TAILSCALE_SOCKET": status["env"]["CLUSTER_MGR_TAILSCALE_SOCKET"]})
            counters = Counters(lab)
            command = [binary, "provision", "--artifacts", artifacts, "--output", "json"]
            phases = [("cold", str(cold_rep))] + ([("noop", str(r)) for r in range(1, args.repeat + 1)]
                                                  if cold_rep == 1 and "noop" in args.phases else [])
            for phase, rep in phases:
                time.sleep(args.settle)
                before = counters.read()
                load = os.getloadavg()
                logfile = rundir / ("%s-%s.log" % (phase, rep))
                measured = Measured(command, env, str(rundir), logfile, args.timeout).run()
                agents, kubectl = counters.since(before)
                summary = recap(logfile)
                problems = []
                if measured["exit_status"] != 0:
                    problems.append("exit status %s (log: %s)" % (measured["exit_status"], logfile))
                if summary.get("failed"):
                    problems.append("%d tasks failed" % summary["failed"])
                if phase == "noop" and summary.get("changed"):
                    problems.append("a no-op run changed %d tasks" % summary["changed"])
                record = dict(tool="cluster-mgr", site="cluster", hosts=len(HOSTS), phase=phase, rep=rep,
                              loadavg_before=[round(x, 2) for x in load], verified=not problems,
                              problems=problems, report=summary, api_requests=agents, kubectl_runs=kubectl,
                              log=str(logfile), lab=lab.name, **measured)
                results["runs"].append(record)
                log("cluster site %-5s %-3s %7.2fs  peak RSS %5.1f MB  load %.1f  API requests %s  kubectl %s  %s" % (
                    phase, rep, measured["seconds"], measured["peak_rss_mb"], load[0],
                    sum(agents.values()) if agents else "n/a", sum(kubectl.values()) if kubectl else 0,
                    "verified" if not problems else "; ".join(problems)))
                save(args, results)
        finally:
            lab.down()


def summarise_site(results):
    rows = []
    for phase in ("cold", "noop"):
        runs = [r for r in results["runs"] if r.get("site") == "cluster" and r["phase"] == phase]
        if not runs:
            continue
        secs = [r["seconds"] for r in runs]
        rows.append({"phase": phase, "runs": len(runs), "seconds": round(statistics.median(secs), 3),
                     "best": min(secs), "worst": max(secs), "each": [round(s, 2) for s in secs],
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                     "kubectl_runs": sum(sum(r["kubectl_runs"].values()) for r in runs),
                     "verified": all(r["verified"] for r in runs)})
    return rows


def print_site(rows):
    print()
    print("%-6s %5s %9s %9s %9s %10s %8s  %s" % ("phase", "runs", "median s", "best s", "worst s", "peak RSS",
                                                 "kubectl", "runs (s)"))
    for r in rows:
        print("%-6s %5d %9.2f %9.2f %9.2f %7.1f MB %8d  %s%s" % (
            r["phase"], r["runs"], r["seconds"], r["best"], r["worst"], r["peak_rss_mb"], r["kubectl_runs"],
            ", ".join("%.2f" % s for s in r["each"]), "" if r["verified"] else "  WRONG"))
