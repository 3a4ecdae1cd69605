"""An http worker's memory stays what its load needs.

A stack of its own with one http worker of up to 64 threads.  Requests
one at a time must be served by the same few threads, not by each of
those a burst started in turn: every thread that serves keeps the stack pages and malloc's
per-thread cache its requests touched, so a worker whose threads take
turns grows by some 30 KiB per thread for good (about 2 MiB per worker
of 256 threads) under the lightest load.  Requests from several clients
at once must share one malloc arena, not one each (some 150 KiB each).
A scan of a big store (the statistics) must not leave SQLite's page
cache at its default of 2 MiB in the worker for good.

Sizes from /proc/PID/smaps_rollup and smaps (tests/bench/procmem.py);
the service runs as another user, so this needs root (as make test is
run), or it skips.
"""

import concurrent.futures
import os
import signal
import sqlite3
import sys
import time

import pytest
import requests

from conftest import own_stack

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "bench"))
import procmem  # noqa: E402

THREADS = 64
SEQUENTIAL = 3 * THREADS
# One thread serving SEQUENTIAL requests grows the worker by a few pages
# at most; THREADS taking turns grow it by ~30 KiB each (~2 MiB).
GROWTH_MAX_KB = 512
CONCURRENT = 8
ROWS = 6000             # of 2 KiB each: a store far bigger than any cache
# Past this: SQLite's default cache of 2000 KiB, full after a scan (512
# KiB and what a scan allocates besides stay well under it).
CACHE_GROWTH_MAX_KB = 1536


def one_worker():
    return own_stack("footprint", {
        "CODERUNNER_HTTP_WORKERS": "1", "CODERUNNER_EXECUTORS": "1",
        "CODERUNNER_CONN": "1000", "CODERUNNER_RATE": "100000r/s",
        "CODERUNNER_BURST": "100000"}, {"http_threads": THREADS})


def the_worker(s):
    workers = [pid for role, pid in procmem.processes(s.fcgi_proc.pid)
               if role.startswith("http worker")]
    assert len(workers) == 1, procmem.processes(s.fcgi_proc.pid)
    try:
        procmem.rollup(workers[0])
    except PermissionError:
        pytest.skip("cannot read the service user's /proc/PID/smaps "
                    "(run as root, as make test is)")
    return workers[0]


def get(session, s, path):
    r = session.get(s.url(path), headers=s.auth_headers, timeout=60)
    assert r.status_code == 200, r.text[:200]


def start_threads(s, pid, n):
    """Makes the worker run n + 1 http threads: n clients wait at once
    while the executor is stopped, a thread each, and one more takes the
    next connection; then they get their verdicts."""
    ex = [p for role, p in procmem.processes(s.fcgi_proc.pid)
          if role.startswith("executor")]
    assert len(ex) == 1, procmem.processes(s.fcgi_proc.pid)
    want = n + 1 + 2                    # and the main thread, the reader
    os.kill(ex[0], signal.SIGSTOP)
    try:
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            waits = [pool.submit(s.post, "/submissions?wait=true", json={
                "language": "python3", "source_code": "print(1)"},
                timeout=120) for _ in range(n)]
            deadline = time.monotonic() + 30
            while procmem.threads(pid) < want:
                assert time.monotonic() < deadline, (
                    f"{procmem.threads(pid)} threads, not {want}")
                time.sleep(0.1)
            os.kill(ex[0], signal.SIGCONT)
            for w in waits:
                assert w.result().status_code == 201, w.result().text
    finally:
        os.kill(ex[0], signal.SIGCONT)


def test_requests_one_at_a_time_reuse_one_thread(stack):
    with one_worker() as s:
        pid = the_worker(s)
        session = requests.Session()
        for _ in range(20):             # what any first requests touch
            get(session, s, "/submissions?per_page=5")
        # threads enough to take turns, were the hand-off first in,
        # first out: as many as may wait (they end after 10 s idle; the
        # test takes less)
        start_threads(s, pid, THREADS - THREADS // 8)
        before = procmem.rollup(pid)["priv"]
        for _ in range(SEQUENTIAL):
            get(session, s, "/submissions?per_page=5")
        grown = procmem.rollup(pid)["priv"] - before
        print(f"worker of {THREADS} threads: {grown} KiB more private "
              f"memory after {SEQUENTIAL} requests one at a time")
        assert grown <= GROWTH_MAX_KB, (
            f"{grown} KiB more after {SEQUENTIAL} requests one at a "
            f"time: the threads take turns")


def test_threads_share_one_malloc_arena(stack):
    with one_worker() as s:
        pid = the_worker(s)

        def client(_):
            session = requests.Session()
            for _ in range(20):
                get(session, s, "/submissions?per_page=5")
        with concurrent.futures.ThreadPoolExecutor(CONCURRENT) as pool:
            list(pool.map(client, range(CONCURRENT)))
        n = procmem.arenas(pid)
        print(f"worker: {n} malloc arena(s) besides the main one after "
              f"{CONCURRENT} clients at once")
        assert n == 0, f"{n} malloc arenas besides the main one"


def test_a_scan_leaves_little_page_cache(stack):
    with one_worker() as s:
        pid = the_worker(s)
        r = s.post("/submissions?wait=true", json={
            "language": "python3", "source_code": "print(1)"})
        assert r.status_code == 201, r.text[:200]
        # Copies of that row, straight into the store (WAL: the service
        # goes on reading).
        db = sqlite3.connect(s.db_path, timeout=30)
        cols = [row[1] for row in db.execute(
            "PRAGMA table_info(submissions)")
            if row[1] not in ("id", "token")]
        sel = ["randomblob(2048)" if c == "source" else c for c in cols]
        with db:
            db.execute(
                f"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                f"FROM n WHERE x < {ROWS}) INSERT INTO submissions "
                f"(token, {', '.join(cols)}) SELECT "
                f"lower(hex(randomblob(16))), {', '.join(sel)} FROM n, "
                f"(SELECT * FROM submissions LIMIT 1)")
        db.close()
        session = requests.Session()
        get(session, s, "/submissions?per_page=5")
        before = procmem.rollup(pid)["priv"]
        for _ in range(3):
            get(session, s, "/statistics")
            get(session, s, f"/submissions?per_page=100&page="
                f"{ROWS // 100}")
        grown = procmem.rollup(pid)["priv"] - before
        print(f"worker: {grown} KiB more private memory after scans of "
              f"{ROWS} submissions")
        assert grown <= CACHE_GROWTH_MAX_KB, (
            f"{grown} KiB more after scans of the store")


def test_an_idle_executor_leaves_no_process_of_its_runs(stack):
    """The sandbox hands the verdict back while the run's init is still
    exiting; the executor settles it after the job, so an idle executor
    keeps no zombie (or live process) of its runs.  The answer reaches
    the client before the executor has settled (that is the point), so
    the executor is given a few seconds to become idle: a zombie kept
    while it waits for work stays, and fails."""
    with one_worker() as s:
        for src in ("print(1)", "import os\nos.fork()\nprint(2)"):
            r = s.post("/submissions?wait=true", json={
                "language": "python3", "source_code": src})
            assert r.status_code == 201, r.text[:200]
            assert r.json()["status"]["id"] == 3, r.text[:300]
        execs = [pid for role, pid in procmem.processes(s.fcgi_proc.pid)
                 if role.startswith("executor")]
        assert len(execs) == 1, procmem.processes(s.fcgi_proc.pid)
        deadline = time.monotonic() + 5
        while True:
            left = procmem.children(execs[0])
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        states = {}
        for pid in left:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    states[pid] = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                states[pid] = "gone"
        assert not left, f"the idle executor's children after 5 s: {states}"
