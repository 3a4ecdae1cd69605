"""What Judge0's own clients require of its routes, through real nginx.

The ground truth is Judge0 v1.13.1's code (app/helpers/config.rb,
app/controllers, app/serializers, app/services/base64_service.rb,
app/enumerations/status.rb) and the official Judge0 Python SDK
(judge0-python: base_types.Config, submission.Submission, clients.Client),
whose models are transcribed below: the SDK itself needs pydantic 2, which
Debian does not have, so these tests hold our answers to what its models
accept.  Each test is named after the documented behaviour it checks.
"""

import base64
import datetime
import html
import os
import re
import time
import uuid

import pytest
import requests

from conftest import own_stack

PY = 71
FINAL = set(range(3, 17))

# judge0-python's base_types.Config: the 39 keys of v1.13.1's
# Config.config_info, each required, with the type its model gives it.
SDK_CONFIG = {
    "allow_enable_network": bool,
    "allow_enable_per_process_and_thread_memory_limit": bool,
    "allow_enable_per_process_and_thread_time_limit": bool,
    "allowed_languages_for_compile_options": list,
    "callbacks_max_tries": int,
    "callbacks_timeout": float,
    "cpu_extra_time": float,
    "cpu_time_limit": float,
    "enable_additional_files": bool,
    "enable_batched_submissions": bool,
    "enable_callbacks": bool,
    "enable_command_line_arguments": bool,
    "enable_compiler_options": bool,
    "enable_network": bool,
    "enable_per_process_and_thread_memory_limit": bool,
    "enable_per_process_and_thread_time_limit": bool,
    "enable_submission_delete": bool,
    "enable_wait_result": bool,
    "maintenance_mode": bool,
    "max_cpu_extra_time": float,
    "max_cpu_time_limit": float,
    "max_extract_size": int,
    "max_file_size": int,
    "max_max_file_size": int,
    "max_max_processes_and_or_threads": int,
    "max_memory_limit": int,
    "max_number_of_runs": int,
    "max_processes_and_or_threads": int,
    "max_queue_size": int,
    "max_stack_limit": int,
    "max_submission_batch_size": int,
    "max_wall_time_limit": float,
    "memory_limit": int,
    "number_of_runs": int,
    "redirect_stderr_to_stdout": bool,
    "stack_limit": int,
    "submission_cache_duration": float,
    "use_docs_as_homepage": bool,
    "wall_time_limit": float,
}

# judge0-python's submission.Submission: the attributes set_attributes()
# may set (anything else raises: the model has extra="ignore" and no
# such field), and those it skips.
SDK_SUBMISSION_FIELDS = {
    "source_code", "language", "additional_files", "compiler_options",
    "command_line_arguments", "stdin", "expected_output", "cpu_time_limit",
    "cpu_extra_time", "wall_time_limit", "memory_limit", "stack_limit",
    "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit", "max_file_size",
    "redirect_stderr_to_stdout", "enable_network", "number_of_runs",
    "callback_url", "stdout", "stderr", "compile_output", "message",
    "exit_code", "exit_signal", "status", "created_at", "finished_at",
    "token", "time", "wall_time", "memory", "post_execution_filesystem",
}
SDK_SKIP_FIELDS = {"language_id", "language", "status_id"}
SDK_ENCODED = {"source_code", "additional_files", "stdin", "expected_output",
               "stdout", "stderr", "compile_output"}
SDK_DATETIME = {"created_at", "finished_at"}
SDK_FLOAT = {"cpu_time_limit", "cpu_extra_time", "time", "wall_time",
             "wall_time_limit"}

# Judge0 v1.13.1's submissions table, less id, plus status and language:
# SubmissionSerializer's attributes, which fields=* means.
JUDGE0_ATTRIBUTES = [
    "source_code", "language_id", "stdin", "expected_output", "stdout",
    "status_id", "created_at", "finished_at", "time", "memory", "stderr",
    "token", "number_of_runs", "cpu_time_limit", "cpu_extra_time",
    "wall_time_limit", "memory_limit", "stack_limit",
    "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit", "max_file_size",
    "compile_output", "exit_code", "exit_signal", "message", "wall_time",
    "compiler_options", "command_line_arguments", "redirect_stderr_to_stdout",
    "callback_url", "additional_files", "enable_network", "status",
    "language",
]


def sdk_set_attributes(attrs):
    """What judge0-python's Submission.set_attributes does with an answer
    (base64_encoded=true): raises where the SDK would."""
    out = {}
    for attr, value in attrs.items():
        if attr in SDK_SKIP_FIELDS:
            continue
        assert attr in SDK_SUBMISSION_FIELDS, \
            f"the SDK has no field {attr!r}: setattr raises"
        if attr in SDK_ENCODED:
            value = (base64.b64decode(value.replace("\n", ""), validate=True)
                     .decode(errors="backslashreplace") if value else None)
        elif attr == "status":
            assert value["id"] in range(1, 15), \
                f"{value['id']} is not a valid Status"
        elif attr in SDK_DATETIME and value is not None:
            value = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
        elif attr in SDK_FLOAT and value is not None:
            value = float(value)
        elif attr == "token":
            assert uuid.UUID(value).version == 4
        out[attr] = value
    return out


def final(stack, token, query="", timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        r = stack.get(f"/submissions/{token}?{query}")
        assert r.status_code == 200, r.text
        if r.json()["status"]["id"] in FINAL:
            return r.json()
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)


# --- /config_info, /about, /version ------------------------------------------

def test_config_info_has_every_key_of_judge0_v1_13_1(stack):
    r = stack.get("/config_info")
    assert r.status_code == 200, r.text
    cfg = r.json()
    missing = sorted(set(SDK_CONFIG) - set(cfg))
    assert not missing, f"keys the SDK's Config requires: {missing}"
    assert len(SDK_CONFIG) == 39
    for key, kind in SDK_CONFIG.items():
        v = cfg[key]
        if kind is bool:
            assert isinstance(v, bool), (key, v)
        elif kind is int:
            assert isinstance(v, int) and not isinstance(v, bool), (key, v)
        elif kind is float:
            assert isinstance(v, (int, float)) and \
                not isinstance(v, bool), (key, v)
        else:
            assert isinstance(v, list) and \
                all(isinstance(x, str) for x in v), (key, v)
    # what we do, not Judge0's defaults
    assert cfg["maintenance_mode"] is False
    assert cfg["max_submission_batch_size"] == 20
    assert cfg["submission_cache_duration"] == 0
    assert cfg["enable_additional_files"] is True
    assert cfg["max_extract_size"] == 10240
    assert cfg["allow_enable_network"] is False


def zip_of_zeros(entries, size):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(entries):
            z.writestr(f"f{i}", bytes(size))
    return base64.b64encode(buf.getvalue()).decode()


def test_config_info_max_extract_size_is_the_cap_additional_files_meet(stack):
    cap_kb = stack.get("/config_info").json()["max_extract_size"]
    # entries under 64 KiB, so that only the total is at issue
    entry = 60 * 1024
    under = cap_kb * 1024 // entry
    body = {"language_id": PY, "source_code": "print(1)"}
    r = stack.post("/submissions", json=dict(
        body, additional_files=zip_of_zeros(under, entry)))
    assert r.status_code == 201, r.text
    r = stack.post("/submissions", json=dict(
        body, additional_files=zip_of_zeros(under + 1, entry)))
    assert r.status_code == 422, r.text
    assert "additional_files" in r.text


def test_about_has_judge0s_shape_with_our_version_beside(stack):
    r = stack.get("/about")
    assert r.status_code == 200, r.text
    about = r.json()
    assert {"version", "homepage", "source_code", "maintainer"} <= set(about)
    # the SDK resolves language aliases by this key
    assert about["version"] == "1.13.1"
    assert about["coderunner_version"] and about["name"] == "coderunner"
    r = stack.get("/version")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.text == about["version"]


# --- fields= ----------------------------------------------------------------

def test_fields_star_means_judge0s_attributes_and_ours_come_when_named(stack):
    r = stack.submit({"language_id": PY, "source_code": "print(input())",
                      "tests": [{"stdin": "a", "expected_output": "a"},
                                {"stdin": "b", "expected_output": "b"}]})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    every = final(stack, token, query="fields=*&base64_encoded=true")
    assert sorted(every) == sorted(JUDGE0_ATTRIBUTES)
    # the SDK's get_submission asks for "*" and sets what comes back
    got = sdk_set_attributes(every)
    assert got["stdout"] == "a\n" and got["source_code"] == "print(input())"
    # ours, by name, beside Judge0's
    r = stack.get(f"/submissions/{token}?fields=*,tests,compiles")
    assert r.status_code == 200, r.text
    assert set(r.json()) == set(JUDGE0_ATTRIBUTES) | {"tests", "compiles"}
    assert [t["stdout"] for t in r.json()["tests"]] == ["a\n", "b\n"]
    r = stack.get(f"/submissions/{token}?fields=stdout,compare")
    assert r.json() == {"stdout": "a\n", "compare": "trim"}


# --- statuses ----------------------------------------------------------------

# Judge0 v1.13.1's app/enumerations/status.rb
JUDGE0_STATUSES = [
    (1, "In Queue"), (2, "Processing"), (3, "Accepted"), (4, "Wrong Answer"),
    (5, "Time Limit Exceeded"), (6, "Compilation Error"),
    (7, "Runtime Error (SIGSEGV)"), (8, "Runtime Error (SIGXFSZ)"),
    (9, "Runtime Error (SIGFPE)"), (10, "Runtime Error (SIGABRT)"),
    (11, "Runtime Error (NZEC)"), (12, "Runtime Error (Other)"),
    (13, "Internal Error"), (14, "Exec Format Error"),
]

# Each case is about memory or output, so it gets ample time: a busy host
# must not turn it into a TLE.
MLE_C = ("#include <stdlib.h>\n#include <string.h>\n"
         "int main(void){ for(;;){ char *p = malloc(1<<20);"
         " if (!p) return 1; memset(p, 1, 1<<20);} }")
OLE_C = "#include <stdio.h>\nint main(void){ for(;;) putchar('a'); }"
AMPLE = {"memory_limit": 128000, "cpu_time_limit": 10, "wall_time_limit": 20}


def test_statuses_are_judge0s_1_to_14(stack):
    r = stack.get("/statuses")
    assert r.status_code == 200, r.text
    assert [(s["id"], s["description"]) for s in r.json()] == JUDGE0_STATUSES


def run_c(stack, src, query="wait=true"):
    r = stack.post("/submissions?" + query, json=dict(
        {"language": "c", "source_code": src}, **AMPLE))
    assert r.status_code == 201, r.text
    return r.json()["token"]


@pytest.mark.parametrize("src,judge0,ours,cause", [
    (MLE_C, 12, 15, "memory limit exceeded"),
    (OLE_C, 8, 16, "output limit exceeded")])
def test_memory_and_output_limits_are_judge0_statuses_with_the_cause_in_message(
        stack, src, judge0, ours, cause):
    token = run_c(stack, src)
    # what the SDK asks for: fields=*, base64
    res = final(stack, token, query="fields=*&base64_encoded=true")
    got = sdk_set_attributes(res)
    assert res["status"]["id"] == judge0, res
    assert res["status_id"] == judge0
    assert dict(JUDGE0_STATUSES)[judge0] == res["status"]["description"]
    assert base64.b64decode(res["message"]).decode() == cause, got
    # ours, when asked for by name
    r = stack.get(f"/submissions/{token}?fields=status,verdict")
    assert r.json()["verdict"]["id"] == ours, r.json()
    assert r.json()["status"]["id"] == judge0
    # the history, a Judge0 route too
    h = stack.get("/submissions?per_page=50").json()["submissions"]
    assert [s["status"]["id"] for s in h if s["token"] == token] == [judge0]
    # its status_id filter takes Judge0's id, which stands for ours too
    h = stack.get(f"/submissions?per_page=100&status_id={judge0}")
    assert h.status_code == 200, h.text
    assert token in [x["token"] for x in h.json()["submissions"]]
    assert all(x["status"]["id"] == judge0 for x in h.json()["submissions"])
    r = stack.get(f"/submissions?status_id={ours}")
    assert r.status_code == 400 and "1 to 14" in r.text, r.text
    # /statistics counts under Judge0's statuses
    st = stack.get("/statistics").json()
    assert [x["id"] for x in st["statuses"]] == list(range(1, 15)), st
    assert dict((x["id"], x["count"]) for x in st["statuses"])[judge0] >= 1
    for lang in st["languages"]:
        ids = [x["id"] for x in lang["statuses"]]
        assert ids == sorted(set(ids)) and max(ids) <= 14, lang
    # our own page keeps ours
    page = stack.get(f"/submissions/{token}",
                     headers=dict(stack.auth_headers, Accept="text/html"))
    assert page.status_code == 200
    assert ("Memory Limit Exceeded" if ours == 15 else
            "Output Limit Exceeded") in page.text
    # and its script, which polls the JSON, reads ours there
    poll = re.search(r'data-poll="([^"]+)"', page.text).group(1)
    r = requests.get(stack.base_url + html.unescape(poll),
                     headers=stack.auth_headers, timeout=10)
    assert r.json()["verdict"]["id"] == ours, r.text


@pytest.fixture(scope="module")
def extra_stack(stack):
    """judge0_extra_statuses on: 15 and 16 on the Judge0 routes; DELETE
    off (the default)."""
    with own_stack("extra", {
        "CODERUNNER_JUDGE0_EXTRA_STATUSES": "true",
        "CODERUNNER_HTTP_WORKERS": "1", "CODERUNNER_EXECUTORS": "1"}) as s:
        yield s


def test_judge0_extra_statuses_puts_15_and_16_on_the_judge0_routes(
        extra_stack):
    s = extra_stack
    assert s.app_config()["judge0_extra_statuses"] is True
    ids = [x["id"] for x in s.get("/statuses").json()]
    assert ids == list(range(1, 17))
    res = final(s, run_c(s, MLE_C))
    assert res["status"] == {"id": 15,
                             "description": "Memory Limit Exceeded"}, res
    h = s.get("/submissions?per_page=100&status_id=15").json()
    assert [x["token"] for x in h["submissions"]] == [res["token"]], h
    assert s.get("/submissions?status_id=12").json()["submissions"] == []
    st = s.get("/statistics").json()
    counts = dict((x["id"], x["count"]) for x in st["statuses"])
    assert sorted(counts) == list(range(1, 17)) and counts[15] == 1, st


# --- base64 ------------------------------------------------------------------

def encode64(data):
    """Ruby's Base64.encode64, which Judge0's Base64Service uses: lines of
    60 characters, each ended by a newline."""
    flat = base64.b64encode(data).decode()
    return "".join(flat[i:i + 60] + "\n" for i in range(0, len(flat), 60))


def test_base64_with_line_breaks_is_accepted_and_output_is_in_judge0s_lines(
        stack):
    src = b"import sys\nx = sys.stdin.read()\nprint(x.upper() * 3)\n"
    stdin = b"line one\r\nline two, longer than a line of base64 output"
    r = stack.post("/submissions?base64_encoded=true&wait=true&fields=*",
                   json={"language_id": PY,
                         # Python's MIME form (76 a line), and CR LF
                         "source_code": base64.encodebytes(src).decode(),
                         "stdin": encode64(stdin).replace("\n", "\r\n")})
    assert r.status_code == 201, r.text
    res = r.json()
    assert res["status"]["id"] == 3, res
    out = (stdin.decode().upper() * 3 + "\n").encode()
    assert res["stdout"] == encode64(out)
    assert res["stdout"].count("\n") > 2     # more than one line
    assert res["source_code"] == encode64(src)
    assert res["stdin"] == encode64(stdin)
    assert res["stderr"] is None and res["message"] is None
    assert res["compile_output"] is None


# --- authentication and authorization ----------------------------------------

def test_authenticate_is_200_for_a_good_credential_and_401_otherwise(stack):
    url = stack.url("/authenticate")
    r = requests.post(url, headers={"X-Auth-Token": stack.api_key},
                      timeout=10)
    assert r.status_code == 200, r.text
    r = requests.post(url, auth=(stack.user, stack.password), timeout=10)
    assert r.status_code == 200, r.text
    for h in ({}, {"X-Auth-Token": "not-a-key"}):
        r = requests.post(url, headers=h, timeout=10)
        assert r.status_code == 401, r.text


def test_authorize_is_200_for_an_admin_and_403_for_others(stack):
    url = stack.url("/authorize")
    r = requests.post(url, headers={"X-Auth-Token":
                                    stack.credentials("boss")[1]},
                      timeout=10)
    assert r.status_code == 200, r.text
    r = requests.post(url, headers={"X-Auth-Token": stack.api_key},
                      timeout=10)
    assert r.status_code == 403, r.text
    assert r.json()["error"]
    assert requests.post(url, timeout=10).status_code == 401


def test_api_key_in_the_query_string_is_refused_saying_where_it_goes(stack):
    """Judge0 takes ?X-Auth-Token= (its docs advise against it); we do
    not: URLs are logged.  The 401 says to use the header."""
    r = requests.get(stack.url("/about?X-Auth-Token=" + stack.api_key),
                     timeout=10)
    assert r.status_code == 401, r.text
    assert "X-Auth-Token header" in r.json()["error"]
    assert "query string" in r.json()["error"]
    r = requests.get(stack.url("/about"), timeout=10)
    assert r.status_code == 401 and "query" not in r.json()["error"]


# --- batches, wait=true, DELETE, limits, exit codes ---------------------------

BATCH_EMPTY = "there should be at least one submission in a batch"
BATCH_LONG = ("number of submissions in a batch should be less than or "
              "equal to 20")


def test_empty_or_too_long_batch_is_judge0s_400_with_its_words(stack):
    one = {"language_id": PY, "source_code": "print(1)"}
    for body, words in (({"submissions": []}, BATCH_EMPTY), ({}, BATCH_EMPTY),
                        ({"submissions": [one] * 21}, BATCH_LONG)):
        r = stack.post("/submissions/batch", json=body)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == words
    for query, words in (("", BATCH_EMPTY), ("?tokens=", BATCH_EMPTY),
                         ("?tokens=" + ",".join([str(uuid.uuid4())] * 21),
                          BATCH_LONG)):
        r = stack.get("/submissions/batch" + query)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == words


def test_batch_without_one_valid_submission_is_422(stack):
    r = stack.post("/submissions/batch", json={"submissions": [
        {"language_id": 999999, "source_code": "print(1)"},
        {"language_id": PY}]})
    assert r.status_code == 422, r.text
    out = r.json()
    assert len(out) == 2 and "language_id" in out[0]
    assert "source_code" in out[1] and "token" not in out[1]


def test_wait_with_output_that_is_not_utf8_is_201_with_the_token(stack):
    r = stack.post("/submissions?wait=true", json={
        "language_id": PY,
        "source_code": "import sys; sys.stdout.buffer.write(b'\\xff')"})
    assert r.status_code == 201, r.text
    res = r.json()
    assert "base64_encoded=true" in res["error"]
    res = final(stack, res["token"], query="base64_encoded=true")
    assert res["stdout"] == "/w==\n"


def test_deleted_submission_comes_back_in_base64(stack):
    r = stack.submit({"language_id": PY, "source_code": "print('gone')"})
    token = r.json()["token"]
    r = requests.delete(stack.url(f"/submissions/{token}?fields=stdout"),
                        headers=stack.auth_headers, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json() == {"stdout": encode64(b"gone\n")}


def test_delete_while_it_is_off_is_judge0s_400(extra_stack):
    s = extra_stack
    token = s.submit({"language_id": PY, "source_code": "print(1)"}
                     ).json()["token"]
    r = requests.delete(s.url(f"/submissions/{token}"),
                        headers=s.auth_headers, timeout=10)
    assert r.status_code == 400, r.text
    assert "delete not allowed" in r.json()["error"]
    assert s.get(f"/submissions/{token}").status_code == 200


def test_limits_in_seconds_are_strings_as_judge0s_decimals(stack):
    r = stack.submit({"language_id": PY, "source_code": "print(1)",
                      "cpu_time_limit": 1.5, "wall_time_limit": 4})
    token = r.json()["token"]
    res = stack.get(f"/submissions/{token}?fields=cpu_time_limit,"
                    "cpu_extra_time,wall_time_limit,memory_limit,"
                    "stack_limit,max_file_size").json()
    assert res["cpu_time_limit"] == "1.5"
    assert res["wall_time_limit"] == "4.0"
    assert isinstance(res["cpu_extra_time"], str)
    float(res["cpu_extra_time"])
    for k in ("memory_limit", "stack_limit", "max_file_size"):
        assert isinstance(res[k], int), (k, res)


def test_exit_code_after_a_signal_is_0_and_exit_signal_names_it(stack):
    r = stack.submit({"language_id": PY, "source_code":
                      "import os, signal; os.kill(os.getpid(), "
                      "signal.SIGSEGV)"})
    res = final(stack, r.json()["token"], query="fields=*")
    assert res["status"]["id"] == 7, res
    assert res["exit_signal"] == 11
    assert res["exit_code"] == 0
    r = stack.submit({"language_id": PY, "source_code": "exit(3)"})
    res = final(stack, r.json()["token"])
    assert res["exit_code"] == 3 and res["exit_signal"] is None


def test_per_process_limits_cannot_be_enabled_as_config_info_says(stack):
    cfg = stack.get("/config_info").json()
    for key in ("enable_per_process_and_thread_time_limit",
                "enable_per_process_and_thread_memory_limit"):
        assert cfg["allow_" + key] is False
        r = stack.post("/submissions", json={"language_id": PY,
                                             "source_code": "print(1)",
                                             key: True})
        assert r.status_code == 422, r.text
        assert r.json()[key] == ["this option cannot be enabled"]
        r = stack.post("/submissions", json={"language_id": PY,
                                             "source_code": "print(1)",
                                             key: False})
        assert r.status_code == 201, r.text


# --- the SDK's own flow ---------------------------------------------------------

def sdk_body(source, **extra):
    """Submission.as_body: texts in base64, the rest as they are."""
    body = {"source_code": base64.b64encode(source.encode()).decode(),
            "language_id": PY}
    for k, v in extra.items():
        body[k] = (base64.b64encode(v.encode()).decode()
                   if k in SDK_ENCODED else v)
    return body


def test_the_python_sdks_requests_run_unchanged(stack):
    """judge0-python's Client: its constructor (/languages, /config_info),
    create_submission and get_submission (fields=*, base64) until done,
    then the batch pair, each answer through its models."""
    langs = stack.get("/languages").json()
    assert all(isinstance(x["id"], int) and isinstance(x["name"], str)
               for x in langs)
    assert PY in {x["id"] for x in langs}
    cfg = stack.get("/config_info").json()
    assert set(SDK_CONFIG) <= set(cfg)
    assert stack.get("/about").json()["version"] == "1.13.1"

    def run(body):
        r = stack.post("/submissions?base64_encoded=true&wait=false",
                       json=body)
        assert r.status_code == 201, r.text
        token = sdk_set_attributes(r.json())["token"]
        deadline = time.monotonic() + 60
        while True:
            r = stack.get(f"/submissions/{token}?base64_encoded=true"
                          "&fields=*")
            assert r.status_code == 200, r.text
            got = sdk_set_attributes(r.json())
            if r.json()["status"]["id"] not in (1, 2):
                return got, r.json()["status"]["id"]
            assert time.monotonic() < deadline
            time.sleep(0.1)

    got, st = run(sdk_body("print(input()[::-1])", stdin="abc",
                           expected_output="cba", cpu_time_limit=2.0,
                           memory_limit=128000.0,
                           enable_per_process_and_thread_time_limit=False))
    assert st == 3 and got["stdout"] == "cba\n", got
    assert got["time"] >= 0 and got["memory"] > 0
    got, st = run(sdk_body("print(1)", expected_output="2"))
    assert st == 4, got
    got, st = run(sdk_body("b = bytearray(1 << 30)", memory_limit=64000.0,
                           cpu_time_limit=10.0, wall_time_limit=20.0))
    assert st in (11, 12), got          # no memory cgroup: a MemoryError
    # the SDK leaves message in base64 (it is not one of its texts)
    message = base64.b64decode(got["message"] or "").decode()
    assert "memory" in message.lower() or \
        "MemoryError" in (got["stderr"] or ""), got

    # create_submissions / get_submissions
    r = stack.post("/submissions/batch?base64_encoded=true", json={
        "submissions": [sdk_body("print(1)"), sdk_body("print(2)")]})
    assert r.status_code == 201, r.text
    tokens = [sdk_set_attributes(x)["token"] for x in r.json()]
    for t in tokens:
        final(stack, t)
    r = stack.get("/submissions/batch?base64_encoded=true&fields=*"
                  "&tokens=" + ",".join(str(t) for t in tokens))
    assert r.status_code == 200, r.text
    outs = [sdk_set_attributes(x)["stdout"] for x in r.json()["submissions"]]
    assert outs == ["1\n", "2\n"]


# --- the SDK's language aliases -----------------------------------------------

# judge0-python's data.LANGUAGE_TO_LANGUAGE_ID["1.13.1"]: the id its
# Client.get_language_id sends for a LanguageAlias when /about's version
# is "1.13.1" (ours), the CE flavour.  The SDK refuses, before sending,
# an id that GET /languages does not list (Client.is_language_supported).
SDK_ALIAS_IDS_1_13_1 = {
    "ASSEMBLY": 45, "BASH": 46, "BASIC": 47, "C": 50, "CLOJURE": 86,
    "COBOL": 77, "COMMON_LISP": 55, "CPP": 52, "CPP_CLANG": 76,
    "CPP_GCC": 52, "CSHARP": 51, "CSHARP_MONO": 51, "C_CLANG": 75,
    "C_GCC": 50, "D": 56, "ELIXIR": 57, "ERLANG": 58, "EXECUTABLE": 44,
    "FORTRAN": 59, "FSHARP": 87, "GO": 60, "GROOVY": 88, "HASKELL": 61,
    "JAVA": 62, "JAVASCRIPT": 63, "JAVA_OPENJDK": 62, "KOTLIN": 78,
    "LUA": 64, "MULTI_FILE": 89, "OBJECTIVE_C": 79, "OCAML": 65,
    "OCTAVE": 66, "PASCAL": 67, "PERL": 85, "PHP": 68, "PLAIN_TEXT": 43,
    "PROLOG": 69, "PYTHON": 71, "PYTHON2": 70, "PYTHON3": 71, "R": 80,
    "RUBY": 72, "RUST": 73, "SCALA": 81, "SQLITE": 82, "SWIFT": 83,
    "TYPESCRIPT": 74, "VISUAL_BASIC": 84,
}
HELLO = "hello, world"


def multi_file_zip():
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("run", f"echo '{HELLO}'\n")
    return base64.b64encode(buf.getvalue()).decode()


# The toolchains of those ids that this service offers: the tool that must
# be on the host, and a hello world.
SDK_HELLO = {
    43: ("/usr/bin/cat", HELLO + "\n"),
    46: ("/usr/bin/bash", f"echo '{HELLO}'"),
    50: ("/usr/bin/gcc",
         f'#include <stdio.h>\nint main(void){{puts("{HELLO}");}}'),
    52: ("/usr/bin/g++",
         f'#include <iostream>\nint main(){{std::cout << "{HELLO}\\n";}}'),
    60: ("/usr/bin/go",
         f'package main\nimport "fmt"\nfunc main() {{ fmt.Println("{HELLO}") }}'),
    62: ("/usr/bin/javac",
         "public class Main { public static void main(String[] a) "
         f'{{ System.out.println("{HELLO}"); }} }}'),
    63: ("/usr/bin/node", f'console.log("{HELLO}")'),
    64: ("/usr/bin/lua5.4", f'print("{HELLO}")'),
    68: ("/usr/bin/php", f'<?php echo "{HELLO}\\n";'),
    71: ("/usr/bin/python3", f'print("{HELLO}")'),
    72: ("/usr/bin/ruby", f'puts "{HELLO}"'),
    73: ("/usr/bin/rustc", f'fn main() {{ println!("{HELLO}"); }}'),
    74: ("/usr/bin/tsc", f'console.log("{HELLO}")'),
    82: ("/usr/bin/sqlite3", f"SELECT '{HELLO}';"),
    89: ("/usr/bin/bash", None),
}
# The others name a toolchain this service does not offer (no clang, no
# Python 2 in Debian 12, ...): the SDK finds them missing from
# GET /languages and refuses them itself.
SDK_NOT_OFFERED = {44, 45, 47, 51, 55, 56, 57, 58, 59, 61, 65, 66, 67, 69,
                   70, 75, 76, 77, 78, 79, 80, 81, 83, 84, 85, 86, 87, 88}


def test_every_sdk_alias_id_for_1_13_1_runs_its_toolchain(stack):
    assert stack.get("/about").json()["version"] == "1.13.1"
    ids = set(SDK_ALIAS_IDS_1_13_1.values())
    assert ids == set(SDK_HELLO) | SDK_NOT_OFFERED
    listed = {x["id"] for x in stack.get("/languages").json()}
    every = {x["id"]: x for x in stack.get("/languages/all").json()}
    missing = []
    for alias, lang_id in sorted(SDK_ALIAS_IDS_1_13_1.items()):
        if lang_id in SDK_NOT_OFFERED:
            assert lang_id not in listed, alias
            continue
        tool, src = SDK_HELLO[lang_id]
        if not os.access(tool, os.X_OK):
            missing.append(f"{alias} ({tool})")
            continue
        # the SDK checks the id against GET /languages first
        assert lang_id in listed, f"{alias}: {lang_id} not in /languages"
        assert every[lang_id]["is_archived"] is False, alias
        r = stack.get(f"/languages/{lang_id}")
        assert r.status_code == 200 and r.json()["id"] == lang_id, r.text
        body = dict(AMPLE, language_id=lang_id, memory_limit=512000)
        if src is None:
            body["additional_files"] = multi_file_zip()
        else:
            body["source_code"] = src
        r = stack.post("/submissions?wait=true&fields=*", json=body)
        assert r.status_code == 201, f"{alias}: {r.text}"
        res = r.json()
        if res["status"]["id"] not in FINAL:
            res = final(stack, res["token"], query="fields=*", timeout=120)
        assert res["status"]["id"] == 3, f"{alias}: {res}"
        assert res["stdout"] == HELLO + "\n", f"{alias}: {res}"
    if missing:
        pytest.skip("toolchains not installed here: " + ", ".join(missing))
