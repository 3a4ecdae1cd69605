"""Backups and retention of a running service.

`coderunner backup FILE` while submissions keep coming: a fresh service
started on the copy answers every token the copy holds, with the same
verdicts.  Retention in the service: with retention_days, the master
prunes the final submissions that are older, in small batches, and
nothing else; with max_db_bytes, the oldest final ones while the data is
over the bound.  Loopback only.
"""

import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from conftest import CLI, Stack, _free_port

FINAL = set(range(3, 17))


def chown_svc(path, stack):
    if stack.service_user:
        pw = pwd.getpwnam(stack.service_user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def wait_final(stack, token, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        r = stack.get(f"/submissions/{token}")
        assert r.status_code == 200, r.text
        if r.json()["status"]["id"] in FINAL:
            return r.json()
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)


def tokens_in(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [t for (t,) in db.execute("SELECT token FROM submissions")]
    finally:
        db.close()


def test_backup_while_running_restores(stack):
    mine = {}
    for i in range(4):
        r = stack.submit({"language": "python3",
                          "source_code": f"print({i} * 7)"})
        assert r.status_code == 201, r.text
        mine[r.json()["token"]] = r.json()
    # submissions go on while the copy is made
    stop = threading.Event()
    during = []

    def keep_posting():
        while not stop.is_set():
            r = stack.submit({"language": "python3",
                              "source_code": "print('during')"},
                             wait=False, timeout=30)
            if r.status_code == 201:
                during.append(r.json()["token"])
            time.sleep(0.05)
    t = threading.Thread(target=keep_posting)
    t.start()
    out = tempfile.mkdtemp(prefix="coderunner-backup-")
    try:
        time.sleep(0.3)
        backup = os.path.join(out, "copy.db")
        r = subprocess.run([CLI, "backup", "-c", stack.env["APP_CONFIG"],
                            backup], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        stop.set()
        t.join(60)
        assert r.returncode == 0, r.stdout.decode(errors="replace")
        assert os.stat(backup).st_mode & 0o077 == 0
        assert not os.path.exists(backup + "-wal")
        # a second one to the same name is refused, the first one stays
        again = subprocess.run([CLI, "backup", "-c",
                                stack.env["APP_CONFIG"], backup],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=120)
        assert again.returncode != 0
        assert b"exists" in again.stdout
        copied = tokens_in(backup)
        assert set(mine) <= set(copied)
        assert during, "nothing was posted during the backup"

        # a fresh service on the copy
        rundir = tempfile.mkdtemp(prefix="coderunner-restore-")
        os.chmod(rundir, 0o755)
        s = Stack(rundir, _free_port(), env={"CODERUNNER_ADMINS": "demo"})
        try:
            shutil.copy(backup, s.db_path)
            os.chmod(s.db_path, 0o600)
            chown_svc(s.db_path, s)
            s.start()
            # every token of the session's stack, whatever other tests
            # stored: some outputs are not UTF-8 on purpose
            for token in copied:
                g = s.get(f"/submissions/{token}?base64_encoded=true")
                assert g.status_code == 200, (token, g.text)
            for token, first in mine.items():
                res = wait_final(stack, token)
                got = s.get(f"/submissions/{token}").json()
                if got["status"]["id"] in FINAL:
                    assert got["status"] == res["status"], got
                    assert got["stdout"] == res["stdout"], got
                else:
                    # queued at the copy's moment: it runs here
                    got = wait_final(s, token)
                    assert got["stdout"] == res["stdout"], got
        finally:
            s.stop()
            shutil.rmtree(rundir, ignore_errors=True)
    finally:
        stop.set()
        t.join(60)
        shutil.rmtree(out, ignore_errors=True)


def configure(stack, **keys):
    path = stack.env["APP_CONFIG"]
    with open(path) as f:
        cfg = json.load(f)
    cfg.update(keys)
    with open(path, "w") as f:
        json.dump(cfg, f)


def clone_rows(db_path, token, n, finished_ms):
    """n copies of token's row (with its test), finished at finished_ms."""
    db = sqlite3.connect(db_path, timeout=10, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        cols = [c[1] for c in db.execute("PRAGMA table_info(submissions)")
                if c[1] not in ("id", "token")]
        tcols = [c[1] for c in db.execute("PRAGMA table_info(tests)")
                 if c[1] != "submission_id"]
        src = db.execute("SELECT id FROM submissions WHERE token = ?",
                         (token,)).fetchone()[0]
        made = []
        for _ in range(n):
            t = str(uuid.uuid4())
            cur = db.execute(
                f"INSERT INTO submissions (token, {', '.join(cols)}) "
                f"SELECT ?, {', '.join(cols)} FROM submissions "
                "WHERE id = ?", (t, src))
            db.execute(
                f"INSERT INTO tests (submission_id, {', '.join(tcols)}) "
                f"SELECT ?, {', '.join(tcols)} FROM tests "
                "WHERE submission_id = ?", (cur.lastrowid, src))
            made.append(t)
        db.execute("UPDATE submissions SET finished_ms = ? WHERE token IN "
                   f"({', '.join('?' * len(made))})",
                   [finished_ms] + made)
        db.execute("COMMIT")
        return made
    finally:
        db.close()


def count(db_path, sql, args=()):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql, args).fetchone()[0]
    finally:
        db.close()


def test_retention_in_the_service():
    rundir = tempfile.mkdtemp(prefix="coderunner-retention-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port(), env={"CODERUNNER_EXECUTORS": "1",
                                         "CODERUNNER_HTTP_WORKERS": "1"})
    try:
        configure(s, retention_days=1)
        s.start()
        r = s.submit({"language": "python3", "source_code": "print(1)"})
        assert r.status_code == 201, r.text
        keep = r.json()["token"]
        two_days_ago = int(time.time() * 1000) - 2 * 86400000
        old = clone_rows(s.db_path, keep, 250, two_days_ago)
        # a queued one that old is no final submission: it stays
        queued = clone_rows(s.db_path, keep, 1, two_days_ago)[0]
        db = sqlite3.connect(s.db_path, timeout=10)
        db.execute("UPDATE submissions SET status = 1, finished_ms = NULL "
                   "WHERE token = ?", (queued,))
        db.commit()
        db.close()
        deadline = time.monotonic() + 40
        while count(s.db_path, "SELECT count(*) FROM submissions WHERE "
                    "finished_ms < ?", (two_days_ago + 1,)):
            assert time.monotonic() < deadline, s.logs()
            time.sleep(0.5)
        assert s.get(f"/submissions/{keep}").status_code == 200
        assert s.get(f"/submissions/{old[0]}").status_code == 404
        wait_final(s, queued)
        with open(s.app_log) as f:
            log = f.read()
        # small batches: 250 took three
        assert log.count("older than 1 days pruned") >= 3, log[-3000:]
        assert count(s.db_path, "SELECT count(*) FROM tests WHERE "
                     "submission_id NOT IN (SELECT id FROM submissions)") \
            == 0
        s.stop()

        # a bound on the data: the oldest final submissions go
        configure(s, retention_days=0, max_db_bytes=1)
        s.start()
        deadline = time.monotonic() + 40
        while count(s.db_path, "SELECT count(*) FROM submissions "
                    "WHERE status >= 3"):
            assert time.monotonic() < deadline, s.logs()
            time.sleep(0.5)
        with open(s.app_log) as f:
            assert "over max_db_bytes" in f.read()
    finally:
        s.stop()
        shutil.rmtree(rundir, ignore_errors=True)
