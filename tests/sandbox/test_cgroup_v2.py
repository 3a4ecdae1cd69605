"""On cgroup v2 a run's init is born in the run's cgroup: J clones it with
clone3(CLONE_INTO_CGROUP), and nothing writes cgroup.procs on the run's
path.  Where the kernel refuses (no clone3 or CLONE_INTO_CGROUP before
Linux 5.7; or a cgroup that will not take a process from J's ids, as for
a root caller and a dir delegated to the service user: root is not mapped
in the slot's user namespace), J clones it as on v1 and the caller moves
it in with that write.

Shown with the real kernel, from the calls the CLI and its children make
(strace -f) and from what the run's cgroup counted: a run whose program
leaves a busy loop behind is charged its CPU time, which only the cgroup
sees (the loop is never reaped, so it is in no rusage).

Where it runs: on a cgroup v2 host, in a test dir under /sys/fs/cgroup
with the memory and pids controllers (the limits are set, too); on a
hybrid host, in a dir of its cgroup2 mount at /sys/fs/cgroup/unified,
which has no controllers: cgroup2_host.py --fake makes the sandbox take
it as a delegated v2 dir, in a mount namespace of the test's own, and the
runs get no memory or pids limits there.  Otherwise SKIP.
"""

import errno
import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
CLI = os.environ.get("CODERUNNER_CLI", os.path.join(ROOT, "build",
                                                      "coderunner"))
HOST = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "cgroup2_host.py")
SVC_USER = "coderunner"
SLOT = 360      # test_kept_slot uses 300-302, the attack corpus 100-499
NAME = "cr-v2-test"
# the program: a file of the box, then a busy loop left to the run's
# init (never reaped: only the cgroup counts its CPU time)
PROGRAM = ["/bin/sh", "-c",
           "cat note; (while :; do :; done) & sleep 1"]


def fstype(path):
    r = subprocess.run(["stat", "-f", "-c", "%T", path],
                       stdout=subprocess.PIPE, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


@pytest.fixture
def host(request):
    """Where the runs' cgroups go: (real dir, fake?)."""
    if os.geteuid() != 0:
        pytest.skip("makes cgroups and mount namespaces: needs root")
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (contrib/install-deps.sh)")
    if fstype("/sys/fs/cgroup/") == "cgroup2fs":
        base, fake = "/sys/fs/cgroup", False
    elif fstype("/sys/fs/cgroup/unified/") == "cgroup2fs":
        base, fake = "/sys/fs/cgroup/unified", True
    else:
        pytest.skip("no cgroup2 mount at /sys/fs/cgroup or "
                    "/sys/fs/cgroup/unified")
    real = os.path.join(base, NAME)
    try:
        remove_tree(real)
        os.mkdir(real)
        os.mkdir(os.path.join(real, "service"))
    except OSError as e:    # a read-only or foreign cgroup tree
        pytest.skip("cannot make cgroups in %s: %s" % (base, e))
    if not fake:
        try:
            with open(os.path.join(base, "cgroup.subtree_control"),
                      "w") as f:
                f.write("+memory +pids")
            with open(os.path.join(real, "cgroup.subtree_control"),
                      "w") as f:
                f.write("+memory +pids")
        except OSError as e:
            remove_tree(real)
            pytest.skip("cannot enable memory and pids in %s: %s" %
                        (real, e))
    yield real, fake
    remove_tree(real)


def remove_tree(path):
    """Removes a cgroup dir and its children (empty by now, or once the
    last of their processes is gone: EBUSY until then)."""
    if not os.path.isdir(path):
        return
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            remove_tree(entry.path)
    deadline = time.monotonic() + 10
    while True:
        try:
            os.rmdir(path)
            return
        except OSError as e:
            if e.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="cr-cg2-", dir="/var/tmp")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run(host, tmp, unpriv, inject=None, delegated=None, procs_owned=True):
    """The CLI's run of PROGRAM under strace -f: (result, trace lines).
    The CLI runs as the service user if unpriv, else as root.  The
    delegated dir is the service user's if unpriv or delegated, and so is
    its cgroup.procs (which a move into it needs) unless not
    procs_owned."""
    real, fake = host
    cli = os.path.join(tmp, "coderunner")
    shutil.copy2(CLI, cli)
    os.chmod(cli, 0o755)
    note = os.path.join(tmp, "note")
    with open(note, "w") as f:
        f.write("from the box\n")
    os.chmod(note, 0o644)
    box_root = os.path.join(tmp, "boxes")
    os.mkdir(box_root, 0o700)
    trace = os.path.join(tmp, "trace")
    strace = ["strace", "-f", "-qq", "-o", trace,
              "-e", "trace=clone3,openat"]
    if inject:
        strace += ["-e", "inject=" + inject]
    pw = pwd.getpwnam(SVC_USER)
    if unpriv:
        # strace -u keeps newuidmap's set-user-id working (setpriv
        # under strace -f would not)
        os.chown(box_root, pw.pw_uid, pw.pw_gid)
        strace += ["-u", SVC_USER]
    if unpriv or delegated:
        for p in (real, os.path.join(real, "service"),
                  os.path.join(real, "service", "cgroup.procs")):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        if procs_owned:
            os.chown(os.path.join(real, "cgroup.procs"), pw.pw_uid,
                     pw.pw_gid)
    # limits only where there are controllers to hold them
    limits = (["--memory-limit", "0", "--max-processes", "0"] if fake else
              ["--memory-limit", "131072", "--max-processes", "16"])
    argv = (["unshare", "--mount", "--propagation", "private", "--",
             "/usr/bin/python3", HOST] + (["--fake"] if fake else []) +
            ["--leaf", real, NAME, "--"] + strace +
            [cli, "sandbox", "--slot", str(SLOT), "--box-root", box_root,
             "--cgroup", NAME, "--copy", note + ":note"] + limits +
            ["--"] + PROGRAM)
    # an ASan build's leak check does not work under ptrace
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get(
        "ASAN_OPTIONS", "") + ":detect_leaks=0")
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60, env=env)
    assert r.returncode in (0, 2), (r.stdout, r.stderr)
    with open(trace) as f:
        lines = f.read().splitlines()
    return json.loads(r.stdout), lines


def calls(lines, name, pred):
    """The results (ints) of the calls `name` whose line satisfies pred,
    joining strace's "<unfinished ...>" and "<... resumed>" halves."""
    pending, out = {}, []
    for line in lines:
        m = re.match(r"(\d+)\s+(.*)$", line)
        if not m:
            continue
        pid, rest = m.groups()
        if rest.startswith(name + "("):
            if rest.endswith("<unfinished ...>"):
                pending[pid] = pred(rest)
                continue
            if not pred(rest):
                continue
        elif rest.startswith("<... %s resumed>" % name):
            if not pending.pop(pid, False):
                continue
        else:
            continue
        res = re.search(r"\)\s+= (-?\d+)", rest)
        out.append(int(res.group(1)) if res else None)
    return out


def into_cgroup(rest):
    return "CLONE_INTO_CGROUP" in rest


def procs_write(rest):
    return "cgroup.procs" in rest and "O_WRONLY" in rest


def check_counted(res):
    assert res["status"] == "OK", res
    assert res["stdout"] == "from the box\n", res
    assert res["cgroup"] == "cgroup-v2", res
    # the loop's share of its second: only the cgroup saw the loop (the
    # rusage the run's init reports has only what it reaped)
    assert res["cpu_ms"] >= 200, res


def check_moved_in(res, lines):
    """The clone into the cgroup was refused, and the CLI moved I in."""
    check_counted(res)
    assert calls(lines, "clone3", into_cgroup) == [-1], "\n".join(lines)
    writes = calls(lines, "openat", procs_write)
    assert len(writes) == 1 and writes[0] is not None and writes[0] >= 0, \
        "\n".join(lines)


@pytest.mark.parametrize("unpriv", [False, True], ids=["root", "unpriv"])
def test_init_is_born_in_the_runs_cgroup(host, tmp, unpriv):
    res, lines = run(host, tmp, unpriv)
    check_counted(res)
    born = calls(lines, "clone3", into_cgroup)
    assert len(born) == 1 and born[0] is not None and born[0] > 0, \
        "clone3(CLONE_INTO_CGROUP) did not make the run's init:\n" + \
        "\n".join(lines)
    assert calls(lines, "openat", procs_write) == [], \
        "cgroup.procs was written:\n" + "\n".join(lines)


def test_without_clone3_init_is_moved_in(host, tmp):
    """A kernel without clone3 (ENOSYS, injected): J clones I as on v1,
    and the CLI writes I's pid into the run's cgroup.procs."""
    res, lines = run(host, tmp, False, inject="clone3:error=ENOSYS")
    check_moved_in(res, lines)


def test_a_root_caller_of_a_delegated_dir_moves_init_in(host, tmp):
    """The CLI as root, the dir delegated to the service user (as
    contrib/setup-host.sh does): the cgroup refuses the clone from J,
    whose ids (root's) mean nothing in the slot's user namespace, and the
    CLI, root on the host, moves the init in."""
    res, lines = run(host, tmp, False, delegated=True)
    check_moved_in(res, lines)


def test_a_cgroup_that_takes_no_process_is_the_runs_error(host, tmp):
    """Delegation without the dir's cgroup.procs: neither the clone nor
    the move gets the init in, and the run fails and says where."""
    res, lines = run(host, tmp, True, procs_owned=False)
    assert res["status"] == "IE", res
    assert "cgroup.procs: Permission denied" in res["error"], res
    assert calls(lines, "clone3", into_cgroup) == [-1], "\n".join(lines)


def test_an_executors_runs_take_spare_cgroups(host, tmp):
    """A handle opened as an executor opens it (spare_cgroup) makes the
    next run's cgroup while a run's program runs: three runs make four
    cgroups (the first its own, then a spare during each run, the last
    one removed at close), each run's init is born in its cgroup and
    nothing writes cgroup.procs, and nothing is left after close."""
    real, fake = host
    lib = os.path.join(ROOT, "build", "libcoderunner.a")
    if not os.path.exists(lib):
        pytest.fail("%s is missing: run make first" % lib)
    libs = subprocess.run(["pkg-config", "--libs", "json-c", "sqlite3"],
                          stdout=subprocess.PIPE, text=True,
                          check=True).stdout.split()
    drv = os.path.join(tmp, "slot_runs")
    subprocess.run(["gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O2",
                    "-I" + os.path.join(ROOT, "src"), "-o", drv,
                    os.path.join(ROOT, "tests", "sandbox", "slot_runs.c"),
                    lib] + libs + ["-lpthread", "-Wl,-z,now"], check=True)
    box_root = os.path.join(tmp, "boxes")
    os.mkdir(box_root, 0o700)
    trace = os.path.join(tmp, "trace")
    argv = (["unshare", "--mount", "--propagation", "private", "--",
             "/usr/bin/python3", HOST] + (["--fake"] if fake else []) +
            ["--leaf", real, NAME, "--", "strace", "-f", "-qq", "-o", trace,
             "-e", "trace=clone3,openat,mkdir,rmdir", drv, "--slot",
             str(SLOT), "--box-root", box_root, "--cgroup", NAME, "--spare"] +
            (["--no-limits"] if fake else []) +
            ["--", "/bin/echo", "a", "--", "/bin/echo", "b", "--",
             "/bin/echo", "c"])
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get(
        "ASAN_OPTIONS", "") + ":detect_leaks=0")
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60, env=env)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert r.stdout.splitlines() == ["OK 0 a\\n", "OK 0 b\\n",
                                     "OK 0 c\\n"], r.stdout
    with open(trace) as f:
        lines = f.read().splitlines()
    mine = "/%s/s%d-" % (NAME, SLOT)
    made = calls(lines, "mkdir", lambda rest: mine in rest)
    removed = calls(lines, "rmdir", lambda rest: mine in rest)
    born = calls(lines, "clone3", into_cgroup)
    assert made == [0, 0, 0, 0], "\n".join(lines)
    assert removed.count(0) == 4, "\n".join(lines)
    assert len(born) == 3 and all(b is not None and b > 0 for b in born), \
        "\n".join(lines)
    assert calls(lines, "openat", procs_write) == [], "\n".join(lines)
    left = [e.name for e in os.scandir(real) if e.is_dir()]
    assert left == ["service"], left
