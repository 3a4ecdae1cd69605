#!/usr/bin/python3
"""Where one submission's time goes between the client and the verdict:
the path nginx -> http worker -> SQLite insert -> executor wake-up ->
claim -> sandbox -> program -> verdict stored -> worker wake-up -> answer,
cut into segments by the kernel's scheduler events (perf record -a:
sched_waking, sched_process_fork, _exec and _exit; no system calls), one
client at a time, keep-alive, on a stack of its own.

For each submission the client notes CLOCK_MONOTONIC as it sends and as
the answer is in; perf stamps its events with the same clock (-k mono):
  send    -> worker    the client's send, loopback, nginx, up to nginx
                       waking an http worker's thread
  worker  -> executor  the worker (request read, job inserted) wakes an
                       executor
  executor-> fork      the executor claims the job: its clone of J
  fork    -> exec      the sandbox: the run's processes up to the
                       program's execve, in three parts:
    fork -> init       J (in the slot's namespaces: the box, its source
                       files) clones the run's init I (its namespaces)
    init -> clone      I makes the run's root (mounts, pivot_root) and
                       clones the program's process R; on cgroup v1 the
                       executor makes the run's cgroups meanwhile (on v2
                       it makes them before J, and J has a clone of its
                       own, K, fill the box before it clones I)
    clone -> exec      R: limits, capabilities, seccomp, execve
  exec    -> exit      the program, from its execve to the exit
                       tracepoint (kernels differ on whether its memory
                       is freed before that point or after)
  exit    -> notify    the init's report, the cgroups' figures, the
                       verdict stored; the executor wakes a worker
  notify  -> answer    the waiting thread woken, the result read and
                       rendered, nginx, the client
An event is not always there (a thread that was awake already needs no
wake-up): each segment is the median over the submissions that had both
of its events, and says how many did.  Recording costs time on every
event, so the segments may add up to more than the latency without it,
which is measured first (N submissions, not recorded) and printed below
them, with the same program run bare (N times, one at a time, from
Python's subprocess, as e2e.py runs it).

Needs perf (contrib/install-deps.sh installs linux-perf) and the right
to trace the whole host (root); without them it prints SKIP with the
reason and exits 0.  Exits non-zero only on a broken
run (an error answer, a wrong verdict, perf failing), never because a
number is slow."""

import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))          # tests/, for conftest

os.environ.setdefault("CODERUNNER_RATE", "10000r/s")
os.environ.setdefault("CODERUNNER_BURST", "10000")

import procmem  # noqa: E402
import results  # noqa: E402
from submissions import (Broken, accepted, bare_runs,  # noqa: E402
                         on_own_stack)

N = max(1, int(os.environ.get("TIMELINE_N", "40")))
EVENTS = ("sched:sched_waking,sched:sched_process_fork,"
          "sched:sched_process_exec,sched:sched_process_exit")
# language, source, the program it runs, the same program run bare
CASES = (("bash", "echo 1", "bash", ["/usr/bin/bash", "-c", "echo 1"]),
         ("python3", "print(1)", "python3",
          ["/usr/bin/python3", "-c", "print(1)"]))
# "  TID SECONDS:   sched:EVENT: FIELDS" (perf script -F tid,time,event,trace)
LINE = re.compile(r"^\s*(\d+)\s+([\d.]+):\s+sched:(\w+):\s*(.*)$")
SEGMENTS = (("send", "W", "client's send -> worker"),
            ("W", "X", "worker -> executor"),
            ("X", "F", "executor -> fork"),
            ("F", "G", "  fork -> init"),
            ("G", "H", "  init -> program's clone"),
            ("H", "B", "  program's clone -> exec"),
            ("F", "B", "fork -> exec (the three above)"),
            ("B", "C", "exec -> exit (the program)"),
            ("C", "D", "exit -> notify"),
            ("D", "recv", "notify -> answer"))


def unavailable():
    """Why this host cannot record, or None."""
    if shutil.which("perf") is None:
        return "no perf (Debian: linux-perf)"
    r = subprocess.run(["perf", "record", "-q", "-a", "-k", "mono", "-e",
                        EVENTS, "-o", "/dev/null", "--", "true"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        return ("perf cannot record the scheduler's events host-wide: "
                + r.stderr.decode(errors="replace").strip()[-200:])
    return None


class Client:
    """One keep-alive connection, as a client that sends many would."""

    def __init__(self, stack):
        u = urllib.parse.urlsplit(stack.base_url)
        self.prefix = u.path.rstrip("/")
        self.conn = http.client.HTTPConnection(u.hostname, u.port,
                                               timeout=120)
        self.headers = dict(stack.auth_headers,
                            **{"Content-Type": "application/json"})

    def submit(self, lang, src):
        """(send, answer) CLOCK_MONOTONIC seconds of one submission."""
        body = json.dumps({"language": lang, "source_code": src,
                           "expected_output": "1"})
        t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
        self.conn.request("POST", self.prefix + "/submissions?wait=true",
                          body, self.headers)
        r = self.conn.getresponse()
        data = r.read()
        t1 = time.clock_gettime(time.CLOCK_MONOTONIC)
        accepted(r.status, data.decode(errors="replace"))
        return t0, t1


def roles(stack):
    """({tid: tgid} of the http workers' threads, {executor pids})."""
    procs = procmem.processes(stack.fcgi_proc.pid)
    workers = [p for r, p in procs if r.startswith("http worker")]
    execs = {p for r, p in procs if r.startswith("executor")}
    tids = {}
    for p in workers:
        for t in os.listdir(f"/proc/{p}/task"):
            tids[int(t)] = p
    return tids, execs


def events(path):
    """[(seconds, event, tid, fields)] from perf script, in time order."""
    r = subprocess.run(["perf", "script", "-i", path, "-F",
                        "tid,time,event,trace"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise Broken(f"perf script: {r.stderr.strip()[-300:]}")
    rows = []
    for line in r.stdout.splitlines():
        m = LINE.match(line)
        if m:
            fields = dict(kv.split("=", 1) for kv in m.group(4).split()
                          if "=" in kv)
            rows.append((float(m.group(2)), m.group(3), int(m.group(1)),
                         fields))
    rows.sort(key=lambda r: r[0])
    return rows


def cut(rows, windows, prog, wtids, execs):
    """The events of each submission's window: {name: seconds} with send
    and recv, and those of W, X, F, G, H, B, C, D that were found.

    W, X and D are sched_waking events, which the kernel emits in the
    waker's context (sched_wakeup may be emitted on the woken thread's
    CPU, in an interrupt, where the waker is not known).  The run's
    processes are found backwards from the program's exec: R execs it, I
    cloned R, J cloned I, an executor cloned J; so neither a clone J makes
    before I (K, on cgroup v2) nor another process's exec is taken for
    them, and each event needs only its own anchor."""
    out = []
    i = 0
    for send, recv in windows:
        while i < len(rows) and rows[i][0] < send:
            i += 1
        j = i
        while j < len(rows) and rows[j][0] <= recv:
            j += 1
        win = rows[i:j]
        ev = {"send": send, "recv": recv}
        parent = {}                     # child -> (time of clone, cloner)
        for t, kind, tid, f in win:
            if kind == "sched_process_fork":
                parent.setdefault(int(f.get("child_pid", "0")), (t, tid))
        for t, kind, tid, f in win:
            if kind != "sched_waking":
                continue
            wakee = int(f.get("pid", "0"))
            if "W" not in ev and wakee in wtids and tid not in wtids:
                ev["W"] = t
            elif "X" not in ev and tid in wtids and wakee in execs:
                ev["X"] = t
        for t, kind, tid, f in win:
            if kind != "sched_process_exec" or \
                    os.path.basename(f.get("filename", "")) != prog:
                continue
            chain = [tid]                               # R, I, J, executor
            while len(chain) < 4 and chain[-1] in parent:
                chain.append(parent[chain[-1]][1])
            if len(chain) == 4 and chain[3] in execs:
                ev.update(B=t, H=parent[chain[0]][0],
                          G=parent[chain[1]][0], F=parent[chain[2]][0],
                          prog=chain[0])
                break
        for t, kind, tid, f in win:
            if "prog" in ev and kind == "sched_process_exit" and \
                    tid == ev["prog"] and t > ev["B"]:
                ev["C"] = t
                break
        for t, kind, tid, f in win:
            if "C" in ev and kind == "sched_waking" and t > ev["C"] and \
                    tid in execs and int(f.get("pid", "0")) in wtids:
                ev["D"] = t
                break
        out.append(ev)
    return out


def recorded(stack, client, lang, src, prog, d):
    """N submissions while perf records into d: (windows, cut events)."""
    data = os.path.join(d, "perf.data")
    with open(os.path.join(d, "perf.err"), "w+") as err:
        rec = subprocess.Popen(["perf", "record", "-q", "-a", "-k", "mono",
                                "-e", EVENTS, "-o", data],
                               stdout=subprocess.DEVNULL, stderr=err)
        try:
            time.sleep(1)                    # perf is recording
            if rec.poll() is not None:
                err.seek(0)
                raise Broken(f"perf record stopped: {err.read()[-300:]}")
            windows = [client.submit(lang, src) for _ in range(N)]
        finally:
            if rec.poll() is None:
                rec.send_signal(signal.SIGINT)
            rec.wait()
    wtids, execs = roles(stack)
    return windows, cut(events(data), windows, prog, wtids, execs)


def measure(stack):
    client = Client(stack)
    rows_out = []
    for lang, src, prog, argv in CASES:
        for _ in range(5):                           # warm up
            client.submit(lang, src)
        quiet = statistics.median(b - a for a, b in
                                  (client.submit(lang, src)
                                   for _ in range(N))) * 1000
        d = tempfile.mkdtemp(prefix="coderunner-timeline-")
        try:
            windows, got = recorded(stack, client, lang, src, prog, d)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        lat = statistics.median(b - a for a, b in windows) * 1000
        segs = {}
        for a, b, name in SEGMENTS:
            x = [e[b] - e[a] for e in got if a in e and b in e]
            segs[name] = ((statistics.median(x) * 1000, len(x)) if x
                          else (None, 0))
        rows_out.append((lang, quiet, lat, segs, bare_runs(argv, N)[0]))
    return rows_out


def main():
    why = unavailable()
    if why:
        print(f"timeline: SKIP: {why}")
        return 0
    out = on_own_stack("timeline", measure, broken=(
        Broken, OSError, ValueError, http.client.HTTPException))
    if out is None:
        return 1
    print(f"\nOne submission's path, one client at a time: medians in ms "
          f"(of how many of {N} had both events)")
    print(f"{'segment':31s}" + "".join(f"{row[0]:>14s}" for row in out))
    for _, _, name in SEGMENTS:
        print(f"{name:31s}" + "".join(
            f"{segs[name][0]:9.2f} ({segs[name][1]:2d})"
            if segs[name][0] is not None else f"{'-':>14s}"
            for _, _, _, segs, _ in out))
    for label, k in (("latency while recording", 2),
                     ("latency, not recording", 1),
                     ("bare, one at a time", 4)):
        print(f"{label:31s}" + "".join(f"{row[k]:9.2f}     "
                                       for row in out))
    results.save("timeline", {lang: {
        "latency_ms": quiet, "recorded_latency_ms": lat, "bare_ms": b,
        "segments_ms": {name: v for name, (v, _) in segs.items()}}
        for lang, quiet, lat, segs, b in out})
    if any(segs[name][0] is None for _, _, _, segs, _ in out
           for name in segs):
        print("timeline: some segment's events were never found",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
