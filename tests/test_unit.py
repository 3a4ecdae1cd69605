"""Runs each C unit test binary (cmocka, sanitizer build) as one pytest test.

`make test` builds them into build/test/tests/ before pytest starts; each
runs from the repository root and fails the test on a non-zero exit, with
its output shown.
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


@pytest.mark.parametrize("binary", BINARIES,
                         ids=[os.path.basename(p) for p in BINARIES])
def test_unit(binary):
    r = subprocess.run([binary], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=600)
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0, (
        f"{os.path.relpath(binary, ROOT)} exited with {r.returncode}:\n{out}")
