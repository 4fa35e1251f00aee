#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Compile check of docs/example/memwell_example.c: build memwell.ko and the
# example against the running (or KDIR) kernel in a scratch copy, the
# example resolving memwell's exports through its Module.symvers.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
KDIR=${KDIR:-/lib/modules/$("$root/scripts/kver.sh")/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && find Kbuild kmod uapi core docs/example -type f \( -name Kbuild -o \
	-name '*.c' -o -name '*.h' \) -print0 | cpio -pdm0 --quiet "$tmp")
cp "$root/VERSION" "$tmp/"
make -s -C "$KDIR" M="$tmp" modules
make -s -C "$KDIR" M="$tmp/docs/example" KBUILD_EXTRA_SYMBOLS="$tmp/Module.symvers" modules
test -f "$tmp/docs/example/memwell_example.ko"
echo "memwell_example.ko builds"
