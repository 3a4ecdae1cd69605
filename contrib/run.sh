#!/bin/sh
# run.sh: what `make run` runs (after installing packages and building).
#
# Renders run/ (contrib/render-config.sh), starts coderunner.fcgi under
# spawn-fcgi and an nginx of its own on 127.0.0.1:${PORT:-8080}, prints the
# demo credentials and a curl example, and stays in the foreground.
# Ctrl-C (SIGINT) or SIGTERM stops both: SIGTERM to the program (it stops
# accepting and lets running jobs finish, bounded), SIGQUIT to nginx
# (graceful).  If either one dies, the other is stopped too and run.sh
# exits non-zero; if the stack does not come up, run.sh says why (the
# program's own words are in RUNDIR/logs/app.log) and stops at once.
# It refuses to start when the port or the run dir's socket is in use (by
# another run.sh, a test stack or anything else), before it renders or
# starts anything.  On the way out it removes what it made while running
# (a pipe, and the socket only if its own program bound it); run/ with its
# database and credentials stays.  The system nginx and its config are
# never touched.
#
# As root, the service runs as coderunner and nginx's workers as www-data,
# and both must reach the run dir.  When they cannot enter the checkout
# (a clone under root's 0700 home, or under a `mktemp -d`), the run dir is
# /var/lib/coderunner/run-<hash of the checkout's path> and run is a link
# to it; the checkout's modes are never changed.
#
# Environment: PORT [8080], RUNDIR [run], VERBOSE=1 for debug logs,
# CODERUNNER_START_TIMEOUT seconds to come up [30], and the CODERUNNER_*
# settings of contrib/render-config.sh.
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
PORT=${PORT:-8080}
START_TIMEOUT=${CODERUNNER_START_TIMEOUT:-30}
STATE_BASE=/var/lib/coderunner

die() { echo "run.sh: $*" >&2; exit 1; }

[ -x "${CODERUNNER_FCGI:-build/coderunner.fcgi}" ] ||
    die "build/coderunner.fcgi is missing: run make run"
command -v ss >/dev/null 2>&1 || die "ss (Debian's iproute2) is missing"

# listener SOCKET: the inode (as in /proc/PID/fd) of the unix socket
# listening at the path SOCKET, or nothing.
listener() {
	ss -Hxl | awk -v p="$1" '$5 == p { print $6; exit }'
}

# The port: anything listening on it (on any address) or answering there.
port_in_use() {
	[ -n "$(ss -Htln "sport = :$PORT")" ] && return 0
	rc=0
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" || rc=$?
	[ "$rc" != 7 ]
}

# can_enter DIR: whether the service user and nginx's worker user may both
# enter DIR (asked as them, with their groups).
can_enter() {
	for u in "${CODERUNNER_USER:-coderunner}" \
	    "${CODERUNNER_NGINX_USER:-www-data}"; do
		getent passwd "$u" >/dev/null || continue
		setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- \
		    test -x "$1" 2>/dev/null || return 1
	done
	return 0
}

if [ -z "${RUNDIR:-}" ]; then
	RUNDIR=run
	if [ -L run ] && [ ! -e run ]; then
		# its target was removed: make it again (new credentials)
		mkdir -p "$(readlink run)"
	elif [ "$(id -u)" = 0 ] && [ ! -L run ] && ! can_enter "$ROOT"; then
		state=$STATE_BASE/run-$(printf '%s' "$ROOT" | sha256sum |
		    cut -c1-12)
		[ -d "$STATE_BASE" ] || mkdir -m 755 "$STATE_BASE"
		if [ -e run ]; then
			# an older run/ in the checkout: keep its credentials
			[ ! -e "$state" ] || die "both run/ and $state exist:" \
			    "remove one of them"
			mv run "$state"
		else
			mkdir -p "$state"
		fi
		chmod 755 "$state"
		ln -s "$state" run
		echo "run.sh: coderunner cannot enter $ROOT, so the run" \
		    "dir is $state (run is a link to it)" >&2
	fi
fi

# Another server on the port would answer the readiness check for us.
port_in_use && die "127.0.0.1:$PORT is in use:" \
    "pick another port (PORT=9000 make run)"

# One run.sh per run dir: a second one would render over the first one's
# files, fail to bind the socket and then remove the first one's socket on
# its way out.  The lock is held on fd 9, which the servers do not inherit.
# (A run dir that does not exist yet is nobody's: render-config.sh makes
# it, or says at once why it cannot be used.)
lock() {
	mkdir -p "$RUNDIR/tmp"
	exec 9>"$RUNDIR/tmp/run.lock"
	flock -n 9 || die "another run.sh serves $RUNDIR: stop it first"
}
# A program serving the run dir's socket that no run.sh started (a test
# stack, start-fcgi by hand) holds no lock: ask the kernel.  Checked before
# render-config.sh writes over the run dir's files.
sock_free() {
	s=${CODERUNNER_SOCKET:-$(cd -P "$RUNDIR" && pwd -P)/coderunner.sock}
	[ -z "$(listener "$s")" ] ||
	    die "$s is in use: another coderunner serves $RUNDIR; stop it first"
}
locked=no
if [ -d "$RUNDIR" ]; then
	lock
	locked=yes
	sock_free
fi
sh contrib/render-config.sh "$RUNDIR" "$PORT"
[ "$locked" = yes ] || { lock; sock_free; }
SHOW=$RUNDIR		# as the user named it (run/... keeps working)
RUNDIR=$(cd "$RUNDIR" && pwd -P)
BASE_URL=$(sed -n 's/^BASE_URL=//p' "$RUNDIR/stack.env")
SOCKET=$(sed -n 's/^SOCKET=//p' "$RUNDIR/stack.env")
APP_LOG=$RUNDIR/logs/app.log
FIFO=$RUNDIR/tmp/app-log.fifo

fcgi_pid=
nginx_pid=
tee_pid=
stopping=no
sock_ino=	# the socket file's inode, once our program is seen bound to it

# Waits for the pids, at most $1 seconds, then SIGKILLs what is left.
# nginx ignores SIGQUIT until it has set up its handlers (a background job
# of sh starts with SIGQUIT ignored), so a SIGQUIT sent while it was still
# starting is lost: it gets another one every half second.
reap() {
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		left=
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && left="$left $p"
		done
		[ -n "$left" ] || break
		if [ "$stopping" = yes ] && [ -n "$nginx_pid" ] &&
		    [ $((n % 5)) = 0 ]; then
			kill -QUIT "$nginx_pid" 2>/dev/null || :
		fi
		n=$((n - 1))
		sleep 0.1
	done
	for p in "$@"; do
		if kill -0 "$p" 2>/dev/null; then
			echo "run.sh: pid $p did not stop: SIGKILL" >&2
			kill -KILL "$p" 2>/dev/null || :
		fi
		wait "$p" 2>/dev/null || :
	done
}

stop() {
	[ "$stopping" = no ] || return 0
	stopping=yes
	echo "run.sh: stopping" >&2
	pids=
	if [ -n "$nginx_pid" ]; then
		kill -QUIT "$nginx_pid" 2>/dev/null || :
		pids="$pids $nginx_pid"
	fi
	if [ -n "$fcgi_pid" ]; then
		kill -TERM "$fcgi_pid" 2>/dev/null || :
		pids="$pids $fcgi_pid"
	fi
	# the program finishes running jobs within shutdown_grace_ms (20 s)
	reap 40 $pids
	# tee ends when the program's end of the pipe closes
	[ -z "$tee_pid" ] || reap 2 "$tee_pid"
	# the socket only if it is still the file our program bound
	if [ -n "$sock_ino" ] && [ -S "$SOCKET" ] &&
	    [ "$(stat -c %i "$SOCKET")" = "$sock_ino" ]; then
		rm -f "$SOCKET"
	fi
	[ ! -p "$FIFO" ] || rm -f "$FIFO"
	echo "run.sh: stopped" >&2
}
trap 'stop; exit 0' INT TERM
trap 'stop' EXIT

# fail WHY... -- LOG...: the stack did not come up; says why and stops.
fail() {
	why=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		why="$why${why:+ }$1"
		shift
	done
	[ $# -eq 0 ] || shift
	echo "run.sh: the stack did not come up: $why" >&2
	for f in "$@"; do
		# what this start wrote (the logs are appended to)
		case $f in
		"$APP_LOG") off=$app_log_off ;;
		*) off=$nginx_log_off ;;
		esac
		[ -s "$f" ] || continue
		echo "---- $f (its last lines from this start) ----" >&2
		tail -c +$((off + 1)) "$f" | tail -n 15 >&2
	done
	exit 1
}

v=
[ "${VERBOSE:-0}" = 1 ] && v=-v
# The program logs to stderr (-d): to the terminal and to logs/app.log,
# through tee.  Background jobs of a non-interactive shell ignore SIGINT:
# stop() sends the signals instead, and tee reads on until the program is
# gone.
app_log_off=$(stat -c %s "$APP_LOG" 2>/dev/null || echo 0)
nginx_log_off=$(stat -c %s "$RUNDIR/logs/nginx-error.log" 2>/dev/null ||
    echo 0)
rm -f "$FIFO"
mkfifo -m 600 "$FIFO"
tee -a "$APP_LOG" <"$FIFO" >&2 9>&- &
tee_pid=$!
"$RUNDIR/start-fcgi" $v >"$FIFO" 2>&1 9>&- &
fcgi_pid=$!	# start-fcgi exec's spawn-fcgi -n, which exec's the program
"$RUNDIR/start-nginx" 9>&- &
nginx_pid=$!

# Notes the socket file as ours once the socket listening there is our
# program's fd 0 (spawn-fcgi -n exec's it with the socket there, and
# refuses a socket in use).
own_socket() {
	ino=$(listener "$SOCKET")
	[ -n "$ino" ] && [ "$(readlink "/proc/$fcgi_pid/fd/0" 2>/dev/null)" = \
	    "socket:[$ino]" ] || return 1
	sock_ino=$(stat -c %i "$SOCKET")
}

# Wait until the stack answers through nginx; a process that dies on the
# way ends the wait at once, with its exit status and its log.
key=$(cat "$RUNDIR/api-key")
deadline=$(($(date +%s) + START_TIMEOUT))
last=
until last=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 \
    -H "X-Auth-Token: $key" "$BASE_URL/health" 2>&1) && [ "$last" = 200 ]; do
	[ -n "$sock_ino" ] || own_socket || :
	if ! kill -0 "$fcgi_pid" 2>/dev/null; then
		rc=0
		wait "$fcgi_pid" || rc=$?
		fcgi_pid=
		# all it wrote is in the log once tee is done
		reap 2 "$tee_pid"
		tee_pid=
		fail "spawn-fcgi/coderunner.fcgi exited with status $rc" \
		    -- "$APP_LOG"
	fi
	if ! kill -0 "$nginx_pid" 2>/dev/null; then
		rc=0
		wait "$nginx_pid" || rc=$?
		nginx_pid=
		fail "nginx exited with status $rc" \
		    -- "$RUNDIR/logs/nginx-error.log"
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		fail "no answer from $BASE_URL/health after ${START_TIMEOUT}s" \
		    "(last: $last)" -- "$APP_LOG" "$RUNDIR/logs/nginx-error.log"
	fi
	sleep 0.1
done
[ -n "$sock_ino" ] || own_socket || fail "$SOCKET is not our program's:" \
    "another coderunner serves it" -- "$APP_LOG"

cat <<EOF

coderunner is up at $BASE_URL/  (nginx prefix $RUNDIR, logs in $RUNDIR/logs)
  basic auth: user demo, password $(cat "$RUNDIR/demo-password")   ($SHOW/demo-password)
  API key:    $key   ($SHOW/api-key)

  curl -s -H "X-Auth-Token: \$(cat $SHOW/api-key)" -H 'Content-Type: application/json' \\
      -d '{"language":"python3","source_code":"print(6*7)"}' \\
      '$BASE_URL/submissions?wait=true'

Ctrl-C stops it.
EOF

# Stay in the foreground until either process ends (POSIX sh has no wait -n).
while kill -0 "$nginx_pid" 2>/dev/null && kill -0 "$fcgi_pid" 2>/dev/null; do
	sleep 1
done
echo "run.sh: a process of the stack exited; see $RUNDIR/logs/" >&2
exit 1
