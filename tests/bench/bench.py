#!/usr/bin/python3
"""`make bench`: the sandbox's own overhead (sandbox_overhead.py: bare
fork+exec vs bubblewrap vs coderunner, same run), the end-to-end numbers
through nginx (e2e.py), the idle footprint of the program's processes
(footprint.py) and every installed language's hello world through the
service against bare (languages.py) and where one submission's time goes
between the client and its answer (timeline.py, with perf); then one
summary table of those figures against the speed goals.  Medians and
ratios; a non-zero exit means a broken run, never a slow one."""

import os
import shutil
import subprocess
import sys
import tempfile

import results

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = ("sandbox_overhead.py", "e2e.py", "footprint.py", "languages.py",
           "timeline.py")
LANG_GOAL = 1.15


def overhead_row(so, what, prog, mode, way, goal):
    """An overhead row: ours over bare against bubblewrap's over bare."""
    try:
        m = so[prog][mode]
        ours, bw = m[way] - m["bare"], m["bwrap"] - m["bare"]
    except (KeyError, TypeError):
        return (what, "-", "-", "-", "-", f"<= {goal} of bwrap's", None)
    r = ours / bw if bw > 0 else float("inf")
    return (what, "-", f"+{ours:.1f} ms", f"+{bw:.1f} ms",
            f"{r:.2f} of bwrap's", f"<= {goal}", r <= goal)


def summary(d):
    so = results.load(d, "sandbox_overhead")
    e2e = results.load(d, "e2e")
    fp = results.load(d, "footprint")
    langs = results.load(d, "languages")
    rows = [
        overhead_row(so, "/bin/true in-process, back to back: over",
                     "/bin/true", "b2b", "inproc", 0.25),
        overhead_row(so, "/bin/true in-process, gapped: over",
                     "/bin/true", "gapped", "inproc", 0.25),
        overhead_row(so, "static hello in-process, gapped: over",
                     "static hello", "gapped", "inproc", 0.25),
        overhead_row(so, "CLI /bin/true, back to back: over",
                     "/bin/true", "b2b", "cli", 0.5),
        overhead_row(so, "CLI /bin/true in a kept slot (--init), back to "
                     "back: over", "/bin/true", "b2b", "kept", 0.5),
    ]
    try:
        m = so["python3 print(1)"]["gapped"]
        r = m["inproc"] / m["bare"]
        rows.append(("python print(1) in-process, gapped",
                     f"{m['bare']:.1f}", f"{m['inproc']:.1f}",
                     f"{m.get('bwrap', 0):.1f}", f"{r:.2f}x bare",
                     "<= 1.10x", r <= 1.10))
    except (KeyError, TypeError):
        pass
    if e2e:
        r = e2e["py1_ms"] / e2e["bare_ms"]
        rows.append(("end to end python print(1), 1 client",
                     f"{e2e['bare_ms']:.1f}", f"{e2e['py1_ms']:.1f}", "-",
                     f"{r:.2f}x bare", "<= 1.08x", r <= 1.08))
        r = e2e["py_rate"] / e2e["bare_rate"]
        rows.append((f"throughput print(1), {e2e['clients']} clients",
                     f"{e2e['bare_rate']:.1f}/s", f"{e2e['py_rate']:.1f}/s",
                     "-", f"{r:.2f} of bare", ">= 0.85", r >= 0.85))
        r = e2e["c_ms"] / e2e["py1_ms"]
        rows.append(("end to end C hello, compile cached", "-",
                     f"{e2e['c_ms']:.1f}", "-",
                     f"{r:.2f}x python's", "<= 1.3x", r <= 1.3))
    if fp:
        rows.append(("idle PSS, master + workers + executors", "-",
                     f"{fp['total_mb']:.1f} MB", "-", "-",
                     f"<= {fp['goal_mb']:.0f} MB",
                     fp["total_mb"] <= fp["goal_mb"]))
    if langs:
        within = [x["name"] for x in langs
                  if x["miss"] / x["bare"] <= LANG_GOAL]
        over = [f"{x['name']} {x['miss'] / x['bare']:.2f}x "
                f"(+{x['miss'] - x['bare']:.0f} ms)" for x in langs
                if x["miss"] / x["bare"] > LANG_GOAL]
        rows.append(("languages: hello world within 1.15x of bare", "-",
                     f"{len(within)} of {len(langs)}", "-",
                     "; ".join(over) or "all", "all",
                     not over))
    print("\nSummary (medians of this run; goals from the speed work)")
    head = ("what", "bare", "ours", "bwrap", "ratio", "goal", "")
    print("| " + " | ".join(head) + " |")
    print("|---|---:|---:|---:|---|---|---|")
    for what, bare, ours, bw, ratio, goal, met in rows:
        flag = "-" if met is None else ("met" if met else "NOT met")
        print(f"| {what} | {bare} | {ours} | {bw} | {ratio} | {goal} | "
              f"{flag} |")


def main():
    rc = 0
    d = tempfile.mkdtemp(prefix="coderunner-bench-results-")
    env = dict(os.environ, BENCH_JSON_DIR=d)
    try:
        for script in SCRIPTS:
            path = os.path.join(HERE, script)
            if not os.path.exists(path):
                print(f"bench: {script} missing", file=sys.stderr)
                rc = 1
                continue
            print(f"==> {script}", flush=True)
            rc |= subprocess.run([sys.executable, path],
                                 env=env).returncode
        summary(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 1 if rc else 0


if __name__ == "__main__":
    sys.exit(main())
