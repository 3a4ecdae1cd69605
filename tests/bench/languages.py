#!/usr/bin/python3
"""Language start-up: a hello world of each language of
contrib/languages.json whose toolchain is installed, compiled (if the
language compiles) and run through the service, against the same compile
and run commands executed bare on the host.

Through the service (POST /submissions?wait=true, one client):
- miss: every submission's source differs by a comment, so the compile
  cache never has it and the compile runs; this is the honest comparison
  with bare, which compiles every time;
- hit: the same source again; the compile is skipped (`compiles` 0).
Bare: the language's compile and run commands, {sources} and {options}
filled, in a fresh temporary directory each time, with the judge's
environment and the language's own, /tmp and /box meaning that directory.

A language with prepared files (languages.json "prepare": g++'s
precompiled bits/stdc++.h, javac's class-data archive) gets them made by
its first job; "first" is that job's time, without them, and the runs
measured after it wait until they are made.  Bare compiles without them,
as a user's own compile would.  cpp is measured twice: the hello world
with <iostream>, and one with <bits/stdc++.h>, measured first, so that
its "first" shows the compile before the header was precompiled.

Starts its own stack (tests/conftest.py's Stack) on a free loopback port
with the rate limit raised.  N runs of each (LANGUAGES_N, default 3),
medians.  Exits non-zero only on a broken run (an error answer, a wrong
verdict, a bare command that fails), never because a number is slow.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))          # tests/, for conftest

os.environ.setdefault("CODERUNNER_RATE", "10000r/s")
os.environ.setdefault("CODERUNNER_BURST", "10000")

import results  # noqa: E402
from submissions import Broken, accepted, on_own_stack  # noqa: E402

N = max(1, int(os.environ.get("LANGUAGES_N", "3")))

# The judge's environment (src/judge/judge.c); HOME=/tmp is remapped.
BASE_ENV = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp",
            "LANG=C.UTF-8"]

# Hello worlds; {tag} becomes a comment that differs per submission.
HELLO = {
    "c": '/* {tag} */\n#include <stdio.h>\n'
         'int main(void) { puts("hello"); return 0; }\n',
    "cpp": '// {tag}\n#include <iostream>\n'
           'int main() { std::cout << "hello" << std::endl; }\n',
    "python3": '# {tag}\nprint("hello")\n',
    "pypy3": '# {tag}\nprint("hello")\n',
    "javascript": '// {tag}\nconsole.log("hello");\n',
    "typescript": '// {tag}\nconst s: string = "hello";\nconsole.log(s);\n',
    "java": '// {tag}\npublic class Main {\n  public static void '
            'main(String[] a) { System.out.println("hello"); }\n}\n',
    "java-launcher": '// {tag}\npublic class Main {\n  public static void '
                     'main(String[] a) { System.out.println("hello"); }\n}\n',
    "go": '// {tag}\npackage main\n\nimport "fmt"\n\n'
          'func main() { fmt.Println("hello") }\n',
    "rust": '// {tag}\nfn main() { println!("hello"); }\n',
    "bash": '# {tag}\necho hello\n',
    "ruby": '# {tag}\nputs "hello"\n',
    "php": '<?php // {tag}\necho "hello\\n";\n',
    "lua": '-- {tag}\nprint("hello")\n',
    "sql": "-- {tag}\nSELECT 'hello';\n",
}

# More rows: a label, the language and its hello world.
EXTRA = [
    ("cpp stdc++", "cpp", '// {tag}\n#include <bits/stdc++.h>\n'
     'int main() { std::cout << "hello" << std::endl; }\n'),
]

PREPARED_TIMEOUT_S = 300

# Languages not measured, and why.
SKIP = {
    "html": "runs /usr/bin/cat on the page: no language start-up",
    "css": "runs /usr/bin/cat on the style sheet: no language start-up",
    "multi-file": "the archive's own bash scripts: no fixed toolchain",
}




def fill(argv, lang, src, box):
    """argv with {sources}/{options} filled and /box, /tmp meaning box."""
    out = []
    for w in argv:
        if w in ("{options}", "{prepared}"):
            continue
        if w == "{sources}":
            out.append(src)
            continue
        out.append(remap(w, box))
    return out


def remap(w, box):
    for pre in ("/box", "/tmp"):
        if w == pre or w.startswith(pre + "/"):
            return box + w[len(pre):]
        if "=" + pre in w:
            k, _, v = w.partition("=")
            return k + "=" + remap(v, box)
    return w


def bare_once(lang, source):
    box = tempfile.mkdtemp(prefix="coderunner-lang-")
    try:
        env = {}
        for kv in BASE_ENV + lang.get("env", []):
            k, _, v = kv.partition("=")
            env[k] = remap(v, box)
        src = lang["source_file"]
        with open(os.path.join(box, src), "w") as f:
            f.write(source)
        extra = lang.get("box_files", [])
        for name, content in zip(extra[0::2], extra[1::2]):
            with open(os.path.join(box, name), "w") as f:
                f.write(content)
        t0 = time.monotonic()
        steps = ([lang["compile"]] if "compile" in lang else []) + \
            [lang["run"]]
        for argv in steps:
            r = subprocess.run(fill(argv, lang, src, box), cwd=box, env=env,
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            if r.returncode != 0:
                raise Broken(f"{lang['name']} bare {argv[0]}: exit "
                             f"{r.returncode}: {r.stderr[:300]!r}")
        dt = time.monotonic() - t0
        if r.stdout.strip() != b"hello":
            raise Broken(f"{lang['name']} bare: output {r.stdout[:100]!r}")
        return dt
    finally:
        shutil.rmtree(box, ignore_errors=True)


def ours_once(stack, lang, source, compiled_expect):
    body = {"language_id": lang["id"], "source_code": source,
            "expected_output": "hello"}
    t0 = time.monotonic()
    r = stack.post("/submissions?wait=true&fields=status,message,"
                   "compile_output,stderr,compiles", json=body, timeout=120)
    dt = time.monotonic() - t0
    res = accepted(r.status_code, r.text, f"{lang['name']}: ")
    if compiled_expect is not None and res.get("compiles") != compiled_expect:
        raise Broken(f"{lang['name']}: compiles {res.get('compiles')}, "
                     f"expected {compiled_expect}")
    return dt


def installed(lang):
    argv = lang.get("compile") or lang["run"]
    tools = [argv[0], lang["run"][0]]
    return all(t.startswith("/box/") or os.access(t, os.X_OK) for t in tools)


def wait_prepared(stack, lang):
    """Waits until lang's prepared files are made (True), or gives up."""
    pdir = stack.app_config()["box_root"].rstrip("/") + ".prepared"
    outputs = lang["prepare"]["outputs"]
    deadline = time.monotonic() + PREPARED_TIMEOUT_S
    while time.monotonic() < deadline:
        for key in os.listdir(pdir):
            if all(os.path.isfile(os.path.join(pdir, key, o))
                   for o in outputs):
                return True
        time.sleep(0.2)
    print(f"languages: {lang['name']}: no prepared files after "
          f"{PREPARED_TIMEOUT_S} s", file=sys.stderr)
    return False


def measure(stack, lang, serial, text, prepared):
    """Medians in ms: bare, ours (miss), ours (hit), and the first job's
    time if it ran before lang's prepared files were made (prepared: the
    languages an earlier row made them for), else None."""
    compiles = "compile" in lang

    def src(tag):
        return text.replace("{tag}", tag)
    # Warm the host's page cache with the toolchain, bare and ours alike.
    bare_once(lang, src(f"warm bare {serial}"))
    first = ours_once(stack, lang, src(f"warm ours {serial}"),
                      1 if compiles else None) * 1000
    if "prepare" not in lang or lang["name"] in prepared:
        first = None
    if "prepare" in lang:
        wait_prepared(stack, lang)
        prepared.add(lang["name"])
    # bare and ours in turn, so that a host whose speed drifts (a VM's
    # neighbours) moves both alike
    bare, miss = [], []
    for i in range(N):
        bare.append(bare_once(lang, src(f"bare {serial} {i} "
                                        f"{time.time_ns()}")))
        miss.append(ours_once(stack, lang, src(f"miss {serial} {i} "
                                               f"{time.time_ns()}"),
                              1 if compiles else None))
    same = src(f"hit {serial} {time.time_ns()}")
    ours_once(stack, lang, same, 1 if compiles else None)
    hit = [ours_once(stack, lang, same, 0 if compiles else None)
           for i in range(N)]
    return (*(statistics.median(x) * 1000 for x in (bare, miss, hit)),
            first)


def main():
    with open(os.path.join(ROOT, "contrib", "languages.json")) as f:
        langs = json.load(f)["languages"]
    todo, skipped = [], []
    for lang in langs:
        if lang["name"] in SKIP:
            skipped.append((lang["name"], SKIP[lang["name"]]))
        elif lang["name"] not in HELLO:
            skipped.append((lang["name"], "no hello world in this script"))
        elif not installed(lang):
            skipped.append((lang["name"], "toolchain not installed"))
        else:
            todo.append(lang)
    only = os.environ.get("LANGUAGES_ONLY")
    if only:
        todo = [lang for lang in todo if lang["name"] in only.split(",")]
    # (label, language, hello world); the extra rows before their language's
    rows_todo = []
    for lang in todo:
        rows_todo += [(label, lang, text) for label, name, text in EXTRA
                      if name == lang["name"]]
        rows_todo.append((lang["name"], lang, HELLO[lang["name"]]))

    def measure_all(stack):
        rows, prepared = [], set()
        for i, (label, lang, text) in enumerate(rows_todo):
            rows.append((label, lang, *measure(stack, lang, i, text,
                                               prepared)))
            print(f"languages: {label} done", file=sys.stderr)
        return rows

    if (rows := on_own_stack("bench", measure_all)) is None:
        return 1

    print(f"\nLanguage start-up: hello world, compile (if any) + run, "
          f"median of {N} (LANGUAGES_N); one client")
    print("miss: source differs by a comment each time (the compile runs); "
          "hit: the same source again (compile cache, no compile)")
    print("over: ours (miss) minus bare, the service's fixed cost, which "
          "no ratio can hide for a program that runs in a few ms")
    print("first: the language's first job, before its prepared files "
          "(languages.json \"prepare\") were made; the rest ran with them")
    print(f"{'language':14s} {'bare ms':>9s} {'ours miss':>10s} "
          f"{'ours hit':>9s} {'over ms':>8s} {'miss/bare':>9s} "
          f"{'first ms':>9s}")
    for label, lang, bare, miss, hit, first in rows:
        kind = "" if "compile" in lang else " (no compile)"
        f = f"{first:9.1f}" if first is not None else f"{'':9s}"
        print(f"{label:14s} {bare:9.1f} {miss:10.1f} {hit:9.1f} "
              f"{miss - bare:8.1f} {miss / bare:9.2f} {f}{kind}")
    results.save("languages", [
        {"name": label, "compiles": "compile" in lang, "bare": bare,
         "miss": miss, "hit": hit, "first": first}
        for label, lang, bare, miss, hit, first in rows])
    for name, why in skipped:
        print(f"skipped {name}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
