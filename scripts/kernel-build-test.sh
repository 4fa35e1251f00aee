#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build memwell's kernel modules against kernel trees, as TAP: memwell.ko,
# the KUnit module when the tree has CONFIG_KUNIT, the example module and
# the kfifo bench module, each with no compiler or modpost warning.
#
#   scripts/kernel-build-test.sh [KDIR...]
#
# Default trees: Debian's stock headers and the 6.12 tree of
# scripts/kernel-6.12.sh.  A tree prepared with modules_prepare has no
# Module.symvers: there modpost cannot resolve the kernel's symbols
# (KBUILD_MODPOST_WARN=1 and its "missing" warnings are expected), so each
# symbol a module imports is looked up among the exports in the tree's
# sources instead.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD

if [ $# -eq 0 ]; then
	set -- "/lib/modules/$(scripts/kver.sh)/build" "$(scripts/kernel-6.12.sh)"
fi

# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What a tree exports, from its sources: EXPORT_*SYMBOL*(name), and the
# module parameter ops that kernel/params.c exports through a macro.
tree_exports() {
	(cd "$1" && grep -rhoE --include='*.[chS]' \
		'(EXPORT_[A-Z_]*SYMBOL[A-Z_]*\(\s*[A-Za-z0-9_]+|^STANDARD_PARAM_DEF\([a-z]+)' \
		kernel mm fs lib block init ipc security net/core arch/x86 \
		drivers/base drivers/char 2>/dev/null) |
		sed -E 's/^STANDARD_PARAM_DEF\(([a-z]+)/param_ops_\1/; s/.*\(\s*//' | sort -u
}

# build NAME KDIR DIR KO... [-- make args...]: build the modules in DIR;
# each KO must come out, with no warning on the way.
build() {
	local name=$1 kdir=$2 dir=$3 out extra=() noise kos=() ko
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		kos+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	[ -f "$kdir/Module.symvers" ] || extra=(KBUILD_MODPOST_WARN=1)
	out=$(nice make -C "$kdir" M="$dir" "${extra[@]}" "$@" modules 2>&1)
	local rc=$?
	# Messages that are no finding: Debian's headers lack vmlinux for BTF,
	# and a modules_prepare tree lacks Module.symvers (checked below).
	noise='^(make(\[[0-9]+\])?: |  [A-Z]+ |Skipping BTF generation)'
	if [ ${#extra[@]} -gt 0 ]; then
		noise+='|^WARNING: Module.symvers is missing|^ +(Modules may|You may|You can set|if you want)'
		noise+='|^WARNING: modpost: "[A-Za-z0-9_.]+" \[.*\] undefined!$'
		noise+='|^WARNING: modpost: suppressed [0-9]+ unresolved symbol warnings'
	fi
	out=$(printf '%s\n' "$out" | grep -vE "$noise")
	for ko in "${kos[@]}"; do
		[ -f "$dir/$ko" ] || { out+=$'\n'"no $ko"; rc=1; }
	done
	tap_report "$([ $rc -eq 0 ] && [ -z "$out" ]; echo $?)" "$name: builds without warnings" "$out"
}

# imports NAME KO EXPORTS: every undefined symbol of KO is exported.
imports() {
	local missing
	missing=$(nm -u "$2" | awk '{ print $2 }' | sort -u | comm -23 - "$3")
	tap_report "$([ -z "$missing" ]; echo $?)" "$1: every import is exported" "missing: $missing"
}

i=0
for kdir in "$@"; do
	i=$((i + 1))
	ver=$(make -s -C "$kdir" kernelversion 2>/dev/null || basename "$kdir")
	src=$tmp/$i
	mkdir -p "$src"
	(cd "$root" && find Kbuild VERSION kmod uapi core docs/example tests/bench-vm \
		-type f \( -name Kbuild -o -name VERSION -o -name '*.[ch]' \) -print0 |
		cpio -pdm0 --quiet "$src")
	kunit=0
	grep -qx 'CONFIG_KUNIT=y' "$kdir/.config" 2>/dev/null && kunit=1
	grep -qx 'CONFIG_KUNIT=y' "$kdir/include/config/auto.conf" 2>/dev/null && kunit=1

	if [ $kunit -eq 1 ]; then
		build "$ver: memwell.ko, the source kinds + memwell_test.ko (KUnit)" \
			"$kdir" "$src" memwell.ko memwell_gen.ko memwell_sched.ko \
			memwell_sink.ko memwell_test.ko
	else
		build "$ver: memwell.ko and the source kinds" "$kdir" "$src" \
			memwell.ko memwell_gen.ko memwell_sched.ko memwell_sink.ko
	fi
	build "$ver: memwell_example.ko" "$kdir" "$src/docs/example" \
		memwell_example.ko -- KBUILD_EXTRA_SYMBOLS="$src/Module.symvers"
	build "$ver: kfifo_bench.ko" "$kdir" "$src/tests/bench-vm" kfifo_bench.ko

	if [ ! -f "$kdir/Module.symvers" ]; then
		tree_exports "$kdir" >"$tmp/exports"
		# The source kinds, the example and the KUnit module import
		# memwell.ko's exports too.
		{ cat "$tmp/exports"; nm "$src/memwell.ko" |
			awk '$2 ~ /^[TDRB]$/ { print $3 }'; } | sort -u >"$tmp/known"
		for ko in "$src/memwell.ko" "$src/memwell_test.ko" \
			  "$src/memwell_gen.ko" "$src/memwell_sched.ko" \
			  "$src/memwell_sink.ko" \
			  "$src/docs/example/memwell_example.ko" \
			  "$src/tests/bench-vm/kfifo_bench.ko"; do
			[ -f "$ko" ] && imports "$ver: $(basename "$ko")" "$ko" "$tmp/known"
		done
	fi
	v=$(modinfo -F version "$src/memwell.ko" 2>/dev/null)
	[ "$v" = "$(cat VERSION)" ]
	tap_report $? "$ver: modinfo shows version $(cat VERSION)" "got: $v"
done
tap_done
[ "$TAP_FAILED" -eq 0 ]
