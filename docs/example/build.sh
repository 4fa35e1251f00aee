#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Compile check of docs/example/memwell_example.c: build the modules and the
# example against the stock (or KDIR) kernel in a scratch directory
# (scripts/build-modules.sh), the example resolving memwell's exports
# through their Module.symvers.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
KDIR=${KDIR:-/lib/modules/$("$root/scripts/kver.sh")/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/build-modules.sh" "$KDIR" "$tmp"
test -f "$tmp/ko/memwell_example.ko"
echo "memwell_example.ko builds"
