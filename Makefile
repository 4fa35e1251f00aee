# SPDX-License-Identifier: GPL-2.0
# memwell: `make` builds the module, the library and the tools;
# `make check` installs what it lacks and runs every test suite;
# `make bench` runs the host benchmarks.  Kbuild describes the module.

BUILD    ?= build
KVER     ?= $(shell scripts/kver.sh)
KDIR     ?= /lib/modules/$(KVER)/build
CC       ?= gcc

CFLAGS_WARN := -Wall -Wextra -Werror
# The project version (VERSION) for `memwell --version`; Kbuild passes it too.
VERSION_DEF := -DMEMWELL_VERSION='"$(strip $(file <VERSION))"'
CFLAGS_LIB  := -std=gnu11 -O2 -g $(CFLAGS_WARN) -fPIC \
               -Iuapi -Icore -Iuserlib
USER_HDRS   := $(wildcard uapi/*.h core/*.h userlib/*.h)
LIB_SRCS    := $(wildcard userlib/memwell_*.c)
LIB_OBJS    := $(LIB_SRCS:userlib/%.c=$(BUILD)/lib/%.o)

.PHONY: all lib module check bench clean
all: lib module

lib: $(BUILD)/libmemwell.a $(BUILD)/libmemwell.so

$(BUILD)/lib/%.o: userlib/%.c $(USER_HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_LIB) -c -o $@ $<

$(BUILD)/libmemwell.a: $(LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/libmemwell.so: $(LIB_OBJS) userlib/libmemwell.map
	$(CC) -shared -Wl,--version-script=userlib/libmemwell.map \
		-Wl,-soname,libmemwell.so.1 -o $@ $(LIB_OBJS)

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

check:
	bash scripts/check.sh

bench:
	bash tests/bench/run.sh

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1

# The memwell CLI (userlib/cli/): build/memwell uses libkmod; the static
# build/memwell-static for the test VM uses libkmod only if libkmod.a exists,
# else the module syscalls.
CLI_SRCS   := $(wildcard userlib/cli/*.c)
CLI_HDRS   := $(wildcard userlib/cli/*.h)
CLI_KMOD_A := $(shell f=$$($(CC) -print-file-name=libkmod.a); [ -f "$$f" ] && echo "$$f")
.PHONY: cli demo
cli: $(BUILD)/memwell $(BUILD)/memwell-static

$(BUILD)/memwell: $(CLI_SRCS) $(CLI_HDRS) $(LIB_SRCS) $(USER_HDRS) Makefile VERSION
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g $(CFLAGS_WARN) $(VERSION_DEF) -Iuapi -Icore -Iuserlib -DMEMWELL_CLI_KMOD \
		-o $@ $(CLI_SRCS) $(LIB_SRCS) -lkmod -lpthread

$(BUILD)/memwell-static: $(CLI_SRCS) $(CLI_HDRS) $(LIB_SRCS) $(USER_HDRS) Makefile VERSION
	@mkdir -p $(@D)
	$(CC) -static -std=gnu11 -O2 -g $(CFLAGS_WARN) $(VERSION_DEF) -Iuapi -Icore -Iuserlib \
		$(if $(CLI_KMOD_A),-DMEMWELL_CLI_KMOD) -o $@ $(CLI_SRCS) $(LIB_SRCS) \
		$(if $(CLI_KMOD_A),-lkmod -lzstd -llzma) -lpthread

demo:
	bash scripts/demo.sh

bench-vm: ; bash tests/bench-vm/run.sh
