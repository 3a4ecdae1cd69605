#!/bin/sh
# systemd-start: the two steps of contrib/coderunner.service (`make
# install` puts this file in @PREFIX@/libexec/coderunner/systemd-start).
#
#   prestart   ExecStartPre, as root: setup-host (the user coderunner,
#              subordinate ids, device nodes, cgroup v1 dirs), the state
#              directories, and /run/coderunner for nginx's group.
#   cgroup     the cgroup step of start alone (the tests run it against a
#              fake tree: CODERUNNER_CGROUP_ROOT, CODERUNNER_SELF_CGROUP)
#   start      ExecStart, as coderunner: on cgroup v2, moves itself into
#              a leaf "service" of the unit's cgroup (Delegate=yes gave
#              the subtree to coderunner) and makes a sibling "boxes" with
#              the memory, pids and cpu controllers, where the sandbox
#              makes one cgroup per run; then exec's spawn-fcgi, which
#              binds the socket (group: nginx's, by the set-group-id
#              directory) and exec's coderunner.fcgi.
#
# Environment (set in the unit): CODERUNNER_CONFIG, CODERUNNER_SOCKET,
# CODERUNNER_NGINX_GROUP.  Lines to stderr are in the program's format
# (one JSON object per line), so the journal holds one format.
set -eu

PREFIX=@PREFIX@
CONFIG=${CODERUNNER_CONFIG:-/etc/coderunner/coderunner.json}
SOCKET=${CODERUNNER_SOCKET:-/run/coderunner/coderunner.sock}
NGINX_GROUP=${CODERUNNER_NGINX_GROUP:-www-data}
SVC_USER=coderunner
STATE=/var/lib/coderunner
CG=${CODERUNNER_CGROUP_ROOT:-/sys/fs/cgroup}

# log LEVEL WORDS...: one line as coderunner.fcgi writes them
# (src/base/log.h), with one printf.
log() {
	level=$1
	shift
	case $level in
	error) p=3 ;; warning) p=4 ;; *) p=6 ;;
	esac
	msg=$(printf '%s' "$*" | sed 's/[\\"]/\\&/g' | tr -d '\000-\037')
	when=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
	printf '%s{"time":"%s","level":"%s","prog":"coderunner-start",%s}\n' \
	    "${JOURNAL_STREAM:+<$p>}" "$when" "$level" \
	    "\"pid\":$$,\"msg\":\"$msg\"" >&2
}
die() { log error "$*"; exit 1; }

# The cgroup_base of the config, as written there ("" if not set).
configured_base() {
	sp='[[:space:]]*'
	sed -n "s/^$sp\"cgroup_base\"$sp:$sp\"\\([^\"]*\\)\".*/\\1/p" \
	    "$CONFIG" 2>/dev/null | head -n 1
}

prestart() {
	[ "$(id -u)" = 0 ] || die "prestart must run as root (ExecStartPre=+)"
	# setup-host's own cgroup v2 dir is for hosts without systemd: here
	# the unit's delegated subtree takes its place.  On cgroup v1 it
	# makes the configured cgroup in each controller's hierarchy (the
	# unit's own there too, when cgroup_base names it).
	name=$(configured_base)
	out=$(CODERUNNER_CGROUP_V2=delegated \
	    CODERUNNER_CGROUP_NAME=${name:-coderunner} \
	    sh "$PREFIX/libexec/coderunner/setup-host" 2>&1) ||
	    die "setup-host failed: $out"
	printf '%s\n' "$out" | while IFS= read -r line; do
		case $line in
		*warning*) log warning "$line" ;;
		*) log info "$line" ;;
		esac
	done
	install -d -o "$SVC_USER" -g "$SVC_USER" -m 0700 "$STATE/db" \
	    "$STATE/boxes"
	# prepared_dir's default, next to box_root: every box reads it
	install -d -o "$SVC_USER" -g "$SVC_USER" -m 0755 \
	    "$STATE/boxes.prepared"
	getent group "$NGINX_GROUP" >/dev/null ||
	    die "no group $NGINX_GROUP (CODERUNNER_NGINX_GROUP):" \
	    "nginx could not reach the socket"
	# new files in it (the socket) get nginx's group
	chgrp "$NGINX_GROUP" "$(dirname "$SOCKET")"
	chmod 2750 "$(dirname "$SOCKET")"
}

# cgroup v2: the unit's cgroup is ours (Delegate=yes); its processes go to
# a leaf so that it may hand controllers to "boxes".
cgroup_v2() {
	own=${CODERUNNER_SELF_CGROUP:-$(sed -n 's/^0:://p' /proc/self/cgroup)}
	unit=$CG$own
	if ! [ -w "$unit/cgroup.procs" ] ||
	    ! [ -w "$unit/cgroup.subtree_control" ]; then
		log warning "cgroup v2: $unit is not delegated to $(id -un)" \
		    "(Delegate=yes): runs get rlimits only"
		return 0
	fi
	mkdir -p "$unit/service" "$unit/boxes"
	echo $$ >"$unit/service/cgroup.procs"
	have=$(cat "$unit/cgroup.controllers")
	for d in "$unit" "$unit/boxes"; do
		for c in memory pids cpu; do
			case " $have " in
			*" $c "*) echo "+$c" >"$d/cgroup.subtree_control" ||
			    log warning "cannot enable $c in $d" ;;
			*) log warning "cgroup v2: no $c controller for $unit" ;;
			esac
		done
	done
	base=${own#/}/boxes
	if [ "$(configured_base)" = "$base" ]; then
		log info "cgroup v2: runs go to $unit/boxes"
	else
		log warning "cgroup v2: set \"cgroup_base\": \"$base\" in" \
		    "$CONFIG (it is \"$(configured_base)\"): until then runs" \
		    "get rlimits only"
	fi
}

cgroups() {
	if [ -f "$CG/cgroup.controllers" ]; then
		cgroup_v2
	else
		name=$(configured_base)
		log info "cgroup v1: runs go to $CG/<controller>/${name:-coderunner} (setup-host)"
	fi
}

start() {
	[ "$(id -un)" = "$SVC_USER" ] || die "start must run as $SVC_USER (User=)"
	cgroups
	spawn=$(command -v spawn-fcgi) || die "spawn-fcgi is missing"
	exec "$spawn" -n -s "$SOCKET" -M 0660 -- \
	    "$PREFIX/bin/coderunner.fcgi" -c "$CONFIG"
}

case ${1:-} in
prestart) prestart ;;
cgroup) cgroups ;;
start) start ;;
*) echo "usage: systemd-start prestart|cgroup|start" >&2; exit 2 ;;
esac
