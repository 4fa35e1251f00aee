/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * How long memwell_wait() looks at the ring before it sleeps in poll().
 * A peer that publishes within the spin spares the waiter its poll() (not
 * the peer's MEMWELL_IOC_WAKE: the ring call that found nothing announced
 * the waiter already, docs/wake-protocol.md).  The budget adapts as an
 * adaptive mutex's does: a spin that saw the ring ready doubles the next one, one
 * that did not halves it, so a waiter whose peer is slow spins
 * MEMWELL_SPIN_MIN rounds a sleep, and one on one CPU none.  The
 * environment's MEMWELL_SPIN sets the most rounds (0: never spin), as
 * GOMP_SPINCOUNT does for libgomp.
 */
#ifndef MEMWELL_SPIN_H
#define MEMWELL_SPIN_H

#include <stdbool.h>
#include <stdlib.h>

#define MEMWELL_SPIN_MIN	32U		/* rounds while spins keep failing */
#define MEMWELL_SPIN_DEFAULT	1024U		/* the most, unless MEMWELL_SPIN */
#define MEMWELL_SPIN_LIMIT	(1U << 20)	/* the most MEMWELL_SPIN may ask */

/* One round's pause: lets the sibling hyperthread run, saves power. */
static inline void memwell_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * The most rounds a spin may take: 0 on one CPU (the peer cannot publish
 * while we spin), else MEMWELL_SPIN from @env if it is a number up to
 * MEMWELL_SPIN_LIMIT, else MEMWELL_SPIN_DEFAULT.
 */
static inline unsigned int memwell_spin_max(const char *env, long cpus)
{
	unsigned long v;
	char *end;

	if (cpus == 1)
		return 0;
	/* Digits only: strtoul() would take spaces and signs too. */
	if (!env || *env < '0' || *env > '9')
		return MEMWELL_SPIN_DEFAULT;
	v = strtoul(env, &end, 10);
	if (*end || v > MEMWELL_SPIN_LIMIT)
		return MEMWELL_SPIN_DEFAULT;
	return (unsigned int)v;
}

/* The next spin's rounds after one of @budget rounds that did or did not @hit. */
static inline unsigned int memwell_spin_next(unsigned int budget, bool hit,
					     unsigned int max)
{
	unsigned int min = max < MEMWELL_SPIN_MIN ? max : MEMWELL_SPIN_MIN;

	if (hit)
		return budget >= max / 2 ? max : (budget ? budget * 2 : min);
	return budget / 2 <= min ? min : budget / 2;
}

#endif /* MEMWELL_SPIN_H */
