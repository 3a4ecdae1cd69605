"""What the bench scripts submit, how they say a run broke, the stack
they run on and the bare runs they compare with."""

import concurrent.futures
import json
import statistics
import subprocess
import sys
import time

from conftest import own_stack

PY = {"language": "python3", "source_code": "print(1)",
      "expected_output": "1"}
C = {"language": "c", "source_code":
     '#include <stdio.h>\nint main(void){ puts("1"); return 0; }\n',
     "expected_output": "1"}


class Broken(Exception):
    """A broken run (an error answer, a wrong verdict): the bench exits
    non-zero, which it never does because a number is slow."""


def accepted(status, text, what=""):
    """The answer to POST /submissions?wait=true, parsed, when it is 201
    with the verdict Accepted; otherwise Broken, saying why (what first:
    a language's name, say)."""
    if status != 201:
        raise Broken(f"{what}{status}: {text[:300]}")
    res = json.loads(text)
    if res["status"]["id"] != 3:
        raise Broken(f"{what}verdict {res['status']} {res.get('message')} "
                     f"{res.get('compile_output') or ''} "
                     f"{res.get('stderr') or ''}".rstrip())
    return res


def bare_runs(argv, n, conc=1):
    """n runs of argv on the host, conc at a time: (median ms, runs/s)."""
    def run(_):
        t0 = time.monotonic()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        return time.monotonic() - t0
    with concurrent.futures.ThreadPoolExecutor(conc) as pool:
        t0 = time.monotonic()
        times = list(pool.map(run, range(n)))
        wall = time.monotonic() - t0
    return statistics.median(times) * 1000, n / wall


def on_own_stack(name, body, broken=(Broken,)):
    """body(stack) on a started stack of its own (conftest.own_stack).
    Returns what body returns, or None once it has said why on stderr:
    the stack did not start, or body raised one of broken (the service's
    logs follow)."""
    try:
        with own_stack(name, {}) as stack:
            try:
                return body(stack)
            except broken as e:
                print(f"{name}: broken run: {e}", file=sys.stderr)
                print(stack.logs(), file=sys.stderr)
                return None
    except RuntimeError as e:           # the stack did not start
        print(f"{name}: broken run: {e}", file=sys.stderr)
        return None
