#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# TAP for memwell's shell test scripts, on the host (bash) and in the test
# VMs (busybox sh): POSIX sh only.  Source it, then:
#
#   tap_ok DESC                 "ok N - DESC"
#   tap_fail DESC               "not ok N - DESC" (counted in TAP_FAILED)
#   tap_skip DESC REASON        "ok N - DESC # SKIP REASON"
#   tap_result STATUS DESC      ok if STATUS is 0, else not ok
#   tap_test DESC CMD...        run CMD: ok, or "not ok ... (exit S)" and
#                               return S (so it stops a set -e script)
#   tap_check DESC CMD...       run CMD, its output as diagnostics: ok or
#                               not ok; always returns 0
#   tap_diag [FILE]             FILE (or stdin) as "# " comment lines
#   tap_plan N                  "1..N", a plan up front
#   tap_done                    "1..TAP_N": the plan at the end
#
# TAP_N counts the test points, TAP_FAILED and TAP_SKIPPED the failed and
# skipped ones.  tap_next returns the next number, for a script that
# renumbers another producer's test points into its own stream
# (tap_add N FAILED adds them to the counts).

TAP_N=0
TAP_FAILED=0
TAP_SKIPPED=0

tap_ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

tap_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

tap_skip() {
	TAP_N=$((TAP_N + 1))
	TAP_SKIPPED=$((TAP_SKIPPED + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

tap_result() {
	_tap_st=$1
	shift
	if [ "$_tap_st" -eq 0 ]; then
		tap_ok "$@"
	else
		tap_fail "$@"
	fi
}

# tap_report STATUS DESC [OUTPUT]: tap_result, and on failure the first
# lines of OUTPUT as diagnostics.
tap_report() {
	tap_result "$1" "$2"
	if [ "$1" -ne 0 ] && [ -n "${3:-}" ]; then
		printf '%s\n' "$3" | head -n 30 | sed 's/^/#   /'
	fi
}

tap_test() {
	_tap_desc=$1
	shift
	if "$@"; then
		tap_ok "$_tap_desc"
	else
		_tap_st=$?
		tap_fail "$_tap_desc (exit $_tap_st)"
		return $_tap_st
	fi
}

tap_check() {
	_tap_desc=$1
	shift
	_tap_out=${TMPDIR:-/tmp}/.tap_check.$$
	if "$@" >"$_tap_out" 2>&1; then
		tap_ok "$_tap_desc"
	else
		tap_fail "$_tap_desc (exit $?)"
	fi
	tap_diag "$_tap_out"
	rm -f "$_tap_out"
}

tap_diag() {
	sed 's/^/# /' "$@"
}

tap_plan() {
	echo "1..$1"
}

tap_done() {
	echo "1..$TAP_N"
}

tap_next() {
	echo $((TAP_N + 1))
}

tap_add() {
	TAP_N=$((TAP_N + $1))
	TAP_FAILED=$((TAP_FAILED + $2))
}
