/* SPDX-License-Identifier: GPL-2.0 */
/*
 * release_barrier.pml - Promela model of memwell's wake protocol
 * (docs/wake-protocol.md, (G) and (H) in core/memwell_blocks.h), checked
 * with spin by tests/spin/run.sh.
 *
 * Why it exists: every release on a ring with a kick (device mode) pays a
 * full barrier and a load of the peer's `waiters' ((G) in
 * __memwell_wake_peer()).  This model shows the barrier is what keeps a
 * wake-up from being lost, so it cannot simply be dropped: mutant
 * MUT_NOBARRIER releases without it and pan finds the consumer asleep for
 * good with a record published.
 *
 * What is modelled
 *   One producer releasing N records one at a time (memwell_release() on
 *   a single-owner side, then __memwell_wake_peer()), one consumer that
 *   takes what is published and, finding the ring empty, announces itself
 *   ((H): waiters = 1 with an exchange, a full barrier), looks once more
 *   and sleeps until woken (poll(): the wait-queue entry is added before
 *   (H), so a wake after (H) is never missed: `woken').  The kernel's WAKE
 *   clears waiters, then wakes.
 *   Memory is TSO (x86), the weakest the barrier argument needs: the
 *   producer's store of release_pos (C) goes through a one-entry store
 *   buffer that drains at any moment, at its full barrier (G), or at the
 *   end; its own loads are not affected (it never reads release_pos back).
 *   The consumer's (H) is an exchange: globally visible at once.
 *
 * Checked (pan's default search): no invalid end state, i.e. the consumer
 * never stays asleep while a record it has not taken is published and the
 * producer is done; and an assertion that it took all N records.
 */

#ifndef N
#define N	2		/* records the producer releases */
#endif

byte rel;			/* PROD.release_pos, as others see it */
bit waiters;			/* CONS.waiters */
bit woken;			/* the sleeper's wake-up, remembered by poll */
byte sb_val;			/* the producer's store buffer: the value */
bit sb_full;			/* ... and whether it holds one */
bit pdone;

inline drain()
{
	if
	:: sb_full -> rel = sb_val; sb_full = 0
	:: else
	fi
}

active proctype producer()
{
	byte i = 0;

	do
	:: i < N ->
		i++;
		/* (C) store_release(&PROD.release_pos): buffered */
		atomic { drain(); sb_val = i; sb_full = 1 };
#ifndef MUT_NOBARRIER
		/* (G) __memwell_smp_mb(): the buffer drains first */
		atomic { drain() };
#endif
		/* load of CONS.waiters; a kick: WAKE clears it, then wakes */
		atomic {
			if
			:: waiters -> waiters = 0; woken = 1
			:: else
			fi
		}
	:: else -> break
	od;
	atomic { drain(); pdone = 1 }
}

/* The store buffer drains by itself, at any moment. */
active proctype buffer()
{
end:	do
	:: atomic { sb_full -> rel = sb_val; sb_full = 0 }
	od
}

active proctype consumer()
{
	byte seen = 0;		/* CONS.reserve_pos: records taken */

	do
	:: seen == N -> break
	:: else ->
		if
		:: rel > seen -> seen = rel	/* the first look */
		:: else ->
			waiters = 1;		/* (H) exchange: a full barrier */
			if
			:: rel > seen -> seen = rel	/* the look after (H) */
			:: else ->
				/* asleep in poll() until a WAKE */
				atomic { woken -> woken = 0 }
			fi
		fi
	od;
	assert(seen == N)
}
