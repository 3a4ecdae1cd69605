"""Consecutive runs in one sandbox handle, as an executor makes them.

Runs of a handle share the slot's user and network namespaces (see the
theory of operation in src/sandbox/sandbox.c); the CLI makes one run per
process and so never shows what one run could leave for the next.  This
suite drives sandbox_run() through tests/sandbox/slot_runs.c, built here
against build/libcoderunner.a, in the two modes of test_attacks.py (root,
and the service user `coderunner`, unprivileged), and checks:

  - a run that leaves abstract unix sockets in flight (so that they outlive
    it until the kernel's garbage collector runs), SysV objects, files and
    a daemon leaves nothing the next run of the slot can see, reach or
    collide with (tests/sandbox/progs/r01_leftovers.c);
  - runs that leave nothing keep using the slot's network namespace (the
    point of sharing it), and a new one made after a leaving run becomes
    the slot's;
  - the A0 probe says the same in every run of a handle;
  - nothing of the slot (cgroups, box dirs) is left when the handle closes.
"""

import os
import pwd
import re
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
HERE = os.path.join(ROOT, "tests", "sandbox")
LIB = os.path.join(ROOT, "build", "libcoderunner.a")
SVC_USER = "coderunner"
CG_ROOT = "/sys/fs/cgroup"
# slots of their own: test_attacks.py uses 100-299
SLOT = {"root": 300, "unpriv": 301}
MODES = [m for m in ("root", "unpriv") if m in os.environ.get(
    "CODERUNNER_SANDBOX_MODES", "root unpriv").split()]


@pytest.fixture(scope="module")
def progs():
    if not os.path.exists(LIB):
        pytest.fail("%s is missing: run make first" % LIB)
    out = tempfile.mkdtemp(prefix="cr-slot-reuse-", dir="/var/tmp")
    os.chmod(out, 0o755)
    libs = subprocess.run(["pkg-config", "--libs", "json-c", "sqlite3"],
                          stdout=subprocess.PIPE, text=True,
                          check=True).stdout.split()
    steps = [
        ["gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O2", "-I" + os.path.join(
            ROOT, "src"), "-o", os.path.join(out, "slot_runs"),
         os.path.join(HERE, "slot_runs.c"), LIB] + libs + ["-lpthread",
                                                          "-Wl,-z,now"],
        ["gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O1", "-o",
         os.path.join(out, "r01_leftovers"),
         os.path.join(HERE, "progs", "r01_leftovers.c")],
        ["gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O1", "-o",
         os.path.join(out, "a00_probe"),
         os.path.join(HERE, "progs", "a00_probe.c")],
    ]
    for s in steps:
        r = subprocess.run(s, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            pytest.fail("%s:\n%s" % (" ".join(s), r.stdout))
    yield out
    shutil.rmtree(out, ignore_errors=True)


class Mode:
    def __init__(self, mode, progs):
        self.mode = mode
        self.progs = progs
        self.slot = SLOT[mode]
        self.box_root = tempfile.mkdtemp(prefix="cr-slot-boxes-",
                                         dir="/var/tmp")
        os.chmod(self.box_root, 0o700)     # as sandbox_open makes it
        self.prefix = []
        if mode == "unpriv":
            pw = pwd.getpwnam(SVC_USER)
            os.chown(self.box_root, pw.pw_uid, pw.pw_gid)
            self.prefix = ["setpriv", "--reuid=%d" % pw.pw_uid,
                           "--regid=%d" % pw.pw_gid, "--clear-groups",
                           "--inh-caps=-all", "--"]

    def runs(self, cmds, repeat=1):
        """Runs the commands in one handle; returns [(status, stdout)]."""
        argv = self.prefix + [os.path.join(self.progs, "slot_runs"),
                              "--slot", str(self.slot), "--box-root",
                              self.box_root, "--ro", self.progs,
                              "--repeat", str(repeat)]
        for c in cmds:
            argv += ["--", os.path.join(self.progs, c[0])] + list(c[1:])
        r = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        assert r.returncode == 0, "slot_runs: %s" % r.stderr
        out = []
        for line in r.stdout.splitlines():
            status, code, text = line.split(" ", 2)
            text = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n"
                          else m.group(1), text)
            out.append((status, int(code), text))
        assert len(out) == len(cmds) * repeat, r.stdout
        # the last run's init may be left for close to reap, nothing more
        m = re.search(r"^children (-?\d+) (-?\d+)$", r.stderr, re.M)
        assert m, r.stderr
        assert 0 <= int(m.group(1)) <= 1 and int(m.group(2)) == 0, r.stderr
        return out

    def leftovers(self):
        """Cgroups and box dirs of the slot that outlived the handle."""
        left = []
        tag = "s%d-" % self.slot
        for ctrl in ("memory", "pids", "cpuacct", "freezer", ""):
            base = os.path.join(CG_ROOT, ctrl, "coderunner")
            try:
                left += [os.path.join(base, n) for n in os.listdir(base)
                         if n.startswith(tag)]
            except OSError:
                pass
        left += [n for n in os.listdir(self.box_root) if n.startswith(tag)]
        return left

    def close(self):
        shutil.rmtree(self.box_root, ignore_errors=True)


@pytest.fixture(params=MODES)
def mode(request, progs):
    if os.getuid() != 0:
        pytest.skip("the harness must start as root (both modes)")
    if request.param == "unpriv":
        try:
            pwd.getpwnam(SVC_USER)
        except KeyError:
            pytest.skip("no user %s (contrib/setup-host.sh)" % SVC_USER)
    m = Mode(request.param, progs)
    yield m
    m.close()


def netns_of(text):
    m = re.match(r"netns (\S+)\n", text)
    assert m, text
    return m.group(1)


def test_leftovers_not_seen(mode):
    res = mode.runs([("r01_leftovers", "leave"), ("r01_leftovers", "look")],
                    repeat=6)
    for i in range(0, len(res), 2):
        (ls, lc, lt), (ks, kc, kt) = res[i], res[i + 1]
        assert (ls, lc) == ("OK", 0), lt
        assert re.search(r"^LEFT [1-9]", lt, re.M), \
            "the leaving run left no socket in flight: %r" % lt
        assert (ks, kc) == ("OK", 0), kt
        assert kt.endswith("CLEAN\n"), \
            "run %d found what run %d left: %r" % (i + 2, i + 1, kt)
    assert not mode.leftovers()


def test_clean_runs_share_netns(mode):
    res = mode.runs([("r01_leftovers", "look")] * 4)
    assert all(s == "OK" and t.endswith("CLEAN\n") for s, _, t in res), res
    assert len({netns_of(t) for _, _, t in res}) == 1, \
        "runs that left nothing did not keep the slot's network namespace"
    assert not mode.leftovers()


def test_new_netns_becomes_the_slots(mode):
    """The run after a leaving one gets a network namespace of its own,
    which the slot keeps for the runs after it: the run's init sends it to
    the caller, who cannot open it in /proc (the init is not dumpable)."""
    res = mode.runs([("r01_leftovers", "leave")] +
                    [("r01_leftovers", "look")] * 3)
    assert all(s == "OK" for s, _, _ in res), res
    assert re.search(r"^LEFT [1-9]", res[0][2], re.M), res[0][2]
    ns = [netns_of(t) for _, _, t in res]
    assert ns[1] != ns[0], "the run after a leaving one kept its netns"
    assert ns[1] == ns[2] == ns[3], \
        "the slot did not keep the new network namespace: %s" % ns
    assert not mode.leftovers()


def test_probe_repeats(mode):
    res = mode.runs([("a00_probe",)] * 3)
    assert all(s == "OK" for s, _, _ in res), res
    assert res[0][2] == res[1][2] == res[2][2], res
    assert re.search(r"^uid=1000 euid=1000", res[0][2], re.M), res[0][2]
    assert "sysv shm=0 sem=0 msg=0" in res[0][2]
    assert not mode.leftovers()
