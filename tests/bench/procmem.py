"""What the program's processes hold in memory, from /proc (as root, or
as the service's user): their roles, from the process tree, and their
sizes (smaps_rollup, smaps).  Shared by tests/bench/footprint.py and
tests/integration/test_footprint.py."""

import os

PROG = "coderunner.fcgi"
ARENA = 64 << 20        # glibc: a thread's malloc arena reserves this


def comm(pid):
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def children(pid):
    """Direct children of pid, from every thread's children list."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return sorted(set(out))


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def fd0(pid):
    try:
        return os.readlink(f"/proc/{pid}/fd/0")
    except OSError:
        return ""


def rollup(pid):
    """{Pss, Rss, Private} in kB from /proc/pid/smaps_rollup."""
    v = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            k, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                v[k] = int(rest.split()[0])
    return {"pss": v["Pss"], "rss": v["Rss"],
            "priv": v["Private_Clean"] + v["Private_Dirty"]}


def processes(master):
    """[(role, pid)] of the program's processes, master first."""
    if comm(master) != PROG:
        raise ValueError(f"pid {master} is {comm(master)}, not {PROG}")
    procs = [("master", master)]
    workers, execs, other = [], [], []
    for pid in children(master):
        if comm(pid) != PROG:
            other.append(pid)
        elif fd0(pid).startswith("socket:"):
            workers.append(pid)
        elif fd0(pid) == "/dev/null" and threads(pid) == 1:
            execs.append(pid)
        else:
            other.append(pid)
        # what an executor's sandbox leaves running between jobs
        other += [p for p in children(pid)]
    procs += [(f"http worker {i}", p) for i, p in enumerate(workers)]
    procs += [(f"executor {i}", p) for i, p in enumerate(execs)]
    procs += [(f"other ({comm(p)})", p) for p in other]
    return procs


def mappings(pid):
    """[(start, end, perms, path, {field: kB})] from /proc/pid/smaps."""
    out = []
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 5)
            if "-" in head[0] and not head[0].endswith(":"):
                a, b = (int(x, 16) for x in head[0].split("-"))
                path = head[5].strip() if len(head) > 5 else ""
                out.append((a, b, head[1], path, {}))
            elif line.rstrip().endswith("kB"):
                k, _, rest = line.partition(":")
                out[-1][4][k] = int(rest.split()[0])
    return out


def arenas(pid):
    """The malloc arenas (beyond the main one) of pid: anonymous
    mappings that start on an ARENA boundary and, with the reserved
    (---p) rest after them, span ARENA."""
    maps = mappings(pid)
    n = 0
    for i, (a, b, perms, path, _) in enumerate(maps):
        if path or perms.startswith("---") or a % ARENA:
            continue
        nxt = maps[i + 1] if i + 1 < len(maps) else None
        if b - a == ARENA or (nxt is not None and nxt[0] == b and
                              nxt[2].startswith("---") and
                              nxt[1] - a == ARENA):
            n += 1
    return n
