#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# memwell benchmark (`make bench`): builds tests/bench into build/bench and
# runs it against its peers.  A benchmark, not a test: it fails only when a
# transport loses or corrupts records.
#
#   bash tests/bench/run.sh            full run (~8 minutes)
#   bash tests/bench/run.sh --quick    smoke run (a few seconds)
#   bash tests/bench/run.sh --reps 9 --secs 0.4 --ring-kib 512 --filter boost
#
# Runs under `chrt -f 1` when permitted (steadier on a loaded machine),
# else under the default policy, then MPMC once more under the default
# policy.  Output: build/bench/results.txt (tables and target verdicts),
# build/bench/raw.csv and raw-mpmc-other.csv (every measurement); with
# --quick, the same names with -quick appended.
# A full run ends with tests/bench/icount.sh: instructions per record
# (callgrind) and their target lines with verdicts;
# tests/bench/exp.sh measures modified copies of the core side by side.
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench
mkdir -p "$OUT"
# A smoke run must not overwrite the last full run's files.
tag=""
case " $* " in *" --quick "*) tag="-quick" ;; esac

if [ ! -f /usr/include/ck_ring.h ] ||
   [ ! -f /usr/include/boost/lockfree/spsc_queue.hpp ]; then
	bash scripts/deps.sh
fi
make -s lib BUILD="$BUILD"

eval "$(make -s --no-print-directory print-flags)"
read -ra cflags <<<"$MW_BENCH_CFLAGS"
read -ra cxxflags <<<"$MW_BENCH_CXXFLAGS"
SRC=tests/bench
objs=()
for f in bench peer_memwell peer_lamport peer_ck peer_pipe; do
	$CC "${cflags[@]}" -c "$SRC/$f.c" -o "$OUT/$f.o"
	objs+=("$OUT/$f.o")
done
$CXX "${cxxflags[@]}" -c "$SRC/peer_boost.cc" -o "$OUT/peer_boost.o"
objs+=("$OUT/peer_boost.o")
$CXX -pthread -o "$OUT/bench" "${objs[@]}" "$BUILD/libmemwell.a" -lm

run=("$OUT/bench")
if chrt -f 1 true 2>/dev/null; then
	run=(chrt -f 1 "${run[@]}")
else
	echo "run.sh: chrt -f 1 not permitted, running under SCHED_OTHER"
fi
{
	echo "run.sh: ${run[*]} --csv $OUT/raw$tag.csv${*:+ $*}"
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	dirty=$(git status --porcelain -- uapi core userlib 2>/dev/null | wc -l)
	echo "source: commit $rev, $dirty uncommitted file(s) in uapi/ core/ userlib/;" \
	     "core/*.h sha256 $(cat core/*.h | sha256sum | cut -c1-16)"
	echo "compiler: $($CC --version | head -1); flags: $MW_BENCH_CFLAGS"
} | tee "$OUT/results$tag.txt"
rc=0
"${run[@]}" --csv "$OUT/raw$tag.csv" "$@" | tee -a "$OUT/results$tag.txt" || rc=1

# MPMC oversubscribes the two CPUs, so the scheduling policy is part of the
# result: under SCHED_FIFO nobody is preempted inside a ring operation,
# under the default policy a thread can be, mid-reservation.  Measure MPMC
# under the default policy too (the first run covers it if chrt failed, and
# a run restricted with --mode is left as asked).
if [ "${run[0]}" = chrt ] && [[ " $* " != *" --mode "* ]]; then
	{
		echo
		echo "run.sh: MPMC again under the default policy (SCHED_OTHER, preemptible):" \
		     "$OUT/bench --mode mpmc --csv $OUT/raw-mpmc-other$tag.csv${*:+ $*}"
	} | tee -a "$OUT/results$tag.txt"
	"$OUT/bench" --mode mpmc --csv "$OUT/raw-mpmc-other$tag.csv" "$@" 2>&1 |
		grep -v '^repetition' | tee -a "$OUT/results$tag.txt" || rc=1
fi
# The instruction targets (noise-free, single-threaded): callgrind counts
# of memwell and its peers, with their verdicts (tests/bench/icount.sh).
# Not in --quick runs (they are for smoke tests).
if [ -z "$tag" ]; then
	if command -v valgrind >/dev/null 2>&1; then
		echo | tee -a "$OUT/results$tag.txt"
		bash "$SRC/icount.sh" 2>&1 | tee -a "$OUT/results$tag.txt" || rc=1
	else
		echo "run.sh: valgrind not found: no instruction counts" |
			tee -a "$OUT/results$tag.txt"
	fi
fi
exit "$rc"
