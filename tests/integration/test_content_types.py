"""JSON under another content type, as curl sends it, and the CSRF rules
around it: a basic-auth client may post `curl -d '{...}'` (labelled as a
form) to every JSON route; a browser page on another site may not post
anything, whatever it labels its body."""

import time

import requests


def basic(stack):
    return (stack.user, stack.password)


def post(url, **kw):
    """requests.post that waits out the per-user rate limit (the suites
    share one user), so what is checked is the app's answer."""
    deadline = time.monotonic() + 60
    while True:
        r = requests.post(url, **kw)
        if r.status_code != 429 or time.monotonic() > deadline:
            return r
        time.sleep(float(r.headers.get("Retry-After", "1")))


def test_curl_default_content_type_is_read_as_json(stack):
    body = '{"language":"python3","source_code":"print(6*7)"}'
    r = post(stack.url("/submissions?wait=true"), data=body,
                      auth=basic(stack), timeout=60, headers={
                          "Content-Type":
                              "application/x-www-form-urlencoded"})
    assert r.status_code == 201, r.text
    assert r.json()["stdout"] == "42\n"


def test_piston_json_with_any_content_type(stack):
    body = ('{"language":"python","version":"*","files":'
            '[{"content":"print(7)"}]}')
    for ct in ("application/x-www-form-urlencoded", "text/plain", None):
        h = {"Content-Type": ct} if ct else {}
        r = post(stack.url("/api/v2/execute"), data=body,
                          auth=basic(stack), timeout=60, headers=h)
        assert r.status_code == 200, (ct, r.status_code, r.text)
        assert r.json()["run"]["stdout"] == "7\n"


def test_cross_site_json_lookalike_is_refused(stack):
    before = stack.get("/submissions?per_page=1").json()["meta"]
    body = '{"language":"python3","source_code":"print(1)","x":"="}'
    for ct in ("text/plain", "application/x-www-form-urlencoded"):
        r = post(stack.url("/submissions"), data=body,
                          auth=basic(stack), timeout=30, headers={
                              "Content-Type": ct,
                              "Origin": "http://evil.example",
                              "Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403, (ct, r.status_code, r.text)
    after = stack.get("/submissions?per_page=1").json()["meta"]
    assert after["total_count"] == before["total_count"], "nothing stored"


def test_api_key_form_post_needs_no_token(stack):
    r = stack.post("/submissions?wait=true",
                   data={"language": "python3", "source_code": "print(5)"})
    assert r.status_code == 201, r.text
    assert r.json()["stdout"] == "5\n"


def test_other_origin_on_same_host_is_refused(stack):
    """The origin is scheme, host and port: a page on another port of the
    same host (or on https, or under another name) is another site,
    whether it shows itself by Origin or, without one, by Referer.  Our
    own origin comes from nginx ($scheme://$http_host)."""
    port = stack.port
    other = port + 1 if port < 65535 else port - 1
    body = '{"language":"python3","source_code":"print(1)"}'
    before = stack.get("/submissions?per_page=1").json()["meta"]

    def send(extra):
        h = dict({"Content-Type": "text/plain"}, **extra)
        return post(stack.url("/submissions"), data=body, auth=basic(stack),
                    timeout=30, headers=h)

    refused = [
        {"Origin": f"http://127.0.0.1:{other}"},
        {"Origin": f"https://127.0.0.1:{port}"},
        {"Origin": "http://127.0.0.1"},
        {"Origin": f"http://localhost:{port}"},
        {"Origin": "null"},
        {"Referer": f"http://127.0.0.1:{other}/page.html"},
        {"Referer": f"https://127.0.0.1:{port}/"},
        {"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-site"},
    ]
    for h in refused:
        r = send(h)
        assert r.status_code == 403, (h, r.status_code, r.text)
        assert r.headers["Content-Type"].startswith("application/json")
        assert "another site" in r.json()["error"]
    after = stack.get("/submissions?per_page=1").json()["meta"]
    assert after["total_count"] == before["total_count"], "nothing stored"

    accepted = [
        {"Origin": f"http://127.0.0.1:{port}"},
        {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"},
        {"Referer": f"http://127.0.0.1:{port}/submissions/new"},
        {"Origin": f"http://127.0.0.1:{port}",
         "Sec-Fetch-Site": "same-origin"},
    ]
    for h in accepted:
        r = send(h)
        assert r.status_code == 201, (h, r.status_code, r.text)
