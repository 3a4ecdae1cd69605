"""Clients waiting on ?wait=true must not starve the others.

A stack of its own: its executors are stopped (SIGSTOP) so that no job
finishes, then N_WAITERS clients POST with wait=true and hold their
connections.  Every one of them must be taken in (stored) at once, and
plain GETs through nginx must still answer quickly; then the executors
go on, and every waiter gets its verdict.  Loopback only, a bounded
count.

The hard bound (p99 under 50 ms at nginx) is what the service is built
for; on a shared, loaded 2-core host a test can only hold a generous
bound, and prints what it measured (pytest -s).  On a quiet host,
CODERUNNER_WAITERS_P99_MS=50 holds the hard one.
"""

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import tempfile
import threading
import time

import pytest

from conftest import Stack, _free_port

N_WAITERS = 500
N_GETS = 200
# What make test asserts (see the module's docstring); the goal is 50 ms.
P99_BOUND_S = float(os.environ.get("CODERUNNER_WAITERS_P99_MS",
                                   "1000")) / 1000
WAIT_TIMEOUT_MS = 120000


def own_stack(env=None, **cfg):
    """A stack of its own, whose nginx and queue admit many waiters of one
    user; cfg: app settings over the rendered ones."""
    rundir = tempfile.mkdtemp(prefix="coderunner-waiters-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port(), env=dict({
        "CODERUNNER_CONN": str(4 * N_WAITERS),
        "CODERUNNER_RATE": "100000r/s",
        "CODERUNNER_BURST": str(4 * N_WAITERS),
        "CODERUNNER_WAIT_TIMEOUT_MS": str(WAIT_TIMEOUT_MS),
        "CODERUNNER_QUEUE_MAX": str(4 * N_WAITERS)}, **(env or {})))
    path = s.env["APP_CONFIG"]
    with open(path) as f:
        app = json.load(f)
    app["owner_queue_max"] = 4 * N_WAITERS
    app.update(cfg)
    with open(path, "w") as f:
        json.dump(app, f)
    return s


@contextlib.contextmanager
def running(s):
    try:
        s.start()
        yield s
    finally:
        for pid in executors(s):
            os.kill(pid, signal.SIGCONT)
        s.stop()
        shutil.rmtree(s.rundir, ignore_errors=True)


@pytest.fixture(scope="module")
def big(stack):
    """Threads enough that any one worker can hold every waiter: the
    workers take connections as they race to accept, not in turn, and
    one of them may get more than its share of the 500 (at the default
    256 threads, more than its 224 waiters: the extra ones get 202 at
    once, as they should; that cap is the narrow stack's test)."""
    with running(own_stack(http_threads=600)) as s:
        yield s


def executors(s):
    """The executor processes: the master's children without the socket
    on fd 0 (executors replace it with /dev/null)."""
    if s.fcgi_proc is None or s.fcgi_proc.poll() is not None:
        return []
    master = s.fcgi_proc.pid
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            fd0 = os.readlink(f"/proc/{d}/fd/0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == master and not fd0.startswith("socket:"):
            pids.append(int(d))
    return pids


def workers(s):
    """(pid, /proc/pid/stat fields after the name) of each http worker:
    the master's children with the socket on fd 0."""
    master = s.fcgi_proc.pid
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
            fd0 = os.readlink(f"/proc/{d}/fd/0")
        except (OSError, ValueError, IndexError):
            continue
        if int(st[1]) == master and fd0.startswith("socket:"):
            found.append((int(d), st))
    return found


def worker_cpu(s):
    """CPU seconds the http workers used so far."""
    return sum(int(st[11]) + int(st[12])
               for _, st in workers(s)) / os.sysconf("SC_CLK_TCK")


def http_threads(s):
    """The number of http threads of each http worker: its threads but
    the main one and the done pipe's reader (SQLite: no listener)."""
    return [int(st[17]) - 2 for _, st in workers(s)]


def count_rows(s):
    db = sqlite3.connect(f"file:{s.db_path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute("SELECT count(*) FROM submissions").fetchone()[0]
    finally:
        db.close()


def open_waiter(s, body):
    """Sends a wait=true POST and returns the socket, its answer unread."""
    data = json.dumps(body).encode()
    prefix = s.env.get("PREFIX", "")
    head = (f"POST {prefix}/submissions?wait=true HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{s.port}\r\n"
            f"X-Auth-Token: {s.api_key}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n").encode()
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall(head + data)
    return c


def read_status(c, deadline):
    """Reads the whole answer of a waiter; returns its status code."""
    buf = b""
    while True:
        c.settimeout(max(0.1, deadline - time.monotonic()))
        chunk = c.recv(65536)
        if not chunk:
            break
        buf += chunk
    c.close()
    line = buf.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 else 0


def time_gets(s, path, n):
    """n GETs of path on one keep-alive connection; their latencies in s."""
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    out = []
    try:
        for _ in range(n):
            t0 = time.monotonic()
            conn.request("GET", s.env.get("PREFIX", "") + path,
                         headers={"X-Auth-Token": s.api_key})
            r = conn.getresponse()
            r.read()
            out.append(time.monotonic() - t0)
            assert r.status == 200, (path, r.status)
    finally:
        conn.close()
    return out


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def report(what, lat):
    ms = [x * 1000 for x in lat]
    line = (f"{what}: n={len(ms)} p50={pct(ms, 50):.1f} ms "
            f"p99={pct(ms, 99):.1f} ms max={max(ms):.1f} ms")
    print("\n" + line)
    return line


@contextlib.contextmanager
def frozen(s):
    """Stops the executors (SIGSTOP): no job finishes until the end."""
    pids = executors(s)
    assert pids, "no executor found"
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def submit_one(s):
    r = s.submit({"language": "python3", "source_code": "print(1)"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def test_waiters_do_not_starve_gets(big):
    """N_WAITERS clients wait at once: all are taken in, GETs stay
    quick, and every waiter gets its verdict."""
    s = big
    token = submit_one(s)
    report("GET, no waiters", time_gets(s, f"/submissions/{token}", N_GETS))
    # Of their 600 threads, the workers run what the load needs (each
    # thread on the host makes every run's pivot_root slower): two each
    # after GETs one at a time, a few more if some came together.
    idle = http_threads(s)
    assert idle and max(idle) <= 6, idle

    before = count_rows(s)
    waiters = []
    with frozen(s):
        body = {"language": "python3", "source_code": "print(2)"}
        for _ in range(N_WAITERS):
            waiters.append(open_waiter(s, body))
        # Every waiter is taken in: its submission is stored while all
        # the others still wait.
        deadline = time.monotonic() + 30
        while count_rows(s) - before < N_WAITERS:
            assert time.monotonic() < deadline, (
                f"only {count_rows(s) - before} of {N_WAITERS} waiting "
                "POSTs were taken in")
            time.sleep(0.2)
        busy = time_gets(s, f"/submissions/{token}", N_GETS)
        line = report(f"GET, {N_WAITERS} waiting", busy)
        assert pct(busy, 99) < P99_BOUND_S, line
        # ... and every waiter has one
        assert sum(http_threads(s)) >= N_WAITERS, http_threads(s)

    # The jobs run: every waiter gets its verdict (201), none a 202 (the
    # wait timed out or was cut short) or a 5xx, while GETs go on.
    t0 = time.monotonic()
    deadline = t0 + WAIT_TIMEOUT_MS / 1000
    codes = []
    reader = threading.Thread(target=lambda: codes.extend(
        read_status(c, deadline) for c in waiters))
    reader.start()
    draining = []
    cpu0 = worker_cpu(s)
    while reader.is_alive():
        draining += time_gets(s, f"/submissions/{token}", 1)
        time.sleep(0.01)
    reader.join()
    print(f"\n{N_WAITERS} verdicts in {time.monotonic() - t0:.1f} s, "
          f"the http workers' CPU time {worker_cpu(s) - cpu0:.2f} s")
    line = report(f"GET, {N_WAITERS} waiters being answered", draining)
    assert codes == [201] * N_WAITERS, {c: codes.count(c) for c in codes}
    assert pct(draining, 99) < P99_BOUND_S, line
    # The threads they took end after 10 s idle (worker.c's
    # IDLE_EXIT_MS), down to two.
    deadline = time.monotonic() + 40
    while max(http_threads(s)) > 2:
        assert time.monotonic() < deadline, (
            f"http threads still running 40 s after the waiters: "
            f"{http_threads(s)}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def narrow(stack):
    """One worker of 8 threads: at most 7 of them wait."""
    with running(own_stack(http_workers=1, http_threads=8)) as s:
        yield s


def test_waiters_beyond_the_threads_get_202_at_once(narrow):
    """More waiters than a worker may keep waiting: the ones over get
    202 with their token at once (not after wait_timeout_ms), the waiting
    ones keep waiting, and a GET still finds a thread."""
    s = narrow
    token = submit_one(s)
    n, room = 20, 8 - 8 // 8
    with frozen(s):
        t0 = time.monotonic()
        waiters = [open_waiter(s, {"language": "python3",
                                   "source_code": "print(2)"})
                   for _ in range(n)]
        # the ones over answer at once; the others are still waiting
        early = []
        for c in waiters:
            c.setblocking(False)
        deadline = t0 + 20
        while len(early) < n - room and time.monotonic() < deadline:
            for c in waiters:
                if c not in early:
                    try:
                        got = c.recv(1, socket.MSG_PEEK)
                    except BlockingIOError:
                        continue
                    if got:
                        early.append(c)
            time.sleep(0.05)
        assert len(early) == n - room, (
            f"{len(early)} of {n} waiters answered early, not {n - room}")
        for c in early:
            c.setblocking(True)
            assert read_status(c, deadline) == 202
        busy = time_gets(s, f"/submissions/{token}", 20)
        line = report(f"GET, {room} waiting in {room + 1} threads", busy)
        assert pct(busy, 99) < P99_BOUND_S, line
        # the waiting ones have not been answered
        for c in waiters:
            if c not in early:
                try:
                    assert c.recv(1, socket.MSG_PEEK) == b"", "answered"
                except BlockingIOError:
                    pass
    rest = [c for c in waiters if c not in early]
    for c in rest:
        c.setblocking(True)
    codes = [read_status(c, time.monotonic() + WAIT_TIMEOUT_MS / 1000)
             for c in rest]
    assert codes == [201] * room, codes
