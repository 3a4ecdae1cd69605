"""The layering rules of DESIGN.md section 1, in every test run (make test
builds build/ first): contrib/check-layering.sh (the include rules; JSON
is parsed in src/api/body.c alone) and contrib/check-calls.sh (no two
files of src/api call into each other, nor in any longer circle, as the
release build's object files show)."""

import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*cmd):
    return subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def test_include_rules():
    r = run("sh", "contrib/check-layering.sh")
    assert r.returncode == 0, r.stdout


def test_no_circle_in_src_api():
    r = run("sh", "contrib/check-calls.sh", "src/api",
            os.path.join("build", "obj", "src", "api"))
    assert r.returncode == 0, r.stdout
    assert "no circle" in r.stdout, r.stdout
