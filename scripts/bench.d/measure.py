#!/usr/bin/python3
"""Runs one tool invocation for scripts/bench and measures it (dev tooling, never shipped).

  measure.py --log FILE --timeout SECONDS [--cwd DIR] -- COMMAND...

Prints one JSON object: wall seconds (spawn to exit), exit status, and the controller's peak RSS:
the sum of resident pages (/proc/PID/statm) over every process descending from this one,
sampled every 10 ms for the first 3 s and every 25 ms after, and never less than the tool
process's own ru_maxrss from wait4(). This process is a child subreaper, so processes that detach
from the tool (ssh ControlPersist masters) are re-parented here: they stay in the measured tree,
and when the tool exits they are ended (by PID) so that nothing outlives the run.
"""
import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
libc = ctypes.CDLL(None, use_errno=True)


def descendants(root):
    out = []
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            tasks = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            out += kids
            stack += kids
    return out


def rss_bytes(pid):
    try:
        with open("/proc/%d/statm" % pid) as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_descendants():
    me = os.getpid()
    left = descendants(me)
    for pid in left:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + 3
    while time.time() < deadline:
        reap()
        left = descendants(me)
        if not left:
            return
        time.sleep(0.05)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.1)
    reap()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--cwd")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("measure: prctl(PR_SET_CHILD_SUBREAPER) failed", file=sys.stderr)
    me = os.getpid()
    peak = [0, 0]
    stop = threading.Event()
    proc = None

    def on_signal(signum, frame):
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        end_descendants()
        sys.exit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    def die_with_parent():
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def sample(started):
        while not stop.is_set():
            pids = descendants(me)
            total = sum(rss_bytes(p) for p in pids)
            if total > peak[0]:
                peak[0], peak[1] = total, len(pids)
            stop.wait(0.01 if time.monotonic() - started < 3 else 0.025)

    timed_out = [False]
    with open(args.log, "wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=args.cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=die_with_parent)
        sampler = threading.Thread(target=sample, args=(started,), daemon=True)
        sampler.start()

        def kill():
            timed_out[0] = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(args.timeout, kill)
        timer.daemon = True
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        timer.cancel()
        stop.set()
        sampler.join()
    leftovers = len(descendants(me))
    end_descendants()
    single = usage.ru_maxrss * 1024
    print(json.dumps({
        "seconds": round(elapsed, 3),
        "exit_status": -9 if timed_out[0] else os.waitstatus_to_exitcode(status),
        "timed_out": timed_out[0],
        "peak_rss_mb": round(max(peak[0], single) / 2**20, 1),
        "peak_tree_processes": peak[1],
        "tool_process_maxrss_mb": round(single / 2**20, 1),
        "cpu_user_s": round(usage.ru_utime, 2),
        "cpu_system_s": round(usage.ru_stime, 2),
        "leftover_processes_ended": leftovers,
    }))


if __name__ == "__main__":
    main()
