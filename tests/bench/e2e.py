#!/usr/bin/python3
"""End-to-end benchmark (DESIGN section 10): POST -> verdict through nginx,
spawn-fcgi and the sandbox, at concurrency 1 and 2 x cores, and the
throughput of print(1) submissions against bare python3 on the same cores.

Starts its own stack (tests/conftest.py's Stack) on a free loopback port
with the rate limit raised, so that the limit is not what is measured.
Prints a table of medians and ratios; exits non-zero only on a broken run
(an error answer or a wrong verdict), never because a number is slow.
"""

import concurrent.futures
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))          # tests/, for conftest

os.environ.setdefault("CODERUNNER_RATE", "10000r/s")
os.environ.setdefault("CODERUNNER_BURST", "10000")

import results  # noqa: E402
from submissions import (C, PY, accepted, bare_runs,  # noqa: E402
                         on_own_stack)

CORES = os.cpu_count() or 1
def one(stack, body):
    t0 = time.monotonic()
    r = stack.post("/submissions?wait=true", json=body, timeout=120)
    dt = time.monotonic() - t0
    accepted(r.status_code, r.text)
    return dt


def latency(stack, body, n, conc):
    with concurrent.futures.ThreadPoolExecutor(conc) as pool:
        t0 = time.monotonic()
        times = list(pool.map(lambda _: one(stack, body), range(n)))
        wall = time.monotonic() - t0
    times.sort()
    return (statistics.median(times) * 1000,
            times[int(len(times) * 0.9) - 1] * 1000, n / wall)


BARE_PY = ["/usr/bin/python3", "-c", "print(1)"]


def measure(stack):
    """Bare python3, then the service: ((bare ms, bare rate), rows).

    Each row is set against bare python3 run the same way: the latency at
    one client against one bare run at a time (runs that share the cores
    take longer, which would flatter the service), the rate against as
    many bare runs at a time as there are cores, which keeps the cores
    busy as the service's clients do."""
    rows = []
    one(stack, PY)                                   # warm up
    one(stack, C)
    bare_ms, _ = bare_runs(BARE_PY, 40)
    _, bare_rate = bare_runs(BARE_PY, 100, CORES)
    for conc in (1, 2 * CORES):
        n = 40 if conc == 1 else 100
        med, p90, rate = latency(stack, PY, n, conc)
        rows.append((f"python print(1), concurrency {conc}", med, p90,
                     rate, med / bare_ms if conc == 1 else None,
                     rate / bare_rate if conc > 1 else None))
    med, p90, rate = latency(stack, C, 20, 1)
    rows.append(("C hello (compile + run), concurrency 1", med, p90, rate,
                 None, None))
    return (bare_ms, bare_rate), rows


def main():
    out = on_own_stack("bench", measure)
    if out is None:
        return 1
    (bare_ms, bare_rate), rows = out

    print(f"\nEnd to end through nginx ({CORES} cores; bare python3 -c "
          f"'print(1)': median {bare_ms:.1f} ms one at a time, "
          f"{bare_rate:.0f}/s at {CORES} at a time)")
    print(f"{'case':42s} {'median ms':>10s} {'p90 ms':>8s} {'per s':>7s} "
          f"{'x bare':>7s} {'rate/bare':>9s}")
    for name, med, p90, rate, r_lat, r_rate in rows:
        print(f"{name:42s} {med:10.1f} {p90:8.1f} {rate:7.1f} "
              f"{(f'{r_lat:.2f}' if r_lat else '-'):>7s} "
              f"{(f'{r_rate:.2f}' if r_rate else '-'):>9s}")
    results.save("e2e", {"bare_ms": bare_ms, "bare_rate": bare_rate,
                         "py1_ms": rows[0][1], "py_rate": rows[1][3],
                         "clients": 2 * CORES, "c_ms": rows[2][1]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
