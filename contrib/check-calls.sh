#!/bin/sh
# check-calls.sh SRCDIR OBJDIR: the calls between the C files of one
# folder have no circle.  They are read from the files' objects with nm:
# a file's undefined symbols that another file of the folder defines are
# its calls into that file.  Reports every pair of files that call into
# each other both ways, then any longer circle (tsort), and exits 1 if
# there is one.  make check-layering runs it on src/api.
set -eu

src=${1:?usage: check-calls.sh SRCDIR OBJDIR}
dir=${2:?usage: check-calls.sh SRCDIR OBJDIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the objects of the folder's sources (not of files since removed)
for c in "$src"/*.c; do
	o=$dir/$(basename "$c" .c).o
	if [ ! -f "$o" ] || [ "$o" -ot "$c" ]; then
		echo "calls: $o is missing or older than $c (build first)"
		exit 1
	fi
	echo "$o"
done > "$tmp/objs"

# "symbol file" for every definition, "symbol file" for every use
while read -r o; do
	f=$(basename "$o" .o).c
	nm -g --defined-only "$o" | awk -v f="$f" 'NF == 3 { print $3, f }'
done < "$tmp/objs" | sort > "$tmp/defs"
while read -r o; do
	f=$(basename "$o" .o).c
	nm -u "$o" | awk -v f="$f" '{ print $NF, f }'
done < "$tmp/objs" | sort > "$tmp/uses"
# "caller callee symbol": a use that another file of the folder defines
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3, $1 }' |
    sort -u > "$tmp/calls"

bad=0
# both ways: a -> b and b -> a
awk '{ print $1, $2 }' "$tmp/calls" | sort -u > "$tmp/edges"
awk '{ e[$1 " " $2] = 1 } END { for (k in e) { split(k, p, " ");
    if (p[1] < p[2] && ((p[2] " " p[1]) in e)) print k } }' "$tmp/edges" |
    sort > "$tmp/pairs"
if [ -s "$tmp/pairs" ]; then
	while read -r a b; do
		ab=$(awk -v a="$a" -v b="$b" '$1 == a && $2 == b { print $3 }' \
		    "$tmp/calls" | tr '\n' ' ' | sed 's/ $//')
		ba=$(awk -v a="$a" -v b="$b" '$1 == b && $2 == a { print $3 }' \
		    "$tmp/calls" | tr '\n' ' ' | sed 's/ $//')
		echo "calls: $a <-> $b: $a calls ${ab}; $b calls ${ba}"
		bad=1
	done < "$tmp/pairs"
fi
# any longer circle
if ! tsort "$tmp/edges" > /dev/null 2> "$tmp/loop"; then
	echo "calls: a circle among the files of $dir:"
	grep -v 'input contains a loop' "$tmp/loop" | sed 's/^tsort: /    /'
	bad=1
fi
if [ "$bad" -ne 0 ]; then
	exit 1
fi
echo "calls: ok: $(wc -l < "$tmp/edges") file-to-file calls in $src," \
    "no circle"
