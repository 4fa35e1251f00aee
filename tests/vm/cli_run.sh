#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The memwell CLI's tests in a VM (host side): build memwell.ko and the
# source kinds' modules against the stock kernel (scripts/build-modules.sh),
# the static CLI (make cli), tests/vm/cli_asuser.c and tests/vm/cli_holder.c,
# boot with scripts/vm-run.sh and run tests/vm/cli_guest.sh; boot again
# with module.sig_enforce=1, where the guest script checks that the
# unsigned module is refused with the signing explanation.  JSON the guest
# hands over ("# json KIND ARG LINE") is checked here with
# tests/host/json_check.py.  Prints the TAP streams, then
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
# shellcheck disable=SC2086 # MW_CFLAGS is a list of words
(cd "$root" && $CC -static $MW_CFLAGS -o "$out/cli_holder" tests/vm/cli_holder.c \
	userlib/memwell_*.c -lpthread) || setup_fail "building cli_holder failed"

files="$(echo "$mod"/ko/*.ko) $out/memwell-static $out/cli_asuser $out/cli_holder"
rc=0
"$root/scripts/vm-run.sh" --kernel stock --run "$root/tests/vm/cli_guest.sh" \
	--files "$files" --log "$out/console.log" --tap "$out/cli.tap" --timeout "$timeout" \
	>"$out/vm-run.out" || rc=$?
cat "$out/vm-run.out"
rc_sig=0
"$root/scripts/vm-run.sh" --kernel stock --run "$root/tests/vm/cli_guest.sh" \
	--append "module.sig_enforce=1" \
	--files "$files" --log "$out/console-sig.log" --tap "$out/cli-sig.tap" --timeout "$timeout" \
	>"$out/vm-run-sig.out" || rc_sig=$?
cat "$out/vm-run-sig.out"

# The guest's JSON, checked here: each "# json KIND ARG LINE" must be there.
{
	n=0
	for want in "list-root" "list-nobody" "error"; do
		grep -q "^# json $want " "$out/cli.tap" "$out/cli-sig.tap" ||
			echo "not ok - vm-cli: the guest printed no '$want' JSON"
	done
	cat "$out/cli.tap" "$out/cli-sig.tap" | grep '^# json ' |
		while read -r _ _ kind arg line; do
			n=$((n + 1))
			args=("$kind")
			[ "$arg" = - ] || args+=("$arg")
			if why=$(printf '%s\n' "$line" |
				python3 "$root/tests/host/json_check.py" "${args[@]}" 2>&1); then
				echo "ok $n - vm-cli JSON $kind: valid and as expected"
			else
				echo "not ok $n - vm-cli JSON $kind: $why: ${line:0:300}"
			fi
		done
} >"$out/cli-json.tap"
cat "$out/cli-json.tap"
taps=("$out/cli.tap" "$out/cli-sig.tap" "$out/cli-json.tap")
passed=$(cat "${taps[@]}" | grep -cE '^ok ' || true)
failed=$(cat "${taps[@]}" | grep -cE '^not ok ' || true)
for r in "$rc:$out/vm-run.out:$out/console.log" "$rc_sig:$out/vm-run-sig.out:$out/console-sig.log"; do
	IFS=: read -r code vmout log <<<"$r"
	if [ "$code" -ne 0 ] && [ "$failed" -eq 0 ]; then
		echo "not ok - vm-cli: $(tail -n 1 "$vmout") (log: $log)"
		failed=1
	fi
done
echo "vm-cli(stock): $passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$rc_sig" -eq 0 ] && [ "$failed" -eq 0 ]
