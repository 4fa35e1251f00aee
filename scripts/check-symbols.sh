#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The shared library exports exactly the public API, versioned:
#
#   scripts/check-symbols.sh LIBMEMWELL.SO INCLUDEDIR
#
# compares the symbols LIBMEMWELL.SO defines in its dynamic table with the
# out-of-line functions the headers in INCLUDEDIR (an installed
# include/memwell/) declare: every declared function is exported under a
# LIBMEMWELL_* version node (userlib/libmemwell.map), nothing else is.  The
# declarations come from gcc's -aux-info, so static inline functions (the
# ring core) are told apart from the prototypes by the compiler itself.
# Prints TAP; exits non-zero on a mismatch.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 LIB.so INCLUDEDIR" >&2; exit 2; }
lib=$1 incdir=$(cd "$2" && pwd) || exit 2
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/tap.sh
. "$here/tests/lib/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every header of INCLUDEDIR in one translation unit.
for h in "$incdir"/*.h; do echo "#include \"$h\""; done >"$tmp/all.c"
if ! gcc -std=gnu11 -fsyntax-only -aux-info "$tmp/aux" "$tmp/all.c" 2>"$tmp/err"; then
	echo "1..1"
	tap_report 1 "the headers of $incdir compile together" "$(cat "$tmp/err")"
	exit 1
fi
# "/* FILE:LINE:NC */ extern TYPE NAME (ARGS);": declared (N), not
# defined, with a prototype (C), not static.
grep -F "/* $incdir/" "$tmp/aux" | grep -E '^/\* [^ ]+:[0-9]+:NC \*/ extern ' |
	sed -E 's/^.*[ *]([A-Za-z_][A-Za-z0-9_]*) \(.*$/\1/' | sort -u >"$tmp/declared"

# "NAME@@NODE" for every defined dynamic symbol but the nodes themselves.
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sort -u >"$tmp/exported"
sed 's/@.*//' "$tmp/exported" | sort -u >"$tmp/exported_names"

echo "1..4"
[ -s "$tmp/declared" ]
tap_report $? "the headers declare functions ($(wc -l <"$tmp/declared") found)"
missing=$(comm -23 "$tmp/declared" "$tmp/exported_names")
[ -z "$missing" ]
tap_report $? "every function the public headers declare is exported" \
	"declared, not exported: ${missing//$'\n'/ }"
extra=$(comm -13 "$tmp/declared" "$tmp/exported_names")
[ -z "$extra" ]
tap_report $? "nothing but the public API is exported" \
	"exported, not declared: ${extra//$'\n'/ }"
unversioned=$(grep -vE '@@LIBMEMWELL_[0-9]+\.[0-9]+$' "$tmp/exported")
[ -z "$unversioned" ]
tap_report $? "every export has a LIBMEMWELL_* version node" \
	"unversioned: ${unversioned//$'\n'/ }"
[ "$TAP_FAILED" -eq 0 ]
