#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian 13's linux-source-6.12, configure it from allnoconfig +
# scripts/kernel-6.12.config, run `make modules_prepare` and print the tree's
# path, for build tests: make -C <tree> M=<dir> modules.
#
# The source comes from scripts/fetch-linux-6.12.sh (Debian 13's package,
# never installed).  Everything lives outside the work tree, keyed by the
# package version, and stamps written last mark finished steps.  Progress
# goes to stderr.
#
# modules_prepare builds no vmlinux, so there is no Module.symvers: modpost
# cannot resolve the kernel's symbols, and modules built against this tree
# (with KBUILD_MODPOST_WARN=1) are for compile tests, not for loading:
#   make -C "$(scripts/kernel-6.12.sh)" M=<copy of the sources> \
#	KBUILD_MODPOST_WARN=1 modules
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fragment=$root/scripts/kernel-6.12.config
pkg=linux-source-6.12
base=${MEMWELL_CACHE:-$HOME/.cache/memwell}/kernel-6.12

msg() { echo "kernel-6.12: $*" >&2; }
die() { msg "$*"; exit 1; }

# bc flex bison libelf-dev libssl-dev, as for the debug kernel.
"$root/scripts/deps.sh"

read -r ver tarball < <("$root/scripts/fetch-linux-6.12.sh") ||
	die "could not fetch $pkg"
[ -n "${tarball:-}" ] || die "could not fetch $pkg"

exec 9>"$base/.lock"
flock -n 9 || { msg "another run holds $base/.lock; waiting"; flock 9; }

# The tree is keyed by what determines it: the package version (the
# directory), the fragment, and the compiler, since external modules must
# be built with the compiler that configured the tree.
key=$( { cat "$fragment"; gcc --version | head -n 1; } | sha256sum | cut -c1-12)
dir=$base/$ver
tree=$dir/$key/$pkg
log=$dir/$key/build.log
mkdir -p "$dir/$key"

if [ -e "$dir/$key/complete" ]; then
	echo "$tree"
	exit 0
fi

: >"$log"
run() {
	if ! nice -n 10 "$@" >>"$log" 2>&1; then
		msg "FAILED: $* (log: $log)"
		tail -n 40 "$log" >&2
		exit 1
	fi
}

if [ ! -e "$dir/$key/unpacked" ]; then
	msg "unpacking $(basename "$tarball")"
	rm -rf "$tree"
	run tar -C "$dir/$key" -xf "$tarball"
	touch "$dir/$key/unpacked"
fi

msg "configuring: allnoconfig + $(basename "$fragment")"
cp "$fragment" "$dir/$key/memwell.config"
(cd "$tree" && run scripts/kconfig/merge_config.sh -n "$dir/$key/memwell.config")
run make -C "$tree" olddefconfig
# merge_config.sh only warns when Kconfig drops a value: make that fatal.
"$root/scripts/config-check.sh" "$fragment" "$tree/.config"

msg "make modules_prepare (log: $log)"
run make -C "$tree" -j"$(nproc)" modules_prepare
touch "$dir/$key/complete"
echo "$tree"
