#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: install what is missing, then run every suite and print one
# total line, "N passed, N failed[, N skipped]", which CI reads.
#
# Each suite prints TAP; its top-level "ok"/"not ok" lines are counted (a
# "# SKIP" directive counts as skipped).  A suite that exits non-zero without
# a failing TAP line counts as one more failure, so a crash is never a pass.
# Full logs are kept in build/check/.
set -uo pipefail
cd "$(dirname "$0")/.."

LOGDIR=build/check
mkdir -p "$LOGDIR"
passed=0 failed=0 skipped=0

# run_suite NAME CMD...: run one suite, echo its TAP, add up its results.
run_suite() {
	local name=$1 log="$LOGDIR/$1.log" rc p f s start
	shift
	start=$(date +%s)
	echo "# ---- $name: $*"
	"$@" >"$log" 2>&1
	rc=$?
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

# One-line checks wrapped as a TAP suite of one test.
tap_one() {
	local desc=$1
	shift
	if "$@"; then
		echo "ok 1 - $desc"
	else
		echo "not ok 1 - $desc"
		return 1
	fi
}

if ! bash scripts/deps.sh; then
	echo "not ok - scripts/deps.sh could not install the dependencies"
	echo "0 passed, 1 failed"
	exit 1
fi

KVER=$(scripts/kver.sh)
KDIR=/lib/modules/$KVER/build

run_suite build-lib tap_one "libmemwell builds with -Wall -Wextra -Werror" make -s lib
run_suite kbuild tap_one "memwell.ko builds against $KVER (ring core as kernel code)" \
	make -s module KDIR="$KDIR"
run_suite example tap_one "docs/example/memwell_example.c builds against memwell.ko" \
	bash docs/example/build.sh
run_suite style bash scripts/style.sh
run_suite host tests/host/run.sh
run_suite host-asan tests/host/run.sh --quick --san asan
run_suite host-tsan tests/host/run.sh --quick --san tsan
run_suite spin tests/spin/run.sh
run_suite cli-host bash tests/host/cli_run.sh
# In the test VMs: Debian's stock kernel (what users run), then the debug
# kernel (KASAN, lockdep, UBSAN, kmemleak, KUnit), built once and cached.
run_suite vm-stock tests/vm/run.sh --kernel stock
run_suite vm-cli bash tests/vm/cli_run.sh
run_suite vm-debug tests/vm/run.sh --kernel debug

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
