#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The examples of examples/ in a VM (host side), as a test: build memwell.ko
# against each kernel (scripts/build-modules.sh), the C examples
# static with the library sources (uv_consumer with libuv1-dev's static
# libuv_a.a), libmemwell.so, and a bundle of Debian's python3 with the
# stdlib modules the Python example imports (tests/vm/pybundle.py); boot
# each kernel once with scripts/vm-run.sh and run tests/vm/examples_guest.sh
# there: Debian's stock 6.1 and the 6.12 debug kernel (KASAN, lockdep, ...;
# built and cached by `make debug-kernel` if missing).  Before
# the boot, on the host: libmemwell.so exports every memwell_ffi_* of
# libmemwell_ffi.h at LIBMEMWELL_1.1, and bindings/python/test_memwell.py
# passes (every out-of-line call on a local ring).  Prints the TAP streams,
# then "vm-examples(stock debug): N passed, N failed"; exits non-zero on
# any failure.
#
#   tests/vm/examples_run.sh [--timeout SEC] [--kernel stock|debug]...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
timeout=600
kernels=()
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout=${2:?}; shift ;;
	--kernel) kernels+=("${2:?}"); shift ;;
	*) echo "examples_run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ ${#kernels[@]} -gt 0 ] || kernels=(stock debug)
out=$root/build/vm/examples
rm -rf "$out"
mkdir -p "$out"
setup_fail() {
	echo "not ok 1 - vm-examples setup: $*"
	echo "vm-examples(${kernels[*]}): 0 passed, 1 failed"
	exit 1
}
# Debian's interpreter, whatever python3 comes first in PATH: its shared
# libraries and stdlib are what the bundle copies.
python=/usr/bin/python3
libuv_a=/usr/lib/x86_64-linux-gnu/libuv_a.a
[ -x "$python" ] || setup_fail "no $python (python3-minimal; scripts/deps.sh)"
[ -f "$libuv_a" ] || setup_fail "no $libuv_a (libuv1-dev; scripts/deps.sh)"

for k in "${kernels[@]}"; do
	kdir=$("$root/scripts/vm-run.sh" --kernel "$k" --print-kdir) ||
		setup_fail "no $k kernel build tree"
	"$root/scripts/build-modules.sh" "$kdir" "$out/mod-$k" 2>"$out/module-$k.err" ||
		setup_fail "module build for $k failed (log: $out/mod-$k/build.log)"
done

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

passed=$host_passed failed=$host_failed bad_boot=0
for k in "${kernels[@]}"; do
	rc=0
	"$root/scripts/vm-run.sh" --kernel "$k" --run "$root/tests/vm/examples_guest.sh" \
		--files "$out/mod-$k/ko/memwell.ko $out/epoll_consumer $out/uv_consumer $out/py $out/pyapp" \
		--log "$out/console-$k.log" --tap "$out/examples-$k.tap" --timeout "$timeout" \
		>"$out/vm-run-$k.out" || rc=$?
	cat "$out/vm-run-$k.out"
	ok=$(grep -cE '^ok ' "$out/examples-$k.tap" || true)
	nok=$(grep -cE '^not ok ' "$out/examples-$k.tap" || true)
	if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		# A boot that failed (a kernel report, a timeout) with no failed case.
		echo "not ok - vm-examples($k): $(tail -n 1 "$out/vm-run-$k.out") (log: $out/console-$k.log)"
		nok=1
	fi
	[ "$rc" -eq 0 ] || bad_boot=1
	passed=$((passed + ok)) failed=$((failed + nok))
done
echo "vm-examples(${kernels[*]}): $passed passed, $failed failed"
[ "$bad_boot" -eq 0 ] && [ "$failed" -eq 0 ]
