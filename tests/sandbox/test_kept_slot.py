"""Kept slots: `coderunner sandbox --init` makes a slot's namespaces and
root once and a keeper process holds them (as isolate's --init box); later
CLI calls in that slot hand their run to the keeper, which makes it in
those namespaces (a call with --export, or of another build, joins them
and runs it itself); `--cleanup` stops the keeper.

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
import struct
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


def find_process(argv, timeout=10):
    """The host pid of the process whose command line is argv (waits for
    it to start), or None."""
    want = "\0".join(argv) + "\0"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid) as f:
                    if f.read() == want:
                        return int(pid)
            except OSError:
                pass
        time.sleep(0.02)
    return None


def ancestors(pid):
    out = []
    while pid > 1:
        with open("/proc/%d/status" % pid) as f:
            pid = int([ln for ln in f if ln.startswith("PPid:")][0].split()[1])
        out.append(pid)
    return out


def test_the_keeper_makes_the_run_for_the_caller(box_root):
    """A call in a kept slot hands its run to the keeper (no handle of its
    own to open, no children to fork): the program is the keeper's
    descendant, not the CLI's.  A call with other options (--cgroup) is
    not the keeper's to run: it joins the slot and runs it itself."""
    cli(box_root, SLOT, ["--init"])
    keeper = keeper_pid(box_root, SLOT)
    for extra, by_keeper in (([], True), (["--cgroup", "cr-kept-other"],
                                          False)):
        prog = ["/bin/sleep", "%d.%d" % (20 + by_keeper, os.getpid())]
        p = subprocess.Popen([CLI, "sandbox", "--slot", str(SLOT),
                              "--box-root", box_root] + extra +
                             ["--no-box", "--wall-time-limit", "30", "--"] +
                             prog, stdout=subprocess.PIPE, text=True)
        try:
            pid = find_process(prog)
            assert pid is not None, "the program did not start"
            up = ancestors(pid)
            assert (keeper in up) is by_keeper, (extra, up, keeper)
            assert (p.pid in up) is not by_keeper, (extra, up, p.pid)
        finally:
            p.kill()
            p.wait()


def test_a_caller_that_goes_takes_its_run_with_it(box_root):
    """Killing the CLI (a grader's timeout, Ctrl-C) kills the run the
    keeper makes for it, as it kills a run of its own; the slot is free
    for the next call at once, not after the run's wall time."""
    cli(box_root, SLOT, ["--init"])
    prog = ["/bin/sleep", "30.%d" % os.getpid()]
    p = subprocess.Popen([CLI, "sandbox", "--slot", str(SLOT), "--box-root",
                          box_root, "--no-box", "--wall-time-limit", "60",
                          "--"] + prog, stdout=subprocess.PIPE)
    pid = find_process(prog)
    assert pid is not None, "the program did not start"
    p.kill()
    p.wait()
    deadline = time.monotonic() + 10
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not os.path.exists("/proc/%d" % pid), "the run outlived its caller"
    t0 = time.monotonic()
    assert run(box_root, SLOT, ["/bin/echo", "next"]) == "next\n"
    assert time.monotonic() - t0 < 20


def test_a_kept_run_answers_as_a_run_of_its_own(box_root, tmp_path):
    """The same calls in a kept slot (made by the keeper) and in a slot
    without one (made by the CLI) give the same answers: stdin, copied
    files and their modes, the box, stderr, limits, exit codes."""
    src = tmp_path / "prog.sh"
    src.write_text("echo from-script; cat; echo err >&2; exit 3\n")
    os.chmod(src, 0o755)
    data = tmp_path / "in.txt"
    data.write_bytes(b"line one\nline two\n" * 1000)
    calls = [
        ["--stdin", str(data), "--copy", "%s:bin/p.sh" % src, "--",
         "/bin/sh", "-c", "ls -l /box/bin | cut -c1-10; /box/bin/p.sh"],
        ["--stderr-to-stdout", "--no-box", "--", "/bin/sh", "-c",
         "echo out; echo err >&2"],
        ["--output-limit", "1000", "--no-box", "--", "/bin/sh", "-c",
         "yes | head -c 100000"],
        ["--time-limit", "0.3", "--no-box", "--", "/bin/sh", "-c",
         "while :; do :; done"],
        ["--box-rw", "--", "/bin/sh", "-c", "echo x > /box/y && cat /box/y"],
        ["--no-box", "--", "/nonexistent/program"],
    ]
    cli(box_root, SLOT, ["--init"])
    keys = ("status", "exit_code", "signal", "stdout", "stderr",
            "stdout_truncated", "stderr_truncated", "denied_syscalls",
            "error")
    for args in calls:
        kept = cli_any(box_root, SLOT, args)
        own = cli_any(box_root, SLOT + 1, args)
        assert {k: kept.get(k) for k in keys} == \
            {k: own.get(k) for k in keys}, (args, kept, own)
    assert "from-script\nline one" in cli_any(box_root, SLOT,
                                              calls[0])["stdout"]


def cli_any(box_root, slot, args):
    r = subprocess.run([CLI, "sandbox", "--slot", str(slot), "--box-root",
                        box_root] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    return json.loads(r.stdout)


def test_the_keeper_refuses_a_malformed_request(box_root):
    """What reaches the keeper's socket is checked before use: a request
    of the wrong size or layout gets an error answer, and the keeper goes
    on serving."""
    import socket
    cli(box_root, SLOT, ["--init"])
    path = os.path.join(box_root, ".slot%d.sock" % SLOT)
    # a request of this build (kept.c's struct kept_req: magic, exe id,
    # options) with nothing valid after: no program, lists of 0
    st = os.stat(CLI)
    ours = struct.pack("<I4xQQQ", 0x6b707472, st.st_dev, st.st_ino,
                       st.st_mtime_ns)
    ours += b"cg=\ndev=\nprep=\nuid=200000".ljust(1024, b"\0")
    for payload, code in ((b"", b"E"), (b"\0" * 7, b"E"),
                          (os.urandom(4096), b"E"), (ours, b"E"),
                          (ours + b"\0" * 4096, b"E"),
                          (ours + b"\xff" * 4096, b"E"),
                          # another build's: not this keeper's to run
                          (b"rtpk" * 1000, b"X")):
        fd = os.memfd_create("bad")
        os.write(fd, payload)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            s.settimeout(10)
            s.connect(path)
            socket.send_fds(s, [b"r"], [fd])
            answer = s.recv(512)
            assert answer[:1] == code, (payload[:16], answer)
        finally:
            s.close()
            os.close(fd)
    # "r" without its memfd: no answer, the connection closed
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect(path)
    s.send(b"r")
    assert s.recv(512) == b""
    s.close()
    assert run(box_root, SLOT, ["/bin/echo", "still"]) == "still\n"


def test_a_box_root_through_a_link_is_not_used(box_root, tmp_path):
    """A call reaches a keeper only in a box_root that sandbox_open would
    take: a link to a kept slot's box_root (one another user could plant
    in /tmp) is refused as a box_root, not followed to the keeper."""
    cli(box_root, SLOT, ["--init"])
    link = str(tmp_path / "boxes-link")
    os.symlink(box_root, link)
    r = subprocess.run([CLI, "sandbox", "--slot", str(SLOT), "--box-root",
                        link, "--no-box", "--", "/bin/true"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    res = json.loads(r.stdout)
    assert res["status"] == "IE" and "symbolic link" in res["error"], res
    assert os.path.exists(os.path.join(box_root, ".slot%d.sock" % SLOT))
    assert run(box_root, SLOT, ["/bin/echo", "ok"]) == "ok\n"
