"""Prepared files through the real service: after the first C++ job, the
executor makes a precompiled bits/stdc++.h (and after the first Java job,
a class-data archive of javac) in the sandbox, keeps it next to box_root,
and later compiles use it; a run can read it but never change it.

That a compile uses the precompiled header is shown, not timed: the test
swaps in a header precompiled by itself with the prepare command's own
options plus one macro, and a program that prints whether the macro is
defined says so.  With other options (-O0) g++ finds the header unusable
and reads the real one, as a compile on the host would.
"""

import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

from conftest import own_stack
from test_judging import judge, show, status

AC = 3
MADE_TIMEOUT_S = 180	# a busy 2-core host: g++ takes 5 s of CPU for it

MARK_PROGRAM = r"""// %s
#include <bits/stdc++.h>
int main() {
#ifdef CODERUNNER_TEST_PREPARED
    std::cout << "prepared" << std::endl;
#else
    std::cout << "plain" << std::endl;
#endif
}
"""


def prepared_dir(stack):
    return stack.app_config()["box_root"].rstrip("/") + ".prepared"


def language(stack, name):
    with open(stack.app_config()["languages"]) as f:
        table = json.load(f)
    return next(l for l in table["languages"] if l["name"] == name)


def wait_made(stack, output):
    """The dir of the prepared files holding output, once renamed in."""
    deadline = time.monotonic() + MADE_TIMEOUT_S
    while time.monotonic() < deadline:
        found = glob.glob(os.path.join(prepared_dir(stack), "*", output))
        if found:
            return found[0][:-len(output) - 1]
        time.sleep(0.5)
    with open(stack.app_log, errors="replace") as f:
        log = f.read()[-3000:]
    pytest.fail(f"no {output} in {prepared_dir(stack)} after "
                f"{MADE_TIMEOUT_S} s; app log:\n{log}")


def require(tool):
    if not os.access(tool, os.X_OK):
        pytest.skip(f"{tool} is not installed")


def test_cpp_compiles_use_the_precompiled_header(stack):
    require("/usr/bin/g++")
    first = judge(stack, {"language": "cpp",
                          "source_code": MARK_PROGRAM % uuid.uuid4().hex})
    assert status(first) == AC and first["stdout"] == "plain\n", show(first)
    key_dir = wait_made(stack, "bits/stdc++.h.gch")
    gch = os.path.join(key_dir, "bits", "stdc++.h.gch")
    st = os.stat(gch)
    assert st.st_mode & 0o777 == 0o644 and st.st_size > 1 << 20
    assert os.stat(key_dir).st_mode & 0o022 == 0
    assert os.stat(prepared_dir(stack)).st_mode & 0o022 == 0
    assert sorted(os.listdir(key_dir)) == ["bits"], "more than the outputs"

    # the same options as the service's prepare command, one macro more
    prep = language(stack, "cpp")["prepare"]
    work = tempfile.mkdtemp(prefix="coderunner-pch-")
    saved = gch + ".saved"
    try:
        os.makedirs(os.path.join(work, "bits"))
        with open(os.path.join(work, "bits", "stdc++.h"), "w") as f:
            f.write("#include <bits/stdc++.h>\n"
                    "#define CODERUNNER_TEST_PREPARED 1\n")
        subprocess.run(prep["command"], cwd=work, check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.rename(gch, saved)
        shutil.copyfile(os.path.join(work, "bits", "stdc++.h.gch"), gch)
        os.chmod(gch, 0o644)

        used = judge(stack, {"language": "cpp",
                             "source_code": MARK_PROGRAM % uuid.uuid4().hex})
        assert status(used) == AC, show(used)
        assert used["stdout"] == "prepared\n", \
            "the compile did not use the prepared header: " + show(used)
        assert (used["compile_output"] or "") == "", show(used)

        other = judge(stack, {"language": "cpp", "compiler_options": "-O0",
                              "source_code": MARK_PROGRAM % uuid.uuid4().hex})
        assert status(other) == AC and other["stdout"] == "plain\n", \
            show(other)
    finally:
        if os.path.exists(saved):
            os.replace(saved, gch)
        shutil.rmtree(work, ignore_errors=True)


def test_java_compiles_get_a_class_archive(stack):
    require("/usr/bin/javac")
    src = ('public class Main { public static void main(String[] a) '
           '{ System.out.println("hi %s"); } }')
    first = judge(stack, {"language": "java",
                          "source_code": src % uuid.uuid4().hex[:8]})
    assert status(first) == AC, show(first)
    key_dir = wait_made(stack, "javac.jsa")
    assert sorted(os.listdir(key_dir)) == ["javac.jsa"]
    tag = uuid.uuid4().hex[:8]
    again = judge(stack, {"language": "java", "source_code": src % tag})
    assert status(again) == AC and again["stdout"] == "hi %s\n" % tag, \
        show(again)
    assert again["compiles"] == 1
    assert (again["compile_output"] or "") == "", show(again)


WRITER = r"""
import os
for p in ["/prepared/new", "/prepared/%(key)s/new",
          "/prepared/%(key)s/bits/stdc++.h.gch"]:
    try:
        with open(p, "a") as f:
            f.write("x")
        print("wrote", p)
    except OSError as e:
        print("refused", p, e.strerror)
for op in (lambda: os.rename("/prepared/%(key)s", "/prepared/moved"),
           lambda: os.chmod("/prepared/%(key)s", 0o777),
           lambda: os.mkdir("/prepared/%(key)s/bits/more")):
    try:
        op()
        print("changed")
    except OSError as e:
        print("refused", e.strerror)
print(len(open("/prepared/%(key)s/bits/stdc++.h.gch", "rb").read(16)))
"""


def test_a_run_reads_but_never_changes_the_prepared_files(stack):
    require("/usr/bin/g++")
    judge(stack, {"language": "cpp",
                  "source_code": MARK_PROGRAM % uuid.uuid4().hex})
    key_dir = wait_made(stack, "bits/stdc++.h.gch")
    key = os.path.basename(key_dir)
    before = os.stat(os.path.join(key_dir, "bits", "stdc++.h.gch"))
    r = judge(stack, {"language": "python3",
                      "source_code": WRITER % {"key": key}})
    assert status(r) == AC, show(r)
    lines = r["stdout"].splitlines()
    assert lines[-1] == "16", show(r)
    assert len(lines) == 7, show(r)
    assert all(l.startswith("refused") for l in lines[:-1]), show(r)
    after = os.stat(os.path.join(key_dir, "bits", "stdc++.h.gch"))
    assert (after.st_size, after.st_mtime_ns) == \
        (before.st_size, before.st_mtime_ns)
    assert not os.path.exists(os.path.join(prepared_dir(stack), "new"))
    assert not os.path.exists(os.path.join(key_dir, "new"))


def test_an_older_toolchains_files_go_when_new_ones_are_made(stack):
    """Entries are "<language>.<key>": once the files of the toolchain in
    use are made, the language's other keys (an older g++) are removed,
    another language's and unrelated names stay."""
    require("/usr/bin/g++")
    with own_stack("prepared", {}) as st:
        pdir = prepared_dir(st)
        old = "cpp." + "0" * 64
        planted = [old, "cpp-other." + "0" * 64, "java." + "0" * 64,
                   "cpp.short"]
        owner = pwd.getpwnam(st.service_user) if st.service_user else None
        for name in planted:
            os.makedirs(os.path.join(pdir, name, "bits"))
            with open(os.path.join(pdir, name, "bits", "x"), "w") as f:
                f.write("old\n")
            # as the service made them
            for path in (name, name + "/bits", name + "/bits/x"):
                if owner:
                    os.chown(os.path.join(pdir, path), owner.pw_uid,
                             owner.pw_gid)
        r = judge(st, {"language": "cpp",
                       "source_code": MARK_PROGRAM % uuid.uuid4().hex})
        assert status(r) == AC, show(r)
        key_dir = wait_made(st, "bits/stdc++.h.gch")
        assert os.path.basename(key_dir).startswith("cpp.")
        assert sorted(os.listdir(pdir)) == sorted(
            [os.path.basename(key_dir)] + planted[1:])
