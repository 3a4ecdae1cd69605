"""The errors nginx answers itself, before or instead of the app: each
one JSON {"error": ...} with its status (nginx/errors.conf), or a small
HTML page when Accept begins with text/html, as the app's own errors.

Most are provoked on the shared stack with raw requests no HTTP library
would send (a malformed request line, a URI or a header over
large_client_header_buffers, TRACE, ...).  502 and 504 need the app side
gone or hung: `bare_nginx` is a second nginx over its own run dir with
no coderunner.fcgi behind it (the shared stack is never stopped), and
403 and 500 come from its htpasswd file missing or unreadable.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import Stack, _free_port

BROWSER = ("text/html,application/xhtml+xml,application/xml;q=0.9,"
           "*/*;q=0.8")


def raw(port, data, timeout=10):
    """Sends data as it is; returns (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            out += b
            head, sep, body = out.partition(b"\r\n\r\n")
            m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
            if sep and m and len(body) >= int(m.group(1)):
                break
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    assert m, f"no status line in {out[:300]!r}"
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), headers, body


def assert_json_error(status, headers, body, want, text=None):
    assert status == want, (status, body[:300])
    assert headers["content-type"] == "application/json", headers
    err = json.loads(body)
    assert set(err) == {"error"} and err["error"], err
    if text is not None:
        assert text in err["error"], err


def assert_page(r, want, text):
    assert r.status_code == want, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"] == "text/html", r.headers
    assert r.text.startswith("<!DOCTYPE html>"), r.text[:200]
    assert f"<h1>Error {want}</h1>" in r.text
    assert text in r.text
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]


# --- before any location: server level ----------------------------------------

def test_malformed_request_line_is_json_400(stack):
    for req in (b"GARBAGE\r\n\r\n", b"GET x HTTP/1.1\r\nHost: a\r\n\r\n",
                b"GET / HTTP/1.1\r\n\r\n",            # no Host
                b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
                b"GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n"):
        assert_json_error(*raw(stack.port, req), 400, "bad request")


def test_uri_too_long_is_json_414(stack):
    # large_client_header_buffers: 4 buffers of 8k by default
    path = "/submissions/" + "a" * 9000
    req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           f"X-Auth-Token: {stack.api_key}\r\n\r\n").encode()
    assert_json_error(*raw(stack.port, req), 414, "URI too long")
    # the same through an HTTP client; nginx reads no header after a
    # request line that did not fit, so a browser gets JSON here too
    r = requests.get(stack.url(path), timeout=10,
                     headers=dict(stack.auth_headers, Accept=BROWSER))
    assert r.status_code == 414 and r.json()["error"]


def test_headers_too_large_is_json_431(stack):
    req = (f"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           f"X-Auth-Token: {stack.api_key}\r\n"
           f"Cookie: {'c' * 9000}\r\n\r\n").encode()
    assert_json_error(*raw(stack.port, req), 431, "headers too large")


def test_trace_unknown_encoding_and_version(stack):
    host = b"Host: 127.0.0.1\r\n"
    assert_json_error(*raw(stack.port, b"TRACE / HTTP/1.1\r\n" + host +
                           b"\r\n"), 405, "method not allowed")
    assert_json_error(*raw(stack.port, b"POST /submissions HTTP/1.1\r\n" +
                           host + b"Transfer-Encoding: gzip\r\n\r\n"),
                      501, "not implemented")
    assert_json_error(*raw(stack.port, b"GET / HTTP/2.0\r\n" + host +
                           b"\r\n"), 505, "HTTP version")


# --- in a location ---------------------------------------------------------------

def test_body_too_large_is_json_413(stack):
    limit = stack.app_config()["max_body_bytes"]
    req = (f"POST /submissions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           f"X-Auth-Token: {stack.api_key}\r\n"
           f"Content-Type: application/json\r\n"
           f"Content-Length: {limit + 1}\r\n\r\n").encode()
    assert_json_error(*raw(stack.port, req), 413, f"limit {limit} bytes")
    # a form post from a browser gets the page, with a way back
    r = requests.post(stack.url("/submissions"), data=b"x" * (limit + 1),
                      timeout=30, headers=dict(
                          stack.auth_headers, Accept=BROWSER,
                          **{"Content-Type":
                             "application/x-www-form-urlencoded"}))
    assert_page(r, 413, "request body too large")
    assert '<a href="/">' in r.text


def test_login_required_is_json_or_page_401(stack):
    r = requests.get(stack.url("/submissions"), timeout=10)
    assert r.status_code == 401 and r.json()["error"]
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    assert r.headers["Vary"] == "Accept"
    r = requests.get(stack.url("/submissions"), timeout=10,
                     headers={"Accept": BROWSER})
    assert_page(r, 401, "authentication required")
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    # what the app itself would not show as a page is JSON here too
    for accept in ("*/*", "application/json", "application/json, text/html",
                   "text/html;q=0.5, application/json"):
        r = requests.get(stack.url("/submissions"), timeout=10,
                         headers={"Accept": accept})
        assert r.status_code == 401, accept
        assert r.headers["Content-Type"] == "application/json", accept


def test_static_errors_are_json(stack):
    for method, path, want in (("GET", "/static/", 403),
                               ("GET", "/static/nope.css", 404),
                               ("POST", "/static/coderunner.css", 405)):
        r = requests.request(method, stack.url(path), timeout=10)
        assert r.status_code == want, (path, r.status_code)
        assert r.headers["Content-Type"] == "application/json", path
        assert r.json()["error"]
        # and never the static files' public caching
        assert r.headers["Cache-Control"] == "no-store", path
    # the error locations themselves are not reachable from outside
    r = requests.get(stack.url("/.coderunner-error.json"), timeout=10,
                     headers=stack.auth_headers)
    assert r.status_code == 404


# --- nginx without the app ---------------------------------------------------------

class HungApp:
    """A FastCGI socket that takes connections and never answers."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)       # nginx's workers may be www-data
        self.sock.listen(16)
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()
        os.unlink(self.path)


@pytest.fixture(scope="module")
def bare_nginx(stack):
    """A rendered run dir of its own, with only nginx started.  Depends
    on `stack` for the host setup (the service user) it makes."""
    rundir = tempfile.mkdtemp(prefix="coderunner-nginx-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port())
    conf = os.path.join(rundir, "nginx", "coderunner-location.conf")
    with open(conf) as f:
        text = f.read()
    # the app's answer may take wait_timeout + 30 s; here 1 s, for 504
    text, n = re.subn(r"fastcgi_read_timeout +\d+s;",
                      "fastcgi_read_timeout 1s;", text)
    assert n == 1
    with open(conf, "w") as f:
        f.write(text)
    log = open(os.path.join(rundir, "logs", "nginx-stderr.log"), "ab")
    proc = subprocess.Popen([os.path.join(rundir, "start-nginx")],
                            stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, "nginx exited"
            try:
                if requests.get(s.url("/static/coderunner.css"),
                                timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "nginx did not come up"
            time.sleep(0.1)
        yield s
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(rundir, ignore_errors=True)


def test_app_down_is_json_502(bare_nginx):
    s = bare_nginx
    assert not os.path.exists(s.socket_path)
    r = s.get("/health", timeout=10)
    assert r.status_code == 502, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert "not running" in r.json()["error"]
    assert r.headers["Retry-After"] == "5"
    r = s.get("/", timeout=10, headers=dict(s.auth_headers, Accept=BROWSER))
    assert_page(r, 502, "not running")
    assert r.headers["Retry-After"] == "5"


def test_app_hung_is_json_504(bare_nginx):
    s = bare_nginx
    app = HungApp(s.socket_path)
    try:
        t0 = time.monotonic()
        r = s.get("/health", timeout=20)
        assert r.status_code == 504, r.text
        assert time.monotonic() - t0 < 15
        assert r.headers["Content-Type"] == "application/json"
        assert "did not answer in time" in r.json()["error"]
        assert "Retry-After" not in r.headers
    finally:
        app.close()


def test_auth_file_trouble_is_json_403_and_500(bare_nginx):
    s = bare_nginx
    htpasswd = os.path.join(s.rundir, "nginx", "htpasswd")
    basic = (s.user, s.password)
    saved = htpasswd + ".saved"
    os.rename(htpasswd, saved)
    try:
        # nginx reads the file for every request: gone is a 403, ...
        r = requests.get(s.url("/health"), auth=basic, timeout=10)
        assert r.status_code == 403, r.text
        assert r.headers["Content-Type"] == "application/json"
        assert r.json()["error"] == "forbidden"
        # ... unreadable a 500
        with open(htpasswd, "w") as f:
            f.write("demo:x\n")
        os.chmod(htpasswd, 0)
        r = requests.get(s.url("/health"), auth=basic, timeout=10)
        assert r.status_code == 500, r.text
        assert r.headers["Content-Type"] == "application/json"
        assert "internal error" in r.json()["error"]
    finally:
        os.replace(saved, htpasswd)
