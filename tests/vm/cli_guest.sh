#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest script of tests/vm/cli_run.sh (busybox sh, cwd /memwell, with
# memwell.ko, the source kinds' modules, memwell-static and cli_asuser):
# the memwell CLI's error paths and a short run of each subcommand against
# the real /dev/memwell.  TAP, one line per test, plan at the end.
# tests/lib/tap.sh is loaded.
# shellcheck disable=SC2015 # tap_ok and tap_fail always return 0
set +e
M=./memwell-static
export MEMWELL_NO_PROGRESS=1

# expect_err DESC CODE PATTERN CMD...: exit CODE, exactly one stderr line of
# the form 'memwell: <cmd>: <what> (<ERRNO>)' that contains PATTERN (grep -E).
expect_err() {
	_d=$1 _c=$2 _p=$3
	shift 3
	"$@" >/tmp/out 2>/tmp/err </dev/null
	_rc=$?
	_l=$(wc -l </tmp/err)
	if [ "$_rc" -eq "$_c" ] && [ "$_l" -eq 1 ] &&
		grep -qE '^memwell: ([a-z]+: )?.+ \(E[A-Z0-9]+\)$' /tmp/err &&
		grep -qE -- "$_p" /tmp/err; then
		tap_ok "$_d: $(cat /tmp/err)"
	else
		tap_fail "$_d: exit $_rc (want $_c), $_l line(s): $(head -c 300 /tmp/err | tr '\n' '|')"
	fi
}
expect_ok() {
	_d=$1
	shift
	"$@" >/tmp/out 2>/tmp/err </dev/null
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		tap_ok "$_d"
	else
		tap_fail "$_d: exit $_rc: $(head -c 300 /tmp/err | tr '\n' '|')"
	fi
}

# Before the module is there.
expect_err "bad subcommand" 2 "unknown command" $M frob
expect_err "bad number" 2 "'1e' is not a number" $M bench --count 1e
expect_err "/dev/memwell missing" 1 "/dev/memwell missing: memwell.ko is not loaded.*\(ENOENT\)" $M stream
expect_err "/dev/memwell missing (bench)" 1 "\(ENOENT\)" $M bench --count 10
expect_err "unload when not loaded" 1 "not loaded \(ENOENT\)" $M unload
expect_err "load: missing module file" 1 "no such module file \(ENOENT\)" $M load ./nope.ko
printf 'not an ELF file' >/tmp/junk.ko
expect_err "load: not a module" 1 "\(ENOEXEC\)" $M load /tmp/junk.ko
expect_err "load as non-root" 1 "^memwell: load: must be root \(EPERM\)$" \
	./cli_asuser 65534 $M load ./memwell.ko

expect_ok "memwell load memwell.ko" $M load ./memwell.ko
[ -c /dev/memwell ] && tap_ok "/dev/memwell exists after load" || tap_fail "/dev/memwell exists after load"
# The module's 0600 root:root, then what the shipped udev rule does, with
# gid 65534 as the memwell group: the tests as uid 65534 open the device.
_st=$(stat -c '%a %u %g' /dev/memwell 2>&1)
[ "$_st" = "600 0 0" ] && tap_ok "/dev/memwell after load: 0600 root:root" ||
	tap_fail "/dev/memwell after load: 0600 root:root (got: $_st)"
chgrp 65534 /dev/memwell && chmod 0660 /dev/memwell
grep -q "sources: gen sched sink" /tmp/out && [ -e /sys/module/memwell_gen ] &&
	[ -e /sys/module/memwell_sched ] && [ -e /sys/module/memwell_sink ] &&
	tap_ok "load loaded the source modules next to memwell.ko: $(cat /tmp/out)" ||
	tap_fail "load loaded the source modules: $(cat /tmp/out)"
expect_err "load twice" 1 "already loaded \(EEXIST\)" $M load ./memwell.ko
expect_err "unload as non-root" 1 "^memwell: unload: must be root \(EPERM\)$" \
	./cli_asuser 65534 $M unload

# Subcommands against the device.
expect_ok "create (device) -- memwell stat" $M create -- $M stat
grep -q 'kernel:' /tmp/out && tap_ok "stat shows the kernel counters line" ||
	tap_fail "stat shows the kernel counters line: $(tr '\n' '|' </tmp/out)"
expect_ok "create --name --mode 0640" $M create --name cli.mode --mode 0640 -- $M stat
expect_err "create --mode 1777" 2 "--mode: '1777' is not octal" $M create --mode 1777
expect_err "create: geometry the device refuses" 1 "\(E[A-Z0-9]+\)" $M create --ring-size 64G --block-size 64K
for t in "" "--producers 2 --consumers 2" "--batch 1 --size 1K"; do
	# shellcheck disable=SC2086
	expect_ok "bench --procs $t (device)" $M --json bench --procs $t --count 20k
	grep -q '"ok":true' /tmp/out || tap_fail "bench $t: ok in JSON"
done
seq 1 3000 >/tmp/in
$M recv --socket /tmp/s.sock >/tmp/recv.out 2>/tmp/recv.err &
rpid=$!
expect_ok "send to recv through /dev/memwell" $M send --socket /tmp/s.sock /tmp/in
wait $rpid
if cmp -s /tmp/in /tmp/recv.out; then
	tap_ok "recv output equals the sender's input"
else
	tap_fail "recv output equals the sender's input: $(cat /tmp/recv.err)"
fi

# Kernel sources: verified when the module has them, else exit 3.
$M --json stream --source gen --count 20k --size 64 >/tmp/out 2>/tmp/err
rc=$?
if [ $rc -eq 3 ]; then
	if [ "$(wc -l </tmp/err)" -eq 1 ] && grep -q '(ENOTTY\|(EOPNOTSUPP\|(ENOENT' /tmp/err; then
		tap_ok "stream gen without kernel sources: exit 3, $(cat /tmp/err)"
	else
		tap_fail "stream gen without kernel sources: $(cat /tmp/err)"
	fi
	tap_skip "stream gen verified" "the loaded memwell.ko has no kernel sources"
	tap_skip "stream sched --decode" "the loaded memwell.ko has no kernel sources"
else
	[ $rc -eq 0 ] && grep -q '"ok":true' /tmp/out && tap_ok "stream gen 20k verified: $(cat /tmp/out)" ||
		tap_fail "stream gen: exit $rc: $(cat /tmp/err /tmp/out | tr '\n' '|')"
	expect_ok "stream gen verified (hardirq, 2 producers)" $M stream --context hardirq --producers 2 --count 5k
	$M --json stream --header-only --count 5k --size 256 >/tmp/out 2>/tmp/err
	rc=$?
	[ $rc -eq 0 ] && grep -q '"check":"header-only"' /tmp/out && grep -q '"ok":true' /tmp/out &&
		tap_ok "stream gen --header-only verified: $(cat /tmp/out)" ||
		tap_fail "stream gen --header-only: exit $rc: $(cat /tmp/err /tmp/out | tr '\n' '|')"
	expect_err "--header-only is for gen" 2 "header-only is for gen" \
		$M stream --source sched --header-only
	expect_ok "stream sched --decode" $M stream --source sched --decode --records 5
	[ "$(wc -l </tmp/out)" -ge 5 ] && tap_ok "sched: 5 decoded lines" || tap_fail "sched: $(cat /tmp/out)"
fi

# Privileges: gen needs CAP_SYS_ADMIN, sched what perf needs.
expect_err "stream gen as non-root" 1 "gen source needs CAP_SYS_ADMIN.*\(EPERM\)" \
	./cli_asuser 65534 $M stream --count 100
expect_err "stream sched as non-root" 1 "sched source needs CAP_PERFMON.*\(EPERM\)" \
	./cli_asuser 65534 $M stream --source sched --records 5

# A source's module is loaded on demand, from ./ (or $MEMWELL_MODULE_DIR).
$M stream --count 0 --rate 200 >/dev/null 2>&1 &
spid=$!
sleep 1
expect_err "unload while a gen source is attached" 1 "memwell_gen is in use.*\(EBUSY\)" $M unload
kill $spid
wait $spid
rmmod memwell_gen
expect_err "stream gen, module not loaded, as non-root" 3 \
	"load memwell_gen.ko as root.*\(ENOENT\)" ./cli_asuser 65534 $M stream --count 100
cd /tmp || exit 1
expect_err "stream gen, no memwell_gen.ko to load" 3 \
	"no memwell_gen.ko was found.*\(ENOENT\)" /memwell/memwell-static stream --count 100
cd /memwell || exit 1
expect_ok "stream gen loads memwell_gen.ko from ./" $M stream --count 1k
[ -e /sys/module/memwell_gen ] && tap_ok "memwell_gen loaded by stream" ||
	tap_fail "memwell_gen loaded by stream"
rmmod memwell_sched
expect_ok "stream sched loads memwell_sched.ko from \$MEMWELL_MODULE_DIR" \
	sh -c "cd /tmp && MEMWELL_MODULE_DIR=/memwell /memwell/memwell-static stream --source sched --records 5"

# Unload while busy, then for real.
$M create -- sleep 3 >/dev/null 2>&1 &
hpid=$!
sleep 1
expect_err "unload while a ring is open" 1 "in use.*\(EBUSY\)" $M unload
wait $hpid
expect_ok "unload" $M unload
[ ! -e /sys/module/memwell ] && tap_ok "module gone after unload" || tap_fail "module gone after unload"
[ ! -e /sys/module/memwell_gen ] && [ ! -e /sys/module/memwell_sched ] &&
	[ ! -e /sys/module/memwell_sink ] && tap_ok "source modules gone after unload" ||
	tap_fail "source modules gone after unload"

tap_done
echo "# cli vm: $TAP_N tests, $TAP_FAILED failed"
[ "$TAP_FAILED" -eq 0 ]
