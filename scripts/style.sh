#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Style gates as TAP: checkpatch --strict on kernel and uapi code, sparse
# on the module (make C=2), the uapi headers compiled alone, and shellcheck
# on every shell script.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

eval "$(make -s --no-print-directory print-flags)"
KDIR=${KDIR:-/lib/modules/$(scripts/kver.sh)/build}
cache=${MEMWELL_CACHE:-$HOME/.cache/memwell}/checkpatch
tarball=$(find /usr/src -maxdepth 1 -name 'linux-source-*.tar.xz' | sort | head -n 1)
read -ra includes <<<"$MW_INCLUDES"
read -ra warn <<<"$MW_WARN"

result() {	# result OK DESC [OUTPUT]
	tap_result "$1" "$2"
	if [ "$1" -ne 0 ] && [ -n "${3:-}" ]; then
		printf '%s\n' "$3" | head -n 30 | sed 's/^/#   /'
	fi
}

tap_plan 5

# checkpatch ships in the kernel source package; extract just what it needs.
top=$(basename "$tarball" .tar.xz)
if [ ! -f "$cache/$top/scripts/checkpatch.pl" ]; then
	mkdir -p "$cache"
	tar -xJf "$tarball" -C "$cache" "$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" "$top/scripts/const_structs.checkpatch"
fi
# Kernel C everywhere: the module, the ABI, the core, the example, the
# bench module (not the bench's user programs, mwb_*).
files=()
for f in kmod/*.[ch] uapi/*.h core/*.h docs/example/*.c tests/bench-vm/*.c; do
	case $f in */mwb_*) continue ;; esac
	[ -e "$f" ] && files+=("$f")
done
out=$(perl "$cache/$top/scripts/checkpatch.pl" --no-tree --strict --terse \
	--show-types -f "${files[@]}" 2>&1 | grep -E ': (ERROR|WARNING|CHECK):')
[ -z "$out" ]
result $? "checkpatch --strict: kmod/, uapi/ and the example and bench modules" "$out"

# sparse: rebuild every object so each one is checked.
out=$(make -s -C "$KDIR" M="$PWD" C=2 CHECK="sparse -Wno-decl" modules 2>&1 |
	grep -E 'warning:|error:')
[ -z "$out" ]
result $? "sparse (make C=2): kmod/" "$out"

# The uapi header must stand alone in both worlds.
out=$(echo '#include "memwell.h"' | $CC -x c -c "${warn[@]}" "${includes[@]}" -o /dev/null - 2>&1)
result $? "uapi/memwell.h compiles alone in user space" "$out"
out=$(printf '#include "memwell_ring.h"\nint main(void){return 0;}\n' |
	$CXX -x c++ "${warn[@]}" "${includes[@]}" -o /dev/null - 2>&1)
result $? "uapi/memwell_ring.h compiles as C++" "$out"

# Every shell script: the bash ones as bash, the guest ones (#!/bin/sh,
# busybox) as POSIX sh; -x follows the files they source.
mapfile -t scripts < <(git ls-files '*.sh' .ci/run 2>/dev/null ||
	find . -name '*.sh' -not -path './build/*')
out=$(shellcheck -x -f gcc "${scripts[@]}" 2>&1)
result $? "shellcheck: ${#scripts[@]} shell scripts" "$out"
[ "$TAP_FAILED" -eq 0 ]
