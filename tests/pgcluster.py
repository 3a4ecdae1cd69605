"""A throwaway PostgreSQL cluster for the tests.

Cluster.start() runs Debian's initdb and pg_ctl (/usr/lib/postgresql/*/bin)
into a fresh temporary directory and starts the server listening on a
unix socket in that directory only (listen_addresses = '', so no TCP
port at all).  PostgreSQL refuses to run as root: as root the cluster
belongs to the user `postgres` (the package's), else to `coderunner`;
as anyone else, to the caller.  Local connections are trusted (the
socket's directory is the only way in, and the cluster dies with the
test); fsync is off, as nothing here has to survive a crash of the host.

The cluster has a database `coderunner` and two roles: `coderunner`, which
owns the schema `coderunner` and runs the migrations (the HTTP nodes'
role), and `coderunner_exec`, which may use only the functions of the job
queue (the executor-only nodes' role; contrib/postgresql/roles.sql).
Both have search_path = coderunner.

Cluster.uri(role) is the libpq URI a node's `database` key takes;
stop() stops the server and removes the directory.  available() says
why a cluster cannot be made here (None when it can).
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLES_SQL = os.path.join(ROOT, "contrib", "postgresql", "roles.sql")
PORT = 5432     # only names the socket file: there is no TCP listener


def bindir():
    """The newest /usr/lib/postgresql/N/bin with initdb, or None."""
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin")
             if os.access(os.path.join(d, "initdb"), os.X_OK)]

    def version(d):
        try:
            return int(d.split("/")[-2])
        except ValueError:
            return 0
    return max(found, key=version) if found else None


def owner():
    """The OS user the server runs as: never root."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in ("postgres", "coderunner"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    return None


def available():
    """None if a cluster can be made here, else the reason it cannot."""
    if bindir() is None:
        return ("PostgreSQL server not installed (no "
                "/usr/lib/postgresql/*/bin/initdb; Debian package "
                "postgresql, contrib/install-deps.sh installs it)")
    if shutil.which("psql") is None:
        return "psql not installed (Debian package postgresql-client)"
    if owner() is None:
        return "running as root and there is no user postgres or coderunner"
    return None


class Cluster:
    def __init__(self):
        self.bin = bindir()
        self.user = owner()
        self.dir = None
        self.data = None
        self.log = None

    def _as_owner(self, argv, **kw):
        if os.geteuid() == 0:
            pw = pwd.getpwnam(self.user)
            argv = ["setpriv", f"--reuid={pw.pw_uid}",
                    f"--regid={pw.pw_gid}", "--clear-groups", "--"] + argv
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.STDOUT)
        kw.setdefault("cwd", "/")
        r = subprocess.run(argv, **kw)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {r.returncode}:\n"
                               + r.stdout.decode(errors="replace")
                               + self.log_tail())
        return r

    def log_tail(self, n=40):
        if self.log is None or not os.path.exists(self.log):
            return ""
        with open(self.log, errors="replace") as f:
            lines = f.read().splitlines()
        return "\n---- postgresql log ----\n" + "\n".join(lines[-n:])

    def start(self):
        """initdb (first time) and pg_ctl start; waits until it answers."""
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="coderunner-pg-")
            # clients of any user reach the socket; the data stays 0700
            os.chmod(self.dir, 0o755)
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.data = os.path.join(self.dir, "data")
            self.log = os.path.join(self.dir, "server.log")
            self._as_owner([os.path.join(self.bin, "initdb"), "-D",
                            self.data, "-U", "postgres", "-A", "trust",
                            "-E", "UTF8", "--locale=C", "--no-sync"])
            self._as_owner(["touch", self.log])
            with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
                f.write("\n# coderunner tests\nlisten_addresses = ''\n"
                        f"unix_socket_directories = '{self.dir}'\n"
                        f"port = {PORT}\nfsync = off\n"
                        "synchronous_commit = off\nmax_connections = 200\n"
                        "shared_buffers = 32MB\n")
            self._pg_ctl("start")
            self._setup()
        else:
            self._pg_ctl("start")

    def _pg_ctl(self, what):
        argv = [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l",
                self.log, "-w", "-t", "60"]
        if what == "stop":
            argv += ["-m", "fast"]
        self._as_owner(argv + [what])

    def stop_server(self):
        """Stops the server, keeping the data (start() starts it again)."""
        self._pg_ctl("stop")

    def psql(self, sql, db="coderunner", role="postgres"):
        """Runs sql with psql; returns its output (unaligned, no headers)."""
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-h", self.dir, "-p",
                            str(PORT), "-U", role, "-d", db, "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd="/")
        if r.returncode != 0:
            raise RuntimeError(f"psql: {sql}:\n"
                               + r.stderr.decode(errors="replace"))
        return r.stdout.decode()

    def _setup(self):
        self.psql("CREATE DATABASE coderunner", db="postgres")
        self.psql("CREATE ROLE coderunner LOGIN; "
                  "CREATE ROLE coderunner_exec LOGIN; "
                  "CREATE SCHEMA coderunner AUTHORIZATION coderunner; "
                  "ALTER ROLE coderunner SET search_path = coderunner; "
                  "ALTER ROLE coderunner_exec SET search_path = coderunner")

    def database(self, name, owner="coderunner"):
        """Makes database name (owned by owner) unless it exists."""
        if self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
                     db="postgres").strip() != "1":
            self.psql(f"CREATE DATABASE {name} OWNER {owner}", db="postgres")

    def uri(self, role="coderunner", db="coderunner", options=None):
        """The libpq URI of db as role, over the unix socket."""
        u = (f"postgresql://{role}@/{db}?host={self.dir}&port={PORT}")
        if options:
            u += "&options=" + options.replace(" ", "%20").replace(
                "=", "%3D")
        return u

    def grant_executor_role(self):
        """contrib/postgresql/roles.sql's grants, once the schema exists."""
        with open(ROLES_SQL) as f:
            sql = f.read()
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                            "-h", self.dir, "-p", str(PORT), "-U",
                            "postgres", "-d", "coderunner"],
                           input=sql.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, cwd="/")
        if r.returncode != 0:
            raise RuntimeError("roles.sql:\n"
                               + r.stdout.decode(errors="replace"))

    def stop(self):
        """Stops the server and removes its directory."""
        if self.dir is None:
            return
        try:
            self._pg_ctl("stop")
        except RuntimeError:
            pid = os.path.join(self.data, "postmaster.pid")
            if os.path.exists(pid):
                with open(pid) as f:
                    try:
                        os.kill(int(f.readline()), 9)
                    except (ValueError, OSError):
                        pass
                time.sleep(0.5)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
