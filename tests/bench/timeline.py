#!/usr/bin/python3
"""Where one submission's time goes between the client and the verdict:
the path nginx -> http worker -> SQLite insert -> executor wake-up ->
claim -> sandbox -> program -> verdict stored -> worker wake-up -> answer,
cut into segments by the kernel's scheduler events (perf record -a:
wake-ups, forks, execs and exits, no system calls), one client at a time,
keep-alive, on a stack of its own.

For each submission the client notes CLOCK_MONOTONIC as it sends and as
the answer is in; perf stamps its events with the same clock (-k mono):
  send    -> worker    nginx wakes an http worker's thread
  worker  -> executor  the worker (request read, job inserted) wakes an
                       executor
  executor-> fork      the executor claims the job: its first clone
  fork    -> exec      the sandbox: the run's processes up to the
                       program's execve, in three parts:
    fork -> init       the first clone (in the slot's namespaces: the
                       box, its source files) clones the run's init
                       (its namespaces)
    init -> clone      the init makes the run's root (mounts, pivot_root)
                       while the executor makes its cgroups, then clones
                       the program's process
    clone -> exec      that process: limits, capabilities, seccomp, execve
  exec    -> exit      the program, from its execve to its exit
  exit    -> notify    the run's end (the program's memory freed, the
                       init's report), the verdict stored, the executor
                       wakes a worker
  notify  -> answer    the waiting thread woken, the result read and
                       rendered, nginx, the client
An event is not always there (a thread that was awake already needs no
wake-up): each segment is the median over the submissions that had both
of its events, and says how many did.  Recording costs time on every
event, so the segments may add up to more than the latency without it,
which is measured first (N submissions, not recorded) and printed below
them.

Needs perf and the right to trace the whole host (root); without them it
prints SKIP with the reason and exits 0.  Exits non-zero only on a broken
run (an error answer, a wrong verdict), never because a number is slow."""

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
from submissions import Broken, on_own_stack  # noqa: E402

N = int(os.environ.get("TIMELINE_N", "40"))
EVENTS = ("sched:sched_wakeup,sched:sched_process_fork,"
          "sched:sched_process_exec,sched:sched_process_exit")
CASES = (("bash", "echo 1", "bash"), ("python3", "print(1)", "python3"))
# "  TID SECONDS:   sched:EVENT: FIELDS" (perf script -F tid,time,event,trace)
LINE = re.compile(r"^\s*(\d+)\s+([\d.]+):\s+sched:(\w+):\s*(.*)$")
SEGMENTS = (("send", "W", "send -> worker"),
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
        self.conn = http.client.HTTPConnection(u.hostname, u.port)
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
        if r.status != 201:
            raise Broken(f"{r.status}: {data[:200]!r}")
        res = json.loads(data)
        if res["status"]["id"] != 3:
            raise Broken(f"verdict {res['status']} {res.get('message')}")
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
    out = subprocess.run(["perf", "script", "-i", path, "-F",
                          "tid,time,event,trace"], capture_output=True,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
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
    and recv, and those of W, X, F, B, C, D that were found."""
    out = []
    i = 0
    for send, recv in windows:
        while i < len(rows) and rows[i][0] < send:
            i += 1
        ev = {"send": send, "recv": recv}
        forker = None
        j = i
        while j < len(rows) and rows[j][0] <= recv:
            t, kind, tid, f = rows[j]
            j += 1
            wakee = int(f.get("pid", "0")) if kind == "sched_wakeup" else 0
            if kind == "sched_wakeup" and "W" not in ev and \
                    wakee in wtids and tid not in wtids:
                ev["W"] = t
            elif kind == "sched_wakeup" and "W" in ev and "X" not in ev \
                    and tid in wtids and wakee in execs:
                ev["X"] = t
            elif kind == "sched_process_fork" and "X" in ev and \
                    "F" not in ev and tid in execs:
                ev["F"], forker = t, int(f["child_pid"])
            elif kind == "sched_process_fork" and "F" in ev and \
                    "H" not in ev and tid == forker:
                # J clones I, I clones R: the last is the program's
                ev["G" if "G" not in ev else "H"] = t
                forker = int(f["child_pid"])
            elif kind == "sched_process_exec" and "F" in ev and \
                    "B" not in ev and \
                    os.path.basename(f.get("filename", "")) == prog:
                ev["B"], ev["prog"] = t, tid
            elif kind == "sched_process_exit" and "B" in ev and \
                    "C" not in ev and tid == ev["prog"]:
                ev["C"] = t
            elif kind == "sched_wakeup" and "C" in ev and "D" not in ev \
                    and tid in execs and wakee in wtids:
                ev["D"] = t
        out.append(ev)
    return out


def measure(stack):
    client = Client(stack)
    rows_out = []
    for lang, src, prog in CASES:
        for _ in range(5):                           # warm up
            client.submit(lang, src)
        quiet = statistics.median(b - a for a, b in
                                  (client.submit(lang, src)
                                   for _ in range(N))) * 1000
        d = tempfile.mkdtemp(prefix="coderunner-timeline-")
        data = os.path.join(d, "perf.data")
        rec = subprocess.Popen(["perf", "record", "-q", "-a", "-k", "mono",
                                "-e", EVENTS, "-o", data],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)                    # perf is recording
            windows = [client.submit(lang, src) for _ in range(N)]
        finally:
            rec.send_signal(signal.SIGINT)
            rec.wait()
        try:
            wtids, execs = roles(stack)
            got = cut(events(data), windows, prog, wtids, execs)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        lat = statistics.median(b - a for a, b in windows) * 1000
        segs = {}
        for a, b, name in SEGMENTS:
            x = [e[b] - e[a] for e in got if a in e and b in e]
            segs[name] = ((statistics.median(x) * 1000, len(x)) if x
                          else (None, 0))
        rows_out.append((lang, quiet, lat, segs))
    return rows_out


def main():
    why = unavailable()
    if why:
        print(f"timeline: SKIP: {why}")
        return 0
    out = on_own_stack("timeline", measure)
    if out is None:
        return 1
    print(f"\nOne submission's path, one client at a time: medians in ms "
          f"(of how many of {N} had both events)")
    print(f"{'segment':28s}" + "".join(f"{lang:>14s}"
                                      for lang, _, _, _ in out))
    for _, _, name in SEGMENTS:
        print(f"{name:28s}" + "".join(
            f"{segs[name][0]:9.2f} ({segs[name][1]:2d})"
            if segs[name][0] is not None else f"{'-':>14s}"
            for _, _, _, segs in out))
    print(f"{'latency while recording':28s}" +
          "".join(f"{lat:9.2f}     " for _, _, lat, _ in out))
    print(f"{'latency, not recording':28s}" +
          "".join(f"{quiet:9.2f}     " for _, quiet, _, _ in out))
    results.save("timeline", {lang: {
        "latency_ms": quiet, "recorded_latency_ms": lat,
        "segments_ms": {name: v for name, (v, _) in segs.items()}}
        for lang, quiet, lat, segs in out})
    if any(segs[name][0] is None for _, _, _, segs in out for name in segs):
        print("timeline: some segment's events were never found",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
