#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The memwell CLI's tests in a VM (host side): build memwell.ko and the
# source kinds' modules against the stock kernel (scripts/build-modules.sh),
# the static CLI (make cli)
# and tests/vm/cli_asuser.c, boot with scripts/vm-run.sh and run
# tests/vm/cli_guest.sh.  Prints the TAP stream, then
# "vm-cli(stock): N passed, N failed"; exits non-zero on any failure.
#
#   tests/vm/cli_run.sh [--timeout SEC]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
timeout=600
[ "${1:-}" != --timeout ] || timeout=${2:?}
out=$root/build/vm/cli
rm -rf "$out"
mkdir -p "$out"
setup_fail() {
	echo "not ok 1 - vm-cli setup: $*"
	echo "vm-cli(stock): 0 passed, 1 failed"
	exit 1
}

kdir=$("$root/scripts/vm-run.sh" --kernel stock --print-kdir) || setup_fail "no kernel build tree"
mod=$out/mod
"$root/scripts/build-modules.sh" "$kdir" "$mod" 2>"$out/module.err" ||
	setup_fail "module build failed (log: $mod/build.log)"
make -s -C "$root" cli >"$out/cli.log" 2>&1 || setup_fail "make cli failed (log: $out/cli.log)"
cp "$root/build/memwell-static" "$out/memwell-static"
eval "$(make -s --no-print-directory -C "$root" print-flags)"
# shellcheck disable=SC2086 # MW_CFLAGS is a list of words
(cd "$root" && $CC -static $MW_CFLAGS -o "$out/cli_asuser" tests/vm/cli_asuser.c) ||
	setup_fail "building cli_asuser failed"

rc=0
"$root/scripts/vm-run.sh" --kernel stock --run "$root/tests/vm/cli_guest.sh" \
	--files "$(echo "$mod"/ko/*.ko) $out/memwell-static $out/cli_asuser" \
	--log "$out/console.log" --tap "$out/cli.tap" --timeout "$timeout" \
	>"$out/vm-run.out" || rc=$?
cat "$out/vm-run.out"
passed=$(grep -cE '^ok ' "$out/cli.tap" || true)
failed=$(grep -cE '^not ok ' "$out/cli.tap" || true)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "not ok - vm-cli: $(tail -n 1 "$out/vm-run.out") (log: $out/console.log)"
	failed=1
fi
echo "vm-cli(stock): $passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
