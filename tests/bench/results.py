"""Where the bench scripts leave their figures for bench.py's summary.

bench.py sets BENCH_JSON_DIR to a fresh directory; each script that finds
it set writes its medians there as <name>.json.  Run alone, the scripts
write nothing."""

import json
import os


def save(name, data):
    """Writes data as BENCH_JSON_DIR/name.json, if bench.py asked."""
    d = os.environ.get("BENCH_JSON_DIR")
    if not d:
        return
    with open(os.path.join(d, name + ".json"), "w") as f:
        json.dump(data, f)


def load(d, name):
    """What script name saved in d, or None (it failed or was not run)."""
    try:
        with open(os.path.join(d, name + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
