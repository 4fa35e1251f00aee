#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Helpers for memwell's guest test scripts (busybox sh). tests/vm/init.sh
# sources this and tests/lib/tap.sh before running the script given to
# scripts/vm-run.sh --run, so scripts can call these directly. The script's
# stdout is its TAP stream.

# KUnit suites of an out-of-tree module run when it is loaded, before its
# init, and insmod returns 0 even if they fail; the verdict is only in
# /sys/kernel/debug/kunit/<suite>/results, which disappears at rmmod.
# So call this after insmod and before rmmod.
#
# kunit_check [suite...]: print the results of the given suites (default: all
# present) as one KTAP document between markers that vm-run.sh strips from the
# TAP stream into its .ktap file. Returns 1 if any case failed, a named suite
# is missing, or there are no suites at all (KUnit disabled or not built in).
kunit_check() {
	_kd=/sys/kernel/debug/kunit
	if [ $# -eq 0 ]; then
		for _d in "$_kd"/*; do
			[ -d "$_d" ] && set -- "$@" "${_d##*/}"
		done
		if [ $# -eq 0 ]; then
			echo "kunit_check: no KUnit suites in $_kd" >&2
			return 1
		fi
	fi
	_rc=0
	_i=0
	echo "memwell-vm: ktap-begin"
	# Each results file is a complete one-suite document ("KTAP version 1",
	# "1..1", indented suite, "ok 1 <suite>"); a combined document needs one
	# header and the suites numbered in order.
	echo "KTAP version 1"
	echo "1..$#"
	for _s in "$@"; do
		_i=$((_i + 1))
		if [ ! -r "$_kd/$_s/results" ]; then
			echo "not ok $_i $_s # no results: suite not loaded"
			_rc=1
			continue
		fi
		awk -v n="$_i" 'NR <= 2 { next }
			/^(not )?ok 1 / { sub(/ok 1 /, "ok " n " ") }
			{ print }' "$_kd/$_s/results" >/tmp/.kunit_results
		cat /tmp/.kunit_results
		! grep -q "not ok" /tmp/.kunit_results || _rc=1
	done
	echo "memwell-vm: ktap-end"
	return $_rc
}
