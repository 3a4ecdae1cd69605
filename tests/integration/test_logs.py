"""The program's log: stderr only, one JSON object per line, one format.

Every line has time (UTC, ms), level, prog, pid and msg; a request's line
adds method, path, status, owner and ms.  Rotation is left to whoever
holds stderr (journald under systemd): the program opens no log file, and
SIGHUP neither stops it nor changes where it writes.  Under systemd each
line starts with its syslog priority ("<6>"), which journald takes as the
entry's level.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import FCGI, Stack, _free_port

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LEVELS = {"debug", "info", "warning", "error"}


def parse(line):
    """One log line as a dict; fails the test if it is not the format."""
    o = json.loads(line)
    assert isinstance(o, dict), line
    assert list(o)[:5] == ["time", "level", "prog", "pid", "msg"], line
    assert TIME.match(o["time"]), line
    assert o["level"] in LEVELS, line
    assert o["prog"] == "coderunner.fcgi", line
    assert isinstance(o["pid"], int) and o["pid"] > 0, line
    assert isinstance(o["msg"], str) and o["msg"], line
    return o


def test_every_line_is_one_json_object(stack):
    rundir = tempfile.mkdtemp(prefix="coderunner-logs-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port())
    try:
        s.start()
        r = s.submit({"language": "python3", "source_code": "print(1)"})
        assert r.status_code == 201, r.text
        assert s.get("/no/such/route").status_code == 404
        assert s.post("/submissions", data="{",
                      headers=dict(s.auth_headers,
                                   **{"Content-Type": "application/json"})
                      ).status_code == 400
        # what logrotate's postrotate would send: the service goes on
        # and keeps writing where it wrote
        s.fcgi_proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert s.fcgi_proc.poll() is None, "SIGHUP stopped the program"
        assert s.get("/languages").status_code == 200
    finally:
        s.stop()
    try:
        with open(s.app_log) as f:
            lines = f.read().splitlines()
        assert len(lines) > 5, lines
        got = [parse(line) for line in lines]
        msgs = [o["msg"] for o in got]
        assert any("SIGHUP" in m for m in msgs), msgs
        assert msgs[-1] == "stopped", msgs[-3:]
        reqs = [o for o in got if o["msg"] == "request"]
        want = {("POST", "/submissions", 201), ("GET", "/no/such/route", 404),
                ("POST", "/submissions", 400), ("GET", "/languages", 200)}
        seen = {(o["method"], o["path"], o["status"]) for o in reqs}
        assert want <= seen, seen
        for o in reqs:
            assert o["owner"] == "demo" and o["ms"] >= 0, o
        assert any("token" in o for o in reqs if o["status"] == 201), reqs
        # the program holds no log file of its own
        assert not [f for f in os.listdir(os.path.join(rundir, "logs"))
                    if f not in ("app.log", "nginx-error.log",
                                 "nginx-access.log", "nginx-stderr.log")]
    finally:
        shutil.rmtree(rundir, ignore_errors=True)


def run_fatal(env):
    """The program with a config that does not exist: one fatal line."""
    with tempfile.TemporaryFile() as err:
        st = os.fstat(err.fileno())
        env = {k: v.format(dev=st.st_dev, ino=st.st_ino)
               for k, v in env.items()}
        r = subprocess.run([FCGI, "-c", "/nonexistent/coderunner.json"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=err, env=dict(os.environ, **env),
                           timeout=30)
        assert r.returncode != 0
        err.seek(0)
        return err.read().decode().splitlines()


def test_fatal_is_an_error_line():
    if not os.access(FCGI, os.X_OK):
        pytest.fail("build/coderunner.fcgi is not built")
    lines = run_fatal({})
    assert len(lines) == 1, lines
    o = parse(lines[0])
    assert o["level"] == "error" and o["msg"].startswith("fatal: "), o


def test_journald_gets_the_priority():
    """JOURNAL_STREAM names stderr: each line starts with "<N>"; a
    JOURNAL_STREAM that is not stderr (inherited, then redirected) does
    not count."""
    if not os.access(FCGI, os.X_OK):
        pytest.fail("build/coderunner.fcgi is not built")
    lines = run_fatal({"JOURNAL_STREAM": "{dev}:{ino}"})
    assert len(lines) == 1 and lines[0].startswith("<3>{"), lines
    parse(lines[0][3:])
    lines = run_fatal({"JOURNAL_STREAM": "{dev}:1"})
    assert len(lines) == 1 and lines[0].startswith("{"), lines
