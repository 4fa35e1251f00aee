#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the debug kernel for memwell's VM tests and print the path
# of its build tree: arch/x86/boot/bzImage, Module.symvers, and everything
# `make -C <tree> M=<dir> modules` needs.
#
# Debian's stock kernel has no KUnit/KASAN/lockdep, so we build linux-source-6.1
# from allnoconfig + tests/vm/debug.config. The tree lives outside the work tree,
# keyed by a hash of everything that determines it; a stamp written last marks
# it complete. Progress goes to stderr, the full build output to build.log.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fragment=$root/tests/vm/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz

msg() { echo "debug-kernel: $*" >&2; }

"$root/scripts/deps.sh"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
# The compiler is part of the key too: external modules must be built with
# the compiler that built the kernel.
key=$( { cat "$fragment" "${BASH_SOURCE[0]}"; echo "$srcver"; gcc --version | head -n1; } |
	sha256sum | cut -c1-16)
base=${MEMWELL_CACHE:-$HOME/.cache/memwell}/debug-kernel
dir=$base/$key
tree=$dir/linux-source-6.1
log=$dir/build.log
mkdir -p "$base"

# One build at a time, also across concurrent callers; the others wait and
# then find the stamp.
exec 9>"$base/.lock"
if ! flock -n 9; then
	msg "another build holds $base/.lock; waiting"
	flock 9
fi

if [ -e "$dir/complete" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$dir"
: >"$log"
# Keep make's output quiet on the terminal but complete in the log.
run() {
	if ! nice -n 10 "$@" >>"$log" 2>&1; then
		msg "FAILED: $* (log: $log)"
		tail -n 40 "$log" >&2
		exit 1
	fi
}
jobs=$(nproc)
start=$(date +%s)

# A tree left by an interrupted build is resumed: make is incremental, and
# the stamps below keep the extraction and configuration from being redone.
if [ ! -e "$dir/extracted" ]; then
	msg "extracting $tarball ($srcver)"
	rm -rf "$tree"
	run tar -C "$dir" -xf "$tarball"
	touch "$dir/extracted"
fi

if [ ! -e "$dir/configured" ]; then
	msg "configuring: allnoconfig + $(basename "$fragment")"
	cp "$fragment" "$dir/debug.config"
	# -n: start from allnoconfig, so only what the fragment asks for is on.
	(cd "$tree" && run scripts/kconfig/merge_config.sh -n "$dir/debug.config")
	run make -C "$tree" olddefconfig
	# merge_config.sh only warns when Kconfig drops a requested value (an
	# unmet dependency, a renamed symbol): make that fatal.
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$tree/.config" || {
				msg "fragment line not in .config: $line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$tree/.config" || echo unset))"
				bad=1
			}
			;;
		"# CONFIG_"*" is not set")
			sym=${line#"# "}
			sym=${sym%% *}
			! grep -qE "^$sym=" "$tree/.config" || {
				msg "fragment wants $sym off, .config has: $(grep -E "^$sym=" "$tree/.config")"
				bad=1
			}
			;;
		esac
	done <"$fragment"
	[ "$bad" -eq 0 ] || exit 1
	touch "$dir/configured"
fi

msg "building bzImage with -j$jobs (log: $log)"
run make -C "$tree" -j"$jobs" bzImage
# Module.symvers only appears after a modules build; without it external
# modules get spurious "undefined symbol" modpost warnings.
msg "building modules"
run make -C "$tree" -j"$jobs" modules

for f in arch/x86/boot/bzImage Module.symvers vmlinux; do
	[ -s "$tree/$f" ] || { msg "missing $tree/$f after build"; exit 1; }
done
touch "$dir/complete"
msg "done in $(( $(date +%s) - start ))s"
echo "$tree"
