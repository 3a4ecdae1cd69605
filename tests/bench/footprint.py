#!/usr/bin/python3
"""Footprint: the proportional set size (PSS, /proc/PID/smaps_rollup) of
every coderunner.fcgi process of a real stack, idle, against the goal of
30 MB for master + http workers + executors in total.

Starts its own stack (tests/conftest.py's own_stack: nginx, spawn-fcgi,
the program, the real sandbox) on a free loopback port, with the default
number of workers and executors for this machine, and measures twice:
(a) idle after start-up, (b) idle again after a warm-up (WARM_PY
submissions of python print(1) and WARM_C of C, a few clients at once,
and the GETs a client makes), so that threads, SQLite's caches, malloc's
arenas and the compile cache have all been touched.

Each process is labelled by its role, from the process tree: the master
is the pid spawn-fcgi exec'd into; an http worker is a child with the
listening socket on fd 0 (and many threads); an executor a child with
/dev/null there and one thread; anything else is "other".  PSS is summed
over all of them; RSS and private (clean + dirty) are printed beside.
nginx's PSS (master and workers) is printed on a line of its own and not
counted.  A library page counts in full to the one process that has
touched it and is shared out among all that have, on the whole host: the
master (whose library start-up touches pages no child does) varies by
1-3 MB with what else runs.  With -v, each role's first process is
broken down by mapping (heap, thread stacks, malloc arenas, libraries,
...); --py, --c and --clients make the warm-up heavier.

Exits non-zero only on a broken run (the stack does not start, an answer
is wrong, a process dies or is restarted in between), never because the
figure is over the goal.
"""

import argparse
import collections
import concurrent.futures
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))          # tests/, for conftest

os.environ.setdefault("CODERUNNER_RATE", "10000r/s")
os.environ.setdefault("CODERUNNER_BURST", "10000")
os.environ.setdefault("CODERUNNER_CONN", "1000")

import results  # noqa: E402
from submissions import C, PY, Broken, accepted, on_own_stack  # noqa: E402
from procmem import (ARENA, children, mappings, processes,  # noqa: E402
                     rollup, threads)

GOAL_KB = 30 * 1024
WARM_PY = 50
WARM_C = 5
CLIENTS = 4
SETTLE_S = 2.0          # idle means: nothing in flight for this long

def nginx_pss(master):
    """PSS of nginx's master and workers, kB."""
    pids = [master] + children(master)
    return sum(rollup(p)["pss"] for p in pids), len(pids)


# --- smaps, per mapping (-v) ----------------------------------------------

def breakdown(pid, exe):
    """{kind: [pss, rss, count]} of pid's mappings."""
    maps = mappings(pid)
    kinds = collections.defaultdict(lambda: [0, 0, 0])
    for i, (a, b, perms, path, v) in enumerate(maps):
        prev = maps[i - 1] if i > 0 else None
        nxt = maps[i + 1] if i + 1 < len(maps) else None
        if path == "[heap]":
            kind = "heap (brk)"
        elif path == "[stack]":
            kind = "main thread's stack"
        elif path.startswith("["):
            kind = path
        elif path == exe:
            kind = "the program"
        elif path.startswith("/"):
            kind = ("lib " if ".so" in path else "file ") + \
                os.path.basename(path)
        elif path:
            kind = path
        elif perms.startswith("---"):
            kind = "guard / reserved (---p)"
        elif (a % ARENA == 0 and nxt is not None and nxt[0] == b and
              nxt[2].startswith("---") and nxt[1] - a == ARENA):
            kind = "malloc arenas"
        elif (a % ARENA == 0 and b - a == ARENA):
            kind = "malloc arenas"
        elif (prev is not None and prev[1] == a and
              prev[2].startswith("---") and prev[3] == ""):
            kind = "stacks (anon after a guard page)"
        elif perms[3] == "s":
            kind = "shared anon (metrics)"
        else:
            kind = "other anon mmap"
        k = kinds[kind]
        k[0] += v.get("Pss", 0)
        k[1] += v.get("Rss", 0)
        k[2] += 1
    return kinds


def print_breakdown(label, pid):
    exe = os.readlink(f"/proc/{pid}/exe")
    kinds = breakdown(pid, exe)
    print(f"\n  {label} (pid {pid}, {threads(pid)} threads), by mapping:")
    print(f"  {'kind':40s} {'PSS kB':>8s} {'RSS kB':>8s} {'maps':>5s}")
    libs = [0, 0, 0]
    for kind, (pss, rss, n) in sorted(kinds.items(),
                                      key=lambda kv: -kv[1][0]):
        if kind.startswith("lib ") and pss < 100:
            libs = [libs[0] + pss, libs[1] + rss, libs[2] + n]
            continue
        print(f"  {kind:40s} {pss:8d} {rss:8d} {n:5d}")
    print(f"  {'other libraries (< 100 kB PSS each)':40s} {libs[0]:8d} "
          f"{libs[1]:8d} {libs[2]:5d}")


# --- the stack ---------------------------------------------------------------

def submit(stack, body):
    r = stack.post("/submissions?wait=true", json=body, timeout=120)
    tok = accepted(r.status_code, r.text, "POST /submissions: ")["token"]
    for path in (f"/submissions/{tok}", "/submissions?per_page=20"):
        g = stack.get(path)
        if g.status_code != 200:
            raise Broken(f"GET {path}: {g.status_code}: {g.text[:200]}")
    return tok


def warm_up(stack, n_py, n_c, clients):
    bodies = [PY] * n_py + [C] * n_c
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda b: submit(stack, b), bodies))
    for path in ("/languages", "/statistics", "/workers", "/health"):
        g = stack.get(path)
        if g.status_code != 200:
            raise Broken(f"GET {path}: {g.status_code}: {g.text[:200]}")


def settle(stack):
    """Waits until no executor is busy and the queue is empty, then
    SETTLE_S more, so that idle is idle."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = stack.get("/workers").json()[0]
        if line["size"] == 0 and line["working"] == 0:
            time.sleep(SETTLE_S)
            return
        time.sleep(0.2)
    raise Broken("the executors did not become idle within 30 s")


def measure(stack):
    procs = processes(stack.fcgi_proc.pid)
    sizes = {pid: dict(rollup(pid), thr=threads(pid)) for _, pid in procs}
    return procs, sizes, nginx_pss(stack.nginx_proc.pid)


def mb(kb):
    return kb / 1024


def report(before, after, goal_kb):
    (p0, s0, n0), (p1, s1, n1) = before, after
    print("\nFootprint: PSS of the program's processes, idle "
          "(/proc/PID/smaps_rollup; MB = MiB)")
    print(f"{'process':22s} {'pid':>7s} {'thr':>4s} | "
          f"{'after start: PSS':>16s} {'RSS':>6s} {'priv':>6s} | "
          f"{'after warm-up: PSS':>18s} {'RSS':>6s} {'priv':>6s}")
    tot0 = {"pss": 0, "rss": 0, "priv": 0}
    tot1 = dict(tot0)
    for (role, pid), (_, pid1) in zip(p0, p1):
        a, b = s0[pid], s1[pid1]
        for t, x in ((tot0, a), (tot1, b)):
            for k in t:
                t[k] += x[k]
        print(f"{role:22s} {pid:7d} {b['thr']:4d} | {mb(a['pss']):16.2f} "
              f"{mb(a['rss']):6.1f} {mb(a['priv']):6.2f} | "
              f"{mb(b['pss']):18.2f} {mb(b['rss']):6.1f} "
              f"{mb(b['priv']):6.2f}")
    print(f"{'total':22s} {'':7s} {'':4s} | {mb(tot0['pss']):16.2f} "
          f"{mb(tot0['rss']):6.1f} {mb(tot0['priv']):6.2f} | "
          f"{mb(tot1['pss']):18.2f} {mb(tot1['rss']):6.1f} "
          f"{mb(tot1['priv']):6.2f}")
    worst = max(tot0["pss"], tot1["pss"])
    print(f"goal: total PSS <= {mb(goal_kb):.0f} MB: "
          f"{mb(worst):.1f} MB at most, "
          f"{'met' if worst <= goal_kb else 'NOT met'} "
          f"({100 * worst / goal_kb:.0f} % of the goal)")
    print(f"nginx (not counted): PSS {mb(n0[0]):.2f} MB after start, "
          f"{mb(n1[0]):.2f} MB after warm-up ({n1[1]} processes)")
    results.save("footprint", {"total_mb": mb(worst), "goal_mb":
                               mb(goal_kb), "after_start_mb": mb(tot0["pss"]),
                               "after_warm_up_mb": mb(tot1["pss"])})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", action="store_true",
                    help="break each role's first process down by mapping")
    ap.add_argument("--py", type=int, default=WARM_PY, metavar="N",
                    help=f"python submissions in the warm-up ({WARM_PY})")
    ap.add_argument("--c", type=int, default=WARM_C, metavar="N",
                    help=f"C submissions in the warm-up ({WARM_C})")
    ap.add_argument("--clients", type=int, default=CLIENTS, metavar="N",
                    help=f"clients at once in the warm-up ({CLIENTS})")
    args = ap.parse_args()

    def run(stack):
        settle(stack)
        before = measure(stack)
        t0 = time.monotonic()
        warm_up(stack, args.py, args.c, args.clients)
        warm_s = time.monotonic() - t0
        settle(stack)
        after = measure(stack)
        pids0 = [pid for _, pid in before[0]]
        pids1 = [pid for _, pid in after[0]]
        if pids0 != pids1:
            raise Broken(f"processes changed during the run: "
                         f"{before[0]} -> {after[0]}")
        if not any(r.startswith("http worker") for r, _ in before[0]) or \
                not any(r.startswith("executor") for r, _ in before[0]):
            raise Broken(f"no http worker or no executor among "
                         f"{before[0]}")
        if args.v:
            seen = set()
            for role, pid in after[0]:
                kind = role.rstrip("0123456789 ")
                if kind not in seen:
                    seen.add(kind)
                    print_breakdown(role, pid)
        return before, after, warm_s

    out = on_own_stack("footprint", run,
                       (Broken, OSError, ValueError, KeyError))
    if out is None:
        return 1
    before, after, warm_s = out
    report(before, after, GOAL_KB)
    print(f"(warm-up: {args.py} python + {args.c} C submissions, "
          f"{args.clients} clients, {warm_s:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
