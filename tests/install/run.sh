#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The install suite (make check-install): `make install` into a staged
# DESTDIR and what a user of the install gets, then the modules through
# `make install-module` and through DKMS (tests/install/modules.sh).  TAP,
# plan at the end; exit 1 if any failed.
#
#   tests/install/run.sh [--no-modules]    (--no-modules: the first part only)
#
# Nothing outside build/ and a temporary directory is written: no real
# install, no /lib/modules, no /var/lib/dkms.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mk() { make -s --no-print-directory "$@"; }
version=$(cat VERSION)
stage=$tmp/stage
pfx=$stage/usr/local
mw_pkgconfig() {
	PKG_CONFIG_PATH=$pfx/lib/pkgconfig PKG_CONFIG_LIBDIR="" \
		PKG_CONFIG_SYSROOT_DIR=$stage pkg-config "$@" memwell
}

# ---- make install, the default layout under /usr/local ----
out=$(mk install DESTDIR="$stage" 2>&1)
tap_report $? "make install DESTDIR=... (PREFIX=/usr/local)" "$out"
echo "$out" | grep -q 'group memwell not created'
tap_report $? "a staged install says it creates no group" "$out"

# The file list, from the source tree and written out here, not from
# mk/install.mk: a file the makefile forgets is missing from the stage.
{
	for f in lib/libmemwell.so.1."$(cut -d. -f2,3 VERSION)" lib/libmemwell.so.1 \
		lib/libmemwell.so lib/libmemwell.a lib/pkgconfig/memwell.pc bin/memwell \
		lib/udev/rules.d/60-memwell.rules lib/sysusers.d/memwell.conf \
		share/doc/memwell/examples/modules-load.d/memwell.conf \
		share/doc/memwell/examples/modprobe.d/memwell.conf; do
		echo "usr/local/$f"
	done
	for h in uapi/*.h core/*.h userlib/libmemwell*.h; do
		echo "usr/local/include/memwell/${h##*/}"
	done
	for p in man/man*/*; do echo "usr/local/share/$p"; done
} | sort >"$tmp/want"
(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort) >"$tmp/got"
diff "$tmp/want" "$tmp/got" >"$tmp/diff"
tap_report $? "the staged files are exactly the expected $(wc -l <"$tmp/want")" \
	"$(sed 's/^</missing: /; s/^>/extra: /' "$tmp/diff" | grep -E '^(missing|extra)')"

# The dist files, byte for byte as docs/security.md and the perm branch
# define them.
printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' \
	'# /dev/memwell: read-write for root and the memwell group (memwell(7)).' \
	'KERNEL=="memwell", SUBSYSTEM=="misc", GROUP="memwell", MODE="0660"' >"$tmp/rules"
printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' \
	'# The group whose members may open /dev/memwell (dist/udev/60-memwell.rules).' \
	'g memwell -' >"$tmp/sysusers"
cmp "$tmp/rules" "$pfx/lib/udev/rules.d/60-memwell.rules" &&
	cmp "$tmp/sysusers" "$pfx/lib/sysusers.d/memwell.conf"
tap_result $? "the udev rule and the sysusers.d file are the agreed ones"

# Links and soname: the dev link and the soname link resolve to the real
# file, whose SONAME is the soname link's name.
lib=$pfx/lib
real=$(readlink -f "$lib/libmemwell.so")
soname=$(readelf -d "$lib/libmemwell.so.1" 2>&1 | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ -L "$lib/libmemwell.so" ] && [ -L "$lib/libmemwell.so.1" ] && [ ! -L "$real" ] &&
	[ "$real" = "$(readlink -f "$lib/libmemwell.so.1")" ] &&
	[ "${real##*/}" = "libmemwell.so.1.$(cut -d. -f2,3 VERSION)" ]
tap_report $? "libmemwell.so -> libmemwell.so.1 -> ${real##*/}" "$(ls -l "$lib")"
[ "$soname" = libmemwell.so.1 ]
tap_report $? "SONAME is libmemwell.so.1 (readelf -d)" "soname: '$soname'"

# The exports against the installed headers.
bash scripts/check-symbols.sh "$lib/libmemwell.so" "$pfx/include/memwell" >"$tmp/sym"
tap_report $? "exported symbols = the installed headers' functions, versioned" "$(cat "$tmp/sym")"

# pkg-config through the stage.
pc_version=$(mw_pkgconfig --modversion 2>&1)
[ "$pc_version" = "$version" ]
tap_report $? "pkg-config --modversion memwell: $pc_version" "want $version"
pc_flags=$(mw_pkgconfig --cflags --libs 2>&1 | tr -s ' ' | sed 's/ $//')
[ "$pc_flags" = "-I$pfx/include -L$pfx/lib -lmemwell" ]
tap_report $? "pkg-config --cflags --libs memwell: the stage's paths" "got: $pc_flags"

# A user's program: <memwell/...> headers, the shared library, run from
# the stage; then linked statically.
# shellcheck disable=SC2046 # pkg-config's output is a list of words
out=$(gcc -std=gnu11 -Wall -Wextra -Werror tests/install/user.c \
	$(mw_pkgconfig --cflags --libs) -o "$tmp/user" 2>&1)
tap_report $? "a program builds against the staged headers and libmemwell.so" "$out"
needed=$(readelf -d "$tmp/user" 2>/dev/null | grep -c 'Shared library: \[libmemwell.so.1\]')
out=$(LD_LIBRARY_PATH=$lib "$tmp/user" 2>&1)
st=$?
[ "$st" -eq 0 ] && [ "$needed" -eq 1 ]
tap_report $? "it needs libmemwell.so.1 and runs from the stage: $out" "exit $st, NEEDED libmemwell.so.1: $needed"
# shellcheck disable=SC2046
out=$(gcc -std=gnu11 -Wall -Wextra -Werror -static tests/install/user.c \
	$(mw_pkgconfig --cflags --libs --static) -o "$tmp/user-static" 2>&1) &&
	out=$(env -u LD_LIBRARY_PATH "$tmp/user-static" 2>&1) &&
	! readelf -d "$tmp/user-static" 2>/dev/null | grep -q NEEDED
tap_report $? "a program links libmemwell.a statically and runs" "$out"

# The CLI as installed.
cli_version=$("$pfx/bin/memwell" --version 2>&1)
echo "$cli_version" | grep -qx "memwell $version (ABI [0-9]*)"
tap_report $? "memwell --version: $cli_version" "want memwell $version"

# ---- make uninstall: nothing left ----
out=$(mk uninstall DESTDIR="$stage" 2>&1)
st=$?
left=$(cd "$stage" && find . \( -type f -o -type l -o -name '*memwell*' \))
[ "$st" -eq 0 ] && [ -z "$left" ]
tap_report $? "make uninstall leaves no file and no memwell directory" "$out
left: $left"

# ---- the GNU directory variables ----
stage2=$tmp/stage2
out=$(mk install DESTDIR="$stage2" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu \
	BINDIR=/usr/sbin MANDIR=/usr/man INCLUDEDIR=/usr/inc DOCDIR=/usr/doc/mw \
	UDEVRULESDIR=/usr/udev SYSUSERSDIR=/usr/sysusers 2>&1)
st=$?
ok=0
for f in usr/lib/x86_64-linux-gnu/libmemwell.so.1 usr/lib/x86_64-linux-gnu/pkgconfig/memwell.pc \
	usr/sbin/memwell usr/man/man1/memwell.1 usr/inc/memwell/libmemwell.h \
	usr/doc/mw/examples/modprobe.d/memwell.conf usr/udev/60-memwell.rules \
	usr/sysusers/memwell.conf; do
	[ -e "$stage2/$f" ] || { ok=1; echo "missing: $f"; }
done >"$tmp/missing"
pc=$stage2/usr/lib/x86_64-linux-gnu/pkgconfig/memwell.pc
if ! grep -qsx 'libdir=/usr/lib/x86_64-linux-gnu' "$pc" || ! grep -qsx 'includedir=/usr/inc' "$pc"; then
	ok=1
	echo "memwell.pc: $(grep -s dir= "$pc")" >>"$tmp/missing"
fi
[ "$st" -eq 0 ] && [ "$ok" -eq 0 ]
tap_report $? "PREFIX, LIBDIR, BINDIR, MANDIR, INCLUDEDIR, DOCDIR, UDEVRULESDIR, SYSUSERSDIR honoured" \
	"$out$(cat "$tmp/missing")"
out=$(mk uninstall DESTDIR="$stage2" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu \
	BINDIR=/usr/sbin MANDIR=/usr/man INCLUDEDIR=/usr/inc DOCDIR=/usr/doc/mw \
	UDEVRULESDIR=/usr/udev SYSUSERSDIR=/usr/sysusers 2>&1)
st=$?
left=$(cd "$stage2" && find . \( -type f -o -type l \))
[ "$st" -eq 0 ] && [ -z "$left" ]
tap_report $? "... and uninstall with the same variables removes it all" "$out
left: $left"

# ---- the user's CC, CFLAGS, CPPFLAGS, LDFLAGS; -Werror ----
# A private build directory: build/ keeps its objects.  The -D (with -g3,
# recorded in the objects' macro table) shows CFLAGS reached the compile,
# -O2 -O1 in DW_AT_producer that it came after ours (the user wins), the
# runpath that LDFLAGS reached the links.
ub=$tmp/build
out=$(mk lib "$ub/memwell" BUILD="$ub" CPPFLAGS=-DMW_CPPFLAGS_PROBE=1 \
	CFLAGS='-O1 -g3 -DMW_CFLAGS_PROBE=1' LDFLAGS=-Wl,-rpath,/mw-ldflags-probe 2>&1)
tap_report $? "make lib and the CLI with CPPFLAGS, CFLAGS, LDFLAGS" "$out"
obj=$ub/lib/memwell_common.o
macros=$(readelf --debug-dump=macro "$obj" 2>/dev/null)
echo "$macros" | grep -q 'macro : MW_CFLAGS_PROBE 1' &&
	echo "$macros" | grep -q 'macro : MW_CPPFLAGS_PROBE 1'
tap_result $? "CFLAGS' and CPPFLAGS' -D reach the library's compile"
producer=$(readelf --debug-dump=info "$obj" 2>/dev/null | grep -m1 DW_AT_producer)
echo "$producer" | grep -q -- '-O2 -O1'
tap_report $? "the user's flags come after ours (-O2 -O1)" "$producer"
for f in "$ub/libmemwell.so" "$ub/memwell"; do
	readelf -d "$f" 2>/dev/null | grep -q 'R.*PATH.*\[/mw-ldflags-probe\]' || echo "$f"
done >"$tmp/norpath"
[ ! -s "$tmp/norpath" ]
tap_report $? "LDFLAGS reach the library's and the CLI's link" "no runpath: $(cat "$tmp/norpath")"
if command -v clang >/dev/null; then
	rm -rf "$ub"
	out=$(CC=clang mk lib BUILD="$ub" 2>&1)
	readelf --debug-dump=info "$ub/lib/memwell_common.o" 2>/dev/null | grep -m1 DW_AT_producer | grep -q clang
	tap_report $? "CC from the environment builds the library (clang)" "$out"
else
	tap_skip "CC from the environment builds the library" "no clang"
fi
# -Werror: our checks (WERROR=1, set by scripts/check.sh) have it, a plain
# build does not.
plain=$(env -u WERROR make -s --no-print-directory print-flags | grep '^MW_CFLAGS=')
dev=$(WERROR=1 make -s --no-print-directory print-flags | grep '^MW_CFLAGS=')
! echo "$plain" | grep -q -- -Werror && echo "$dev" | grep -q -- -Werror
tap_report $? "-Werror only with WERROR=1" "plain: $plain
WERROR=1: $dev"

if [ "${1:-}" != --no-modules ]; then
	# shellcheck source=tests/install/modules.sh
	. tests/install/modules.sh
fi

tap_done
[ "$TAP_FAILED" -eq 0 ]
