"""Runs each C unit test binary (cmocka, sanitizer build) as one pytest test.

`make test` builds them into build/test/tests/ before pytest starts; each
runs from the repository root and fails the test on a non-zero exit, with
its output shown.  The store's tests (test_store, test_queue) run a second
time against PostgreSQL, in a throwaway cluster (fixture pg_cluster), or
skip with the reason when there is none.
"""

import glob
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNIT_DIR = os.path.join(ROOT, "build", "test", "tests")
UNIT_SRC = os.path.join(ROOT, "tests", "unit")


def _binaries():
    found = sorted(
        p for p in glob.glob(os.path.join(UNIT_DIR, "test_*"))
        if os.path.isfile(p) and os.access(p, os.X_OK)
        and not os.path.splitext(p)[1])
    return found


def _sources():
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(UNIT_SRC, "test_*.c")))


BINARIES = _binaries()


def test_every_unit_test_is_built():
    """Each tests/unit/test_*.c has a binary: none is silently left out."""
    built = {os.path.basename(p) for p in BINARIES}
    missing = [s for s in _sources() if s not in built]
    assert not missing, (
        f"unit tests not built in {os.path.relpath(UNIT_DIR, ROOT)}: "
        f"{', '.join(missing)} (run `make test`)")


def _run(binary, env=None):
    r = subprocess.run([binary], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=600,
                       env=dict(os.environ, **(env or {})))
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0, (
        f"{os.path.relpath(binary, ROOT)} exited with {r.returncode}:\n{out}")
    return out


@pytest.mark.parametrize("binary", BINARIES,
                         ids=[os.path.basename(p) for p in BINARIES])
def test_unit(binary):
    # SQLite: whatever the caller's environment says
    _run(binary, {"CODERUNNER_TEST_PG": ""})


# The binaries whose stores come from tests/unit/store_fixture.c and whose
# tests are all meant for both backends.
PG_BINARIES = ["test_store", "test_queue"]


@pytest.fixture(scope="module")
def pg_unit_uri(pg_cluster):
    pg_cluster.database("coderunner_unit")
    return pg_cluster.uri(db="coderunner_unit")


@pytest.mark.parametrize("name", PG_BINARIES)
def test_unit_postgresql(name, pg_unit_uri):
    """The store's unit tests on PostgreSQL: every store a new schema."""
    binary = os.path.join(UNIT_DIR, name)
    if binary not in BINARIES:
        pytest.fail(f"{name} is not built (run `make test`)")
    out = _run(binary, {"CODERUNNER_TEST_PG": pg_unit_uri})
    assert "PASSED" in out, out
