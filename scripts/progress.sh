#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# progress.sh LABEL LOG CMD...: run CMD with its output appended to LOG and,
# while it runs, print a progress line to stderr every
# MEMWELL_PROGRESS_SECS seconds (default 30): elapsed time, how many files
# kbuild has compiled so far (its "  CC " lines) and the file it names
# last, so a long kernel build is never silent.  Exits with CMD's status.
set -uo pipefail
label=$1 log=$2
shift 2
every=${MEMWELL_PROGRESS_SECS:-30}

"$@" >>"$log" 2>&1 &
pid=$!
# The watcher must not outlive us (an interrupted make check).
trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM HUP

start=$SECONDS
while true; do
	# Wake up every second so a finished command is not waited for.
	for ((i = 0; i < every; i++)); do
		kill -0 "$pid" 2>/dev/null || break 2
		sleep 1
	done
	t=$((SECONDS - start))
	cc=$(grep -c '^  CC ' "$log")
	# The newest file kbuild named, its path cut to 3 components.
	last=$(tail -n 1 "$log" | awk '{ n = split($NF, p, "/")
		print (n > 3 ? p[n - 2] "/" p[n - 1] "/" p[n] : $NF) }')
	printf '%s: %dm%02ds, %d files compiled, last: %s\n' \
		"$label" $((t / 60)) $((t % 60)) "$cc" "$last" >&2
done
wait "$pid"
