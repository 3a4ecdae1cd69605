#!/bin/sh
# install-deps.sh: installs the Debian 12 packages coderunner needs to build,
# run and test, then (as root) prepares the host with setup-host.sh.
#
# Idempotent and fast when everything is there: one dpkg-query, no apt.
# Only when something is missing does it run `apt-get update` once and
# `apt-get install --no-install-recommends`, as root or through sudo.
#
# nginx: installing nginx-light runs its postinst, which would start the
# system nginx on port 80.  A policy-rc.d that answers 101 ("action
# forbidden") stops that for the duration of the install; coderunner starts
# its own nginx with its own prefix and never reads or writes /etc/nginx.
#
# To add packages (e.g. a language toolchain), append to a group below.
set -eu

cd "$(dirname "$0")/.."

# build: compiler, pkg-config and the libraries' headers (libcurl and
# libpq are loaded at run time, not linked: see PKGS_RUN)
PKGS_BUILD="build-essential pkg-config g++ libfcgi-dev libjson-c-dev
	libseccomp-dev libsqlite3-dev libcurl4-openssl-dev libcmocka-dev
	libzip-dev libpq-dev"
# run: the web server, the FastCGI spawner, tools make run and the README
# use, and the libraries the service loads with dlopen (libcurl for
# callbacks, libpq for a PostgreSQL store)
PKGS_RUN="nginx-light spawn-fcgi openssl sqlite3 curl uidmap iproute2
	libcurl4 libpq5"
# test: pytest and friends from Debian (/usr/bin/python3), the browser,
# the tools the benchmarks compare against, systemd for
# `systemd-analyze verify` of contrib/coderunner.service (the package
# installs and verifies without systemd running; installed only when
# missing, like everything here), and the PostgreSQL server the tests
# start throwaway clusters of (tests/pgcluster.py; its package creates a
# cluster "main" but, with the policy-rc.d below, starts nothing)
PKGS_TEST="clang python3-pytest python3-requests python3-selenium libjs-jquery
	python3-hypothesis chromium chromium-driver bubblewrap hyperfine
	systemd postgresql strace linux-perf"
# (libjs-jquery: the jQuery the Judge0 IDE test serves in place of a CDN;
# strace: tests/sandbox/test_cgroup_v2.py reads the calls a run makes;
# linux-perf: tests/bench/timeline.py records the scheduler's events)
# languages offered by contrib/languages.json (C comes with build-essential)
# the language table's toolchains (contrib/languages.json)
PKGS_LANG="python3 gcc g++ nodejs node-typescript default-jdk-headless
    golang-go rustc bash ruby php-cli lua5.4 pypy3"
# extra packages from the caller, e.g. CODERUNNER_EXTRA_PKGS="golang-go"
PKGS_EXTRA=${CODERUNNER_EXTRA_PKGS:-}

PKGS="$PKGS_BUILD $PKGS_RUN $PKGS_TEST $PKGS_LANG $PKGS_EXTRA"

# Prints the packages of $PKGS that are not fully installed.
missing_packages() {
	# One call for all of them; unknown names print nothing on stdout.
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
	    $PKGS 2>/dev/null | awk '$1 == "ii" { print $2 }') || true
	installed=" $(echo $installed) "
	for p in $PKGS; do
		case $installed in
		*" $p "*) ;;
		*) printf '%s ' "$p" ;;
		esac
	done
}

if [ "$(id -u)" = 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	SUDO=none
fi

as_root() {
	if [ "$SUDO" = none ]; then
		echo "install-deps: need root or sudo to run: $*" >&2
		exit 1
	fi
	$SUDO "$@"
}

POLICY=/usr/sbin/policy-rc.d
POLICY_SAVED=/usr/sbin/policy-rc.d.coderunner-saved
policy_installed=no

restore_policy() {
	[ "$policy_installed" = yes ] || return 0
	if [ -e "$POLICY_SAVED" ]; then
		as_root mv -f "$POLICY_SAVED" "$POLICY"
	else
		as_root rm -f "$POLICY"
	fi
	policy_installed=no
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
	echo "install-deps: installing: $missing"
	# Keep the package scripts from starting the system nginx (port 80).
	if [ -e "$POLICY" ]; then
		as_root cp -p "$POLICY" "$POLICY_SAVED"
	fi
	trap restore_policy EXIT
	trap 'exit 130' INT TERM
	policy_installed=yes
	printf '#!/bin/sh\n# installed by coderunner install-deps.sh\nexit 101\n' |
	    as_root tee "$POLICY" >/dev/null
	as_root chmod 755 "$POLICY"

	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing

	restore_policy
	trap - EXIT INT TERM

	still=$(missing_packages)
	if [ -n "$still" ]; then
		echo "install-deps: still missing after apt-get: $still" >&2
		exit 1
	fi
else
	echo "install-deps: all packages present"
fi

if [ "$(id -u)" = 0 ]; then
	sh contrib/setup-host.sh
else
	echo "install-deps: not root: skipped contrib/setup-host.sh (service" \
	    "user and cgroup delegation; run it with sudo for a deployment)"
fi
