"""Several nodes on one PostgreSQL, behind one nginx.

The session's throwaway cluster (tests/pgcluster.py, fixture pg_cluster)
is checked first: the tests must never reach a PostgreSQL other than
their own.  Then nodes: each is a run dir rendered by
contrib/render-config.sh (as tests/conftest.py's Stack does) whose
program listens on a loopback port of its own, all with the same
database; one nginx, the first node's, sends to all of them (its
upstream).  Every schema of a test is its own, so the tests do not see
each other's jobs.
"""

import os
import re
import signal
import subprocess
import tempfile
import time
import shutil

import pytest
import requests

from conftest import Stack, _free_port, _require_kernel_features, FCGI, ROOT

FINAL = set(range(3, 17))
ACCEPTED = 3


def test_cluster_is_private(pg_cluster):
    """Unix socket only, in the cluster's own directory; not root's."""
    assert pg_cluster.psql("SHOW listen_addresses").strip() == ""
    assert pg_cluster.psql("SHOW unix_socket_directories").strip() == \
        pg_cluster.dir
    st = os.stat(pg_cluster.data)
    assert st.st_uid != 0 and st.st_mode & 0o077 == 0
    r = subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-U", "postgres",
                        "-c", "SELECT 1"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    assert r.returncode != 0, "the test cluster must not listen on TCP"


class Node:
    """One coderunner node: a rendered run dir and its program (and, for
    the front node, its nginx)."""

    def __init__(self, name, database, env=None, front=False,
                 upstream=None):
        self.name = name
        self.port = _free_port()          # the program's FastCGI port
        if front:                         # its own program comes first
            upstream = [f"127.0.0.1:{self.port}"] + (upstream or [])
        self.rundir = tempfile.mkdtemp(prefix=f"coderunner-{name}-")
        os.chmod(self.rundir, 0o755)
        e = {"CODERUNNER_DATABASE": database, "CODERUNNER_NODE": name,
             "CODERUNNER_FCGI_LISTEN": f"127.0.0.1:{self.port}",
             "CODERUNNER_WAIT_TIMEOUT_MS": "10000",
             "CODERUNNER_RATE": "100r/s", "CODERUNNER_BURST": "200"}
        if upstream:
            e["CODERUNNER_UPSTREAM"] = " ".join(upstream)
        e.update(env or {})
        self.stack = Stack(self.rundir, _free_port(), env=e)
        self.front = front
        self.proc = None
        self.log = None

    def start(self):
        if self.front:
            self.stack.start()
            self.proc = self.stack.fcgi_proc
            return
        self.log = open(self.stack.app_log, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(self.rundir, "start-fcgi")], cwd=ROOT,
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def wait_log(self, pattern, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node {self.name} exited "
                                   f"{self.proc.returncode}:\n"
                                   + self.app_log())
            if re.search(pattern, self.app_log()):
                return
            time.sleep(0.1)
        raise RuntimeError(f"node {self.name}: no {pattern!r} in the log:\n"
                           + self.app_log())

    def app_log(self):
        try:
            with open(self.stack.app_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def children(self):
        """{pid: threads} of the program's child processes."""
        kids = {}
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open(f"/proc/{p}/status") as f:
                    st = dict(line.split(":", 1) for line in f
                              if ":" in line)
            except OSError:
                continue
            if int(st["PPid"]) == self.proc.pid:
                kids[int(p)] = int(st["Threads"])
        return kids

    def executors(self):
        """The executors' pids: the children with one thread (http
        workers have several)."""
        return [p for p, t in self.children().items() if t == 1]

    def stop(self):
        for p in self.executors():
            try:
                os.kill(p, signal.SIGCONT)
            except OSError:
                pass
        if self.front:
            self.stack.stop()
        elif self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()
            self.log = None

    def remove(self):
        shutil.rmtree(self.rundir, ignore_errors=True)


@pytest.fixture
def schema(pg_cluster, request):
    """A schema of its own for one test, and the URI of it as the owner's
    role; the executor role gets the grants of roles.sql there once the
    first node made the tables."""
    for path in (FCGI,):
        if not os.access(path, os.X_OK):
            pytest.fail("build/coderunner.fcgi is not built")
    _require_kernel_features()
    name = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40]
    pg_cluster.psql(f"DROP SCHEMA IF EXISTS {name} CASCADE; "
                    f"CREATE SCHEMA {name} AUTHORIZATION coderunner",
                    role="postgres")
    opt = f"-csearch_path={name}"
    yield {"name": name,
           "owner": pg_cluster.uri(options=opt),
           "exec": pg_cluster.uri(role="coderunner_exec", options=opt)}
    pg_cluster.psql(f"DROP SCHEMA {name} CASCADE", role="postgres")


def grant_exec(pg_cluster, schema):
    """roles.sql's grants, on the test's schema."""
    with open(os.path.join(ROOT, "contrib", "postgresql", "roles.sql")) as f:
        sql = f.read().replace("coderunner.", schema + ".").replace(
            "SCHEMA IF NOT EXISTS coderunner ",
            f"SCHEMA IF NOT EXISTS {schema} ").replace(
            "ON SCHEMA coderunner ", f"ON SCHEMA {schema} ").replace(
            "'coderunner.schema_version'", f"'{schema}.schema_version'")
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                        pg_cluster.dir, "-p", "5432", "-U", "postgres",
                        "-d", "coderunner"], input=sql.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       cwd="/")
    assert r.returncode == 0, r.stdout.decode(errors="replace")


def exec_psql(pg_cluster, schema, sql):
    """Runs sql as the executor role; (returncode, output)."""
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                        "ON_ERROR_STOP=1", "-h", pg_cluster.dir, "-p",
                        "5432", "-U", "coderunner_exec", "-d", "coderunner",
                        "-c", f"SET search_path = {schema}; {sql}"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       cwd="/")
    return r.returncode, r.stdout.decode(errors="replace")


def test_roles_http_node_and_executor_node(pg_cluster, schema):
    """An HTTP-only node (executors 0) and an executor-only node
    (http_workers 0) whose role may call the queue's functions and
    nothing else: jobs posted to the one run on the other, woken by
    notifications both ways, and the executor's role reads no history."""
    http = Node("http1", schema["owner"], front=True,
                env={"CODERUNNER_EXECUTORS": "0",
                     "CODERUNNER_HTTP_WORKERS": "1"})
    ex = None
    try:
        http.start()                    # migrates the schema
        h = http.stack.get("/health").json()
        assert h["node"] == "http1" and "executors" not in h, h
        grant_exec(pg_cluster, schema["name"])
        ex = Node("exec1", schema["exec"],
                  env={"CODERUNNER_HTTP_WORKERS": "0",
                       "CODERUNNER_EXECUTORS": "1"})
        ex.start()
        ex.wait_log(r"executor 0: ready")

        # The executor's role: the queue's functions, nothing else.
        for sql in ("SELECT count(*) FROM submissions",
                    "SELECT count(*) FROM tests",
                    "SELECT count(*) FROM test_results",
                    "SELECT count(*) FROM callbacks",
                    "UPDATE submissions SET status = 3",
                    "SELECT queue_requeue_where(NULL, -1, NULL, 1, 0, 'x')"):
            rc, out = exec_psql(pg_cluster, schema["name"], sql)
            assert rc != 0 and "permission denied" in out, (sql, out)
        rc, out = exec_psql(pg_cluster, schema["name"],
                            "SELECT count(*) FROM queue_tests(1, 0)")
        assert rc == 0 and out.strip() == "0", out

        # Sequential jobs: each wakes the executor node at once (NOTIFY),
        # and its verdict the waiting HTTP node.  Without them each would
        # wait for the executor's 5 s safety-net timeout.
        t0 = time.monotonic()
        for i in range(5):
            r = http.stack.submit({"language": "python3",
                                   "source_code": f"print({i} * 7)"})
            assert r.status_code == 201, r.text
            res = r.json()
            assert res["status"]["id"] == ACCEPTED, res
            assert res["stdout"] == f"{i * 7}\n"
        took = time.monotonic() - t0
        assert took < 8, f"5 jobs took {took:.1f} s: no wake-ups?"
        assert pg_cluster.psql(
            f"SELECT count(*) FROM {schema['name']}.submissions "
            "WHERE node = 'exec1' AND status = 3").strip() == "5"
    finally:
        for n in (ex, http):
            if n is not None:
                n.stop()
        for n in (ex, http):
            if n is not None:
                n.remove()


def _wait_for(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = check()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_three_nodes_survive_kill_and_stop(pg_cluster, schema):
    """Three nodes behind one nginx upstream, 36 jobs (`make soak`: more,
    CODERUNNER_PG_JOBS): one node's
    executors are killed (-9) mid-run and another's stopped (SIGSTOP)
    past their lease, then continued.  Every acknowledged token reaches
    exactly one final verdict, the stopped executors' late verdicts are
    refused, and every node reads the history."""
    s = schema["name"]
    lease_ms = 3000
    env = {"CODERUNNER_HTTP_WORKERS": "1", "CODERUNNER_EXECUTORS": "2",
           "CODERUNNER_LEASE_MS": str(lease_ms)}
    n2 = Node("n2", schema["owner"], env=env)
    n3 = Node("n3", schema["owner"], env=env)
    n1 = Node("n1", schema["owner"], env=env, front=True,
              upstream=[f"127.0.0.1:{n.port}" for n in (n2, n3)])
    nodes = [n1, n2, n3]

    def sql(q):
        return pg_cluster.psql(q.replace("S.", s + "."), role="postgres")

    def held_by(node):
        out = sql("SELECT id FROM S.submissions WHERE status = 2 AND "
                  f"node = '{node}'").split()
        return [int(x) for x in out]

    try:
        n1.start()                      # migrates the schema
        for n in (n2, n3):
            n.start()
        for n in (n2, n3):
            n.wait_log(r"executor 1: ready")

        tokens = []
        for i in range(int(os.environ.get("CODERUNNER_PG_JOBS", "36"))):
            r = n1.stack.submit({
                "language": "python3",
                "source_code": "import time\ntime.sleep(0.8)\n"
                               "print(int(input()) * 2)\n",
                "stdin": str(i), "expected_output": str(2 * i)},
                wait=False)
            assert r.status_code == 201, r.text
            tokens.append(r.json()["token"])

        # kill -9 n1's executors while they hold jobs
        killed = _wait_for("n1 running a job", lambda: held_by("n1"), 30)
        for p in n1.executors():
            os.kill(p, signal.SIGKILL)

        # SIGSTOP n2's executors while they hold jobs, past the lease
        stopped_jobs = _wait_for("n2 running a job", lambda: held_by("n2"),
                                 30)
        stopped = n2.executors()
        assert stopped
        for p in stopped:
            os.kill(p, signal.SIGSTOP)
        stopped_jobs = held_by("n2")
        ids = ",".join(str(j) for j in stopped_jobs)
        # the sweep (any node's master) gives them back, others run them
        _wait_for("the stopped node's jobs to move on", lambda: sql(
            f"SELECT bool_and(attempts >= 1 AND status <> 1 AND "
            f"(status <> 2 OR node <> 'n2')) FROM S.submissions "
            f"WHERE id IN ({ids})").strip() == "t", 30)
        for p in stopped:
            os.kill(p, signal.SIGCONT)

        quoted = ",".join(f"'{t}'" for t in tokens)
        _wait_for("every job final", lambda: sql(
            "SELECT count(*) FROM S.submissions WHERE status >= 3 AND "
            f"token IN ({quoted})").strip() == str(len(tokens)), 120)
        # the late verdicts of the stopped executors: refused and said,
        # and the executors go on (nothing to retry, no restart)
        _wait_for("n2's refused verdicts in its log", lambda: len(
            re.findall(r"lease lost, verdict AC refused", n2.app_log()))
            == len(stopped_jobs), 30)
        assert "giving job" not in n2.app_log()
        assert sorted(n2.executors()) == sorted(stopped)

        rows = sql("SELECT token, status, attempts, coalesce(node, ''), "
                   "(SELECT count(*) FROM S.test_results r "
                   "WHERE r.submission_id = s.id) FROM S.submissions s "
                   "ORDER BY id").split()
        by_token = {}
        for line in rows:
            t, st, att, node, nres = line.split("|")
            by_token[t] = (int(st), int(att), node, int(nres))
        assert set(by_token) == set(tokens)
        # one final verdict each, one result row each
        assert all(v[0] == ACCEPTED for v in by_token.values()), by_token
        assert all(v[3] == 1 for v in by_token.values()), by_token
        # the killed and the stopped jobs ran again, elsewhere for n2's
        again = sql("SELECT id, attempts, node FROM S.submissions "
                    f"WHERE id IN ({','.join(map(str, killed + stopped_jobs))})"
                    ).split()
        for line in again:
            jid, att, node = line.split("|")
            assert int(att) >= 1, line
            if int(jid) in stopped_jobs:
                assert node != "n2", line

        # history and results read the same from every node
        seen_nodes = set()
        for t in tokens:
            r = n1.stack.get(f"/submissions/{t}")
            assert r.status_code == 200, r.text
            assert r.json()["status"]["id"] == ACCEPTED
        for _ in range(9):
            r = n1.stack.get("/health")
            assert r.status_code == 200, r.text
            seen_nodes.add(r.json()["node"])
            r = n1.stack.get("/submissions?per_page=100")
            assert r.json()["meta"]["total_count"] == len(tokens)
        assert seen_nodes == {"n1", "n2", "n3"}, seen_nodes
        refused = len(re.findall(r"verdict AC refused", n2.app_log()))
        print(f"\nacknowledged {len(tokens)}, final "
              f"{sum(1 for v in by_token.values() if v[0] in FINAL)}, "
              f"killed jobs {len(killed)}, stopped jobs "
              f"{len(stopped_jobs)}, refused late verdicts {refused}")
    finally:
        for n in nodes:
            n.stop()
        for n in nodes:
            n.remove()


def test_postgresql_restart(pg_cluster, schema):
    """PostgreSQL stops and starts again under load: requests in the gap
    fail cleanly (503 + Retry-After, no token, nothing half stored;
    /health says the store cannot be read), the nodes connect again
    by themselves, and every acknowledged token reaches its verdict."""
    s = schema["name"]
    env = {"CODERUNNER_HTTP_WORKERS": "1", "CODERUNNER_EXECUTORS": "2",
           "CODERUNNER_LEASE_MS": "3000"}
    n1 = Node("r1", schema["owner"], env=env, front=True)
    try:
        n1.start()
        tokens = []

        def post(i):
            return n1.stack.submit({
                "language": "python3",
                "source_code": "import time\ntime.sleep(0.3)\nprint(1)\n",
                "stdin": str(i)}, wait=False, timeout=30)

        for i in range(10):
            r = post(i)
            assert r.status_code == 201, r.text
            tokens.append(r.json()["token"])
        pg_cluster.stop_server()
        try:
            r = post(100)
            # a storage fault that passes, as a locked SQLite file is
            assert r.status_code == 503, r.text
            assert "Retry-After" in r.headers, r.headers
            assert "token" not in r.text
            h = n1.stack.get("/health")
            assert h.status_code == 503, h.text
            assert h.json()["store"]["readable"] is False, h.text
        finally:
            pg_cluster.start()
        for i in range(10, 15):
            r = _wait_for("a POST after the restart", lambda: (
                lambda r: r if r.status_code == 201 else None)(post(i)), 30)
            tokens.append(r.json()["token"])
        quoted = ",".join(f"'{t}'" for t in tokens)
        _wait_for("every job final", lambda: pg_cluster.psql(
            f"SELECT count(*) FROM {s}.submissions WHERE status = 3 AND "
            f"token IN ({quoted})", role="postgres").strip() ==
            str(len(tokens)), 90)
        # nothing of the refused POST was stored
        assert pg_cluster.psql(f"SELECT count(*) FROM {s}.submissions",
                               role="postgres").strip() == str(len(tokens))
    finally:
        n1.stop()
        n1.remove()
