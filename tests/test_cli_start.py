"""The CLI starts cheaply, and the service's processes map only what they
all use: neither links libseccomp (the filter is built at build time),
the CLI takes json-c and SQLite from their static archives, and neither
links libpq or libcurl, which bring some thirty
libraries (Kerberos, LDAP, GnuTLS, ...).  The service loads libpq when it
opens a PostgreSQL store and libcurl in its callback sender (on cgroup
v2 each sandbox run's init is a copy of the executor's address space).
Both are bound at start (-z now): elsewhere the run's init runs in the
executor's memory, which only a program whose calls into libc are bound
already allows (src/sandbox/rawsys.h)."""

import json
import os
import subprocess

ROOT = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(ROOT)
CLI = os.path.join(ROOT, "build", "coderunner")
FCGI = os.path.join(ROOT, "build", "coderunner.fcgi")


def needed(path):
    out = subprocess.run(["ldd", path], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def test_neither_program_links_libpq_or_libcurl():
    for prog in (CLI, FCGI):
        libs = needed(prog)
        assert not any(n.startswith(("libpq.", "libcurl", "libkrb5.",
                                     "libldap")) for n in libs), (
            prog, sorted(libs))


def test_neither_program_loads_libseccomp():
    """The filter is built at build time (src/sandbox/seccomp_policy.c):
    libseccomp is seccomp-gen's and the unit tests'."""
    for prog in (CLI, FCGI):
        libs = needed(prog)
        assert not any(n.startswith("libseccomp") for n in libs), (
            prog, sorted(libs))


def test_the_cli_takes_json_c_and_sqlite_from_their_archives():
    """The CLI's start is on every CLI call's path (Makefile, CLI_STATIC);
    the service loads them as shared libraries."""
    cli, fcgi = needed(CLI), needed(FCGI)
    for lib in ("libjson-c.", "libsqlite3."):
        assert not any(n.startswith(lib) for n in cli), sorted(cli)
        assert any(n.startswith(lib) for n in fcgi), sorted(fcgi)


def test_both_programs_are_bound_at_start():
    for prog in (CLI, FCGI):
        out = subprocess.run(["readelf", "-d", prog], stdout=subprocess.PIPE,
                             text=True, check=True).stdout
        assert "BIND_NOW" in out or "Flags: NOW" in out, (prog, out)


def test_cli_refuses_a_postgresql_store_clearly(tmp_path):
    conf = tmp_path / "c.json"
    conf.write_text(json.dumps(
        {"database": "postgresql://nobody@/none?host=/nonexistent"}))
    r = subprocess.run([CLI, "db", "prune", "-c", str(conf),
                        "--older-than", "30"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    assert r.returncode == 1, r.stdout
    assert "built without PostgreSQL" in r.stdout, r.stdout
