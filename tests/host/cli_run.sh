#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tests of the memwell CLI (build/memwell): argument errors, missing
# device, missing module, not root, and local-mode runs.  TAP, one line per
# test, plan at the end; exit 1 if any failed.
#
#   tests/host/cli_run.sh [--bin PATH]     (default: make -s cli, build/memwell)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
. "$root/tests/lib/tap.sh"
M=""
if [ "${1:-}" = --bin ]; then
	M=$2
else
	make -s -C "$root" cli >/dev/null || { tap_fail "make cli"; tap_done; exit 1; }
	M=$root/build/memwell
fi
export MEMWELL_NO_PROGRESS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_err DESC CODE REGEX CMD...: CMD exits CODE and prints one error
# line matching REGEX, 'memwell: <cmd>: <what> (<ERRNO>)' (no errno for
# usage errors, exit 2), then only hint lines indented by two spaces.  The
# same command with --json (inserted after the memwell binary) must exit
# CODE too and print exactly one line on stderr: a JSON object whose
# "exit" is CODE, "errno" null exactly for usage errors, and nothing on
# stdout.
expect_err() {
	local desc=$1 code=$2 re=$3 rc lines form a injected=0
	local -a jargs=()
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(grep -cv '^  ' "$tmp/err")
	# Usage errors carry no errno; all others end with one.
	if [ "$code" -eq 2 ]; then
		! head -n 1 "$tmp/err" | grep -qE ' \(E[A-Z0-9]+\)$'
	else
		head -n 1 "$tmp/err" | grep -qE ' \(E[A-Z0-9]+\)$'
	fi
	form=$?
	if [ "$rc" -eq "$code" ] && [ "$lines" -eq 1 ] && [ "$form" -eq 0 ] &&
		head -n 1 "$tmp/err" | grep -qE '^memwell: ([a-z]+: )?.+' &&
		head -n 1 "$tmp/err" | grep -qE -- "$re"; then
		tap_ok "$desc: $(head -n 1 "$tmp/err")"
	else
		tap_fail "$desc: exit $rc (want $code), $lines stderr line(s): $(head -c 300 "$tmp/err" | tr '\n' '|')"
	fi
	for a in "$@"; do
		jargs+=("$a")
		if [ $injected -eq 0 ] && [ "${a##*/}" = memwell ]; then
			jargs+=(--json)
			injected=1
		fi
	done
	"${jargs[@]}" >"$tmp/jout" 2>"$tmp/jerr" </dev/null
	rc=$?
	if [ "$rc" -eq "$code" ] && [ ! -s "$tmp/jout" ] &&
		python3 "$root/tests/host/json_check.py" error "$code" <"$tmp/jerr" 2>"$tmp/jwhy"; then
		tap_ok "$desc (--json): exit $rc, one JSON error object"
	else
		tap_fail "$desc (--json): exit $rc (want $code): $(cat "$tmp/jwhy") $(head -c 300 "$tmp/jerr" | tr '\n' '|')"
	fi
}

# expect_ok DESC CMD...: exit 0.
expect_ok() {
	local desc=$1 rc
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc: exit $rc: $(head -c 300 "$tmp/err" | tr '\n' '|')"
	fi
}

expect_ok "memwell --help" "$M" --help
grep -q '^usage: memwell' "$tmp/out" || tap_fail "--help prints usage"
for c in load unload create stat list stream send recv bench; do
	expect_ok "memwell $c --help" "$M" "$c" --help
done
expect_err "no command" 2 'no command given' "$M"
expect_err "bad subcommand" 2 "unknown command 'frob'; try 'memwell --help'$" "$M" frob
expect_err "bad global option" 2 "unknown option '--frob'" "$M" --frob
expect_err "bad option" 2 "^memwell: bench: unknown option '--frob'$" "$M" bench --frob
expect_err "option without its value" 2 "'--count' needs a value" "$M" bench --count
expect_err "bad number" 2 "--count: 'abc' is not a number$" "$M" bench --count abc
expect_err "negative number" 2 "is not a number" "$M" bench --count -5
expect_err "number with junk" 2 "is not a number" "$M" bench --count 12x
expect_err "number out of range" 2 "out of range$" "$M" bench --count 99999999999999999999
expect_err "zero count" 2 "at least 1" "$M" bench --count 0
expect_err "ring size not a power of two" 2 "not a power of two" "$M" create --dry-run --ring-size 1000
expect_err "block size too small" 2 "outside" "$M" create --dry-run --block-size 4
expect_err "block size too large" 2 "outside" "$M" create --dry-run --block-size 128K
expect_err "bad ring name" 2 "--name" "$M" create --dry-run --name 'a b'
expect_err "bad --context" 2 "not kthread, softirq or hardirq" "$M" stream --context nmi
expect_err "bad --source" 2 "not gen or sched" "$M" stream --source foo
expect_err "gen record too small" 2 "--size" "$M" stream --size 8
expect_err "stream --local" 2 "device ring" "$M" stream --local
expect_err "bad --transport" 2 "not memwell, pipe or eventfd" "$M" bench --transport carrier-pigeon
expect_err "MPMC over a pipe" 2 "need --transport memwell" "$M" bench --transport pipe --producers 2
expect_err "batch larger than the ring" 2 "does not fit" "$M" bench --local --ring-size 4K --batch 1000
expect_err "stray argument" 2 "unexpected argument" "$M" stat extra
expect_err "stat without a ring" 2 "no ring" env -u MEMWELL_FD "$M" stat
expect_err "stat of a closed fd" 1 "not open \(EBADF\)" "$M" stat --fd 77
expect_err "stat of a non-ring fd" 1 "not a memwell ring" "$M" stat --fd 0
expect_err "recv without --socket" 2 "--socket PATH is required" "$M" recv
expect_err "send to nobody" 1 "cannot connect.*\(ENOENT\)" "$M" send --socket "$tmp/none.sock" --wait 0.1
expect_err "send of a missing file" 1 "cannot read \(ENOENT\)" "$M" send --socket "$tmp/s" "$tmp/missing"
expect_err "/dev/memwell missing (stream)" 5 "missing: memwell.ko is not loaded.*\(ENOENT\)" \
	env MEMWELL_DEV="$tmp/no-dev" "$M" stream
expect_err "/dev/memwell missing (bench)" 5 "missing.*\(ENOENT\)" \
	env MEMWELL_DEV="$tmp/no-dev" "$M" bench --count 10
expect_err "/dev/memwell missing (create)" 5 "missing.*\(ENOENT\)" \
	env MEMWELL_DEV="$tmp/no-dev" "$M" create
expect_err "load: missing module file" 1 "no such module file \(ENOENT\)" "$M" load "$tmp/missing.ko"
expect_err "load: bad parameter syntax" 2 "not param=value" "$M" load "$M" =x
expect_err "unload: extra argument" 2 "unexpected argument" "$M" unload now

# Not root: drop to nobody where we can.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	asnobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	cp "$M" "$tmp/memwell"
	chmod 755 "$tmp" "$tmp/memwell"
	: >"$tmp/fake.ko"
	chmod 644 "$tmp/fake.ko"
	expect_err "load as non-root" 4 "^memwell: load: must be root \(EPERM\)$" \
		"${asnobody[@]}" "$tmp/memwell" load "$tmp/fake.ko"
	expect_err "unload as non-root" 4 "^memwell: unload: must be root \(EPERM\)$" \
		"${asnobody[@]}" "$tmp/memwell" unload
elif [ "$(id -u)" -ne 0 ]; then
	: >"$tmp/fake.ko"
	expect_err "load as non-root" 4 "^memwell: load: must be root \(EPERM\)$" "$M" load "$tmp/fake.ko"
	expect_err "unload as non-root" 4 "^memwell: unload: must be root \(EPERM\)$" "$M" unload
else
	tap_skip "load/unload as non-root" "no setpriv"
fi

# Hostile strings reach JSON through error messages: quotes, backslashes,
# every control character, DEL, valid UTF-8 and bytes that are not UTF-8
# (a lone continuation byte, overlong, surrogate, truncated, > U+10FFFF).
# Each must round-trip through a JSON parser: what the parser reads is
# the argument, with U+FFFD for each maximal invalid sequence.
ctl=$(printf '\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037\177')
bad=$(printf '\200 \300\200 \355\240\200 \360\237\230 \364\220\200\200 \377 \303')
good=$(printf 'caf\303\251 \342\202\254 \360\237\230\200 \342\200\250')
i=0
for h in "q\"uo\"te" "back\\\\slash\\" "$ctl" "$bad" "$good" "a\"\\$ctl$bad$good/\"}{]["; do
	i=$((i + 1))
	HOSTILE=$h HOSTILE_PRE="unknown command '" HOSTILE_POST="'; try 'memwell --help'" \
		"$M" --json "$h" >"$tmp/jout" 2>"$tmp/jerr" </dev/null
	rc=$?
	HOSTILE=$h HOSTILE_PRE="unknown command '" HOSTILE_POST="'; try 'memwell --help'" \
		python3 "$root/tests/host/json_check.py" error-text 2 HOSTILE <"$tmp/jerr" 2>"$tmp/jwhy"
	tap_result $? "hostile command name $i round-trips through JSON (exit $rc): $(cat "$tmp/jwhy")"
	HOSTILE=$tmp/$h.ko HOSTILE_POST=": no such module file" \
		"$M" --json load "$tmp/$h.ko" >"$tmp/jout" 2>"$tmp/jerr" </dev/null
	rc=$?
	HOSTILE=$tmp/$h.ko HOSTILE_POST=": no such module file" \
		python3 "$root/tests/host/json_check.py" error-text 1 HOSTILE <"$tmp/jerr" 2>"$tmp/jwhy"
	tap_result $? "hostile module path $i round-trips through JSON (exit $rc): $(cat "$tmp/jwhy")"
done

# Exit codes by class: usage 2, module missing 5, permission 4, other 1.
expect_err "list: module not loaded" 5 "memwell.ko is not loaded" \
	env MEMWELL_DEV="$tmp/no-dev" "$M" list
grep -q "memwell load" "$tmp/err" && grep -q "modprobe memwell" "$tmp/err"
tap_result $? "module not loaded: the hint says how to load it: $(tr '\n' '|' <"$tmp/err")"
expect_err "list: stray argument" 2 "unexpected argument" "$M" list extra
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	: >"$tmp/dev-root-only"
	chmod 600 "$tmp/dev-root-only"
	chmod 755 "$tmp"
	expect_err "device not permitted" 4 "no permission to open.*\(EACCES\)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		env MEMWELL_DEV="$tmp/dev-root-only" "$M" create
elif [ "$(id -u)" -ne 0 ]; then
	: >"$tmp/dev-root-only"
	chmod 000 "$tmp/dev-root-only"
	expect_err "device not permitted" 4 "no permission to open.*\(EACCES\)" \
		env MEMWELL_DEV="$tmp/dev-root-only" "$M" create
else
	tap_skip "device not permitted" "no setpriv"
fi

# Local mode works on any host.
expect_ok "create --dry-run --json" "$M" create --dry-run --json
python3 "$root/tests/host/json_check.py" objects <"$tmp/out" 2>"$tmp/jwhy" ||
	tap_fail "create --dry-run --json: valid JSON: $(cat "$tmp/jwhy")"
grep -q '"fd":null' "$tmp/out" || tap_fail "create --dry-run --json: no fd is null, not -1"
grep -q '"data_size":1048576' "$tmp/out" || tap_fail "create --dry-run --json: data_size"
expect_ok "create --local -- memwell stat" "$M" create --local -- "$M" stat
grep -q 'fill: 0 of' "$tmp/out" || tap_fail "stat under create shows the fill"
expect_ok "create --local -- stat --json" "$M" --json create --local -- "$M" --json stat
[ "$(grep -c '^{' "$tmp/out")" -eq 2 ] || tap_fail "create + stat --json: one JSON object each"
python3 "$root/tests/host/json_check.py" objects <"$tmp/out" 2>"$tmp/jwhy" ||
	tap_fail "create + stat --json: valid JSON: $(cat "$tmp/jwhy")"
for t in "--local" "--local --procs" "--local --producers 2 --consumers 2 --prod-multi --cons-multi" \
	"--transport pipe" "--transport pipe --procs" "--transport eventfd" "--transport eventfd --procs"; do
	# shellcheck disable=SC2086
	expect_ok "bench $t" "$M" --json bench $t --count 50k
	grep -q '"ok":true' "$tmp/out" || tap_fail "bench $t: ok in JSON"
	python3 "$root/tests/host/json_check.py" objects <"$tmp/out" 2>"$tmp/jwhy" ||
		tap_fail "bench $t: valid JSON: $(cat "$tmp/jwhy")"
done
seq 1 5000 >"$tmp/in"
printf 'no newline at the end' >>"$tmp/in"
"$M" recv --local --socket "$tmp/s.sock" >"$tmp/recv.out" 2>"$tmp/recv.err" &
rpid=$!
expect_ok "send --local lines" "$M" send --socket "$tmp/s.sock" "$tmp/in"
wait $rpid
rrc=$?
if [ $rrc -eq 0 ] && cmp -s "$tmp/in" "$tmp/recv.out"; then
	tap_ok "recv --local: output is the sender's input byte for byte"
else
	tap_fail "recv --local: exit $rrc, output differs: $(head -c 200 "$tmp/recv.err")"
fi

tap_done
echo "# cli host: $TAP_N tests, $TAP_FAILED failed"
[ "$TAP_FAILED" -eq 0 ]
