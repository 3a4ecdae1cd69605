"""contrib/run.sh (what `make run` runs) next to a running instance.

A second run.sh refuses to start when the port or the run dir's socket is
in use, whoever uses them (another run.sh, or a stack no run.sh started),
before it renders or starts anything, and removes nothing on its way out:
the first instance keeps serving.  The first one, stopped, removes the
socket it made.  Loopback only.
"""

import os
import shutil
import signal
import tempfile

import pytest
import requests

from conftest import ROOT, Stack, _free_port
from test_checkout import RunSh


@pytest.fixture(scope="module")
def first(stack):
    """A run.sh serving a run dir of its own."""
    rundir = tempfile.mkdtemp(prefix="coderunner-runsh-")
    os.chmod(rundir, 0o755)
    port = _free_port()
    run = RunSh(ROOT, port, env={"RUNDIR": rundir})
    try:
        run.key = run.wait_up(os.path.join(rundir, "api-key"))
        run.rundir = rundir
        run.sock = os.path.join(os.path.realpath(rundir), "coderunner.sock")
        yield run
        # SIGTERM to run.sh alone: it stops the stack and removes the
        # socket its program bound
        os.kill(run.p.pid, signal.SIGTERM)
        assert run.wait(60) == 0, run.text()
        assert not os.path.exists(run.sock), "run.sh left its socket"
    finally:
        run.kill()
        shutil.rmtree(rundir, ignore_errors=True)


def answers(port, key):
    r = requests.get(f"http://127.0.0.1:{port}/health",
                     headers={"X-Auth-Token": key}, timeout=30)
    return r.status_code == 200


def refused(env, port, why):
    """Runs a second run.sh; it must fail at once, saying why."""
    run = RunSh(ROOT, port, env=env)
    rc = run.wait(60)
    assert rc != 0, f"a second run.sh started:\n{run.text()}"
    assert why in run.text(), run.text()
    assert "coderunner is up" not in run.text(), run.text()


def test_second_run_sh_refuses_and_removes_nothing(first):
    ino = os.stat(first.sock).st_ino

    # the same run dir on another port: its run.sh holds the lock
    refused({"RUNDIR": first.rundir}, _free_port(), "another run.sh")

    # another run dir on the same port: nothing is made there
    other = tempfile.mkdtemp(prefix="coderunner-runsh-")
    try:
        os.chmod(other, 0o755)
        refused({"RUNDIR": other}, first.port, f"127.0.0.1:{first.port}")
        assert os.listdir(other) == [], os.listdir(other)
    finally:
        shutil.rmtree(other, ignore_errors=True)

    # a run dir served by a stack that no run.sh started (no lock): its
    # socket is in use, and neither it nor the stack's files are touched
    rundir = tempfile.mkdtemp(prefix="coderunner-runsh-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port())
    try:
        s.start()
        sock_ino = os.stat(s.socket_path).st_ino
        conf = os.path.join(rundir, "nginx.conf")
        with open(conf) as f:
            before = f.read()
        refused({"RUNDIR": rundir}, _free_port(), "in use")
        assert os.path.exists(s.socket_path), "the stack's socket was removed"
        assert os.stat(s.socket_path).st_ino == sock_ino
        with open(conf) as f:
            assert f.read() == before, "its nginx.conf was rendered over"
        assert s.get("/health").status_code == 200
    finally:
        s.stop()
        shutil.rmtree(rundir, ignore_errors=True)

    # the first one never noticed
    assert os.stat(first.sock).st_ino == ino
    assert answers(first.port, first.key)
    assert first.p.poll() is None, first.text()
