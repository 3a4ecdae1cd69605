"""Shared fixtures: a real stack of nginx + spawn-fcgi + coderunner.fcgi.

The session-scoped fixture `stack` does what `make run` does, in a fresh
temporary directory and on a free loopback port: contrib/render-config.sh
renders the run dir (nginx config, htpasswd, API key, app config), then the
generated start-fcgi and start-nginx scripts start both programs in the
foreground as children of pytest.  Tests talk HTTP to stack.base_url only.

As root (CI), the program runs as the service user `coderunner` and nginx's
workers as www-data, exactly as in a deployment; the run dir is made
traversable for them, and render-config.sh copies the program and the
language table into it, so the checkout itself may be out of their reach
(a clone under root's 0700 home).  Otherwise everything runs as the caller.

With CODERUNNER_TEST_STORE=postgresql the session's stack keeps its data in
a database of the throwaway PostgreSQL cluster (fixture pg_cluster) instead
of the run dir's SQLite file: `make test` runs the API suites that way once
more (see the Makefile).

Uses only Debian's /usr/bin/python3 libraries (pytest, requests).
"""

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import requests

import pgcluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FCGI = os.path.join(ROOT, "build", "coderunner.fcgi")
CLI = os.path.join(ROOT, "build", "coderunner")

# Set when a test that used the stack failed: keep the run dir then.
_state = {"failed": False}

START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 40

# The session stack's extra settings (contrib/render-config.sh): a second
# user and an admin for the scoping tests, DELETE on, and callbacks signed
# with a per-run secret to the loopback address 127.0.0.2 and to the name
# localhost (whose address, 127.0.0.1, is not listed: the refused case).
STACK_ENV = {
    "CODERUNNER_EXTRA_USERS": "other boss",
    "CODERUNNER_ADMINS": "boss",
    "CODERUNNER_ALLOW_DELETE": "true",
    "CODERUNNER_CALLBACK_HOSTS": "127.0.0.2 localhost",
    "CODERUNNER_CALLBACK_SECRET": "test-" + os.urandom(8).hex(),
}


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, lines=60):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return f"({path}: {e.strerror})"
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:]) or "(empty)"


def _read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            env[k] = v
    return env


class Stack:
    """One rendered run dir and the two processes that serve it."""

    def __init__(self, rundir, port, env=None, root=ROOT):
        """env: extra render-config.sh settings (CODERUNNER_PREFIX, ...);
        root: the checkout whose contrib/render-config.sh renders it."""
        self.rundir = rundir
        self.port = port
        self.root = root
        self.fcgi_proc = None
        self.nginx_proc = None
        self._logs = []
        r = subprocess.run(["sh", os.path.join(root, "contrib",
                                               "render-config.sh"),
                            rundir, str(port)], cwd=root,
                           env=dict(os.environ, **(env or {})),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise RuntimeError("contrib/render-config.sh failed:\n"
                               + r.stdout.decode(errors="replace"))
        self.env = _read_env(os.path.join(rundir, "stack.env"))
        self.base_url = self.env["BASE_URL"]
        self.db_path = self.env["DATABASE"]
        self.socket_path = self.env["SOCKET"]
        self.service_user = self.env.get("SVC_USER") or None
        with open(os.path.join(rundir, "api-key")) as f:
            self.api_key = f.read().strip()
        with open(os.path.join(rundir, "demo-password")) as f:
            self.password = f.read().strip()
        self.user = "demo"
        self.app_log = os.path.join(rundir, "logs", "app.log")
        self.nginx_log = os.path.join(rundir, "logs", "nginx-error.log")
        self.access_log = os.path.join(rundir, "logs", "nginx-access.log")

    def credentials(self, user):
        """(password, API key) of an extra user (CODERUNNER_EXTRA_USERS)."""
        with open(os.path.join(self.rundir, "password-" + user)) as f:
            password = f.read().strip()
        with open(os.path.join(self.rundir, "api-key-" + user)) as f:
            return password, f.read().strip()

    def app_config(self):
        """The app's rendered config (coderunner.json) as a dict."""
        import json
        with open(self.env["APP_CONFIG"]) as f:
            return json.load(f)

    # --- HTTP helpers -------------------------------------------------
    @property
    def auth_headers(self):
        return {"X-Auth-Token": self.api_key}

    def url(self, path):
        return self.base_url + path

    def get(self, path, **kw):
        kw.setdefault("headers", self.auth_headers)
        kw.setdefault("timeout", 60)
        return requests.get(self.url(path), **kw)

    def post(self, path, retry_429=True, **kw):
        """POST; a 429 from the per-user rate limit is waited out (as a
        polite client does), since the suites share one user.  Tests of
        the limit itself pass retry_429=False or use their own session."""
        kw.setdefault("headers", self.auth_headers)
        kw.setdefault("timeout", 60)
        deadline = time.monotonic() + 60
        while True:
            r = requests.post(self.url(path), **kw)
            if (r.status_code != 429 or not retry_429
                    or time.monotonic() > deadline):
                return r
            time.sleep(float(r.headers.get("Retry-After", "1")))

    def submit(self, body, wait=True, timeout=60):
        """POST a JSON submission; with wait, the final result."""
        q = "?wait=true" if wait else ""
        return self.post("/submissions" + q, json=body, timeout=timeout)

    # --- processes ----------------------------------------------------
    def start(self):
        if self.running():
            return
        logs = os.path.join(self.rundir, "logs")
        app_out = open(os.path.join(logs, "app.log"), "ab")
        nginx_out = open(os.path.join(logs, "nginx-stderr.log"), "ab")
        self._logs += [app_out, nginx_out]
        self.fcgi_proc = subprocess.Popen(
            [os.path.join(self.rundir, "start-fcgi")], cwd=self.root,
            stdin=subprocess.DEVNULL, stdout=app_out, stderr=app_out)
        self.nginx_proc = subprocess.Popen(
            [os.path.join(self.rundir, "start-nginx")], cwd=self.root,
            stdin=subprocess.DEVNULL, stdout=nginx_out, stderr=nginx_out)
        self._wait_ready()

    def running(self):
        return (self.fcgi_proc is not None and self.fcgi_proc.poll() is None
                and self.nginx_proc is not None
                and self.nginx_proc.poll() is None)

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        last = "no answer"
        while time.monotonic() < deadline:
            for name, p in (("coderunner.fcgi", self.fcgi_proc),
                            ("nginx", self.nginx_proc)):
                if p.poll() is not None:
                    self.stop()
                    raise RuntimeError(
                        f"{name} exited with {p.returncode} while starting\n"
                        + self.logs())
            try:
                r = self.get("/health", timeout=2)
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:200]}"
            except requests.RequestException as e:
                last = str(e)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"stack not ready after {START_TIMEOUT_S}s "
                           f"(GET /health: {last})\n" + self.logs())

    def stop(self):
        """SIGTERM to the program, SIGQUIT (graceful) to nginx; wait."""
        procs = [(self.nginx_proc, signal.SIGQUIT),
                 (self.fcgi_proc, signal.SIGTERM)]
        for p, sig in procs:
            if p is not None and p.poll() is None:
                p.send_signal(sig)
        for p, _ in procs:
            if p is None:
                continue
            try:
                p.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.fcgi_proc = self.nginx_proc = None
        for f in self._logs:
            f.close()
        self._logs = []

    def restart(self):
        """Stops and starts the whole stack on the same run dir and db."""
        self.stop()
        self.start()

    def logs(self):
        return ("---- app log (tail) ----\n" + _tail(self.app_log)
                + "\n---- nginx error log (tail) ----\n"
                + _tail(self.nginx_log) + "\n")


def _require_kernel_features():
    """Skips (with the reason) when the kernel cannot run the sandbox."""
    probe = ["unshare", "--user", "--map-root-user", "--pid", "--fork",
             "--mount", "--net", "true"]
    if os.geteuid() == 0:
        # The service runs as the unprivileged user: probe as that user.
        probe = ["setpriv", "--reuid=coderunner", "--regid=coderunner",
                 "--clear-groups"] + probe
    try:
        r = subprocess.run(probe, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"cannot probe user namespaces: {e}")
    if r.returncode != 0:
        pytest.skip("no unprivileged user namespaces on this kernel "
                    f"({' '.join(probe)}: "
                    f"{r.stdout.decode(errors='replace').strip()})")


@contextlib.contextmanager
def own_stack(name, env, app=None):
    """A started stack of its own (run dir coderunner-<name>-*, rendered
    with env over the defaults, then app's settings over the rendered
    app config), stopped and removed afterwards.  Use it beside the
    session's `stack`, which sets the host up."""
    rundir = tempfile.mkdtemp(prefix=f"coderunner-{name}-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port(), env=env)
    if app:
        with open(s.env["APP_CONFIG"]) as f:
            conf = json.load(f)
        conf.update(app)
        with open(s.env["APP_CONFIG"], "w") as f:
            json.dump(conf, f)
    try:
        s.start()
        yield s
    finally:
        s.stop()
        shutil.rmtree(rundir, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(request):
    for path in (FCGI, CLI):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{os.path.relpath(path, ROOT)} is not built: "
                        "run `make test` (or `make all` first)")
    if os.geteuid() == 0:
        if subprocess.run(["getent", "passwd", "coderunner"],
                          stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["sh", os.path.join(ROOT, "contrib",
                                               "setup-host.sh")], check=True)
    _require_kernel_features()

    rundir = tempfile.mkdtemp(prefix="coderunner-test-")
    # Readable and traversable for the service user and nginx's workers.
    os.chmod(rundir, 0o755)
    env = dict(STACK_ENV)
    if os.environ.get("CODERUNNER_TEST_STORE") == "postgresql":
        pg = request.getfixturevalue("pg_cluster")
        pg.database("coderunner_stack")
        # the role's search_path names the schema coderunner
        pg.psql("CREATE SCHEMA IF NOT EXISTS coderunner "
                "AUTHORIZATION coderunner", db="coderunner_stack")
        env["CODERUNNER_DATABASE"] = pg.uri(db="coderunner_stack")
    elif os.environ.get("CODERUNNER_TEST_STORE", "sqlite") != "sqlite":
        pytest.fail("CODERUNNER_TEST_STORE: sqlite or postgresql")
    s = Stack(rundir, _free_port(), env=env)
    # A Prometheus scraper's bearer token, good for GET /metrics as the
    # admin boss (nginx/auth.conf).
    s.scraper_token = os.urandom(16).hex()
    with open(os.path.join(rundir, "nginx", "scrapers.map"), "w") as f:
        f.write(f'"{s.scraper_token}" boss;\n')
    atexit.register(s.stop)    # also when pytest is interrupted
    failed = False
    try:
        s.start()
        yield s
    except BaseException:
        failed = True
        raise
    finally:
        s.stop()
        if failed or _state["failed"]:
            sys.stderr.write(f"\nkept {rundir} for a look\n" + s.logs())
        else:
            shutil.rmtree(rundir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster (tests/pgcluster.py), stopped and
    removed at the end of the session; skips with the reason when the
    server is not installed."""
    why = pgcluster.available()
    if why is not None:
        pytest.skip(why)
    c = pgcluster.Cluster()
    atexit.register(c.stop)    # also when pytest is interrupted
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attaches the stack's log tails to every failed test that used it."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and "stack" in getattr(item, "funcargs", {}):
        s = item.funcargs["stack"]
        _state["failed"] = True
        rep.sections.append(("coderunner logs", s.logs()))
