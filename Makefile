# SPDX-License-Identifier: GPL-2.0
# memwell: `make` builds the module, the library and the tools; `make check`
# installs what it lacks and runs every test suite (make check-<suite> runs
# one); `make bench` runs the host benchmarks.  Kbuild describes the module,
# mk/flags.mk holds the user-space compile flags, mk/install.mk `make
# install` and its kin.

BUILD    ?= build
KVER     ?= $(shell scripts/kver.sh)
KDIR     ?= /lib/modules/$(KVER)/build
MEMWELL_CACHE ?= $(HOME)/.cache/memwell
export MEMWELL_CACHE

include mk/flags.mk

# The project version (VERSION) for `memwell --version`; Kbuild passes it too.
VERSION_DEF := -DMEMWELL_VERSION='"$(strip $(file <VERSION))"'

USER_HDRS   := $(wildcard uapi/*.h core/*.h userlib/*.h)
LIB_SRCS    := $(wildcard userlib/memwell_*.c)
LIB_OBJS    := $(LIB_SRCS:userlib/%.c=$(BUILD)/lib/%.o)
# The flags in force: a change (WERROR, the user's CFLAGS...) rebuilds.
FLAG_STAMP  := $(BUILD)/flags.stamp
FLAG_FILES  := Makefile mk/flags.mk $(FLAG_STAMP)

.DELETE_ON_ERROR:
.PHONY: all lib module cli clean deps print-flags FORCE
all: lib module

FORCE:
$(FLAG_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(subst ','\'',$(CC) $(MW_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS))' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

# The library's soname is libmemwell.so.$(LIB_SOMAJOR); build/ has that
# link too, so a program linked against build/ runs from it.
LIB_SOMAJOR := 1
lib: $(BUILD)/libmemwell.a $(BUILD)/libmemwell.so $(BUILD)/libmemwell.so.$(LIB_SOMAJOR)

# The user's CPPFLAGS, CFLAGS and LDFLAGS come after ours: the user wins.
$(BUILD)/lib/%.o: userlib/%.c $(USER_HDRS) $(FLAG_FILES)
	@mkdir -p $(@D)
	$(CC) $(MW_CFLAGS) -fPIC $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libmemwell.a: $(LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/libmemwell.so: $(LIB_OBJS) userlib/libmemwell.map
	$(CC) -shared -Wl,--version-script=userlib/libmemwell.map \
		-Wl,-soname,libmemwell.so.$(LIB_SOMAJOR) $(CFLAGS) $(LDFLAGS) \
		-o $@ $(LIB_OBJS)

$(BUILD)/libmemwell.so.$(LIB_SOMAJOR): $(BUILD)/libmemwell.so
	ln -sf libmemwell.so $@

# The module is built with the kernel's compiler, whatever CC says: a
# CC=... on our command line must not reach kbuild.
module clean: MAKEOVERRIDES :=
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The memwell CLI (userlib/cli/): build/memwell uses libkmod; the static
# build/memwell-static for the test VM uses libkmod only if libkmod.a exists,
# else the module syscalls.
CLI_SRCS   := $(wildcard userlib/cli/*.c)
CLI_HDRS   := $(wildcard userlib/cli/*.h)
CLI_KMOD_A := $(shell f=$$($(CC) -print-file-name=libkmod.a); [ -f "$$f" ] && echo "$$f")
cli: $(BUILD)/memwell $(BUILD)/memwell-static

$(BUILD)/memwell: $(CLI_SRCS) $(CLI_HDRS) $(LIB_SRCS) $(USER_HDRS) $(FLAG_FILES) VERSION
	@mkdir -p $(@D)
	$(CC) $(MW_CFLAGS) $(VERSION_DEF) -DMEMWELL_CLI_KMOD \
		$(CPPFLAGS) $(CFLAGS) $(LDFLAGS) \
		-o $@ $(CLI_SRCS) $(LIB_SRCS) -lkmod -lpthread

$(BUILD)/memwell-static: $(CLI_SRCS) $(CLI_HDRS) $(LIB_SRCS) $(USER_HDRS) $(FLAG_FILES) VERSION
	@mkdir -p $(@D)
	$(CC) -static $(MW_CFLAGS) $(VERSION_DEF) \
		$(if $(CLI_KMOD_A),-DMEMWELL_CLI_KMOD) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) \
		-o $@ $(CLI_SRCS) $(LIB_SRCS) \
		$(if $(CLI_KMOD_A),-lkmod -lzstd -llzma) -lpthread

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1

deps:
	@bash scripts/deps.sh

include mk/install.mk

# For scripts: eval "$(make -s --no-print-directory print-flags)".
print-flags:
	@$(foreach v,$(MW_PRINT_FLAGS),printf "%s='%s'\n" $(v) '$($(v))';)

# ---- the debug kernel of the VM tests (mk/debug-kernel.mk) ----
# One build per tree at a time, also across concurrent callers: they wait
# on the tree's lock, then find it up to date.
.PHONY: debug-kernel print-debug-kdir
debug-kernel: deps
	@$(MAKE) --no-print-directory -f mk/debug-kernel.mk locked

print-debug-kdir:
	@$(MAKE) --no-print-directory -f mk/debug-kernel.mk print-kdir

# ---- tests ----
# Each check-<suite> runs one suite through scripts/check.sh, which prints
# its TAP and one total line, "N passed, N failed" (CI reads the one of
# `make check`).  `make check` runs them all in one aggregate.
# Missing dependencies are one failure in the total too.
CHECK_SUITES := build style man host asan tsan spin cli install kernels vm-stock vm-rt vm-cli vm-debug
CHECK_TARGETS := $(addprefix check-,$(CHECK_SUITES))
CHECK_DEPS = bash scripts/deps.sh || { \
	echo "not ok - scripts/deps.sh could not install the dependencies"; \
	echo "0 passed, 1 failed"; exit 1; }
.PHONY: check $(CHECK_TARGETS)
check:
	@$(CHECK_DEPS)
	@bash scripts/check.sh $(CHECK_SUITES)

$(CHECK_TARGETS): check-%:
	@$(CHECK_DEPS)
	@bash scripts/check.sh $*

# check-vm-debug needs the debug kernel: tests/vm/run.sh gets it through
# scripts/vm-run.sh, which runs `make debug-kernel` (a failed build is then
# a failed test, counted in the total, not a make error).

# ---- benchmarks, demo ----
.PHONY: bench bench-vm demo
bench:
	bash tests/bench/run.sh

bench-vm: deps
	bash tests/bench-vm/run.sh

demo:
	bash scripts/demo.sh

# ---- editor support ----
# compile_commands.json for clangd & co., from the rules above (library,
# CLI) and the test scripts' flags (tests/host, tests/vm).
.PHONY: compile_commands.json
compile_commands.json:
	@{ \
	for f in $(LIB_SRCS); do echo "$$f|$(CC) $(MW_CFLAGS) -fPIC -c $$f"; done; \
	for f in $(CLI_SRCS); do echo "$$f|$(CC) $(MW_CFLAGS) -DMEMWELL_CLI_KMOD -c $$f"; done; \
	for f in $(wildcard tests/host/*.c tests/vm/*.c); do \
		echo "$$f|$(CC) $(MW_TEST_CFLAGS) $(MW_OPT_NONE) -c $$f"; done; \
	} | awk -F'|' -v dir='$(CURDIR)' 'BEGIN { print "[" } \
		{ if (NR > 1) print ","; \
		  printf "  {\"directory\": \"%s\", \"file\": \"%s\", \"command\": \"%s\"}", dir, $$1, $$2 } \
		END { print ""; print "]" }' >$@

# ---- examples/: make examples, make check-examples ----
include mk/examples.mk
