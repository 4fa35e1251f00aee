#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the version of Debian's installed stock kernel (linux-image-amd64's
# dependency), never a hard-coded one.  Falls back to the newest in /lib/modules.
set -euo pipefail
dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	grep -o 'linux-image-[0-9][^ ,]*' | head -n 1 || true)
if [ -n "$dep" ]; then
	echo "${dep#linux-image-}"
	exit 0
fi
find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1
