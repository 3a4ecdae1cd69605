"""The HTML pages in headless Chromium, driven by Selenium.

Every flow runs twice: on the standalone server of the shared `stack`
(coderunner at the site root) and on `judge_site`, an nginx server that
has its own static home page and includes coderunner at /judge/ (the
deployment README.md describes; tests/browser/site.conf.in).  The
browser logs in by HTTP basic auth, as a person would: the Authorization
header is set for every request through the DevTools protocol, so it is
also sent along with a cross-site form post, exactly like a browser's
cached credentials.

Each page is saved as a PNG under build/test-output/browser/<test>/ and
checked not to be blank (decoded in a third Chromium, on a canvas).

Uses Debian's chromium + chromium-driver and python3-selenium only.
"""

import base64
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import ROOT, Stack, _free_port, _require_kernel_features

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoAlertPresentException,
                                            StaleElementReferenceException,
                                            TimeoutException,
                                            WebDriverException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:        # pragma: no cover - install-deps.sh has it
    webdriver = None

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
OUT = os.path.join(ROOT, "build", "test-output", "browser")
HERE = os.path.dirname(os.path.abspath(__file__))
EVIL_HOST = "evil.test"     # another site: Chromium maps it to 127.0.0.1
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
PY, C = "71", "50"

XSS_LINES = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]

# Tokens the flows made, per site, for the history test.
MADE = {}


def _chrome_args(profile, resolver=f"MAP {EVIL_HOST} 127.0.0.1"):
    return ["--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
            "--window-size=1280,1000",
            f"--host-resolver-rules={resolver}"]


class Browser:
    """A headless Chromium with a fresh profile, logged in to one site."""

    def __init__(self, javascript=True, resolver=None):
        """resolver: Chromium's --host-resolver-rules instead of ours."""
        if webdriver is None:
            pytest.skip("python3-selenium is not installed")
        for path in (CHROMIUM, CHROMEDRIVER):
            if not os.access(path, os.X_OK):
                pytest.skip(f"{path} is not installed (chromium, "
                            "chromium-driver)")
        self.profile = tempfile.mkdtemp(prefix="coderunner-chromium-")
        opts = webdriver.ChromeOptions()
        for a in (_chrome_args(self.profile) if resolver is None else
                  _chrome_args(self.profile, resolver)):
            opts.add_argument(a)
        opts.binary_location = CHROMIUM
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # An alert must stay open for the tests to see it, not be
        # dismissed by the driver.
        opts.set_capability("unhandledPromptBehavior", "ignore")
        if not javascript:
            opts.add_experimental_option("prefs", {
                "profile.managed_default_content_settings.javascript": 2})
        self.javascript = javascript
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER),
                                       options=opts)
        self.driver.set_page_load_timeout(30)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.site = None

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def login(self, site):
        """Sends site's basic-auth credentials with every request."""
        cred = base64.b64encode(
            f"{site.user}:{site.password}".encode()).decode()
        self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {
            "headers": {"Authorization": "Basic " + cred}})
        self.site = site

    def get(self, url):
        self.driver.get(url)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        return self.find(css).text

    def raw_text(self, css):
        """textContent: what the element holds, visible or not."""
        return self.find(css).get_attribute("textContent")

    def alert_open(self):
        try:
            self.driver.switch_to.alert
            return True
        except NoAlertPresentException:
            return False

    def csp_errors(self):
        """Console lines about the Content-Security-Policy (and clears
        the log)."""
        return [e["message"] for e in self.driver.get_log("browser")
                if "Content Security Policy" in e["message"]
                or "Refused to" in e["message"]]

    def wait(self, cond, timeout=30, what="condition"):
        def safe(d):
            try:
                return cond(d)
            except StaleElementReferenceException:
                return False
            except WebDriverException as e:
                # the same, when a refresh replaces the page between
                # chromedriver finding a node and reading it
                if "does not belong to the document" in str(e):
                    return False
                raise
        try:
            return WebDriverWait(self.driver, timeout, 0.05).until(safe)
        except TimeoutException:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what} on "
                f"{self.driver.current_url}:\n"
                + self.driver.page_source[:3000]) from None


class Site:
    """Where coderunner is reached: the root stack or the /judge/ site."""

    def __init__(self, name, stack, prefix):
        self.name = name
        self.stack = stack
        self.prefix = prefix
        self.origin = f"http://127.0.0.1:{stack.port}"
        self.base = self.origin + prefix
        self.user = stack.user
        self.password = stack.password

    def url(self, path):
        return self.base + path

    def api(self, path):
        r = requests.get(self.url(path), timeout=30,
                         headers={"X-Auth-Token": self.stack.api_key})
        assert r.status_code == 200, r.text
        return r.json()

    def total(self):
        return self.api("/submissions?per_page=1")["meta"]["total_count"]


# --- fixtures -----------------------------------------------------------------

@pytest.fixture(scope="module")
def judge_site():
    """nginx with a home page of its own and coderunner under /judge/."""
    _require_kernel_features()
    rundir = tempfile.mkdtemp(prefix="coderunner-site-")
    os.chmod(rundir, 0o755)
    s = Stack(rundir, _free_port(), env={"CODERUNNER_PREFIX": "/judge"})
    sitedir = os.path.join(rundir, "site")
    shutil.copytree(os.path.join(HERE, "site"), sitedir)
    with open(os.path.join(rundir, "nginx.conf")) as f:
        user = "\n".join(l for l in f.read().splitlines()
                         if l.startswith("user "))
    with open(os.path.join(HERE, "site.conf.in")) as f:
        conf = f.read()
    for k, v in (("@USER_DIRECTIVE@", user), ("@RUNDIR@", rundir),
                 ("@CONFDIR@", os.path.join(rundir, "nginx")),
                 ("@PORT@", str(s.port)), ("@SITEDIR@", sitedir)):
        conf = conf.replace(k, v)
    assert "@" not in re.sub(r"#.*", "", conf), "unrendered placeholder"
    with open(os.path.join(rundir, "nginx.conf"), "w") as f:
        f.write(conf)
    ok = False
    try:
        s.start()
        s.sitedir = sitedir
        yield s
        ok = True
    finally:
        s.stop()
        if ok:
            shutil.rmtree(rundir, ignore_errors=True)
        else:
            print(f"\nkept {rundir}\n" + s.logs())


@pytest.fixture(scope="module", params=["root", "judge"])
def site(request):
    if request.param == "root":
        return Site("root", request.getfixturevalue("stack"), "")
    return Site("judge", request.getfixturevalue("judge_site"), "/judge")


@pytest.fixture(scope="module")
def browser():
    b = Browser(javascript=True)
    yield b
    b.quit()


@pytest.fixture(scope="module")
def nojs_browser():
    b = Browser(javascript=False)
    yield b
    b.quit()


@pytest.fixture(scope="module")
def analyzer():
    b = Browser(javascript=True)
    b.get("about:blank")
    yield b
    b.quit()


@pytest.fixture
def shot(request, analyzer):
    """shot(browser, name): saves the page as PNG, fails if it is blank."""
    folder = os.path.join(OUT, re.sub(r"[^A-Za-z0-9_.-]+", "_",
                                      request.node.name))
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)

    def take(b, name):
        png = b.driver.get_screenshot_as_png()
        path = os.path.join(folder, name + ".png")
        with open(path, "wb") as f:
            f.write(png)
        stats = analyzer.driver.execute_async_script(ANALYZE_PNG,
                                                     base64.b64encode(
                                                         png).decode())
        assert "error" not in stats, f"{path}: {stats}"
        assert stats["width"] >= 800 and stats["height"] >= 600, stats
        assert stats["colors"] >= 4 and stats["other"] >= 0.003, (
            f"{path} looks blank: {stats}")
        return path
    return take


# Decodes a PNG on a canvas: its size, how many colours a sample of its
# pixels has, and the share of the sample that is not the commonest one.
ANALYZE_PNG = """
const done = arguments[arguments.length - 1];
const img = new Image();
img.onload = function () {
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map();
    let n = 0, top = 0;
    for (let i = 0; i < d.length; i += 4 * 7) {
        const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        counts.set(k, (counts.get(k) || 0) + 1);
        n++;
    }
    for (const v of counts.values())
        if (v > top)
            top = v;
    done({width: c.width, height: c.height, colors: counts.size,
          other: (n - top) / n});
};
img.onerror = function () { done({error: 'not a PNG'}); };
img.src = 'data:image/png;base64,' + arguments[0];
"""


# --- helpers ------------------------------------------------------------------

def open_form(b, site):
    b.login(site)
    b.get(site.url("/"))
    b.wait(lambda d: b.finds("form.submit"), 15, "the form")
    assert b.find("form.submit").get_attribute("action") == \
        site.url("/submissions")
    assert b.find("input[name=csrf_token]").get_attribute("value")


def set_value(b, css, value):
    """Types value into a field (send_keys: works without JavaScript)."""
    e = b.find(css)
    e.clear()
    if value:
        e.send_keys(value)


def fill(b, lang=None, code=None, stdin=None, expected=None, limits=None):
    if lang is not None:
        Select(b.find("#f-language_id")).select_by_value(lang)
    if code is not None:
        set_value(b, "#f-source_code", code)
    if stdin is not None:
        set_value(b, "#f-stdin", stdin)
    if expected is not None:
        set_value(b, "#f-expected_output", expected)
    if limits:
        b.find("details.advanced summary").click()
        for k, v in limits.items():
            set_value(b, "#f-" + k, v)


def submit(b, site):
    """Submits the form; returns the token of the result page."""
    b.find("form.submit button[type=submit]").click()
    pat = re.escape(site.url("/submissions/")) + "(" + UUID + ")$"
    b.wait(lambda d: re.match(pat, d.current_url), 15, "the result page")
    return re.match(pat, b.driver.current_url).group(1)


def status(b):
    return b.raw_text("#cr-status").strip()


def wait_final(b, timeout=40):
    b.wait(lambda d: b.find("#cr-verdict").get_attribute("data-final")
           == "1", timeout, "the verdict")
    return status(b)


def all_links(b):
    """Every URL the page refers to: links, form actions, CSS, scripts."""
    urls = []
    for css, attr in (("a[href]", "href"), ("form[action]", "action"),
                      ("link[href]", "href"), ("script[src]", "src")):
        urls += [e.get_attribute(attr) for e in b.finds(css)]
    return urls


# --- the flows ----------------------------------------------------------------

def test_form_to_accepted(site, browser, shot):
    b = browser
    open_form(b, site)
    # the stylesheet and the script came from nginx under the prefix
    assert b.find("header.site").value_of_css_property(
        "background-color") in ("rgba(36, 41, 47, 1)", "rgb(36, 41, 47)")
    assert "js" in b.find("html").get_attribute("class").split()
    for u in all_links(b):
        assert u.startswith(site.base + "/"), u
    fill(b, lang=PY, code='name = input()\nprint("hello, " + name)\n',
         stdin="browser", expected="hello, browser")
    shot(b, "form")
    token = submit(b, site)
    assert wait_final(b) == "Accepted", b.driver.page_source
    assert b.raw_text("#cr-stdout-text") == "hello, browser\n"
    assert "badge-ac" in b.find("#cr-status").get_attribute("class")
    assert b.text("#cr-time").endswith("s")
    assert b.raw_text("#cr-finished").endswith("UTC")
    shot(b, "result")
    # the same verdict after a reload, rendered by the server
    b.driver.refresh()
    assert status(b) == "Accepted"
    assert b.raw_text("#cr-stdout-text") == "hello, browser\n"
    assert not b.csp_errors()
    MADE.setdefault(site.name, {})["form"] = token


def test_running_then_time_limit(site, browser, shot):
    b = browser
    open_form(b, site)
    fill(b, lang=PY, code="while True:\n    pass\n",
         limits={"cpu_time_limit": "1", "wall_time_limit": "3"})
    token = submit(b, site)
    url = b.driver.current_url
    # A marker in this page's window: a reload would lose it.
    b.driver.execute_script("window.crMarker = 'no reload';")
    seen, running_shot = [], None
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        # badge and progress line in one read: the script sets both at once
        s, progress = b.driver.execute_script(
            "return [document.querySelector('#cr-status').textContent,"
            " document.querySelector('#cr-progress').textContent];")
        s = s.strip()
        if not seen or seen[-1] != s:
            seen.append(s)
        if s == "Processing":
            # the same words from the server and, once it polls, the script
            assert progress.strip() == "Running.", seen
            if running_shot is None:
                running_shot = shot(b, "running")
        if b.find("#cr-verdict").get_attribute("data-final") == "1":
            # the script may have updated the badge since it was read
            if status(b) != seen[-1]:
                seen.append(status(b))
            break
        time.sleep(0.05)
    assert "Processing" in seen, seen
    assert seen[-1] == "Time Limit Exceeded", seen
    assert b.driver.execute_script("return window.crMarker") == "no reload"
    assert b.driver.current_url == url
    assert "badge-tle" in b.find("#cr-status").get_attribute("class")
    assert b.driver.title.startswith("Time Limit Exceeded")
    shot(b, "time-limit")
    assert not b.csp_errors()
    MADE.setdefault(site.name, {})["tle"] = token


def test_upload_c_file(site, browser, shot, tmp_path):
    b = browser
    src = tmp_path / "hello.c"
    src.write_text('#include <stdio.h>\nint main(void)\n'
                   '{\n\tputs("hello from a file");\n\treturn 0;\n}\n')
    open_form(b, site)
    # No language chosen: the file name picks C.
    b.find("#f-source_file").send_keys(str(src))
    set_value(b, "#f-expected_output", "hello from a file")
    shot(b, "form-with-file")
    token = submit(b, site)
    assert wait_final(b) == "Accepted", b.driver.page_source
    assert b.raw_text("#cr-stdout-text") == "hello from a file\n"
    assert b.text("dl.facts dd").startswith("C (GCC")
    b.find("details.input summary").click()
    assert 'puts("hello from a file");' in b.text("details.input pre")
    shot(b, "result")
    MADE.setdefault(site.name, {})["upload"] = token


def history_tokens(b):
    return [re.search(UUID, a.get_attribute("href")).group(0)
            for a in b.finds("table.history a.token")]


def test_history_filters_and_paging(site, browser, shot):
    b = browser
    b.login(site)
    made = MADE.get(site.name, {})
    if "form" not in made or "upload" not in made:
        pytest.skip("needs test_form_to_accepted and test_upload_c_file")
    b.get(site.url("/submissions"))
    assert b.text("h1") == "Your history"
    listed = history_tokens(b)
    assert made["form"] in listed and made["upload"] in listed, listed
    assert listed.index(made["upload"]) < listed.index(made["form"]), \
        "newest first"
    shot(b, "history")

    # filter: C only, through the form
    Select(b.find("#h-language")).select_by_value(C)
    b.find("form.filters button[type=submit]").click()
    b.wait(lambda d: "language_id=50" in d.current_url, 10, "the filter")
    listed = history_tokens(b)
    assert made["upload"] in listed and made["form"] not in listed, listed
    assert all(c.text.startswith("C (GCC") for c in
               b.finds("table.history tbody td:nth-child(3)"))
    shot(b, "history-c")

    # filter: Python and Time Limit Exceeded
    b.get(site.url("/submissions?language_id=71&status_id=5"))
    listed = history_tokens(b)
    assert made["tle"] in listed and made["form"] not in listed, listed
    assert all(e.text == "Time Limit Exceeded" for e in
               b.finds("table.history .badge"))

    # paging: one per page, older then newer
    b.get(site.url("/submissions?per_page=1"))
    total = site.total()
    assert f"{total} submissions, page 1 of {total}." in b.text("#hist-count")
    first = history_tokens(b)
    assert len(first) == 1
    b.find("nav.pager a[rel=next]").click()
    b.wait(lambda d: "page=2" in d.current_url, 10, "page 2")
    second = history_tokens(b)
    assert len(second) == 1 and second != first
    assert f"page 2 of {total}" in b.text("#hist-count")
    assert b.find("nav.pager a[rel=prev]").get_attribute("href").startswith(
        site.url("/submissions?page=1"))
    shot(b, "history-page-2")
    # each row links to its result
    b.find("table.history a.token").click()
    b.wait(lambda d: second[0] in d.current_url, 10, "the result")
    assert b.finds("#cr-verdict")


def test_statistics(site, browser, shot):
    b = browser
    b.login(site)
    b.get(site.url("/statistics"))
    assert b.text("h1") == "Your statistics"
    bars = b.finds("#chart-verdicts rect")
    assert bars, b.driver.page_source
    assert b.finds("#chart-verdicts rect.v-ac")
    assert b.finds("#chart-times rect.bar")
    # drawn from the same counts the JSON answer gives
    stats = site.api("/statistics")
    assert f"{stats['total']} submission" in b.text("p.count")
    shot(b, "statistics")
    assert not b.csp_errors()


def test_xss_output_renders_as_text(site, browser, shot):
    b = browser
    open_form(b, site)
    code = ("import sys\n"
            + "".join(f"print({line!r})\n" for line in XSS_LINES)
            + "sys.stderr.write('<img src=x onerror=alert(2)>\\n')\n")
    fill(b, lang=PY, code=code)
    token = submit(b, site)
    wait_final(b)                   # filled in by the script
    want = "\n".join(XSS_LINES) + "\n"
    assert b.raw_text("#cr-stdout-text") == want
    assert b.raw_text("#cr-stderr-text") == "<img src=x onerror=alert(2)>\n"
    assert not b.alert_open()
    assert not b.finds("main img") and not b.finds("main script")
    shot(b, "result-by-script")
    b.get(site.url("/submissions/" + token))     # drawn by the server
    assert b.raw_text("#cr-stdout-text") == want
    b.find("details.input summary").click()
    assert "print('<script>alert(1)</script>')" in b.text("details.input pre")
    assert not b.alert_open()
    assert not b.finds("main img") and not b.finds("main script")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in b.driver.page_source
    shot(b, "result-by-server")

    # the form again after an error keeps the input, as text
    open_form(b, site)
    evil = "</textarea><script>alert(3)</script><img src=x onerror=alert(4)>"
    fill(b, code=evil)
    b.find("form.submit button[type=submit]").click()
    b.wait(lambda d: b.finds(".error-summary"), 10, "the error")
    assert b.find("#f-source_code").get_attribute("value") == evil
    assert b.text("#e-language_id") == "can't be blank"
    assert not b.alert_open()
    assert not b.finds("main img") and not b.finds("main script")
    shot(b, "form-error")
    assert not b.csp_errors()


def test_cross_site_post_refused(site, browser, judge_site, shot):
    b = browser
    open_form(b, site)
    stolen = b.find("input[name=csrf_token]").get_attribute("value")
    before = site.total()
    # Another site's page: a multipart post with even a valid token, and
    # a plain urlencoded one without.
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Win a "
        "prize</title></head><body><h1>Another site</h1>"
        f"<form id='with-token' method='post' enctype='multipart/form-data'"
        f" action='{site.url('/submissions')}'>"
        f"<input type='hidden' name='csrf_token' value='{stolen}'>"
        "<input type='hidden' name='language_id' value='71'>"
        "<input type='hidden' name='source_code' value='print(\"pwned\")'>"
        "<button>Claim</button></form>"
        f"<form id='plain' method='post' action='{site.url('/submissions')}'>"
        "<input type='hidden' name='language_id' value='71'>"
        "<input type='hidden' name='source_code' value='print(\"pwned\")'>"
        "<button>Claim too</button></form></body></html>")
    name = f"evil-{site.name}.html"
    with open(os.path.join(judge_site.sitedir, name), "w") as f:
        f.write(page)
    evil = f"http://{EVIL_HOST}:{judge_site.port}/{name}"
    for form in ("with-token", "plain"):
        b.get(evil)
        assert b.text("h1") == "Another site"
        b.find(f"#{form} button").click()
        b.wait(lambda d: d.current_url.startswith(site.url("/submissions")),
               10, "the answer")
        assert b.text("h1") == "Refused", b.driver.page_source
        # refused for where it came from, even with a valid token
        assert b.text(".error-text") == "Posts from another site are refused"
        shot(b, "refused-" + form)
    assert site.total() == before, "a cross-site post was stored"
    # the same form from the site itself is taken
    open_form(b, site)
    fill(b, lang=PY, code='print("same site")\n')
    submit(b, site)
    assert site.total() == before + 1


def test_without_javascript(site, nojs_browser, shot):
    b = nojs_browser
    open_form(b, site)
    assert "js" not in (b.find("html").get_attribute("class") or "")
    # an error first: the page says so, without any script
    fill(b, lang=PY)
    b.find("form.submit button[type=submit]").click()
    b.wait(lambda d: b.finds(".error-summary"), 10, "the error")
    assert b.text("#e-source_code") == "can't be blank"
    shot(b, "form-error")
    fill(b, lang=PY, code="import time\ntime.sleep(1.5)\nprint(6 * 7)\n",
         expected="42")
    submit(b, site)
    first = status(b)
    assert first in ("In Queue", "Processing"), first
    assert b.finds("noscript")
    shot(b, "pending")
    # the page refreshes itself (meta refresh) until the verdict is in
    assert wait_final(b, 40) == "Accepted"
    assert b.raw_text("#cr-stdout-text") == "42\n"
    shot(b, "result")
    b.get(site.url("/submissions"))
    assert history_tokens(b)
    shot(b, "history")


def test_site_home_and_mount(judge_site, browser, shot):
    """The existing site keeps its home page; the judge lives at /judge/."""
    b = browser
    site = Site("judge", judge_site, "/judge")
    b.login(site)
    b.get(site.origin + "/")
    assert b.text("#site-home") == "Example Course Site"
    shot(b, "site-home")
    b.find("#to-judge").click()
    b.wait(lambda d: b.finds("form.submit"), 10, "the judge's form")
    assert b.driver.current_url == site.url("/")
    for u in all_links(b):
        assert u.startswith(site.origin + "/judge/"), u
    # static files: served by nginx under the prefix, without a login,
    # with the right types; nothing of the judge outside the prefix
    css = requests.get(site.url("/static/coderunner.css"), timeout=10)
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers.get("X-Content-Type-Options") == "nosniff"
    js = requests.get(site.url("/static/coderunner.js"), timeout=10)
    assert js.status_code == 200
    assert js.headers["Content-Type"].startswith("text/javascript")
    assert requests.get(site.origin + "/static/coderunner.css",
                        timeout=10).status_code == 404
    assert requests.get(site.origin + "/submissions",
                        timeout=10).status_code == 404
    # pages need a login, and send the strict headers
    r = requests.get(site.url("/"), timeout=10)
    assert r.status_code == 401
    r = requests.get(site.url("/"), timeout=10,
                     auth=(site.user, site.password))
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]
    # JSON stays the default for API clients
    r = requests.get(site.url("/submissions"), timeout=10,
                     headers={"X-Auth-Token": judge_site.api_key})
    assert r.headers["Content-Type"].startswith("application/json")
    assert set(r.json()["meta"]) == {"current_page", "next_page",
                                     "prev_page", "total_pages",
                                     "total_count"}
