"""The fault suite: the service under the faults a host really has, each
while submissions keep coming.

One stack of its own (2 http workers, 2 executors, callbacks on, a time
budget of 5 s so that a lease is 35 s), with its database on a small
tmpfs when run as root.  In turn: kill -9 of an http worker (its waiting
clients retry with their Idempotency-Key), of an executor, of the
callback sender and of the master; SIGTERM and a restart with jobs in the
queue; the database held locked by another process; the database file
made read-only; the file system full, and a start on it with a job left
running.  After each fault is over, every submission that was
acknowledged (201 or 202 with a token) must reach exactly one final
verdict within a lease and a sweep; no answer may be a 500, no 503 may
lack Retry-After, and a 502 is allowed only when an http worker or the
master was killed.  At the end the stack stops and nothing of it may be
left: no process, box directory or cgroup.

The counts (acknowledged, final, stuck, duplicated, leftovers) are the
last lines pytest prints before its summary.  `make soak` runs the same
suite longer: CODERUNNER_FAULT_LOCK_S (the lock, 8 s here, 30 s there),
CODERUNNER_FAULT_ROUNDS (each fault that many times) and
CODERUNNER_FAULT_LOAD_RPS (the background submissions per second).
Loopback only.
"""

import collections
import json
import os
import pwd
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
import requests

from conftest import Stack, _free_port, _require_kernel_features

LOCK_S = float(os.environ.get("CODERUNNER_FAULT_LOCK_S", "8"))
ROUNDS = int(os.environ.get("CODERUNNER_FAULT_ROUNDS", "1"))
LOAD_RPS = float(os.environ.get("CODERUNNER_FAULT_LOAD_RPS", "2"))

TOTAL_WALL_S = 5            # limits_maximum.total_wall_time of this stack
LEASE_S = TOTAL_WALL_S + 30  # the executor's lease (fcgi-app/executor.c)
SWEEP_S = 5                 # the master's sweep (fcgi-app/main.c)
# After a fault is over: a lease and a sweep, and time to run the queue.
RECOVER_S = LEASE_S + SWEEP_S + 20
FINAL = set(range(3, 17))
MARK = "faults-" + uuid.uuid4().hex[:12]
SVC_USER = "coderunner"

SLEEPER = ("import sys, time\n"
           "time.sleep(float(sys.argv[2]))\n"
           "print('done')\n")


def job(secs=0.2, tag="j"):
    """A submission that sleeps secs; its argv carries the suite's mark
    (to find its processes) and tag (to find it in the database)."""
    return {"language": "python3", "source_code": SLEEPER,
            "command_line_arguments": f"{MARK} {secs} {tag}",
            "cpu_time_limit": 1, "wall_time_limit": 4}


class Ledger:
    """Every answer the suite got, and the tokens it was given."""

    def __init__(self, base_url, headers):
        self.url = base_url
        self.headers = headers
        self.lock = threading.Lock()
        self.acked = {}                 # token -> scenario
        self.final = {}                 # token -> status id
        self.codes = collections.defaultdict(collections.Counter)
        self.bad = []                   # answers that break the rules
        self.scenario = "start"
        self.allow_502 = False

    def enter(self, scenario, allow_502=False):
        with self.lock:
            self.scenario = scenario
            self.allow_502 = allow_502

    def note(self, r, what):
        """Checks one answer against the rules; returns the token if the
        submission was acknowledged."""
        with self.lock:
            self.codes[self.scenario][r.status_code] += 1
            if r.status_code == 500:
                self.bad.append(f"{self.scenario}: {what}: 500 {r.text[:200]}")
            elif r.status_code == 503 and "Retry-After" not in r.headers:
                self.bad.append(f"{self.scenario}: {what}: 503 without "
                                f"Retry-After: {r.text[:200]}")
            elif r.status_code == 502 and not self.allow_502:
                self.bad.append(f"{self.scenario}: {what}: 502")
            elif r.status_code in (201, 202):
                token = r.json()["token"]
                self.acked.setdefault(token, self.scenario)
                return token
        return None

    def post(self, body, wait=False, key=None, timeout=60):
        h = dict(self.headers)
        if key is not None:
            h["Idempotency-Key"] = key
        try:
            r = requests.post(self.url + "/submissions" +
                              ("?wait=true" if wait else ""), json=body,
                              headers=h, timeout=timeout)
        except requests.RequestException as e:
            with self.lock:
                self.codes[self.scenario]["no answer"] += 1
                if not self.allow_502:
                    self.bad.append(f"{self.scenario}: POST: {e}")
            return None, None
        return r, self.note(r, "POST")

    def get(self, path, timeout=10):
        try:
            r = requests.get(self.url + path, headers=self.headers,
                             timeout=timeout)
        except requests.RequestException:
            return None
        with self.lock:
            if r.status_code == 500:
                self.bad.append(f"{self.scenario}: GET {path}: 500")
        return r

    def settle(self, within_s=RECOVER_S):
        """Waits until every token acknowledged so far is final; returns
        those that are not after within_s.  (The load goes on meanwhile:
        its later tokens are for the next settle.)"""
        deadline = time.monotonic() + within_s
        with self.lock:
            these = list(self.acked)
        while True:
            with self.lock:
                pending = [t for t in these if t not in self.final]
            for t in pending:
                r = self.get(f"/submissions/{t}?fields=status")
                if r is not None and r.status_code == 200:
                    sid = r.json()["status"]["id"]
                    if sid in FINAL:
                        with self.lock:
                            self.final[t] = sid
                elif r is not None and r.status_code == 404:
                    with self.lock:
                        self.bad.append(f"GET {t}: 404: an acknowledged "
                                        "submission is gone")
                        self.final[t] = 0
            with self.lock:
                pending = [t for t in these if t not in self.final]
            if not pending or time.monotonic() > deadline:
                return pending
            time.sleep(0.3)


class Loader(threading.Thread):
    """Background submissions at LOAD_RPS, for as long as the suite."""

    def __init__(self, ledger):
        super().__init__(daemon=True)
        self.ledger = ledger
        self.stop = threading.Event()
        self.paused = threading.Event()

    def run(self):
        n = 0
        while not self.stop.wait(1.0 / LOAD_RPS):
            if not self.paused.is_set():
                n += 1
                self.ledger.post(job(0.1, f"load-{n}"), timeout=30)


class FaultStack(Stack):
    """The conftest Stack, with the program's debug log (which names each
    child's pid and each job's executor) and restarts of the program
    alone, nginx going on."""

    def start(self):
        logs = os.path.join(self.rundir, "logs")
        nginx_out = open(os.path.join(logs, "nginx-stderr.log"), "ab")
        self._logs.append(nginx_out)
        self.nginx_proc = subprocess.Popen(
            [os.path.join(self.rundir, "start-nginx")], cwd=self.root,
            stdin=subprocess.DEVNULL, stdout=nginx_out, stderr=nginx_out)
        self.start_fcgi()

    def start_fcgi(self, wait_ok=True):
        app_out = open(self.app_log, "ab")
        self._logs.append(app_out)
        self.fcgi_proc = subprocess.Popen(
            [os.path.join(self.rundir, "start-fcgi"), "-v"], cwd=self.root,
            stdin=subprocess.DEVNULL, stdout=app_out, stderr=app_out)
        self.wait_health(200 if wait_ok else None)

    def wait_health(self, want=200, timeout=30):
        """Until /health is the app's answer (want: that status)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.fcgi_proc.poll() is not None:
                raise RuntimeError("coderunner.fcgi exited with "
                                   f"{self.fcgi_proc.returncode}\n"
                                   + self.logs())
            try:
                r = self.get("/health", timeout=2)
                last = f"{r.status_code} {r.text[:300]}"
                if (r.headers.get("Content-Type", "").startswith(
                        "application/json") and "store" in r.json() and
                        (want is None or r.status_code == want)):
                    return r
            except (requests.RequestException, ValueError) as e:
                last = str(e)
            time.sleep(0.2)
        raise RuntimeError(f"/health: {last}\n" + self.logs())

    def kill_fcgi(self, sig=signal.SIGKILL, wait=True):
        self.fcgi_proc.send_signal(sig)
        if wait:
            self.fcgi_proc.wait(60)

    def children(self):
        """{(kind, slot): pid} of the master's live children, from the
        debug log ("executor 1: pid 1234") checked against /proc."""
        master = self.fcgi_proc.pid
        found = {}
        with open(self.app_log, errors="replace") as f:
            for m in re.finditer(r"\b(worker|executor|callback) (\d+): "
                                 r"pid (\d+)", f.read()):
                found[(m.group(1), int(m.group(2)))] = int(m.group(3))
        alive = {}
        for k, pid in found.items():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == master:
                alive[k] = pid
        return alive

    def pid_of(self, kind, slot=None, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for (k, s), pid in self.children().items():
                if k == kind and (slot is None or s == slot):
                    return pid
            time.sleep(0.1)
        raise AssertionError(f"no live {kind} {slot}\n" + self.logs())

    def executor_of(self, token, timeout=15):
        """The slot of the executor that claimed token last."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.app_log, errors="replace") as f:
                slots = re.findall(r"executor (\d+): job %s, attempt" %
                                   token, f.read())
            if slots:
                return int(slots[-1])
            time.sleep(0.1)
        raise AssertionError(f"no executor took {token}\n" + self.logs())

    def executor_pids_ever(self):
        with open(self.app_log, errors="replace") as f:
            return {int(p) for p in re.findall(r"\bexecutor \d+: pid (\d+)",
                                               f.read())}

    def verdict_lines(self):
        """token -> how many verdicts the executors stored for it."""
        with open(self.app_log, errors="replace") as f:
            return collections.Counter(re.findall(
                r"executor \d+: job ([0-9a-f-]{36}): [A-Z]+ \(", f.read()))


def cpu_s(pid):
    """CPU seconds pid has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_status(ledger, token, want, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = ledger.get(f"/submissions/{token}?fields=status")
        if r is not None and r.status_code == 200 and \
                r.json()["status"]["id"] in want:
            return
        time.sleep(0.1)
    raise AssertionError(f"{token} never reached {want}")


def db_count(stack, tag):
    """Submissions whose argv carries tag (read-only: no -wal/-shm of
    root's making)."""
    db = sqlite3.connect(f"file:{stack.db_path}?mode=ro", uri=True,
                         timeout=10)
    try:
        return db.execute("SELECT count(*) FROM submissions WHERE "
                          "command_line_arguments LIKE ?",
                          (f"% {tag}",)).fetchone()[0]
    finally:
        db.close()


class Summary:
    """Prints the counts after the tests, before pytest's last line."""

    def __init__(self):
        self.lines = []

    def pytest_terminal_summary(self, terminalreporter):
        for line in self.lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def faults(request):
    _require_kernel_features()
    root = os.geteuid() == 0
    rundir = tempfile.mkdtemp(prefix="coderunner-faults-")
    os.chmod(rundir, 0o755)
    s = FaultStack(rundir, _free_port(), env={
        "CODERUNNER_HTTP_WORKERS": "2", "CODERUNNER_EXECUTORS": "2",
        "CODERUNNER_RATE": "1000r/s", "CODERUNNER_BURST": "1000",
        "CODERUNNER_CONN": "256", "CODERUNNER_ADMINS": "demo",
        "CODERUNNER_WAIT_TIMEOUT_MS": "10000",
        "CODERUNNER_TOTAL_WALL": str(TOTAL_WALL_S),
        "CODERUNNER_CALLBACK_HOSTS": "127.0.0.1"})
    # the load and the faults' own posts are one user's: no back-pressure
    cfg_path = s.env["APP_CONFIG"]
    with open(cfg_path) as f:
        cfg = json.load(f)
    cfg.update(queue_max=100000, owner_queue_max=100000)
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    dbdir = os.path.dirname(s.db_path)
    mounted = False
    if root:
        # a small file system of its own, for the full-disk fault
        pw = pwd.getpwnam(SVC_USER)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o",
                            f"size=16m,mode=0700,uid={pw.pw_uid},"
                            f"gid={pw.pw_gid}", "coderunner-faults", dbdir],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        mounted = r.returncode == 0
    summary = Summary()
    request.config.pluginmanager.register(summary)
    s.ledger = Ledger(s.base_url, s.auth_headers)
    s.loader = Loader(s.ledger)
    s.mounted = mounted
    s.summary = summary
    failed = True
    try:
        s.start()
        s.loader.start()
        yield s
        failed = request.session.testsfailed > 0
    finally:
        s.loader.stop.set()
        try:
            s.stop()
        finally:
            if mounted:
                subprocess.run(["umount", "-l", dbdir])
            if failed:
                print(f"\nkept {rundir} for a look\n" + s.logs())
            else:
                shutil.rmtree(rundir, ignore_errors=True)


def settle_ok(faults, scenario):
    """After a fault: every acknowledged submission final, every answer
    by the rules."""
    faults.ledger.enter(scenario + " (after)")
    stuck = faults.ledger.settle()
    assert not stuck, (f"{scenario}: {len(stuck)} acknowledged submission(s)"
                       f" not final after {RECOVER_S} s: {stuck[:5]}\n"
                       + faults.logs())
    assert not faults.ledger.bad, "\n".join(faults.ledger.bad[:20])


def test_kill_worker_keyed_retry(faults):
    """kill -9 of every http worker while clients wait (wait=true): they
    get 502 without their token, but a retry with the same
    Idempotency-Key gets the token of the job that was stored, and no
    second job."""
    for rnd in range(ROUNDS):
        led = faults.ledger
        led.enter("kill -9 worker", allow_502=True)
        tags = [f"kw{rnd}-{i}-{uuid.uuid4().hex[:6]}" for i in range(4)]
        keys = {t: "key-" + t for t in tags}
        first = {}

        def wait_post(tag):
            first[tag], _ = led.post(job(3, tag), wait=True, key=keys[tag])
        threads = [threading.Thread(target=wait_post, args=(t,))
                   for t in tags]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 15
        while sum(db_count(faults, t) for t in tags) < len(tags):
            assert time.monotonic() < deadline, "the posts were not stored"
            time.sleep(0.1)
        for slot in range(2):
            os.kill(faults.pid_of("worker", slot), signal.SIGKILL)
        for t in threads:
            t.join(60)
        assert all(first[t] is None or first[t].status_code == 502
                   for t in tags), {t: first[t] and first[t].status_code
                                    for t in tags}
        for tag in tags:
            deadline = time.monotonic() + 20
            while True:
                r, token = led.post(job(3, tag), key=keys[tag])
                if r is not None and r.status_code != 502:
                    break
                assert time.monotonic() < deadline, "no worker came back"
                time.sleep(0.2)
            assert r.status_code == 201, r.text
            assert r.headers.get("Idempotent-Replayed") == "true", r.headers
            assert db_count(faults, tag) == 1, tag
        settle_ok(faults, "kill -9 worker")


def test_kill_executor(faults):
    """kill -9 of an executor in the middle of a job: the master requeues
    it at once and it runs again."""
    for rnd in range(ROUNDS):
        led = faults.ledger
        led.enter("kill -9 executor")
        _, token = led.post(job(3, f"ke{rnd}"))
        for i in range(3):
            led.post(job(0.5, f"ke{rnd}-{i}"))
        wait_status(led, token, {2})
        os.kill(faults.pid_of("executor", faults.executor_of(token)),
                signal.SIGKILL)
        settle_ok(faults, "kill -9 executor")


def test_kill_callback_sender(faults):
    """kill -9 of the callback sender: it is started again; nothing else
    notices."""
    for rnd in range(ROUNDS):
        faults.ledger.enter("kill -9 callback")
        pid = faults.pid_of("callback")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while not [p for (k, _), p in faults.children().items()
                   if k == "callback" and p != pid]:
            assert time.monotonic() < deadline, "no new callback sender"
            time.sleep(0.1)
        faults.ledger.post(job(0.2, f"kc{rnd}"))
        settle_ok(faults, "kill -9 callback")


def test_database_locked(faults):
    """Another process holds the database's write lock for LOCK_S: posts
    are 503 with Retry-After within the bounded wait, results and /health
    answer at once (/health within 1 s, saying the store cannot be
    written), an executor killed meanwhile has its job requeued once the
    lock is gone, and a verdict reached during the lock is stored after
    it."""
    for rnd in range(ROUNDS):
        led = faults.ledger
        led.enter("database locked")
        _, done = led.post(job(0.1, f"dl{rnd}-done"), wait=True)
        wait_status(led, done, FINAL)
        _, long1 = led.post(job(2, f"dl{rnd}-a"))
        _, long2 = led.post(job(2, f"dl{rnd}-b"))
        wait_status(led, long1, {2})
        wait_status(led, long2, {2})
        con = sqlite3.connect(faults.db_path, timeout=10,
                              isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        t_end = time.monotonic() + LOCK_S
        master_cpu = cpu_s(faults.fcgi_proc.pid)
        try:
            os.kill(faults.pid_of("executor", faults.executor_of(long1)),
                    signal.SIGKILL)
            slow = []
            codes = collections.Counter()

            def poster():
                while time.monotonic() < t_end - 1:
                    t0 = time.monotonic()
                    r, _ = led.post(job(0.1, f"dl{rnd}-p"))
                    slow.append(time.monotonic() - t0)
                    if r is not None:
                        codes[r.status_code] += 1
            threads = [threading.Thread(target=poster) for _ in range(4)]
            for t in threads:
                t.start()
            worst_get = worst_health = 0
            while time.monotonic() < t_end - 1:
                t0 = time.monotonic()
                r = led.get(f"/submissions/{done}")
                worst_get = max(worst_get, time.monotonic() - t0)
                assert r is not None and r.status_code == 200
                t0 = time.monotonic()
                h = led.get("/health")
                worst_health = max(worst_health, time.monotonic() - t0)
                assert h is not None and h.status_code == 503, h and h.text
                assert h.headers.get("Retry-After"), h.headers
                assert h.json()["store"]["writable"] is False, h.text
                time.sleep(0.2)
            for t in threads:
                t.join(30)
            assert codes[503] > 0 and codes[201] == 0, codes
            assert max(slow) < 5, f"a POST took {max(slow):.1f} s"
            assert worst_health < 1, f"/health took {worst_health:.2f} s"
            assert worst_get < 2, f"a GET took {worst_get:.2f} s"
            time.sleep(max(0, t_end - time.monotonic()))
            # it waits for the lock to go, it does not spin
            used = cpu_s(faults.fcgi_proc.pid) - master_cpu
            assert used < 0.1 * LOCK_S, f"the master used {used:.1f} s"
        finally:
            con.execute("ROLLBACK")
            con.close()
        settle_ok(faults, "database locked")
        assert faults.wait_health(200).json()["store"]["writable"]


def test_database_read_only(faults):
    """The database file made read-only (chmod 0400) while it runs: an
    executor and an http worker killed then come back on a read-only
    store, posts are 201 or 503 (never 500), /health says the store
    cannot be written; with the file writable again, the dead executor's
    job is requeued and everything finishes."""
    for rnd in range(ROUNDS):
        led = faults.ledger
        led.enter("database read-only", allow_502=True)
        _, long1 = led.post(job(2, f"ro{rnd}"))
        wait_status(led, long1, {2})
        os.chmod(faults.db_path, 0o400)
        try:
            os.kill(faults.pid_of("executor", faults.executor_of(long1)),
                    signal.SIGKILL)
            os.kill(faults.pid_of("worker", 0), signal.SIGKILL)
            time.sleep(1.5)         # the worker comes back
            led.enter("database read-only")
            codes = collections.Counter()
            for i in range(6):
                r, _ = led.post(job(0.1, f"ro{rnd}-{i}"))
                codes[r.status_code if r is not None else None] += 1
            assert set(codes) <= {201, 503}, codes
            h = led.get("/health")
            assert h.status_code == 503, h.text
            assert h.json()["store"]["writable"] is False, h.text
            assert "not writable" in h.json()["error"], h.text
            time.sleep(2)           # the requeue fails meanwhile
        finally:
            os.chmod(faults.db_path, 0o600)
        settle_ok(faults, "database read-only")
        r, token = led.post(job(0.1, f"ro{rnd}-after"), wait=True)
        assert r.status_code == 201, r.text


def fill(path):
    """Fills the file system of path with one file; returns its name."""
    name = os.path.join(os.path.dirname(path), "filler")
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 16, 4096, 512):
            try:
                while os.write(fd, b"\0" * size) > 0:
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)
    return name


def test_disk_full(faults):
    """The database's file system full: posts are 503 with Retry-After,
    results and /health still answer (the store cannot be written, no
    free space).  Then the service dies with a job running and is started
    on the full disk: it starts, serves results and refuses posts with
    503; when space comes back, the job left running is requeued and
    finished, and posts work again."""
    if not faults.mounted:
        pytest.skip("needs root (a tmpfs for the database)")
    for rnd in range(ROUNDS):
        led = faults.ledger
        led.enter("disk full")
        _, done = led.post(job(0.1, f"df{rnd}-done"), wait=True)
        wait_status(led, done, FINAL)
        filler = fill(faults.db_path)
        try:
            deadline = time.monotonic() + 20
            while True:     # the log may have room left for a few
                r, _ = led.post(job(0.1, f"df{rnd}-p"))
                if r.status_code == 503:
                    break
                assert r.status_code == 201, r.text
                assert time.monotonic() < deadline, "posts never failed"
            assert r.json()["error"] == "storage unavailable, retry later"
            h = led.get("/health")
            assert h.status_code == 503 and \
                h.json()["store"]["writable"] is False, h.text
            assert led.get(f"/submissions/{done}").status_code == 200
        finally:
            os.unlink(filler)
        settle_ok(faults, "disk full")

        # The service dies (kill -9 of the whole process group would do
        # the same) with a job running, and starts again on a full disk.
        led.enter("start on a full disk", allow_502=True)
        faults.loader.paused.set()
        _, left = led.post(job(4, f"df{rnd}-left"))
        wait_status(led, left, {2})
        kids = list(faults.children().values())
        faults.kill_fcgi()
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.5)
        # empty the log (keeping it and its index: a reader stays), so
        # that any write needs room
        hold = sqlite3.connect(faults.db_path, isolation_level=None)
        hold.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        hold.execute("SELECT count(*) FROM submissions").fetchone()
        filler = fill(faults.db_path)
        try:
            faults.start_fcgi(wait_ok=False)
            led.enter("start on a full disk")
            h = faults.wait_health(None)
            assert h.status_code == 503, h.text
            assert h.json()["store"]["writable"] is False, h.text
            assert h.json()["store"]["free_bytes"] < 65536, h.text
            assert led.get(f"/submissions/{done}").status_code == 200
            r = led.get(f"/submissions/{left}?fields=status")
            assert r.json()["status"]["id"] == 2, r.text
            with open(faults.app_log, errors="replace") as f:
                assert re.search(r"requeue of the last run's jobs: .*full"
                                 r".*\(will retry\)", f.read()), faults.logs()
            r, _ = led.post(job(0.1, f"df{rnd}-q"))
            assert r.status_code == 503, r.text
            time.sleep(2)
        finally:
            os.unlink(filler)
            hold.close()
        faults.loader.paused.clear()
        settle_ok(faults, "start on a full disk")
        faults.wait_health(200)
        r, _ = led.post(job(0.1, f"df{rnd}-after"), wait=True)
        assert r.status_code == 201, r.text


def test_kill_master(faults):
    """kill -9 of the master: its children stop (executors finish the job
    in hand), and a new start runs what is queued."""
    for rnd in range(ROUNDS):
        led = faults.ledger
        led.enter("kill -9 master", allow_502=True)
        _, token = led.post(job(1.5, f"km{rnd}"))
        for i in range(6):
            led.post(job(0.5, f"km{rnd}-{i}"))
        wait_status(led, token, {2})
        kids = list(faults.children().values())
        faults.kill_fcgi()
        deadline = time.monotonic() + 30
        while any(os.path.exists(f"/proc/{p}") for p in kids):
            assert time.monotonic() < deadline, "the children live on"
            time.sleep(0.1)
        faults.start_fcgi()
        led.enter("kill -9 master (restarted)")
        settle_ok(faults, "kill -9 master")


def test_sigterm_restart_with_queued_jobs(faults):
    """SIGTERM with jobs running and queued, then a start: all of them
    finish, once each."""
    for rnd in range(ROUNDS):
        led = faults.ledger
        led.enter("SIGTERM and restart", allow_502=True)
        tokens = [led.post(job(1, f"st{rnd}-{i}"))[1] for i in range(8)]
        wait_status(led, tokens[0], {2})
        faults.kill_fcgi(signal.SIGTERM)
        faults.start_fcgi()
        led.enter("SIGTERM and restart (restarted)")
        settle_ok(faults, "SIGTERM and restart")


def leftovers(faults):
    """What the stopped stack left: processes of its jobs, box dirs, the
    cgroups of its executors."""
    left = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                if MARK.encode() in f.read():
                    left.append(f"process {p}")
        except OSError:
            pass
    boxes = os.path.join(faults.rundir, "boxes")
    for d, dirs, files in os.walk(boxes):
        for n in dirs + files:
            left.append("box " + os.path.relpath(os.path.join(d, n), boxes))
    pids = faults.executor_pids_ever()
    for base, dirs, _ in os.walk("/sys/fs/cgroup"):
        for n in dirs:
            m = re.match(r"s\d+-(\d+)-\d+$", n)
            if m and int(m.group(1)) in pids:
                left.append("cgroup " + os.path.join(base, n))
        if base.count("/") > 6:
            dirs[:] = []
    return left


def test_zz_counts(faults):
    """The end: stop, look for leftovers, count."""
    led = faults.ledger
    faults.loader.stop.set()
    faults.loader.join(60)
    led.enter("end")
    stuck = led.settle()
    faults.stop()
    time.sleep(1)
    left = leftovers(faults)
    verdicts = faults.verdict_lines()
    dup = [t for t in led.acked if verdicts.get(t, 0) > 1]
    counts = [("acknowledged", len(led.acked)),
              ("final", sum(1 for t in led.acked
                            if led.final.get(t, 0) in FINAL)),
              ("stuck", len(stuck)), ("duplicated", len(dup)),
              ("leftovers", len(left))]
    faults.summary.lines = (
        ["fault suite: answers by fault: " + json.dumps(
            {k: dict(v) for k, v in led.codes.items()}, default=str)] +
        [f"fault suite: {name} {n}" for name, n in counts])
    assert not led.bad, "\n".join(led.bad[:20])
    assert not stuck and not dup and not left, (stuck[:5], dup[:5], left)
    assert counts[0][1] == counts[1][1] > 0, counts
