#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Style gates as TAP: checkpatch --strict on kernel, uapi and core code,
# sparse on the modules (make C=2), no dependency cycle among the files of
# kmod/ (scripts/kmod-cycles.sh, on the objects sparse's build left), the
# uapi headers and every core header compiled alone (core: as C and as
# C++), and shellcheck on every shell script.
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

core_hdrs=$(ls core/*.h)
tap_plan $((6 + 2 * $(echo "$core_hdrs" | wc -l)))

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
# kmod/memwell_compat.h alone tests LINUX_VERSION_CODE: that is its job
# out of tree (checkpatch's rule is for code merged into one version, and
# takes the macro for a constant on the left of its comparisons).
out=$(perl "$cache/$top/scripts/checkpatch.pl" --no-tree --strict --terse \
	--show-types -f "${files[@]}" 2>&1 | grep -E ': (ERROR|WARNING|CHECK):' |
	grep -vE '^kmod/memwell_compat\.h:[0-9]+: WARNING:(LINUX_VERSION_CODE|CONSTANT_COMPARISON):')
[ -z "$out" ]
tap_report $? "checkpatch --strict: kmod/, uapi/, core/ and the example and bench modules" "$out"

# sparse: rebuild every object so each one is checked.
out=$(make -s -C "$KDIR" M="$PWD" C=2 CHECK="sparse -Wno-decl" modules 2>&1 |
	grep -E 'warning:|error:')
[ -z "$out" ]
tap_report $? "sparse (make C=2): kmod/" "$out"

out=$(scripts/kmod-cycles.sh . 2>&1)
tap_report $? "no include or call cycle among the files of kmod/" "$out"

# The uapi headers must stand alone in both worlds; so must each core
# header (each includes what it needs), in C and in C++.
out=$(echo '#include "memwell.h"' | $CC -x c -c "${warn[@]}" -Iuapi -o /dev/null - 2>&1)
tap_report $? "uapi/memwell.h compiles alone in user space" "$out"
out=$(for h in uapi/memwell_gen.h uapi/memwell_sched.h uapi/memwell_sink.h; do
	printf '#include "%s"\n' "${h#uapi/}" |
		$CC -x c -c "${warn[@]}" -Iuapi -o /dev/null - 2>&1 || echo "$h"
done)
[ -z "$out" ]
tap_report $? "the source kinds' uapi headers compile alone" "$out"
for h in $core_hdrs; do
	out=$(printf '#include "%s"\n' "${h#core/}" |
		$CC -x c -std=gnu11 -c "${warn[@]}" "${includes[@]}" -o /dev/null - 2>&1)
	tap_report $? "$h compiles alone in user space" "$out"
	out=$(printf '#include "%s"\nint main(void){return 0;}\n' "${h#core/}" |
		$CXX -x c++ "${warn[@]}" "${includes[@]}" -o /dev/null - 2>&1)
	tap_report $? "$h compiles alone as C++" "$out"
done

# Every shell script: the bash ones as bash, the guest ones (#!/bin/sh,
# busybox) as POSIX sh; -x follows the files they source.
mapfile -t scripts < <(git ls-files '*.sh' .ci/run 2>/dev/null ||
	find . -name '*.sh' -not -path './build/*')
out=$(shellcheck -x -f gcc "${scripts[@]}" 2>&1)
tap_report $? "shellcheck: ${#scripts[@]} shell scripts" "$out"
[ "$TAP_FAILED" -eq 0 ]
