#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# memwell host tests: build the unit tests and the stress tester into
# build/tests/<variant>/, run them, print TAP (one line per test case or
# stress configuration, plan at the end) and a summary line.
#
#   tests/host/run.sh [--quick] [--san asan|tsan|none] [--keep-going]
#
#   --quick   stress with far fewer records (sanitizer builds)
#   --san     none (default): -O2, linked to build/libmemwell.a
#             asan: ASan + UBSan, library sources compiled in
#             tsan: ThreadSanitizer, library sources compiled in
#
# The compiler and flags come from make (mk/flags.mk; CC=... works as for
# make).  Environment: MW_STRESS_RECORDS (records per stress configuration),
# MW_STRESS_ARGS (extra stress options), MW_ONLY (run only the unit cases
# whose name contains it), MW_TIMEOUT (per-case alarm, tests/lib/harness.h).
# Exit status 1 if anything failed.
set -u

quick=0
san=none
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--san) shift; san="${1:-}" ;;
	--san=*) san="${1#--san=}" ;;
	-h|--help) sed -n '3,19p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
case "$san" in
none|asan|tsan) ;;
*) echo "run.sh: --san must be asan, tsan or none" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root" || exit 2
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh
src=tests/host
out=build/tests/$san
mkdir -p "$out"

flags=$(make -s --no-print-directory print-flags) || exit 2
eval "$flags"
read -ra WARN <<<"$MW_TEST_CFLAGS"
UNITS="test_geometry test_blocks test_records test_batch test_corrupt test_recover test_share test_wake"
RUN=()
case "$san" in
none)
	read -ra OPT <<<"$MW_OPT_NONE"
	CFLAGS=("${WARN[@]}" "${OPT[@]}")
	;;
asan)
	read -ra OPT <<<"$MW_OPT_ASAN"
	CFLAGS=("${WARN[@]}" "${OPT[@]}")
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
	;;
tsan)
	# The shim avoids fences under TSan (gcc's -Wtsan): a strict -Werror
	# build of the headers is also its own test below.
	read -ra OPT <<<"$MW_OPT_TSAN"
	CFLAGS_STRICT=("${WARN[@]}" "${OPT[@]}")
	CFLAGS=("${CFLAGS_STRICT[@]}")
	export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:exitcode=66:history_size=7:suppressions=$root/tests/host/tsan.supp}"
	# TSan's shadow layout needs a non-randomised address space on some kernels.
	if command -v setarch >/dev/null 2>&1 &&
	   setarch "$(uname -m)" -R true 2>/dev/null; then
		RUN=(setarch "$(uname -m)" -R)
	fi
	;;
esac

t_start=$(date +%s)

emit() {	# emit ok|fail name
	if [ "$1" = ok ]; then
		tap_ok "$2"
	else
		tap_fail "$2"
	fi
}

diag() {	# the first lines of a log, as TAP comments
	head -n "${DIAG_LINES:-40}" "$@" | tap_diag
}

# ---- build ----

LIBOBJS=()
build_lib() {
	if [ "$san" = none ]; then
		if make -s lib >"$out/make-lib.log" 2>&1; then
			LIBOBJS=(build/libmemwell.a)
			return 0
		fi
		diag "$out/make-lib.log"
		return 1
	fi
	mkdir -p "$out/lib"
	local f o ok=0
	for f in userlib/*.c; do
		o="$out/lib/$(basename "${f%.c}").o"
		if ! $CC "${CFLAGS[@]}" -fPIC -c -o "$o" "$f" 2>"$o.log"; then
			diag "$o.log"
			ok=1
		fi
		LIBOBJS+=("$o")
	done
	return $ok
}

if build_lib; then
	emit ok "build: library ($san)"
else
	emit fail "build: library ($san)"
fi

BINS=()
for b in $UNITS stress; do
	if $CC "${CFLAGS[@]}" -o "$out/$b" "$src/$b.c" "${LIBOBJS[@]}" -lpthread \
		2>"$out/$b.build.log"; then
		emit ok "build: $b"
		BINS+=("$b")
	else
		diag "$out/$b.build.log"
		emit fail "build: $b"
	fi
done

# The public headers must not break a user's -Werror build at any level.
if [ "$san" = none ]; then
	compilers="$CC"
	command -v clang >/dev/null 2>&1 && [ "$CC" != clang ] && compilers="$compilers clang"
	for cc in $compilers; do
		for o in -O0 -O1 -O2 -O3 -Os; do
			log="$out/header-$cc$o.log"
			if $cc "${WARN[@]}" "$o" -DMW_SECOND_TU -c -o "$out/test_header2.o" \
				"$src/test_header.c" >"$log" 2>&1 &&
			   $cc "${WARN[@]}" "$o" -o "$out/test_header" "$src/test_header.c" \
				"$out/test_header2.o" "${LIBOBJS[@]}" >>"$log" 2>&1 &&
			   "$out/test_header" >>"$log" 2>&1; then
				emit ok "headers: $cc $o -Wall -Wextra -Werror, two files, runs"
			else
				DIAG_LINES=12 diag "$log"
				emit fail "headers: $cc $o -Wall -Wextra -Werror, two files, runs"
			fi
		done
	done
	for cxx in g++ clang++; do
		command -v $cxx >/dev/null 2>&1 || continue
		log="$out/header-$cxx.log"
		# shellcheck disable=SC2086 # MW_CXXFLAGS is a list of words
		if $cxx $MW_CXXFLAGS \
			-o "$out/test_header_cxx" "$src/test_header.c" -x none "${LIBOBJS[@]}" \
			>"$log" 2>&1 && "$out/test_header_cxx" >>"$log" 2>&1; then
			emit ok "headers: $cxx -O2 as C++, runs"
		else
			DIAG_LINES=12 diag "$log"
			emit fail "headers: $cxx -O2 as C++, runs"
		fi
	done
fi

if [ "$san" = tsan ]; then
	log="$out/header-tsan.log"
	if $CC "${CFLAGS_STRICT[@]}" -o "$out/test_header" "$src/test_header.c" \
		"${LIBOBJS[@]}" >"$log" 2>&1 &&
	   "${RUN[@]}" "$out/test_header" >>"$log" 2>&1; then
		emit ok "headers: $CC -fsanitize=thread -Werror, runs"
	else
		DIAG_LINES=12 diag "$log"
		emit fail "headers: $CC -fsanitize=thread -Werror, runs"
	fi
fi

# ---- run ----

# Run one TAP binary; re-number its lines into ours.  A binary that dies,
# exits non-zero without a failing line, or misses part of its plan fails.
run_tap() {	# run_tap label timeout cmd...
	local label=$1 limit=$2 log rc plan=0 seen=0 bad=0 t0 t1
	shift 2
	log="$out/${RUN_LOG:-$label}.log"
	t0=$(date +%s)
	timeout --kill-after=10 "$limit" "${RUN[@]}" "$@" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			seen=$((seen + 1))
			local name="${line#* - }"
			case "$line" in
			"ok "*) emit ok "$label: $name" ;;
			*) bad=$((bad + 1)); emit fail "$label: $name" ;;
			esac
			;;
		1..*) plan=${line#1..} ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$log"
	if [ "$seen" -ne "$plan" ]; then
		emit fail "${RUN_LOG:-$label}: ran $seen of $plan (exit status $rc)"
	elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		emit fail "${RUN_LOG:-$label}: exit status $rc with no failing case"
	fi
	echo "# ${RUN_LOG:-$label}: $((t1 - t0)) s"
}

for b in "${BINS[@]}"; do
	[ "$b" = stress ] && continue
	run_tap "$b" 900 "$out/$b"
done

stress_args=()
[ $quick -eq 1 ] && stress_args+=(--quick)
if [[ " ${BINS[*]} " == *" stress "* ]]; then
	# One process per configuration: a sanitizer report stops only its own.
	for cfg in $("$out/stress" --list); do
		# shellcheck disable=SC2086
		RUN_LOG="stress-$cfg" run_tap stress 1800 "$out/stress" --config "$cfg" \
			"${stress_args[@]}" ${MW_STRESS_ARGS:-}
	done

	# The stress checks can fail: each injected fault must be caught, by
	# the check meant to catch it, in every configuration tried.
	for inj in corrupt dup lose reorder poison stamp; do
		cfg=rec-1P1C-threads,rec-4P1C-threads
		stall=60
		case $inj in
		corrupt) want='checksum mismatch|bad id' ;;
		dup) want='seen twice' ;;
		lose) want='never consumed'; stall=3 ;;
		reorder) want='[(]order[)]' ;;
		poison) want='discarded record was delivered' ;;
		stamp) want='checksum mismatch|bad id'; cfg=blk-1P1C-threads,blk-4P4C-threads ;;
		esac
		log="$out/inject-$inj.log"
		timeout --kill-after=10 600 "${RUN[@]}" "$out/stress" --records 100000 \
			--config $cfg --inject $inj --stall $stall >"$log" 2>&1
		rc=$?
		nf=$(grep -c '^not ok' "$log")
		nm=$(grep -Ec "$want" "$log")
		if [ "$rc" -eq 1 ] && [ "$nf" -eq 2 ] && [ "$nm" -ge 2 ] &&
		   ! grep -q 'ThreadSanitizer\|AddressSanitizer\|runtime error' "$log"; then
			emit ok "stress detects injected fault: $inj"
		else
			diag "$log"
			emit fail "stress detects injected fault: $inj"
		fi
	done
fi

t_end=$(date +%s)
tap_done
echo "# host($san): $((t_end - t_start)) s"
echo "host($san): $((TAP_N - TAP_FAILED)) passed, $TAP_FAILED failed"
[ "$TAP_FAILED" -eq 0 ]
