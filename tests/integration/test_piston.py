"""Piston v2 with the real client: the npm package piston-client, installed
with npm into this test's own temporary folder, run by Node against our
nginx with basic auth in the server URL (as a Piston deployment behind a
password).  Skips, saying why, when Node or npm is missing or the npm
registry cannot be reached.
"""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def piston_dir():
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    d = tempfile.mkdtemp(prefix="coderunner-piston-")
    try:
        with open(os.path.join(d, "package.json"), "w") as f:
            json.dump({"name": "coderunner-piston-test", "private": True,
                       "type": "module"}, f)
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                            "--loglevel=error", "piston-client@1"], cwd=d,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=180)
        if r.returncode != 0:
            pytest.skip("npm install piston-client failed (registry "
                        "unreachable?): " + r.stdout.decode(errors="replace")
                        [-500:])
        shutil.copy(os.path.join(HERE, "piston", "client.mjs"), d)
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_piston_client(stack, piston_dir):
    host = stack.base_url.split("://", 1)[1]
    env = dict(os.environ,
               PISTON_URL=f"http://{stack.user}:{stack.password}@{host}")
    r = subprocess.run(["node", "client.mjs"], cwd=piston_dir, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    out = json.loads(r.stdout)

    names = {rt["language"] for rt in out["runtimes"]}
    assert {"python", "c++", "c", "javascript", "java", "go", "rust",
            "bash"} <= names

    py = out["python"]
    assert py["language"] == "python" and py["version"]
    # the client sends args ["1", "2", "3"] unless told otherwise
    assert py["run"]["stdout"] == "cba ['1', '2', '3']\n", py
    assert py["run"]["code"] == 0 and py["run"]["output"] == \
        py["run"]["stdout"]

    cpp = out["cpp"]
    assert cpp["compile"]["code"] == 0, cpp
    assert cpp["run"]["stdout"] == "42\n" and cpp["run"]["code"] == 3
    assert cpp["run"]["status"] == "RE"

    ce = out["compile_error"]
    assert ce["compile"]["code"] != 0
    # Piston copies a failed compile into "run" (clients read run.output)
    assert ce["run"] == ce["compile"], ce
    assert "error" in ce["run"]["output"]

    to = out["timeout"]["run"]
    assert to["status"] == "TO" and to["signal"] == "SIGKILL", to

    assert "runtime is unknown" in out["unknown"]["message"]

    java = out["java"]
    assert java["language"] == "java" and "compile" not in java, java
    assert java["run"]["stdout"] == "hello one two|three\n", java
    assert java["run"]["code"] == 0

    assert out["args"]["run"]["stdout"] == \
        "['a b', '', \"c'd\", '$(id)']\n", out["args"]

    el = out["stderr_flood"]["run"]
    assert el["status"] == "EL" and el["signal"] == "SIGKILL", el
    ol = out["stdout_flood"]["run"]
    assert ol["status"] == "OL" and ol["signal"] == "SIGKILL", ol
