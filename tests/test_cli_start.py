"""The CLI starts cheaply: it never links the PostgreSQL backend, so libpq
and the two dozen libraries it brings (Kerberos, LDAP, GnuTLS, ...) are not
loaded at every `coderunner sandbox` start.  The service links it."""

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


def test_cli_does_not_load_libpq():
    cli = needed(CLI)
    assert not any(n.startswith(("libpq.", "libkrb5.", "libldap"))
                   for n in cli), sorted(cli)
    assert any(n.startswith("libpq.") for n in needed(FCGI))


def test_cli_refuses_a_postgresql_store_clearly(tmp_path):
    conf = tmp_path / "c.json"
    conf.write_text(json.dumps(
        {"database": "postgresql://nobody@/none?host=/nonexistent"}))
    r = subprocess.run([CLI, "db", "prune", "-c", str(conf),
                        "--older-than", "30"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    assert r.returncode == 1, r.stdout
    assert "built without PostgreSQL" in r.stdout, r.stdout
