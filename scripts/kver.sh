#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the version of a Debian kernel flavour installed here, never a
# hard-coded one:
#
#   scripts/kver.sh        the stock kernel (linux-image-amd64's dependency)
#   scripts/kver.sh rt     the PREEMPT_RT kernel (linux-image-rt-amd64's)
#
# Falls back to the newest of that flavour in /lib/modules.
set -euo pipefail
case ${1:-stock} in
stock) meta=linux-image-amd64 flavour='*-amd64' other='*-rt-amd64' ;;
rt) meta=linux-image-rt-amd64 flavour='*-rt-amd64' other='' ;;
*) echo "usage: $0 [stock|rt]" >&2; exit 2 ;;
esac
dep=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null |
	grep -o 'linux-image-[0-9][^ ,]*' | head -n 1 || true)
if [ -n "$dep" ]; then
	echo "${dep#linux-image-}"
	exit 0
fi
# -rt-amd64 also matches *-amd64: the stock fallback leaves it out.
find /lib/modules -mindepth 1 -maxdepth 1 -name "$flavour" ${other:+! -name "$other"} \
	-printf '%f\n' 2>/dev/null | sort -V | tail -n 1
