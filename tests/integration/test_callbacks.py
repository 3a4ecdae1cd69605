"""Callbacks: a tiny HTTP listener on a loopback address,
started by the test, receives the PUT of a finished submission and checks
its signature; a failed try is retried; hosts and addresses that are not
allow-listed are refused.  The session stack allows 127.0.0.2 and the
name localhost (tests/conftest.py STACK_ENV) but not 127.0.0.1, the
address localhost resolves to.
"""

import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest


class Listener:
    """Records each PUT; answers with the codes in `answers`, then 200."""

    def __init__(self, host, answers=()):
        self.got = []
        self.answers = list(answers)
        self.event = threading.Event()
        me = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                me.got.append({"path": self.path,
                               "headers": dict(self.headers),
                               "body": body, "at": time.monotonic()})
                code = me.answers.pop(0) if me.answers else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if code == 200:
                    me.event.set()

            def do_POST(self):
                self.do_PUT()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    made = []

    def make(host="127.0.0.2", answers=()):
        lis = Listener(host, answers)
        made.append(lis)
        return lis
    yield make
    for lis in made:
        lis.close()


def submit(stack, url, code="print('called back')"):
    return stack.post("/submissions", json={
        "language": "python3", "source_code": code, "callback_url": url},
        headers=stack.auth_headers)


def callback_status(stack, token, want, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        r = stack.get(f"/submissions/{token}?fields=callback_url,"
                      "callback_status")
        assert r.status_code == 200, r.text
        st = r.json()["callback_status"]
        if st is not None and st["state"] == want:
            return r.json()
        assert time.monotonic() < deadline, r.text
        time.sleep(0.2)


def test_callback_is_delivered_and_signed(stack, listener):
    lis = listener()
    url = f"http://127.0.0.2:{lis.port}/hook?x=1"
    r = submit(stack, url)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert lis.event.wait(30), "no callback arrived"

    got = lis.got[0]
    assert got["path"] == "/hook?x=1"
    body = json.loads(got["body"])
    assert body["token"] == token
    assert body["status"]["id"] == 3
    assert body["stdout"] == "called back\n"
    assert body["base64_encoded"] is False
    assert got["headers"]["Content-Type"] == "application/json"

    secret = stack.app_config()["callback_secret"].encode()
    want = "sha256=" + hmac.new(secret, got["body"],
                                hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got["headers"]["X-Coderunner-Signature"],
                               want)

    res = callback_status(stack, token, "delivered")
    assert res["callback_url"] == url
    assert res["callback_status"]["attempts"] == 1


def test_callback_is_retried(stack, listener):
    lis = listener(answers=[500])
    r = submit(stack, f"http://127.0.0.2:{lis.port}/retry")
    token = r.json()["token"]
    assert lis.event.wait(30), "no successful callback"
    assert len(lis.got) == 2
    # the second try comes after the first backoff (1 s)
    assert lis.got[1]["at"] - lis.got[0]["at"] >= 0.9
    st = callback_status(stack, token, "delivered")["callback_status"]
    assert st["attempts"] == 2


def test_callback_binary_output_goes_in_base64(stack, listener):
    lis = listener()
    submit(stack, f"http://127.0.0.2:{lis.port}/bin",
           code="import sys; sys.stdout.buffer.write(b'\\xff\\xfe')")
    assert lis.event.wait(30)
    body = json.loads(lis.got[0]["body"])
    assert body["base64_encoded"] is True
    # in Judge0's lines (Ruby's Base64.encode64): each ended by "\n"
    assert body["stdout"] == "//4=\n"


@pytest.mark.parametrize("url", [
    "http://127.0.0.3:9/x",              # an address not on the list
    "http://example.com/hook",           # a name not on the list
    "http://127.0.0.2.nip.io/x",
    "ftp://127.0.0.2/x",                 # not http(s)
    "http://user:pw@127.0.0.2/x",        # credentials in the URL
    "http://[::1]:9/x",
    "not a url",
])
def test_callback_to_a_host_not_on_the_list_is_refused(stack, url):
    r = submit(stack, url)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "callback_url"
    assert r.json()["callback_url"]


def test_callback_to_an_internal_address_is_refused(stack, listener):
    """localhost is on the list as a name, but it resolves to 127.0.0.1
    (or ::1), loopback addresses that are not: checked on the resolved
    address, the
    callback is given up at once and nothing reaches the listener."""
    lis = listener(host="127.0.0.1")
    r = submit(stack, f"http://localhost:{lis.port}/internal")
    assert r.status_code == 201, r.text
    res = callback_status(stack, r.json()["token"], "failed")
    st = res["callback_status"]
    assert st["attempts"] == 1
    # (curl resolves localhost itself, to 127.0.0.1 and ::1)
    assert "not allowed" in st["error"], st
    assert "127.0.0.1" in st["error"] or "::1" in st["error"], st
    time.sleep(0.5)
    assert lis.got == []
