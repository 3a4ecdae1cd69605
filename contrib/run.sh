#!/bin/sh
# run.sh: what `make run` runs (after installing packages and building).
#
# Renders run/ (contrib/render-config.sh), starts coderunner.fcgi under
# spawn-fcgi and an nginx of its own on 127.0.0.1:${PORT:-8080}, prints the
# demo credentials and a curl example, and stays in the foreground.
# Ctrl-C (SIGINT) or SIGTERM stops both: SIGTERM to the program (it stops
# accepting and lets running jobs finish, bounded), SIGQUIT to nginx
# (graceful).  If either one dies, the other is stopped too and run.sh
# exits non-zero.  The system nginx and its config are never touched.
#
# Environment: PORT [8080], RUNDIR [run], VERBOSE=1 for debug logs, and the
# CODERUNNER_* settings of contrib/render-config.sh.
set -eu

cd "$(dirname "$0")/.."
PORT=${PORT:-8080}
RUNDIR=${RUNDIR:-run}

[ -x "${CODERUNNER_FCGI:-build/coderunner.fcgi}" ] || {
	echo "run.sh: build/coderunner.fcgi is missing: run make run" >&2
	exit 1
}

sh contrib/render-config.sh "$RUNDIR" "$PORT"
RUNDIR=$(cd "$RUNDIR" && pwd)
BASE_URL=$(sed -n 's/^BASE_URL=//p' "$RUNDIR/stack.env")

fcgi_pid=
nginx_pid=
stopping=no

stop() {
	[ "$stopping" = no ] || return 0
	stopping=yes
	echo "run.sh: stopping" >&2
	if [ -n "$nginx_pid" ]; then kill -QUIT "$nginx_pid" 2>/dev/null || :; fi
	if [ -n "$fcgi_pid" ]; then kill -TERM "$fcgi_pid" 2>/dev/null || :; fi
	if [ -n "$nginx_pid" ]; then wait "$nginx_pid" 2>/dev/null || :; fi
	if [ -n "$fcgi_pid" ]; then wait "$fcgi_pid" 2>/dev/null || :; fi
	rm -f "$RUNDIR/coderunner.sock"
	echo "run.sh: stopped" >&2
}
trap 'stop; exit 0' INT TERM
trap 'stop' EXIT

v=
[ "${VERBOSE:-0}" = 1 ] && v=-v
# The program logs to stderr (-d), here.  Background jobs of a
# non-interactive shell ignore SIGINT: stop() sends the signals instead.
"$RUNDIR/start-fcgi" $v &
fcgi_pid=$!	# start-fcgi exec's spawn-fcgi -n, which exec's the program
"$RUNDIR/start-nginx" &
nginx_pid=$!

# Wait until the stack answers through nginx.
key=$(cat "$RUNDIR/api-key")
i=0
until curl -fsS -o /dev/null -H "X-Auth-Token: $key" "$BASE_URL/health" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$nginx_pid" 2>/dev/null ||
	    ! kill -0 "$fcgi_pid" 2>/dev/null; then
		echo "run.sh: the stack did not come up; see $RUNDIR/logs/" >&2
		tail -n 20 "$RUNDIR/logs/nginx-error.log" >&2 2>/dev/null || true
		exit 1
	fi
	sleep 0.1
done

cat <<EOF

coderunner is up at $BASE_URL/  (nginx prefix $RUNDIR, logs in $RUNDIR/logs)
  basic auth: user demo, password $(cat "$RUNDIR/demo-password")   ($RUNDIR/demo-password)
  API key:    $key   ($RUNDIR/api-key)

  curl -s -H "X-Auth-Token: \$(cat $RUNDIR/api-key)" -H 'Content-Type: application/json' \\
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
