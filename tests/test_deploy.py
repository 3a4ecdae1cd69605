"""Running it as a service: `make install`, the systemd unit, its start
script and the AppArmor profile (contrib/).

make install goes to a temporary PREFIX, so that `systemd-analyze verify`
finds every program the unit names (it needs no running systemd; Debian's
systemd package is installed by contrib/install-deps.sh when missing).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Directives that imply NoNewPrivileges=yes for a service with a User=
# (systemd.exec(5)), which would stop the set-user-id newuidmap/newgidmap
# the sandbox maps its boxes' uids with; and those that cover parts of
# /proc or make the cgroups read-only, after which a user namespace may
# not mount a box's /proc, or the service not make its runs' cgroups.
FORBIDDEN = {
    "NoNewPrivileges": "yes", "SystemCallFilter": None,
    "SystemCallArchitectures": None, "RestrictAddressFamilies": None,
    "RestrictNamespaces": None, "RestrictSUIDSGID": None,
    "LockPersonality": None, "MemoryDenyWriteExecute": None,
    "RestrictRealtime": None, "PrivateDevices": None, "ProtectClock": None,
    "ProtectKernelModules": None, "ProtectKernelTunables": None,
    "ProtectKernelLogs": None, "ProtectProc": None, "ProcSubset": None,
    "ProtectControlGroups": None, "PrivateUsers": None,
    "DynamicUser": None,
}


@pytest.fixture(scope="module")
def installed():
    """make install into a temporary PREFIX and SYSCONFDIR."""
    top = tempfile.mkdtemp(prefix="coderunner-install-")
    prefix, etc = os.path.join(top, "usr"), os.path.join(top, "etc")
    r = subprocess.run(["make", "install", f"PREFIX={prefix}",
                        f"SYSCONFDIR={etc}"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    assert r.returncode == 0, r.stdout
    yield prefix, etc
    shutil.rmtree(top, ignore_errors=True)


def unit_settings(path):
    """The unit's settings as (section, key, value), continuations joined."""
    out, section = [], None
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        k, v = line.split("=", 1)
        out.append((section, k.strip(), v.strip()))
    return out


def test_make_install_lays_out_the_service(installed):
    prefix, etc = installed
    want = {"bin/coderunner": 0o755, "bin/coderunner.fcgi": 0o755,
            "libexec/coderunner/systemd-start": 0o755,
            "libexec/coderunner/setup-host": 0o755,
            "lib/systemd/system/coderunner.service": 0o644,
            "share/coderunner/languages.json": 0o644,
            "share/coderunner/coderunner.json": 0o644,
            "share/coderunner/apparmor/coderunner": 0o644,
            "share/doc/coderunner/README.md": 0o644}
    for rel, mode in want.items():
        p = os.path.join(prefix, rel)
        assert os.path.isfile(p), rel
        assert os.stat(p).st_mode & 0o777 == mode, rel
        with open(p, "rb") as f:
            assert b"@PREFIX@" not in f.read(), f"{rel} not rendered"
    with open(os.path.join(etc, "coderunner", "coderunner.json")) as f:
        cfg = json.load(f)
    assert cfg["languages"] == os.path.join(
        prefix, "share/coderunner/languages.json"), cfg
    assert cfg["cgroup_base"] == "system.slice/coderunner.service/boxes"
    # a second install keeps the admin's config
    path = os.path.join(etc, "coderunner", "coderunner.json")
    with open(path, "w") as f:
        f.write('{"admins": ["me"]}\n')
    r = subprocess.run(["make", "install", f"PREFIX={prefix}",
                        f"SYSCONFDIR={etc}"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    assert r.returncode == 0, r.stdout
    with open(path) as f:
        assert f.read() == '{"admins": ["me"]}\n'


def test_systemd_analyze_verify(installed):
    prefix, _ = installed
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.skip("systemd-analyze is missing (Debian's systemd package; "
                    "contrib/install-deps.sh installs it)")
    unit = os.path.join(prefix, "lib/systemd/system/coderunner.service")
    r = subprocess.run([exe, "verify", "--man=no", unit],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout


def test_unit_hardening_leaves_user_namespaces(installed):
    prefix, _ = installed
    s = unit_settings(os.path.join(prefix,
                                   "lib/systemd/system/coderunner.service"))
    svc = {k: v for sec, k, v in s if sec == "Service"}
    assert svc["Delegate"] == "yes"
    assert svc["User"] == "coderunner"
    assert svc["NoNewPrivileges"] == "no"
    assert svc["KillMode"] == "mixed"
    assert svc["ProtectSystem"] == "strict"
    assert set(svc["CapabilityBoundingSet"].split()) == {"CAP_SETUID",
                                                         "CAP_SETGID"}
    for k, bad in FORBIDDEN.items():
        if k in svc:
            assert bad is not None and svc[k] != bad, f"{k}={svc[k]}"
    # nothing runs as root but the prestart ("+")
    for sec, k, v in s:
        if k.startswith("Exec") and v.startswith("+"):
            assert k == "ExecStartPre" and v.endswith(" prestart"), (k, v)


def test_start_script_hands_the_unit_cgroup_to_boxes(installed, tmp_path):
    """cgroup v2 under systemd, on a fake tree: the start step moves itself
    into a leaf and makes "boxes" with the controllers, and says which
    cgroup_base the config must name."""
    prefix, _ = installed
    unit = tmp_path / "system.slice" / "coderunner.service"
    unit.mkdir(parents=True)
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (unit / "cgroup.controllers").write_text("cpu memory pids\n")
    for f in ("cgroup.procs", "cgroup.subtree_control"):
        (unit / f).write_text("")
    cfg = tmp_path / "coderunner.json"

    def run(base):
        cfg.write_text(json.dumps({"cgroup_base": base}, indent=2) + "\n")
        r = subprocess.run(
            ["sh", os.path.join(prefix, "libexec/coderunner/systemd-start"),
             "cgroup"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=dict(os.environ,
                                CODERUNNER_CGROUP_ROOT=str(tmp_path),
                                CODERUNNER_SELF_CGROUP="/system.slice/"
                                "coderunner.service",
                                CODERUNNER_CONFIG=str(cfg)))
        assert r.returncode == 0, r.stderr
        lines = [json.loads(line) for line in r.stderr.splitlines()]
        assert lines and all(o["prog"] == "coderunner-start" for o in lines)
        return lines

    lines = run("system.slice/coderunner.service/boxes")
    assert re.match(r"^\d+$", (unit / "service" / "cgroup.procs")
                    .read_text().strip())
    assert (unit / "boxes").is_dir()
    # (plain files keep the last write of +memory +pids +cpu)
    assert (unit / "boxes" / "cgroup.subtree_control").read_text() == "+cpu\n"
    assert [o["level"] for o in lines] == ["info"], lines
    assert str(unit / "boxes") in lines[0]["msg"], lines

    lines = run("")
    assert lines[-1]["level"] == "warning", lines
    assert '"cgroup_base": "system.slice/coderunner.service/boxes"' in \
        lines[-1]["msg"], lines


def test_apparmor_profile(installed):
    prefix, _ = installed
    path = os.path.join(prefix, "share/coderunner/apparmor/coderunner")
    with open(path) as f:
        text = f.read()
    m = re.search(r"^profile coderunner (\S+) flags=\(unconfined\) \{$",
                  text, re.M)
    assert m, text
    assert m.group(1) == os.path.join(prefix, "bin",
                                      "{coderunner,coderunner.fcgi}")
    assert re.search(r"^\s*userns,$", text, re.M), text
    parser = shutil.which("apparmor_parser") or "/sbin/apparmor_parser"
    if not os.access(parser, os.X_OK):
        pytest.skip("apparmor_parser is missing: the profile's syntax is "
                    "checked on Ubuntu 24.04 only (AppArmor 4)")
    if not os.path.exists("/etc/apparmor.d/abi/4.0"):
        pytest.skip("AppArmor here is older than 4 (no abi/4.0, no userns "
                    "rule): the profile is for Ubuntu 24.04")
    r = subprocess.run([parser, "-Q", "-K", path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout


def cgroup2_options():
    """The options of the first cgroup2 mount, or None."""
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 3 and fields[2] == "cgroup2":
                return fields[3].split(",")
    return None


def test_setup_host_favours_cgroup_moves_on_v1():
    """On a cgroup v1 host every run's init is moved into its cgroups, and
    without favordynmods the first move after an idle moment waits for an
    RCU grace period (setup-host.sh says how long): setup-host.sh remounts
    the cgroup2 mount with the flag, and `coderunner check` says so."""
    if os.geteuid() != 0:
        pytest.skip("needs root: setup-host.sh remounts a cgroup file system")
    if not os.path.isfile("/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        pytest.skip("not a cgroup v1 host: runs are born in their cgroup")
    if cgroup2_options() is None:
        pytest.skip("no cgroup2 mount to carry favordynmods")
    r = subprocess.run(["sh", os.path.join(ROOT, "contrib", "setup-host.sh")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    assert r.returncode == 0, r.stdout
    if "could not remount" in r.stdout:
        pytest.skip("this kernel has no favordynmods (Linux < 6.0): "
                    + r.stdout)
    if "no cgroup controller delegated" in r.stdout:
        pytest.skip("no v1 controller delegated: nothing is moved: "
                    + r.stdout)
    assert "cgroup moves: " in r.stdout, r.stdout
    assert "favordynmods" in cgroup2_options()
    c = subprocess.run([os.path.join(ROOT, "build", "coderunner"), "check"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    assert "moves into a run's cgroups: ok (favordynmods)" in c.stdout, \
        c.stdout
