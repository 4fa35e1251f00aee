# SPDX-License-Identifier: GPL-2.0
# Compile flags of all user-space code (library, CLI, tests, benchmarks),
# in one place.  The Makefile uses them; shell scripts get them from make:
#	eval "$(make -s print-flags)"
# Paths are relative to the top of the tree: compile from there.

# make's own default CC is cc: only a CC from the command line or the
# environment replaces gcc.
ifeq ($(origin CC),default)
CC := gcc
endif
ifeq ($(origin CXX),default)
CXX := g++
endif

MW_INCLUDES   := -Iuapi -Icore -Iuserlib
MW_WARN       := -Wall -Wextra -Werror
# Library, CLI, benchmarks.
MW_CFLAGS     := -std=gnu11 -O2 -g $(MW_WARN) $(MW_INCLUDES)
# Tests: the harness lives in tests/lib/; the optimisation level is the
# variant's (MW_OPT_*).
MW_TEST_CFLAGS := -std=gnu11 -g $(MW_WARN) $(MW_INCLUDES) -Itests/lib
MW_OPT_NONE   := -O2
MW_OPT_ASAN   := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
		 -fno-sanitize-recover=all
MW_OPT_TSAN   := -O1 -fsanitize=thread
# The public headers as C++ (tests/host/test_header.c).
MW_CXXFLAGS   := -x c++ -std=gnu++17 -O2 -g $(MW_WARN) $(MW_INCLUDES)
# Benchmarks (tests/bench): a fixed ISA level, so figures compare.
MW_BENCH_OPT  := -O2 -march=x86-64-v2 -g -pthread
MW_BENCH_CFLAGS := -std=gnu11 $(MW_BENCH_OPT) $(MW_WARN) $(MW_INCLUDES)
MW_BENCH_CXXFLAGS := -std=gnu++17 $(MW_BENCH_OPT) $(MW_WARN)

# What `make print-flags` prints as shell assignments.
MW_PRINT_FLAGS := CC CXX KDIR MW_INCLUDES MW_WARN MW_CFLAGS MW_TEST_CFLAGS \
		  MW_OPT_NONE MW_OPT_ASAN MW_OPT_TSAN MW_CXXFLAGS MW_BENCH_OPT \
		  MW_BENCH_CFLAGS MW_BENCH_CXXFLAGS
