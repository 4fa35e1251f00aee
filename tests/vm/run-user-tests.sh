#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest script (busybox sh, run by scripts/vm-run.sh with tests/lib/tap.sh
# and tests/vm/lib.sh loaded, in /memwell): load memwell.ko and the source
# kinds' modules (memwell_gen.ko, memwell_sched.ko, memwell_sink.ko), check
# the KUnit suite if memwell_test.ko is there, run every user test binary in
# bin/, check that a source kind's module cannot be unloaded while one of its
# instances is attached and that ATTACH of a kind not loaded fails, unload
# the source modules, check that memwell.ko cannot be unloaded while a ring
# is open or mapped, then unload it.  stdout is one flat TAP stream: each binary's test points are
# renumbered into it as "<binary>: <name>"; its plan, exit status and time
# are checked and reported too.  The plan comes last.
#
# Environment (kernel command line, or set by the caller):
#   MW_TIMEOUT  per-case alarm in the binaries (tests/lib/harness.h)
#   MW_SCALE    scale of the stress tests' record counts (default 1)
#   MW_BINARIES comma-separated binary names: run only these (development)
set +e

uptime_cs() {
	read -r _up _idle </proc/uptime
	echo "${_up%.*}${_up#*.}"
}

# run_binary PATH: its TAP renumbered into ours, plus plan and exit checks.
run_binary() {
	_name=${1##*/}
	_t0=$(uptime_cs)
	# The binary's stderr goes along as diagnostics; PIPESTATUS-free: its
	# exit status travels through a file.
	{ "$1" 2>&1; echo "exit-status $?" >/tmp/rc; } | awk -v base="$TAP_N" -v name="$_name" '
		/^1\.\.[0-9]+/ { plan = substr($0, 4) + 0; next }
		/^(not )?ok [0-9]+/ {
			ran++
			if ($1 == "not") { failed++; rest = $0; sub(/^not ok [0-9]+ ?-? ?/, "", rest); pre = "not ok" }
			else { rest = $0; sub(/^ok [0-9]+ ?-? ?/, "", rest); pre = "ok" }
			printf "%s %d - %s: %s\n", pre, base + ran, name, rest
			fflush()
			next
		}
		/^#/ { print; fflush(); next }
		{ print "# " $0; fflush() }
		END { printf "%d %d %d\n", ran, failed, plan > "/tmp/counts" }'
	read -r _ran _failed _plan </tmp/counts
	read -r _ _rc </tmp/rc
	tap_add "$_ran" "$_failed"
	_t1=$(uptime_cs)
	_cs=$((_t1 - _t0))
	echo "# $_name: $_ran of $_plan ran, $_failed failed, exit $_rc, $((_cs / 100)).$(printf %02d $((_cs % 100))) s"
	if [ "$_ran" -ne "$_plan" ] || [ "$_plan" -eq 0 ]; then
		tap_fail "$_name: planned $_plan test(s), ran $_ran"
	fi
	if [ "$_rc" -ne 0 ] && [ "$_failed" -eq 0 ]; then
		tap_fail "$_name: exited $_rc without a failing test"
	fi
}

# The module must refuse to unload while held by a process in MODE.
rmmod_held() {
	_mode=$1
	rm -f /tmp/held
	./bin/dev_rmmod "$_mode" /tmp/held &
	_pid=$!
	_i=0
	while [ ! -e /tmp/held ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ ! -e /tmp/held ]; then
		kill -9 $_pid 2>/dev/null
		wait $_pid
		tap_fail "rmmod refused while a ring is $_mode: holder did not start"
		return
	fi
	if rmmod memwell 2>/tmp/rmmod.err; then
		tap_fail "rmmod refused while a ring is $_mode: rmmod succeeded"
		insmod ./memwell.ko
	else
		tap_ok "rmmod refused while a ring is $_mode ($(cat /tmp/rmmod.err))"
	fi
	kill $_pid
	wait $_pid
}

# The module makes /dev/memwell 0600 root:root; then do what the shipped
# udev rule (dist/udev/60-memwell.rules) does, with gid 65534 as the
# memwell group, so that tests dropping to 65534:65534 open it.
dev_node_rule() {
	_st=$(stat -c '%a %u %g' /dev/memwell 2>&1)
	if [ "$_st" = "600 0 0" ]; then
		tap_ok "/dev/memwell after insmod: mode 0600, root:root"
	else
		tap_fail "/dev/memwell after insmod: mode 0600, root:root (got: $_st)"
	fi
	chgrp 65534 /dev/memwell && chmod 0660 /dev/memwell
}

SOURCES="memwell_gen memwell_sched memwell_sink"

tap_check "insmod memwell.ko" insmod ./memwell.ko
if [ -c /dev/memwell ]; then
	tap_ok "/dev/memwell exists"
else
	tap_fail "/dev/memwell exists"
fi
dev_node_rule
for m in $SOURCES; do
	tap_check "insmod $m.ko" insmod "./$m.ko"
done

# Its stream cases use the gen and sink kinds, loaded above.
if [ -e ./memwell_test.ko ]; then
	tap_check "insmod memwell_test.ko" insmod ./memwell_test.ko
	# KTAP goes to vm-run.sh's .ktap file; the verdict is one test point.
	# Named, so that a suite that did not run (KUnit disabled) fails.
	if kunit_check memwell memwell_stream memwell_account; then
		tap_ok "KUnit suites of memwell_test.ko"
	else
		tap_fail "KUnit suites of memwell_test.ko"
	fi
	# memwell_test.ko uses memwell.ko: it would keep it from unloading.
	tap_check "rmmod memwell_test" rmmod memwell_test
fi

for t in ./bin/dev_* ./bin/stream_*; do
	[ -x "$t" ] || continue
	case ",${MW_BINARIES:-${t##*/}}," in
	*",${t##*/},"*) ;;
	*) continue ;;
	esac
	run_binary "$t"
done

# rmmod is refused while a kernel source streams into a ring: the
# instance holds its kind's module, which holds memwell.ko; closing the
# file stops the source, and then the kind's module unloads.
if [ -x ./bin/stream_kill ]; then
	rm -f /tmp/held
	./bin/stream_kill hold-src /tmp/held &
	_pid=$!
	_i=0
	while [ ! -e /tmp/held ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ -e /tmp/held ] && ! rmmod memwell 2>/dev/null; then
		tap_ok "rmmod refused while a gen source is attached"
	else
		tap_fail "rmmod refused while a gen source is attached"
		lsmod | grep -q '^memwell ' || insmod ./memwell.ko
	fi
	if [ -e /tmp/held ] && ! rmmod memwell_gen 2>/tmp/rmmod.err; then
		tap_ok "rmmod memwell_gen refused while a gen source is attached ($(cat /tmp/rmmod.err))"
	else
		tap_fail "rmmod memwell_gen refused while a gen source is attached"
		lsmod | grep -q '^memwell_gen ' || insmod ./memwell_gen.ko
	fi
	kill $_pid
	wait $_pid
fi

# The kinds' modules unload once nothing is attached; a kind not loaded
# is ENOENT to ATTACH, and loading it again brings it back.
tap_check "rmmod memwell_gen once its source is gone" rmmod memwell_gen
tap_check "ATTACH gen without memwell_gen.ko: ENOENT" ./bin/stream_perm expect-attach gen ENOENT
tap_check "insmod memwell_gen.ko again" insmod ./memwell_gen.ko
tap_check "ATTACH gen works again" ./bin/stream_perm expect-attach gen 0
for m in $SOURCES; do
	tap_check "rmmod $m" rmmod "$m"
done
tap_check "ATTACH sched without memwell_sched.ko: ENOENT" ./bin/stream_perm expect-attach sched ENOENT

rmmod_held hold-fd
rmmod_held hold-map
tap_check "rmmod memwell once nothing holds it" rmmod memwell
tap_check "insmod memwell.ko again" insmod ./memwell.ko
dev_node_rule
tap_check "a ring works after reloading" ./bin/dev_lib same_api
tap_check "final rmmod memwell" rmmod memwell

tap_done
echo "# $TAP_N tests, $TAP_FAILED failed, $(( $(uptime_cs) / 100 )) s since boot"
[ "$TAP_FAILED" -eq 0 ]
