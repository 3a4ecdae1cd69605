#!/usr/bin/python3
"""Per-run overhead of the sandbox (DESIGN §10).

For each program (/bin/true, a static C hello, python3 -c 'print(1)', a
64 MiB touch) and each way to run it:

  bare      fork + exec + wait
  inproc    sandbox_run() called in-process (the executors' path)
  cli       `coderunner sandbox --no-box --` (a new process per run,
            which makes the slot's namespaces and root)
  kept      the same in a slot kept by `coderunner sandbox --init`, as
            isolate's --init box (the slot's keeper makes each run)
  bwrap     `bwrap --unshare-all --die-with-parent` with equivalent binds
            (read-only /usr /etc subset, tmpfs /tmp, /proc, minimal /dev)

it takes the median wall time over N runs, back to back and "gapped" (an
idle pause before each run, as a lightly loaded service sees), and prints
a table with each row's overhead over bare and its ratio to bare.  All rows
are timed by the same small C driver (tests/bench/sandbox_inproc.c, built
here with gcc against build/libcoderunner.a) so they share the measuring
overhead.

Exits non-zero only when a run is broken (a driver or a run fails), never
because something is slow.  Usage:

  tests/bench/sandbox_overhead.py [-n RUNS] [--gap MS] [--quick] [--build DIR]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import results as bench_results

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
CLI = os.path.join(BUILD, "coderunner")


def set_build(path):
    """Measures the build in path (default build/) instead."""
    global BUILD, OUT, CLI
    BUILD = os.path.abspath(path)
    OUT = os.path.join(BUILD, "bench")
    CLI = os.path.join(BUILD, "coderunner")


def build():
    os.makedirs(OUT, exist_ok=True)
    libs = subprocess.run(["pkg-config", "--libs", "json-c", "sqlite3"],
                          stdout=subprocess.PIPE, text=True,
                          check=True).stdout.split()
    src = os.path.join(ROOT, "tests", "bench")
    steps = [
        ["gcc", "-O2", "-std=gnu11", "-D_GNU_SOURCE", "-I" + os.path.join(
            ROOT, "src"), "-o", os.path.join(OUT, "sandbox_inproc"),
         os.path.join(src, "sandbox_inproc.c"),
         # bound at start, as the Makefile links the programs: else the
         # run's init gets a copy of the driver's memory (child.c)
         os.path.join(BUILD, "libcoderunner.a")] + libs + ["-lpthread",
                                                          "-Wl,-z,now"],
        ["gcc", "-O2", "-static", "-o", os.path.join(OUT, "hello"),
         os.path.join(src, "hello.c")],
        ["gcc", "-O2", "-o", os.path.join(OUT, "touch64"),
         os.path.join(src, "touch64.c")],
    ]
    for s in steps:
        r = subprocess.run(s, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            sys.exit("build failed: %s\n%s" % (" ".join(s), r.stdout))


def bwrap_argv(prog):
    argv = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr"]
    for d in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = "/" + d
        if os.path.islink(p):
            argv += ["--symlink", os.readlink(p), p]
        elif os.path.isdir(p):
            argv += ["--ro-bind", p, p]
    for e in ("ld.so.cache", "nsswitch.conf", "localtime", "alternatives"):
        if os.path.exists("/etc/" + e):
            argv += ["--ro-bind", "/etc/" + e, "/etc/" + e]
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
             "--ro-bind", OUT, OUT, "--chdir", "/tmp", "--"]
    return argv + prog


def measure(argv, runs, gap_ms):
    r = subprocess.run(argv + [], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv[:6]),
                                               r.returncode, r.stderr[-400:]))
    times = [int(x) / 1000.0 for x in r.stdout.split()]
    if len(times) != runs:
        raise RuntimeError("%s: %d of %d runs" % (argv[0], len(times), runs))
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200, help="runs per row")
    ap.add_argument("--gap", type=int, default=100,
                    help="idle ms before each run in the gapped rows")
    ap.add_argument("--quick", action="store_true",
                    help="/bin/true only, 50 runs (a smoke run)")
    ap.add_argument("--build", default=BUILD,
                    help="build dir with coderunner and libcoderunner.a")
    ap.add_argument("--json", help="also write the medians here, as "
                    "{program: {mode: {way: ms}}} (for bench.py's summary)")
    a = ap.parse_args()
    set_build(a.build)
    if a.quick:
        a.n = 50
    if not os.access(CLI, os.X_OK):
        sys.exit("%s is missing: run make first" % CLI)
    build()
    drv = os.path.join(OUT, "sandbox_inproc")
    box_root = tempfile.mkdtemp(prefix="cr-bench-")
    progs = [("/bin/true", ["/bin/true"]),
             ("static hello", [os.path.join(OUT, "hello")]),
             ("python3 print(1)", ["/usr/bin/python3", "-c", "print(1)"]),
             ("64 MiB touch", [os.path.join(OUT, "touch64")])]
    if a.quick:
        progs = progs[:1]
    have_bwrap = shutil.which("bwrap") is not None
    ways = ["bare", "inproc", "cli", "kept"] + (["bwrap"] if have_bwrap
                                                 else [])
    kept_slot = ["--slot", "1", "--box-root", box_root]
    subprocess.run([CLI, "sandbox", "--init"] + kept_slot, check=True,
                   stdout=subprocess.DEVNULL)
    broken = 0
    results = {}
    try:
        print("sandbox overhead: medians of %d runs (ms); over = minus bare; "
              "x = ratio to bare" % a.n)
        print("%-17s %-7s %-6s %8s %8s %7s" % ("program", "mode", "way",
                                              "median", "over", "x"))
        for name, prog in progs:
            # the sandbox's view of the bench dir: --ro for the programs
            for gap in (0, a.gap):
                base = None
                for way in ways:
                    drv_argv = [drv, "-n", str(a.n), "--gap", str(gap)]
                    if way == "bare":
                        argv = drv_argv + ["--bare", "--"] + prog
                    elif way == "inproc":
                        argv = drv_argv + ["--box-root", box_root, "--ro", OUT,
                                           "--"] + prog
                    elif way in ("cli", "kept"):
                        argv = drv_argv + ["--bare", "--", CLI, "sandbox",
                                           "--no-box", "--box-root", box_root,
                                           "--ro", OUT] + (
                            kept_slot if way == "kept" else []) + ["--"] + prog
                    else:
                        argv = drv_argv + ["--bare", "--"] + bwrap_argv(prog)
                    try:
                        med = measure(argv, a.n, gap)
                    except RuntimeError as e:
                        print("%-17s %-7s %-6s BROKEN: %s" % (
                            name, "gapped" if gap else "b2b", way, e))
                        broken += 1
                        continue
                    if way == "bare":
                        base = med
                    results.setdefault(name, {}).setdefault(
                        "gapped" if gap else "b2b", {})[way] = med
                    print("%-17s %-7s %-6s %8.3f %8s %7s" % (
                        name, "gapped" if gap else "b2b", way, med,
                        "%.3f" % (med - base) if base else "-",
                        "%.2f" % (med / base) if base else "-"))
                    sys.stdout.flush()
    finally:
        # the keeper goes whatever happened (a Ctrl-C, a broken build)
        subprocess.run([CLI, "sandbox", "--cleanup"] + kept_slot,
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(box_root, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f)
    bench_results.save("sandbox_overhead", results)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
