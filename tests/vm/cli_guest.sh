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
TAB=$(printf '\t')

# expect_err DESC CODE PATTERN CMD...: exit CODE, one stderr line of the
# form 'memwell: <cmd>: <what> (<ERRNO>)' (no errno for usage errors, exit
# 2) that contains PATTERN (grep -E), then only hint lines indented by two
# spaces (/tmp/err keeps them for further checks).
expect_err() {
	_d=$1 _c=$2 _p=$3
	shift 3
	"$@" >/tmp/out 2>/tmp/err </dev/null
	_rc=$?
	_l=$(grep -cv '^  ' /tmp/err)
	if [ "$_c" -eq 2 ]; then
		! head -n 1 /tmp/err | grep -qE ' \(E[A-Z0-9]+\)$'
	else
		head -n 1 /tmp/err | grep -qE ' \(E[A-Z0-9]+\)$'
	fi
	_f=$?
	if [ "$_rc" -eq "$_c" ] && [ "$_l" -eq 1 ] && [ "$_f" -eq 0 ] &&
		head -n 1 /tmp/err | grep -qE '^memwell: ([a-z]+: )?.+' &&
		head -n 1 /tmp/err | grep -qE -- "$_p"; then
		tap_ok "$_d: $(head -n 1 /tmp/err)"
	else
		tap_fail "$_d: exit $_rc (want $_c), $_l line(s): $(head -c 300 /tmp/err | tr '\n' '|')"
	fi
}
# json_out KIND [ARG]: hand /tmp/out's first line to the host, which checks
# it with tests/host/json_check.py KIND ARG (the guest has no JSON parser).
json_out() {
	printf "# json %s %s %s\n" "$1" "${2:--}" "$(head -n 1 /tmp/out)"
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

# Booted with module.sig_enforce=1 (tests/vm/cli_run.sh's second boot):
# the unsigned memwell.ko is refused, and load says why and what to do.
if grep -q 'module.sig_enforce=1' /proc/cmdline; then
	expect_err "load refused: unsigned module under sig_enforce" 6 \
		"refused ./memwell.ko: it is not signed.*module.sig_enforce=1.*\(EKEYREJECTED\)" \
		$M load ./memwell.ko
	grep -q "sign-file sha256 MOK.priv MOK.der memwell.ko" /tmp/err &&
		grep -q "mokutil --import" /tmp/err && grep -q "Secure Boot" /tmp/err &&
		tap_ok "load refused: explains signing with a MOK and mokutil" ||
		tap_fail "load refused: explains signing: $(tr '\n' '|' </tmp/err)"
	[ ! -e /sys/module/memwell ] && tap_ok "memwell.ko not loaded" || tap_fail "memwell.ko not loaded"
	$M --json load ./memwell.ko >/tmp/out 2>/tmp/err
	rc=$?
	[ $rc -eq 6 ] && [ ! -s /tmp/out ] && tap_ok "load refused --json: exit 6" ||
		tap_fail "load refused --json: exit $rc"
	cp /tmp/err /tmp/out
	json_out error 6
	tap_done
	echo "# cli vm (sig_enforce): $TAP_N tests, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
	exit
fi

# Before the module is there.
expect_err "bad subcommand" 2 "unknown command" $M frob
expect_err "bad number" 2 "'1e' is not a number" $M bench --count 1e
expect_err "/dev/memwell missing" 5 "/dev/memwell missing: memwell.ko is not loaded.*\(ENOENT\)" $M stream
expect_err "/dev/memwell missing (bench)" 5 "\(ENOENT\)" $M bench --count 10
expect_err "unload when not loaded" 1 "not loaded \(ENOENT\)" $M unload
expect_err "list: module not loaded" 5 "memwell.ko is not loaded \(ENOENT\)" $M list
grep -q "modprobe memwell" /tmp/err && tap_ok "list: the hint says how to load it" ||
	tap_fail "list: the hint says how to load it: $(tr '\n' '|' </tmp/err)"
expect_err "load: missing module file" 1 "no such module file \(ENOENT\)" $M load ./nope.ko
printf 'not an ELF file' >/tmp/junk.ko
expect_err "load: not a module" 1 "\(ENOEXEC\)" $M load /tmp/junk.ko
expect_err "load as non-root" 4 "^memwell: load: must be root \(EPERM\)$" \
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
expect_err "unload as non-root" 4 "^memwell: unload: must be root \(EPERM\)$" \
	./cli_asuser 65534 $M unload

# memwell list and fdinfo: rings of several processes with known fills
# and holders.  The device as the shipped udev rule makes it (group
# memwell = 65534 here), so that uid 65534 may create rings.
chgrp 65534 /dev/memwell && chmod 0660 /dev/memwell
./cli_holder h5 5 >/tmp/h5.out 2>&1 &
p5=$!
./cli_holder h20 20 1 >/tmp/h20.out 2>&1 &
p20=$!
# A process name that breaks naive output: quote, backslash, control, not UTF-8.
hostile=$(printf '/tmp/h"\\\001\377')
cp ./cli_holder "$hostile"
"$hostile" hx 3 >/tmp/hx.out 2>&1 &
px=$!
./cli_asuser 65534 ./cli_holder hnobody 7 >/tmp/hn.out 2>&1 &
pn=$!
$M stream --count 0 --rate 200 >/dev/null 2>&1 &
ps_=$!
for _i in $(seq 50); do
	[ "$(cat /tmp/h5.out /tmp/h20.out /tmp/hx.out /tmp/hn.out | grep -c ready)" -ge 5 ] && break
	sleep 0.1
done
sleep 0.5
# fd_of PID: the first /dev/memwell fd of PID.
fd_of() {
	for _f in /proc/"$1"/fd/*; do
		[ "$(readlink "$_f")" = /dev/memwell ] && { echo "${_f##*/}"; return; }
	done
}
f5=$(fd_of $p5)
cat /proc/$p5/fdinfo/"$f5" >/tmp/fdinfo 2>&1
ok=1
for l in "name:${TAB}h5" "creator_uid:${TAB}0" "ring_flags:${TAB}0x4" "block_size:${TAB}64" \
	"blocks:${TAB}1024" "ready_blocks:${TAB}5" "used_blocks:${TAB}5" \
	"kernel_producers:${TAB}0" "kernel_consumers:${TAB}0" "dropped:${TAB}0" \
	"sides:${TAB}prod,cons" "source:${TAB}"; do
	grep -qx "$l" /tmp/fdinfo || { ok=0; echo "# fdinfo lacks '$l'"; }
done
grep -qE "^ring_id:${TAB}[1-9][0-9]*$" /tmp/fdinfo || ok=0
[ $ok -eq 1 ] && tap_ok "fdinfo of a ring with 5 records: id, name, geometry, fill, sides" ||
	tap_fail "fdinfo of a ring: $(tr '\n\t' '| ' </tmp/fdinfo)"
fs=$(fd_of $ps_)
cat /proc/$ps_/fdinfo/"$fs" >/tmp/fdinfo 2>&1
grep -qx "source:${TAB}gen" /tmp/fdinfo && grep -qx "kernel_producers:${TAB}1" /tmp/fdinfo &&
	grep -qx "sides:${TAB}cons" /tmp/fdinfo && grep -qx "ring_flags:${TAB}0x[0-9a-f]*[89a-f]" /tmp/fdinfo &&
	tap_ok "fdinfo of a streamed ring: source gen, 1 kernel producer, the process consumes" ||
	tap_fail "fdinfo of a streamed ring: $(tr '\n\t' '| ' </tmp/fdinfo)"
./cli_asuser 65534 "$(command -v cat)" /proc/$p5/fdinfo/"$f5" >/tmp/out 2>&1 &&
	tap_fail "fdinfo of root's ring readable by uid 65534: $(tr '\n' '|' </tmp/out)" ||
	tap_ok "fdinfo of root's ring not readable by uid 65534"
[ "$(grep -c '^ring_id:' /sys/kernel/debug/memwell/rings)" -ge 5 ] &&
	tap_ok "debugfs lists every ring ($(grep -c '^ring_id:' /sys/kernel/debug/memwell/rings))" ||
	tap_fail "debugfs lists every ring: $(tr '\n\t' '| ' </sys/kernel/debug/memwell/rings | head -c 300)"
mode=$(stat -c %a /sys/kernel/debug/memwell/rings 2>&1)
./cli_asuser 65534 "$(command -v cat)" /sys/kernel/debug/memwell/rings >/tmp/out 2>&1
rc=$?
[ "$mode" = 400 ] && [ $rc -ne 0 ] && tap_ok "debugfs list: mode 0400, not readable by uid 65534" ||
	tap_fail "debugfs list: mode $mode, cat as uid 65534 exit $rc"

# row NAME: the table row of ring NAME (columns: ID NAME UID FLAGS BLOCKS
# BSIZE FILL% READY KPROD KCONS UPROD UCONS DROPPED LOST SOURCE PROCESSES).
row() {
	awk -v n="$1" '$2 == n' /tmp/out
}
expect_ok "list as root" $M list
[ "$(row h5 | awk '{ print $3, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15 }')" = \
	"0 1024 64 0.5 5 0 0 1 1 0 -" ] && row h5 | grep -q " $p5/cli_holder:$f5(prod,cons)$" &&
	tap_ok "list as root: h5 fill 5 of 1024, 1 user producer and consumer, its process" ||
	tap_fail "list as root: h5: $(row h5)"
[ "$(row h20 | awk '{ print $7, $8, $11, $12 }')" = "2.0 20 2 2" ] &&
	[ "$(row h20 | awk '{ print $16 }' | tr ',' '\n' | grep -c "/cli_holder:")" -eq 2 ] &&
	tap_ok "list as root: h20 held by 2 processes" || tap_fail "list as root: h20: $(row h20)"
[ "$(row hnobody | awk '{ print $3, $8 }')" = "65534 7" ] &&
	tap_ok "list as root: uid 65534's ring too" || tap_fail "list as root: hnobody: $(row hnobody)"
row hx | grep -qF " $px/h\"\\\\\\x01\\xff:" &&
	tap_ok "list as root: a hostile process name escaped: $(row hx | awk '{ print $16 }')" ||
	tap_fail "list as root: hostile process name: $(row hx)"
srow=$(grep " $ps_/memwell-static:" /tmp/out)
[ "$(echo "$srow" | awk '{ print $9, $10, $11, $12, $15 }')" = "1 0 0 1 gen" ] &&
	tap_ok "list as root: the streamed ring has 1 kernel producer, 1 user consumer, source gen" ||
	tap_fail "list as root: streamed ring: $srow"
grep -q '^# ' /tmp/out && tap_fail "list as root: scope note on a full list" ||
	tap_ok "list as root: the full list (debugfs)"
expect_ok "list --json as root" $M --json list
json_out list-root "$p20"
expect_ok "list as uid 65534" ./cli_asuser 65534 $M list
[ -n "$(row hnobody)" ] && [ -z "$(row h5)$(row h20)$(row hx)" ] &&
	grep -qE '^# the rings of the processes you may inspect \([1-9][0-9]* hidden' /tmp/out &&
	tap_ok "list as uid 65534: only its own ring, and how many processes it could not see" ||
	tap_fail "list as uid 65534: $(tr '\n' '|' </tmp/out)"
expect_ok "list --json as uid 65534" ./cli_asuser 65534 $M --json list
json_out list-nobody
kill $p5 $p20 $px $pn $ps_
wait $p5 $p20 $px $pn $ps_ 2>/dev/null
sleep 0.3
expect_ok "list after the holders exit" $M list
[ -z "$(row h5)$(row h20)$(row hx)$(row hnobody)" ] && tap_ok "list after the holders exit: their rings are gone" ||
	tap_fail "list after the holders exit: $(tr '\n' '|' </tmp/out)"

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
expect_err "stream gen as non-root" 4 "gen source needs CAP_SYS_ADMIN.*\(EPERM\)" \
	./cli_asuser 65534 $M stream --count 100
expect_err "stream sched as non-root" 4 "sched source needs CAP_PERFMON.*\(EPERM\)" \
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
