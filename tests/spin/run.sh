#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Exhaustive spin checks of the ring's reservation/release protocol
# (tests/spin/ring.pml, a model of uapi/memwell_ring.h).  Prints TAP and
# exits non-zero if any check fails.  Everything is built in a temporary
# directory, never in the tree.
#
#   bash tests/spin/run.sh            the default suite (a few minutes)
#   SPIN_DEEP=1 bash tests/spin/run.sh   also the big configuration
#                                     (4 blocks, 3 producer spans: ~1.4e8
#                                     states, ~10 GiB, ~12 minutes)
#   SPIN_JOBS=N                       checks run N at a time (default 2)
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
model=$here/ring.pml
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

# check NAME EXPECT SPIN_DEFS CC_DEFS PAN_FLAGS
#   EXPECT: pass, or the text pan must print for the check to pass
#   (a mutant: "assertion violated", "non-progress cycle", ...)
names=() expects=() sdefs=() cdefs=() pflags=()
check() {
	names+=("$1") expects+=("$2") sdefs+=("$3") cdefs+=("$4") pflags+=("$5")
}

# ---- the suite ----
# Configurations (see ring.pml): A = 4 blocks, each producer makes one span
# (up to 4 spans in flight at once); B = 2 blocks, one span each (the ring
# fills: full and empty, help in both directions, blocks reused, marks of
# an earlier lap).  Spans are 1 or 2 blocks throughout.
A="-DNBLK=4 -DOPS=1"
B="-DNBLK=2 -DOPS=1"
# Safety (assertions) and invalid end states: pan's default search.
S="-DSAFETY"	# pan: safety properties only
check "safety + end states, A (4 blocks)" pass "$A" "$S" ""
check "safety + end states, B (2 blocks, laps)" pass "$B" "$S" ""
check "safety + end states, B, sweeps stop after one span (SWEEP_MAX=1)" \
	pass "$B -DSWEEP_MAX=1" "$S" ""
check "safety + end states, B, one try (TRIES=1), arming look (ARM)" \
	pass "$B -DTRIES=1 -DARM" "$S" ""
# Non-progress cycles under weak fairness.
check "no non-progress cycle under weak fairness, A" pass "$A" "-DNP" "-l -f"
check "no non-progress cycle under weak fairness, B" pass "$B" "-DNP" "-l -f"
# Without fairness a participant holding a span may never run again while
# the others spin on -EAGAIN: a non-progress cycle that must be found (the
# protocol is lock-free for the participants that run, hence -f above).
check "without fairness a stalled span holder starves the others (expected)" \
	"non-progress cycle" "$A" "-DNP" "-l"
# Mutants: each must be caught.
check "mutant MUT_CURRENCY (currency test is mark != 0) is caught" \
	"assertion violated" "$B -DMUT_CURRENCY" "$S" ""
check "mutant MUT_REORDER (mark store after the sweep's loads) is caught" \
	"assertion violated" "$A -DMUT_REORDER" "$S" ""
check "mutant MUT_NOCAS (multi-owner claim by a plain store) is caught" \
	"assertion violated" "$A -DMUT_NOCAS" "$S" ""
if [ -n "${SPIN_DEEP:-}" ]; then
	check "deep: safety + end states, 4 blocks, 2+1 producer spans" \
		pass "-DNBLK=4 -DOPS=2 -DOPS2=1" "$S" ""
	check "deep: safety + end states, 2 blocks, 2+1 producer spans" \
		pass "-DNBLK=2 -DOPS=2 -DOPS2=1" "$S" ""
	check "deep: safety + end states, 4 blocks, a lap done, 1 block queued" \
		pass "-DNBLK=4 -DOPS=1 -DSTART=4 -DPREFILL=1" "$S" ""
fi

# ---- running ----
run_one() {	# index
	local i=$1 d="$work/$1" t0 t1
	mkdir -p "$d"
	t0=$(date +%s)
	(
		cd "$d" || exit 1
		cp "$model" ring.pml	# so that `spin -t -p ring.pml' replays a trail
		# shellcheck disable=SC2086
		spin ${sdefs[$i]} -a ring.pml >spin.log 2>&1 || exit 2
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
		echo "ok $((i + 1)) - ${names[$i]}"
		echo "#   $summary"
		return 0
	fi
	echo "not ok $((i + 1)) - ${names[$i]}"
	echo "#   $why"
	echo "#   $summary"
	grep -E 'pan:|error|violated|cycle' "$log" 2>/dev/null | head -n 5 |
		sed 's/^/#   /'
	return 1
}

n=${#names[@]}
echo "1..$n"
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
