#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# config-check.sh FRAGMENT CONFIG: fail if a kernel .config lacks a value the
# fragment asks for.  merge_config.sh only warns when Kconfig drops one (an
# unmet dependency, a renamed symbol); the debug kernel must have them all.
set -euo pipefail
fragment=$1 config=$2
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$config" || {
			echo "config-check: fragment line not in $config: $line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$config" || echo unset))" >&2
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		sym=${line#"# "}
		sym=${sym%% *}
		! grep -qE "^$sym=" "$config" || {
			echo "config-check: fragment wants $sym off, $config has: $(grep -E "^$sym=" "$config")" >&2
			bad=1
		}
		;;
	esac
done <"$fragment"
exit "$bad"
