#!/bin/sh
# check-layering.sh: checks the include rules of DESIGN.md section 1.
#
#   fcgi-app -> api -> judge, store -> sandbox -> base
#
#  - nothing in src/ includes libfcgi (fcgiapp.h, fcgi_stdio.h, fcgio.h,
#    fcgi_config.h) or calls FCGX_*: only fcgi-app/ talks FastCGI;
#  - src/sandbox/ includes no sqlite3.h and no json-c header;
#  - src/base/ and src/sandbox/ include nothing from api/, store/, judge/
#    (and base/ nothing from sandbox/ either);
#  - src/judge/ includes nothing from api/ or store/;
#  - src/store/ includes nothing from api/;
#  - only src/store/ includes sqlite3.h or libpq-fe.h (nothing else opens
#    the database), store_int.h or pg_int.h (the backends' private
#    headers); the rest of the tree reaches the store through store.h and
#    queue.h.
#  - in src/api/ only body.c parses JSON (a request body, once): the
#    pages and the answers build JSON, they never read our own back.
# make check-layering also runs check-calls.sh: no two files of src/api
# call into each other, nor in any longer circle.
# Prints each violation as file:line: text, and exits 1 if there is any.
set -eu

cd "$(dirname "$0")/.."

violations=0

# check DESC DIR REGEX: reports lines of the C files under DIR matching REGEX.
check() {
	desc=$1 dir=$2 re=$3
	[ -d "$dir" ] || return 0
	hits=$(find "$dir" -type f \( -name '*.c' -o -name '*.h' \) \
	    -exec grep -HnE "$re" {} + 2>/dev/null || true)
	if [ -n "$hits" ]; then
		echo "layering: $desc:"
		echo "$hits" | sed 's/^/    /'
		violations=$((violations + 1))
	fi
}

inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]'
up='(\.\./)*'

check "src/ includes libfcgi (only fcgi-app/ may)" src \
    "$inc(fcgiapp|fcgi_stdio|fcgio|fcgi_config|fcgios)\.h[>\"]"
check "src/ calls FCGX_ (only fcgi-app/ may)" src 'FCGX_'
check "src/sandbox/ includes sqlite, libpq or json-c" src/sandbox \
    "$inc(sqlite3\.h|sqlite3ext\.h|libpq-fe\.h|json\.h|json-c/|json_[a-z_]*\.h)"
check "src/sandbox/ includes api/, store/ or judge/" src/sandbox \
    "$inc$up(api|store|judge)/"
check "src/base/ includes api/, store/, judge/ or sandbox/" src/base \
    "$inc$up(api|store|judge|sandbox)/"
check "src/judge/ includes api/ or store/" src/judge \
    "$inc$up(api|store)/"
check "src/store/ includes api/" src/store "$inc$up(api)/"
for dir in src/base src/sandbox src/judge src/api src/cli fcgi-app; do
	check "$dir/ includes sqlite3.h, libpq-fe.h, store_int.h or pg_int.h (only src/store/ may)" \
	    "$dir" \
	    "$inc(sqlite3\.h|sqlite3ext\.h|libpq-fe\.h|(store/)?(store|pg)_int\.h)[>\"]"
done

# JSON is parsed in body.c alone
hits=$(find src/api -type f -name '*.c' ! -name body.c -exec grep -HnE \
    'json_tokener|json_object_from_(file|fd)' {} + 2>/dev/null || true)
if [ -n "$hits" ]; then
	echo "layering: src/api parses JSON outside body.c:"
	echo "$hits" | sed 's/^/    /'
	violations=$((violations + 1))
fi

if [ "$violations" -gt 0 ]; then
	echo "layering: $violations rule(s) broken"
	exit 1
fi
echo "layering: ok"
