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

# expect_err DESC CODE REGEX CMD...: CMD exits CODE and prints exactly one
# stderr line matching REGEX, in the 'memwell: <cmd>: <what> (<ERRNO>)' form.
expect_err() {
	local desc=$1 code=$2 re=$3 rc lines
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq "$code" ] && [ "$lines" -eq 1 ] &&
		grep -qE '^memwell: ([a-z]+: )?.+ \(E[A-Z0-9]+\)$' "$tmp/err" &&
		grep -qE -- "$re" "$tmp/err"; then
		tap_ok "$desc: $(cat "$tmp/err")"
	else
		tap_fail "$desc: exit $rc (want $code), $lines stderr line(s): $(head -c 300 "$tmp/err" | tr '\n' '|')"
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
for c in load unload create stat stream send recv bench; do
	expect_ok "memwell $c --help" "$M" "$c" --help
done
expect_err "no command" 2 'no command given' "$M"
expect_err "bad subcommand" 2 "unknown command 'frob'.*\(EINVAL\)" "$M" frob
expect_err "bad global option" 2 "unknown option '--frob'" "$M" --frob
expect_err "bad option" 2 "^memwell: bench: unknown option '--frob' \(EINVAL\)" "$M" bench --frob
expect_err "option without its value" 2 "'--count' needs a value" "$M" bench --count
expect_err "bad number" 2 "--count: 'abc' is not a number \(EINVAL\)" "$M" bench --count abc
expect_err "negative number" 2 "is not a number" "$M" bench --count -5
expect_err "number with junk" 2 "is not a number" "$M" bench --count 12x
expect_err "number out of range" 2 "out of range \(ERANGE\)" "$M" bench --count 99999999999999999999
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
expect_err "/dev/memwell missing (stream)" 1 "missing: memwell.ko is not loaded.*\(ENOENT\)" \
	env MEMWELL_DEV="$tmp/no-dev" "$M" stream
expect_err "/dev/memwell missing (bench)" 1 "missing.*\(ENOENT\)" \
	env MEMWELL_DEV="$tmp/no-dev" "$M" bench --count 10
expect_err "/dev/memwell missing (create)" 1 "missing.*\(ENOENT\)" \
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
	expect_err "load as non-root" 1 "^memwell: load: must be root \(EPERM\)$" \
		"${asnobody[@]}" "$tmp/memwell" load "$tmp/fake.ko"
	expect_err "unload as non-root" 1 "^memwell: unload: must be root \(EPERM\)$" \
		"${asnobody[@]}" "$tmp/memwell" unload
elif [ "$(id -u)" -ne 0 ]; then
	: >"$tmp/fake.ko"
	expect_err "load as non-root" 1 "^memwell: load: must be root \(EPERM\)$" "$M" load "$tmp/fake.ko"
	expect_err "unload as non-root" 1 "^memwell: unload: must be root \(EPERM\)$" "$M" unload
else
	tap_skip "load/unload as non-root" "no setpriv"
fi

# Local mode works on any host.
expect_ok "create --dry-run --json" "$M" create --dry-run --json
grep -q '"data_size":1048576' "$tmp/out" || tap_fail "create --dry-run --json: data_size"
expect_ok "create --local -- memwell stat" "$M" create --local -- "$M" stat
grep -q 'fill: 0 of' "$tmp/out" || tap_fail "stat under create shows the fill"
expect_ok "create --local -- stat --json" "$M" --json create --local -- "$M" --json stat
[ "$(grep -c '^{' "$tmp/out")" -eq 2 ] || tap_fail "create + stat --json: one JSON object each"
for t in "--local" "--local --procs" "--local --producers 2 --consumers 2 --prod-multi --cons-multi" \
	"--transport pipe" "--transport pipe --procs" "--transport eventfd" "--transport eventfd --procs"; do
	# shellcheck disable=SC2086
	expect_ok "bench $t" "$M" --json bench $t --count 50k
	grep -q '"ok":true' "$tmp/out" || tap_fail "bench $t: ok in JSON"
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
