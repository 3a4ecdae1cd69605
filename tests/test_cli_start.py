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


def test_the_cli_has_no_postgresql_store_nss_or_libseccomp_code():
    """Its commands work on a site's SQLite store (the PostgreSQL backend,
    which loads libpq with dlopen, is not linked), it calls no NSS
    function (slot.c, user_name): a static program would load a second
    libc with either.  The filter is compiled in
    (src/sandbox/seccomp_policy.c)."""
    out = subprocess.run(["nm", "--defined-only", CLI],
                         stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    syms = {line.split()[-1] for line in out.splitlines() if line.strip()}
    assert "sqlite3_open_v2" in syms and "json_tokener_parse_ex" in syms
    # __nss_database_get and __nss_module_get_function come with any NSS
    # lookup (getpwuid, getgrnam, getaddrinfo, ...) in a static program
    for sym in ("pgstore_open", "pglib_load", "__nss_database_get",
                "__nss_module_get_function", "seccomp_init",
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


def subid_start(path, user):
    """The start of user's first range in path (by name or uid), or None."""
    try:
        with open(path) as f:
            for line in f:
                fields = line.strip().split(":")
                if len(fields) == 3 and fields[0] in (user.pw_name,
                                                      str(user.pw_uid)):
                    return int(fields[1])
    except (OSError, ValueError):
        pass
    return None


def check_as(uid, gid, how):
    """`coderunner check` run as uid:gid (how: runuser or setpriv), from a
    copy the user can reach (the checkout may be under root's home)."""
    d = tempfile.mkdtemp(prefix="cr-cli-start-", dir="/var/tmp")
    try:
        os.chmod(d, 0o755)
        boxes = os.path.join(d, "boxes")
        os.mkdir(boxes, 0o700)
        os.chown(boxes, uid, gid)
        prog = os.path.join(d, "coderunner")
        shutil.copy2(CLI, prog)
        os.chmod(prog, 0o755)
        return subprocess.run(how + [prog, "check", "--box-root", boxes],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=60, cwd="/")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_the_static_cli_finds_its_callers_subordinate_ids():
    """The static CLI finds the caller's name for /etc/subuid (slot.c,
    user_name; here from /etc/passwd): run as the service's user, its box
    is one of that user's subordinate ids, not the user itself."""
    if os.geteuid() != 0:
        pytest.skip("needs root: to run the CLI as the service's user")
    try:
        user = pwd.getpwnam("coderunner")
    except KeyError:
        pytest.skip("no user coderunner (contrib/setup-host.sh makes it)")
    start = subid_start("/etc/subuid", user)
    if start is None or subid_start("/etc/subgid", user) is None:
        pytest.skip("coderunner has no /etc/subuid and /etc/subgid ranges")
    if not all(os.access(p, os.X_OK) for p in ("/usr/bin/newuidmap",
                                                "/usr/bin/newgidmap")):
        pytest.skip("no newuidmap and newgidmap (package uidmap)")
    r = check_as(user.pw_uid, user.pw_gid, ["runuser", "-u", "coderunner",
                                           "--"])
    if "user namespaces: FAIL" in r.stdout:
        pytest.skip("no user namespaces for coderunner here: " + r.stdout)
    assert "box uid on the host: %d (a subordinate id" % start in r.stdout, \
        r.stdout


def test_the_static_cli_runs_for_a_user_no_nss_source_knows():
    """No getpwuid in the static CLI: a source other than files (Debian's
    nsswitch.conf names systemd) would be loaded from the host with a
    second libc, which crashed it (where passwd names files alone, that
    could not happen, and this checks the answer only).  A uid that no
    source knows gets the box as its own uid (newuidmap would refuse
    it), as a dynamic CLI's did; `check` exits 1 here, as it finds no
    language table from /."""
    if os.geteuid() != 0:
        pytest.skip("needs root: to run the CLI as another uid")
    if not all(os.access(p, os.X_OK) for p in ("/usr/bin/newuidmap",
                                                "/usr/bin/newgidmap")):
        pytest.skip("no newuidmap and newgidmap (package uidmap): the CLI "
                    "looks up no name without them")
    uid = next((u for u in range(4242, 5242) if not known_uid(u)), None)
    if uid is None:
        pytest.skip("no unknown uid in 4242-5241")
    r = check_as(uid, uid, ["setpriv", "--reuid=%d" % uid,
                            "--regid=%d" % uid, "--clear-groups", "--"])
    assert r.returncode in (0, 1), r        # a crash is -11
    if "user namespaces: FAIL" in r.stdout:
        pytest.skip("no user namespaces for uid %d here: %s" % (uid,
                                                               r.stdout))
    assert "box uid on the host: %d (this user's own" % uid in r.stdout, \
        r.stdout


def known_uid(uid):
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False
