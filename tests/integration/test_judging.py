"""Judging and languages through the real service: one compile
and many tests, every compare mode, every verdict the API can reach,
multi-file programs, and each language of contrib/languages.json.

Submissions go through nginx like any client's; a 429 from the per-user
rate limit is waited out (Retry-After), as a polite client would.
"""

import concurrent.futures
import json
import time

import pytest

AC, WA, TLE, CE = 3, 4, 5, 6
SIGSEGV, SIGXFSZ, SIGFPE, SIGABRT, NZEC, RE_OTHER = 7, 8, 9, 10, 11, 12
MLE, OLE = 15, 16
FINAL = set(range(3, 17))


def judge(stack, body, timeout=120):
    """POSTs with wait=true until the verdict; retries on 429."""
    deadline = time.monotonic() + timeout
    while True:
        r = stack.submit(body, wait=True, timeout=timeout)
        if r.status_code == 429 and time.monotonic() < deadline:
            time.sleep(float(r.headers.get("Retry-After", "1")))
            continue
        break
    assert r.status_code in (201, 202), f"{r.status_code}: {r.text[:300]}"
    res = r.json()
    while res.get("status", {}).get("id") not in FINAL:
        assert time.monotonic() < deadline, f"no verdict: {res}"
        time.sleep(0.2)
        g = stack.get("/submissions/" + res["token"])
        assert g.status_code == 200, g.text
        res = g.json()
    return res


def status(res):
    return res["status"]["id"]


def show(res):
    keys = ("status", "message", "stdout", "stderr", "compile_output",
            "time", "memory", "exit_code", "exit_signal", "compiles")
    return json.dumps({k: res.get(k) for k in keys})[:1500]


# --- one compile, many tests -------------------------------------------------

CPP_DOUBLE = r"""
#include <iostream>
int main() { long long x; std::cin >> x; std::cout << 2 * x << "\n"; }
"""


def test_ten_tests_one_compile_test_seven_wrong(stack):
    tests = [{"stdin": f"{i}\n", "expected_output": f"{2 * i}\n"}
             for i in range(1, 11)]
    tests[6]["expected_output"] = "999\n"          # test 7 is wrong
    # wall 2 s: the compile's 30 s + 10 x 2 s fit the time budget (60 s)
    res = judge(stack, {"language": "cpp", "source_code": CPP_DOUBLE,
                        "tests": tests, "wall_time_limit": 2})
    assert status(res) == WA, show(res)
    got = [t["status"]["id"] for t in res["tests"]]
    assert got[:6] == [AC] * 6, got
    assert got[6] == WA, got
    assert got[7:] == [AC] * 3, "tests 8-10 are judged too"
    assert res["compiles"] == 1, "one compile for ten tests"
    assert res["tests"][6]["stdout"] == "14\n"


def test_stop_on_failure_skips_the_rest(stack):
    tests = [{"stdin": "1\n", "expected_output": "2\n"},
             {"stdin": "2\n", "expected_output": "5\n"},
             {"stdin": "3\n", "expected_output": "6\n"}]
    res = judge(stack, {"language": "cpp", "source_code": CPP_DOUBLE,
                        "tests": tests, "stop_on_failure": True})
    assert status(res) == WA, show(res)
    assert res["tests"][0]["status"]["id"] == AC
    assert res["tests"][1]["status"]["id"] == WA
    assert res["tests"][2]["status"] is None
    assert res["tests"][2].get("skipped") is True


def test_runtime_error_wins_over_wrong_answer(stack):
    src = "print('wrong')\nraise SystemExit(3)\n"
    res = judge(stack, {"language": "python3", "source_code": src,
                        "expected_output": "right\n"})
    assert status(res) == NZEC, show(res)
    assert res["exit_code"] == 3
    assert "exit code 3" in res["message"]


def test_number_of_runs_averages(stack):
    res = judge(stack, {"language": "python3", "source_code": "print(7)",
                        "expected_output": "7", "number_of_runs": 3})
    assert status(res) == AC, show(res)
    assert float(res["time"]) >= 0


# --- compare modes -----------------------------------------------------------

@pytest.mark.parametrize("mode,out,expected,want", [
    ("trim", "1 2  \\r\\n\\n", "1 2\n", AC),
    ("exact", "1 2\\n", "1 2", WA),
    ("exact", "1 2", "1 2", AC),
    ("tokens", "1\\n2", "1 2", AC),
    ("tokens", "1.0 2", "1 2", WA),
    ("float", "0.3333333 1e-7", "0.333333333 0", AC),
    ("float", "0.34", "0.33", WA),
])
def test_compare_modes(stack, mode, out, expected, want):
    src = f'import sys\nsys.stdout.write("{out}")\n'
    res = judge(stack, {"language": "python3", "source_code": src,
                        "expected_output": expected, "compare": mode})
    assert status(res) == want, show(res)


# --- every verdict -----------------------------------------------------------

C_PROGRAMS = {
    SIGSEGV: "int main(void){ volatile int *p = 0; return *p; }",
    SIGFPE: "int main(int c, char **v){ volatile int z = c - 1;"
            " volatile int n = 7; (void)v; return n / z; }",
    SIGABRT: "#include <stdlib.h>\nint main(void){ abort(); }",
    NZEC: "int main(void){ return 7; }",
    TLE: "int main(void){ for(;;); }",
    MLE: "#include <stdlib.h>\n#include <string.h>\n"
         "int main(void){ for(;;){ char *p = malloc(1<<20);"
         " if (!p) return 1; memset(p, 1, 1<<20);} }",
    OLE: "#include <stdio.h>\nint main(void){ for(;;) putchar('a'); }",
    SIGXFSZ: "#include <stdio.h>\nint main(void){ FILE *f = fopen(\"big\","
             " \"w\"); for(;;) fputc('x', f); }",
    RE_OTHER: "#include <signal.h>\n#include <unistd.h>\n"
              "int main(void){ kill(getpid(), SIGUSR1); pause(); }",
}


# The time limits of each case: the TLE case is about CPU time (1 s, and
# room in wall time so that it ends on its CPU limit however busy the host
# is); every other case is about something else and gets ample time, so
# that a busy host cannot turn it into a TLE (filling 128 MB can take most
# of a second of CPU on a VM with slow page faults).
TIME_LIMITS = {TLE: {"cpu_time_limit": 1, "wall_time_limit": 10}}
AMPLE_TIME = {"cpu_time_limit": 10, "wall_time_limit": 20}


@pytest.mark.parametrize("want", sorted(C_PROGRAMS))
def test_every_runtime_verdict(stack, want):
    res = judge(stack, dict({"language": "c",
                             "source_code": C_PROGRAMS[want],
                             "memory_limit": 128000, "max_file_size": 256},
                            **TIME_LIMITS.get(want, AMPLE_TIME)))
    # status is Judge0's (12 for our MLE, 8 for our OLE: statuses 15
    # and 16 are off on the Judge0 routes by default); verdict is ours
    judge0 = {MLE: RE_OTHER, OLE: SIGXFSZ}.get(want, want)
    assert status(res) == judge0, show(res)
    assert res["message"], "every failure names its cause"
    r = stack.get(f"/submissions/{res['token']}?fields=verdict")
    assert r.json()["verdict"]["id"] == want, show(res)


def test_compile_error_has_output(stack):
    res = judge(stack, {"language": "c", "source_code": "int main( {"})
    assert status(res) == CE, show(res)
    assert "error" in res["compile_output"]
    assert res["compiles"] == 1


def test_queued_and_processing_are_visible(stack):
    r = stack.submit({"language": "python3",
                      "source_code": "import time; time.sleep(1)"},
                     wait=False)
    assert r.status_code == 201, r.text
    g = stack.get("/submissions/" + r.json()["token"]).json()
    assert status(g) in (1, 2, AC), g


# --- options -----------------------------------------------------------------

def test_command_line_arguments_are_argv_not_shell(stack):
    src = "import sys\nprint(sys.argv[1:])\n"
    res = judge(stack, {"language": "python3", "source_code": src,
                        "command_line_arguments": "a 'b c' $(id) ;ls"})
    assert status(res) == AC, show(res)
    assert res["stdout"] == "['a', \"'b\", \"c'\", '$(id)', ';ls']\n"


def test_compiler_options_allowed_and_refused(stack):
    src = "#include <stdio.h>\nint main(void){ printf(\"%d\\n\", X); }"
    res = judge(stack, {"language": "c", "source_code": src,
                        "compiler_options": "-DX=42 -O0"})
    assert status(res) == AC, show(res)
    assert res["stdout"] == "42\n"
    r = stack.submit({"language": "c", "source_code": src,
                      "compiler_options": "-DX=1 -fplugin=/tmp/evil.so "
                                          "-o /etc/passwd"})
    assert r.status_code in (201, 422), r.text
    if r.status_code == 201:
        pytest.fail("a compiler option off the allow-list was accepted")
    assert r.json()["field"] == "compiler_options"


# --- multi-file programs -----------------------------------------------------

def test_multi_file_c(stack):
    files = [
        {"name": "util.h", "content": "int twice(int);\n"},
        {"name": "util.c", "content": "int twice(int x){ return 2*x; }\n"},
    ]
    src = ('#include <stdio.h>\n#include "util.h"\n'
           'int main(void){ printf("%d\\n", twice(21)); }\n')
    res = judge(stack, {"language": "c", "source_code": src,
                        "files": files})
    assert status(res) == AC, show(res)
    assert res["stdout"] == "42\n"


def test_multi_file_python_with_base64(stack):
    import base64
    files = [{"name": "helper.py", "encoding": "base64",
              "content": base64.b64encode(b"VALUE = 6 * 7\n").decode()}]
    res = judge(stack, {"language": "python3", "files": files,
                        "source_code": "import helper\nprint(helper.VALUE)"})
    assert status(res) == AC, show(res)
    assert res["stdout"] == "42\n"


@pytest.mark.parametrize("name", ["../x.py", "/etc/x", "a/b.py", ".hidden",
                                  "", "x" * 65, "main.py"])
def test_refused_file_names(stack, name):
    r = stack.submit({"language": "python3", "source_code": "print(1)",
                      "files": [{"name": name, "content": "x"}]})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "files"


# --- Java ---------------------------------------------------------------------

JAVA_THREADS = """
public class Main {
    public static void main(String[] args) throws Exception {
        Thread[] t = new Thread[20];
        final long[] sum = new long[20];
        for (int i = 0; i < 20; i++) {
            final int k = i;
            t[i] = new Thread(() -> { for (int j = 0; j < 100000; j++)
                sum[k] += j; });
            t[i].start();
        }
        long total = 0;
        for (int i = 0; i < 20; i++) { t[i].join(); total += sum[i]; }
        System.out.println(total);
    }
}
"""


def test_java_twenty_threads_in_256mb(stack):
    res = judge(stack, dict({"language": "java", "source_code": JAVA_THREADS,
                             "memory_limit": 256000}, **AMPLE_TIME))
    assert status(res) == AC, show(res)
    assert res["stdout"] == f"{20 * sum(range(100000))}\n"
    assert res["memory"] <= 256000 + 16384, "memory is RSS, not address space"


# --- every language ------------------------------------------------------------

# name -> (hello world, stdin echo, compile error or None, runtime error)
LANGS = {
    "c": ('#include <stdio.h>\nint main(void){ puts("hello"); }',
          '#include <stdio.h>\nint main(void){ char b[64];'
          ' if (fgets(b, 64, stdin)) fputs(b, stdout); }',
          "int main(void) { return x; }",
          "int main(void){ return 3; }"),
    "cpp": ('#include <iostream>\nint main(){ std::cout << "hello\\n"; }',
            '#include <iostream>\n#include <string>\nint main(){'
            ' std::string s; std::getline(std::cin, s);'
            ' std::cout << s << "\\n"; }',
            "int main() { undeclared(); }",
            "int main(){ return 3; }"),
    "python3": ('print("hello")', "print(input())", None,
                "raise SystemExit(3)"),
    "pypy3": ('print("hello")', "print(input())", None,
              "raise SystemExit(3)"),
    "javascript": ('console.log("hello")',
                   'process.stdout.write(require("fs")'
                   '.readFileSync(0, "utf8"))',
                   None, "process.exit(3)"),
    "typescript": ('const s: string = "hello";\nconsole.log(s);',
                   'declare var require: any;\nconst fs = require("fs");\n'
                   'process.stdout.write(fs.readFileSync(0, "utf8"));',
                   'const x: number = "not a number";',
                   "process.exit(3);"),
    "java": ('public class Main { public static void main(String[] a) {'
             ' System.out.println("hello"); } }',
             'import java.util.Scanner;\npublic class Main {'
             ' public static void main(String[] a) {'
             ' System.out.println(new Scanner(System.in).nextLine()); } }',
             "public class Main { void f() { int x = \"s\"; } }",
             'public class Main { public static void main(String[] a) {'
             ' System.exit(3); } }'),
    "go": ('package main\nimport "fmt"\nfunc main(){ fmt.Println("hello") }',
           'package main\nimport ("bufio"; "fmt"; "os")\nfunc main(){'
           ' s := bufio.NewScanner(os.Stdin); s.Scan();'
           ' fmt.Println(s.Text()) }',
           "package main\nfunc main(){ x := 1 }",
           'package main\nimport "os"\nfunc main(){ os.Exit(3) }'),
    "rust": ('fn main(){ println!("hello"); }',
             'use std::io::Read;\nfn main(){ let mut s = String::new();'
             ' std::io::stdin().read_to_string(&mut s).unwrap();'
             ' print!("{}", s); }',
             "fn main(){ let x: i32 = \"s\"; }",
             "fn main(){ std::process::exit(3); }"),
    "bash": ('echo hello', 'read -r line; echo "$line"', None, "exit 3"),
    "ruby": ('puts "hello"', "puts gets", None, "exit 3"),
    "php": ('<?php echo "hello\\n";', '<?php echo fgets(STDIN);', None,
            "<?php exit(3);"),
    "lua": ('print("hello")', "print(io.read())", None, "os.exit(3)"),
}


def available_languages(stack):
    r = stack.get("/languages")
    assert r.status_code == 200
    names = {}
    for entry in r.json():
        d = stack.get(f"/languages/{entry['id']}").json()
        names[d.get("short_name")] = entry["id"]
    return names


def run_language(stack, name):
    hello, echo, bad, crash = LANGS[name]
    # about the languages, not time: ample time (JVM and node start-ups
    # cost seconds of CPU on a busy host)
    limits = dict(AMPLE_TIME, memory_limit=512000)
    out = {}
    t0 = time.monotonic()
    res = judge(stack, dict(language=name, source_code=hello,
                            expected_output="hello\n", **limits))
    out["hello"] = (res, time.monotonic() - t0)
    out["echo"] = (judge(stack, dict(language=name, source_code=echo,
                                     stdin="echo me\n",
                                     expected_output="echo me\n",
                                     **limits)), 0)
    if bad is not None:
        out["bad"] = (judge(stack, dict(language=name, source_code=bad,
                                        **limits)), 0)
    out["crash"] = (judge(stack, dict(language=name, source_code=crash,
                                      **limits)), 0)
    return out


def test_every_language(stack, capsys):
    names = available_languages(stack)
    missing = sorted(set(LANGS) - set(names))
    assert not missing, f"languages not enabled: {missing} (make test " \
                        "installs their packages)"
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        runs = dict(zip(LANGS, pool.map(lambda n: run_language(stack, n),
                                        LANGS)))
    failures = []
    report = []
    for name, out in runs.items():
        res, secs = out["hello"]
        report.append(f"{name:12s} hello {status(res):2d} "
                      f"{secs * 1000:6.0f} ms end to end")
        if status(res) != AC:
            failures.append(f"{name} hello: {show(res)}")
        res = out["echo"][0]
        if status(res) != AC:
            failures.append(f"{name} echo: {show(res)}")
        if "bad" in out and status(out["bad"][0]) != CE:
            failures.append(f"{name} compile error: {show(out['bad'][0])}")
        res = out["crash"][0]
        if status(res) != NZEC or res["exit_code"] != 3:
            failures.append(f"{name} runtime error: {show(res)}")
    with capsys.disabled():
        print("\n" + "\n".join(report))
    assert not failures, "\n".join(failures)


def test_html_and_css_return_their_content(stack):
    page = "<!doctype html><p>hi & bye</p>\n"
    res = judge(stack, {"language": "html", "source_code": page})
    assert status(res) == AC, show(res)
    assert res["stdout"] == page
    res = judge(stack, {"language": "css", "source_code": "p{color:red}"})
    assert status(res) == AC and res["stdout"] == "p{color:red}"


def test_running_job_reports_its_test(stack):
    tests = [{"stdin": "", "expected_output": "ok"} for _ in range(4)]
    r = stack.submit({"language": "python3", "tests": tests,
                      "source_code": "import time\ntime.sleep(0.4)\n"
                                     "print('ok')"}, wait=False)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    seen = set()
    pages = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        g = stack.get("/submissions/" + token).json()
        if g["status"]["id"] == 2 and g.get("progress"):
            assert g["progress"]["tests"] == 4
            seen.add(g["progress"]["test"])
            if len(pages) < 1 and g["progress"]["test"] >= 2:
                h = stack.get("/submissions/" + token,
                              headers=dict(stack.auth_headers,
                                           Accept="text/html"))
                pages.append(h.text)
        if g["status"]["id"] in FINAL:
            break
        time.sleep(0.05)
    assert g["status"]["id"] == AC, show(g)
    assert g["progress"] is None, "no progress once final"
    assert len(seen) >= 2 and seen <= {1, 2, 3, 4}, seen
    if pages:
        assert "Running test " in pages[0] and " of 4." in pages[0]
