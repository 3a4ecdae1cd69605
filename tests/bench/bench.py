#!/usr/bin/python3
"""`make bench`: the sandbox's own overhead (sandbox_overhead.py: bare
fork+exec vs bubblewrap vs coderunner, same run) and the end-to-end
numbers through nginx (e2e.py), and the idle footprint of the program's
processes (footprint.py).  Tables of medians and ratios; a non-zero
exit means a broken run, never a slow one."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
rc = 0
for script in ("sandbox_overhead.py", "e2e.py", "footprint.py"):
    path = os.path.join(HERE, script)
    if not os.path.exists(path):
        print(f"bench: {script} missing", file=sys.stderr)
        rc = 1
        continue
    print(f"==> {script}", flush=True)
    rc |= subprocess.run([sys.executable, path]).returncode
sys.exit(1 if rc else 0)
