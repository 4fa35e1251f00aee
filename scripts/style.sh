#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel style gates as TAP: checkpatch --strict on kernel, uapi and core
# code, sparse on the modules (make C=2), no dependency cycle among the
# files of kmod/ (scripts/kmod-cycles.sh, on the objects sparse's build
# left), the uapi headers compiled alone and every core header compiled
# alone, as C and as C++.
set -uo pipefail
cd "$(dirname "$0")/.."

KVER=$(scripts/kver.sh)
KDIR=${KDIR:-/lib/modules/$KVER/build}
cache=${MEMWELL_CACHE:-$HOME/.cache/memwell}/checkpatch
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | head -n 1)
n=0 bad=0

result() {	# result OK DESC [OUTPUT]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | head -n 30 | sed 's/^/#   /'
		bad=1
	fi
}

core_hdrs=$(ls core/*.h)
echo "1..$((5 + 2 * $(echo "$core_hdrs" | wc -l)))"

# checkpatch ships in the kernel source package; extract just what it needs.
top=$(basename "$tarball" .tar.xz)
if [ ! -f "$cache/$top/scripts/checkpatch.pl" ]; then
	mkdir -p "$cache"
	tar -xJf "$tarball" -C "$cache" "$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" "$top/scripts/const_structs.checkpatch"
fi
# Kernel C everywhere: the module, the ABI, the example, the bench module.
files=$(ls kmod/*.c kmod/*.h uapi/*.h core/*.h docs/example/*.c tests/bench-vm/*.c |
	grep -v '/mwb_')
# kmod/memwell_compat.h alone tests LINUX_VERSION_CODE: that is its job
# out of tree (checkpatch's rule is for code merged into one version, and
# takes the macro for a constant on the left of its comparisons).
# shellcheck disable=SC2086
out=$(perl "$cache/$top/scripts/checkpatch.pl" --no-tree --strict --terse \
	--show-types -f $files 2>&1 | grep -E ': (ERROR|WARNING|CHECK):' |
	grep -vE '^kmod/memwell_compat\.h:[0-9]+: WARNING:(LINUX_VERSION_CODE|CONSTANT_COMPARISON):')
result $([ -z "$out" ]; echo $?) "checkpatch --strict: kmod/, uapi/, core/ and the example and bench modules" "$out"

# sparse: rebuild every object so each one is checked.
out=$(make -s -C "$KDIR" M="$PWD" C=2 CHECK="sparse -Wno-decl" modules 2>&1 |
	grep -E 'warning:|error:')
result $([ -z "$out" ]; echo $?) "sparse (make C=2): kmod/" "$out"

out=$(scripts/kmod-cycles.sh . 2>&1)
result $? "no include or call cycle among the files of kmod/" "$out"

# The uapi header must stand alone in both worlds; so must each core
# header (each includes what it needs), in C and in C++.
out=$(echo '#include "memwell.h"' | gcc -x c -c -Wall -Wextra -Werror -Iuapi -o /dev/null - 2>&1)
result $? "uapi/memwell.h compiles alone in user space" "$out"
out=$(for h in uapi/memwell_gen.h uapi/memwell_sched.h uapi/memwell_sink.h; do
	printf '#include "%s"\n' "${h#uapi/}" |
		gcc -x c -c -Wall -Wextra -Werror -Iuapi -o /dev/null - 2>&1 || echo "$h"
done)
result $([ -z "$out" ]; echo $?) "the source kinds' uapi headers compile alone" "$out"
for h in $core_hdrs; do
	out=$(printf '#include "%s"\n' "${h#core/}" |
		gcc -x c -std=gnu11 -c -Wall -Wextra -Werror -Iuapi -Icore -o /dev/null - 2>&1)
	result $? "$h compiles alone in user space" "$out"
	out=$(printf '#include "%s"\nint main(void){return 0;}\n' "${h#core/}" |
		g++ -x c++ -Wall -Wextra -Werror -Iuapi -Icore -o /dev/null - 2>&1)
	result $? "$h compiles alone as C++" "$out"
done
exit $bad
