#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian 13's linux-source-6.12 without touching the host's packages
# and print "VERSION TARBALL" (the package version and the path of the
# kernel tarball it ships), for scripts/kernel-6.12.sh (the build-test tree)
# and mk/debug-kernel.mk (the debug kernel of the VM tests).
#
# Debian 12 lists only bookworm, and trixie's prebuilt headers were
# configured for gcc 14 (flags gcc 12 rejects), so the source comes from
# the mirror the machine already uses, with the suite changed, through a
# private apt state: `apt-get download`, then `dpkg-deb -x`; nothing is
# installed.  It lives outside the work tree, one directory per version,
# and a stamp written last marks a finished extraction.  Progress goes to
# stderr.
set -euo pipefail

pkg=linux-source-6.12
suite=trixie
base=${MEMWELL_CACHE:-$HOME/.cache/memwell}/kernel-6.12

msg() { echo "kernel-6.12: $*" >&2; }
die() { msg "$*"; exit 1; }

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
apt_opts=(
	-o "Dir::Etc::SourceList=$aptdir/etc/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::Cache=$aptdir/cache"
	-o Debug::NoLocking=1
	# The cache is ours, not _apt's: no sandbox user needed.
	-o APT::Sandbox::User=root
)

# One fetch at a time; released when this script exits.
exec 9>"$base/.fetch.lock"
flock -n 9 || { msg "another run holds $base/.fetch.lock; waiting"; flock 9; }

cat >"$aptdir/etc/sources.list.new" <<EOT
deb [signed-by=$keyring] $uri $suite main
EOT
mv "$aptdir/etc/sources.list.new" "$aptdir/etc/sources.list"

# Refresh the private lists at most once a day.  If that fails (no
# network), the lists of the last update still name a version, and the
# next try is a day later, not at each call.  Between updates the answer
# cannot change: reuse it (apt-cache takes seconds, and make runs this
# each time it reads mk/debug-kernel.mk).
stamp=$aptdir/updated
answer=$base/latest
if [ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ] && [ "$answer" -nt "$stamp" ] &&
	read -r ver tarball <"$answer" && [ -f "${tarball:-}" ]; then
	echo "$ver $tarball"
	exit 0
fi
if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
	msg "apt-get update ($uri $suite, private state in $aptdir)"
	if ! apt-get "${apt_opts[@]}" -q update >"$aptdir/update.log" 2>&1; then
		tail -n 20 "$aptdir/update.log" >&2
		msg "apt-get update failed; using the lists of the last update"
	fi
	touch "$stamp"
fi

ver=$(apt-cache "${apt_opts[@]}" show "$pkg" 2>/dev/null |
	awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)
[ -n "$ver" ] || die "$pkg not found in $suite"

dir=$base/$ver
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
[ -f "$tarball" ] || die "no $pkg tarball in $dir/src/usr/src"
echo "$ver $tarball" >"$answer.new"
mv "$answer.new" "$answer"
echo "$ver $tarball"
