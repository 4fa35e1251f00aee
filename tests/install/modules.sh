# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # root, tmp, version: run.sh's
# The modules' installs, sourced by tests/install/run.sh (its TAP stream,
# $root, $tmp, $version, mk): `make install-module` into a staged
# INSTALL_MOD_PATH, and a DKMS add + build of `make install-dkms`'s tree
# against the stock headers, with dkms's trees in build/dkms-test (never
# /var/lib/dkms, /usr/src or /lib/modules).  Then the three places the
# version shows agree.

kdir=$(make -s --no-print-directory print-flags | sed -n "s/^KDIR='\(.*\)'$/\1/p")
krel=$(mk print-krelease)
mods="memwell memwell_gen memwell_sched memwell_sink"

# ---- make install-module ----
mstage=$tmp/mstage
out=$(mk install-module DESTDIR="$mstage" 2>&1)
st=$?
missing=""
for m in $mods; do
	[ -f "$mstage/lib/modules/$krel/updates/$m.ko" ] || missing="$missing $m.ko"
done
[ "$st" -eq 0 ] && [ -z "$missing" ]
tap_report $? "make install-module DESTDIR=...: the four modules in lib/modules/$krel/updates" \
	"missing:$missing
$out"
echo "$out" | grep -q 'depmod not run'
tap_report $? "a staged install-module runs no depmod" "$out"
ko_version=$(modinfo -F version "$mstage/lib/modules/$krel/updates/memwell.ko" 2>&1)
out=$(mk uninstall-module DESTDIR="$mstage" 2>&1)
st=$?
left=$(find "$mstage" -name '*.ko*')
[ "$st" -eq 0 ] && [ -z "$left" ]
tap_report $? "make uninstall-module removes them" "$out
left: $left"

# ---- DKMS ----
if ! command -v dkms >/dev/null; then
	tap_fail "dkms is installed (scripts/deps.sh)"
else
	dk=$root/build/dkms-test
	rm -rf "$dk"
	mkdir -p "$dk/tree" "$dk/install/$krel"
	dstage=$tmp/dstage
	out=$(mk install-dkms DESTDIR="$dstage" 2>&1)
	src=$dstage/usr/src/memwell-$version
	conf_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$src/dkms.conf" 2>/dev/null)
	[ "$conf_version" = "$version" ]
	tap_report $? "make install-dkms: /usr/src/memwell-$version/dkms.conf, version $conf_version" "$out"

	# dkms signs what it builds (Debian ships sign-file); its key and
	# certificate, made on first use, go to build/ too.  No depmod: the
	# modules are never installed.
	dkms_run() {
		mok_signing_key=$dk/mok.key mok_certificate=$dk/mok.pub \
			dkms "$@" -m memwell -v "$version" --no-depmod --dkmstree "$dk/tree" \
			--sourcetree "$dstage/usr/src" --installtree "$dk/install"
	}
	out=$(dkms_run add 2>&1) &&
		out=$(dkms_run build -k "$krel" --kernelsourcedir "$kdir" 2>&1)
	st=$?
	built=$dk/tree/memwell/$version/$krel/$(uname -m)/module
	missing=""
	for m in $mods; do
		[ -f "$built/$m.ko" ] || missing="$missing $m.ko"
	done
	[ "$st" -eq 0 ] && [ -z "$missing" ]
	tap_report $? "dkms add + build against $krel: the four modules" "missing:$missing
$out
$(tail -n 20 "$dk/tree/memwell/$version/build/make.log" 2>/dev/null)"
	dkms_version=$(modinfo -F version "$built/memwell.ko" 2>&1)
	signer=$(modinfo -F signer "$built/memwell.ko" 2>/dev/null)
	[ "$dkms_version" = "$version" ]
	tap_report $? "modinfo of dkms's memwell.ko: version $dkms_version (signer: ${signer:-none})" "want $version"
	status=$(dkms_run status 2>&1)
	echo "$status" | grep -q "memwell/$version, $krel, .*: built"
	tap_report $? "dkms status: built" "$status"
	# Nothing of it outside build/ and the stage.
	stray=$(find /var/lib/dkms /lib/modules/"$krel" -name '*memwell*' 2>/dev/null)
	[ -z "$stray" ]
	tap_report $? "nothing in /var/lib/dkms or /lib/modules/$krel" "$stray"
	dkms_run remove --all >/dev/null 2>&1
	out=$(mk uninstall-dkms DESTDIR="$dstage" 2>&1)
	st=$?
	left=$(find "$dstage" \( -type f -o -type l -o -name '*memwell*' \))
	[ "$st" -eq 0 ] && [ -z "$left" ]
	tap_report $? "make uninstall-dkms removes the source tree" "$out
left: $left"
fi

# ---- one version everywhere ----
staged_cli=$tmp/vstage
mk install DESTDIR="$staged_cli" >/dev/null 2>&1
cli=$("$staged_cli/usr/local/bin/memwell" --version 2>&1 | sed -n 's/^memwell \([^ ]*\) .*/\1/p')
pc=$(PKG_CONFIG_PATH=$staged_cli/usr/local/lib/pkgconfig PKG_CONFIG_LIBDIR="" \
	pkg-config --modversion memwell 2>&1)
[ "$cli" = "$version" ] && [ "$pc" = "$version" ] && [ "$ko_version" = "$version" ]
tap_report $? "memwell --version, pkg-config --modversion, modinfo memwell: all $version" \
	"VERSION $version, CLI '$cli', pkg-config '$pc', modinfo '$ko_version'"
