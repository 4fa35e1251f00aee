# SPDX-License-Identifier: GPL-2.0
# examples/ (included by the Makefile).  `make examples` builds the C
# examples on the host, linked as a user would link them (libmemwell.a,
# -luv); they need /dev/memwell to run.  `make check-examples` builds and
# runs all of them, the Python one included, in one boot of the test VM on
# each of the stock and the debug kernel (tests/vm/examples_run.sh);
# `make check` runs that suite too.

EXAMPLE_BINS := $(BUILD)/examples/epoll_consumer $(BUILD)/examples/uv_consumer
EXAMPLE_HDRS := $(wildcard examples/*.h)

.PHONY: examples check-examples
examples: $(EXAMPLE_BINS)

$(BUILD)/examples/epoll_consumer: examples/epoll_consumer.c $(EXAMPLE_HDRS) \
		$(BUILD)/libmemwell.a
	@mkdir -p $(@D)
	$(CC) $(MW_CFLAGS) -Iexamples -o $@ $< $(BUILD)/libmemwell.a

$(BUILD)/examples/uv_consumer: examples/uv_consumer.c $(EXAMPLE_HDRS) \
		$(BUILD)/libmemwell.a
	@mkdir -p $(@D)
	$(CC) $(MW_CFLAGS) -Iexamples -o $@ $< $(BUILD)/libmemwell.a -luv

CHECK_SUITES += examples
check-examples:
	@$(CHECK_DEPS)
	@bash scripts/check.sh examples
