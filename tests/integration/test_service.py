"""The service end to end: HTTP through a real nginx, the FastCGI program
under spawn-fcgi, SQLite and the sandbox.

All tests share one stack (tests/conftest.py) and use ?wait=true where they
can, so the whole file runs in seconds.  Only loopback traffic.
"""

import json
import sqlite3
import time

import requests

# Judge0 status ids (DESIGN.md section 4)
ACCEPTED, WRONG_ANSWER, TLE, COMPILE_ERROR = 3, 4, 5, 6
RE_SIGSEGV, RE_NZEC, RE_OTHER, INTERNAL_ERROR = 7, 11, 12, 13
MLE = 15
FINAL = set(range(3, 17))

C_HELLO = '#include <stdio.h>\nint main(void) { puts("hello, c"); return 0; }\n'
PY_HELLO = 'print("hello, python")\n'


def is_json_error(r):
    """True if r is a JSON error body {"error": ...}."""
    if not r.headers.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        body = r.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), str)


def result_of(r):
    assert r.status_code == 201, f"{r.status_code}: {r.text[:500]}"
    res = r.json()
    assert "status" in res, res
    return res


def describe(res):
    keys = ("status", "message", "stdout", "stderr", "compile_output",
            "time", "wall_time", "memory", "exit_code", "exit_signal")
    return json.dumps({k: res.get(k) for k in keys})


# --- authentication ---------------------------------------------------------

def test_no_credentials_is_401(stack):
    r = requests.get(stack.url("/languages"), timeout=10)
    assert r.status_code == 401
    assert is_json_error(r), r.text
    assert r.headers.get("WWW-Authenticate", "").startswith("Basic")

    r = requests.get(stack.url("/languages"), timeout=10,
                     headers={"X-Auth-Token": "0" * 32})
    assert r.status_code == 401, "a wrong API key must not admit"

    r = requests.get(stack.url("/languages"), timeout=10,
                     auth=(stack.user, "not-the-password"))
    assert r.status_code == 401, "a wrong password must not admit"

    r = requests.post(stack.url("/submissions?wait=true"), timeout=10,
                      json={"language": "python3", "source_code": PY_HELLO})
    assert r.status_code == 401


def test_basic_auth_and_api_key_admit(stack):
    r = requests.get(stack.url("/languages"), timeout=10,
                     auth=(stack.user, stack.password))
    assert r.status_code == 200, r.text
    ids = {lang.get("id") for lang in r.json()}
    assert {50, 71} <= ids, r.json()    # C (gcc) and Python 3

    r = requests.get(stack.url("/languages"), timeout=10,
                     headers={"X-Auth-Token": stack.api_key})
    assert r.status_code == 200, r.text

    r = requests.get(stack.url("/health"), timeout=10,
                     headers={"X-Auth-Token": stack.api_key})
    assert r.status_code == 200, r.text
    assert "queue_depth" in r.json(), r.json()


# --- verdicts ------------------------------------------------------------------

def test_c_hello_accepted(stack):
    res = result_of(stack.submit({"language": "c", "source_code": C_HELLO,
                                  "expected_output": "hello, c\n"}))
    assert res["status"]["id"] == ACCEPTED, describe(res)
    assert res["stdout"] == "hello, c\n"


def test_python_hello_accepted(stack):
    res = result_of(stack.submit({"language_id": 71,
                                  "source_code": PY_HELLO}))
    assert res["status"]["id"] == ACCEPTED, describe(res)
    assert res["stdout"] == "hello, python\n"


def test_python_hello_by_basic_auth(stack):
    r = requests.post(stack.url("/submissions?wait=true"), timeout=60,
                      auth=(stack.user, stack.password),
                      json={"language": "python3", "source_code": PY_HELLO,
                            "expected_output": "hello, python"})
    res = result_of(r)
    assert res["status"]["id"] == ACCEPTED, describe(res)


def test_wrong_output_is_wrong_answer(stack):
    res = result_of(stack.submit({"language": "python3",
                                  "source_code": "print(6*7)\n",
                                  "expected_output": "43\n"}))
    assert res["status"]["id"] == WRONG_ANSWER, describe(res)
    assert res["stdout"] == "42\n"


def test_c_compile_error(stack):
    src = "int main(void) { return undeclared_thing; }\n"
    res = result_of(stack.submit({"language": "c", "source_code": src}))
    assert res["status"]["id"] == COMPILE_ERROR, describe(res)
    assert "undeclared_thing" in (res.get("compile_output") or ""), \
        describe(res)
    assert "error" in res["compile_output"]


def test_infinite_loop_is_tle(stack):
    wall = 3.0
    t0 = time.monotonic()
    res = result_of(stack.submit({"language": "python3",
                                  "source_code": "while True:\n    pass\n",
                                  "cpu_time_limit": 1,
                                  "wall_time_limit": wall}))
    elapsed = time.monotonic() - t0
    assert res["status"]["id"] == TLE, describe(res)
    assert elapsed < wall + 1, f"verdict took {elapsed:.2f}s"


def test_sleep_is_tle_by_wall_time(stack):
    wall = 2.0
    t0 = time.monotonic()
    res = result_of(stack.submit({"language": "python3",
                                  "source_code":
                                      "import time\ntime.sleep(100)\n",
                                  "cpu_time_limit": 1,
                                  "wall_time_limit": wall}))
    elapsed = time.monotonic() - t0
    assert res["status"]["id"] == TLE, describe(res)
    assert elapsed < wall + 1, f"verdict took {elapsed:.2f}s"


# Memory tests get ample time: filling 256 MB takes about a second of CPU
# on a VM with slow page faults, and a busy host must not turn the MLE they
# are about into a TLE.
AMPLE_TIME = {"cpu_time_limit": 10, "wall_time_limit": 20}


def assert_mle(res):
    sid = res["status"]["id"]
    # Without a memory cgroup (the rlimit fallback), a Runtime Error whose
    # message names memory counts too.
    ok = sid == MLE or (sid in (RE_SIGSEGV, RE_NZEC, RE_OTHER) and
                        "memory" in (res.get("message") or "").lower())
    assert ok, describe(res)


def test_python_1gib_allocation_is_mle(stack):
    res = result_of(stack.submit(dict({"language": "python3",
                                       "source_code":
                                           "b = bytearray(1 << 30)\n"
                                           "print(len(b))\n",
                                       "memory_limit": 256000},
                                      **AMPLE_TIME)))
    assert_mle(res)
    assert "1073741824" not in (res.get("stdout") or "")


def test_c_1gib_allocation_is_mle(stack):
    src = ('#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n'
           'int main(void) {\n'
           '    size_t n = (size_t)1 << 30;\n'
           '    char *p = malloc(n);\n'
           '    if (p == NULL) { puts("malloc failed"); return 1; }\n'
           '    memset(p, 1, n);\n'
           '    /* p escapes and is read back: the compiler keeps it all */\n'
           '    printf("%p %d\\n", (void *)p, ((volatile char *)p)[n / 2]);\n'
           '    return 0;\n}\n')
    res = result_of(stack.submit(dict({"language": "c", "source_code": src,
                                       "memory_limit": 256000},
                                      **AMPLE_TIME)))
    assert_mle(res)


def test_network_is_unreachable(stack):
    # The target is this stack's own loopback port: were the sandbox leaky,
    # the connection would stay on this machine.
    src = ("import socket\n"
           "try:\n"
           "    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
           "    s.settimeout(2)\n"
           f"    s.connect(('127.0.0.1', {stack.port}))\n"
           "    print('CONNECTED')\n"
           "except OSError as e:\n"
           "    print('blocked:', e)\n")
    res = result_of(stack.submit({"language": "python3", "source_code": src}))
    out = res.get("stdout") or ""
    assert "CONNECTED" not in out, describe(res)
    if res["status"]["id"] == ACCEPTED:
        assert "blocked:" in out, describe(res)


# --- async ---------------------------------------------------------------------

def test_async_post_then_get_reaches_final_verdict(stack):
    r = stack.submit({"language": "python3", "source_code": "print(1+1)\n",
                      "expected_output": "2\n"}, wait=False)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert len(token) == 36, token
    deadline = time.monotonic() + 30
    while True:
        g = stack.get(f"/submissions/{token}")
        assert g.status_code == 200, g.text
        res = g.json()
        assert res["token"] == token
        if res["status"]["id"] in FINAL:
            break
        assert res["status"]["id"] in (1, 2), describe(res)
        assert time.monotonic() < deadline, f"still {res['status']}"
        time.sleep(0.1)
    assert res["status"]["id"] == ACCEPTED, describe(res)
    assert res["stdout"] == "2\n"
    assert res["finished_at"], res


# --- bad input -------------------------------------------------------------------

def test_bad_input_gets_json_4xx(stack):
    h = dict(stack.auth_headers, **{"Content-Type": "application/json"})

    r = stack.post("/submissions", data='{"language": "python3", ',
                   headers=h)
    assert r.status_code == 400 and is_json_error(r), (r.status_code, r.text)

    r = stack.submit({"language": "no-such-language", "source_code": "x"})
    assert r.status_code == 422 and is_json_error(r), (r.status_code, r.text)

    big = {"language": "python3", "source_code": "#" * (2 << 20)}
    r = stack.submit(big)
    assert r.status_code == 413 and is_json_error(r), (r.status_code,
                                                       r.text[:300])

    r = requests.put(stack.url("/languages"), headers=stack.auth_headers,
                     timeout=10)
    assert r.status_code == 405 and is_json_error(r), (r.status_code, r.text)

    r = stack.get("/submissions/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404 and is_json_error(r), (r.status_code, r.text)

    r = stack.get("/submissions/not-a-token")
    assert r.status_code == 404 and is_json_error(r), (r.status_code, r.text)


# --- the owner -------------------------------------------------------------------

def _owner_in_db(stack, token):
    # Read-only, while the service has the database open: never creates a
    # -wal/-shm file that the service user could not open afterwards.
    db = sqlite3.connect(f"file:{stack.db_path}?mode=ro", uri=True,
                         timeout=10)
    try:
        row = db.execute("SELECT owner FROM submissions WHERE token = ?",
                         (token,)).fetchone()
    finally:
        db.close()
    assert row is not None, f"{token} not in {stack.db_path}"
    return row[0]


def test_owner_is_the_authenticated_user(stack):
    # A client header cannot choose the owner: nginx sets REMOTE_USER.
    h = dict(stack.auth_headers, **{"Remote-User": "mallory",
                                    "X-Remote-User": "mallory"})
    r = stack.post("/submissions", headers=h,
                   json={"language": "python3", "source_code": "print(1)\n"})
    assert r.status_code == 201, r.text
    assert _owner_in_db(stack, r.json()["token"]) == "demo"

    r = requests.post(stack.url("/submissions"), timeout=30,
                      auth=(stack.user, stack.password),
                      json={"language": "python3", "source_code": "print(2)\n"})
    assert r.status_code == 201, r.text
    assert _owner_in_db(stack, r.json()["token"]) == "demo"


# --- isolation from the server --------------------------------------------------

def test_sandbox_cannot_see_server_fds_or_files(stack):
    src = f"""import os, socket
fds = []
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        fds.append(fd)
    except OSError:
        pass
print("extra fds:", fds)
print("proc fds:", sorted(os.listdir("/proc/self/fd")))
for path in ({stack.db_path!r}, {stack.socket_path!r}):
    try:
        open(path, "rb").close()
        print("OPENED", path)
    except OSError as e:
        print("no open", e.errno)
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        print("CONNECTED", path)
    except OSError as e:
        print("no connect", e.errno)
print("db exists:", os.path.exists({stack.db_path!r}))
"""
    res = result_of(stack.submit({"language": "python3", "source_code": src}))
    out = res.get("stdout") or ""
    assert res["status"]["id"] == ACCEPTED, describe(res)
    assert "extra fds: []" in out, out
    assert "OPENED" not in out and "CONNECTED" not in out, out
    assert out.count("no open") == 2 and out.count("no connect") == 2, out
    assert "db exists: False" in out, out


# --- rate limit ------------------------------------------------------------------

def test_post_burst_gets_429(stack):
    # Malformed bodies: the app answers 400 without queueing anything, and
    # nginx counts them all the same (every POST is rate-limited).
    h = dict(stack.auth_headers, **{"Content-Type": "application/json"})
    codes = []
    limited = None
    with requests.Session() as s:
        for _ in range(60):
            r = s.post(stack.url("/submissions"), data="{", headers=h,
                       timeout=10)
            codes.append(r.status_code)
            if r.status_code == 429:
                limited = r
                if codes.count(429) >= 5:
                    break
        assert limited is not None, f"no 429 in {len(codes)} POSTs: {codes}"
        assert is_json_error(limited), limited.text
        assert limited.headers.get("Retry-After") == "1", limited.headers
        assert set(codes) <= {400, 429}, codes
        # GETs are not limited by the POST rate.
        assert s.get(stack.url("/health"), headers=stack.auth_headers,
                     timeout=10).status_code == 200
        # Wait for the bucket to drain so later tests can POST again.
        deadline = time.monotonic() + 20
        while s.post(stack.url("/submissions"), data="{", headers=h,
                     timeout=10).status_code == 429:
            assert time.monotonic() < deadline, "rate limit never recovered"
            time.sleep(0.5)


# --- durability --------------------------------------------------------------------

def test_result_survives_restart(stack):
    res = result_of(stack.submit({"language": "python3",
                                  "source_code": "print('kept')\n",
                                  "expected_output": "kept\n"}))
    assert res["status"]["id"] == ACCEPTED, describe(res)
    token = res["token"]

    stack.restart()

    r = stack.get(f"/submissions/{token}")
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["status"]["id"] == ACCEPTED, describe(again)
    assert again["stdout"] == "kept\n"
    assert again["token"] == token
