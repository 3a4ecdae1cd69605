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
#  - a subordinate uid and gid range for the service user in /etc/subuid
#    and /etc/subgid (65536 ids no one else has): the boxes run as uids
#    of that range, mapped by newuidmap/newgidmap (Debian's uidmap), so a
#    box owns nothing on the host;
#  - a pool of device node sets, /var/lib/coderunner/dev/NN/{null,zero,
#    full,random,urandom}: each sandbox slot claims one, so that boxes
#    running at the same time share no inode (a lock on /dev/null would
#    otherwise be seen by every other box).
#
# CODERUNNER_CGROUP_NAME names the delegated cgroup ("coderunner"; it may
# be a path below an existing cgroup, such as the systemd unit's own);
# CODERUNNER_CGROUP_V2=delegated leaves cgroup v2 to systemd (Delegate=yes
# in contrib/coderunner.service).
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
	else
		favor_dynmods
	fi
}

# On cgroup v1 every run's init is moved into its cgroups (v2 has clone3's
# CLONE_INTO_CGROUP), and a move takes the kernel's cgroup threadgroup
# lock for writing.  Unless the hierarchies favour dynamic changes, that
# waits for an RCU grace period whenever no move happened in the last
# one: on a development host (Linux 6.18) a run after 100 ms idle took
# 11.8 ms instead of 3.0 (the move alone 14.5 ms under strace).  The flag
# is the cgroup2 mount's and holds for every hierarchy, v1 too (the lock
# is one); it makes forks and exits a little dearer (Linux 6.0 and later;
# see favordynmods in the kernel's cgroup-v2.rst); Linux 6.18 keeps the
# lock that way until reboot even if the flag is cleared (its log says
# so), and shows the cleared flag: `coderunner check` reads the flag.
# CODERUNNER_FAVORDYNMODS=no leaves it alone.
favor_dynmods() {
	if [ "${CODERUNNER_FAVORDYNMODS:-yes}" = no ]; then
		say "cgroup moves: favordynmods left alone"
		return
	fi
	mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$mnt" ]; then
		warn "no cgroup2 mount to set favordynmods on: the first run" \
		    "after an idle moment waits for an RCU grace period"
		return
	fi
	opts=$(awk -v m="$mnt" '$2 == m && $3 == "cgroup2" { print $4; exit }' \
	    /proc/mounts)
	case ",$opts," in
	*,favordynmods,*)
		say "cgroup moves: $mnt has favordynmods" ;;
	*)
		if mount -o "remount,$opts,favordynmods" "$mnt" 2>/dev/null; then
			say "cgroup moves: $mnt remounted with favordynmods"
		else
			warn "could not remount $mnt with favordynmods (Linux" \
			    "< 6.0?): the first run after an idle moment waits" \
			    "for an RCU grace period"
		fi ;;
	esac
}

if [ -f "$CG/cgroup.controllers" ] && [ "$(fstype "$CG/")" = cgroup2fs ]; then
	if [ "${CODERUNNER_CGROUP_V2:-}" = delegated ]; then
		# contrib/coderunner.service: the unit's own subtree
		say "cgroup v2: left to systemd (Delegate=yes)"
	else
		setup_v2
	fi
elif [ -d "$CG" ]; then
	setup_v1
else
	warn "no cgroup file system at $CG: the sandbox uses rlimits only"
fi

# --- subordinate ids for the boxes ----------------------------------------
# The next free 65536-aligned range above every range already given out
# (and above 100000, where Debian's useradd starts).
next_subid_start() {
	cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '
	    NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ {
		end = $2 + $3; if (end > max) max = end }
	    END {
		if (max < 100000) max = 100000
		print int((max + 65535) / 65536) * 65536 }'
}
has_subid() {
	awk -F: -v u="$SVC_USER" -v id="$(id -u "$SVC_USER")" \
	    '($1 == u || $1 == id) && NF == 3 { found = 1 } END { exit !found }' \
	    "$1" 2>/dev/null
}
touch /etc/subuid /etc/subgid
if has_subid /etc/subuid && has_subid /etc/subgid; then
	say "subordinate ids of $SVC_USER exist"
else
	start=$(next_subid_start)
	end=$((start + 65535))
	has_subid /etc/subuid || echo "$SVC_USER:$start:65536" >>/etc/subuid
	has_subid /etc/subgid || echo "$SVC_USER:$start:65536" >>/etc/subgid
	say "subordinate ids $start-$end for $SVC_USER (/etc/subuid, /etc/subgid)"
fi
if ! [ -x /usr/bin/newuidmap ] || ! [ -x /usr/bin/newgidmap ]; then
	warn "newuidmap/newgidmap missing (package uidmap): boxes run as $SVC_USER"
fi

# --- device node sets for the slots -------------------------------------------
DEV_POOL=${CODERUNNER_DEV_POOL:-/var/lib/coderunner/dev}
DEV_SETS=${CODERUNNER_DEV_SETS:-64}
mkdir -p "$DEV_POOL"
chmod 755 "$(dirname "$DEV_POOL")" "$DEV_POOL"
made=0
i=0
while [ "$i" -lt "$DEV_SETS" ]; do
	d=$DEV_POOL/$(printf '%02d' "$i")
	[ -d "$d" ] || { mkdir "$d"; made=$((made + 1)); }
	chmod 755 "$d"
	for n in null:3 zero:5 full:7 random:8 urandom:9; do
		f=$d/${n%%:*}
		if [ ! -c "$f" ]; then
			rm -f "$f"
			mknod -m 666 "$f" c 1 "${n##*:}" ||
			    { warn "cannot make device nodes in $DEV_POOL"; break 2; }
		fi
	done
	i=$((i + 1))
done
say "device node sets: $DEV_SETS in $DEV_POOL ($made new)"
