"""Kept slots: `coderunner sandbox --init` makes a slot's namespaces and
root once and a keeper process holds them, so that later CLI runs in that
slot join them instead of making their own (as isolate's --init box);
`--cleanup` stops the keeper.

Shown, not timed: runs of a kept slot are in the keeper's user and
network namespaces (the same inode in /proc/self/ns as the keeper's fds);
the keeper renews them after a package upgrade;
a keeper killed with SIGKILL leaves a socket file that the next run
removes; the keeper holds nothing but the slot's fds; a run in a kept
slot sees none of them.
"""

import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
CLI = os.environ.get("CODERUNNER_CLI", os.path.join(ROOT, "build",
                                                      "coderunner"))
SLOT = 300      # the attack corpus uses 100-299
DPKG_STATUS = "/var/lib/dpkg/status"

NS = ["/bin/sh", "-c", "readlink /proc/self/ns/user /proc/self/ns/net"]


@pytest.fixture
def box_root():
    if os.geteuid() != 0:
        pytest.skip("the kept slot tests run the CLI as root")
    d = tempfile.mkdtemp(prefix="cr-kept-", dir="/var/tmp")
    os.chmod(d, 0o700)
    yield d
    for slot in range(SLOT, SLOT + 3):
        cli(d, slot, ["--cleanup"])
    shutil.rmtree(d, ignore_errors=True)


def cli(box_root, slot, args):
    r = subprocess.run([CLI, "sandbox", "--slot", str(slot), "--box-root",
                        box_root] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    res = json.loads(r.stdout)
    assert res["status"] in ("OK", "RE"), (res, r.stderr)
    return res


def run(box_root, slot, argv):
    res = cli(box_root, slot, ["--no-box", "--"] + argv)
    assert res["status"] == "OK", res
    return res["stdout"]


def keeper_pid(box_root, slot):
    sock = os.path.join(box_root, ".slot%d.sock" % slot)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
            inode = os.stat(sock).st_ino
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == \
                        "socket:[%d]" % socket_inode(sock, inode):
                    return int(pid)
            except OSError:
                pass
    return None


def socket_inode(path, file_inode):
    """The socket inode of the unix socket bound at path (the file's own
    inode differs): from /proc/net/unix."""
    with open("/proc/net/unix") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            if len(parts) >= 8 and parts[7] == path:
                return int(parts[6])
    return -1


class Held:
    """The keeper's user and network namespaces, held open by the test:
    a namespace's inode number is reused once it is freed, so a run's
    namespace is compared with ones known to be alive."""

    def __init__(self, pid):
        self.fds, self.text = [], ""
        for kind in ("user", "net"):
            for fd in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
                path = "/proc/%d/fd/%s" % (pid, fd)
                if os.readlink(path).startswith(kind + ":["):
                    self.fds.append(os.open(path, os.O_RDONLY))
                    self.text += os.readlink(path) + "\n"
                    break

    def close(self):
        for fd in self.fds:
            os.close(fd)


def test_runs_of_a_kept_slot_are_in_its_namespaces(box_root):
    assert cli(box_root, SLOT, ["--init"]) == {
        "status": "OK", "slot": SLOT, "started": True}
    assert cli(box_root, SLOT, ["--init"])["started"] is False
    held = Held(keeper_pid(box_root, SLOT))
    try:
        assert held.text.count(":[") == 2, held.text
        assert run(box_root, SLOT, NS) == held.text
        assert run(box_root, SLOT, NS) == held.text
        # a slot without a keeper: namespaces of its own
        assert run(box_root, SLOT + 1, NS) != held.text
        # a box in a kept slot: made, written, read, gone with the run
        res = cli(box_root, SLOT, ["--", "/bin/sh", "-c",
                                   "echo kept > /box/f && cat /box/f"])
        assert res["status"] == "OK" and res["stdout"] == "kept\n", res

        pid = keeper_pid(box_root, SLOT)
        assert cli(box_root, SLOT, ["--cleanup"]) == {
            "status": "OK", "slot": SLOT, "stopped": True}
        assert not os.path.exists(os.path.join(box_root,
                                               ".slot%d.sock" % SLOT))
        deadline = time.monotonic() + 10
        while os.path.exists("/proc/%d" % pid) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists("/proc/%d" % pid), "the keeper stayed"
        assert cli(box_root, SLOT, ["--cleanup"])["stopped"] is False
        assert run(box_root, SLOT, NS) != held.text
    finally:
        held.close()


def test_the_keeper_holds_the_slot_and_nothing_else(box_root):
    cli(box_root, SLOT, ["--init"])
    pid = keeper_pid(box_root, SLOT)
    assert pid is not None
    targets = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        targets[int(fd)] = os.readlink("/proc/%d/fd/%s" % (pid, fd))
    assert [targets[i] for i in (0, 1, 2)] == ["/dev/null"] * 3, targets
    rest = sorted(v.split(":[")[0] if ":[" in v else v
                  for k, v in targets.items() if k > 2)
    kinds = [v for v in rest if v in ("user", "mnt", "net", "socket")]
    assert sorted(kinds) == ["mnt", "net", "socket", "user"], targets
    others = [v for v in rest if v not in kinds]
    # the namespace's socket table and the slot's device set, if any
    assert all(v.endswith("/net/unix") or v.startswith(
        "/var/lib/coderunner/dev/") for v in others), targets
    # and a run in the kept slot sees none of them: 0-2 and ls's own
    res = cli(box_root, SLOT, ["--no-box", "--", "/bin/ls", "/proc/self/fd"])
    assert res["status"] == "OK" and res["stdout"].split() == \
        ["0", "1", "2", "3"], res


def test_a_killed_keeper_is_not_joined(box_root):
    cli(box_root, SLOT, ["--init"])
    pid = keeper_pid(box_root, SLOT)
    held = Held(pid)
    try:
        assert run(box_root, SLOT, NS) == held.text
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while os.path.exists("/proc/%d" % pid) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        sock = os.path.join(box_root, ".slot%d.sock" % SLOT)
        assert os.path.exists(sock)
        assert run(box_root, SLOT, NS) != held.text
        assert not os.path.exists(sock), "the dead keeper's socket stayed"
        assert cli(box_root, SLOT, ["--init"])["started"] is True
    finally:
        held.close()


def test_the_keeper_renews_the_slot_after_a_package_upgrade(box_root):
    if not os.path.exists(DPKG_STATUS):
        pytest.skip(f"no {DPKG_STATUS} on this host")
    cli(box_root, SLOT, ["--init"])
    pid = keeper_pid(box_root, SLOT)
    old = Held(pid)
    st = os.stat(DPKG_STATUS)
    try:
        assert run(box_root, SLOT, NS) == old.text
        # what an upgrade does to it, its mtime; its bytes stay
        os.utime(DPKG_STATUS, ns=(st.st_atime_ns, st.st_mtime_ns + 1000))
        c = run(box_root, SLOT, NS)
        assert c != old.text, "the keeper kept the slot of the old packages"
        new = Held(pid)
        try:
            assert c == new.text and run(box_root, SLOT, NS) == new.text
        finally:
            new.close()
    finally:
        os.utime(DPKG_STATUS, ns=(st.st_atime_ns, st.st_mtime_ns))
        old.close()


def test_a_keeper_of_another_build_is_not_joined(box_root, tmp_path):
    """An upgrade since --init: the keeper runs the old program file, whose
    root and filter may differ.  Runs do not join it (and say so on
    stderr); --init replaces it."""
    other = str(tmp_path / "coderunner-old")
    shutil.copy2(CLI, other)
    r = subprocess.run([other, "sandbox", "--init", "--slot", str(SLOT),
                        "--box-root", box_root], stdout=subprocess.PIPE,
                       text=True, timeout=60)
    assert json.loads(r.stdout)["started"] is True, r.stdout
    old_pid = keeper_pid(box_root, SLOT)
    held = Held(old_pid)
    try:
        r = subprocess.run([CLI, "sandbox", "--slot", str(SLOT),
                            "--box-root", box_root, "--no-box", "--"] + NS,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        res = json.loads(r.stdout)
        assert res["status"] == "OK" and res["stdout"] != held.text, res
        assert "another build" in r.stderr, r.stderr
        assert cli(box_root, SLOT, ["--init"])["started"] is True
        deadline = time.monotonic() + 10
        while os.path.exists("/proc/%d" % old_pid) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists("/proc/%d" % old_pid), "old keeper stayed"
        new = Held(keeper_pid(box_root, SLOT))
        try:
            assert run(box_root, SLOT, NS) == new.text
        finally:
            new.close()
    finally:
        held.close()


def test_a_kept_slot_as_the_service_user(tmp_path):
    """The production mode: the CLI as the service user, its boxes with a
    subordinate uid.  --init, a run that joins, --cleanup."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become the service user")
    try:
        pw = pwd.getpwnam("coderunner")
    except KeyError:
        pytest.skip("no user coderunner (contrib/setup-host.sh makes it)")
    d = tempfile.mkdtemp(prefix="cr-kept-svc-", dir="/var/tmp")
    os.chmod(d, 0o755)
    boxes = os.path.join(d, "boxes")
    os.mkdir(boxes, 0o700)
    os.chown(boxes, pw.pw_uid, pw.pw_gid)
    prog = os.path.join(d, "coderunner")
    shutil.copy2(CLI, prog)
    os.chmod(prog, 0o755)
    as_svc = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
              "--clear-groups", "--inh-caps=-all", "--", prog, "sandbox",
              "--slot", str(SLOT + 2), "--box-root", boxes]

    def svc(args):
        r = subprocess.run(as_svc + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        return json.loads(r.stdout)
    try:
        assert svc(["--init"])["started"] is True
        pid = keeper_pid(boxes, SLOT + 2)
        assert pid is not None and os.stat("/proc/%d" % pid).st_uid == \
            pw.pw_uid
        held = Held(pid)
        try:
            res = svc(["--no-box", "--"] + NS)
            assert res["status"] == "OK" and res["stdout"] == held.text, res
        finally:
            held.close()
        assert svc(["--cleanup"])["stopped"] is True
    finally:
        svc(["--cleanup"])
        shutil.rmtree(d, ignore_errors=True)
