#!/bin/sh
# render-config.sh RUNDIR PORT: makes a self-contained run directory for
# nginx + spawn-fcgi + coderunner.fcgi, as used by `make run` (run/) and by
# the integration tests (a temporary dir).
#
#   RUNDIR/nginx.conf          the standalone server (nginx/coderunner.conf.in)
#   RUNDIR/nginx/*.conf        the snippets it includes, rendered
#   RUNDIR/nginx/static/       the HTML pages' CSS and JS (nginx/static)
#   RUNDIR/nginx/htpasswd      user demo, SHA-512 crypt of the demo password
#   RUNDIR/nginx/keys.map      API keys -> users, for auth.conf
#   RUNDIR/demo-password       the demo password (mode 600)
#   RUNDIR/api-key             the demo API key (mode 600)
#   RUNDIR/coderunner.json     the app's config
#   RUNDIR/languages.json      the language table (contrib/languages.json)
#   RUNDIR/bin/coderunner.fcgi the program (a copy of CODERUNNER_FCGI)
#   RUNDIR/db/                 the SQLite database (coderunner.db)
#   RUNDIR/boxes/              sandbox box dirs
#   RUNDIR/boxes.prepared/     the languages' prepared files (prepared_dir)
#   RUNDIR/logs/ RUNDIR/tmp/   nginx and app logs; nginx temp files
#   RUNDIR/start-fcgi          exec's spawn-fcgi -n ... coderunner.fcgi
#   RUNDIR/start-nginx         exec's nginx in the foreground
#   RUNDIR/stack.env           the above as shell variables, for scripts
#
# Existing credentials in RUNDIR are kept (delete the files, or RUNDIR, for
# new ones); everything else is rendered again.  Nothing outside RUNDIR is
# written; /etc/nginx is never read.  Nothing the service or nginx reads is
# left in the checkout (the program and the language table are copied), so
# the checkout may live where they cannot go, e.g. under root's 0700 home.
#
# As root, the service runs as the user coderunner (spawn-fcgi drops to it;
# contrib/setup-host.sh creates it) and nginx's workers as www-data: the
# socket is coderunner:www-data 0660, db/ and boxes/ belong to coderunner.
# Both users must be able to reach RUNDIR: that is checked as each of them,
# and a RUNDIR they cannot reach is an error naming the directory that
# stops them (contrib/run.sh picks a reachable one for `make run`).
# As any other user, everything runs as that user.
#
# Settings from the environment (defaults in brackets):
#   CODERUNNER_PREFIX       URL mount prefix, e.g. /judge [""]
#   CODERUNNER_RATE         submission POSTs per user [5r/s]
#   CODERUNNER_BURST        POSTs allowed above the rate at once [20]
#   CODERUNNER_CONN         requests in progress per user [16]
#   CODERUNNER_WAIT_TIMEOUT_MS  wait=true limit, app and nginx [30000]
#   CODERUNNER_MAX_BODY     request body limit in bytes [1048576]
#   CODERUNNER_HTTP_WORKERS, CODERUNNER_EXECUTORS  [app default: by cores]
#   CODERUNNER_QUEUE_MAX    queued jobs before 503 [app default]
#   CODERUNNER_EXTRA_USERS  more users besides demo, e.g. "alice bob": each
#                           gets RUNDIR/password-NAME and RUNDIR/api-key-NAME
#   CODERUNNER_ADMINS       users who see everyone's submissions [none]
#   CODERUNNER_ALLOW_DELETE true: DELETE /submissions/{token} [false]
#   CODERUNNER_JUDGE0_EXTRA_STATUSES true: statuses 15 and 16 on the
#                           Judge0 routes too [false]
#   CODERUNNER_CALLBACK_HOSTS  callback allow-list, e.g. "127.0.0.1" [none]
#   CODERUNNER_CALLBACK_SECRET the callbacks' HMAC key [none]
#   CODERUNNER_TOTAL_WALL   limits_maximum.total_wall_time, seconds [app default]
#   CODERUNNER_DATABASE     the app's database: a path, or a postgresql://
#                           URI shared by several nodes [RUNDIR/db/coderunner.db]
#   CODERUNNER_NODE         this node's name [app default: the host name]
#   CODERUNNER_LEASE_MS     a claim's lease [app default]
#   CODERUNNER_FCGI_LISTEN  127.0.0.1:PORT: the program listens on that
#                           TCP address instead of RUNDIR/coderunner.sock
#   CODERUNNER_UPSTREAM     the nodes nginx sends to, e.g.
#                           "127.0.0.1:9001 127.0.0.1:9002" [this node]
#   CODERUNNER_USER         service user when root [coderunner]
#   CODERUNNER_NGINX_USER   nginx worker user when root [www-data]
#   CODERUNNER_FCGI         the program [build/coderunner.fcgi]
#   CODERUNNER_SOCKET       the socket nginx passes to [RUNDIR/coderunner.sock]
#                           (/run/coderunner/coderunner.sock for the
#                           systemd unit; then only nginx/ is of use)
set -eu

if [ $# -ne 2 ]; then
	echo "usage: render-config.sh RUNDIR PORT" >&2
	exit 2
fi

die() { echo "render-config: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FCGI_SRC=${CODERUNNER_FCGI:-$ROOT/build/coderunner.fcgi}
[ -x "$FCGI_SRC" ] || die "$FCGI_SRC is missing: build it first (make all)"

if [ "$(id -u)" = 0 ]; then
	SVC_USER=${CODERUNNER_USER:-coderunner}
	NGINX_USER=${CODERUNNER_NGINX_USER:-www-data}
	getent passwd "$SVC_USER" >/dev/null ||
	    die "no user $SVC_USER: run contrib/setup-host.sh first"
	if ! getent passwd "$NGINX_USER" >/dev/null; then
		NGINX_USER=nobody
	fi
	NGINX_GROUP=$(id -gn "$NGINX_USER")
	USER_DIRECTIVE="user $NGINX_USER $NGINX_GROUP;"
	SPAWN_ARGS="-M 0660 -U $SVC_USER -G $NGINX_GROUP -u $SVC_USER -g $SVC_USER"
else
	SVC_USER=
	NGINX_USER=
	NGINX_GROUP=
	USER_DIRECTIVE="# (not root: nginx runs as $(id -un))"
	SPAWN_ARGS="-M 0600"
fi

# --- can the service and nginx's workers reach it? -------------------------
# Asked as each user (with its groups, as spawn-fcgi and nginx set them), not
# guessed from modes: a checkout or a temp dir under a directory only its
# owner may enter (root's home is 0700, so is `mktemp -d`) stops them.
as_user() {
	u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@"
}

# The first directory on the way to $2 that user $1 may not enter.
blocker() {
	rest=${2#/}
	p=
	while [ -n "$rest" ]; do
		p=$p/${rest%%/*}
		case $rest in
		*/*) rest=${rest#*/} ;;
		*) rest= ;;
		esac
		if ! as_user "$1" test -x "$p"; then
			echo "$p"
			return
		fi
	done
}

# reach USER WHAT TEST...: dies with what to do when USER fails the test.
reach() {
	u=$1
	what=$2
	shift 2
	as_user "$u" "$@" 2>/dev/null && return 0
	b=$(blocker "$u" "$RUNDIR")
	if [ -n "$b" ]; then
		why="it may not enter $b ($(stat -c '%U:%G %a' "$b"))"
	else
		why="it may not read $what"
	fi
	die "user $u cannot reach $RUNDIR: $why.
render-config: use a run dir both $SVC_USER and $NGINX_USER can reach, e.g.
render-config: /var/lib/coderunner/run (\`make run\` picks one by itself);
render-config: the modes of your home or checkout need not change."
}

# Before anything is made: the deepest directory on the way that exists
# must let them in (what is made below it is 0755).
umask 022
if [ -d "$1" ]; then
	RUNDIR=$(cd -P "$1" && pwd -P)
	up=$(dirname "$RUNDIR")
else
	case $1 in
	/*) RUNDIR=$1 ;;
	*) RUNDIR=$(pwd -P)/$1 ;;
	esac
	up=$(dirname "$1")
	while [ ! -d "$up" ]; do
		up=$(dirname "$up")
	done
	up=$(cd -P "$up" && pwd -P)
fi
if [ -n "$SVC_USER" ]; then
	for u in "$SVC_USER" "$NGINX_USER"; do
		reach "$u" "$RUNDIR" test -x "$up"
	done
fi
mkdir -p "$1"
# -P: through a link (run -> /var/lib/coderunner/...) to the real place,
# which is what the service user has to reach.
RUNDIR=$(cd "$1" && pwd -P)
PORT=$2

PREFIX=${CODERUNNER_PREFIX:-}
RATE=${CODERUNNER_RATE:-5r/s}
BURST=${CODERUNNER_BURST:-20}
CONN=${CODERUNNER_CONN:-16}
WAIT_TIMEOUT_MS=${CODERUNNER_WAIT_TIMEOUT_MS:-30000}
MAX_BODY=${CODERUNNER_MAX_BODY:-1048576}

case $PORT in
''|*[!0-9]*) die "bad port: $PORT" ;;
esac
for n in "$BURST" "$CONN" "$WAIT_TIMEOUT_MS" "$MAX_BODY"; do
	case $n in
	''|*[!0-9]*) die "not a number: $n" ;;
	esac
done
case $PREFIX in
'') ;;
/*/) die "CODERUNNER_PREFIX must not end in /: $PREFIX" ;;
/*) ;;
*) die "CODERUNNER_PREFIX must start with /: $PREFIX" ;;
esac
# Paths go into JSON, nginx and shell files unquoted by any escaping.
for p in "$RUNDIR" "$ROOT" "$PREFIX" "${CODERUNNER_SOCKET:-}"; do
	case $p in
	*[!A-Za-z0-9_./+-]*) die "unsupported character in path: $p" ;;
	esac
done

CONFDIR=$RUNDIR/nginx
FCGI=$RUNDIR/bin/coderunner.fcgi
LANGUAGES=$RUNDIR/languages.json
SOCKET=${CODERUNNER_SOCKET:-$RUNDIR/coderunner.sock}
DATABASE=${CODERUNNER_DATABASE:-$RUNDIR/db/coderunner.db}
# the URI goes into JSON: no quote, no backslash, no blank
case $DATABASE in
''|*[!A-Za-z0-9_./:@?\&=%+,-]*) die "CODERUNNER_DATABASE: unsupported character" ;;
esac
case ${CODERUNNER_NODE:-} in
*[!A-Za-z0-9_.-]*) die "CODERUNNER_NODE: use [A-Za-z0-9_.-]" ;;
esac
case ${CODERUNNER_LEASE_MS:-1} in
''|*[!0-9]*) die "CODERUNNER_LEASE_MS: not a number" ;;
esac
# where the program listens, and where nginx sends
LISTEN=${CODERUNNER_FCGI_LISTEN:-}
case $LISTEN in
'') SPAWN_LISTEN="-s $SOCKET"; THIS_NODE="unix:$SOCKET" ;;
127.*:[0-9]*|\[::1\]:[0-9]*)
	SPAWN_LISTEN="-a ${LISTEN%:*} -p ${LISTEN##*:}"
	THIS_NODE=$LISTEN ;;
*) die "CODERUNNER_FCGI_LISTEN: a loopback address:port, e.g. 127.0.0.1:9001" ;;
esac
UPSTREAM_SERVERS=
for n in ${CODERUNNER_UPSTREAM:-$THIS_NODE}; do
	case $n in
	*[!A-Za-z0-9_./:\[\]-]*) die "CODERUNNER_UPSTREAM: unsupported character in $n" ;;
	esac
	UPSTREAM_SERVERS="${UPSTREAM_SERVERS}server $n; "
done
APP_CONFIG=$RUNDIR/coderunner.json
FCGI_READ_TIMEOUT=$(( (WAIT_TIMEOUT_MS + 999) / 1000 + 30 ))
WAIT_TIMEOUT_S=$(( (WAIT_TIMEOUT_MS + 999) / 1000 ))

umask 022
chmod 755 "$RUNDIR"
mkdir -p "$CONFDIR" "$RUNDIR/logs" "$RUNDIR/tmp" "$RUNDIR/www" \
    "$RUNDIR/db" "$RUNDIR/boxes" "$RUNDIR/boxes.prepared" "$RUNDIR/bin"
chmod 700 "$RUNDIR/db" "$RUNDIR/boxes"
# the languages' prepared files (prepared_dir): every box reads them
chmod 755 "$RUNDIR/boxes.prepared"
if [ -n "$SVC_USER" ]; then
	# Not chown -R: only the dirs themselves, and what the service
	# made there in an earlier run is its own already.
	chown "$SVC_USER:$SVC_USER" "$RUNDIR/db" "$RUNDIR/boxes" \
	    "$RUNDIR/boxes.prepared"
fi

# --- credentials -----------------------------------------------------------
umask 077
if [ ! -s "$RUNDIR/demo-password" ]; then
	openssl rand -hex 12 >"$RUNDIR/demo-password.tmp"
	mv "$RUNDIR/demo-password.tmp" "$RUNDIR/demo-password"
fi
if [ ! -s "$RUNDIR/api-key" ]; then
	openssl rand -hex 16 >"$RUNDIR/api-key.tmp"
	mv "$RUNDIR/api-key.tmp" "$RUNDIR/api-key"
fi
chmod 600 "$RUNDIR/demo-password" "$RUNDIR/api-key"
PASSWORD=$(cat "$RUNDIR/demo-password")
API_KEY=$(cat "$RUNDIR/api-key")
case $API_KEY in
''|*[!0-9a-f]*) die "$RUNDIR/api-key: not a hex key" ;;
esac

# The worker process reads htpasswd on every request; keys.map is read by
# the master when it loads the config.
HASH=$(printf '%s\n' "$PASSWORD" | openssl passwd -6 -stdin)
printf 'demo:%s\n' "$HASH" >"$CONFDIR/htpasswd.tmp"
printf '# API key -> user (see auth.conf)\n"%s" demo;\n' "$API_KEY" \
    >"$CONFDIR/keys.map.tmp"
for u in ${CODERUNNER_EXTRA_USERS:-}; do
	case $u in
	demo|*[!a-z0-9_]*) die "bad extra user name: $u" ;;
	esac
	[ -s "$RUNDIR/password-$u" ] ||
	    openssl rand -hex 12 >"$RUNDIR/password-$u"
	[ -s "$RUNDIR/api-key-$u" ] ||
	    openssl rand -hex 16 >"$RUNDIR/api-key-$u"
	chmod 600 "$RUNDIR/password-$u" "$RUNDIR/api-key-$u"
	HASH=$(openssl passwd -6 -stdin <"$RUNDIR/password-$u")
	printf '%s:%s\n' "$u" "$HASH" >>"$CONFDIR/htpasswd.tmp"
	printf '"%s" %s;\n' "$(cat "$RUNDIR/api-key-$u")" "$u" \
	    >>"$CONFDIR/keys.map.tmp"
done
if [ -n "$NGINX_GROUP" ]; then
	chgrp "$NGINX_GROUP" "$CONFDIR/htpasswd.tmp"
	chmod 640 "$CONFDIR/htpasswd.tmp"
fi
mv "$CONFDIR/htpasswd.tmp" "$CONFDIR/htpasswd"
mv "$CONFDIR/keys.map.tmp" "$CONFDIR/keys.map"
umask 022

# --- nginx -----------------------------------------------------------------
# The regex form of the prefix for the CODERUNNER_PATH map.
PREFIX_RE=$(printf '%s' "$PREFIX" | sed 's/[.+]/\\&/g')

render() {
	sed -e "s|@RUNDIR@|$RUNDIR|g" \
	    -e "s|@CONFDIR@|$CONFDIR|g" \
	    -e "s|@PORT@|$PORT|g" \
	    -e "s|@SOCKET@|$SOCKET|g" \
	    -e "s|@UPSTREAM_SERVERS@|$UPSTREAM_SERVERS|g" \
	    -e "s|@USER_DIRECTIVE@|$USER_DIRECTIVE|g" \
	    -e "s|@RATE@|$RATE|g" \
	    -e "s|@BURST@|$BURST|g" \
	    -e "s|@CONN@|$CONN|g" \
	    -e "s|@MAX_BODY@|$MAX_BODY|g" \
	    -e "s|@WAIT_TIMEOUT@|$WAIT_TIMEOUT_S|g" \
	    -e "s|@FCGI_READ_TIMEOUT@|$FCGI_READ_TIMEOUT|g" \
	    -e "s|\"~^@PREFIX@|\"~^$PREFIX_RE|g" \
	    -e "s|@PREFIX@|$PREFIX|g" \
	    "$1" >"$2.tmp"
	if grep -n '@[A-Z_]*@' "$2.tmp" >&2; then
		die "$1: unrendered placeholder"
	fi
	mv "$2.tmp" "$2"
}

render "$ROOT/nginx/coderunner.conf.in" "$RUNDIR/nginx.conf"
for f in http.conf auth.conf ratelimit.conf coderunner-location.conf \
    errors.conf fastcgi-params.conf; do
	render "$ROOT/nginx/$f" "$CONFDIR/$f"
done
# The pages' stylesheet and script, served by nginx (coderunner-location.conf).
rm -rf "$CONFDIR/static.tmp"
cp -R "$ROOT/nginx/static" "$CONFDIR/static.tmp"
rm -rf "$CONFDIR/static"
mv "$CONFDIR/static.tmp" "$CONFDIR/static"

# --- the app ---------------------------------------------------------------
# The program and its language table, copied: the service reads nothing
# from the checkout.  A new file is moved over the old one, so a program
# still running from it keeps its own.
cp "$FCGI_SRC" "$FCGI.tmp"
chmod 755 "$FCGI.tmp"
mv "$FCGI.tmp" "$FCGI"
cp "$ROOT/contrib/languages.json" "$LANGUAGES.tmp"
chmod 644 "$LANGUAGES.tmp"
mv "$LANGUAGES.tmp" "$LANGUAGES"

# Words as a JSON list of strings; only plain words are taken.
json_list() {
	out=
	for w in "$@"; do
		case $w in
		*[!A-Za-z0-9_.:/*-]*) die "unsupported character in: $w" ;;
		esac
		out="$out${out:+, }\"$w\""
	done
	printf '[%s]' "$out"
}
for n in ${CODERUNNER_QUEUE_MAX:-0}; do
	case $n in
	''|*[!0-9]*) die "not a number: $n" ;;
	esac
done
case ${CODERUNNER_ALLOW_DELETE:-false} in
true|false) ;;
*) die "CODERUNNER_ALLOW_DELETE must be true or false" ;;
esac
case ${CODERUNNER_JUDGE0_EXTRA_STATUSES:-false} in
true|false) ;;
*) die "CODERUNNER_JUDGE0_EXTRA_STATUSES must be true or false" ;;
esac
case ${CODERUNNER_CALLBACK_SECRET:-} in
*[!A-Za-z0-9_.-]*) die "CODERUNNER_CALLBACK_SECRET: use [A-Za-z0-9_.-]" ;;
esac
case ${CODERUNNER_TOTAL_WALL:-1} in
''|.*|*.|*.*.*|*[!0-9.]*) die "CODERUNNER_TOTAL_WALL: seconds, e.g. 60 or 2.5" ;;
esac
{
	echo '{'
	echo "  \"database\": \"$DATABASE\","
	echo "  \"box_root\": \"$RUNDIR/boxes\","
	echo "  \"languages\": \"$LANGUAGES\","
	echo "  \"base_path\": \"$PREFIX\","
	[ -n "${CODERUNNER_NODE:-}" ] &&
	    echo "  \"node\": \"$CODERUNNER_NODE\","
	[ -n "${CODERUNNER_LEASE_MS:-}" ] &&
	    echo "  \"lease_ms\": $CODERUNNER_LEASE_MS,"
	[ -n "${CODERUNNER_HTTP_WORKERS:-}" ] &&
	    echo "  \"http_workers\": $CODERUNNER_HTTP_WORKERS,"
	[ -n "${CODERUNNER_EXECUTORS:-}" ] &&
	    echo "  \"executors\": $CODERUNNER_EXECUTORS,"
	echo "  \"max_body_bytes\": $MAX_BODY,"
	[ -n "${CODERUNNER_QUEUE_MAX:-}" ] &&
	    echo "  \"queue_max\": $CODERUNNER_QUEUE_MAX,"
	[ -n "${CODERUNNER_ALLOW_DELETE:-}" ] &&
	    echo "  \"allow_delete\": $CODERUNNER_ALLOW_DELETE,"
	[ -n "${CODERUNNER_JUDGE0_EXTRA_STATUSES:-}" ] &&
	    echo "  \"judge0_extra_statuses\": $CODERUNNER_JUDGE0_EXTRA_STATUSES,"
	[ -n "${CODERUNNER_ADMINS:-}" ] &&
	    echo "  \"admins\": $(json_list $CODERUNNER_ADMINS),"
	[ -n "${CODERUNNER_CALLBACK_HOSTS:-}" ] &&
	    echo "  \"callback_allow_hosts\": $(json_list \
	    $CODERUNNER_CALLBACK_HOSTS),"
	[ -n "${CODERUNNER_CALLBACK_SECRET:-}" ] &&
	    echo "  \"callback_secret\": \"$CODERUNNER_CALLBACK_SECRET\","
	[ -n "${CODERUNNER_TOTAL_WALL:-}" ] &&
	    echo "  \"limits_maximum\": {\"total_wall_time\": $CODERUNNER_TOTAL_WALL},"
	echo "  \"wait_timeout_ms\": $WAIT_TIMEOUT_MS"
	echo '}'
} >"$APP_CONFIG.tmp"
mv "$APP_CONFIG.tmp" "$APP_CONFIG"

# --- start scripts ----------------------------------------------------------
NGINX_BIN=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
SPAWN_BIN=$(command -v spawn-fcgi 2>/dev/null || echo /usr/bin/spawn-fcgi)

cat >"$RUNDIR/start-fcgi.tmp" <<EOF
#!/bin/sh
# Generated by contrib/render-config.sh: runs coderunner.fcgi under
# spawn-fcgi in the foreground (-n: spawn-fcgi binds the socket, sets its
# owner and mode, drops privileges and exec's the program, same pid).
# Extra arguments go to coderunner.fcgi (e.g. -v).
set -eu
# cgroup v2: start the service in its delegated leaf, so that it may move
# its sandbox runs into sibling cgroups (contrib/setup-host.sh).
if [ "\$(id -u)" = 0 ] && [ -w /sys/fs/cgroup/coderunner/service/cgroup.procs ]; then
	echo \$\$ >/sys/fs/cgroup/coderunner/service/cgroup.procs || true
fi
exec $SPAWN_BIN -n $SPAWN_LISTEN $SPAWN_ARGS -d $RUNDIR -- \\
    $FCGI -d -c $APP_CONFIG "\$@"
EOF
cat >"$RUNDIR/start-nginx.tmp" <<EOF
#!/bin/sh
# Generated by contrib/render-config.sh: runs nginx in the foreground
# (daemon off) with the prefix $RUNDIR.  Stop: SIGQUIT (graceful).
exec $NGINX_BIN -p $RUNDIR/ -c $RUNDIR/nginx.conf -e $RUNDIR/logs/nginx-error.log "\$@"
EOF
chmod 755 "$RUNDIR/start-fcgi.tmp" "$RUNDIR/start-nginx.tmp"
mv "$RUNDIR/start-fcgi.tmp" "$RUNDIR/start-fcgi"
mv "$RUNDIR/start-nginx.tmp" "$RUNDIR/start-nginx"

cat >"$RUNDIR/stack.env" <<EOF
# Generated by contrib/render-config.sh
RUNDIR=$RUNDIR
PORT=$PORT
PREFIX=$PREFIX
BASE_URL=http://127.0.0.1:$PORT$PREFIX
SOCKET=$SOCKET
DATABASE=$DATABASE
APP_CONFIG=$APP_CONFIG
NGINX_CONF=$RUNDIR/nginx.conf
FCGI=$FCGI
SVC_USER=$SVC_USER
NGINX_USER=$NGINX_USER
EOF

# --- can the service and nginx's workers read what they need? ---------------
if [ -n "$SVC_USER" ]; then
	reach "$SVC_USER" "$APP_CONFIG" sh -c 'cd "$1" && test -x "$2" &&
	    test -r "$3" && test -r "$4"' sh "$RUNDIR" "$FCGI" "$APP_CONFIG" \
	    "$LANGUAGES"
	reach "$NGINX_USER" "$CONFDIR/htpasswd" sh -c 'cd "$1" &&
	    test -r "$2" && test -r "$3"' sh "$RUNDIR" "$CONFDIR/htpasswd" \
	    "$CONFDIR/static/coderunner.css"
fi
