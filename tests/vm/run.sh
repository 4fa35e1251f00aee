#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# memwell's in-VM suite, host side: build memwell.ko, the source kinds'
# modules memwell_gen.ko, memwell_sched.ko and memwell_sink.ko (and, for
# the debug kernel, the KUnit module memwell_test.ko) against the chosen
# kernel,
# build the static user test binaries (tests/vm/dev_*.c and stream_*.c,
# with libmemwell compiled in), boot the kernel
# with scripts/vm-run.sh and run tests/vm/run-user-tests.sh in it.
#
# Prints the TAP stream, vm-run.sh's verdict line, then
# "vm(<kernel>): N passed, N failed".  Exits non-zero on any failing test,
# any kernel report (vm-run.sh scans the console: BUG, WARNING, KASAN,
# UBSAN, lockdep, kmemleak), a KUnit failure or a timeout.
set -euo pipefail

usage() {
	cat >&2 <<EOF
usage: $0 --kernel stock|rt|debug [--timeout SEC] [--scale F] [--case-timeout SEC]
          [--only NAME[,NAME...]]

  --kernel K          stock: Debian's linux-image-amd64; rt: its PREEMPT_RT
                      flavour, linux-image-rt-amd64; debug: the 6.12
                      KASAN/lockdep/kmemleak/KUnit kernel of make debug-kernel
                      (built on first use: docs/test-kernels.md)
  --timeout SEC       whole-VM timeout (default 900)
  --scale F           scale the stress tests' record counts (default 1)
  --case-timeout SEC  per test case alarm inside the VM (default 60)
  --only NAMES        run only these test binaries (dev_fuzz,stream_gen,...);
                      the module-level checks still run (development aid)
EOF
	exit 2
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kernel="" timeout=900 scale=1 case_timeout=60 only=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift ;;
	--timeout) timeout=${2:?}; shift ;;
	--scale) scale=${2:?}; shift ;;
	--case-timeout) case_timeout=${2:?}; shift ;;
	--only) only=${2:?}; shift ;;
	*) usage ;;
	esac
	shift
done
case $kernel in
stock | rt | debug) ;;
*) usage ;;
esac

msg() { echo "vm($kernel): $*" >&2; }
# A setup failure is one failing test, so `make check` counts it.
setup_fail() {
	echo "not ok 1 - vm($kernel) setup: $*"
	echo "vm($kernel): 0 passed, 1 failed"
	exit 1
}

out=$root/build/vm/$kernel
mkdir -p "$out"

kdir=$("$root/scripts/vm-run.sh" --kernel "$kernel" --print-kdir) ||
	setup_fail "no kernel build tree (scripts/vm-run.sh --print-kdir)"

msg "building the modules against $kdir"
mod=$out/mod
if ! "$root/scripts/build-modules.sh" "$kdir" "$mod" 2>"$out/module.err"; then
	sed 's/^/# /' "$out/module.err"
	setup_fail "module build failed (log: $mod/build.log)"
fi
for m in memwell memwell_gen memwell_sched memwell_sink memwell_example; do
	[ -f "$mod/ko/$m.ko" ] || setup_fail "no $m.ko after the build"
done
# Every module Kbuild makes, and the in-kernel API's example module (run by
# tests/vm/stream_example.c); the KUnit module only on a kernel with KUnit.
files=("$mod"/ko/*.ko)
if [ "$kernel" = debug ] && [ ! -f "$mod/ko/memwell_test.ko" ]; then
	msg "no memwell_test.ko built: KUnit not checked"
fi

# Static user tests, with the library sources compiled in: the library
# once, then each test, in parallel.
bin=$out/bin
obj=$out/obj
rm -rf "$bin" "$obj"
mkdir -p "$bin" "$obj"
cd "$root"
eval "$(make -s --no-print-directory print-flags)"
export CC MW_VM_CFLAGS="$MW_TEST_CFLAGS $MW_OPT_NONE" MW_OBJ=$obj MW_OUT=$out
# shellcheck disable=SC2016 # expanded by the inner shell
compile='n=$(basename "$1" .c); $CC $MW_VM_CFLAGS -c -o "$MW_OBJ/$n.o" "$1" \
	>"$MW_OUT/$n.build.log" 2>&1 || { sed "s/^/# /" "$MW_OUT/$n.build.log" | head -n 30; exit 1; }'
if ! printf '%s\0' userlib/memwell_*.c tests/vm/dev_*.c tests/vm/stream_*.c |
	xargs -0 -n1 -P"$(nproc)" bash -c "$compile" sh; then
	setup_fail "compiling the user tests or libmemwell failed"
fi
for o in "$obj"/dev_*.o "$obj"/stream_*.o; do
	[ -e "$o" ] || continue
	name=$(basename "$o" .o)
	$CC -static -o "$bin/$name" "$o" "$obj"/memwell_*.o >"$out/$name.link.log" 2>&1 ||
		setup_fail "linking $name failed (log: $out/$name.link.log)"
done
files+=("$bin")

log=$out/console.log
tap=$out/user-tests.tap
append="MW_TIMEOUT=$case_timeout MW_SCALE=$scale"
[ -z "$only" ] || append+=" MW_BINARIES=$only"
# KUnit suites run at insmod only if KUnit is enabled (6.1: kunit.enable,
# whose default CONFIG_KUNIT_DEFAULT_ENABLED allnoconfig leaves off).
[ "$kernel" != debug ] || append+=" kunit.enable=1"
rc=0
start=$(date +%s)
"$root/scripts/vm-run.sh" --kernel "$kernel" --run "$root/tests/vm/run-user-tests.sh" \
	--files "${files[*]}" --log "$log" --tap "$tap" --timeout "$timeout" \
	--append "$append" >"$out/vm-run.out" || rc=$?
# vm-run.sh printed the TAP stream, then its verdict line.
cat "$out/vm-run.out"

passed=$(grep -cE '^ok ' "$tap" || true)
failed=$(grep -cE '^not ok ' "$tap" || true)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	# The tests passed but the run did not (kernel report, timeout, no verdict).
	reason=$(sed -n "s/^vm($kernel): FAIL: //p" "$out/vm-run.out" | tail -n 1)
	echo "not ok - vm($kernel): ${reason:-vm-run.sh exited $rc} (log: $log)"
	failed=1
fi
ktap=${tap%.tap}.ktap
if [ -s "$ktap" ]; then
	msg "KUnit: $(grep -cE '^[[:space:]]+ok ' "$ktap" || true) cases passed, $(grep -cE '^[[:space:]]*not ok ' "$ktap" || true) failed (ktap: $ktap)"
fi
msg "$(($(date +%s) - start)) s in the VM, console log $log"
echo "vm($kernel): $passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
