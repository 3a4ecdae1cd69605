"""A checkout the service cannot enter: a fresh `git clone` under a
directory only its owner may enter (root's home is 0700, so is `mktemp
-d`).  As root the program runs as `coderunner` and nginx's workers as
www-data, who cannot go there; the two commands must work all the same:

  - the clone's contrib/render-config.sh makes a run dir that holds all
    that the service and nginx read (the program, the language table, the
    config, static files, htpasswd), and a submission is Accepted through
    nginx; a run dir they cannot reach is refused at once, naming the
    directory that stops them;
  - the clone's contrib/run.sh (what `make run` runs) comes up with its
    default run dir, keeps it in /var/lib/coderunner with run/ a link to
    it, stops on Ctrl-C and on SIGTERM, removes only what it made, and
    keeps the credentials between runs;
  - run.sh fails at once, with the cause, when the program dies while
    starting.

The clone has the committed files only; its build/ is a copy of this
checkout's (what `make all` in the clone would make).
"""

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import ROOT, Stack, _free_port, _require_kernel_features

STATE_BASE = "/var/lib/coderunner"


@pytest.fixture(scope="module")
def clone():
    if os.geteuid() != 0:
        pytest.skip("as root only: then the service runs as coderunner, "
                    "who cannot enter a private checkout")
    if subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"],
                      stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        pytest.skip("this checkout is not a git repository")
    for name in ("coderunner.fcgi", "coderunner"):
        if not os.access(os.path.join(ROOT, "build", name), os.X_OK):
            pytest.fail(f"build/{name} is not built: run `make all`")
    if subprocess.run(["getent", "passwd", "coderunner"],
                      stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["sh", os.path.join(ROOT, "contrib", "setup-host.sh")],
                       check=True)
    _require_kernel_features()
    parent = tempfile.mkdtemp(prefix="cr-checkout-")
    assert stat.S_IMODE(os.stat(parent).st_mode) == 0o700
    dest = os.path.join(parent, "x")
    subprocess.run(["git", "clone", "-q", ROOT, dest], check=True)
    os.mkdir(os.path.join(dest, "build"))
    for name in ("coderunner.fcgi", "coderunner"):
        shutil.copy2(os.path.join(ROOT, "build", name),
                     os.path.join(dest, "build", name))
    yield dest
    shutil.rmtree(parent, ignore_errors=True)


def state_dir(checkout):
    h = hashlib.sha256(os.path.realpath(checkout).encode()).hexdigest()
    return os.path.join(STATE_BASE, "run-" + h[:12])


def test_render_config_refuses_an_unreachable_run_dir_at_once(clone):
    t0 = time.monotonic()
    r = subprocess.run(["sh", "contrib/render-config.sh",
                        os.path.join(clone, "run-here"), str(_free_port())],
                       cwd=clone, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert r.returncode != 0, "a run dir coderunner cannot reach was " \
        "accepted:\n" + r.stdout
    assert time.monotonic() - t0 < 10
    # it names the directory that stops the service user
    assert "cannot reach" in r.stdout, r.stdout
    assert os.path.dirname(clone) in r.stdout, r.stdout


def test_stack_rendered_by_a_private_clone(clone):
    rundir = tempfile.mkdtemp(prefix="coderunner-clone-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port(), root=clone)
    try:
        s.start()
        r = s.submit({"language": "python3", "source_code": "print(6*7)"})
        assert r.status_code == 201, r.text
        assert r.json()["status"]["id"] == 3, r.text
        assert r.json()["stdout"] == "42\n"
        # basic auth: nginx's workers read htpasswd on every request
        r = requests.get(s.url("/languages"), auth=("demo", s.password),
                         timeout=30)
        assert r.status_code == 200, r.text
        # static files, from nginx alone
        r = requests.get(s.url("/static/coderunner.css"), timeout=30)
        assert r.status_code == 200
        # nothing the service reads is in the clone
        cfg = s.app_config()
        for key in ("database", "box_root", "languages"):
            assert not cfg[key].startswith(clone), (key, cfg[key])
        assert not s.env["FCGI"].startswith(clone), s.env["FCGI"]
    except BaseException:
        print(s.logs())
        raise
    finally:
        s.stop()
        shutil.rmtree(rundir, ignore_errors=True)


class RunSh:
    """contrib/run.sh of a checkout, in a session of its own (as a
    terminal would start it), its output collected."""

    def __init__(self, checkout, port, env=None):
        e = dict(os.environ, PORT=str(port), **(env or {}))
        if "RUNDIR" not in (env or {}):
            e.pop("RUNDIR", None)
        self.port = port
        self.out = []
        self.p = subprocess.Popen(["sh", "contrib/run.sh"], cwd=checkout,
                                  env=e, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  start_new_session=True)
        self.t = threading.Thread(target=self._read)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.out.append(line.decode(errors="replace"))

    def text(self):
        return "".join(self.out)

    def wait_up(self, key_file, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.p.poll() is None, \
                f"run.sh exited with {self.p.returncode}:\n{self.text()}"
            if "coderunner is up" in self.text():
                with open(key_file) as f:
                    return f.read().strip()
            time.sleep(0.1)
        raise AssertionError("run.sh did not come up:\n" + self.text())

    def wait(self, timeout):
        try:
            rc = self.p.wait(timeout)
        finally:
            if self.p.poll() is None:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
            self.t.join()
        return rc

    def kill(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
        self.t.join()


def processes_of(pgid, path):
    """Processes in the process group, or whose argv names path."""
    found = []
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            if os.getpgid(pid) == pgid:
                found.append(pid)
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if path.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def stopped_cleanly(run, state, how):
    rc = run.wait(60)
    assert rc == 0, f"run.sh exited with {rc} after {how}:\n{run.text()}"
    deadline = time.monotonic() + 5
    while processes_of(run.p.pid, state):
        assert time.monotonic() < deadline, \
            f"left running after {how}: {processes_of(run.p.pid, state)}"
        time.sleep(0.1)
    assert not os.path.exists(os.path.join(state, "coderunner.sock"))
    # what it keeps between runs
    for f in ("api-key", "demo-password", "db/coderunner.db"):
        assert os.path.exists(os.path.join(state, f)), f


def test_make_run_from_a_private_clone(clone):
    state = state_dir(clone)
    link = os.path.join(clone, "run")
    assert not os.path.lexists(state), f"{state} exists already"
    port = _free_port()
    run = None
    try:
        run = RunSh(clone, port)
        key = run.wait_up(os.path.join(link, "api-key"))
        assert os.path.islink(link), "run/ is not a link"
        assert os.path.realpath(link) == state
        assert stat.S_IMODE(os.stat(os.path.dirname(clone)).st_mode) == \
            0o700, "the checkout's modes must not change"
        r = requests.post(f"http://127.0.0.1:{port}/submissions?wait=true",
                          headers={"X-Auth-Token": key}, timeout=60,
                          json={"language": "python3",
                                "source_code": "print(6*7)"})
        assert r.status_code == 201, r.text
        assert r.json()["stdout"] == "42\n", r.text

        # Ctrl-C: SIGINT to the whole process group, as a terminal sends it
        os.killpg(run.p.pid, signal.SIGINT)
        stopped_cleanly(run, state, "Ctrl-C")
        # the checkout is as cloned (run is ignored by .gitignore)
        st = subprocess.run(["git", "status", "--porcelain"], cwd=clone,
                            stdout=subprocess.PIPE, text=True, check=True)
        assert st.stdout == "", st.stdout

        # again: same run dir, same credentials; SIGTERM to run.sh alone
        run = RunSh(clone, port)
        assert run.wait_up(os.path.join(link, "api-key")) == key
        run.p.send_signal(signal.SIGTERM)
        stopped_cleanly(run, state, "SIGTERM")
    finally:
        if run is not None:
            run.kill()
        shutil.rmtree(state, ignore_errors=True)
        if os.path.islink(link):
            os.unlink(link)


def test_run_sh_fails_at_once_with_the_cause(clone):
    # the program dies while starting: its own words, at once
    rundir = tempfile.mkdtemp(prefix="coderunner-clone-")
    os.chmod(rundir, 0o755)
    try:
        t0 = time.monotonic()
        run = RunSh(clone, _free_port(), env={
            "RUNDIR": rundir, "CODERUNNER_HTTP_WORKERS": "-1"})
        rc = run.wait(30)
        assert rc != 0, run.text()
        assert time.monotonic() - t0 < 15, run.text()
        assert "did not come up" in run.text(), run.text()
        assert "http_workers" in run.text(), run.text()
        assert not processes_of(run.p.pid, rundir)
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
    # a run dir the service cannot reach: said at once, nothing started
    t0 = time.monotonic()
    run = RunSh(clone, _free_port(), env={
        "RUNDIR": os.path.join(os.path.dirname(clone), "elsewhere")})
    rc = run.wait(30)
    assert rc != 0, run.text()
    assert time.monotonic() - t0 < 10, run.text()
    assert "cannot reach" in run.text(), run.text()
