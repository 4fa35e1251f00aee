#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fail if the files of kmod/ depend on each other in a circle.  The graph
# is file-level: A.o -> B.o when a symbol undefined in A is defined in B
# (nm of the built objects: the calls and data references between the
# module's files, whatever module they end up in), and A -> H when A
# #includes "H" from kmod/ or uapi/.  tsort finds the cycles.
#
#   scripts/kmod-cycles.sh [DIR]   DIR: a tree with the built kmod/*.o
#                                  (default: this one, after make module)
# Prints the edges with -v; exits 1 and names a cycle if there is one.
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
verbose=0
[ "${2:-}" = -v ] && verbose=1
cd "$dir"

objs=()
for o in kmod/*.o; do
	case $o in *.mod.o) continue ;; esac
	objs+=("$o")
done
[ ${#objs[@]} -gt 0 ] || { echo "kmod-cycles: no kmod/*.o in $dir (build first)" >&2; exit 2; }

edges=$(mktemp)
trap 'rm -f "$edges" "$edges.def"' EXIT
# Global definitions: symbol file.
for o in "${objs[@]}"; do
	nm --defined-only -g "$o" | awk -v f="${o%.o}.c" '{ print $3, f }'
done | sort -u >"$edges.def"
# Undefined symbols resolved by another file of kmod/.
for o in "${objs[@]}"; do
	nm -u "$o" | awk '{ print $2 }' | sort -u |
		join - "$edges.def" | awk -v f="${o%.o}.c" '$2 != f { print f, $2 }'
done >"$edges"
# Includes of our own headers.
for f in kmod/*.c kmod/*.h uapi/*.h; do
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
		for d in "$(dirname "$f")" kmod uapi; do
			if [ -f "$d/$h" ]; then
				echo "$f $d/$h"
				break
			fi
		done
	done
done >>"$edges"
sort -u -o "$edges" "$edges"
[ $verbose -eq 0 ] || sed 's/ / -> /' "$edges"
if ! out=$(tsort "$edges" 2>&1 >/dev/null); then
	echo "kmod-cycles: the files of kmod/ depend on each other in a circle:"
	printf '%s\n' "$out" | sed -e 's/^tsort: [^:]*: input contains a loop:/cycle:/' \
		-e 's/^tsort: /  /'
	exit 1
fi
echo "kmod-cycles: $(wc -l <"$edges") edges, no cycle"
