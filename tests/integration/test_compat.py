"""The routes of the small runners coderunner replaces, through real
nginx: each is a mapping onto the one submission model, so these
check the shapes going in and out, not the judging again.
"""

import time

import requests

H_JSON = {"Content-Type": "application/json"}


def post(stack, path, body):
    return stack.post(path, json=body, headers=dict(stack.auth_headers))


def test_code(stack):
    r = post(stack, "/code", {"language": "python", "code":
                              "print(input()[::-1])", "input": "abc",
                              "time_limit": 1, "memory_limit": 256 << 20,
                              "wall_time_limit": 3})
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["status"] == "Success"
    assert res["stdout"] == "cba\n" and res["stderr"] == ""
    assert isinstance(res["runtime"], int)
    assert res["memory_usage"] > 1024       # bytes, not KB

    r = post(stack, "/code", {"language": "cpp", "code": "int main( {"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CompileError"
    assert "error" in r.json()["stderr"]

    r = post(stack, "/code", {"language": "python", "code":
                              "raise SystemExit(3)"})
    assert r.json()["status"] == "RuntimeError"
    r = post(stack, "/code", {"language": "python", "code":
                              "while True: pass", "time_limit": 0.5})
    assert r.json()["status"] == "TimeLimitExceeded"

    # errors name the client's fields
    r = post(stack, "/code", {"language": "python"})
    assert r.status_code == 422
    assert r.json()["field"] == "code" and "code" in r.json()
    assert r.json()["error"].startswith("code ")
    r = post(stack, "/code", {"language": "python", "code": "1",
                              "time_limit": 999})
    assert r.status_code == 422 and r.json()["field"] == "time_limit"


def test_submissions_new(stack):
    r = post(stack, "/submissions/new", {
        "source_code": "import sys\nprint(input(), flush=True)\n"
                       "print('e', file=sys.stderr)",
        "language": "python3", "stdin": "x", "expected_output": "x\ne",
        "cpu_time_limit": 1, "memory_limit": 128000,
        "redirect_stderr_to_stdout": True, "enable_network": False})
    assert r.status_code == 201, r.text
    res = r.json()
    assert res["status"]["id"] == 3, res       # stderr went to stdout
    assert res["stdout"] == "x\ne\n"
    assert res["token"]

    r = post(stack, "/submissions/new", {"source_code": "print(1)",
                                         "language": "python3",
                                         "enable_network": True})
    assert r.status_code == 422


def test_api_execute_languages_health(stack):
    r = post(stack, "/api/execute", {"code": "console.log(6*7)",
                                     "language": "javascript", "input": ""})
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["stdout"] == "42\n" and res["exitCode"] == 0
    assert isinstance(res["executionTime"], int)
    assert "error" not in res

    r = post(stack, "/api/execute", {"code": "import sys; sys.exit(4)",
                                     "language": "python"})
    res = r.json()
    assert res["exitCode"] == 4 and res["error"]

    r = post(stack, "/api/execute", {"code": "int main( {",
                                     "language": "c"})
    assert r.json()["exitCode"] is None and "error" in r.json()["error"]

    r = stack.get("/api/languages")
    assert r.status_code == 200
    names = r.json()["languages"]
    # that runner's names (test_seed_routes.py), not ours ("python3")
    assert {"c", "cpp", "python", "javascript"} <= set(names)

    r = stack.get("/api/health")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok" and h["service"] == "code-execution"
    assert h["timestamp"].endswith("Z")


def test_run_and_status(stack):
    r = post(stack, "/run", {"language": "python",
                             "code": "print(int(input()) * 2)",
                             "tests": [{"stdin": "1", "expected": "2"},
                                       {"stdin": "2", "expected": "5"},
                                       {"stdin": "x"}]})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "/status/" + job["jobID"]
    deadline = time.monotonic() + 30
    while True:
        r = stack.get(job["status"])
        assert r.status_code == 200, r.text
        if isinstance(r.json(), list):
            break
        assert r.json()["status"] == "pending"
        assert time.monotonic() < deadline
        time.sleep(0.1)
    tests = r.json()
    assert [t["passed"] for t in tests] == [True, False, False]
    assert tests[0]["stdout"] == "2\n" and tests[0]["exitCode"] == 0
    assert tests[1]["stdout"] == "4\n"
    assert "ValueError" in tests[2]["stderr"] and tests[2]["exitCode"] == 1
    assert not any(t["timedOut"] or t["oomKilled"] for t in tests)

    r = post(stack, "/run", {"language": "python",
                             "code": "while True: pass"})
    job = r.json()
    deadline = time.monotonic() + 30
    while not isinstance(stack.get(job["status"]).json(), list):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    t = stack.get(job["status"]).json()[0]
    assert t["timedOut"] is True and t["passed"] is False

    r = stack.get("/status/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404
    r = post(stack, "/run", {"language": "python"})
    assert r.status_code == 422 and r.json()["field"] == "code"


def test_execute(stack):
    r = post(stack, "/execute", {"selectedLanguage": "python",
                                 "userCode": "print(input()[::-1])",
                                 "userInput": "abc"})
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "verdict": "AC", "output": "cba\n",
                        "error": None}
    r = post(stack, "/execute", {"selectedLanguage": "c",
                                 "userCode": "int main( {"})
    res = r.json()
    assert res["success"] is False and res["verdict"] == "CE"
    assert "error" in res["error"]
    r = post(stack, "/execute", {"selectedLanguage": "python",
                                 "userCode": "import os; os.abort()"})
    assert r.json()["verdict"] == "RE"
    r = post(stack, "/execute", {"selectedLanguage": "python",
                                 "userCode": "x = bytearray(2 << 30)"})
    assert r.json()["verdict"] in ("MLE", "RE"), r.json()
    r = post(stack, "/execute", {"userCode": "print(1)"})
    assert r.status_code == 422
    assert r.json()["field"] == "selectedLanguage"


# --- Piston v2, by hand (the real client: test_piston.py) --------------------

def test_piston_runtimes_use_piston_names(stack):
    r = stack.get("/api/v2/runtimes")
    assert r.status_code == 200
    rts = {rt["language"]: rt for rt in r.json()}
    for name in ("c", "c++", "python", "javascript", "typescript", "java",
                 "go", "rust", "bash", "ruby", "php", "lua"):
        assert name in rts, name
        assert rts[name]["version"]
    assert "python3" in rts["python"]["aliases"]
    assert rts["javascript"]["runtime"] == "node"
    assert "cpp" not in rts and "python3" not in rts


def test_piston_execute_shapes(stack):
    h = dict(stack.auth_headers)
    # JSON whatever the Content-Type says
    r = stack.post("/api/v2/execute", data=(
        '{"language":"python","version":"*","files":[{"name":"a.py",'
        '"content":"import sys\\nprint(sys.argv[1:], input())"}],'
        '"stdin":"in","args":["x","y"],"run_timeout":3000,'
        '"compile_memory_limit":-1,"run_memory_limit":-1}'),
        headers=dict(h, **{"Content-Type": "text/plain"}))
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["language"] == "python" and res["version"]
    assert "compile" not in res
    run = res["run"]
    assert run["stdout"] == "['x', 'y'] in\n" and run["output"] == run["stdout"]
    assert run["code"] == 0 and run["signal"] is None
    assert run["status"] is None
    assert run["memory"] > 1024 and isinstance(run["cpu_time"], int)

    r = stack.post("/api/v2/execute", json={
        "language": "c++", "version": "*",
        "files": [{"content": "#include \"x.h\"\nint main(){return X;}"},
                  {"name": "x.h", "content": "I2RlZmluZSBYIDU=",
                   "encoding": "base64"}]}, headers=h)
    res = r.json()
    assert res["compile"]["code"] == 0, res
    assert res["run"]["code"] == 5 and res["run"]["status"] == "RE"

    r = stack.post("/api/v2/execute", json={
        "language": "c", "version": "*", "files": [{"content": "int main( {"}]},
        headers=h)
    res = r.json()
    assert res["compile"]["code"] != 0 and "error" in res["compile"]["stderr"]
    # Piston's v2.js: a run stage that never started is the compile's
    assert res["run"] == res["compile"]

    r = stack.post("/api/v2/execute", json={
        "language": "python", "version": "*",
        "files": [{"content": "import os; os.kill(os.getpid(), 9)"}]},
        headers=h)
    assert r.json()["run"]["signal"] == "SIGKILL"
    assert r.json()["run"]["status"] == "SG" and r.json()["run"]["code"] is None

    r = stack.post("/api/v2/execute", json={
        "language": "python", "version": "*",
        "files": [{"content": "print('x' * 10**7)"}]}, headers=h)
    assert r.json()["run"]["status"] == "OL"


def test_piston_runtimes_have_versions(stack):
    """Piston's runtimes all carry a version (html and css: cat's)."""
    r = stack.get("/api/v2/runtimes")
    for rt in r.json():
        assert rt["version"] not in ("", "unknown", "0.0.0"), rt
        assert rt["version"][0].isdigit(), rt


def test_piston_args_are_argv_words(stack):
    """Piston passes args to the program as argv words: blanks, quotes
    and empty words stay as they are (there is no shell)."""
    r = stack.post("/api/v2/execute", json={
        "language": "python", "version": "*",
        "files": [{"content": "import sys\nprint(sys.argv[1:])"}],
        "args": ["a b", "", "'q'", "$(id)", "x\ty"]},
        headers=stack.auth_headers)
    assert r.status_code == 200, r.text
    assert r.json()["run"]["stdout"] == \
        "['a b', '', \"'q'\", '$(id)', 'x\\ty']\n", r.json()


def test_piston_java_any_class_name(stack):
    """Piston's java is the source launcher: the first class of the
    file runs, whatever its name; there is no compile stage."""
    src = ("public class Anything {\n"
           "  public static void main(String[] a) {\n"
           "    System.out.println(Helper.twice(21));\n  }\n}\n"
           "class Helper { static int twice(int x) { return 2 * x; } }\n")
    r = stack.post("/api/v2/execute", json={
        "language": "java", "version": "*", "files": [{"content": src}],
        "run_timeout": 15000}, headers=stack.auth_headers)
    assert r.status_code == 200, r.text
    res = r.json()
    assert "compile" not in res, res
    assert res["run"]["stdout"] == "42\n", res


def test_piston_stderr_over_the_limit_is_EL(stack):
    r = stack.post("/api/v2/execute", json={
        "language": "python", "version": "*",
        "files": [{"content": "import sys\nsys.stderr.write('x' * 10**7)"}]},
        headers=stack.auth_headers)
    run = r.json()["run"]
    assert run["status"] == "EL" and run["signal"] == "SIGKILL", run


def test_piston_errors(stack):
    h = dict(stack.auth_headers, **{"Content-Type": "application/json"})
    for body, words in (("not json", "JSON"),
                        ('{"language":"cobol","version":"1",'
                         '"files":[{"content":"x"}]}', "runtime is unknown"),
                        ('{"language":"python","version":"*"}', "files"),
                        ('{"language":"python","files":[{"content":"1"}],'
                         '"args":"a b"}', "args"),
                        ('{"language":"python","files":[{"content":"1"}],'
                         '"run_timeout":999999}', "run_timeout"),
                        ('{"language":"python","files":[{"content":"zz",'
                         '"encoding":"hex"}]}', "hex")):
        r = stack.post("/api/v2/execute", data=body, headers=h)
        assert r.status_code == 400, (body, r.text)
        assert words in r.json()["message"], (body, r.text)
        assert "error" not in r.json()
