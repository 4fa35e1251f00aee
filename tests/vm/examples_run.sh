#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The examples of examples/ in a VM (host side), as a test: build memwell.ko
# against the stock kernel (scripts/build-modules.sh), the C examples
# static with the library sources (uv_consumer with libuv1-dev's static
# libuv_a.a), libmemwell.so, and a bundle of Debian's python3 with the
# stdlib modules the Python example imports (tests/vm/pybundle.py); boot
# once with scripts/vm-run.sh and run tests/vm/examples_guest.sh.  Before
# the boot, on the host: libmemwell.so exports every memwell_ffi_* of
# libmemwell_ffi.h at LIBMEMWELL_1.1, and bindings/python/test_memwell.py
# passes (every out-of-line call on a local ring).  Prints the TAP stream,
# then "vm-examples(stock): N passed, N failed"; exits non-zero on any
# failure.
#
#   tests/vm/examples_run.sh [--timeout SEC]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
timeout=600
[ "${1:-}" != --timeout ] || timeout=${2:?}
out=$root/build/vm/examples
rm -rf "$out"
mkdir -p "$out"
setup_fail() {
	echo "not ok 1 - vm-examples setup: $*"
	echo "vm-examples(stock): 0 passed, 1 failed"
	exit 1
}
# Debian's interpreter, whatever python3 comes first in PATH: its shared
# libraries and stdlib are what the bundle copies.
python=/usr/bin/python3
libuv_a=/usr/lib/x86_64-linux-gnu/libuv_a.a
[ -x "$python" ] || setup_fail "no $python (python3-minimal; scripts/deps.sh)"
[ -f "$libuv_a" ] || setup_fail "no $libuv_a (libuv1-dev; scripts/deps.sh)"

kdir=$("$root/scripts/vm-run.sh" --kernel stock --print-kdir) || setup_fail "no kernel build tree"
"$root/scripts/build-modules.sh" "$kdir" "$out/mod" 2>"$out/module.err" ||
	setup_fail "module build failed (log: $out/mod/build.log)"

cd "$root"
eval "$(make -s --no-print-directory print-flags)"
ex_cflags="$MW_CFLAGS -Iexamples"
# shellcheck disable=SC2086 # the flags are lists of words
{
	$CC -static $ex_cflags -o "$out/epoll_consumer" examples/epoll_consumer.c \
		userlib/memwell_*.c &&
	$CC -static $ex_cflags -o "$out/uv_consumer" examples/uv_consumer.c \
		userlib/memwell_*.c "$libuv_a" -lpthread -ldl
} >"$out/build.log" 2>&1 || setup_fail "building the C examples failed (log: $out/build.log)"
make -s BUILD="$out/lib" "$out/lib/libmemwell.so" >>"$out/build.log" 2>&1 ||
	setup_fail "building libmemwell.so failed (log: $out/build.log)"

# Host checks of the out-of-line fast path, as TAP lines without numbers
# (the guest's stream numbers its own).
host_passed=0 host_failed=0
host_result() {
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"
		host_passed=$((host_passed + 1))
	else
		echo "not ok - $2"
		printf '%s\n' "${3:-}" | head -n 30 | sed 's/^/#   /'
		host_failed=$((host_failed + 1))
	fi
}
declared=$(grep -oE '[ *]memwell_ffi_[a-z_]+\(' userlib/libmemwell_ffi.h | tr -d ' *(' | sort)
exported=$(nm -D --defined-only "$out/lib/libmemwell.so" |
	sed -n 's/.* \(memwell_ffi_[a-z_]*\)@@LIBMEMWELL_1\.1$/\1/p' | sort)
host_result "$([ -n "$declared" ] && [ "$declared" = "$exported" ]; echo $?)" \
	"libmemwell.so exports the $(echo "$declared" | wc -w) memwell_ffi_* calls of libmemwell_ffi.h at LIBMEMWELL_1.1" \
	"$(diff <(echo "$declared") <(echo "$exported"))"
rc=0
res=$(MEMWELL_LIBRARY=$out/lib/libmemwell.so "$python" bindings/python/test_memwell.py 2>&1) || rc=$?
host_result "$rc" "bindings/python/test_memwell.py: ${res##*$'\n'}" "$res"

mkdir -p "$out/pyapp"
cp examples/python/asyncio_consumer.py bindings/python/memwell.py "$out/pyapp/"
MEMWELL_LIBRARY=$out/lib/libmemwell.so "$python" -S tests/vm/pybundle.py \
	"$out/py" "$out/pyapp/asyncio_consumer.py" >>"$out/build.log" 2>&1 ||
	setup_fail "bundling $python failed (log: $out/build.log)"
cp "$out/lib/libmemwell.so" "$out/py/lib/libmemwell.so.1"
echo "vm-examples: python bundle $(du -sh "$out/py" | cut -f1)" >&2

rc=0
"$root/scripts/vm-run.sh" --kernel stock --run "$root/tests/vm/examples_guest.sh" \
	--files "$out/mod/ko/memwell.ko $out/epoll_consumer $out/uv_consumer $out/py $out/pyapp" \
	--log "$out/console.log" --tap "$out/examples.tap" --timeout "$timeout" \
	>"$out/vm-run.out" || rc=$?
cat "$out/vm-run.out"
passed=$(($(grep -cE '^ok ' "$out/examples.tap" || true) + host_passed))
failed=$(($(grep -cE '^not ok ' "$out/examples.tap" || true) + host_failed))
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "not ok - vm-examples: $(tail -n 1 "$out/vm-run.out") (log: $out/console.log)"
	failed=1
fi
echo "vm-examples(stock): $passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
