#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Exhaustive spin checks of the ring's reservation/release protocol
# (tests/spin/ring.pml, a model of core/memwell_blocks.h; the in-order
# release under TSO: tests/spin/release_order.pml) and of the wake
# protocol (tests/spin/release_barrier.pml: (G) and (H) under TSO;
# tests/spin/wake.pml: the default wake policy).  Prints TAP and
# exits non-zero if any check fails.  Everything is built in a temporary
# directory, never in the tree.
#
#   bash tests/spin/run.sh            the default suite (a few minutes)
#   SPIN_DEEP=1 bash tests/spin/run.sh   also four bigger configurations
#                                     (up to 4.7e7 states and 2.5 GiB for
#                                     one; about 8 more minutes)
#   SPIN_JOBS=N                       checks run N at a time (default 2)
#   SPIN_ONLY=REGEX                   only the checks whose name matches
#   SPIN_KEEP=1                       keep the build directory (logs, trails)
#
# Each check compiles pan with -DCOLLAPSE (lossless state compression:
# the search stays exhaustive) and a search depth far above what the model
# reaches; a check passes only if pan finished a full search with
# "errors: 0", no invalid end state and no "max search depth too small".
# A mutant check passes only if pan reports the expected error.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
jobs=${SPIN_JOBS:-2}
depth=1000000

if ! command -v spin >/dev/null 2>&1; then
	bash "$top/scripts/deps.sh" >&2 || true
fi
for tool in spin cc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "Bail out! $tool not found (bash scripts/deps.sh installs it)"
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/memwell-spin.XXXXXX") || exit 1
if [ -n "${SPIN_KEEP:-}" ]; then
	echo "# build directory: $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# check NAME EXPECT SPIN_DEFS CC_DEFS PAN_FLAGS [MODEL]
#   EXPECT: pass, or the text pan must print for the check to pass
#   (a mutant: "assertion violated", "non-progress cycle", ...)
#   MODEL: a file of tests/spin, ring.pml unless given
names=() expects=() sdefs=() cdefs=() pflags=() models=()
check() {
	if [ -n "${SPIN_ONLY:-}" ] && ! grep -qE -- "$SPIN_ONLY" <<<"$1"; then
		return
	fi
	names+=("$1") expects+=("$2") sdefs+=("$3") cdefs+=("$4") pflags+=("$5")
	models+=("${6:-ring.pml}")
}

# ---- the suite ----
# Configurations (ring.pml), spans of 1 or 2 blocks throughout:
#   A    4 blocks, one span per producer (up to 4 spans in flight)
#   A41  A after a lap (marks of an earlier lap everywhere), one block
#        queued: the ring fills, blocks are reused
#   B    2 blocks, one span per producer: full and empty, help both ways
#   B21  2 blocks, 2 + 1 producer spans: three laps, out-of-order runs
# Heaviest checks first.
A="-DNBLK=4 -DOPS=1"
A41="-DNBLK=4 -DOPS=1 -DSTART=4 -DPREFILL=1"
B="-DNBLK=2 -DOPS=1"
B21="-DNBLK=2 -DOPS=2 -DOPS2=1"
S="-DSAFETY"	# pan: safety properties only (assertions, end states)
NP="-DNP"	# pan: non-progress cycles (with pan -l)

# Lock-freedom: one participant stops for good anywhere but while holding
# a span; under weak fairness the others still progress (ring.pml, CRASH).
check "no non-progress cycle, weak fairness, B, one participant stops" \
	pass "$B -DCRASH" "$NP" "-l -f"
# Non-progress cycles under weak fairness (assertions are checked too).
check "no non-progress cycle under weak fairness, A" pass "$A" "$NP" "-l -f"
# Safety (assertions) and invalid end states: pan's default search.
check "safety + end states, B21" pass "$B21" "$S" ""
check "safety + end states, A41" pass "$A41" "$S" ""
check "no non-progress cycle under weak fairness, B" pass "$B" "$NP" "-l -f"
check "safety + end states, B21, sweeps stop after one span (SWEEP_MAX=1)" \
	pass "$B21 -DSWEEP_MAX=1" "$S" ""
check "safety + end states, B21 without help (NOHELP)" \
	pass "$B21 -DNOHELP" "$S" ""
check "safety + end states, B21, one try (TRIES=1), arming look (ARM)" \
	pass "$B21 -DTRIES=1 -DARM" "$S" ""
check "safety + end states, A" pass "$A" "$S" ""
check "no non-progress cycle under weak fairness, B without help (NOHELP)" \
	pass "$B -DNOHELP" "$NP" "-l -f"
# Records: the consumers take records through the same claim step, its
# block count decided by the record headers (ring.pml, RECORDS).
check "safety + end states, B, records (RECORDS)" pass "$B -DRECORDS" "$S" ""
check "no non-progress cycle under weak fairness, B, records (RECORDS)" \
	pass "$B -DRECORDS" "$NP" "-l -f"
# Without fairness the producers may never run while the consumers spin
# on -EAGAIN on the empty ring: a non-progress cycle that must be found,
# and why the checks above assume weak fairness (pan -f).
check "without fairness: consumers spin while producers never run (expected)" \
	"non-progress cycle" "$A" "$NP" "-l"
# Mutants: each must be caught.
check "mutant MUT_CURRENCY (currency test is mark != 0) is caught" \
	"assertion violated" "$B21 -DMUT_CURRENCY" "$S" ""
check "mutant MUT_REORDER (mark store after the sweep's loads) is caught" \
	"assertion violated" "$A -DMUT_REORDER" "$S" ""
check "mutant MUT_NOCAS (multi-owner claim by a plain store) is caught" \
	"assertion violated" "$A -DMUT_NOCAS" "$S" ""
check "mutant MUT_NOSWEEP (in-order release skips the sweep) is caught" \
	"assertion violated" "$A -DMUT_NOSWEEP" "$S" ""
check "mutant MUT_NOSTALE (records: no stale-position retry) is caught" \
	"assertion violated" "$B -DRECORDS -DMUT_NOSTALE" "$S" ""
# Limitations of the C algorithm, reproduced (see ring.pml): when the peer
# may not write this side's page (kernel-side rings), released spans wait
# for this side's next release if a sweep stopped at MEMWELL_SWEEP_MAX or
# if a releaser stopped between its mark and its sweep.
check "limitation: NOHELP + SWEEP_MAX=1 strands released spans (expected)" \
	"non-progress cycle" "$B21 -DNOHELP -DSWEEP_MAX=1" "$NP" "-l -f"
check "limitation: NOHELP + a releaser stopped after its mark (expected)" \
	"non-progress cycle" "$B -DNOHELP -DCRASH" "$NP" "-l -f"
# The wake protocol (release_barrier.pml, TSO): the full barrier of (G) on
# every release with a kick is what keeps a wake-up from being lost.
R=release_barrier.pml
check "release: no lost wake-up, 3 releases (G) + (H)" pass "-DN=3" "$S" "" $R
check "release: mutant MUT_NOBARRIER (release without (G)'s barrier) loses a wake-up" \
	"invalid end state" "-DN=2 -DMUT_NOBARRIER" "$S" "" $R
# The in-order release under TSO (release_order.pml): its plain store of
# release_pos and a later releaser's mark may miss each other unless (F')
# orders them; the peer's help, or the barrier, publishes the span.
O=release_order.pml
check "order: local mode, the peer's help publishes every span, 3 producers" \
	pass "-DNPROD=3" "$S" "" $O
check "order: (F') barrier (kernel), no span left without help, 3 producers" \
	pass "-DNPROD=3 -DORDERED -DNOHELP" "$S" "" $O
check "order: kick, no lost wake-up without help, 3 producers" \
	pass "-DNPROD=3 -DKICK -DNOHELP" "$S" "" $O
check "order: kick, no lost wake-up with help, 2 producers" \
	pass "-DKICK" "$S" "" $O
check "order: limitation: no barrier and no help strands a span (expected)" \
	"assertion violated" "-DNOHELP" "$S" "" $O
check "order: mutant MUT_NOFENCE (kick, no (F') barrier) is caught" \
	"assertion violated" "-DKICK -DNOHELP -DMUT_NOFENCE" "$S" "" $O
# The wake protocol (wake.pml): a kernel producer's commits against a
# consumer sleeping in poll(), the default policy's deferred wake-up by the
# latency timer; a lost wake-up is an invalid end state.
W=wake.pml
check "wake: no lost wake-up, 2 commits" pass "" "$S" "" $W
check "wake: no lost wake-up, 4 commits" pass "-DN=4" "$S" "" $W
check "wake: mutant MUT_TIMER_STORE (timer clears lat_armed by a plain store) is caught" \
	"invalid end state" "-DMUT_TIMER_STORE" "$S" "" $W
check "wake: mutant MUT_NOARM (a deferred wake-up starts no timer) is caught" \
	"invalid end state" "-DMUT_NOARM" "$S" "" $W
check "wake: mutant MUT_NO_H (poll's waiters store without barrier) is caught" \
	"invalid end state" "-DMUT_NO_H" "$S" "" $W
if [ -n "${SPIN_DEEP:-}" ]; then
	check "deep: safety + end states, 4 blocks, 2 + 1 producer spans" \
		pass "-DNBLK=4 -DOPS=2 -DOPS2=1" "$S" ""
	check "deep: no non-progress cycle under weak fairness, B21" \
		pass "$B21" "$NP" "-l -f"
	check "deep: no non-progress cycle, weak fairness, A, one stops" \
		pass "$A -DCRASH" "$NP" "-l -f"
	check "deep: safety + end states, B21, records (RECORDS)" \
		pass "$B21 -DRECORDS" "$S" ""
fi

# ---- running ----
run_one() {	# index
	local i=$1 d="$work/$1" t0 t1
	mkdir -p "$d"
	t0=$(date +%s)
	(
		cd "$d" || exit 1
		cp "$here/${models[$i]}" .	# `spin -t -p MODEL' replays a trail
		# shellcheck disable=SC2086
		spin ${sdefs[$i]} -a "${models[$i]}" >spin.log 2>&1 || exit 2
		# shellcheck disable=SC2086
		cc -O2 -w -DCOLLAPSE -DVECTORSZ=4096 ${cdefs[$i]} -o pan pan.c \
			>cc.log 2>&1 || exit 3
		# shellcheck disable=SC2086
		./pan -m$depth -w26 ${pflags[$i]} >pan.log 2>&1
		exit 0
	)
	echo $? >"$d/status"
	t1=$(date +%s)
	echo $((t1 - t0)) >"$d/seconds"
}

verdict() {	# index -> prints the TAP line and summary, returns 0 if ok
	local i=$1 d="$work/$1" log st why="" summary
	log=$d/pan.log
	st=$(cat "$d/status" 2>/dev/null || echo 9)
	case $st in
	0) ;;
	2) why="spin -a failed: $(tail -n 3 "$d/spin.log" | tr '\n' ' ')" ;;
	3) why="cc failed: $(tail -n 3 "$d/cc.log" | tr '\n' ' ')" ;;
	*) why="did not run" ;;
	esac
	summary=$(awk '
		/states, stored/ { st = $1 }
		/depth reached/ { for (k = 1; k <= NF; k++) if ($k == "reached") dp = $(k + 1); sub(",", "", dp) }
		/errors:/ { for (k = 1; k <= NF; k++) if ($k == "errors:") er = $(k + 1) }
		END { printf "states stored %s, depth reached %s, errors %s", st, dp, er }
	' "$log" 2>/dev/null)
	summary="$summary, $(cat "$d/seconds" 2>/dev/null)s"
	if [ -z "$why" ]; then
		if grep -q 'max search depth too small' "$log"; then
			why="search depth truncated (increase -m)"
		elif grep -qE 'out of memory|aborting' "$log"; then
			why="search not completed"
		elif [ "${expects[$i]}" = pass ]; then
			if grep -qE '^pan:.*invalid end state' "$log"; then
				why="invalid end state"
			elif ! grep -qE '^State-vector .* errors: 0$' "$log"; then
				why="pan reported errors"
			elif ! grep -q '^Full statespace search' "$log"; then
				why="not a full state-space search"
			fi
		else
			if grep -qE 'errors: 0$' "$log" ||
			   ! grep -q -- "${expects[$i]}" "$log"; then
				why="expected \"${expects[$i]}\", not found"
			fi
		fi
	fi
	if [ -z "$why" ]; then
		tap_ok "${names[$i]}"
		echo "#   $summary"
		return 0
	fi
	tap_fail "${names[$i]}"
	echo "#   $why"
	echo "#   $summary"
	grep -E 'pan:|error|violated|cycle' "$log" 2>/dev/null | head -n 5 |
		sed 's/^/#   /'
	return 1
}

n=${#names[@]}
tap_plan "$n"
start=$(date +%s)
running=0
for ((i = 0; i < n; i++)); do
	run_one "$i" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

fail=0
for ((i = 0; i < n; i++)); do
	verdict "$i" || fail=1
done
echo "# total $(($(date +%s) - start))s"
exit $fail
