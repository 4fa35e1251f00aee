#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel under QEMU with a busybox initramfs, run one guest script, and
# decide PASS/FAIL. Modelled on WireGuard's selftests/wireguard/qemu harness:
# every anomaly the kernel logs is fatal, even if the script itself passed.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 --kernel stock|rt|debug --run SCRIPT [--files "PATH..."] [--log FILE]
          [--tap FILE] [--timeout SEC] [--append "KERNEL ARGS"] [--mem SIZE]
       $0 --kernel stock|rt|debug --print-kdir

  --kernel K     stock: Debian's installed linux-image-amd64; rt: its
                 PREEMPT_RT flavour, linux-image-rt-amd64; debug: the
                 KASAN/lockdep/UBSAN/kmemleak/KUnit kernel (make debug-kernel,
                 built on first use)
  --run SCRIPT   guest script, run by busybox sh with set -e in /memwell with
                 tests/lib/tap.sh and tests/vm/lib.sh preloaded; its stdout
                 is its TAP stream
  --files "..."  files or directories copied into /memwell/ (by basename);
                 may be repeated
  --log FILE     full serial console log (default build/vm/<kernel>-<script>.log)
  --tap FILE     the script's stdout (default: the log with .tap); KUnit KTAP
                 from kunit_check goes to the log with .ktap
  --timeout SEC  whole-VM timeout (default 300)
  --append ARGS  extra kernel command line arguments
  --mem SIZE     guest memory (default 2G stock, 512M debug: every kmemleak
                 scan walks all struct pages, ~15 s per GB under TCG)
  --print-kdir   print the kernel build dir for 'make -C <dir> M=...' and exit

Prints the TAP stream, then one verdict line 'vm(K): PASS' or
'vm(K): FAIL: <reason>'. Exit 0 on PASS, 1 on FAIL, 2 on usage/setup error.
EOF
	exit 2
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kernel="" run="" files=() log="" tap="" timeout=300 append="" mem="" print_kdir=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift ;;
	--run) run=${2:?}; shift ;;
	--files) read -ra more <<<"${2:?}"; files+=("${more[@]}"); shift ;;
	--log) log=${2:?}; shift ;;
	--tap) tap=${2:?}; shift ;;
	--timeout) timeout=${2:?}; shift ;;
	--append) append=${2:?}; shift ;;
	--mem) mem=${2:?}; shift ;;
	--print-kdir) print_kdir=1 ;;
	*) usage ;;
	esac
	shift
done

die() { echo "vm-run: $*" >&2; exit 2; }

case $kernel in
stock)
	# The metapackage depends on the current versioned image package; its
	# name carries the release (linux-image-6.1.0-NN-amd64).
	rel=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
	[ -n "$rel" ] || die "linux-image-amd64 is not installed (scripts/deps.sh)"
	image=/boot/vmlinuz-$rel
	kdir=/lib/modules/$rel/build
	mem=${mem:-2G}
	;;
rt)
	# Debian's PREEMPT_RT flavour of the same release (linux-image-rt-amd64,
	# installed like the stock one by scripts/deps.sh).
	rel=$("$root/scripts/kver.sh" rt)
	[ -n "$rel" ] || die "linux-image-rt-amd64 is not installed (scripts/deps.sh)"
	image=/boot/vmlinuz-$rel
	kdir=/lib/modules/$rel/build
	[ -d "$kdir" ] || die "$kdir missing (linux-headers-rt-amd64 not installed?)"
	mem=${mem:-2G}
	;;
debug)
	# make builds it on first use (mk/debug-kernel.mk), or waits for the
	# build that holds its lock.
	make -s --no-print-directory -C "$root" debug-kernel >&2 ||
		die "debug kernel build failed"
	kdir=$(make -s --no-print-directory -C "$root" print-debug-kdir)
	image=$kdir/arch/x86/boot/bzImage
	rel=$(cat "$kdir/include/config/kernel.release")
	mem=${mem:-512M}
	;;
*) usage ;;
esac
if [ "$print_kdir" -eq 1 ]; then
	[ -d "$kdir" ] || die "$kdir missing (linux-headers-amd64 not installed?)"
	echo "$kdir"
	exit 0
fi
[ -n "$run" ] || usage
[ -r "$image" ] || die "kernel image $image not readable"
[ -r "$run" ] || die "script $run not found"

name=$(basename "$run" .sh)
log=${log:-$root/build/vm/$kernel-$name.log}
tap=${tap:-${log%.log}.tap}
ktap=${tap%.tap}.ktap
mkdir -p "$(dirname "$log")" "$(dirname "$tap")"

work=$(mktemp -d "${TMPDIR:-/tmp}/memwell-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Initramfs: static busybox with all its applet links, our init and the
# payload under /memwell. Uncompressed, so the debug kernel needs no RD_*.
ir=$work/root
mkdir -p "$ir"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,memwell}
cp /bin/busybox "$ir/bin/busybox"
for a in $(/bin/busybox --list-full); do
	[ -e "$ir/$a" ] || ln -s /bin/busybox "$ir/$a"
done
cp "$root/tests/vm/init.sh" "$ir/init"
cp "$root/tests/vm/lib.sh" "$ir/memwell/lib.sh"
cp "$root/tests/lib/tap.sh" "$ir/memwell/tap.sh"
for f in "$run" "${files[@]}"; do
	b=$(basename "$f")
	[ -e "$f" ] || die "$f not found"
	[ ! -e "$ir/memwell/$b" ] || die "two payload files named $b"
	cp -r "$f" "$ir/memwell/$b"
done
# Catch the commonest mistake here rather than as an insmod error in the guest.
while IFS= read -r -d '' ko; do
	vm=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$vm" = "$rel" ] || die "$(basename "$ko") is built for $vm, the $kernel kernel is $rel (build against $kdir)"
done < <(find "$ir/memwell" -name '*.ko' -print0)
printf 'MEMWELL_KERNEL=%s\nMEMWELL_RUN=%s\n' "$kernel" "$(basename "$run")" >"$ir/memwell/.vm.conf"
chmod 755 "$ir/init"
(cd "$ir" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$work/initramfs.cpio"

# panic_on_warn/oops=panic turn WARN, KASAN and UBSAN reports into a panic,
# and panic=-1 with -no-reboot turns a panic into an immediate QEMU exit.
# mitigations=off: speculative-execution workarounds only slow down TCG.
cmdline="console=ttyS0 panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1"
cmdline+=" mitigations=off nokaslr $append"

echo "vm($kernel): booting $rel, log $log" >&2
start=$(date +%s.%N)
rc=0
# KVM does not work on this host (see test-vm.md): TCG only.
timeout -k 10 "$timeout" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 2 \
	-nodefaults -nographic -no-reboot \
	-serial "file:$log" -serial "file:$work/ttyS1" \
	-kernel "$image" -initrd "$work/initramfs.cpio" -append "$cmdline" \
	</dev/null >"$work/qemu.out" 2>&1 || rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
# Keep QEMU's own complaints with the guest log.
if [ -s "$work/qemu.out" ]; then
	{ echo; echo "--- qemu output ---"; cat "$work/qemu.out"; } >>"$log"
fi

# The tty adds \r; split the result channel into TAP and KTAP.
touch "$work/ttyS1"
: >"$tap"
: >"$ktap"
tr -d '\r' <"$work/ttyS1" | awk -v tap="$tap" -v ktap="$ktap" '
	/^memwell-vm: tap-begin$/ { in_tap = 1; next }
	/^memwell-vm: tap-end/ { in_tap = 0; next }
	/^memwell-vm: ktap-begin$/ { in_ktap = 1; next }
	/^memwell-vm: ktap-end$/ { in_ktap = 0; next }
	/^memwell-vm: verdict / { sub(/^memwell-vm: verdict /, ""); verdict = $0; next }
	in_ktap { print > ktap; next }
	in_tap { print > tap }
	END { print verdict }' >"$work/verdict"
cat "$tap"
guest=$(cat "$work/verdict")

# Anything the kernel (or a TAP/KTAP producer) reports as a problem fails the
# run, whatever the guest concluded. The first such line is the reason.
# "not ok ... # TODO" is an expected failure in TAP, not a failure.
anomaly=$(tr -d '\r' <"$log" | grep -av 'not ok.*# TODO' | grep -a -m1 -E \
	-e 'BUG:|WARNING:|KASAN|UBSAN|Kernel panic|Oops|Call Trace|INFO: ' \
	-e 'possible recursive locking|inconsistent lock state|circular locking' \
	-e 'unreferenced object' \
	-e '^(\[ *[0-9.]+\] )?[[:space:]]*not ok [0-9]' || true)

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	reason="timeout after ${timeout}s"
	[ -z "$anomaly" ] || reason+=" ($anomaly)"
elif [ -n "$anomaly" ]; then
	reason=$anomaly
elif [ -z "$guest" ]; then
	reason="no verdict from the guest (qemu exit $rc)"
elif [ "$guest" != PASS ]; then
	reason=${guest#FAIL: }
else
	reason=""
fi

echo "vm($kernel): $(printf '%.1f' "$secs")s, log $log, tap $tap" >&2
if [ -z "$reason" ]; then
	echo "vm($kernel): PASS"
	exit 0
fi
echo "vm($kernel): FAIL: $reason"
exit 1
