#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of memwell's test VM, installed as /init by scripts/vm-run.sh.
#
# ttyS0 is the kernel console (everything, for humans and the log scan);
# ttyS1 is the result channel the host parses: the test script's stdout (its
# TAP) between markers, then exactly one verdict line. Never exit: PID 1
# exiting panics the kernel and loses the verdict.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
umask 022

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

# Written by vm-run.sh: MEMWELL_KERNEL (stock|rt|debug), MEMWELL_RUN (script).
# shellcheck source=/dev/null
. /memwell/.vm.conf

# Boot leaves kmemleak suspects that are not ours (ACPI's early caches on
# 6.1); only objects allocated after this point count. A baseline scan +
# clear cannot ignore them reliably (under TCG jiffies lag, so they are not
# yet 5 s old by kmemleak's clock) and each scan costs seconds.
since=$(awk '$1 == "jiffies:" { print $2; exit }' /proc/timer_list 2>/dev/null)

exec 3>/dev/ttyS1
verdict=PASS
fail() {
	[ "$verdict" != PASS ] || verdict="FAIL: $*"
	echo "memwell-vm: $*"
}

echo "memwell-vm: kernel $(uname -r), $(nproc) cpus, running $MEMWELL_RUN"
echo "memwell-vm: tap-begin" >&3
# set -e semantics for the script; stdout goes to the console and to ttyS1,
# stderr to the console only, so the TAP stream stays clean.
# shellcheck disable=SC3040 # busybox ash has pipefail
set -o pipefail
(cd /memwell && sh -e -c '. /memwell/tap.sh && . /memwell/lib.sh && . "./$1"' sh "$MEMWELL_RUN" </dev/null) |
	tee /dev/ttyS1
rc=$?
echo "memwell-vm: tap-end rc=$rc" >&3
[ "$rc" -eq 0 ] || fail "$MEMWELL_RUN exited $rc"

# Suites of modules a passing script left loaded (unloaded ones are gone; a
# failed script has failed the run already, and the kernel log has its KTAP).
if [ "$rc" -eq 0 ] && [ -n "$(ls /sys/kernel/debug/kunit 2>/dev/null)" ]; then
	# shellcheck source=tests/vm/lib.sh
	(. /memwell/lib.sh && kunit_check) | tee /dev/ttyS1 || fail "KUnit failures"
fi

if [ -w /sys/kernel/debug/kmemleak ]; then
	# kmemleak ignores objects younger than 5 s, so let the script's last
	# allocations age; the second scan drops objects that were only in
	# flight during the first (only leaks seen by both are listed).
	echo "memwell-vm: kmemleak scan"
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	# Keep the reports ("unreferenced object ..." blocks) of objects
	# allocated since boot finished; line 2 of a block says "jiffies N".
	# A block whose age cannot be parsed is kept: never hide a leak.
	awk -v since="${since:-0}" '
		function flush() { if (blk != "" && j >= since + 0) printf "%s", blk; blk = "" }
		/^unreferenced object/ { flush(); j = since + 0 }
		/^  comm .*jiffies [0-9]/ { t = $0; sub(/.*jiffies /, "", t); j = t + 0 }
		{ blk = blk $0 "\n" }
		END { flush() }' /sys/kernel/debug/kmemleak >/tmp/kmemleak
	if [ -s /tmp/kmemleak ]; then
		cat /tmp/kmemleak
		fail "kmemleak: $(grep -c '^unreferenced object' /tmp/kmemleak) unreferenced object(s)"
	fi
fi

echo "memwell-vm: verdict $verdict"
echo "memwell-vm: verdict $verdict" >&3
# Closing the last descriptor of each serial tty waits for its output to
# drain; reboot -f would otherwise cut off the tail of the log.
exec 3>&- >/dev/null 2>&1 </dev/null
reboot -f
