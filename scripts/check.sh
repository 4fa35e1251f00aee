#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The aggregator behind `make check` and `make check-<suite>`:
#
#   scripts/check.sh SUITE...   (build style host asan tsan spin cli
#                                install vm-stock vm-rt vm-cli vm-debug examples)
#
# runs the named suites and prints one total line, "N passed, N failed[, N
# skipped]", which CI reads.  Installing what is missing is make's job (the
# deps target); the debug kernel is make's too (debug-kernel).
#
# Each suite prints TAP; its top-level "ok"/"not ok" lines are counted (a
# "# SKIP" directive counts as skipped).  A suite that exits non-zero without
# a failing TAP line counts as one more failure, so a crash is never a pass.
# Full logs are kept in build/check/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
# Our checks build the library and the CLI with -Werror (mk/flags.mk).
export WERROR="${WERROR:-1}"
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

LOGDIR=build/check
mkdir -p "$LOGDIR"
passed=0 failed=0 skipped=0

# run_suite NAME CMD...: run one suite, echo its TAP, add up its results.
run_suite() {
	local name=$1 log="$LOGDIR/$1.log" rc p f s start
	shift
	start=$(date +%s)
	echo "# ---- $name: $*"
	# The log gets everything; the terminal (stderr) also gets the kernel
	# builds' progress lines, so a first debug-kernel build (30-60 min) is
	# not silent.
	"$@" 2>&1 | tee "$log" | grep --line-buffered -E '^(debug-kernel|kernel-6\.12): ' >&2
	rc=${PIPESTATUS[0]}
	grep -E '^(not )?ok |^1\.\.|^# ' "$log" | grep -v '^# ----' || true
	p=$(grep -cE '^ok ' "$log" | head -n 1)
	s=$(grep -cE '^ok .*# *(SKIP|skip)' "$log" | head -n 1)
	f=$(grep -cE '^not ok ' "$log" | head -n 1)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc (see $log)"
		tail -n 20 "$log" | sed 's/^/#   /'
		f=1
	fi
	echo "# $name: $p passed, $f failed, $s skipped ($(($(date +%s) - start)) s)"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

# The build checks: one TAP stream of three one-line tests.
suite_build() {
	local kdir
	kdir=$(make -s --no-print-directory print-flags | sed -n "s/^KDIR='\(.*\)'$/\1/p")
	tap_plan 3
	make -s lib >/dev/null
	tap_result $? "libmemwell builds with -Wall -Wextra -Werror"
	make -s module KDIR="$kdir" >/dev/null
	tap_result $? "memwell.ko builds against $(basename "$(dirname "$kdir")") (ring core as kernel code)"
	bash docs/example/build.sh >/dev/null
	tap_result $? "docs/example/memwell_example.c builds against memwell.ko"
	[ "$TAP_FAILED" -eq 0 ]
}

[ $# -gt 0 ] || set -- build style man host asan tsan spin cli install kernels vm-stock vm-rt vm-cli vm-debug examples
for suite in "$@"; do
	case $suite in
	build) run_suite build suite_build ;;
	style) run_suite style bash scripts/style.sh ;;
	man) run_suite man bash scripts/check-man.sh ;;
	host) run_suite host tests/host/run.sh ;;
	asan) run_suite host-asan tests/host/run.sh --quick --san asan ;;
	tsan) run_suite host-tsan tests/host/run.sh --quick --san tsan ;;
	spin) run_suite spin tests/spin/run.sh ;;
	cli) run_suite cli-host bash tests/host/cli_run.sh ;;
	# make install/uninstall in a staged DESTDIR, install-module, DKMS.
	install) run_suite install bash tests/install/run.sh ;;
	# The modules build without warnings against 6.1 and a 6.12 tree.
	kernels) run_suite kernels bash scripts/kernel-build-test.sh ;;
	# In the test VMs: Debian's stock kernel (what users run), its
	# PREEMPT_RT flavour (sleeping spinlocks, threaded interrupts: the
	# "any context" claim), then the debug kernel (KASAN, lockdep, UBSAN,
	# kmemleak, KUnit), built by make.
	vm-stock) run_suite vm-stock tests/vm/run.sh --kernel stock ;;
	vm-rt) run_suite vm-rt tests/vm/run.sh --kernel rt ;;
	vm-cli) run_suite vm-cli bash tests/vm/cli_run.sh ;;
	vm-debug) run_suite vm-debug tests/vm/run.sh --kernel debug ;;
	# examples/ (C with epoll and libuv, Python asyncio) in one VM boot.
	examples) run_suite examples bash tests/vm/examples_run.sh ;;
	*) echo "check.sh: unknown suite '$suite'" >&2; exit 2 ;;
	esac
done

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
