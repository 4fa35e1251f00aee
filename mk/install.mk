# SPDX-License-Identifier: GPL-2.0
# Installation, included by the Makefile (GNU conventions; DESTDIR stages):
#
#   make install          library (shared + static), headers, memwell.pc,
#                         the CLI, man pages, udev rule, sysusers.d file,
#                         modules-load.d/modprobe.d examples (not active)
#   make install-module   the modules, through kbuild's modules_install
#   make install-dkms     the module sources and dkms.conf in /usr/src
#   make uninstall, uninstall-module, uninstall-dkms: remove exactly those
#
# On a real install (DESTDIR empty) `make install` also creates the memwell
# group and runs ldconfig, and install-module runs depmod; with DESTDIR set
# (a package build) none of that happens: the package's scripts do it.

PREFIX       ?= /usr/local
EXEC_PREFIX  ?= $(PREFIX)
BINDIR       ?= $(EXEC_PREFIX)/bin
LIBDIR       ?= $(EXEC_PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATAROOTDIR  ?= $(PREFIX)/share
MANDIR       ?= $(DATAROOTDIR)/man
DOCDIR       ?= $(DATAROOTDIR)/doc/memwell
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# udev and systemd-sysusers read these under /usr/lib and /usr/local/lib
# (udev(7), sysusers.d(5)); nothing goes to /etc, the administrator's.
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSUSERSDIR  ?= $(PREFIX)/lib/sysusers.d
DKMSSRCDIR   ?= /usr/src
INSTALL      ?= install

MW_VERSION := $(strip $(file <VERSION))
# The real name of the shared library: the soname's major, then the
# project's minor and patch, so every release installs its own file.
LIB_REALNAME := libmemwell.so.$(LIB_SOMAJOR).$(subst $() ,.,$(wordlist 2,3,$(subst ., ,$(MW_VERSION))))

# The public headers: the ABI (uapi/), the ring core (core/) and the
# library's (userlib/libmemwell*.h; memwell_handle.h is private); they
# include each other by plain name, so they install side by side, used as
# <memwell/libmemwell.h>.
PUBLIC_HDRS := $(wildcard uapi/*.h core/*.h userlib/libmemwell*.h)
MAN_PAGES   := $(wildcard man/man*/*.[0-9])

# What `make install` puts, relative to DESTDIR: uninstall removes these.
INSTALLED_LIB  := $(addprefix $(LIBDIR)/,$(LIB_REALNAME) libmemwell.so.$(LIB_SOMAJOR) \
		  libmemwell.so libmemwell.a)
INSTALLED_HDRS := $(addprefix $(INCLUDEDIR)/memwell/,$(notdir $(PUBLIC_HDRS)))
INSTALLED_MAN  := $(patsubst man/%,$(MANDIR)/%,$(MAN_PAGES))
INSTALLED_EXAMPLES := $(DOCDIR)/examples/modules-load.d/memwell.conf \
		      $(DOCDIR)/examples/modprobe.d/memwell.conf
INSTALLED_FILES := $(INSTALLED_LIB) $(INSTALLED_HDRS) $(INSTALLED_MAN) \
		   $(INSTALLED_EXAMPLES) $(PKGCONFIGDIR)/memwell.pc $(BINDIR)/memwell \
		   $(UDEVRULESDIR)/60-memwell.rules $(SYSUSERSDIR)/memwell.conf
# Directories that are memwell's alone: uninstall removes them once empty.
INSTALLED_DIRS := $(DOCDIR)/examples/modules-load.d $(DOCDIR)/examples/modprobe.d \
		  $(DOCDIR)/examples $(DOCDIR) $(INCLUDEDIR)/memwell

.PHONY: install uninstall install-module uninstall-module install-dkms \
	uninstall-dkms print-krelease

$(BUILD)/memwell.pc: dist/pkgconfig/memwell.pc.in VERSION mk/install.mk FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(MW_VERSION)|' \
		$< >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

install: lib $(BUILD)/memwell $(BUILD)/memwell.pc
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/memwell $(DESTDIR)$(BINDIR) \
		$(addprefix $(DESTDIR)$(MANDIR)/,$(sort $(notdir $(patsubst %/,%,$(dir $(MAN_PAGES)))))) \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d $(DESTDIR)$(DOCDIR)/examples/modprobe.d
	$(INSTALL) -m 0755 $(BUILD)/libmemwell.so $(DESTDIR)$(LIBDIR)/$(LIB_REALNAME)
	ln -sfn $(LIB_REALNAME) $(DESTDIR)$(LIBDIR)/libmemwell.so.$(LIB_SOMAJOR)
	ln -sfn libmemwell.so.$(LIB_SOMAJOR) $(DESTDIR)$(LIBDIR)/libmemwell.so
	$(INSTALL) -m 0644 $(BUILD)/libmemwell.a $(DESTDIR)$(LIBDIR)/libmemwell.a
	$(INSTALL) -m 0644 $(PUBLIC_HDRS) $(DESTDIR)$(INCLUDEDIR)/memwell/
	$(INSTALL) -m 0644 $(BUILD)/memwell.pc $(DESTDIR)$(PKGCONFIGDIR)/memwell.pc
	$(INSTALL) -m 0755 $(BUILD)/memwell $(DESTDIR)$(BINDIR)/memwell
	$(foreach p,$(MAN_PAGES),$(INSTALL) -m 0644 $(p) $(DESTDIR)$(MANDIR)/$(patsubst man/%,%,$(p)) &&) true
	$(INSTALL) -m 0644 dist/udev/60-memwell.rules $(DESTDIR)$(UDEVRULESDIR)/60-memwell.rules
	$(INSTALL) -m 0644 dist/sysusers.d/memwell.conf $(DESTDIR)$(SYSUSERSDIR)/memwell.conf
	$(INSTALL) -m 0644 dist/modules-load.d/memwell.conf \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d/memwell.conf
	$(INSTALL) -m 0644 dist/modprobe.d/memwell.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/memwell.conf
	@if [ -n "$(DESTDIR)" ]; then \
		echo "install: staged in DESTDIR=$(DESTDIR): group memwell not created, ldconfig not run"; \
	else \
		ldconfig; \
		if getent group memwell >/dev/null; then \
			echo "install: group memwell exists"; \
		elif command -v systemd-sysusers >/dev/null; then \
			echo "install: creating group memwell: systemd-sysusers $(SYSUSERSDIR)/memwell.conf"; \
			systemd-sysusers $(SYSUSERSDIR)/memwell.conf; \
		else \
			echo "install: creating group memwell: groupadd --system memwell"; \
			groupadd --system memwell; \
		fi; \
		command -v udevadm >/dev/null && udevadm control --reload-rules 2>/dev/null || true; \
		echo "install: add users to the group: usermod -aG memwell USER (then log in again)"; \
	fi
	@echo "install: to load the modules at boot, see $(DOCDIR)/examples/ (modules-load.d, modprobe.d)"

# The group stays: files may still carry its id.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))
	rmdir $(addprefix $(DESTDIR),$(INSTALLED_DIRS)) 2>/dev/null || true
	@[ -n "$(DESTDIR)" ] || ldconfig

# ---- the modules ----
# kbuild installs every module Kbuild built (memwell, memwell_gen, _sched,
# _sink; memwell_test too for a kernel with KUnit) into
# lib/modules/KVER/updates under INSTALL_MOD_PATH.
# The tree's release as modules_install and depmod see it: UTS_RELEASE
# (Debian's header trees have another string in kernel.release).
KRELEASE = $(or $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null),$(KVER))
MOD_INSTALL_DIR := updates
MOD_NAMES := memwell memwell_gen memwell_sched memwell_sink memwell_test

# For tests/install/modules.sh.
print-krelease:
	@echo $(KRELEASE)

# As for `make module`: no command-line variable (CC=...) reaches kbuild.
install-module uninstall-module: MAKEOVERRIDES :=
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(MOD_INSTALL_DIR) modules_install
	@if [ -n "$(DESTDIR)" ]; then \
		echo "install-module: staged in DESTDIR=$(DESTDIR): depmod not run"; \
	else \
		echo "depmod -a $(KRELEASE)"; depmod -a $(KRELEASE); \
	fi

uninstall-module:
	rm -f $(foreach m,$(MOD_NAMES),$(DESTDIR)/lib/modules/$(KRELEASE)/$(MOD_INSTALL_DIR)/$(m).ko*)
	@[ -n "$(DESTDIR)" ] || depmod -a $(KRELEASE)

# ---- DKMS ----
# The module sources with a dkms.conf of this version, in
# /usr/src/memwell-VERSION; then dkms add/build/install (README.md).
DKMS_DIR   := $(DKMSSRCDIR)/memwell-$(MW_VERSION)
DKMS_FILES := Kbuild VERSION COPYING $(wildcard LICENSES/*/*) kmod/Kconfig \
	      $(wildcard kmod/*.c kmod/*.h core/*.h uapi/*.h)
# Its directories, each before its parent (rmdir's order).
DKMS_SUBDIRS := $(patsubst %/,%,$(filter-out ./,$(sort $(dir $(DKMS_FILES))))) LICENSES

install-dkms: dist/dkms/dkms.conf.in VERSION
	$(foreach d,. $(DKMS_SUBDIRS),$(INSTALL) -d $(DESTDIR)$(DKMS_DIR)/$(d) &&) true
	$(foreach f,$(DKMS_FILES),$(INSTALL) -m 0644 $(f) $(DESTDIR)$(DKMS_DIR)/$(f) &&) true
	sed 's|@VERSION@|$(MW_VERSION)|' dist/dkms/dkms.conf.in >$(DESTDIR)$(DKMS_DIR)/dkms.conf
	@echo "install-dkms: now dkms add memwell/$(MW_VERSION); dkms build memwell/$(MW_VERSION); dkms install memwell/$(MW_VERSION)"

uninstall-dkms:
	rm -f $(addprefix $(DESTDIR)$(DKMS_DIR)/,$(DKMS_FILES) dkms.conf)
	rmdir $(addprefix $(DESTDIR)$(DKMS_DIR)/,$(DKMS_SUBDIRS)) $(DESTDIR)$(DKMS_DIR) 2>/dev/null || true
