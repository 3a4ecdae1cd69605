# coderunner: one non-recursive Makefile.  Outputs go under $(BUILD).
#   make            release build (build/)
#   make test       install deps, sanitizer build of the unit tests
#                   (build/test/), then every test suite
#   make run        install deps, build, start nginx + spawn-fcgi (run/)
#   make bench      sandbox and end-to-end benchmarks
#   make soak       the fault suite, longer (a few minutes)
#   make check      tests plus check-layering and check-headers
#   make flags      print the final CFLAGS

BUILD	?= build
CC	?= cc
PYTHON	?= /usr/bin/python3
PREFIX	?= /usr/local
SYSCONFDIR ?= /etc

WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wformat=2 -Wpointer-arith -Wcast-qual -Wvla \
	  -Wno-missing-field-initializers
HARDEN	= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
SAN	= -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer

CFLAGS	?= -O2 -g $(HARDEN)
LDFLAGS	?= -pie -Wl,-z,relro,-z,now

PKG_CORE	:= $(shell pkg-config --cflags json-c sqlite3 libseccomp libcurl libzip libpq 2>/dev/null)
# libcurl and libpq are loaded where they are used (fcgi-app/callback.c,
# src/store/pg_lib.c), not linked: see PGLIB_FNS in src/store/pg_int.h
LIBS_CORE	:= $(shell pkg-config --libs json-c sqlite3 libzip 2>/dev/null) -lpthread
# libseccomp builds the filter at build time (seccomp-gen, below); only
# it and the unit tests link it
LIBS_SECCOMP	:= $(shell pkg-config --libs libseccomp 2>/dev/null)
# The CLI's start is on the path of every CLI call (a sandbox run, a
# kept slot's run): it is linked static-pie, so that the loader maps and
# binds nothing at its start (a call 1.2-1.7 ms shorter here, plain or
# in a kept slot, in alternating runs against a CLI that loaded libc and
# libm); its image still loads at a random address, its heap at a less
# random one.  The service stays dynamic, so that the
# distribution's updates reach the code that reads requests without a
# rebuild; the CLI is relinked when the archives it takes in change
# (cli-link.stamp below), so `make install` after an update of glibc,
# json-c or SQLite installs a CLI with it.  It calls no NSS function (a
# source other than files would be loaded from the host with a second
# libc: slot.c, user_name).  glibc's static link warns about dlopen,
# which only SQLite's extension loader calls, and nothing enables it.
# `make CLI_LINK=` links the CLI dynamically, as the sanitizer build does.
CLI_LINK	?= -static-pie
CLI_ARCHIVES	:= libc.a libjson-c.a libsqlite3.a
LIBS_CLI	:= -ljson-c -lsqlite3 -lpthread -lm
# the unit tests' store fixture makes its PostgreSQL database itself
LIBS_PQ_FIXTURE	:= $(shell pkg-config --libs libpq 2>/dev/null)
LIBS_FCGI	:= $(shell pkg-config --libs fcgi 2>/dev/null)
LIBS_CMOCKA	:= $(shell pkg-config --libs cmocka 2>/dev/null)

ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -MMD -MP -Isrc -I$(BUILD)/gen $(PKG_CORE)

# seccomp-gen's sources: the policy and the generator, not the library's
SECCOMP_GEN_SRCS := src/sandbox/seccomp_policy.c src/sandbox/seccomp_gen.c
SECCOMP_POLICY_OBJS := $(BUILD)/obj/src/sandbox/seccomp_policy.o \
	     $(BUILD)/obj/src/base/err.o
LIB_SRCS  := $(filter-out $(SECCOMP_GEN_SRCS),$(wildcard src/base/*.c \
	     src/sandbox/*.c src/judge/*.c src/store/*.c src/api/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/schema_sql.o \
	     $(BUILD)/obj/gen/seccomp_bpf.o
# The PostgreSQL backend, linked in whole by the programs that may use it
# (the service, the unit tests); the CLI, whose commands work on a
# site's SQLite store, leaves it out (src/store/pg_int.h, PG_API)
PG_OBJS   := $(filter $(BUILD)/obj/src/store/pg%.o,$(LIB_OBJS))
CLI_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/cli/*.c))
FCGI_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard fcgi-app/*.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# the other files of tests/unit/ are fixtures, linked into every unit test
UNIT_FIX_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,\
	     $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))
HELPER_SRCS := $(wildcard tests/sandbox/progs/*.c)

LIB	= $(BUILD)/libcoderunner.a

all: $(BUILD)/coderunner $(BUILD)/coderunner.fcgi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# sql/schema.sql is version 1; sql/NNN_<what>.sql is version NNN.  All of
# them become C strings and one table, store_migrations[], in order.  The
# same for PostgreSQL's dialect from sql/pg/: store_pg_migrations[].
SQL_FILES := sql/schema.sql $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql))
PG_SQL_FILES := sql/pg/schema.sql \
	     $(sort $(wildcard sql/pg/[0-9][0-9][0-9]_*.sql))
$(BUILD)/gen/schema_sql.c: $(SQL_FILES) $(PG_SQL_FILES) Makefile
	@mkdir -p $(@D)
	{ echo '/* generated from sql/ by the Makefile */'; \
	  echo '#include <stddef.h>'; \
	  echo 'struct migration { int version; const char *sql; };'; \
	  for set in "store:$(SQL_FILES)" "store_pg:$(PG_SQL_FILES)"; do \
	    name=$${set%%:*}; files=$${set#*:}; \
	    for f in $$files; do \
	      n=$$(basename $$f .sql); v=$${n%%_*}; \
	      [ "$$n" = schema ] && v=1; v=$$(expr $$v + 0); \
	      echo "static const char $${name}_sql_$$v[] ="; \
	      sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; \
	      echo ';'; \
	    done; \
	    echo "const struct migration $${name}_migrations[] = {"; \
	    for f in $$files; do \
	      n=$$(basename $$f .sql); v=$${n%%_*}; \
	      [ "$$n" = schema ] && v=1; v=$$(expr $$v + 0); \
	      echo "	{ $$v, $${name}_sql_$$v },"; \
	    done; \
	    echo '};'; \
	    echo "const size_t $${name}_nmigrations = sizeof($${name}_migrations) / sizeof($${name}_migrations[0]);"; \
	  done; \
	} > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/schema_sql.o: $(BUILD)/gen/schema_sql.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-variable-declarations -c -o $@ $<

# The seccomp filter, built from the policy at build time, for the build
# host's architecture (src/sandbox/seccomp.c says why)
$(BUILD)/seccomp-gen: $(BUILD)/obj/src/sandbox/seccomp_gen.o \
	    $(SECCOMP_POLICY_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_SECCOMP)

# (again when libseccomp's version changes: dpkg gives a file its
# package's date, so the library's age cannot tell; no leak check in a
# sanitizer build: LeakSanitizer cannot run under a tracer)
$(BUILD)/gen/libseccomp.version: FORCE
	@mkdir -p $(@D)
	@v=$$(pkg-config --modversion libseccomp 2>/dev/null); \
	    [ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@

# How the CLI is linked and, when static, the checksums of the archives
# it takes in, rewritten only when they change: an updated archive keeps
# its package's date, older than a CLI built before the update, so make's
# own rule would not relink it
$(BUILD)/gen/cli-link.stamp: FORCE
	@mkdir -p $(@D)
	@v="$(CLI_LINK)"; \
	if [ -n "$(CLI_LINK)" ]; then for a in $(CLI_ARCHIVES); do \
	    f=$$($(CC) -print-file-name=$$a); \
	    [ -f "$$f" ] || { echo "$$a: not found ($(CC))" >&2; exit 1; }; \
	    v="$$v $$(cksum < "$$f")"; done; fi; \
	[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@

$(BUILD)/gen/seccomp_bpf.c: $(BUILD)/seccomp-gen $(BUILD)/gen/libseccomp.version
	@mkdir -p $(@D)
	ASAN_OPTIONS=$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}detect_leaks=0 \
	    $(BUILD)/seccomp-gen > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/seccomp_bpf.o: $(BUILD)/gen/seccomp_bpf.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/coderunner: $(CLI_OBJS) $(LIB) $(BUILD)/gen/cli-link.stamp
	$(CC) $(CFLAGS) $(LDFLAGS) $(CLI_LINK) -o $@ $(CLI_OBJS) $(LIB) $(LIBS_CLI)

$(BUILD)/coderunner.fcgi: $(FCGI_OBJS) $(PG_OBJS) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(FCGI_OBJS) $(PG_OBJS) $(LIB) \
	    $(LIBS_FCGI) $(LIBS_CORE)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(UNIT_FIX_OBJS) $(PG_OBJS) \
	    $(SECCOMP_POLICY_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_FIX_OBJS) $(PG_OBJS) \
	    $(BUILD)/obj/src/sandbox/seccomp_policy.o $(LIB) \
	    $(LIBS_CORE) $(LIBS_SECCOMP) $(LIBS_PQ_FIXTURE) $(LIBS_CMOCKA)

unit-tests: $(UNIT_BINS)

deps:
	sh contrib/install-deps.sh

# The unit tests are built with ASan/UBSan in build/test; the programs the
# integration tests start are the release build.
test: deps
	$(MAKE) all
	$(MAKE) BUILD=build/test CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" \
	    CLI_LINK= unit-tests build/test/coderunner
	$(PYTHON) -m pytest -p no:cacheprovider -q -rs tests $(PYTEST_ARGS)
	$(MAKE) test-pg

# The API suites once more, with the service's data in PostgreSQL (a
# throwaway cluster; they skip with the reason where it cannot be made)
PG_SUITES = tests/integration/test_store_backend.py \
	    tests/integration/test_api.py \
	    tests/integration/test_judge0_compat.py \
	    tests/integration/test_piston.py \
	    tests/integration/test_additional_files.py
test-pg:
	CODERUNNER_TEST_STORE=postgresql $(PYTHON) -m pytest \
	    -p no:cacheprovider -q -rs $(PG_SUITES) $(PYTEST_ARGS)

check: test check-layering check-headers

# include rules (check-layering.sh), then the calls between the files of
# src/api from their objects (check-calls.sh)
check-layering: $(LIB)
	sh contrib/check-layering.sh
	sh contrib/check-calls.sh src/api $(BUILD)/obj/src/api

check-headers:
	@for h in $$(find src -name '*.h'); do \
		printf '#include "%s"\n' "$${h#src/}" | \
		$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) -Isrc -I$(BUILD)/gen $(PKG_CORE) \
		    -fsyntax-only -x c - || exit 1; \
	done; echo "headers: ok"

run: deps all
	sh contrib/run.sh

bench: deps all
	$(PYTHON) tests/bench/bench.py

# The fault suite of `make test`, longer: the database locked for 30 s,
# each fault three times, more submissions meanwhile; the three
# PostgreSQL nodes with 150 jobs instead of 36 (loopback only).
soak: deps all
	CODERUNNER_FAULT_LOCK_S=30 CODERUNNER_FAULT_ROUNDS=3 \
	CODERUNNER_FAULT_LOAD_RPS=8 CODERUNNER_PG_JOBS=150 \
	    $(PYTHON) -m pytest -p no:cacheprovider -q -rs \
	    tests/integration/test_faults.py \
	    tests/integration/test_postgresql.py

flags:
	@echo "CFLAGS=$(ALL_CFLAGS)"
	@echo "LDFLAGS=$(LDFLAGS)"

# make install [PREFIX=/usr/local] [DESTDIR=...]: the programs, the
# systemd unit and its start script, setup-host, the AppArmor profile
# and the README; a config in
# $(SYSCONFDIR)/coderunner/ only if there is none (never overwritten).
# Files that name their own paths are rendered with PREFIX.
SHARE	= $(DESTDIR)$(PREFIX)/share/coderunner
LIBEXEC	= $(DESTDIR)$(PREFIX)/libexec/coderunner
UNITDIR	= $(DESTDIR)$(PREFIX)/lib/systemd/system
RENDER	= sed -e 's|@PREFIX@|$(PREFIX)|g'
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/apparmor \
	    $(LIBEXEC) $(UNITDIR) $(DESTDIR)$(PREFIX)/share/doc/coderunner \
	    $(DESTDIR)$(SYSCONFDIR)/coderunner
	install -m 755 $(BUILD)/coderunner $(BUILD)/coderunner.fcgi \
	    $(DESTDIR)$(PREFIX)/bin/
	install -m 644 contrib/languages.json contrib/coderunner.json \
	    $(SHARE)/
	install -m 755 contrib/setup-host.sh $(LIBEXEC)/setup-host
	$(RENDER) contrib/systemd-start.sh > $(LIBEXEC)/systemd-start.tmp
	chmod 755 $(LIBEXEC)/systemd-start.tmp
	mv $(LIBEXEC)/systemd-start.tmp $(LIBEXEC)/systemd-start
	$(RENDER) contrib/coderunner.service > $(UNITDIR)/coderunner.service
	chmod 644 $(UNITDIR)/coderunner.service
	$(RENDER) contrib/apparmor/coderunner > $(SHARE)/apparmor/coderunner
	chmod 644 $(SHARE)/apparmor/coderunner
	install -m 644 README.md LICENSE $(DESTDIR)$(PREFIX)/share/doc/coderunner/
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/coderunner/coderunner.json ]; then \
	    $(RENDER) contrib/coderunner-system.json > \
	        $(DESTDIR)$(SYSCONFDIR)/coderunner/coderunner.json && \
	    chmod 644 $(DESTDIR)$(SYSCONFDIR)/coderunner/coderunner.json; \
	else echo "install: kept $(DESTDIR)$(SYSCONFDIR)/coderunner/coderunner.json"; fi

clean:
	rm -rf build

FORCE:

.PHONY: all test test-pg check check-layering check-headers run bench soak flags \
	install clean deps unit-tests FORCE
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
