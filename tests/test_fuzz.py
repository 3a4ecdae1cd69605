"""A short libFuzzer smoke run of each target in tests/fuzz/ (DESIGN
section 9): build with clang -fsanitize=fuzzer,address,undefined against
the library's sources and run for a few seconds.  A crash, leak or
sanitizer report fails the test.  Without clang's fuzzer runtime the test
says SKIP and why."""

import glob
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "fuzz")
SECONDS = int(os.environ.get("CODERUNNER_FUZZ_SECONDS", "8"))
TARGETS = sorted(glob.glob(os.path.join(ROOT, "tests", "fuzz", "fuzz_*.c")))


def pkg(*args):
    return subprocess.run(["pkg-config", *args], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.split()


@pytest.fixture(scope="module")
def clang():
    cc = shutil.which("clang")
    if cc is None:
        pytest.skip("clang is not installed (contrib/install-deps.sh "
                    "installs it)")
    return cc


@pytest.mark.parametrize("target", TARGETS,
                         ids=[os.path.basename(t) for t in TARGETS])
def test_fuzz_smoke(clang, target, tmp_path):
    os.makedirs(OUT, exist_ok=True)
    name = os.path.splitext(os.path.basename(target))[0]
    binary = os.path.join(OUT, name)
    gen = [os.path.join(ROOT, "build", "gen", f)
           for f in ("schema_sql.c", "seccomp_bpf.c")]
    assert all(map(os.path.exists, gen)), "build first (make all)"
    # the library's sources, as the Makefile's LIB_SRCS: seccomp-gen's two
    # (its main, the policy it builds) are not the library's
    not_lib = {"seccomp_gen.c", "seccomp_policy.c"}
    srcs = [target] + gen + [
        f for d in ("base", "sandbox", "judge", "store", "api")
        for f in sorted(glob.glob(os.path.join(ROOT, "src", d, "*.c")))
        if os.path.basename(f) not in not_lib]
    cmd = [clang, "-std=gnu11", "-D_GNU_SOURCE", "-g", "-O1",
           "-fsanitize=fuzzer,address,undefined",
           "-fno-sanitize-recover=undefined",
           "-I" + os.path.join(ROOT, "src"),
           "-I" + os.path.join(ROOT, "build", "gen"),
           *pkg("--cflags", "json-c", "sqlite3", "libzip", "libpq"),
           "-o", binary, *srcs,
           *pkg("--libs", "json-c", "sqlite3", "libzip"),
           "-lpthread"]
    r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0 and "libclang_rt.fuzzer" in r.stdout:
        pytest.skip("clang has no libFuzzer runtime here: " +
                    r.stdout.strip().splitlines()[-1])
    assert r.returncode == 0, r.stdout[-3000:]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    r = subprocess.run([binary, f"-max_total_time={SECONDS}",
                        f"-artifact_prefix={tmp_path}/",
                        "-print_final_stats=1", "-rss_limit_mb=2048",
                        str(corpus)], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True,
                       timeout=SECONDS + 120)
    assert r.returncode == 0, r.stdout[-4000:]
    assert "stat::number_of_executed_units" in r.stdout, r.stdout[-2000:]
