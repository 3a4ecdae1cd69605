"""The attack corpus (../shared/attack-corpus.md) against `coderunner sandbox`.

Every corpus entry is a program in tests/sandbox/progs/ (aNN_name.c, plus
a38_chroot.py for the Python variant and a few extra probes xNN_*.c).  The
session compiles them once with gcc into build/sandbox-progs/ and runs each
through the CLI with the corpus's default limit profile L0, in three
modes:

  root    the CLI runs as root; the box's uid outside is 200000 + slot
  unpriv  the CLI runs as the service user `coderunner` (setpriv), with an
          unprivileged user namespace and the cgroup dirs delegated to it by
          contrib/setup-host.sh -- the production mode
  kept    as root, each slot kept by `coderunner sandbox --init`: the runs
          are made by the slot's keeper, a long-lived process that runs
          one hostile program after another (--cleanup after each entry,
          which returns once the keeper has finished the last run)

After every entry the harness checks the corpus's global invariants where
this machine allows (see check_* below): G1 timeliness, G2 no survivors,
G3 host files unchanged, G4 canary processes intact, G5 a fresh A0 probe in
the same slot, G6 host resources back to baseline, G7 a sane record, and G8
for [C] entries a concurrent victim run in another slot.

Timing-insensitive entries run in a thread pool (each in its own slot) the
first time one of them is asked for; entries whose verdict depends on CPU or
wall time run one at a time.  G6's global counts (mount table, SysV IPC,
cgroups) are compared after each serial entry and after the parallel batch.

The CLI and the programs are copied into the session's temp dir under
/var/tmp, as `make run` copies the service's program into its run dir: the
service user must be able to reach them, and it may not be able to enter
the checkout (a clone under root's 0700 home).

Environment: CODERUNNER_CLI overrides build/coderunner (e.g. the ASan
build/test/coderunner); CODERUNNER_SANDBOX_MODES (e.g. "root unpriv")
limits the modes.
"""

import concurrent.futures
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
PROGS_SRC = os.path.join(ROOT, "tests", "sandbox", "progs")
PROGS = os.path.join(ROOT, "build", "sandbox-progs")
CLI = os.environ.get("CODERUNNER_CLI", os.path.join(ROOT, "build",
                                                      "coderunner"))
SVC_USER = "coderunner"
UID_BASE = 200000
CG_ROOT = "/sys/fs/cgroup"
CG_NAME = "coderunner"

# L0 (corpus 0.1)
CPU_MS, WALL_MS, MEM_KB, PROCS = 1000, 3000, 256 * 1024, 32
L0 = ["--time-limit", "1", "--wall-time-limit", "3",
      "--memory-limit", str(MEM_KB), "--max-processes", str(PROCS),
      "--output-limit", "65536", "--file-size-limit", "1024",
      "--open-files", "64"]
VERDICTS = {"OK", "RE", "SIG", "TLE", "WTLE", "MLE", "OLE", "SV"}

# The corpus assumes an idle host; this one is shared.  So that a busy host
# cannot change a verdict, an entry that is about something else than time
# gets ample time (filling 256 MiB alone takes about 1 s of CPU on a 2-core
# VM with slow page faults, which is all of L0's), and an entry about CPU
# time keeps L0's CPU limit but gets ample wall time, so that it ends on
# its CPU limit even when it gets a third of a core.  Entries about wall
# time keep L0.  (Corpus 0.1: an entry may override L0.)
ROOM = ["--time-limit", "10", "--wall-time-limit", "20"]
ROOM_WALL_MS = 20000
CPU_ROOM = ["--wall-time-limit", "10"]
CPU_ROOM_WALL_MS = 10000

# slots: each mode its own range, so sweeps of one never touch the other
SLOT_BASE = {"root": 100, "unpriv": 200, "kept": 400}
VICTIM_OFFSET = 90          # victim runs (G8) use base + 90 + k


# --------------------------------------------------------------------------
# the entries

class Entry:
    def __init__(self, eid, prog, expect, args=(), serial=False,
                 concurrent=False, opts=(), cmd=None, wall_ms=WALL_MS):
        self.eid = eid              # "A0", "A38py", "X1", ...
        self.prog = prog            # binary (or .py) name in PROGS
        self.expect = expect        # fn(res, ctx) -> list of problems
        self.args = args            # fn(ctx) -> argv tail, or a tuple
        self.serial = serial        # verdict depends on time: run alone
        self.concurrent = concurrent    # [C]: beside a victim run
        self.opts = list(opts)      # extra CLI options (override L0)
        self.cmd = cmd              # argv in the box (default /box/prog)
        self.wall_ms = wall_ms

    def __repr__(self):
        return self.eid


def want(res, status, stdout=None):
    p = []
    st = status if isinstance(status, (set, tuple)) else {status}
    if res["status"] not in st:
        p.append("status %s, want %s (%s)" % (res["status"], "/".join(
            sorted(st)), res.get("message") or res.get("error")))
    if stdout is not None and res.get("stdout") != stdout:
        p.append("stdout %r, want %r" % (res.get("stdout", "")[:200], stdout))
    return p


def blocked(res, ctx=None):
    """Outcome B: OK with exactly BLOCKED, or SV; never 42 or ESCAPED."""
    p = []
    out, err = res.get("stdout", ""), res.get("stderr", "")
    if "ESCAPED" in out or "ESCAPED" in err:
        p.append("escaped: " + " | ".join(l for l in out.splitlines()
                                          if "ESCAPED" in l)[:400])
    if res.get("exit_code") == 42:
        p.append("exit code 42")
    if res["status"] == "SV":
        return p
    return p + want(res, "OK", "BLOCKED\n")


def probe_ok(res, ctx):
    p = want(res, "OK")
    out = res.get("stdout", "")
    facts = dict(l.split("=", 1) for l in out.splitlines()
                 if "=" in l and not l.startswith(("uid", "sysv")))
    m = re.search(r"^uid=(\d+) euid=(\d+)", out, re.M)
    if not m or m.group(1) == "0" or m.group(2) == "0" or \
            int(m.group(1)) == ctx.cli_uid:
        p.append("bad uid line")
    fds = re.findall(r"^fd (\d+) (\w+)$", out, re.M)
    if [f for f, _ in fds] != ["0", "1", "2"] or \
            any(t == "sock" for _, t in fds):
        p.append("fds %r" % fds)
    if int(facts.get("procpids", "99")) > 2:
        p.append("procpids " + facts.get("procpids", "?"))
    if facts.get("tmp_entries") != "0" or facts.get("shm_entries") != "0":
        p.append("/tmp or /dev/shm not empty")
    if facts.get("cwd_entries") != "1 prog":
        p.append("cwd entries %r" % facts.get("cwd_entries"))
    if "sysv shm=0 sem=0 msg=0" not in out:
        p.append("SysV objects visible")
    if facts.get("tty") not in ("ENXIO", "ENOENT"):
        p.append("/dev/tty " + str(facts.get("tty")))
    if facts.get("env") is not None:
        pass
    env = re.search(r"^env (.*)$", out, re.M)
    if not env or set(env.group(1).split()) - {"PATH", "HOME", "LANG",
                                               "LC_ALL"}:
        p.append("environment not whitelisted: %r" % (env and env.group(1)))
    return p


def e_many_small(res, ctx):
    p = want(res, "MLE")
    if res.get("stdout") != "oom_score_adj 1000\n":
        p.append("the program's OOM score is not the highest: %r"
                 % res.get("stdout"))
    return p


def e_fork_bomb(res, ctx):
    p = want(res, {"TLE", "WTLE"})
    peak = res.get("procs_peak")
    if peak is None:
        p.append("no procs_peak in the result")
    elif peak > PROCS:
        p.append("procs_peak %d > %d" % (peak, PROCS))
    if not ctx.extra.get("bomb_seen") and ctx.sees_slots():
        p.append("the harness never saw the bomb's processes")
    if not ctx.extra.get("host_fork_ok"):
        p.append("the host could not fork during the run")
    return p


def e_thread_bomb(res, ctx):
    p = want(res, "TLE")
    n = [int(x) for x in re.findall(r"threads=(\d+)", res.get("stderr", ""))]
    if n and max(n) > PROCS - 1:
        p.append("%d threads" % max(n))
    if res["cpu_ms"] < CPU_MS:
        p.append("cpu_ms %d < %d" % (res["cpu_ms"], CPU_MS))
    return p


def e_tle_cpu(lo, hi=None):
    """TLE (the CPU limit, not the wall limit, which has room) with the
    CPU time in [lo, hi]: a program the limit does not stop, or stops
    late, is caught by the CPU time it got.  (The corpus's wall_ms <= 1700
    for A21 holds on an idle host only: a spinner given a third of a core
    by a busy host needs 3 s of wall time for its 1 s of CPU.)"""
    def f(res, ctx):
        p = want(res, "TLE")
        if res["cpu_ms"] < lo or (hi is not None and res["cpu_ms"] > hi):
            p.append("cpu_ms %d not in [%d, %s]" % (res["cpu_ms"], lo, hi))
        return p
    return f


def e_orphans(res, ctx):
    p = want(res, "OK", "parent done\n")
    if res["wall_ms"] > 1000:
        p.append("wall_ms %d > 1000" % res["wall_ms"])
    return p


def e_zombies(res, ctx):
    p = want(res, "OK")
    m = re.match(r"count=(\d+) errno=(\w+)", res.get("stdout", ""))
    if not m or int(m.group(1)) > PROCS - 1 or m.group(2) != "EAGAIN":
        p.append("stdout %r" % res.get("stdout"))
    return p


def e_mle_peak(res, ctx):
    p = want(res, "MLE")
    mib = res["memory_kb"] / 1024
    if not 230 <= mib <= 272:
        p.append("peak %.1f MiB not in [230, 272]" % mib)
    return p


def e_oom_init(res, ctx):
    """MLE, from the caller that answered: with the program killed, not
    the CLI.  Without a memory cgroup nothing counts the tmpfs against the
    limit (rlimits only): the program fills it, or the tmpfs's own size
    stops it, and the CLI must answer all the same."""
    if ctx.backend == "none":
        p = want(res, {"OK", "RE"})
        if not res.get("stdout", "").startswith("score lowered\n"):
            p.append("stdout %r" % res.get("stdout", "")[:200])
        return p
    return want(res, "MLE", "score lowered\n")


def e_reserve(res, ctx):
    p = want(res, "OK")
    if res.get("stdout") not in ("ALLOC_OK\n", "ALLOC_FAIL\n"):
        p.append("stdout %r" % res.get("stdout"))
    if res["memory_kb"] > 32 * 1024:
        p.append("memory_kb %d > 32 MiB" % res["memory_kb"])
    return p


def e_recursion(res, ctx):
    p = want(res, {"SIG", "MLE"})
    if res["status"] == "SIG" and res["signal"] != 11:
        p.append("signal %d" % res["signal"])
    return p


def e_sleeper(res, ctx):
    p = want(res, "WTLE")
    if res["cpu_ms"] > 50:
        p.append("cpu_ms %d > 50" % res["cpu_ms"])
    if not 3000 <= res["wall_ms"] <= 3500:
        p.append("wall_ms %d not in [3000, 3500]" % res["wall_ms"])
    return p


def e_clock(res, ctx):
    p = blocked(res)
    if abs(ctx.extra.get("clock_drift", 0)) > 1.0:
        p.append("host clock moved by %.3f s" % ctx.extra["clock_drift"])
    return p


def e_stdout_flood(res, ctx):
    p = want(res, "OLE")
    n = len(res.get("stdout", "").encode())
    if not 61440 <= n <= 65536:
        p.append("stdout length %d" % n)
    if res["wall_ms"] > 3500:
        p.append("wall_ms %d" % res["wall_ms"])
    grow = ctx.extra.get("cli_rss_kb", 0) - ctx.base_rss_kb
    if grow > 1024:
        p.append("CLI RSS grew by %d KiB" % grow)
    return p


def e_stderr_flood(res, ctx):
    p = want(res, "OLE")
    err = res.get("stderr", "")
    if len(err.encode()) > 65536:
        p.append("stderr length %d" % len(err.encode()))
    if set(err) - {"e", "\n"}:
        p.append("stderr has more than the program's bytes")
    return p


def e_big_file(res, ctx):
    p = want(res, "OLE")
    if res["signal"] != signal.SIGXFSZ:
        p.append("signal %d, want SIGXFSZ" % res["signal"])
    return p


def e_inodes(res, ctx):
    p = want(res, {"OK", "WTLE"})
    m = re.search(r"count=(\d+)", res.get("stdout", ""))
    if res["status"] == "OK" and (not m or int(m.group(1)) > 2048):
        p.append("stdout %r (more than 2048 inodes)" % res.get("stdout"))
    return p


def e_argv(res, ctx):
    return want(res, "OK") + ([] if res.get("stdout") in (
        "E2BIG\n", "REEXEC_OK\n") else ["stdout %r" % res.get("stdout")])


def e_chroot(res, ctx):
    p = blocked(res)
    m = re.search(r"^ROOT (\d+):(\d+)$", res.get("stderr", ""), re.M)
    st = os.stat("/")
    if not m:
        p.append("no ROOT line on stderr")
    elif (int(m.group(1)), int(m.group(2))) == (st.st_dev, st.st_ino):
        p.append("the box's / is the host's /")
    return p


def e_hostname(res, ctx):
    p = want(res, "TLE", "BLOCKED\n")
    if ctx.extra.get("hostname_after") != ctx.hostname:
        p.append("host hostname changed")
    return p


def e_sv(res, ctx):
    p = want(res, "SV")
    if "ESCAPED" in res.get("stdout", ""):
        p.append("escaped")
    return p


_ia32 = {}


def host_runs_int80():
    """Whether this kernel runs a 64-bit program's int 0x80 at all, asked
    once by running the X1 program on the host, outside any box: it
    returns 42 where the call runs, and dies of SIGSEGV where the kernel
    has ia32 emulation off."""
    if "v" not in _ia32:
        r = subprocess.run([os.path.join(PROGS, "x01_int80")],
                           stdout=subprocess.DEVNULL)
        if r.returncode not in (42, -signal.SIGSEGV):
            pytest.fail("int 0x80 probe on the host: exit %d" % r.returncode)
        _ia32["v"] = r.returncode == 42
    return _ia32["v"]


def e_int80(res, ctx):
    """X1: the i386 call never runs.  Where the kernel runs it, the filter
    must kill it (SV); where the kernel refuses it (SIGSEGV before seccomp
    sees it), that is the outcome, and a host limit, not a sandbox fault."""
    if host_runs_int80() or res["status"] == "SV":
        return e_sv(res, ctx)
    p = want(res, "SIG")
    if res["signal"] != signal.SIGSEGV:
        p.append("signal %d, want SIGSEGV (ia32 emulation is off here)"
                 % res["signal"])
    if "ESCAPED" in res.get("stdout", ""):
        p.append("escaped")
    return p


def e_machine(res, ctx):
    p = blocked(res)
    if ctx.extra.get("uptime_after", 1) <= ctx.extra.get("uptime_before", 0):
        p.append("host uptime did not increase")
    return p


def e_raw(res, ctx):
    p = blocked(res)
    if ctx.extra.get("links_after") != ctx.links:
        p.append("host links changed")
    return p


def e_compile_box(res, ctx):
    """X4: a writable (compile) box is a tmpfs of its own with the corpus's
    16 MiB cap: writing stops with ENOSPC there, nothing reaches the
    host's disk (whose free space would let it write on to the file size
    limit of each file)."""
    p = want(res, "OK")
    out = res.get("stdout", "")
    if "fs=tmpfs\n" not in out:
        p.append("the writable box is not a tmpfs: %r" % out[:200])
    m = re.search(r"mib=(\d+) errno=(\w+)", out)
    if not m or m.group(2) != "ENOSPC" or int(m.group(1)) > 17:
        p.append("writes were not capped at 16 MiB: %r" % out[:200])
    return p


def e_export_plain(res, ctx):
    """X7 plain: the host reads back exactly the box's files."""
    p = want(res, "OK", "done\n")
    got = {f["path"]: (f["mode"], f["size"])
           for f in res.get("box_files") or []}
    want_files = {"out": (0o755, 19), "sub/data.txt": (0o644, 5),
                  "prog": (0o755, os.path.getsize(os.path.join(
                      PROGS, "x07_export")))}
    if got != want_files:
        p.append("exported %r, want %r" % (got, want_files))
    return p


def e_export_hostile(res, ctx):
    """X7 hostile: links, a fifo and an unreadable file make the box
    nothing to keep, and reading it changed nothing on the host."""
    p = want(res, "OK", "done\n")
    if res.get("box_files", "absent") is not None:
        p.append("a box with links was exported: %r" % res.get("box_files"))
    for path, digest in ctx.extra.get("watch", {}).items():
        if file_digest(path) != digest:
            p.append("host file %s changed" % path)
    return p


def e_plant(res, ctx):
    p = want(res, "OK", "planted\n")
    for path, digest in ctx.extra.get("watch", {}).items():
        if file_digest(path) != digest:
            p.append("host file %s changed or removed" % path)
    return p


# room for entries about memory, output and files, and for CPU entries
MEM = {"opts": ROOM, "wall_ms": ROOM_WALL_MS}
CPU = {"opts": CPU_ROOM, "wall_ms": CPU_ROOM_WALL_MS}

ENTRIES = [
    Entry("A0", "a00_probe", probe_ok),
    Entry("A1", "a01_fork_bomb", e_fork_bomb, serial=True, concurrent=True),
    Entry("A3", "a03_thread_bomb", e_thread_bomb, serial=True, **CPU),
    Entry("A4", "a04_threads_cpu", e_tle_cpu(CPU_MS), serial=True, **CPU),
    Entry("A6", "a06_orphans", e_orphans),
    Entry("A8", "a08_zombies", e_zombies),
    Entry("A10", "a10_sig_ignore", e_tle_cpu(CPU_MS, 1200), serial=True,
          **CPU),
    Entry("A11", "a11_malloc_hog", e_mle_peak, **MEM),
    Entry("A12", "a12_reserve", e_reserve, **MEM),
    Entry("A14", "a14_static_array", lambda r, c: want(r, "MLE"), **MEM),
    Entry("A15", "a15_recursion", e_recursion, **MEM),
    Entry("A16", "a16_big_stack", lambda r, c: want(r, "OK", "big stack\n"),
          **MEM),
    Entry("A19", "a19_mlock", blocked, **MEM),
    Entry("A20", "a20_child_oom", lambda r, c: want(r, "MLE"), **MEM),
    Entry("A21", "a21_spin", e_tle_cpu(CPU_MS, 1200), serial=True, **CPU),
    Entry("A22", "a22_systime", e_tle_cpu(CPU_MS), serial=True, **CPU),
    Entry("A23", "a23_sleep", e_sleeper, serial=True),
    Entry("A26", "a26_clock", e_clock),
    Entry("A28", "a28_kill_all", lambda r, c: want(r, "OK", "SURVIVED\n"),
          serial=True, concurrent=True),
    Entry("A29", "a29_pid_sweep", blocked, serial=True, concurrent=True),
    Entry("A30", "a30_stdout_flood", e_stdout_flood, **MEM),
    Entry("A31", "a31_stderr_flood", e_stderr_flood, **MEM),
    Entry("A33", "a33_big_file", e_big_file, **MEM),
    Entry("A34", "a34_inodes", e_inodes, **MEM),
    Entry("A36", "a36_huge_argv", e_argv, **MEM),
    Entry("A37", "a37_secrets", blocked,
          args=lambda ctx: [ctx.db_path, ctx.config_path]),
    Entry("A38", "a38_chroot", e_chroot),
    Entry("A38py", "a38_chroot.py", e_chroot,
          cmd=["/usr/bin/python3", "/box/prog"]),
    Entry("A39", "a39_proc", blocked, args=lambda ctx: [ctx.data_dir]),
    Entry("A40", "a40_sys_dev", blocked),
    Entry("A41", "a41_write_outside", blocked),
    Entry("A45", "a45_setuid", blocked),
    Entry("A46", "a46_mount", lambda r, c: blocked(r) + (
        [] if "mount" in r.get("denied_syscalls", []) else
        ["the denied mount(2) is not reported"])),
    Entry("A47", "a47_namespaces", blocked),
    Entry("A48", "a48_ptrace", blocked),
    Entry("A49", "a49_keys_bpf", blocked),
    Entry("A50", "a50_machine", e_machine),
    Entry("A51", "a51_identity", e_hostname, args=("--spin",), serial=True,
          **CPU),
    Entry("A54", "a54_network", blocked),
    Entry("A56", "a56_unix", blocked, args=lambda ctx: [ctx.fcgi_socket]),
    Entry("A57", "a57_raw_sockets", e_raw),
    Entry("A58", "a58_fds", blocked),
    # beyond the corpus: non-native ABIs, planted links in a compile box
    Entry("X1", "x01_int80", e_int80),
    Entry("X2", "x02_x32", e_sv),
    Entry("X3", "x03_plant", e_plant, opts=["--box-rw"],
          args=lambda ctx: [ctx.watch_dir]),
    Entry("X4", "x04_compile_box", e_compile_box,
          opts=["--box-rw", "--file-size-limit", "65536"]),
    Entry("X5", "x05_host_counts", blocked),
    Entry("X7", "x07_export", e_export_plain, args=("plain",),
          opts=["--box-rw", "--export"]),
    Entry("X7h", "x07_export", e_export_hostile,
          args=lambda ctx: [os.path.join(ctx.watch_dir, "keep")],
          opts=["--box-rw", "--export"]),
    Entry("X8", "x08_many_small", e_many_small,
          opts=ROOM + ["--memory-limit", "65536"], wall_ms=ROOM_WALL_MS),
    # the run's init shares the CLI's memory (cgroup v1): were it in the
    # run's memory cgroup, the OOM killer would weigh the CLI's resident
    # set against the program's and kill both init and the CLI
    Entry("X9", "x09_oom_init", e_oom_init,
          opts=ROOM + ["--memory-limit", "8192", "--file-size-limit",
                       "65536"], wall_ms=ROOM_WALL_MS),
]
CORPUS_IDS = {"A0", "A1", "A3", "A4", "A6", "A8", "A10", "A11", "A12", "A14",
              "A15", "A16", "A19", "A20", "A21", "A22", "A23", "A26", "A28",
              "A29", "A30", "A31", "A33", "A34", "A36", "A37", "A38", "A39",
              "A40", "A41", "A45", "A46", "A47", "A48", "A49", "A50", "A51",
              "A54", "A56", "A57", "A58"}


# --------------------------------------------------------------------------
# host observations

def file_digest(path):
    try:
        st = os.lstat(path)
        with open(path, "rb") as f:
            h = hashlib.sha256(f.read()).hexdigest()
        return (h, st.st_uid, st.st_gid, st.st_mode)
    except OSError as e:
        return ("missing", e.errno)


def listing(path):
    try:
        return frozenset(os.listdir(path))
    except OSError:
        return frozenset()


def proc_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def uid_of(pid):
    m = re.search(r"^Uid:\s+(\d+)", read("/proc/%d/status" % pid), re.M)
    return int(m.group(1)) if m else None


def reaped_by_init(pid):
    """A zombie already handed to the host's init, which reaps it lazily
    (after a caller was SIGKILLed its init process goes there)."""
    st = read("/proc/%d/status" % pid)
    return re.search(r"^State:\s+Z", st, re.M) and \
        re.search(r"^PPid:\s+1$", st, re.M)


def slot_processes(slot, outer_uid):
    """Processes of a slot: in one of its cgroups, or (root) of its uid."""
    found = []
    tag = "/%s/s%d-" % (CG_NAME, slot)
    for pid in proc_pids():
        if reaped_by_init(pid):
            continue
        if tag in read("/proc/%d/cgroup" % pid):
            found.append(pid)
        elif outer_uid is not None and uid_of(pid) == outer_uid:
            found.append(pid)
    return found


def cg_dirs(prefix=None):
    out = []
    for ctrl in ("memory", "pids", "cpuacct", "freezer"):
        base = os.path.join(CG_ROOT, ctrl, CG_NAME)
        for name in listing(base):
            if os.path.isdir(os.path.join(base, name)) and (
                    prefix is None or name.startswith(prefix)):
                out.append(os.path.join(base, name))
    base = os.path.join(CG_ROOT, CG_NAME)          # cgroup v2
    if os.path.exists(os.path.join(base, "cgroup.procs")):
        for name in listing(base):
            if os.path.isdir(os.path.join(base, name)) and (
                    prefix is None or name.startswith(prefix)):
                out.append(os.path.join(base, name))
    return sorted(out)


def mounts():
    return sorted(" ".join(l.split()[3:5]) + " " + l.split(" - ")[-1]
                  for l in read("/proc/self/mountinfo").splitlines())


def ipcs():
    return tuple(len(read("/proc/sysvipc/" + k).splitlines())
                 for k in ("shm", "sem", "msg"))


def meminfo(key):
    m = re.search(r"^%s:\s+(\d+)" % key, read("/proc/meminfo"), re.M)
    return int(m.group(1))


def mem_state():
    """MemAvailable, and what a sandbox leak would hold: tmpfs + slab."""
    return meminfo("MemAvailable"), meminfo("Shmem") + meminfo("Slab")


def mem_leak(before):
    """G6 memory: MemAvailable back within 32 MiB of the baseline.  The
    host is shared (other test suites run compilers beside us), so a drop
    only counts when tmpfs + slab memory grew as well: processes of a run
    that survive are G2's business, and what is left is kernel memory."""
    avail, held = mem_state()
    return before[0] - avail > 32 * 1024 and held - before[1] > 32 * 1024


def key_users(uids):
    found = {}
    for line in read("/proc/key-users").splitlines():
        f = line.split()
        if f and int(f[0].rstrip(":")) in uids:
            found[int(f[0].rstrip(":"))] = f[2]
    return found


def links():
    return sorted(listing("/sys/class/net")), subprocess.run(
        ["ip", "-o", "addr"], stdout=subprocess.PIPE, text=True).stdout


def wait_for(fn, timeout=1.0):
    """Polls fn() until it returns a false value; returns the last one."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if not v or time.monotonic() >= deadline:
            return v
        time.sleep(0.02)


def wait_until(fn, timeout):
    """Polls fn() until it returns a true value; returns the last one."""
    return not wait_for(lambda: not fn(), timeout)


# --------------------------------------------------------------------------
# the mode: who runs the CLI, where its boxes go, the baselines

def sweep_stale_cgroups(mode):
    """Removes cgroups of this mode's slots left by an aborted session."""
    slots = "|".join(str(x) for x in range(SLOT_BASE[mode],
                                           SLOT_BASE[mode] + 100))
    for d in cg_dirs():
        m = re.search(r"/s(%s)-(\d+)-" % slots, d)
        if not m:
            continue
        try:
            os.kill(int(m.group(2)), 0)
            continue                # its maker still runs
        except ProcessLookupError:
            pass
        try:
            os.rmdir(d)
        except OSError:
            pass


class Ctx:
    def __init__(self, mode):
        self.mode = mode
        sweep_stale_cgroups(mode)
        self.tmp = tempfile.mkdtemp(prefix="cr-attacks-%s-" % mode,
                                    dir="/var/tmp")
        os.chmod(self.tmp, 0o755)
        # what the CLI's user runs and reads, where that user can reach it
        self.progs = os.path.join(self.tmp, "progs")
        shutil.copytree(PROGS, self.progs)
        os.chmod(self.progs, 0o755)
        self.cli_path = os.path.join(self.tmp, "coderunner")
        shutil.copy2(CLI, self.cli_path)
        os.chmod(self.cli_path, 0o755)
        self.box_root = os.path.join(self.tmp, "boxes")
        self.prefix = []
        self.cli_uid = os.getuid()
        if mode == "unpriv":
            pw = pwd.getpwnam(SVC_USER)
            self.cli_uid = pw.pw_uid
            os.mkdir(self.box_root, 0o700)
            os.chown(self.box_root, pw.pw_uid, pw.pw_gid)
            self.prefix = ["setpriv", "--reuid=%d" % pw.pw_uid,
                           "--regid=%d" % pw.pw_gid, "--clear-groups",
                           "--inh-caps=-all", "--"]
        self.lock = threading.Lock()
        self.next_slot = SLOT_BASE[mode]
        self.extra = {}
        # the "server": its data dir, DB, config and FastCGI socket
        self.data_dir = os.path.join(self.tmp, "data")
        os.mkdir(self.data_dir, 0o700)
        self.db_path = os.path.join(self.data_dir, "coderunner.db")
        self.config_path = os.path.join(self.data_dir, "coderunner.json")
        for p, text in ((self.db_path, "SQLite format 3\0 sentinel"),
                        (self.config_path, '{"secret": "s3cr3t"}\n')):
            with open(p, "w") as f:
                f.write(text)
            os.chmod(p, 0o600)
        self.fcgi_socket = os.path.join(self.data_dir, "fcgi.sock")
        self.fcgi = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.fcgi.bind(self.fcgi_socket)
        self.fcgi.listen(4)
        self.canary_sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.canary_sock.bind("\0judge-canary")
        self.canary_sock.listen(4)
        self.watch_dir = os.path.join(self.tmp, "watched")
        os.mkdir(self.watch_dir, 0o755)
        with open(os.path.join(self.watch_dir, "keep"), "w") as f:
            f.write("must survive the box's removal\n")
        # sentinels (G3)
        self.sentinels = [p for p in ("/etc/passwd", "/etc/shadow",
                                      self.db_path, self.config_path)]
        self.planted = []
        for d in ("/", "/etc", "/usr", "/var/tmp", "/run", "/tmp",
                  "/dev/shm"):
            p = os.path.join(d, ".cr-sentinel-%d" % os.getpid())
            try:
                with open(p, "w") as f:
                    f.write("sentinel %s\n" % p)
                os.chmod(p, 0o644)
                self.planted.append(p)
                self.sentinels.append(p)
            except OSError:
                pass
        self.watched_dirs = ["/", "/etc", "/usr", "/var/tmp", "/run",
                             "/tmp", "/dev/shm", "/home", "/root"]
        self.digests = {p: file_digest(p) for p in self.sentinels}
        self.listings = {d: listing(d) for d in self.watched_dirs}
        # G4: a canary of the CLI's own uid, which no run may signal
        self.canary = subprocess.Popen(self.prefix + ["sleep", "100000"])
        self.hostname = socket.gethostname()
        self.links = links()
        self.base_mounts = mounts()
        self.base_ipcs = ipcs()
        self.base_rss_kb = 0
        self.baseline_a0 = None
        self.batch = None

    def close(self):
        if self.mode == "kept":
            for slot in range(SLOT_BASE["kept"], self.next_slot):
                self.keep(slot, "--cleanup")
        self.canary.kill()
        self.canary.wait()
        self.fcgi.close()
        self.canary_sock.close()
        for p in self.planted:
            try:
                os.unlink(p)
            except OSError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def slot(self):
        with self.lock:
            s = self.next_slot
            self.next_slot += 1
        if self.mode == "kept":
            self.keep(s, "--init")
        return s

    def keep(self, slot, what):
        """--init or --cleanup of slot's keeper (kept mode)."""
        r = subprocess.run(self.prefix + [
            self.cli_path, "sandbox", what, "--slot", str(slot),
            "--box-root", self.box_root], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, timeout=60)
        if r.returncode != 0 or json.loads(r.stdout).get("status") != "OK":
            pytest.fail("%s slot %d: %s %s" % (what, slot, r.stdout,
                                               r.stderr))

    def outer_uid(self, slot):
        return UID_BASE + slot if self.mode != "unpriv" else None

    def sees_slots(self):
        """Whether slot_processes() finds a slot's processes: by their
        cgroup, or as root by their uid."""
        return self.mode != "unpriv" or getattr(self, "backend", "none") != \
            "none"

    def cli(self, slot, prog, args=(), opts=(), cmd=None):
        argv = self.prefix + [self.cli_path, "sandbox"] + L0 + list(opts) + [
            "--slot", str(slot), "--box-root", self.box_root,
            "--copy", os.path.join(self.progs, prog) + ":prog", "--"]
        argv += (cmd or ["/box/prog"]) + list(args)
        return argv


def run_cli(ctx, argv, timeout_s):
    """Runs the CLI; returns (result dict, elapsed s, max RSS KiB)."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    box = {}

    def reader():
        box["out"] = p.stdout.read()
        box["err"] = p.stderr.read()
    t = threading.Thread(target=reader)
    t.start()
    deadline = t0 + timeout_s
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.005)
    p.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - t0
    t.join()
    try:
        res = json.loads(box["out"].decode("utf-8", "replace"))
    except ValueError:
        res = {"status": "IE", "error": "no JSON: rc %d out %r err %r" % (
            p.returncode, box["out"][:300], box["err"][:300])}
    if p.returncode != 0 and res.get("status") != "IE":
        res = {"status": "IE", "error": "CLI exit %d: %r" % (
            p.returncode, box["err"][:300])}
    return res, elapsed, ru.ru_maxrss


def g7_problems(res):
    p = []
    st = res.get("status")
    if st not in VERDICTS:
        return ["verdict %s: %s" % (st, res.get("error") or res)]
    if res["cpu_ms"] < 0 or res["wall_ms"] < 0:
        p.append("negative time")
    if res["memory_kb"] > MEM_KB + 16 * 1024:
        p.append("memory_kb %d over limit + 16 MiB" % res["memory_kb"])
    if st == "OK" and (res["exit_code"] != 0 or res["signal"] != 0):
        p.append("OK with exit %d signal %d" % (res["exit_code"],
                                                res["signal"]))
    if st == "RE" and (res["exit_code"] == 0 or res["signal"] != 0):
        p.append("RE with exit %d signal %d" % (res["exit_code"],
                                                res["signal"]))
    if st in ("SIG", "SV") and res["signal"] == 0:
        p.append("%s without a signal" % st)
    return p


def g2_problems(ctx, slot):
    p = []
    left = wait_for(lambda: slot_processes(slot, ctx.outer_uid(slot)), 1.0)
    if left:
        p.append("G2: survivors in slot %d: %r" % (slot, left))
    left = wait_for(lambda: cg_dirs("s%d-" % slot), 1.0)
    if left:
        p.append("G2: cgroups left: %r" % left)
    boxes = [n for n in listing(ctx.box_root)
             if n.startswith("s%d-" % slot)]
    if boxes:
        p.append("G3: box dirs left: %r" % boxes)
    return p


def g3_problems(ctx):
    p = []
    for path, d in ctx.digests.items():
        if file_digest(path) != d:
            p.append("G3: %s changed" % path)
    # Other users of the machine may add files too: only new entries owned
    # by a uid a run has outside (a slot uid, or the CLI's own) count.  The
    # service user itself writes in the temp dirs (other suites run it), so
    # unprivileged those are judged by the sentinels alone.
    for d, names in ctx.listings.items():
        now = listing(d)
        if ctx.mode == "unpriv" and d in ("/tmp", "/var/tmp", "/dev/shm"):
            continue
        for name in sorted(now - names):
            try:
                uid = os.lstat(os.path.join(d, name)).st_uid
            except OSError:
                continue
            if uid == ctx.cli_uid and ctx.mode == "unpriv" or \
                    UID_BASE <= uid < UID_BASE + 1000:
                p.append("G3: new %s owned by %d" % (os.path.join(d, name),
                                                     uid))
    # (what vanishes is judged by the sentinels: others delete their files)
    return p


def g4_problems(ctx):
    p = []
    if ctx.canary.poll() is not None:
        p.append("G4: canary died (%r)" % ctx.canary.returncode)
    else:
        st = read("/proc/%d/status" % ctx.canary.pid)
        for key in ("SigPnd", "ShdPnd"):
            m = re.search(r"^%s:\s+([0-9a-f]+)" % key, st, re.M)
            if m and int(m.group(1), 16) != 0:
                p.append("G4: canary has %s %s" % (key, m.group(1)))
        if re.search(r"^State:\s+T", st, re.M):
            p.append("G4: canary stopped")
    me = read("/proc/self/status")
    for key in ("SigPnd", "ShdPnd"):
        m = re.search(r"^%s:\s+([0-9a-f]+)" % key, me, re.M)
        if m and int(m.group(1), 16) != 0:
            p.append("G4: harness has %s %s" % (key, m.group(1)))
    return p


def g6_problems(ctx, mem_before=None):
    p = []
    our = [s for s in cg_dirs() if re.search(r"/s(%s)-" % "|".join(
        str(x) for x in range(SLOT_BASE[ctx.mode],
                              SLOT_BASE[ctx.mode] + 100)), s)]
    if our:
        p.append("G6: cgroups of our slots left: %r" % our)
    m = wait_for(lambda: mounts() != ctx.base_mounts, 2.0)
    if m:
        now = mounts()
        p.append("G6: mount table +%r -%r" % (
            sorted(set(now) - set(ctx.base_mounts)),
            sorted(set(ctx.base_mounts) - set(now))))
    if wait_for(lambda: ipcs() != ctx.base_ipcs, 2.0):
        p.append("G6: SysV IPC %r, was %r" % (ipcs(), ctx.base_ipcs))
    if ctx.mode != "unpriv":
        keys = key_users(range(UID_BASE + SLOT_BASE[ctx.mode],
                               UID_BASE + SLOT_BASE[ctx.mode] + 100))
        if keys:
            p.append("G6: keys of slot uids: %r" % keys)
    if mem_before is not None and wait_for(lambda: mem_leak(mem_before),
                                           2.0):
        p.append("G6: MemAvailable %d KiB below the baseline, tmpfs+slab "
                 "%d KiB above" % (mem_before[0] - mem_state()[0],
                                   mem_state()[1] - mem_before[1]))
    return p


def run_entry(ctx, entry, serial):
    """Runs one entry and its checks; returns (result, problems)."""
    slot = ctx.slot()
    args = entry.args(ctx) if callable(entry.args) else entry.args
    argv = ctx.cli(slot, entry.prog, args, entry.opts, entry.cmd)
    problems = []
    victim = None
    extra = {}
    mem_before = mem_state() if serial else None
    if entry.concurrent:
        # The victim (corpus: wall 5 s) is about its neighbour, not about
        # time: wall room, so that a busy host cannot make it WTLE.
        vslot = SLOT_BASE[ctx.mode] + VICTIM_OFFSET
        vargv = ctx.prefix + [ctx.cli_path, "sandbox"] + L0 + [
            "--time-limit", "5", "--wall-time-limit", "10", "--slot",
            str(vslot), "--box-root", ctx.box_root, "--copy",
            os.path.join(ctx.progs, "a00_probe") + ":prog", "--",
            "/box/prog", "--loop", "2500"]
        vres = {}
        victim = threading.Thread(target=lambda: vres.update(
            r=run_cli(ctx, vargv, 25)))
        victim.start()
        # the entry starts once the victim runs, however slow the host
        if not wait_until(lambda: slot_processes(vslot, ctx.outer_uid(vslot)),
                          10) and ctx.sees_slots():
            problems.append("G8: the victim run never started")
    if entry.eid == "A1":
        def host_fork():
            # fork on the host while the bomb is going off in its slot
            extra["bomb_seen"] = wait_until(lambda: len(slot_processes(
                slot, ctx.outer_uid(slot))) >= 4, 10)
            extra["host_fork_ok"] = subprocess.run(
                ["/bin/true"]).returncode == 0
        hf = threading.Thread(target=host_fork)
        hf.start()
    if entry.eid == "A26":
        off0 = time.time() - time.monotonic()
    if entry.eid == "A50":
        extra["uptime_before"] = float(read("/proc/uptime").split()[0])
    if entry.eid in ("X3", "X7h"):
        extra["watch"] = {os.path.join(ctx.watch_dir, "keep"): file_digest(
            os.path.join(ctx.watch_dir, "keep"))}
    res, elapsed, rss = run_cli(ctx, argv, entry.wall_ms / 1000 + 15)
    extra["cli_rss_kb"] = rss
    if entry.eid == "A1":
        hf.join()
    if entry.eid == "A26":
        extra["clock_drift"] = (time.time() - time.monotonic()) - off0
    if entry.eid == "A50":
        time.sleep(0.02)
        extra["uptime_after"] = float(read("/proc/uptime").split()[0])
    if entry.eid == "A51":
        extra["hostname_after"] = socket.gethostname()
    if entry.eid == "A57":
        extra["links_after"] = links()
    # G1
    if elapsed > entry.wall_ms / 1000 + 1.0:
        problems.append("G1: result after %.2f s" % elapsed)
    problems += g7_problems(res)
    if res.get("status") in VERDICTS:
        saved, ctx.extra = ctx.extra, extra
        try:
            problems += entry.expect(res, ctx)
        finally:
            ctx.extra = saved
    problems += g2_problems(ctx, slot)
    problems += g3_problems(ctx)
    problems += g4_problems(ctx)
    if victim is not None:
        victim.join()
        vr = vres["r"][0]
        want_out = ctx.baseline_a0 + "LOOP_OK\n"
        if vr.get("status") != "OK" or vr.get("stdout") != want_out:
            problems.append("G8: victim %s %r" % (vr.get("status"),
                                                 vr.get("stdout",
                                                        vr.get("error"))))
        problems += g2_problems(ctx, vslot)
    # G5: a fresh probe in the same slot
    if ctx.baseline_a0 is not None:
        a0, _, _ = run_cli(ctx, ctx.cli(slot, "a00_probe"), 10)
        if a0.get("status") != "OK" or a0.get("stdout") != ctx.baseline_a0:
            problems.append("G5: probe after the entry: %s %r" % (
                a0.get("status"), a0.get("stdout", a0.get("error"))))
        problems += g2_problems(ctx, slot)
    if entry.eid == "A49":
        again, _, _ = run_cli(ctx, ctx.cli(slot, "a49_keys_bpf", ["check"]),
                              10)
        problems += ["A49 second run: " + x for x in blocked(again)]
    if ctx.mode == "kept":
        ctx.keep(slot, "--cleanup")
    if serial:
        problems += g6_problems(ctx, mem_before)
    return res, problems


def compile_progs():
    os.makedirs(PROGS, exist_ok=True)
    for name in sorted(os.listdir(PROGS_SRC)):
        src = os.path.join(PROGS_SRC, name)
        base, ext = os.path.splitext(name)
        if ext == ".py":
            shutil.copy(src, os.path.join(PROGS, name))
            continue
        if ext not in (".c", ".cpp"):
            continue
        out = os.path.join(PROGS, base)
        hdr = os.path.join(PROGS_SRC, "attack.h")
        if os.path.exists(out) and os.path.getmtime(out) >= max(
                os.path.getmtime(src), os.path.getmtime(hdr)):
            continue
        cc = ["g++"] if ext == ".cpp" else ["gcc", "-std=gnu11",
                                             "-D_GNU_SOURCE"]
        r = subprocess.run(cc + ["-O1", "-pthread", "-o", out, src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            pytest.fail("compiling %s:\n%s" % (name, r.stdout))
    os.chmod(PROGS, 0o755)


@pytest.fixture(scope="session")
def progs():
    if not os.access(CLI, os.X_OK):
        pytest.fail("%s is missing: run make first" % CLI)
    compile_progs()
    return PROGS


def have_unpriv():
    """None if the unprivileged mode can run here, else why not."""
    if os.getuid() != 0:
        return "the harness must start as root to switch to %s" % SVC_USER
    try:
        pwd.getpwnam(SVC_USER)
    except KeyError:
        # contrib/setup-host.sh makes the user and delegates the cgroups
        subprocess.run(["sh", os.path.join(ROOT, "contrib", "setup-host.sh")],
                       stdout=subprocess.DEVNULL)
        try:
            pwd.getpwnam(SVC_USER)
        except KeyError:
            return "no user %s and contrib/setup-host.sh made none" % SVC_USER
    r = subprocess.run(["setpriv", "--reuid=" + SVC_USER,
                        "--regid=" + SVC_USER, "--clear-groups", "--",
                        "unshare", "-U", "-r", "true"])
    if r.returncode != 0:
        return "unprivileged user namespaces do not work here"
    return None


MODES = [m for m in ("root", "unpriv", "kept") if m in os.environ.get(
    "CODERUNNER_SANDBOX_MODES", "root unpriv kept").split()]


@pytest.fixture(scope="session", params=MODES)
def ctx(request, progs):
    mode = request.param
    if mode in ("root", "kept") and os.getuid() != 0:
        pytest.skip("%s mode needs root" % mode)
    if mode == "unpriv":
        why = have_unpriv()
        if why:
            pytest.skip(why)
    c = Ctx(mode)
    try:
        # baseline probe (G5) in a fresh slot, and the CLI's own RSS
        res, _, rss = run_cli(c, c.cli(c.slot(), "a00_probe"), 10)
        if res.get("status") != "OK":
            pytest.fail("baseline probe: %r" % res)
        c.baseline_a0 = res["stdout"]
        c.base_rss_kb = rss
        c.backend = res.get("cgroup")
        yield c
    finally:
        c.close()


def batch(ctx):
    """The timing-insensitive entries, run in parallel once per mode."""
    if ctx.batch is None:
        todo = [e for e in ENTRIES if not e.serial]
        with concurrent.futures.ThreadPoolExecutor(3) as ex:
            futs = {e.eid: ex.submit(run_entry, ctx, e, False) for e in todo}
            ctx.batch = {k: f.result() for k, f in futs.items()}
        ctx.batch_g6 = g6_problems(ctx)
    return ctx.batch


def test_corpus_is_complete():
    assert {e.eid for e in ENTRIES} >= CORPUS_IDS
    for e in ENTRIES:
        base = e.prog if e.prog.endswith(".py") else e.prog + ".c"
        assert os.path.exists(os.path.join(PROGS_SRC, base)) or \
            os.path.exists(os.path.join(PROGS_SRC, e.prog + ".cpp")), e.prog


def test_backend(ctx):
    """Both modes get the same cgroup backend: the delegation works."""
    if ctx.mode == "unpriv":
        r, _, _ = run_cli(ctx, [ctx.cli_path, "sandbox", "--box-root",
                                "/var/tmp/"
                                "cr-attacks-probe", "--", "/bin/true"], 10)
        shutil.rmtree("/var/tmp/cr-attacks-probe", ignore_errors=True)
        assert ctx.backend == r.get("cgroup"), \
            "unprivileged backend %s, root %s: cgroup not delegated" % (
                ctx.backend, r.get("cgroup"))
    if ctx.backend == "none":
        pytest.skip("no cgroup backend on this host: limits are rlimits "
                    "only (see coderunner check)")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.eid)
def test_attack(ctx, entry):
    if entry.serial:
        res, problems = run_entry(ctx, entry, True)
    else:
        res, problems = batch(ctx)[entry.eid]
        problems = problems + ["after the parallel batch: " + p
                               for p in ctx.batch_g6]
    assert not problems, "%s (%s): %s\nresult: %s" % (
        entry.eid, ctx.mode, "; ".join(problems), json.dumps(
            {k: (v[:300] if isinstance(v, str) else v)
             for k, v in res.items()}))


def test_caller_killed(ctx):
    """SIGKILL the CLI mid-run: nothing of the run survives, and the next
    start in the slot sweeps the box dir and cgroup it left."""
    slot = ctx.slot()
    argv = ctx.cli(slot, "a23_sleep")
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    # wait until the program runs: a process in the slot's cgroup
    deadline = time.monotonic() + 5
    while not slot_processes(slot, ctx.outer_uid(slot)):
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.01)
    time.sleep(0.1)
    p.send_signal(signal.SIGKILL)
    p.wait()
    left = wait_for(lambda: slot_processes(slot, ctx.outer_uid(slot)), 1.0)
    assert not left, "survivors after the caller died: %r" % left
    # the next start in the slot sweeps what the dead caller left
    res, _, _ = run_cli(ctx, ctx.cli(slot, "a00_probe"), 10)
    assert res.get("status") == "OK", res
    assert res.get("stdout") == ctx.baseline_a0
    assert not g2_problems(ctx, slot)


def test_no_shared_inodes(ctx):
    """X6: two runs at the same time share no inode state.  A holder takes
    flock, POSIX and OFD locks on a system file, an /etc file and two
    device nodes and keeps them; a prober in another slot, within the
    holder's window, must see none of them.  The window is checked with
    the monotonic clock both share; a prober that missed it (a loaded
    host) is run again, at most three times."""
    for attempt in range(3):
        hslot, pslot = ctx.slot(), ctx.slot()
        hres = {}
        holder = threading.Thread(target=lambda: hres.update(r=run_cli(
            ctx, ctx.cli(hslot, "x06_shared_inodes", ["hold", "3"],
                         ["--wall-time-limit", "8"]), 20)))
        holder.start()
        time.sleep(1.0)
        pres, _, _ = run_cli(ctx, ctx.cli(pslot, "x06_shared_inodes",
                                          ["probe"]), 15)
        holder.join()
        h = hres["r"][0]
        assert h.get("status") == "OK", "holder: %r" % h
        assert "hold" not in h.get("stderr", ""), \
            "the holder could not take its locks: %s" % h["stderr"]
        mh = re.search(r"^held (\d+) (\d+)$", h.get("stdout", ""), re.M)
        mp = re.search(r"^probe (\d+)$", pres.get("stderr", ""), re.M)
        assert mh and mp, "holder %r prober %r" % (h, pres)
        if not int(mh.group(1)) < int(mp.group(1)) < int(mh.group(2)):
            continue            # the prober ran outside the window
        problems = blocked(pres)
        assert not problems, "%s\n%s" % ("; ".join(problems),
                                          pres.get("stdout"))
        return
    pytest.fail("the prober never ran while the holder held its locks")


def test_ro_path_under_var_keeps_devices(ctx):
    """A read-only path under /var (the dir the slot's device nodes are
    in) is overlaid in the slot's mount namespace; the box's /dev/null,
    /dev/zero and /dev/urandom must still open (they once sat behind that
    nodev overlay: every run failed with "open /dev/null" EACCES).  The
    boxes are outside /var here, or /var would not be overlaid."""
    d = tempfile.mkdtemp(prefix="cr-ro-var-", dir="/var/tmp")
    boxes = tempfile.mkdtemp(prefix="cr-ro-var-boxes-", dir="/tmp")
    try:
        os.chmod(boxes, 0o700)
        os.chown(boxes, ctx.cli_uid, -1)
        os.chmod(d, 0o755)
        with open(os.path.join(d, "f"), "w") as f:
            f.write("seen\n")
        os.chmod(os.path.join(d, "f"), 0o644)
        argv = ctx.prefix + [ctx.cli_path, "sandbox"] + L0 + [
            "--slot", str(ctx.slot()), "--box-root", boxes,
            "--no-box", "--ro", d, "--", "/bin/sh", "-c",
            "echo x > /dev/null && head -c 3 /dev/zero | wc -c && "
            "head -c 5 /dev/urandom | wc -c && cat %s/f" % d]
        res, _, _ = run_cli(ctx, argv, 20)
        assert res.get("status") == "OK", res
        assert res.get("stdout") == "3\n5\nseen\n", res
    finally:
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(boxes, ignore_errors=True)
