"""What a box is on the host, through the real service: the uid its
processes have, and what happens to what crashed runs leave behind.

Both need root (to read every process's status and to plant a leftover
the service cannot remove); they skip otherwise.
"""

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

from conftest import Stack, _free_port

SVC_USER = "coderunner"


def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root: the service must run as its own user")


def subid_range(user):
    """The first /etc/subuid range of user, or None."""
    try:
        with open("/etc/subuid") as f:
            for line in f:
                name, start, count = line.strip().split(":")
                if name == user:
                    return int(start), int(count)
    except (OSError, ValueError):
        pass
    return None


def find_process(marker, timeout=20):
    """(pid, real uid) of the process whose argv holds marker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    argv = f.read().split(b"\0")
                with open("/proc/%s/status" % p) as f:
                    st = f.read()
            except OSError:
                continue
            if marker.encode() in argv:
                return int(p), int(re.search(r"^Uid:\s+(\d+)", st,
                                             re.M).group(1))
        time.sleep(0.05)
    return None, None


def test_box_uid_owns_nothing(stack):
    """A running box's processes are a host uid that is neither the
    service's nor the owner of anything in the run directory (database,
    socket, config, logs): a subordinate id of the service user."""
    need_root()
    svc = pwd.getpwnam(SVC_USER).pw_uid
    marker = "box-uid-" + uuid.uuid4().hex
    r = stack.submit({"language": "python3", "source_code":
                      "import time\ntime.sleep(3)\nprint('done')",
                      "command_line_arguments": marker}, wait=False)
    assert r.status_code == 201, r.text
    pid, uid = find_process(marker)
    assert pid is not None, "the box's process never showed up"
    assert uid != svc, "the box runs as the service user %d" % svc
    owners = set()
    for d, dirs, files in os.walk(stack.rundir):
        for n in dirs + files:
            try:
                owners.add(os.lstat(os.path.join(d, n)).st_uid)
            except OSError:
                pass
    assert uid not in owners, \
        "the box's uid %d owns files under %s" % (uid, stack.rundir)
    rng = subid_range(SVC_USER)
    assert rng is not None, "contrib/setup-host.sh gave no subordinate ids"
    assert rng[0] <= uid < rng[0] + rng[1], \
        "uid %d is not from %s's range %r" % (uid, SVC_USER, rng)


def metric(stack, name):
    r = stack.get("/metrics")
    assert r.status_code == 200, r.text
    m = re.search(r"^%s (\d+)$" % re.escape(name), r.text, re.M)
    return int(m.group(1)) if m else None


def test_leftover_that_cannot_go_is_counted_and_swept_again():
    """A crash leftover in box_root that the service may not remove (here
    a root-owned directory with a file) makes the executor's sweep fail:
    logged and counted in /metrics, not ignored.  Once it can be removed,
    the sweep that follows the next job takes it."""
    need_root()
    rundir = tempfile.mkdtemp(prefix="coderunner-sweep-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port(), env={
        "CODERUNNER_HTTP_WORKERS": "1", "CODERUNNER_EXECUTORS": "1",
        "CODERUNNER_ADMINS": "demo"})
    try:
        # a dead maker's dir in slot 0, as an older version left them
        p = subprocess.Popen(["true"])
        p.wait()
        left = os.path.join(rundir, "boxes", "s0-%d-00ff" % p.pid)
        os.makedirs(os.path.join(left, "deep", "er"))
        with open(os.path.join(left, "deep", "er", "f"), "w") as f:
            f.write("x")
        s.start()
        deadline = time.monotonic() + 20
        while (metric(s, "coderunner_sandbox_cleanup_failures_total") or
               0) < 1:
            assert time.monotonic() < deadline, "no cleanup failure counted"
            time.sleep(0.2)
        with open(s.app_log) as f:
            assert "sweep" in f.read(), "the failure was not logged"
        assert os.path.exists(left)
        svc = pwd.getpwnam(SVC_USER)
        for d, dirs, files in os.walk(left):
            for n in [d] + [os.path.join(d, x) for x in files]:
                os.chown(n, svc.pw_uid, svc.pw_gid)
        r = s.submit({"language": "python3", "source_code": "print(1)"})
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 20
        while os.path.exists(left):
            assert time.monotonic() < deadline, "the sweep was not retried"
            time.sleep(0.2)
    finally:
        s.stop()
        shutil.rmtree(rundir, ignore_errors=True)
