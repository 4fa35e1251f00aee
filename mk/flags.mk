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
# -Werror is for our own builds: the tests always, the library and CLI when
# WERROR=1, which scripts/check.sh (make check, make check-<suite>) sets; a
# plain `make` or a distribution's build warns but does not fail.
MW_WARN       := -Wall -Wextra -Werror
MW_LIB_WARN   := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)
# Library, CLI, benchmarks.  The library and the CLI take the user's
# CPPFLAGS, CFLAGS and LDFLAGS after ours (the Makefile's rules), so the
# user wins.
MW_CFLAGS     := -std=gnu11 -O2 -g $(MW_LIB_WARN) $(MW_INCLUDES)
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
MW_PRINT_FLAGS := CC CXX KDIR MW_INCLUDES MW_WARN MW_LIB_WARN MW_CFLAGS MW_TEST_CFLAGS \
		  MW_OPT_NONE MW_OPT_ASAN MW_OPT_TSAN MW_CXXFLAGS MW_BENCH_OPT \
		  MW_BENCH_CFLAGS MW_BENCH_CXXFLAGS
