#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build memwell's kernel modules against a kernel tree, in a private copy of
# their sources:
#
#   scripts/build-modules.sh KDIR OUT
#
# copies Kbuild, VERSION, kmod/, uapi/, core/ and docs/example/ into OUT/src (kbuild
# writes its objects next to the sources, and the work tree may be building
# for another kernel at the same time), builds whatever modules Kbuild makes,
# then the example module of docs/example/ against their Module.symvers,
# and copies every .ko into OUT/ko/.  The build log is OUT/build.log; on
# failure its tail goes to stderr and the exit status is 1.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 KDIR OUT" >&2; exit 2; }
kdir=$1 out=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$out/src log=$out/build.log

rm -rf "$src" "$out/ko"
mkdir -p "$src" "$out/ko"
: >"$log"
parts=()
for p in Kbuild kmod uapi core docs/example; do
	[ -e "$root/$p" ] && parts+=("$p")
done
(cd "$root" && find "${parts[@]}" -type f \( -name Kbuild -o -name Kconfig -o \
	-name '*.c' -o -name '*.h' \) -print0 | cpio -pdm0 --quiet "$src")
# The project version (MODULE_VERSION) comes from VERSION.
cp "$root/VERSION" "$src/"

kbuild() {	# kbuild DIR [ARGS...]
	local dir=$1
	shift
	if ! make -C "$kdir" M="$dir" "$@" modules >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		echo "build-modules: FAILED in $dir against $kdir (log: $log)" >&2
		exit 1
	fi
}
kbuild "$src"
if [ -f "$src/docs/example/Kbuild" ]; then
	kbuild "$src/docs/example" KBUILD_EXTRA_SYMBOLS="$src/Module.symvers"
fi
find "$src" -name '*.ko' -exec cp {} "$out/ko/" \;
if [ -z "$(ls "$out/ko")" ]; then
	echo "build-modules: no module built (log: $log)" >&2
	exit 1
fi
