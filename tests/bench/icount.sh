#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Instructions per record (produce + consume, single-threaded, ring never
# full) for memwell and its SPSC/MPMC peers, counted by callgrind: the
# noise-free companion of run.sh.  Needs `make lib` and valgrind.
#
#   bash tests/bench/icount.sh [n-records]
#   CORE=dir bash tests/bench/icount.sh   (dir holds a modified copy of
#   memwell_ring.h, as for exp.sh: it goes first on the include path)
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench
N=${1:-160000}
mkdir -p "$OUT"
make -s lib BUILD="$BUILD"
eval "$(make -s --no-print-directory print-flags)"
read -ra cflags <<<"-std=gnu11 $MW_BENCH_OPT $MW_WARN"
read -ra cxxflags <<<"$MW_BENCH_CXXFLAGS"
read -ra inc <<<"$MW_INCLUDES"
[ -n "${CORE:-}" ] && inc=(-I"$CORE" -Wno-maybe-uninitialized -Wno-unused-variable "${inc[@]}")
$CC "${cflags[@]}" "${inc[@]}" -c tests/bench/icount.c -o "$OUT/icount.o"
$CXX "${cxxflags[@]}" -c tests/bench/icount_boost.cc -o "$OUT/icount_boost.o"
$CXX -pthread -o "$OUT/icount" "$OUT/icount.o" "$OUT/icount_boost.o" "$BUILD/libmemwell.a"

declare -A ipr	# "name size" -> instructions per record, this run
declare -A lpr	# "name size" -> locked operations per record, this run

# callgrind's --collect-bus counts global bus events (Ge): the locked
# read-modify-writes (lock-prefixed instructions and xchg), the costly
# operations of a multi-owner ring.  Fences (mfence) are not among them.
count() {	# function-name size collect-pattern
	local f=$OUT/callgrind.$1.$2
	valgrind --tool=callgrind --collect-bus=yes --callgrind-out-file="$f" \
		--collect-atstart=no --toggle-collect="$3" \
		"$OUT/icount" "$1" "$2" "$N" >/dev/null 2>&1
	local ir ge
	ir=$(awk '/^summary:/ { print $2 }' "$f")
	ge=$(awk '/^summary:/ { print ($3 == "" ? 0 : $3) }' "$f")
	ipr["$1 $2"]=$(awk -v ir="$ir" -v n="$N" 'BEGIN { printf "%.1f", ir / n }')
	lpr["$1 $2"]=$(awk -v ge="$ge" -v n="$N" 'BEGIN { printf "%.2f", ge / n }')
	printf "  %-24s %6s B  %8s instructions/record  %5s locked/record\n" \
		"$1" "$2" "${ipr["$1 $2"]}" "${lpr["$1 $2"]}"
}

echo "instructions and locked operations per record, produce + consume, N=$N (callgrind), core ${CORE:-core}"
for size in 8 64; do
	count baseline $size 'ic_baseline'
	for mode in spsc mpmc; do
		for b in 3 6; do
			count memwell-$mode-one-b$b $size 'ic_memwell_one'
			count memwell-$mode-batch-b$b $size 'ic_memwell_batch'
		done
	done
	count lamport-one $size 'ic_lamport'
	count lamport-batch $size 'ic_lamport'
	count boost-one $size 'ic_boost_one'
	count boost-batch $size 'ic_boost_batch'
	count ck-spsc $size 'ic_ck_*'
	count ck-mpmc $size 'ic_ck_*'
done

# The instruction targets of issue 10, against the peers of this very run;
# memwell at its better block size (8 or 64 B: they count the same today).
target() {	# label memwell-config peer factor size
	local mw peer
	mw=$(printf '%s\n' "${ipr["memwell-$2-b3 $5"]}" "${ipr["memwell-$2-b6 $5"]}" | sort -g | head -1)
	peer=${ipr["$3 $5"]}
	awk -v l="$1 $5 B" -v mw="$mw" -v p="$peer" -v f="$4" -v name="$3" 'BEGIN {
		lim = p * f
		printf "  %-34s memwell %6.1f <= %s%s %6.1f  %s\n", l, mw,
		       f == 1 ? "" : f "x ", name, lim, mw <= lim ? "PASS" : "MISS"
	}'
}
# Locked operations: memwell's MPMC one at a time against ck_ring's, which
# waits for its predecessors where memwell never waits.
locked() {	# label size
	local mw=${lpr["memwell-mpmc-one-b6 $2"]} peer=${lpr["ck-mpmc $2"]}
	awk -v l="$1 $2 B" -v mw="$mw" -v p="$peer" 'BEGIN {
		printf "  %-34s memwell %6.2f <= ck-mpmc %6.2f  %s\n", l, mw, p,
		       mw <= p ? "PASS" : "MISS"
	}'
}
echo
echo "Targets (instructions per record, produce + consume, this run)"
for size in 8 64; do
	target "I1 SPSC one at a time" spsc-one lamport-one 1 $size
	target "I2 SPSC batched (16)" spsc-batch lamport-batch 1 $size
	target "I3 MPMC one at a time" mpmc-one ck-mpmc 2 $size
	locked "L1 MPMC one, locked ops" $size
done
