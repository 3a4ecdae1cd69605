"""Judge0's additional_files and language 89 "Multi-file program" through
real nginx, as Judge0 v1.13.1 does them (app/jobs/isolate_job.rb):

- additional_files is a base64 zip unpacked into the box beside the
  source before the compile ("unzip -n": the source file wins over an
  entry of the same name); the language's own command compiles and runs;
- language 89 has no source_code and needs additional_files; the box
  runs "bash compile" (if the archive has a file "compile"; its output is
  compile_output, a failure Compilation Error) and then "bash run", with
  the submission's stdin and limits.

Hostile archives are a 422 naming additional_files and the problem; the
finer cases are tests/unit/test_zip.c.  The zips are made here with
Python's zipfile.
"""

import base64
import io
import stat
import zipfile

PY, C, PROJECT = 71, 50, 89


def b64zip(entries, symlinks=()):
    """entries: {name: bytes or str}; a name ending in / is a directory;
    symlinks: {name: target}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            if name.endswith("/"):
                z.writestr(zipfile.ZipInfo(name), b"")
                continue
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
        for name, target in dict(symlinks).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return base64.b64encode(buf.getvalue()).decode()


def post(stack, body, query="wait=true"):
    return stack.post("/submissions?" + query, json=body,
                      headers={"X-Auth-Token": stack.api_key})


def test_additional_files_are_beside_the_source(stack):
    zf = b64zip({"data/input.txt": "from the zip\n",
                 "helper.py": "def twice(x):\n    return 2 * x\n",
                 "main.py": "print('the zip must not replace the source')"})
    r = post(stack, {
        "language_id": PY,
        "source_code": "import helper\n"
                       "print(open('data/input.txt').read(), end='')\n"
                       "print(helper.twice(21))\n",
        "additional_files": zf})
    assert r.status_code == 201, r.text
    j = r.json()
    assert j["status"]["id"] == 3, j
    assert j["stdout"] == "from the zip\n42\n"


def test_additional_files_with_a_compiled_language(stack):
    """Only the language's command compiles (gcc ... main.c), as in
    Judge0: a .c file in the archive is there to be #included."""
    zf = b64zip({"lib/sum.h": "int sum(int a, int b);\n",
                 "lib/sum.c": "int sum(int a, int b) { return a + b; }\n"})
    r = post(stack, {
        "language_id": C,
        "source_code": '#include <stdio.h>\n#include "lib/sum.h"\n'
                       '#include "lib/sum.c"\n'
                       'int main(void){printf("%d\\n", sum(40, 2));}\n',
        "additional_files": zf})
    assert r.status_code == 201, r.text
    assert r.json()["status"]["id"] == 3, r.json()
    assert r.json()["stdout"] == "42\n"


def test_multi_file_program_compile_and_run(stack):
    zf = b64zip({
        "compile": "gcc -O2 -o prog src/main.c src/lib.c\n",
        "run": "./prog \"$@\"\n",
        "src/main.c": '#include <stdio.h>\nint twice(int);\n'
                      'int main(void){int x; scanf("%d", &x);'
                      'printf("%d\\n", twice(x)); return 0;}\n',
        "src/lib.c": "int twice(int x) { return 2 * x; }\n"})
    r = post(stack, {"language_id": PROJECT, "additional_files": zf,
                     "stdin": "21", "expected_output": "42"})
    assert r.status_code == 201, r.text
    j = r.json()
    assert j["status"]["id"] == 3, j
    assert j["stdout"] == "42\n"


def test_multi_file_program_without_compile_script(stack):
    zf = b64zip({"run": "python3 app/main.py\n",
                 "app/main.py": "print(input()[::-1])\n"})
    r = post(stack, {"language_id": PROJECT, "additional_files": zf,
                     "stdin": "abc"})
    assert r.status_code == 201, r.text
    j = r.json()
    assert j["status"]["id"] == 3, j
    assert j["stdout"] == "cba\n"
    assert j["compile_output"] is None


def test_multi_file_program_compile_error(stack):
    zf = b64zip({"compile": "echo 'broken build' >&2\nexit 2\n",
                 "run": "echo never\n"})
    r = post(stack, {"language_id": PROJECT, "additional_files": zf})
    assert r.status_code == 201, r.text
    j = r.json()
    assert j["status"]["id"] == 6, j
    assert "broken build" in j["compile_output"]
    assert j["stdout"] is None


def test_multi_file_program_without_run_script_fails(stack):
    """Judge0 runs "bash run" whatever the archive holds: no script is a
    runtime error, not a crash of the service."""
    r = post(stack, {"language_id": PROJECT,
                     "additional_files": b64zip({"readme.txt": "hi"})})
    assert r.status_code == 201, r.text
    assert r.json()["status"]["id"] == 11, r.json()


def test_multi_file_program_needs_archive_and_no_source(stack):
    r = post(stack, {"language_id": PROJECT})
    assert r.status_code == 422, r.text
    assert r.json()["additional_files"] == ["can't be blank"]
    r = post(stack, {"language_id": PROJECT, "source_code": "echo hi",
                     "additional_files": b64zip({"run": "echo hi\n"})})
    assert r.status_code == 422, r.text
    assert r.json()["source_code"] == ["must be blank"]


def test_additional_files_hostile_archives_are_422(stack):
    cases = {
        "escape": (b64zip({"../evil.py": "x"}), '".."'),
        "absolute": (b64zip({"/etc/evil": "x"}), "absolute"),
        "symlink": (b64zip({"ok.txt": "x"},
                           symlinks={"link": "/etc/passwd"}),
                    "symbolic link"),
        "not a zip": (base64.b64encode(b"plain text").decode(),
                      "not a readable zip"),
        "bomb": (b64zip({"zeros": b"\0" * (4 << 20)}), "zip bomb"),
    }
    for what, (zf, want) in cases.items():
        r = post(stack, {"language_id": PY, "source_code": "print(1)",
                         "additional_files": zf})
        assert r.status_code == 422, f"{what}: {r.status_code} {r.text}"
        j = r.json()
        assert j["field"] == "additional_files", (what, j)
        assert want in j["additional_files"][0], (what, j)
    r = post(stack, {"language_id": PY, "source_code": "print(1)",
                     "additional_files": "!!not base64!!"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "additional_files"


def test_additional_files_base64_with_line_breaks(stack):
    """Judge0 decodes leniently (Ruby's decode64); Python's
    base64.encodebytes puts a newline every 76 characters."""
    raw = base64.b64decode(b64zip({"n.txt": "7" * 200}))
    zf = base64.encodebytes(raw).decode()
    assert "\n" in zf
    r = post(stack, {"language_id": PY, "additional_files": zf,
                     "source_code": "print(len(open('n.txt').read()))"})
    assert r.status_code == 201, r.text
    assert r.json()["stdout"] == "200\n"


def test_additional_files_field_gives_the_archive_back(stack):
    """Judge0's serializer: additional_files in base64, whatever
    base64_encoded says."""
    zf = b64zip({"x.txt": "x"})
    r = post(stack, {"language_id": PY, "source_code": "print(1)",
                     "additional_files": zf}, query="wait=true")
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    r = stack.get(f"/submissions/{token}?fields=additional_files,token",
                  headers={"X-Auth-Token": stack.api_key})
    assert r.status_code == 200, r.text
    assert base64.b64decode(r.json()["additional_files"]) == \
        base64.b64decode(zf)
    r = post(stack, {"language_id": PY, "source_code": "print(1)"})
    token = r.json()["token"]
    r = stack.get(f"/submissions/{token}?fields=additional_files",
                  headers={"X-Auth-Token": stack.api_key})
    assert r.json()["additional_files"] is None


def test_sqlite_database_from_additional_files(stack):
    """Judge0's SQL (SQLite) runs script.sql on db.sqlite, which comes in
    additional_files (what the Judge0 IDE sends for it)."""
    import os
    import sqlite3
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "db.sqlite")
        con = sqlite3.connect(db)
        con.executescript("CREATE TABLE t (name TEXT, n INTEGER);"
                          "INSERT INTO t VALUES ('a', 1), ('b', 41);")
        con.close()
        with open(db, "rb") as f:
            zf = b64zip({"db.sqlite": f.read()})
    r = post(stack, {"language_id": 82, "additional_files": zf,
                     "source_code": "SELECT name, n FROM t ORDER BY n;\n"
                                    "SELECT SUM(n) FROM t;\n"})
    assert r.status_code == 201, r.text
    j = r.json()
    assert j["status"]["id"] == 3, j
    assert j["stdout"] == "a|1\nb|41\n42\n"


class _Stream(io.RawIOBase):
    """A write-only stream without seek: zipfile then writes each entry's
    sizes in a data descriptor after it (as streaming zip tools do)."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def test_additional_files_with_data_descriptors(stack):
    s = _Stream()
    with zipfile.ZipFile(s, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("streamed.txt", "streamed\n" * 100)
    assert s.data[6] & 0x08, "no data descriptor"
    r = post(stack, {"language_id": PY, "source_code":
                     "print(open('streamed.txt').read().count('streamed'))",
                     "additional_files":
                     base64.b64encode(bytes(s.data)).decode()})
    assert r.status_code == 201, r.text
    assert r.json()["stdout"] == "100\n", r.json()
