# SPDX-License-Identifier: GPL-2.0
# memwell: `make` builds the module, the library and the tools;
# `make check` installs what it lacks and runs every test suite;
# `make bench` runs the host benchmarks.  Kbuild describes the module.

BUILD    ?= build
KVER     ?= $(shell scripts/kver.sh)
KDIR     ?= /lib/modules/$(KVER)/build
CC       ?= gcc

CFLAGS_WARN := -Wall -Wextra -Werror
CFLAGS_LIB  := -std=gnu11 -O2 -g $(CFLAGS_WARN) -fPIC \
               -Iuapi -Iuserlib
USER_HDRS   := $(wildcard uapi/*.h userlib/*.h)
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
