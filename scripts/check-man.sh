#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The man pages as TAP: every page (and .so link) renders without a warning
# under groff -ww and man --warnings; every function libmemwell.h declares
# and every public inline function of the ring core has a page or a link
# that names it; no page names a function that does not exist; memwell(1)
# covers every CLI command and long option.  Needs groff and man-db
# (Debian: groff-base, man-db).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

for tool in groff man; do
	command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool missing (groff-base, man-db)"; exit 1; }
done

# The ring core's public inline API: core/, less the shim (primitives, no
# API); internals are named __memwell_* and need no page.
core_hdrs=$(for h in core/*.h; do case $h in *shim*) ;; *) echo "$h" ;; esac; done)

# Functions of the library's headers (libmemwell.h, libmemwell_ffi.h):
# prototypes start a line.
lib_fns=$(grep -hoE '^[a-z_][a-z0-9_ ]*[ *](memwell_[a-z0-9_]+)\(' userlib/libmemwell*.h |
	sed -E 's/.*[ *](memwell_[a-z0-9_]+)\($/\1/' | sort -u)
# Inline functions of the core (the return type may be on the same line).
# shellcheck disable=SC2086
core_fns=$(grep -hoE '^static (inline|__memwell_hot) [^(]*[ *]([A-Za-z_][A-Za-z0-9_]*)\(' $core_hdrs |
	sed -E 's/.*[ *]([A-Za-z_][A-Za-z0-9_]*)\($/\1/' | grep '^memwell_' | sort -u)
all_fns=$(printf '%s\n%s\n' "$lib_fns" "$core_fns" | sort -u)

# The names a page's NAME section lists (a link: its target's).
page_names() {
	sed -n '/^\.SH NAME/,/^\.SH/p' "$1" | sed '1d;$d' | tr '\n' ' ' |
		sed -E 's/\\-.*//' | tr ',' '\n' | tr -d ' \t' | grep -v '^$'
}
# A .so link's target, or the page itself.
page_target() {
	local so
	so=$(sed -n 's/^\.so //p' "$1")
	if [ -n "$so" ]; then echo "man/$so"; else echo "$1"; fi
}

pages=$(ls man/man1/*.1 man/man3/*.3 man/man7/*.7 2>/dev/null)
fns_count=$(printf '%s\n' "$all_fns" | grep -c .)
real_pages=$(for p in $pages; do grep -q '^\.so ' "$p" || echo "$p"; done)
cmds=$(sed -n '/^} cmds\[\] = {/,/^};/p' userlib/cli/memwell.c |
	grep -oE '\{ "[a-z-]+"' | sed 's/{ "//; s/"//')
opts=$(grep -hoE '\{ "[a-z][a-z-]+", (no|required|optional)_argument' userlib/cli/*.c userlib/cli/*.h |
	sed -E 's/\{ "([a-z-]+)".*/\1/' | sort -u)

total=$(( $(echo "$pages" | wc -w) + fns_count + $(echo "$real_pages" | wc -w) +
	$(echo "$cmds" | wc -w) + $(echo "$opts" | wc -w) ))
echo "1..$total"

# Rendering: links resolve their .so against man/, as man(1) does in a
# man hierarchy.
for p in $pages; do
	rel=${p#man/}
	out=$(cd man && { groff -s -ww -z -man -t "$rel" 2>&1
		MANWIDTH=80 man --warnings -l "$rel" 2>&1 >/dev/null; })
	tap_report "$([ -z "$out" ]; echo $?)" "renders without warnings: $rel" "$out"
done

# Coverage: a page or link per function, whose page names it.
for f in $all_fns; do
	p=man/man3/$f.3
	if [ ! -f "$p" ]; then
		tap_report 1 "has a page or link: $f()" "no $p"
		continue
	fi
	t=$(page_target "$p")
	page_names "$t" 2>/dev/null | grep -qxF "$f"
	tap_report $? "has a page or link: $f() ($t)" "$t does not name $f in NAME"
done

# No stale names: what a page's NAME lists exists (pages 1 and 7 name
# the program and the device).
for p in $real_pages; do
	case $p in
	man/man3/*)
		stale=$(page_names "$p" | while read -r f; do
			printf '%s\n' "$all_fns" | grep -qxF "$f" || echo "$f"
		done)
		;;
	*) stale=$(page_names "$p" | grep -vx memwell) ;;
	esac
	tap_report "$([ -z "$stale" ]; echo $?)" "names only what exists: ${p#man/}" "unknown: $stale"
done

# memwell(1) covers the CLI: a subsection per command, every long option.
for c in $cmds; do
	grep -qE "^\.SS \"?$c( |\"|$)" man/man1/memwell.1
	tap_report $? "memwell(1) has a section for command $c"
done
for o in $opts; do
	grep -qF -- "\\-\\-${o//-/\\-}" man/man1/memwell.1
	tap_report $? "memwell(1) documents --$o"
done

[ "$TAP_FAILED" -eq 0 ]
