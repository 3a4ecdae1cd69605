"""The CLI starts cheaply, and the service's processes map only what they
all use.  The CLI is static-pie (Makefile, CLI_LINK): the loader maps and
binds nothing at its start, and it still loads at a random address.  The
service is dynamic; it links neither libseccomp (the filter is built at
build time) nor libpq or libcurl, which bring some thirty libraries
(Kerberos, LDAP, GnuTLS, ...).  The service loads libpq when it opens a
PostgreSQL store and libcurl in its callback sender (on cgroup v2 each
sandbox run's init is a copy of the executor's address space).  Both
programs are bound at start (-z now): elsewhere the run's init runs in the
executor's memory, which only a program whose calls into libc are bound
already allows (src/sandbox/rawsys.h)."""

import json
import os
import pwd
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(ROOT)
CLI = os.path.join(ROOT, "build", "coderunner")
FCGI = os.path.join(ROOT, "build", "coderunner.fcgi")


def needed(path):
    out = subprocess.run(["ldd", path], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def readelf(*args):
    return subprocess.run(["readelf", "-W"] + list(args),
                          stdout=subprocess.PIPE, text=True,
                          check=True).stdout


def test_the_cli_is_static_pie():
    """No interpreter and no shared library to load, and a PIE: ASLR
    stays."""
    headers, dynamic = readelf("-lh", CLI), readelf("-d", CLI)
    assert "INTERP" not in headers, headers
    assert "(NEEDED)" not in dynamic, dynamic
    assert "DYN (Position-Independent Executable file)" in headers, headers
    assert "PIE" in dynamic, dynamic


def test_the_cli_has_no_libpq_libcurl_or_libseccomp_code():
    """Its commands work on a site's SQLite store, and the filter is
    compiled in (src/sandbox/seccomp_policy.c)."""
    syms = subprocess.run(["nm", CLI], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.split()
    assert "sqlite3_open_v2" in syms and "json_tokener_parse_ex" in syms
    for sym in ("PQconnectdb", "curl_easy_init", "seccomp_init",
                "seccomp_export_bpf"):
        assert sym not in syms, sym


def test_the_service_links_none_of_them_and_loads_json_c_and_sqlite():
    """The service takes json-c and SQLite as shared libraries, so that
    the distribution's updates reach the code that reads requests."""
    libs = needed(FCGI)
    assert not any(n.startswith(("libpq.", "libcurl", "libkrb5.", "libldap",
                                 "libseccomp")) for n in libs), sorted(libs)
    for lib in ("libjson-c.", "libsqlite3."):
        assert any(n.startswith(lib) for n in libs), sorted(libs)


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


def test_the_static_cli_finds_its_callers_subordinate_ids():
    """getpwuid in a static program (slot.c: the caller's name for
    /etc/subuid): run as the service's user, the CLI's box is one of that
    user's subordinate ids, not the user itself."""
    if os.geteuid() != 0:
        pytest.skip("needs root: to run the CLI as the service's user")
    try:
        user = pwd.getpwnam("coderunner")
    except KeyError:
        pytest.skip("no user coderunner (contrib/install-deps.sh makes it)")
    start = None
    with open("/etc/subuid") as f:
        for line in f:
            fields = line.strip().split(":")
            if fields[0] in ("coderunner", str(user.pw_uid)):
                start = int(fields[1])
                break
    if start is None:
        pytest.skip("coderunner has no /etc/subuid range")
    # pytest's tmp_path is root's alone
    box_root = tempfile.mkdtemp(prefix="cr-cli-start-")
    try:
        os.chown(box_root, user.pw_uid, user.pw_gid)
        r = subprocess.run(["runuser", "-u", "coderunner", "--", CLI,
                            "check", "--box-root", box_root],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60, cwd="/")
    finally:
        shutil.rmtree(box_root)
    assert "box uid on the host: %d (a subordinate id" % start in r.stdout, \
        r.stdout
