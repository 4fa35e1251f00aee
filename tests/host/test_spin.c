// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * The spin of memwell_wait() before it sleeps (userlib/memwell_spin.h):
 * how MEMWELL_SPIN is read, and how the budget adapts.  The spin itself
 * runs only in device mode (tests/vm/).
 */
#include "harness.h"
#include "memwell_spin.h"

static void spin_max_from_env(void)
{
	CHECK_EQ(memwell_spin_max(NULL, 2), MEMWELL_SPIN_DEFAULT);
	CHECK_EQ(memwell_spin_max("", 2), MEMWELL_SPIN_DEFAULT);
	CHECK_EQ(memwell_spin_max("0", 2), 0U);
	CHECK_EQ(memwell_spin_max("100", 64), 100U);
	CHECK_EQ(memwell_spin_max("1048576", 2), MEMWELL_SPIN_LIMIT);
	/* One CPU: the peer cannot publish while we spin. */
	CHECK_EQ(memwell_spin_max(NULL, 1), 0U);
	CHECK_EQ(memwell_spin_max("100", 1), 0U);
	/* sysconf() failed: spin as usual. */
	CHECK_EQ(memwell_spin_max(NULL, -1), MEMWELL_SPIN_DEFAULT);
}

static void spin_max_bad_env(void)
{
	static const char *const bad[] = { "x", "10x", " 10", "-1", "+5", "1048577",
					   "99999999999999999999" };
	unsigned int i;

	for (i = 0; i < T_ARRAY_SIZE(bad); i++)
		CHECK_EQ(memwell_spin_max(bad[i], 2), MEMWELL_SPIN_DEFAULT);
}

static void spin_budget_adapts(void)
{
	const unsigned int max = MEMWELL_SPIN_DEFAULT;
	unsigned int b = memwell_spin_next(0, false, max), i;

	CHECK_EQ(b, MEMWELL_SPIN_MIN);
	/* Hits double it up to the most, and no further. */
	for (i = 0; i < 20; i++) {
		unsigned int n = memwell_spin_next(b, true, max);

		CHECK(n == max || n == 2 * b);
		CHECK(n <= max);
		b = n;
	}
	CHECK_EQ(b, max);
	/* Misses halve it down to the least, and no further. */
	for (i = 0; i < 20; i++) {
		unsigned int n = memwell_spin_next(b, false, max);

		CHECK(n == MEMWELL_SPIN_MIN || n == b / 2);
		CHECK(n >= MEMWELL_SPIN_MIN);
		b = n;
	}
	CHECK_EQ(b, MEMWELL_SPIN_MIN);
}

static void spin_budget_small_max(void)
{
	/* A most below MEMWELL_SPIN_MIN is also the least. */
	CHECK_EQ(memwell_spin_next(0, false, 4), 4U);
	CHECK_EQ(memwell_spin_next(4, false, 4), 4U);
	CHECK_EQ(memwell_spin_next(4, true, 4), 4U);
	CHECK_EQ(memwell_spin_next(3, true, 5), 5U);
	/* Never spinning stays so. */
	CHECK_EQ(memwell_spin_next(0, false, 0), 0U);
	CHECK_EQ(memwell_spin_next(0, true, 0), 0U);
}

T_MAIN(T_CASE(spin_max_from_env), T_CASE(spin_max_bad_env), T_CASE(spin_budget_adapts),
       T_CASE(spin_budget_small_max))
