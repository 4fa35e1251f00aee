#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian 13's linux-source-6.12, configure it from allnoconfig +
# scripts/kernel-6.12.config, run `make modules_prepare` and print the tree's
# path, for build tests: make -C <tree> M=<dir> modules.
#
# Debian 12 lists only bookworm, and trixie's prebuilt headers were
# configured for gcc 14 (flags gcc 12 rejects), so the source comes from
# the mirror the machine already uses, through a private apt state: the
# host's package lists and installed packages stay untouched.  Everything
# lives outside the work tree, keyed by the package version, and stamps
# written last mark finished steps.  Progress goes to stderr.
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
suite=trixie
base=${MEMWELL_CACHE:-$HOME/.cache/memwell}/kernel-6.12

msg() { echo "kernel-6.12: $*" >&2; }
die() { msg "$*"; exit 1; }

# bc flex bison libelf-dev libssl-dev, as for the debug kernel.
"$root/scripts/deps.sh"

# The main archive's URI from the host's own apt configuration: deb822
# .sources files first, then one-line sources.list entries; the security
# and updates suites live elsewhere or carry no kernel source.
mirror_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			/^[ \t]*$/ { if (uri != "" && main) { print uri; exit }
				     uri = ""; main = 0; next }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" {
				for (i = 2; i <= NF; i++)
					if ($i !~ /-/) main = 1
			}
			END { if (uri != "" && main) print uri }
		' "$f" | head -n 1
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		# deb [options] URI SUITE COMPONENTS...
		sed -E 's/\[[^]]*\]//' "$f" |
			awk '$1 == "deb" && $3 !~ /-/ { print $2 }'
	done
}

uri=$(mirror_uri | head -n 1)
[ -n "$uri" ] || die "no Debian mirror found in the host's apt configuration"

aptdir=$base/apt
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$aptdir/etc"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$aptdir/etc/sources.list" <<EOF
deb [signed-by=$keyring] $uri $suite main
EOF
apt_opts=(
	-o "Dir::Etc::SourceList=$aptdir/etc/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::Cache=$aptdir/cache"
	-o Debug::NoLocking=1
	# The cache is ours, not _apt's: no sandbox user needed.
	-o APT::Sandbox::User=root
)

exec 9>"$base/.lock"
flock -n 9 || { msg "another run holds $base/.lock; waiting"; flock 9; }

# Refresh the private lists at most once a day.
stamp=$aptdir/updated
if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
	msg "apt-get update ($uri $suite, private state in $aptdir)"
	apt-get "${apt_opts[@]}" -q update >"$aptdir/update.log" 2>&1 ||
		{ tail -n 20 "$aptdir/update.log" >&2; die "apt-get update failed"; }
	touch "$stamp"
fi

ver=$(apt-cache "${apt_opts[@]}" show "$pkg" 2>/dev/null |
	awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)
[ -n "$ver" ] || die "$pkg not found in $suite"

# The tree is keyed by what determines it: the package version (the
# directory), the fragment, and the compiler, since external modules must
# be built with the compiler that configured the tree.
key=$( { cat "$fragment"; gcc --version | head -n 1; } | sha256sum | cut -c1-12)
dir=$base/$ver
tree=$dir/$key/$pkg
log=$dir/$key/build.log
mkdir -p "$dir/$key"

if [ ! -e "$dir/extracted" ]; then
	msg "downloading $pkg $ver"
	rm -rf "$dir/deb" "$dir/src"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get "${apt_opts[@]}" -q download "$pkg=$ver") >&2
	dpkg-deb -x "$dir"/deb/"${pkg}"_*.deb "$dir/src"
	rm -rf "$dir/deb"
	touch "$dir/extracted"
fi
tarball=$(ls "$dir"/src/usr/src/"$pkg".tar.*)

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
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$tree/.config" || {
			msg "not in .config: $line"
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		sym=${line#"# "}
		sym=${sym%% *}
		! grep -qE "^$sym=" "$tree/.config" || {
			msg "wanted off, .config has: $(grep -E "^$sym=" "$tree/.config")"
			bad=1
		}
		;;
	esac
done <"$fragment"
[ "$bad" -eq 0 ] || exit 1

msg "make modules_prepare (log: $log)"
run make -C "$tree" -j"$(nproc)" modules_prepare
touch "$dir/$key/complete"
echo "$tree"
