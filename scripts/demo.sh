#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: on a fresh Debian 12 machine, one command.
#
#   1. install what is missing (scripts/deps.sh)
#   2. build memwell.ko for Debian's stock kernel (scripts/build-modules.sh)
#      and the static CLI (make cli -> build/memwell-static)
#   3. boot the stock kernel under QEMU (scripts/vm-run.sh) and in the guest:
#        memwell load memwell.ko (and the source kinds' modules next to it)
#        memwell stream: a kernel gen source -> this process, epoll loop,
#                        verified (per-producer seq, checksum), drops counted;
#                        a few sched records decoded
#        memwell send | recv: two processes through /dev/memwell
#        memwell bench --procs: the same two-process workload through a
#                        /dev/memwell ring, a pipe and shared memory + eventfd,
#                        interleaved, 3 rounds
#        memwell unload (refused while a ring is open, then done)
#   4. print the table of measured figures (medians) here on the host.
#
# Environment: DEMO_COUNT (records per bench run, default 300k), DEMO_SIZE
# (record bytes, default 64), DEMO_BATCH (default 16), DEMO_ROUNDS (3),
# DEMO_TIMEOUT (VM timeout, default 900 s).  Logs: build/demo/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=$root/build/demo
mkdir -p "$out"
count=${DEMO_COUNT:-300000}
size=${DEMO_SIZE:-64}
batch=${DEMO_BATCH:-16}
rounds=${DEMO_ROUNDS:-3}
start=$(date +%s)

say() { echo "demo: $*" >&2; }

say "1/4 dependencies (scripts/deps.sh)"
bash scripts/deps.sh

kver=$(scripts/kver.sh)
say "2/4 building memwell.ko for $kver and the static CLI"
if ! scripts/build-modules.sh "/lib/modules/$kver/build" "$out/mod"; then
	say "FAILED: the modules do not build (log: $out/mod/build.log)"
	exit 1
fi
if ! make -s cli >"$out/cli.log" 2>&1; then
	tail -n 20 "$out/cli.log" >&2
	say "FAILED: the CLI does not build (log: $out/cli.log)"
	exit 1
fi

# The guest script (busybox sh, tests/lib/tap.sh and tests/vm/lib.sh
# loaded, cwd /memwell).
# Its stdout is TAP; measured runs are "# demo-json {...}" lines.
guest=$out/demo-guest.sh
cat >"$guest" <<EOF
#!/bin/sh
COUNT=$count SIZE=$size BATCH=$batch ROUNDS=$rounds
EOF
cat >>"$guest" <<'EOF'
set +e
M=./memwell-static
export MEMWELL_NO_PROGRESS=1
json() { sed -n 's/^{/# demo-json {/p' "$1"; }
diag() { sed 's/^/#   /' "$1"; }

echo "# demo: $(uname -r), $(nproc) cpus"
if $M load ./memwell.ko >/tmp/o 2>/tmp/e; then
	tap_ok "memwell load memwell.ko: $(cat /tmp/o)"
else
	tap_fail "memwell load memwell.ko: $(cat /tmp/e)"
	tap_done
	exit 1
fi

# Kernel -> user: gen source, verified, in an epoll loop.
for ctx in kthread softirq hardirq; do
	c=$COUNT
	[ "$ctx" = kthread ] || c=$((COUNT / 10))
	$M --json stream --source gen --context $ctx --count $c --size $SIZE \
		--stat >/tmp/o 2>/tmp/e
	rc=$?
	if [ $rc -eq 0 ]; then
		tap_ok "stream gen ($ctx, $c x $SIZE B): verified"
		sed -n '1s/^{"cmd":"stream",/# demo-json {"cmd":"stream","row":"kernel gen '"$ctx"' -> epoll consumer",/p' /tmp/o
		sed -n '2,$p' /tmp/o | diag /dev/stdin
	elif [ $rc -eq 3 ]; then
		tap_skip "stream gen ($ctx)" "unavailable: $(cat /tmp/e)"
		echo "# demo-unavailable kernel gen source ($ctx): $(cat /tmp/e)"
	else
		tap_fail "stream gen ($ctx): exit $rc: $(cat /tmp/e)"
		diag /tmp/o
	fi
done

# A few context switches, decoded.
$M stream --source sched --decode --records 8 >/tmp/o 2>/tmp/e
rc=$?
if [ $rc -eq 0 ]; then
	tap_ok "stream sched --decode: $(wc -l </tmp/o) lines"
	diag /tmp/o
elif [ $rc -eq 3 ]; then
	tap_skip "stream sched" "unavailable: $(cat /tmp/e)"
	echo "# demo-unavailable kernel sched source: $(cat /tmp/e)"
else
	tap_fail "stream sched: exit $rc: $(cat /tmp/e)"
fi

# Two processes through /dev/memwell: lines in, the same lines out.
seq 1 20000 >/tmp/in
$M recv --socket /tmp/mw.sock >/tmp/recv.out 2>/tmp/recv.err &
rpid=$!
$M --json send --socket /tmp/mw.sock /tmp/in >/tmp/send.json 2>/tmp/e
src=$?
wait $rpid
rrc=$?
if [ $src -eq 0 ] && [ $rrc -eq 0 ] && cmp -s /tmp/in /tmp/recv.out; then
	tap_ok "memwell send | memwell recv through /dev/memwell: 20000 lines intact"
else
	tap_fail "memwell send | recv: send $src recv $rrc: $(cat /tmp/e /tmp/recv.err)"
fi

# Unload must be refused while a ring is open.
$M create -- sleep 3 >/dev/null 2>&1 &
hpid=$!
sleep 1
if $M unload >/tmp/o 2>/tmp/e; then
	tap_fail "memwell unload refused while a ring is open (it unloaded)"
	$M load ./memwell.ko >/dev/null
else
	tap_ok "memwell unload refused while a ring is open: $(cat /tmp/e)"
fi
wait $hpid

# The same workload over three transports, interleaved.
r=1
while [ $r -le $ROUNDS ]; do
	for t in memwell pipe eventfd; do
		$M --json bench --procs --transport $t --count $COUNT --size $SIZE \
			--batch $BATCH >/tmp/o 2>/tmp/e
		rc=$?
		if [ $rc -eq 0 ]; then
			tap_ok "bench --procs $t round $r"
			json /tmp/o
		else
			tap_fail "bench --procs $t round $r: exit $rc: $(cat /tmp/e)"
		fi
	done
	r=$((r + 1))
done

if $M unload >/tmp/o 2>/tmp/e; then
	tap_ok "memwell unload"
else
	tap_fail "memwell unload: $(cat /tmp/e)"
fi
tap_done
EOF

say "3/4 booting the stock kernel under QEMU/TCG (a few minutes)"
rc=0
scripts/vm-run.sh --kernel stock --run "$guest" \
	--files "$(echo "$out"/mod/ko/*.ko) $root/build/memwell-static" \
	--log "$out/console.log" --tap "$out/demo.tap" \
	--timeout "${DEMO_TIMEOUT:-900}" >"$out/vm-run.out" || rc=$?
grep -v '^# demo-json' "$out/vm-run.out" | sed 's/^/  /' >&2

say "4/4 results (measured in the VM: 2 vCPUs under TCG, so absolute figures are slow; compare rows)"
python3 - "$out/demo.tap" "$size" "$batch" <<'PY'
import json, statistics, sys
tap, size, batch = sys.argv[1], sys.argv[2], sys.argv[3]
runs, unavail = [], []
for line in open(tap, errors="replace"):
    if line.startswith("# demo-json "):
        runs.append(json.loads(line[len("# demo-json "):]))
    elif line.startswith("# demo-unavailable "):
        unavail.append(line[len("# demo-unavailable "):].strip())
rows = {}
for r in runs:
    if r["cmd"] == "stream":
        key = r["row"]
        drops = max(r.get("drops", 0), r.get("lost", 0))
    else:
        key = {"memwell": "memwell /dev/memwell ring, 2 processes",
               "pipe": "pipe, 2 processes",
               "eventfd": "shared memory + eventfd, 2 processes"}[r["transport"]]
        drops = r.get("drops", 0)
    rows.setdefault(key, []).append((r["records_per_s"], r["mb_per_s"],
                                     r["syscalls_per_1000"], drops, r["records"]))
order = sorted(rows, key=lambda k: (not k.startswith("kernel"), k.startswith("pipe") or k.startswith("shared"), k))
print()
print(f"records of {size} B, batches of {batch} (bench); medians over the runs")
hdr = f"{'transport':<44} {'runs':>4} {'records/s':>12} {'(min-max)':>21} {'MB/s':>8} {'syscalls/1000 rec':>18} {'drops':>6}"
print(hdr)
print("-" * len(hdr))
for k in order:
    v = rows[k]
    med = lambda i: statistics.median(x[i] for x in v)
    rng = f"({min(x[0] for x in v):,.0f}-{max(x[0] for x in v):,.0f})"
    print(f"{k:<44} {len(v):>4} {med(0):>12,.0f} {rng:>21} {med(1):>8.1f} {med(2):>18.2f} {int(max(x[3] for x in v)):>6}")
why = {}
for u in unavail:
    what, _, msg = u.partition(": memwell: ")
    why.setdefault(msg, []).append(what)
for msg, whats in why.items():
    print(f"UNAVAILABLE: {', '.join(whats)}: memwell: {msg}")
if not rows:
    print("no measurements (see the log)")
PY
echo "demo: $(( $(date +%s) - start )) s in all; logs in build/demo/ (console.log, demo.tap)" >&2
tail -n 1 "$out/vm-run.out" >&2
exit "$rc"
