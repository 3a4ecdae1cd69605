#!/bin/sh
# setup-host.sh: one-time (and after each boot) host preparation, as root.
#
#  - the system user and group "coderunner" (no login shell, no home) that
#    spawn-fcgi drops the service to;
#  - cgroup delegation, so that the unprivileged service can give every
#    sandbox run its own cgroup with memory/pids/CPU limits:
#      cgroup v2 (/sys/fs/cgroup is cgroup2): /sys/fs/cgroup/coderunner with
#        +memory +pids +cpu enabled for its children, owned by coderunner,
#        and a leaf coderunner/service for the service's own processes
#        (contrib/run.sh moves the service there);
#      cgroup v1 (hybrid hosts): /sys/fs/cgroup/<ctrl>/coderunner for each
#        of memory, pids, cpuacct, freezer that is mounted, owned by
#        coderunner.
#    A missing controller is reported, never fatal: the sandbox falls back
#    to rlimits and says so (`coderunner check`, GET /system_info).
#
# Idempotent: run it as often as you like.  Cgroup dirs live in a virtual
# file system and are gone after a reboot; run it again at boot (the
# systemd unit in contrib/ does, in ExecStartPre).
set -eu

SVC_USER=${CODERUNNER_USER:-coderunner}
CG=${CODERUNNER_CGROUP_ROOT:-/sys/fs/cgroup}
CG_NAME=${CODERUNNER_CGROUP_NAME:-coderunner}

if [ "$(id -u)" != 0 ]; then
	echo "setup-host: must run as root" >&2
	exit 1
fi

say() { echo "setup-host: $*"; }
warn() { echo "setup-host: warning: $*" >&2; }

# --- the service user ----------------------------------------------------
nologin=/usr/sbin/nologin
[ -x "$nologin" ] || nologin=/bin/false
if ! getent group "$SVC_USER" >/dev/null; then
	groupadd --system "$SVC_USER"
	say "created group $SVC_USER"
fi
if ! getent passwd "$SVC_USER" >/dev/null; then
	useradd --system --gid "$SVC_USER" --no-create-home \
	    --home-dir /nonexistent --shell "$nologin" \
	    --comment "coderunner service" "$SVC_USER"
	say "created user $SVC_USER"
else
	say "user $SVC_USER exists"
fi

# --- cgroups ---------------------------------------------------------------
fstype() { stat -f -c %T "$1" 2>/dev/null || echo none; }

# chown_if_exists FILE...: hands the files that exist to the service user.
chown_if_exists() {
	for f in "$@"; do
		[ -e "$f" ] && chown "$SVC_USER:$SVC_USER" "$f"
	done
	return 0
}

setup_v2() {
	dir=$CG/$CG_NAME
	# Controllers must be enabled in the parent before the child can
	# enable them for its own children.
	avail=$(cat "$CG/cgroup.controllers" 2>/dev/null || true)
	for c in memory pids cpu; do
		case " $avail " in
		*" $c "*)
			echo "+$c" >"$CG/cgroup.subtree_control" 2>/dev/null ||
			    warn "could not enable $c in $CG/cgroup.subtree_control"
			;;
		*) warn "cgroup v2 controller $c not available" ;;
		esac
	done
	if [ ! -d "$dir" ]; then
		mkdir "$dir"
		say "created $dir"
	fi
	if [ ! -d "$dir/service" ]; then
		mkdir "$dir/service"
		say "created $dir/service"
	fi
	# No-internal-processes rule: $dir itself holds no process (the
	# service lives in the leaf "service"), so it may hand controllers on.
	avail=$(cat "$dir/cgroup.controllers" 2>/dev/null || true)
	for c in memory pids cpu; do
		case " $avail " in
		*" $c "*)
			echo "+$c" >"$dir/cgroup.subtree_control" 2>/dev/null ||
			    warn "could not enable $c in $dir/cgroup.subtree_control"
			;;
		esac
	done
	chown_if_exists "$dir" "$dir/cgroup.procs" "$dir/cgroup.subtree_control" \
	    "$dir/cgroup.threads" "$dir/service" "$dir/service/cgroup.procs" \
	    "$dir/service/cgroup.subtree_control" "$dir/service/cgroup.threads"
	say "cgroup v2: $dir delegated to $SVC_USER (children get:" \
	    "$(cat "$dir/cgroup.subtree_control" 2>/dev/null || echo none))"
}

setup_v1() {
	n=0
	for c in memory pids cpuacct freezer; do
		base=$CG/$c
		if [ "$(fstype "$base/")" != cgroupfs ]; then
			warn "cgroup v1 controller $c is not mounted at $base"
			continue
		fi
		dir=$base/$CG_NAME
		if [ ! -d "$dir" ]; then
			if ! mkdir "$dir" 2>/dev/null; then
				warn "could not create $dir"
				continue
			fi
			say "created $dir"
		fi
		chown_if_exists "$dir" "$dir/cgroup.procs" "$dir/tasks"
		n=$((n + 1))
		say "cgroup v1: $dir delegated to $SVC_USER"
	done
	if [ "$n" = 0 ]; then
		warn "no cgroup controller delegated: the sandbox uses rlimits only"
	fi
}

if [ -f "$CG/cgroup.controllers" ] && [ "$(fstype "$CG/")" = cgroup2fs ]; then
	setup_v2
elif [ -d "$CG" ]; then
	setup_v1
else
	warn "no cgroup file system at $CG: the sandbox uses rlimits only"
fi
