"""Runs a command (the CLI) with a delegated cgroup v2 dir at
/sys/fs/cgroup/<name>, in a mount namespace of its own: run it as root
under `unshare --mount --propagation private`.  Used by
test_cgroup_v2.py.

    cgroup2_host.py [--fake] [--leaf] REAL NAME -- COMMAND...

REAL is a cgroup v2 dir the caller made (and chowned for an
unprivileged CLI).  With --fake (a hybrid host, whose cgroup2 mount at
/sys/fs/cgroup/unified has no controllers), /sys/fs/cgroup is covered
with a tmpfs that holds a cgroup.controllers file and REAL bound at NAME,
with a file saying "memory pids" bound over its cgroup.subtree_control:
the sandbox's v2 detection takes it, and its runs are made in REAL's real
cgroup2 children, with no memory or pids controller to write limits to.
Without --fake, REAL must be /sys/fs/cgroup/NAME.  With --leaf, this
process (and so the command) first moves into REAL/service, as
contrib/run.sh puts the service, so that an unprivileged CLI and its
runs' cgroups have REAL as their common ancestor.
"""

import os
import subprocess
import sys
import tempfile


def mount(*args):
    subprocess.run(["mount"] + list(args), check=True)


def main(argv):
    fake = leaf = False
    while argv and argv[0].startswith("--") and argv[0] != "--":
        opt = argv.pop(0)
        if opt == "--fake":
            fake = True
        elif opt == "--leaf":
            leaf = True
        else:
            sys.exit("cgroup2_host: unknown option " + opt)
    if len(argv) < 4 or argv[2] != "--":
        sys.exit(__doc__)
    real, name, cmd = argv[0], argv[1], argv[3:]
    cg = "/sys/fs/cgroup"
    if fake:
        stage = tempfile.mkdtemp(prefix="cr-cg2-")
        os.mkdir(os.path.join(stage, "real"))
        mount("--bind", real, os.path.join(stage, "real"))
        subtree = os.path.join(stage, "subtree_control")
        with open(subtree, "w") as f:
            f.write("memory pids\n")
        mount("-t", "tmpfs", "-o", "mode=0755", "cr-cg2", cg)
        with open(os.path.join(cg, "cgroup.controllers"), "w") as f:
            f.write("memory pids cpu\n")
        os.mkdir(os.path.join(cg, name))
        mount("--bind", os.path.join(stage, "real"), os.path.join(cg, name))
        mount("--bind", subtree,
              os.path.join(cg, name, "cgroup.subtree_control"))
    elif os.path.realpath(real) != os.path.join(cg, name):
        sys.exit("cgroup2_host: without --fake, REAL is %s/NAME" % cg)
    if leaf:
        with open(os.path.join(cg, name, "service", "cgroup.procs"),
                  "w") as f:
            f.write("%d\n" % os.getpid())
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
