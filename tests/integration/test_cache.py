"""The compile cache through the real service: a resubmission of the same
compile is not compiled again (`compiles` 0) and runs the same program; a
change of source or options compiles anew; a failed compile is never
kept; batch items with one source share one compile.

Every source carries a fresh comment, so entries of other tests and runs
never answer for these.
"""

import uuid

from test_judging import judge, status

AC, CE = 3, 6


def c_source(body, stamp):
    return "/* %s */\n#include <stdio.h>\n%s\n" % (stamp, body)


def test_resubmission_skips_the_compile(stack):
    stamp = uuid.uuid4().hex
    body = {"language": "c", "source_code": c_source(
        "int main(void){int unused; char s[8]; if (scanf(\"%7s\", s) != 1)"
        " return 1; printf(\"got %s\\n\", s); return 0;}", stamp),
        "compiler_options": "-Wall", "stdin": "abc"}
    first = judge(stack, body)
    assert status(first) == AC, first
    assert first["compiles"] == 1
    assert "unused" in (first["compile_output"] or ""), first
    again = judge(stack, dict(body, stdin="xyz"))
    assert status(again) == AC, again
    assert again["compiles"] == 0, "the same compile ran again"
    assert again["stdout"] == "got xyz\n"
    # the compiler's warnings come with the cached program
    assert again["compile_output"] == first["compile_output"]


def test_other_options_or_source_compile_anew(stack):
    stamp = uuid.uuid4().hex
    src = c_source("int main(void){puts(\"one\");return 0;}", stamp)
    a = judge(stack, {"language": "c", "source_code": src})
    assert a["compiles"] == 1
    b = judge(stack, {"language": "c", "source_code": src,
                      "compiler_options": "-O0"})
    assert b["compiles"] == 1, "other options used a cached compile"
    c = judge(stack, {"language": "c", "source_code": src.replace(
        "one", "two")})
    assert c["compiles"] == 1 and c["stdout"] == "two\n"


def test_a_failed_compile_is_not_kept(stack):
    bad = {"language": "c", "source_code": c_source(
        "int main(void){ return nope; }", uuid.uuid4().hex)}
    for _ in range(2):
        r = judge(stack, bad)
        assert status(r) == CE, r
        assert r["compiles"] == 1


def test_batch_items_share_one_compile(stack):
    src = c_source("int main(void){int x; if (scanf(\"%d\", &x) != 1) "
                   "return 1; printf(\"%d\\n\", 2 * x); return 0;}",
                   uuid.uuid4().hex)
    # one compile first, then a batch of the same source
    first = judge(stack, {"language": "c", "source_code": src,
                          "stdin": "1"})
    assert first["compiles"] == 1
    items = [{"language": "c", "source_code": src, "stdin": str(i)}
             for i in range(4)]
    r = stack.post("/submissions/batch", json={"submissions": items})
    assert r.status_code == 201, r.text
    tokens = [x["token"] for x in r.json()]
    for i, t in enumerate(tokens):
        res = judge_token(stack, t)
        assert status(res) == AC and res["stdout"] == "%d\n" % (2 * i), res
        assert res["compiles"] == 0, "batch item %d compiled again" % i


def judge_token(stack, token, timeout=60):
    import time
    deadline = time.monotonic() + timeout
    while True:
        r = stack.get("/submissions/" + token +
                      "?fields=status,stdout,compiles")
        assert r.status_code == 200, r.text
        res = r.json()
        if res["status"]["id"] >= 3:
            return res
        assert time.monotonic() < deadline, res
        time.sleep(0.2)
