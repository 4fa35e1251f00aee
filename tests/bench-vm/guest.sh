#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench-vm`, guest side (busybox sh, cwd /memwell, tests/lib/tap.sh
# and tests/vm/lib.sh loaded).  bench-vm.conf (written by run.sh) sets ROUNDS, FILLS, SIZES,
# COUNT_<size>, SCALE_COUNT, PROCS_COUNT, PRODUCERS, ONLY (wake: only the wake policies)
# and WAKE_SIZES, WAKE_RATE, WAKE_LONE.  Every measured run prints
# "# bench {json}"; the host (run.sh) makes the table.  Runs are
# interleaved: each round goes through every fill x size x mode x contender
# once, then the scaling series (pattern fill).
set +e
# shellcheck source=/dev/null # written by run.sh
. ./bench-vm.conf

echo "# bench-vm: $(uname -r), $(nproc) cpus"
if insmod ./memwell.ko && insmod ./memwell_gen.ko && insmod ./kfifo_bench.ko; then
	tap_ok "insmod memwell.ko memwell_gen.ko kfifo_bench.ko"
else
	tap_fail "insmod"
	tap_done
	exit 1
fi

# One measured run: name, then the command; $TAG goes into its JSON.
run() {
	what=$1
	shift
	if timeout 120 "$@" >/tmp/o 2>/tmp/e; then
		tap_ok "$what"
		sed -n "s/^{/# bench {$TAG/p" /tmp/o
	else
		tap_fail "$what: $(head -n 3 /tmp/e)"
	fi
}

# The scaling series runs 1 producer on a multi-producer ring too.
run_multi() {
	export MWB_MULTI=1
	run "$@"
	unset MWB_MULTI
}
TAG=
count=0

# The wake policies of a sleeping consumer, header fill with stamps
# (wake-up latency): memwell's old default (sleep-eager), its default
# (sleep) and its watermark (sleep-wm), and BPF ringbuf, flat out
# ("sat") and at WAKE_RATE records/s ("lone": each finds it asleep).
wake_round() {
	export MWB_FILL=header MWB_STAMP=1
	for load in sat lone; do
		TAG="\"wake\":\"$load\","
		# shellcheck disable=SC2086 # word list from bench-vm.conf
		for size in $WAKE_SIZES; do
			if [ "$load" = lone ]; then
				export MWB_RATE=$WAKE_RATE
				count=$WAKE_LONE
			else
				unset MWB_RATE
				eval "count=\$COUNT_$size"
			fi
			for mode in sleep-eager sleep sleep-wm; do
				run "round $1 wake $load memwell $size $mode" \
					./bin/mwb_memwell "$size" "$count" "$mode"
			done
			run "round $1 wake $load bpf $size sleep" ./bin/mwb_bpf "$size" "$count" sleep
		done
	done
	unset MWB_STAMP MWB_RATE
	TAG=""
}

r=1
while [ "$r" -le "$ROUNDS" ]; do
	wake_round "$r"
	if [ "$ONLY" = wake ]; then
		r=$((r + 1))
		continue
	fi
	# shellcheck disable=SC2086 # word lists from bench-vm.conf
	for fill in $FILLS; do
		export MWB_FILL=$fill
		# shellcheck disable=SC2086
		for size in $SIZES; do
			eval "count=\$COUNT_$size"
			for mode in spin sleep; do
				for c in memwell memwell-b bpf kfifo pipe; do
					what="round $r $fill $c $size $mode"
					case $c in
					memwell) run "$what" ./bin/mwb_memwell "$size" "$count" "$mode" ;;
					memwell-b) run "$what" env MWB_GEN=batch ./bin/mwb_memwell "$size" "$count" "$mode" ;;
					bpf) run "$what" ./bin/mwb_bpf "$size" "$count" "$mode" ;;
					*) run "$what" ./bin/mwb_classic "$c" "$size" "$count" "$mode" ;;
					esac
				done
			done
			# memwell's watermark wake policy (no peer has one).
			run "round $r $fill memwell $size sleep-wm" \
				./bin/mwb_memwell "$size" "$count" sleep-wm
		done
	done
	export MWB_FILL=pattern
	# Two processes through a /dev/memwell ring (device mode) and through a
	# pipe, as `make demo` measures them: 64 B records, batches of 16; and
	# the ring with participants that never sleep (--spin), for the ceiling
	# without wake-ups.  The CLI's JSON says "procs":true.
	for t in memwell pipe spin; do
		if [ "$t" = spin ]; then
			TAG='"spin":true,'
			set -- --transport memwell --spin
		else
			TAG=""
			set -- --transport "$t"
		fi
		run "round $r procs $t" ./memwell-static --json bench --procs "$@" \
			--count "$PROCS_COUNT" --size 64 --batch 16
	done
	# Multi-producer scaling, 64 B, sleeping consumer, multi-producer rings.
	TAG='"scaling":true,'
	for p in $PRODUCERS; do
		run_multi "round $r memwell-mp $p producers" \
			./bin/mwb_memwell 64 "$SCALE_COUNT" sleep "$p"
		run "round $r bpf-mp $p producers" ./bin/mwb_bpf 64 "$SCALE_COUNT" sleep "$p"
	done
	TAG=""
	r=$((r + 1))
done
rmmod kfifo_bench
rmmod memwell_gen
rmmod memwell
tap_done
