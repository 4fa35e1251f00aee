# SPDX-License-Identifier: GPL-2.0
# The debug kernel of the VM tests (KASAN, lockdep, UBSAN, kmemleak, KUnit;
# Debian's stock kernel has none of them): Debian 13's linux-source-6.12
# (fetched by scripts/fetch-linux-6.12.sh, never installed) from allnoconfig
# + tests/vm/debug.config.  Run by the Makefile's debug-kernel target under
# its tree's lock (two builds in one tree would wreck it):
#	make -f mk/debug-kernel.mk [locked|print-kdir|print-key]
#
# The tree lives outside the work tree, in a directory named by a hash of
# what determines the kernel: the fragment, the source package's version,
# the compiler (external modules must be built with the compiler that built
# the kernel) and DK_RECIPE; comments in the fragment do not count.  Bump DK_RECIPE by hand when a change to the
# rules below changes what they build.
.DELETE_ON_ERROR:
.SUFFIXES:

DK_RECIPE   := memwell-debug-kernel-2
DK_SRCPKG   := linux-source-6.12
DK_FRAGMENT := tests/vm/debug.config
MEMWELL_CACHE ?= $(HOME)/.cache/memwell

# "VERSION TARBALL" of the fetched source package; its messages go to stderr.
DK_FETCH   := $(shell scripts/fetch-linux-6.12.sh)
DK_SRCVER  := $(word 1,$(DK_FETCH))
DK_TARBALL := $(word 2,$(DK_FETCH))
ifeq ($(DK_TARBALL),)
$(error debug-kernel: scripts/fetch-linux-6.12.sh could not fetch $(DK_SRCPKG))
endif
DK_CCVER  := $(shell gcc --version | head -n 1)
# The fragment's settings, not its comments, determine the kernel.
DK_KEY    := $(shell { grep -E '^(CONFIG_|\# CONFIG_.* is not set)' $(DK_FRAGMENT); \
		       echo '$(DK_SRCVER)'; echo '$(DK_CCVER)'; echo '$(DK_RECIPE)'; } | \
		     sha256sum | cut -c1-16)
DK_DIR    := $(MEMWELL_CACHE)/debug-kernel/$(DK_KEY)
DK_TREE   := $(DK_DIR)/$(DK_SRCPKG)
DK_LOG    := $(DK_DIR)/build.log
DK_IMAGE  := $(DK_TREE)/arch/x86/boot/bzImage
DK_JOBS   := $(shell nproc)
# One lock per tree: builds of other trees (another key) go on meanwhile.
DK_LOCK   := $(DK_DIR).lock

# $(call dk_run,CMD): CMD's output to the log, a progress line to stderr
# every 30 s (a first build takes 30-60 min); on failure the log's tail to
# stderr.  The kernel's make must not see our make's flags or variables.
# Lowest priority: the build shares the machine with whatever else runs.
dk_run = env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL scripts/progress.sh debug-kernel $(DK_LOG) \
	nice -n 19 $(1) || \
	{ echo "debug-kernel: FAILED: $(1) (log: $(DK_LOG))" >&2; \
	  tail -n 40 $(DK_LOG) >&2; exit 1; }

.PHONY: all locked print-kdir print-key
all: $(DK_IMAGE) $(DK_TREE)/Module.symvers

# all, under the tree's lock: concurrent callers wait, then find it built;
# while they wait, they show how far the other build has got.
locked:
	@mkdir -p $(dir $(DK_LOCK))
	@until flock -w 30 $(DK_LOCK) true; do \
		echo "debug-kernel: another build holds $(DK_LOCK); waiting" \
			"($$(grep -c '^  CC ' $(DK_LOG) 2>/dev/null) files compiled so far)" >&2; \
	done
	@flock $(DK_LOCK) $(MAKE) --no-print-directory -f mk/debug-kernel.mk all

print-kdir:
	@echo $(DK_TREE)

print-key:
	@echo $(DK_KEY)

# The key names the source version: the tarball's date says nothing more.
$(DK_TREE)/Makefile:
	@mkdir -p $(DK_DIR)
	@: >$(DK_LOG)
	@echo "debug-kernel: extracting $(DK_TARBALL) ($(DK_SRCVER)) into $(DK_DIR)" >&2
	@rm -rf $(DK_TREE)
	@$(call dk_run,tar -C $(DK_DIR) -xf $(DK_TARBALL))
	@touch $@

# -n: start from allnoconfig, so only what the fragment asks for is on.
# The fragment's content is in the key, so its date is no prerequisite.
$(DK_TREE)/.config: $(DK_TREE)/Makefile
	@echo "debug-kernel: configuring: allnoconfig + $(DK_FRAGMENT)" >&2
	@cp $(DK_FRAGMENT) $(DK_DIR)/debug.config
	@$(call dk_run,sh -c 'cd $(DK_TREE) && scripts/kconfig/merge_config.sh -n $(DK_DIR)/debug.config')
	@$(call dk_run,make -C $(DK_TREE) olddefconfig)
	@scripts/config-check.sh $(DK_DIR)/debug.config $@

# Module.symvers only appears after a modules build; without it external
# modules get spurious "undefined symbol" modpost warnings.
$(DK_IMAGE) $(DK_TREE)/Module.symvers &: $(DK_TREE)/.config
	@echo "debug-kernel: building bzImage and modules with -j$(DK_JOBS) (log: $(DK_LOG))" >&2
	@date +%s >$(DK_DIR)/build-start
	@$(call dk_run,make -C $(DK_TREE) -j$(DK_JOBS) bzImage)
	@$(call dk_run,make -C $(DK_TREE) -j$(DK_JOBS) modules)
	@echo "debug-kernel: built in $$(( $$(date +%s) - $$(cat $(DK_DIR)/build-start) )) s" \
		"(load average now: $$(cut -d' ' -f1-3 /proc/loadavg))" | tee -a $(DK_LOG) >&2
	@for f in $(DK_IMAGE) $(DK_TREE)/Module.symvers $(DK_TREE)/vmlinux; do \
		[ -s "$$f" ] || { echo "debug-kernel: missing $$f after the build" >&2; exit 1; }; \
	done
	@touch $(DK_IMAGE) $(DK_TREE)/Module.symvers
