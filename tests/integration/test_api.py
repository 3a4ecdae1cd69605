"""The Judge0-compatible surface through real nginx: fields=,
base64, size and limit errors, batches, Idempotency-Key, auth scoping,
DELETE, the catalogue and introspection routes, /metrics, /health, and
503 from a full queue (a second, tiny stack).

Only loopback traffic; programs are tiny Python ones, run with
?wait=true, so the file runs in seconds.
"""

import base64
import os
import re
import time

import pytest
import requests

from conftest import ROOT, own_stack

PY = 71
ACCEPTED = 3
FINAL = set(range(3, 17))


def headers(stack, user=None):
    if user is None:
        return {"X-Auth-Token": stack.api_key}
    return {"X-Auth-Token": stack.credentials(user)[1]}


def submit(stack, body, query="wait=true", user=None, extra=None):
    h = dict(headers(stack, user), **(extra or {}))
    return stack.post("/submissions?" + query, json=body, headers=h)


def final(stack, token, user=None, query="", timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        r = stack.get(f"/submissions/{token}?{query}",
                      headers=headers(stack, user))
        assert r.status_code == 200, r.text
        if r.json()["status"]["id"] in FINAL:
            return r.json()
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)


def assert_json_error(r, status):
    assert r.status_code == status, f"{r.status_code}: {r.text[:300]}"
    assert r.headers["Content-Type"].startswith("application/json")
    assert isinstance(r.json().get("error"), str), r.text


# --- fields= and base64 ------------------------------------------------------

def test_fields_default_list_and_star(stack):
    r = submit(stack, {"language": "python3", "source_code": "print(input())",
                       "stdin": "hi", "expected_output": "hi"})
    assert r.status_code == 201, r.text
    res = r.json()
    token = res["token"]
    assert res["status"]["id"] == ACCEPTED
    assert "source_code" not in res      # not a default field

    r = stack.get(f"/submissions/{token}?fields=stdout,status_id,language")
    assert r.status_code == 200, r.text
    assert r.json() == {"stdout": "hi\n", "status_id": ACCEPTED,
                        "language": {"id": PY, "name": r.json()["language"]
                                     ["name"]}}

    r = stack.get(f"/submissions/{token}?fields=*")
    assert r.status_code == 200, r.text
    every = r.json()
    for k in ("token", "status", "stdout", "source_code", "stdin",
              "expected_output", "language_id", "cpu_time_limit",
              "memory_limit", "wall_time_limit", "number_of_runs",
              "redirect_stderr_to_stdout", "enable_network", "callback_url",
              "created_at", "finished_at", "time", "memory"):
        assert k in every, k
    assert every["source_code"] == "print(input())"
    assert every["stdin"] == "hi"
    assert every["expected_output"] == "hi"
    assert every["enable_network"] is False

    # fields also applies to a waited POST
    r = submit(stack, {"language": "py", "source_code": "print(2)"},
               query="wait=true&fields=stdout,time")
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"stdout", "time"}


def test_unknown_field_is_400(stack):
    r = submit(stack, {"language": "py", "source_code": "print(1)"},
               query="wait=false")
    token = r.json()["token"]
    r = stack.get(f"/submissions/{token}?fields=stdout,no_such_field")
    assert_json_error(r, 400)
    assert "no_such_field" in r.json()["error"]


BINARY = 'import sys; sys.stdout.buffer.write(bytes([0, 255, 254, 10, 200]))'


def b64(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


def test_base64_round_trip_with_binary_output(stack):
    r = submit(stack, {"language": "python3", "source_code": b64(BINARY),
                       "stdin": b64(b"\x00in")},
               query="wait=true&base64_encoded=true")
    assert r.status_code == 201, r.text
    res = r.json()
    assert res["status"]["id"] == ACCEPTED, res
    assert base64.b64decode(res["stdout"]) == bytes([0, 255, 254, 10, 200])
    token = res["token"]

    # Without base64 the output cannot be JSON text: Judge0's 400.
    r = stack.get(f"/submissions/{token}")
    assert_json_error(r, 400)
    assert "base64_encoded=true" in r.json()["error"]
    assert r.json()["token"] == token

    r = stack.get(f"/submissions/{token}?base64_encoded=true&fields=*")
    assert r.status_code == 200, r.text
    res = r.json()
    assert base64.b64decode(res["source_code"]).decode() == BINARY
    assert base64.b64decode(res["stdin"]) == b"\x00in"
    assert base64.b64decode(res["stdout"]) == bytes([0, 255, 254, 10, 200])

    # Text output in base64 too; a compile error's output as well.
    r = submit(stack, {"language": "c", "source_code": b64("int main( {")},
               query="wait=true&base64_encoded=true")
    res = r.json()
    assert res["status"]["id"] == 6, res
    assert b"error" in base64.b64decode(res["compile_output"])


@pytest.mark.parametrize("bad", ["print(1)", "cHJpbnQoMSk", "cHJp bnQoMSk=",
                                 "@@@@"])
def test_invalid_base64_is_400(stack, bad):
    r = submit(stack, {"language": "py", "source_code": bad},
               query="base64_encoded=true")
    assert_json_error(r, 400)
    assert r.json()["field"] == "source_code"


def test_source_over_the_cap_is_413(stack):
    cap = stack.get("/config_info").json()["max_source_bytes"]
    r = submit(stack, {"language": "py",
                       "source_code": "#" * (cap + 1)}, query="")
    assert_json_error(r, 413)
    r = submit(stack, {"language": "py", "source_code": "#" * (cap - 10)
                       + "\nprint(1)"}, query="")
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("field,value", [
    ("cpu_time_limit", 1000), ("wall_time_limit", 99), ("memory_limit",
                                                        10 ** 9),
    ("stack_limit", 10 ** 9), ("max_file_size", 10 ** 9),
    ("max_processes_and_or_threads", 100000), ("number_of_runs", 21),
    ("cpu_extra_time", 60)])
def test_limit_over_the_maximum_is_422(stack, field, value):
    r = submit(stack, {"language": "py", "source_code": "print(1)",
                       field: value}, query="")
    assert_json_error(r, 422)
    body = r.json()
    assert isinstance(body[field], list) and body[field], body


def test_enable_network_is_422(stack):
    r = submit(stack, {"language": "py", "source_code": "print(1)",
                       "enable_network": True}, query="")
    assert_json_error(r, 422)
    assert r.json()["enable_network"]


ALIASES = ["c", "cpp", "c++", "cpp-20", "py", "python", "python3", "js",
           "javascript", "node", "java", "go", "rust", "bash", "ts",
           "typescript"]


def test_aliases_resolve(stack):
    """Each alias passes the language check: the 422 that follows is the
    one for the (deliberately) bad limit, so no job runs."""
    for alias in ALIASES:
        r = submit(stack, {"language": alias, "source_code": "x",
                           "cpu_time_limit": 10 ** 6}, query="")
        assert r.status_code == 422, (alias, r.text)
        assert r.json()["field"] == "cpu_time_limit", (alias, r.text)
    r = submit(stack, {"language": "brainfudge", "source_code": "x"},
               query="")
    assert r.status_code == 422 and r.json()["field"] == "language"


# --- batches ----------------------------------------------------------------

def test_batch_with_one_invalid_item(stack):
    items = [{"language_id": PY, "source_code": "print(1)"},
             {"language_id": 999999, "source_code": "print(2)"},
             {"language": "py", "source_code": b64("print(3)")},
             "not an object"]
    r = stack.post("/submissions/batch", json={"submissions": items},
                   headers=headers(stack))
    assert r.status_code == 201, r.text
    out = r.json()
    assert len(out) == 4
    assert "token" in out[0] and "token" in out[2]
    assert "language_id" in out[1] and "token" not in out[1]
    assert "error" in out[3]

    tokens = [out[0]["token"], "nonsense", out[2]["token"]]
    for t in (out[0]["token"], out[2]["token"]):
        final(stack, t)
    r = stack.get("/submissions/batch?tokens=" + ",".join(tokens)
                  + "&fields=token,stdout,status_id")
    assert r.status_code == 200, r.text
    subs = r.json()["submissions"]
    assert subs[0] == {"token": tokens[0], "stdout": "1\n",
                       "status_id": ACCEPTED}
    assert subs[1] is None
    # the third was not base64-decoded (no base64_encoded=true): its
    # "source" is a base64 string, which Python runs as a name: an error
    assert subs[2]["status_id"] != ACCEPTED

    # batch with base64_encoded=true decodes every item
    r = stack.post("/submissions/batch?base64_encoded=true",
                   json={"submissions": [{"language": "py",
                                          "source_code": b64("print(4)")}]},
                   headers=headers(stack))
    assert r.status_code == 201, r.text
    res = final(stack, r.json()[0]["token"], query="base64_encoded=true")
    assert base64.b64decode(res["stdout"]) == b"4\n"


def test_batch_limits(stack):
    """Judge0's 400 {"error"} for an empty or too long batch, POST or
    GET (tests/integration/test_judge0_compat.py has its words)."""
    one = {"language": "py", "source_code": "print(1)"}
    r = stack.post("/submissions/batch", json={"submissions": [one] * 21},
                   headers=headers(stack))
    assert_json_error(r, 400)
    for body in ({"submissions": []}, {"submissions": "x"}, {}):
        r = stack.post("/submissions/batch", json=body,
                       headers=headers(stack))
        assert_json_error(r, 400)
    r = stack.post("/submissions/batch", data="[1,2", headers=dict(
        headers(stack), **{"Content-Type": "application/json"}))
    assert_json_error(r, 400)
    r = stack.get("/submissions/batch")
    assert_json_error(r, 400)
    r = stack.get("/submissions/batch?tokens=" + ",".join(["x"] * 21))
    assert_json_error(r, 400)


# --- Idempotency-Key ------------------------------------------------------------

def test_idempotent_retry(stack):
    key = "retry-" + os.urandom(6).hex()
    body = {"language": "py", "source_code": "print('once')"}
    r1 = submit(stack, body, query="", extra={"Idempotency-Key": key})
    assert r1.status_code == 201, r1.text
    r2 = submit(stack, body, query="", extra={"Idempotency-Key": key})
    assert r2.status_code == 201, r2.text
    assert r2.json()["token"] == r1.json()["token"]
    assert r2.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in r1.headers

    # a waited retry gets the original's result
    r3 = submit(stack, body, query="wait=true",
                extra={"Idempotency-Key": key})
    assert r3.json()["token"] == r1.json()["token"]
    assert r3.json()["stdout"] == "once\n"

    # another key, or another user with the same key: a new submission
    r4 = submit(stack, body, query="", extra={"Idempotency-Key": key + "x"})
    r5 = submit(stack, body, query="", user="other",
                extra={"Idempotency-Key": key})
    tokens = {r1.json()["token"], r4.json()["token"], r5.json()["token"]}
    assert len(tokens) == 3

    r = submit(stack, body, query="", extra={"Idempotency-Key": "k" * 256})
    assert_json_error(r, 400)


# --- auth scoping and DELETE --------------------------------------------------

def test_user_b_cannot_read_or_list_user_a(stack):
    r = submit(stack, {"language": "py", "source_code": "print('mine')"})
    assert r.status_code == 201, r.text
    token = r.json()["token"]

    for path in (f"/submissions/{token}", f"/status/{token}"):
        r = stack.get(path, headers=headers(stack, "other"))
        assert_json_error(r, 404)
    r = stack.get(f"/submissions/batch?tokens={token}",
                  headers=headers(stack, "other"))
    assert r.json() == {"submissions": [None]}
    r = requests.delete(stack.url(f"/submissions/{token}"), timeout=10,
                        headers=headers(stack, "other"))
    assert_json_error(r, 404)

    # history: B's list does not have it, A's does, the admin's does
    r = stack.get("/submissions?per_page=100", headers=dict(
        headers(stack, "other"), Accept="application/json"))
    assert r.status_code == 200, r.text
    assert token not in r.text
    r = stack.get("/submissions?per_page=100",
                  headers=dict(headers(stack), Accept="application/json"))
    assert r.status_code == 200 and token in r.text
    r = stack.get(f"/submissions/{token}", headers=headers(stack, "boss"))
    assert r.status_code == 200, r.text

    # basic auth is the same user as the API key
    pw = stack.credentials("other")[0]
    r = requests.get(stack.url(f"/submissions/{token}"), timeout=10,
                     auth=("other", pw))
    assert r.status_code == 404


def test_delete(stack):
    r = submit(stack, {"language": "py", "source_code":
                       "import time; time.sleep(1.5); print('slow')"},
               query="")
    token = r.json()["token"]
    r = requests.delete(stack.url(f"/submissions/{token}"), timeout=10,
                        headers=headers(stack))
    assert_json_error(r, 400)
    assert "cannot be deleted" in r.json()["error"]

    final(stack, token)
    r = requests.delete(stack.url(f"/submissions/{token}?fields=token,stdout"),
                        timeout=10, headers=headers(stack))
    assert r.status_code == 200, r.text
    # in base64 whatever was asked: Judge0's, as the data is gone after
    assert r.json() == {"token": token, "stdout": "c2xvdwo=\n"}
    r = stack.get(f"/submissions/{token}")
    assert_json_error(r, 404)
    r = requests.delete(stack.url(f"/submissions/{token}"), timeout=10,
                        headers=headers(stack))
    assert_json_error(r, 404)
    r = requests.delete(stack.url("/submissions/not-a-token"), timeout=10,
                        headers=headers(stack))
    assert_json_error(r, 404)


# --- catalogue and introspection ----------------------------------------------

def test_catalogue_and_introspection(stack):
    r = stack.get("/languages/all")
    assert r.status_code == 200
    every = r.json()
    assert {"id", "name", "is_archived"} <= set(every[0])
    available = {l["id"] for l in stack.get("/languages").json()}
    assert available == {l["id"] for l in every if not l["is_archived"]}

    r = stack.get("/system_info", headers=headers(stack, "boss"))
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["cores"] >= 1 and info["memory"]["total_kb"] > 0
    assert info["kernel"].startswith("Linux")
    assert info["sandbox"]["cgroup"] in ("cgroup-v1", "cgroup-v2", "none")
    assert info["sandbox"]["userns"] is True
    assert info["sandbox"]["seccomp"] is True
    # what the host gives the boxes: make test runs contrib/setup-host.sh
    # as root, which makes the subordinate range and the device sets
    if os.geteuid() == 0:
        assert info["sandbox"]["box_uids"] == "subordinate", info
        assert info["sandbox"]["private_device_nodes"] is True, info
    assert info["sandbox"]["private_system_files"] is True, info

    # the executors of a stack that just started may not be ready yet
    deadline = time.monotonic() + 30
    while True:
        r = stack.get("/workers", headers=headers(stack, "boss"))
        assert r.status_code == 200, r.text
        w = r.json()[0]
        if w["available"] >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert w["queue"] == "default"
    assert w["available"] >= 1 and w["size"] >= 0
    assert w["executors"]
    # which node answers (several may share one PostgreSQL store)
    node = stack.get("/health").json()["node"]
    assert node and w["node"] == node, (w, node)
    assert all(e["state"] in ("idle", "busy") for e in w["executors"])

    # at least one of the caller's own, whatever ran before
    submit(stack, {"language": "py", "source_code": "print(1)"})
    r = stack.get("/statistics", headers=dict(headers(stack),
                                             Accept="application/json"))
    assert r.status_code == 200, r.text
    st = r.json()
    assert st["submissions"]["total"] >= 1
    assert st["submissions"]["today"] >= 1
    assert st["per_day"] and st["per_day"][-1]["count"] >= 1
    assert "database" not in st     # everyone's: for admins
    st = stack.get("/statistics", headers=dict(
        headers(stack, "boss"), Accept="application/json")).json()
    assert st["database"]["size_in_bytes"] > 0
    assert any(s["count"] > 0 for s in st["statuses"])
    assert st["languages"]

    cfg = stack.get("/config_info").json()
    assert cfg["enable_batched_submissions"] is True
    assert cfg["max_submission_batch_size"] == 20
    assert cfg["enable_submission_delete"] is True
    assert cfg["enable_callbacks"] is True
    assert cfg["allow_enable_network"] is False
    assert "callback_secret" not in str(cfg)
    assert stack.app_config()["callback_secret"] not in str(cfg)

    assert stack.get("/about").json()["name"] == "coderunner"
    assert stack.get("/version").status_code == 200
    # Judge0's 1 to 14 (15 and 16 with judge0_extra_statuses)
    assert len(stack.get("/statuses").json()) == 14
    assert stack.get(f"/languages/{PY}").json()["id"] == PY


def test_health_reports_executors(stack):
    r = stack.get("/health")
    assert r.status_code == 200, r.text
    h = r.json()
    assert h["status"] == "ok"
    assert h["executors"]["ready"] >= 1
    assert h["executors"]["total"] >= h["executors"]["ready"]


def test_metrics(stack):
    submit(stack, {"language": "py", "source_code": "print(1)"})
    r = stack.get("/metrics", headers=headers(stack, "boss"))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    text = r.text
    node = stack.get("/health").json()["node"]
    assert f'\ncoderunner_node_info{{node="{node}"}} 1\n' in text, text[:400]
    for name in ("coderunner_queue_depth", "coderunner_running_jobs",
                 "coderunner_submissions_total",
                 "coderunner_submissions_created_total",
                 "coderunner_executor_busy_seconds_total",
                 "coderunner_sandbox_setup_failures_total",
                 "coderunner_http_responses_total",
                 "coderunner_job_duration_seconds_bucket"):
        assert f"# TYPE {name.replace('_bucket', '')}" in text, name
    # every sample line is "name{labels} value"
    for line in text.splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r'[a-z_]+(\{[^}]*\})? [0-9.e+-]+', line), line
    m = re.search(r'coderunner_submissions_total\{language="python3",'
                  r'status="Accepted"\} (\d+)', text)
    assert m and int(m.group(1)) >= 1
    assert re.search(r'coderunner_http_responses_total\{code="201"\} [1-9]',
                     text)
    assert re.search(r'coderunner_job_duration_seconds_count'
                     r'\{language="python3"\} [1-9]', text)


def _own_count(text, status="Accepted"):
    m = re.search(r'\ncoderunner_user_submissions\{language="python3",'
                  r'status="' + status + r'"\} (\d+)\n', text)
    return int(m.group(1)) if m else 0


def test_introspection_is_for_admins(stack):
    """The host and everyone's activity are for admins; another user
    gets Judge0's queue line and their own counts."""
    r = stack.get("/system_info")
    assert r.status_code == 403, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert "admin" in r.json()["error"]
    assert "kernel" not in r.text and "memory" not in r.text

    r = stack.get("/workers")
    assert r.status_code == 200, r.text
    (w,) = r.json()
    assert set(w) == {"queue", "size", "available", "idle", "working",
                      "paused", "failed"}, w
    assert w["available"] >= 1

    # their own submissions only: one of another user's does not count
    before = stack.get("/metrics").text
    assert submit(stack, {"language": "py", "source_code": "print(1)"},
                  user="other").json()["status"]["id"] == 3
    r = stack.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    assert _own_count(r.text) == _own_count(before)
    assert "coderunner_user_queued_jobs " in r.text
    for name in ("coderunner_queue_depth", "coderunner_http_responses",
                 "coderunner_executor", "coderunner_submissions_total",
                 "coderunner_job_duration"):
        assert name not in r.text, name
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r'coderunner_user_[a-z_]+(\{[^}]*\})? '
                                r'[0-9]+', line), line
    theirs = stack.get("/metrics", headers=headers(stack, "other")).text
    assert _own_count(theirs) >= 1
    submit(stack, {"language": "py", "source_code": "print(1)"})
    assert _own_count(stack.get("/metrics").text) == _own_count(r.text) + 1


def test_scraper_token_reads_metrics_only(stack):
    """nginx/auth.conf: a bearer token in scrapers.map reads GET /metrics
    as its admin, and is no credential anywhere else."""
    bearer = {"Authorization": "Bearer " + stack.scraper_token}
    r = requests.get(stack.url("/metrics"), headers=bearer, timeout=10)
    assert r.status_code == 200, r.text
    assert "\ncoderunner_queue_depth " in r.text
    assert "coderunner_executor_jobs_total" in r.text
    r = requests.head(stack.url("/metrics"), headers=bearer, timeout=10)
    assert r.status_code == 200
    for method, path in (("GET", "/system_info"), ("GET", "/workers"),
                         ("GET", "/submissions"), ("POST", "/metrics"),
                         ("GET", "/metrics/x"), ("POST", "/submissions")):
        r = requests.request(method, stack.url(path), headers=bearer,
                             timeout=10, json={"language": "py",
                                               "source_code": "print(1)"})
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["Content-Type"].startswith("application/json")
    for bad in ("Bearer " + stack.scraper_token[:-1], "Bearer",
                "Basic " + stack.scraper_token, stack.scraper_token,
                "Bearer " + stack.api_key):
        r = requests.get(stack.url("/metrics"), timeout=10,
                         headers={"Authorization": bad})
        assert r.status_code == 401, (bad, r.status_code)


def test_bad_input_never_500(stack):
    bodies = ["", "{", "[]", '"x"', '{"source_code": 5, "code": [],'
              '"language": {}, "files": 3, "tests": {}, "userCode": 1}',
              '{"language":"py","source_code":"x","code":"x",'
              '"callback_url":"javascript:alert(1)"}', "\x00\xff" * 10]
    paths = ["/submissions", "/submissions/batch", "/submissions/new",
             "/api/v2/execute", "/code", "/api/execute", "/run", "/execute"]
    # three users: three rate-limit buckets
    users = [None, "other", "boss"]
    for i, path in enumerate(paths):
        h = dict(headers(stack, users[i % 3]),
                 **{"Content-Type": "application/json"})
        for b in bodies:
            r = stack.post(path, data=b.encode("latin-1"), headers=h)
            # (the last body is valid for routes without callback_url)
            assert r.status_code < 500, (path, b, r.status_code,
                                         r.text[:200])


# --- the openapi description --------------------------------------------------

def _router_routes():
    with open(os.path.join(ROOT, "src", "api", "api.c")) as f:
        src = f.read()
    table = src[src.index("static const struct route routes[]"):]
    table = table[:table.index("};")]
    return re.findall(r'\{\s*"([A-Z]+)",\s*"([^"]+)",', table)


def _openapi_routes():
    """(METHOD, path) of contrib/openapi.yaml, read without a YAML library:
    paths are 2-space keys under "paths:", methods 4-space keys."""
    routes, path, in_paths = set(), None, False
    with open(os.path.join(ROOT, "contrib", "openapi.yaml")) as f:
        for line in f:
            if re.match(r"^paths:\s*$", line):
                in_paths = True
                continue
            if in_paths and re.match(r"^\S", line):
                in_paths = False
            if not in_paths:
                continue
            m = re.match(r"^  (/\S*):\s*$", line)
            if m:
                path = m.group(1)
                continue
            m = re.match(r"^    (get|post|put|delete|patch):\s*$", line)
            if m and path:
                routes.add((m.group(1).upper(), path))
    return routes


def test_openapi_describes_every_route():
    documented = _openapi_routes()
    missing = []
    for method, pattern in _router_routes():
        # '*' is one segment: {token}, {id}, ... in the description
        rx = "^" + re.escape(pattern).replace(r"\*", r"\{[a-z_]+\}") + "$"
        if not any(m == method and re.match(rx, p) for m, p in documented):
            missing.append(f"{method} {pattern}")
    assert not missing, "routes missing from contrib/openapi.yaml: " + \
        ", ".join(missing)


def _openapi_submission_fields():
    """{name: its line} of the Submission schema's properties in
    contrib/openapi.yaml, in order, read without a YAML library."""
    fields, state = {}, 0
    with open(os.path.join(ROOT, "contrib", "openapi.yaml")) as f:
        for line in f:
            if state == 0 and line.rstrip() == "    Submission:":
                state = 1
            elif state == 1 and line.rstrip() == "      properties:":
                state = 2
            elif state == 2:
                m = re.match(r"^        ([a-z_]+):", line)
                if m:
                    fields[m.group(1)] = line
                elif line.strip() and not line.startswith("         "):
                    break
    return fields


def test_field_table_and_openapi_agree(stack):
    """The field table (src/api/fields.c) drives fields=, the default
    answer and its order; contrib/openapi.yaml lists the same fields in
    the same order, marking those that come only with fields= and those
    that are ours (not in fields=*)."""
    documented = _openapi_submission_fields()
    # more than one test and a verdict: every default field is there
    r = submit(stack, {"language": "python3", "source_code": "print(1)",
                       "tests": [{"expected_output": "1"},
                                 {"expected_output": "1"}]})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    ours = [k for k, line in documented.items() if "ours" in line]
    every = list(final(stack, token, query="fields=*," + ",".join(ours)))
    default = list(final(stack, token))
    assert every == list(documented), (
        "the field table and contrib/openapi.yaml's Submission differ: "
        f"only in the table {sorted(set(every) - set(documented))}, "
        f"only in openapi {sorted(set(documented) - set(every))}")
    # "*" is Judge0's attributes: ours only when named
    judge0 = list(final(stack, token, query="fields=*"))
    assert judge0 == [k for k in every if k not in ours], judge0
    extra = [k for k, line in documented.items() if "fields= only" in line]
    assert default == [k for k in every if k not in extra], default


# --- a full queue (a second, tiny stack) ---------------------------------------

@pytest.fixture(scope="module")
def full_stack(stack):
    """queue_max 0: every submission is refused with 503."""
    with own_stack("full", {
        "CODERUNNER_QUEUE_MAX": "0", "CODERUNNER_HTTP_WORKERS": "1",
        "CODERUNNER_EXECUTORS": "1"}) as s:
        yield s


def test_full_queue_is_503_with_retry_after(full_stack):
    s = full_stack
    one = {"language": "py", "source_code": "print(1)"}
    for path, body in (("/submissions?wait=true", one),
                       ("/submissions/batch", {"submissions": [one]}),
                       ("/run", {"language": "python", "code": "print(1)"}),
                       ("/code", {"language": "python", "code": "print(1)"}),
                       ("/api/v2/execute", {"language": "python",
                                            "version": "*",
                                            "files": [{"content": "1"}]})):
        r = s.post(path, json=body)
        assert r.status_code == 503, (path, r.text)
        assert int(r.headers["Retry-After"]) > 0, path
        assert r.json().get("error") or r.json().get("message"), path
