"""The Judge0 IDE (github.com/judge0/ide, a static page) against our API,
in headless Chromium: the language list, a run with stdin, the IDE's own
default C++ program with its default compiler options, and a compile
error.

The IDE is not part of this repository.  Point JUDGE0_IDE at a checkout
of it (or at its git directory: HEAD is exported); without one the tests
SKIP, saying so.  What the page loads from CDNs comes from packages
instead, and nothing is fetched from the network while it runs
(Chromium resolves no name but 127.0.0.1):

- jQuery from Debian's libjs-jquery (/usr/share/javascript/jquery);
- golden-layout 1.5.9 and semantic-ui-css 2.5.0 from npm, installed into
  this test's temporary folder (SKIP if npm or the registry is missing);
- Puter's SDK is a one-line stand-in: the IDE only asks puter.env, to
  learn that it is not inside Puter;
- the Google Fonts links are dropped (the page falls back to its
  other fonts).

The IDE's base URLs (constants at the top of js/ide.js, which is how it
is pointed at a Judge0 of one's own) are set to our /judge/ mount on the
same nginx server that serves the page, so the browser's basic-auth login
covers the API calls, as for our own pages.  Nothing else in the IDE is
changed.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from test_pages import (Browser, Site, analyzer, judge_site,  # noqa: F401
                        shot)

JQUERY = "/usr/share/javascript/jquery/jquery.min.js"
PY, CPP, SQL = 71, 54, 82


def _git_export(git_dir, dest):
    """Writes the files of HEAD in git_dir under dest.  A blob the copy
    lacks (a mirror may leave out its largest files, such as Monaco's
    TypeScript worker, which these tests never load) is left out."""
    tree = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r",
                           "-z", "HEAD"], stdout=subprocess.PIPE,
                          check=False)
    if tree.returncode != 0:
        return
    entries = []
    for rec in tree.stdout.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            entries.append((sha, path.decode()))
    cat = subprocess.run(["git", "--git-dir", git_dir, "cat-file",
                          "--batch"], input=b"".join(
                              sha + b"\n" for sha, _ in entries),
                         stdout=subprocess.PIPE, check=False)
    out, at = cat.stdout, 0
    for sha, path in entries:
        end = out.index(b"\n", at)
        head = out[at:end].split()
        at = end + 1
        if len(head) < 3 or head[1] != b"blob":
            continue            # "<sha> missing"
        size = int(head[2])
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(out[at:at + size])
        at += size + 1


def _ide_source(dest):
    """Copies the IDE from $JUDGE0_IDE into dest, or skips."""
    src = os.environ.get("JUDGE0_IDE", "")
    if not src:
        pytest.skip("JUDGE0_IDE is not set (a checkout of "
                    "github.com/judge0/ide, or its git directory)")
    if os.path.isfile(os.path.join(src, "js", "ide.js")):
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".git"))
        return
    if os.path.isfile(os.path.join(src, "HEAD")):
        _git_export(src, dest)
        if os.path.isfile(os.path.join(dest, "js", "ide.js")):
            return
    pytest.skip(f"JUDGE0_IDE={src} holds no Judge0 IDE (js/ide.js)")


def _npm_libs(tmp):
    """golden-layout and semantic-ui-css from npm, or skips."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    with open(os.path.join(tmp, "package.json"), "w") as f:
        json.dump({"name": "coderunner-ide-test", "private": True}, f)
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                        "--loglevel=error", "golden-layout@1.5.9",
                        "semantic-ui-css@2.5.0"], cwd=tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=180)
    if r.returncode != 0:
        pytest.skip("npm install golden-layout semantic-ui-css failed "
                    "(registry unreachable?): "
                    + r.stdout.decode(errors="replace")[-500:])
    return os.path.join(tmp, "node_modules")


def _localise(ide, mods, api_base):
    """Points the IDE's CDN links at local copies and its API at ours."""
    if not os.path.isfile(JQUERY):
        pytest.skip(f"{JQUERY} is missing (Debian's libjs-jquery)")
    lib = os.path.join(ide, "lib")
    os.makedirs(lib)
    shutil.copy(JQUERY, os.path.join(lib, "jquery.min.js"))
    gl = os.path.join(mods, "golden-layout")
    shutil.copy(os.path.join(gl, "dist", "goldenlayout.min.js"), lib)
    for css in ("goldenlayout-base.css", "goldenlayout-dark-theme.css"):
        shutil.copy(os.path.join(gl, "src", "css", css), lib)
    shutil.copytree(os.path.join(mods, "semantic-ui-css"),
                    os.path.join(lib, "semantic"))
    sem = os.path.join(lib, "semantic", "semantic.min.css")
    with open(sem) as f:
        css = f.read()
    with open(sem, "w") as f:
        f.write(re.sub(r"@import url\(https?://[^)]*\);?", "", css))
    with open(os.path.join(lib, "puter.js"), "w") as f:
        f.write("var puter = { env: 'web', ui: {} };\n")

    local = {
        r"https://js\.puter\.com/v2/?": "lib/puter.js",
        r"https://cdnjs\.cloudflare\.com/ajax/libs/jquery/[^\"]*"
        r"jquery\.min\.js": "lib/jquery.min.js",
        r"https://cdnjs\.cloudflare\.com/ajax/libs/golden-layout/[^\"]*/"
        r"goldenlayout\.min\.js": "lib/goldenlayout.min.js",
        r"https://cdnjs\.cloudflare\.com/ajax/libs/golden-layout/[^\"]*/"
        r"css/(goldenlayout-[a-z-]+\.css)": r"lib/\1",
        r"https://cdnjs\.cloudflare\.com/ajax/libs/semantic-ui/[^\"]*/"
        r"(semantic\.min\.(css|js))": r"lib/semantic/\1",
    }
    path = os.path.join(ide, "index.html")
    with open(path) as f:
        html = f.read()
    for pat, rep in local.items():
        html, n = re.subn(pat, rep, html)
        assert n >= 1, f"index.html: no {pat}: the IDE has changed"
    # the local files are not the CDN's bytes; fonts stay on the network
    html = re.sub(r'\s(integrity|crossorigin|referrerpolicy)="[^"]*"', "",
                  html)
    html = re.sub(r"\s*<link[^>]*fonts\.(googleapis|gstatic)\.com[^>]*>",
                  "", html)
    assert "https://" not in re.sub(r"<(meta|a)\s[^>]*>", "", html), \
        "index.html still loads something from the network"
    with open(path, "w") as f:
        f.write(html)

    path = os.path.join(ide, "js", "ide.js")
    with open(path) as f:
        js = f.read()
    js, n = re.subn(r'(const (UN)?AUTHENTICATED_(EXTRA_)?CE_BASE_URL = )"'
                    r'[^"]*"', lambda m: f'{m.group(1)}"{api_base}"', js)
    assert n == 4, "js/ide.js: the base URL constants have changed"
    with open(path, "w") as f:
        f.write(js)


@pytest.fixture(scope="module")
def ide(judge_site):      # noqa: F811
    """(site, url of the IDE) with the IDE under the site's /ide/."""
    tmp = tempfile.mkdtemp(prefix="coderunner-ide-")
    try:
        ide_dir = os.path.join(judge_site.sitedir, "ide")
        _ide_source(ide_dir)
        site = Site("judge", judge_site, "/judge")
        _localise(ide_dir, _npm_libs(tmp), site.base)
        for root, dirs, files in os.walk(ide_dir):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        yield site, site.origin + "/ide/index.html"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def offline_browser():
    """Chromium that resolves no name: nothing reaches the network."""
    b = Browser(javascript=True, resolver="MAP * ~NOTFOUND, "
                "EXCLUDE 127.0.0.1")
    yield b
    b.quit()


READY = """
return typeof sourceEditor !== 'undefined' && !!sourceEditor &&
    typeof stdoutEditor !== 'undefined' && !!stdoutEditor &&
    typeof $statusLine !== 'undefined' && !!$statusLine &&
    $('#select-language option').length > 0;
"""


def open_ide(b, ide):
    site, url = ide
    b.login(site)
    b.get(url)
    b.wait(lambda d: d.execute_script(READY), 60, "the IDE to load")


def run(b, lang, source=None, stdin=None, options=None):
    """Selects lang, sets the editors as a person would, clicks Run and
    waits for the status line.  Returns (status line, output)."""
    b.driver.execute_script(
        "$selectLanguage.val(String(arguments[0])).trigger('change');"
        "if (arguments[1] !== null) sourceEditor.setValue(arguments[1]);"
        "if (arguments[2] !== null) stdinEditor.setValue(arguments[2]);"
        "if (arguments[3] !== null) $compilerOptions.val(arguments[3]);"
        "$statusLine.html('');",
        lang, source, stdin, options)
    b.find("#run-btn").click()
    b.wait(lambda d: d.execute_script(
        "return $statusLine.text().includes('TAT') || "
        "$('#site-modal').hasClass('visible');"), 60, "the IDE's result")
    modal = b.driver.execute_script(
        "return $('#site-modal').hasClass('visible') ? "
        "$('#site-modal').text() : null;")
    assert modal is None, f"the IDE shows an error: {modal}"
    return (b.driver.execute_script("return $statusLine.text();"),
            b.driver.execute_script("return stdoutEditor.getValue();"))


def test_ide_language_list(ide, offline_browser, shot):
    b = offline_browser
    open_ide(b, ide)
    shown = b.driver.execute_script(
        "return $('#select-language option').map(function () {"
        " return [[+this.value, this.text]]; }).get();")
    ours = ide[0].api("/languages")
    # the IDE leaves out 89 (Multi-file program) and lists the rest
    want = {(lang["id"], lang["name"]) for lang in ours if lang["id"] != 89}
    assert len(shown) == len(want)
    assert {tuple(x) for x in shown} == want
    # and the languages the IDE treats specially: SQL gets its database
    assert {PY, CPP, SQL} <= {i for i, _ in want}
    shot(b, "ide-loaded")


def test_ide_runs_with_stdin(ide, offline_browser, shot):
    b = offline_browser
    open_ide(b, ide)
    status, out = run(b, PY, "print(input()[::-1])\n", "abc", "")
    assert status.startswith("Accepted"), status
    assert out == "cba"
    shot(b, "ide-python")


def test_ide_default_cpp_program(ide, offline_browser, shot):
    """The IDE's own C++ program, stdin and compiler options (-O3
    --std=c++17 -Wall ... -pedantic-errors), as it opens."""
    b = offline_browser
    open_ide(b, ide)
    status, out = run(b, CPP)
    assert status.startswith("Accepted"), (status, out)
    assert out.split() == ["12", "5", "NO"], out
    shot(b, "ide-cpp")


def test_ide_compile_error(ide, offline_browser, shot):
    b = offline_browser
    open_ide(b, ide)
    status, out = run(b, CPP, "int main() { return x; }\n", "", "")
    assert status.startswith("Compilation Error"), status
    assert "error:" in out and "was not declared" in out, out
    shot(b, "ide-compile-error")


def test_ide_sqlite_with_its_database(ide, offline_browser, shot):
    """The IDE's SQL language: it sends its own Chinook database as
    additional_files (data/additional_files_zip_base64.txt)."""
    b = offline_browser
    open_ide(b, ide)
    status, out = run(b, SQL, "SELECT COUNT(*) FROM artists;\n"
                      "SELECT Name FROM artists WHERE ArtistId = 1;\n",
                      "", "")
    assert status.startswith("Accepted"), (status, out)
    assert out.split("\n") == ["275", "AC/DC"], out
    shot(b, "ide-sqlite")
