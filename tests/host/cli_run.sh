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
expect_err "a control character in an argument: still one line" 2 \
	"--count: '1\\\\x0a2' is not a number$" "$M" bench --count "$(printf '1\n2')"
expect_err "zero count" 2 "at least 1" "$M" bench --count 0
expect_err "ring size not a power of two" 2 "not a power of two" "$M" create --dry-run --ring-size 1000
expect_err "block size too small" 2 "--block-size: '4' is not 8\\.\\.64K$" "$M" create --dry-run --block-size 4
expect_err "block size too large" 2 "--block-size: '128K' is not 8\\.\\.64K$" "$M" create --dry-run --block-size 128K
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

# Option parsing (userlib/cli/opt.c): one grammar for every subcommand.
# expect_parsed DESC CMD...: the options were accepted, so CMD got as far
# as opening the device, which is missing here (exit 5).
expect_parsed() {
	local desc=$1 rc
	shift
	env MEMWELL_DEV="$tmp/no-dev" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -eq 5 ]; then
		tap_ok "$desc: accepted"
	else
		tap_fail "$desc: exit $rc (want 5, past the options): $(head -c 300 "$tmp/err" | tr '\n' '|')"
	fi
}
# expect_json_num DESC KEY VALUE CMD...: CMD exits 0 and its JSON has
# "KEY":VALUE.
expect_json_num() {
	local desc=$1 key=$2 val=$3 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "\"$key\":${val}[,}]" "$tmp/out"; then
		tap_ok "$desc: $key $val"
	else
		tap_fail "$desc: exit $rc, want \"$key\":$val: $(head -c 300 "$tmp/out" "$tmp/err" | tr '\n' '|')"
	fi
}
# The number grammar's edges, through the options that use each kind.
expect_err "number: empty" 2 "--count: '' is not a number$" "$M" bench --count ''
expect_err "number: empty size" 2 "--size: '' is not a number$" "$M" bench --size ''
expect_err "number: minus zero" 2 "'-0' is not a number$" "$M" bench --batch -0
expect_err "number: negative size" 2 "'-4K' is not a number$" "$M" create --dry-run --ring-size -4K
expect_err "number: trailing blank" 2 "'5 ' is not a number$" "$M" bench --count '5 '
expect_err "number: two suffixes" 2 "'1kk' is not a number$" "$M" bench --count 1kk
expect_err "number: B after a count" 2 "'1kB' is not a number$" "$M" bench --count 1kB
expect_err "number: garbage after iB" 2 "'64KiBx' is not a number$" "$M" create --dry-run --ring-size 64KiBx
expect_err "number: 0x without digits" 2 "'0x' is not a number$" "$M" bench --count 0x
expect_err "number: bad hex digit" 2 "'0xg' is not a number$" "$M" bench --count 0xg
expect_err "number: 2^64" 2 "'18446744073709551616' is out of range$" \
	"$M" stream --rate 18446744073709551616
expect_parsed "number: 2^64 - 1" "$M" stream --rate 18446744073709551615
expect_parsed "number: 0xffffffffffffffff" "$M" stream --rate 0xffffffffffffffff
expect_err "number: 0x1 followed by 16 zeros" 2 "out of range$" \
	"$M" stream --rate 0x10000000000000000
expect_err "number: count suffix overflows" 2 "'18446744073709552k' is out of range$" \
	"$M" stream --rate 18446744073709552k
expect_parsed "number: count suffix just fits" "$M" stream --rate 18446744073709551k
expect_err "number: size suffix overflows" 2 "'17179869184G' is out of range$" \
	"$M" stream --watermark 17179869184G
expect_parsed "number: size suffix just fits" "$M" stream --watermark 17179869183GiB
expect_err "number: overflow past a bound" 2 "'99999999999999999999' is not 4K\.\.64G$" \
	"$M" create --dry-run --ring-size 99999999999999999999
expect_err "number: trailing garbage after an overflow" 2 "is not a number$" \
	"$M" bench --count 99999999999999999999x
expect_parsed "number: zero where zero is allowed" "$M" stream --count 0
expect_json_num "size: hex" data_size 65536 "$M" create --dry-run --json --ring-size 0x10000
expect_json_num "size: KiB" data_size 65536 "$M" create --dry-run --json --ring-size 64KiB
expect_json_num "size: lower-case k is binary" block_size 1024 "$M" create --dry-run --json --block-size 1k
expect_json_num "count: lower-case k is decimal" records 1000 "$M" --json bench --local --count 1k
expect_err "seconds: empty" 2 "--wait: '' is not a number of seconds$" "$M" send --socket "$tmp/s" --wait ''
expect_err "seconds: a lone dot" 2 "'\.' is not a number of seconds$" "$M" send --socket "$tmp/s" --wait .
expect_err "seconds: two dots" 2 "'1\.2\.3' is not a number of seconds$" "$M" send --socket "$tmp/s" --wait 1.2.3
expect_err "seconds: negative" 2 "'-1' is not a number of seconds$" "$M" send --socket "$tmp/s" --wait -1
expect_err "seconds: too many" 2 "is not a number of seconds$" "$M" send --socket "$tmp/s" --wait 10000001
expect_err "seconds: a fraction without digits before it accepted" 1 "cannot connect" \
	"$M" send --socket "$tmp/s" --wait .05
expect_err "choice: a prefix is not a name" 2 "--transport: 'mem' is not memwell, pipe or eventfd$" \
	"$M" bench --transport mem
expect_err "choice: empty" 2 "--context: '' is not kthread, softirq or hardirq$" "$M" stream --context ''

# Inconsistencies memwell(1) and the subcommands had; each failed before
# the shared parser.
expect_json_num "count: K is decimal like M and G (was 1024)" records 1000 \
	"$M" --json bench --local --count 1K
expect_json_num "count: a leading zero is not octal (010 was 8)" records 10 \
	"$M" --json bench --local --count 010
expect_json_num "count: 08 is eight (was not a number)" records 8 "$M" --json bench --local --count 08
expect_err "number: a leading tab (was skipped)" 2 "is not a number$" "$M" bench --local --count "$(printf '\t5')"
expect_err "number: a plus sign (was taken)" 2 "'\+5' is not a number$" "$M" bench --local --count +5
expect_err "hex with a suffix (0x1B: 27 or 1 byte?)" 2 "'0x10K' is not a number$" \
	"$M" create --dry-run --ring-size 0x10K
expect_json_num "size: bytes may end in B, as 64KB may (64B was not a number)" block_size 64 \
	"$M" create --dry-run --json --block-size 64B
expect_err "--producers beyond 32 bits (was truncated to 1)" 2 "--producers: '4294967297' is not 1\.\.32$" \
	"$M" bench --local --count 10 --producers 4294967297
expect_err "--consumers beyond 32 bits (was truncated to 1)" 2 "--consumers: '4294967297' is not 1\.\.32$" \
	"$M" bench --local --count 10 --consumers 4294967297
expect_err "--latency-us that wraps * 1000 into range (was 50 us)" 2 \
	"--latency-us: '18446744073709602' is not 0 or 50\.\.60000000$" \
	env MEMWELL_DEV="$tmp/no-dev" "$M" stream --latency-us 18446744073709602
expect_err "--latency-us below the kernel's bound (was a failed ioctl)" 2 \
	"--latency-us: '10' is not 0 or 50\.\.60000000$" env MEMWELL_DEV="$tmp/no-dev" "$M" stream --latency-us 10
expect_parsed "--latency-us at the kernel's bounds" "$M" stream --latency-us 50 --latency-us 60000000
expect_err "--fd takes no suffix (1k was fd 1000)" 2 "--fd: '1k' is not a number$" "$M" stat --fd 1k
expect_err "--fd beyond an int (was EBADF, exit 1)" 2 "--fd: '99999999999' is not 0\.\.2147483647$" \
	"$M" stat --fd 99999999999
expect_err "\$MEMWELL_FD names itself (was --fd)" 2 "stat: MEMWELL_FD: 'abc' is not a number$" \
	env MEMWELL_FD=abc "$M" stat
expect_err "seconds: a leading blank (was skipped)" 2 "--wait: ' 1' is not a number of seconds$" \
	"$M" send --socket "$tmp/s" --wait ' 1'
expect_err "seconds: hex (0x1 was 1 s)" 2 "--wait: '0x1' is not a number of seconds$" \
	"$M" send --socket "$tmp/s" --wait 0x1
expect_err "seconds: no exponent, as counts have none (1e-1 was 0.1 s)" 2 "'1e-1' is not a number of seconds$" \
	"$M" send --socket "$tmp/s" --wait 1e-1
expect_err "--mode: a leading blank (was skipped)" 2 "--mode: ' 644' is not octal" \
	"$M" create --dry-run --mode ' 644'
expect_err "--mode: a plus sign (was taken)" 2 "--mode: '\+644' is not octal" "$M" create --dry-run --mode +644
expect_err "range errors quote the argument (stream --size)" 2 "--size: '2G' is not 16\.\.1G$" \
	"$M" stream --size 2G
expect_err "range errors quote the argument (stream --producers)" 2 "--producers: '2k' is not 1\.\.1024$" \
	"$M" stream --producers 2k
expect_err "range errors quote the argument (--ring-size)" 2 "--ring-size: '1000' is not a power of two$" \
	"$M" create --dry-run --ring-size 1000
expect_err "range errors say the range (bench --count)" 2 "--count: '0' is not at least 1$" \
	"$M" bench --count 0
expect_err "a value for an option that takes none (was: unknown option '-F')" 2 \
	"^memwell: list: option '--fdinfo' takes no value$" "$M" list --fdinfo=1
expect_err "--help=x (was: unknown option '-h')" 2 "option '--help' takes no value$" "$M" list --help=x
expect_err "an ambiguous abbreviation (was: unknown option)" 2 "option '--co' is ambiguous$" \
	"$M" bench --co 5
expect_err "an unknown short option in a group" 2 "^memwell: recv: unknown option '-x'$" "$M" recv -qx
"$M" create --dry-run --jso >"$tmp/out" 2>"$tmp/err"
python3 "$root/tests/host/json_check.py" objects <"$tmp/out" 2>"$tmp/jwhy"
tap_result $? "an abbreviated --json is honoured (was text): $(head -c 100 "$tmp/out" | tr '\n' '|')"
"$M" --json recv --local --socket "$tmp/j.sock" >"$tmp/recv.out" 2>"$tmp/recv.err" &
rpid=$!
expect_ok "send to 'memwell --json recv'" "$M" send --socket "$tmp/j.sock" "$tmp/in"
wait $rpid
rrc=$?
[ $rrc -eq 0 ] && [ "$(wc -l <"$tmp/recv.out")" -eq 1 ] && grep -q '"records":5001' "$tmp/recv.out"
tap_result $? "'memwell --json recv' prints the JSON object alone, as 'recv --json' does (records were printed too): exit $rrc, $(wc -l <"$tmp/recv.out") line(s)"

tap_done
echo "# cli host: $TAP_N tests, $TAP_FAILED failed"
[ "$TAP_FAILED" -eq 0 ]
