/* SPDX-License-Identifier: GPL-2.0 */
/*
 * release_order.pml - Promela model of memwell's in-order release on a
 * multi-owner side under TSO ((F), (F') and (E) in memwell_release(),
 * core/memwell_blocks.h), checked with spin by tests/spin/run.sh.
 *
 * Why it exists: an in-order release publishes its span with a plain
 * store of release_pos, then sweeps what later spans marked meanwhile.
 * Without a full barrier between the two ((F'), paid only where a peer
 * may sleep and in the kernel), that store and a later releaser's mark
 * (E) are the store-buffering pattern: each may miss the other, and the
 * marked span stays unpublished until someone sweeps again.  ring.pml is
 * sequentially consistent and cannot show this; this model can.  It
 * checks the two claims the C code makes about it:
 *   - local mode (no barrier): a consumer that finds too little helps
 *     (__memwell_help_peer(), a sweep of the producers' side), and that
 *     publishes every released span: once all producers are done, one
 *     look finds all records;
 *   - with the barrier (ORDERED: a kick, or the kernel): no span is ever
 *     left unpublished, even by a consumer that may not help (NOHELP:
 *     the producers' side is the kernel's); with KICK the consumer
 *     sleeps, and no wake-up is lost.
 *
 * What is modelled
 *   NPROD producers on a multi-owner side; producer i has reserved the
 *   span [i, i + 1) (the reservations are done: their cmpxchg is not
 *   what is checked here) and releases it as memwell_release() does:
 *   load release_pos; if it is i, store i + 1 (F), then (ORDERED) a full
 *   barrier (F'); otherwise mark the span (E) with an exchange.  Then the
 *   sweep ((E') and (F): load release_pos, load the mark there, cmpxchg
 *   release_pos over it, at most NPROD times), then the wake (KICK: a
 *   full barrier unless (F') was paid and the sweep moved nothing, then
 *   the load of waiters and the kick).  One consumer takes what is
 *   published; finding nothing, it helps (unless NOHELP) and looks again;
 *   with KICK it then announces itself ((H): waiters = 1, an exchange),
 *   looks once more and sleeps until kicked.
 *   Memory is TSO (x86): each producer's store of release_pos goes
 *   through its own one-entry store buffer, which drains at any moment,
 *   at a full barrier, before a locked instruction (exchange, cmpxchg)
 *   and at the end; its own loads read it (store forwarding).  Marks and
 *   waiters are written by exchanges: visible at once.
 *
 * Checked: an assertion that once every producer is done, a look (after
 * the help) finds every record; with KICK, no invalid end state (the
 * consumer never sleeps for good with a record published or marked).
 * NOHELP without ORDERED or KICK fails the assertion: that is why the
 * kernel, whose side user space may not help with, always pays (F').
 * Mutant MUT_NOFENCE drops (F') with KICK and NOHELP (a consumer of a
 * device-mode ring, which may not write the producers' page): a marked
 * span is never published and the consumer sleeps with it queued.
 */

#ifndef NPROD
#define NPROD	2
#endif

byte rel;			/* PROD.release_pos, as memory holds it */
byte mark[NPROD + 1];		/* marks of the producers' side, by position */
byte sb_val[NPROD];		/* each producer's store buffer: the value */
bit sb_full[NPROD];		/* ... and whether it holds one */
bit waiters;			/* CONS.waiters */
bit woken;			/* the sleeper's wake-up, remembered by poll */
byte pdone;			/* producers finished (buffers drained) */

#if defined(ORDERED) || defined(KICK)
#define FENCED	1
#else
#define FENCED	0
#endif

inline drain(i)
{
	if
	:: sb_full[i] -> rel = sb_val[i]; sb_full[i] = 0
	:: else
	fi
}

/* Producer i's load of release_pos: its own buffered store first. */
#define REL_OF(i)	(sb_full[i] -> sb_val[i] : rel)

/*
 * __memwell_side_sweep(): one access a step.  @i is the sweeping
 * producer, or NPROD for the consumer (no store buffer).
 */
inline sweep(i)
{
	k = 0;
	atomic {	/* load_sc(&release_pos) */
		if
		:: i < NPROD -> r = REL_OF(i)
		:: else -> r = rel
		fi
	};
	do
	:: k < NPROD && r < NPROD && mark[r] > r ->	/* (E') the mark */
		k++;
		atomic {	/* (F) cmpxchg: the buffer drains first */
			if
			:: i < NPROD -> drain(i)
			:: else
			fi;
			if
			:: rel == r -> rel = mark[r]; moved = 1
			:: else
			fi;
			r = rel		/* a failed cmpxchg returns the value */
		}
	:: else -> break
	od
}

proctype producer(byte i)
{
	byte r, k;
	bit moved = 0, fenced = 0;

	atomic { r = REL_OF(i) };	/* (F) load_acquire(&release_pos) */
	if
	:: r == i ->
		atomic { drain(i); sb_val[i] = i + 1; sb_full[i] = 1 };
#ifndef MUT_NOFENCE
		if
		:: FENCED -> atomic { drain(i) }; fenced = 1	/* (F') */
		:: else
		fi
#endif
	:: else ->
		/* (E) store_mb: an exchange, the buffer drains first */
		atomic { drain(i); mark[i] = i + 1 }
	fi;
	sweep(i);
#ifdef KICK
	if
	:: !fenced || moved -> atomic { drain(i) }	/* (G) */
	:: else
	fi;
	atomic {
		if
		:: waiters -> waiters = 0; woken = 1	/* the kick */
		:: else
		fi
	};
#endif
	atomic { drain(i); pdone++ }
}

/* The store buffers drain by themselves, at any moment. */
active proctype buffer()
{
	byte j;

end:	do
	:: atomic {
		j = 0;
		do
		:: j < NPROD && !sb_full[j] -> j++
		:: j < NPROD && sb_full[j] -> rel = sb_val[j]; sb_full[j] = 0; break
		:: j == NPROD -> break
		od;
		j = 0
	   }
	od
}

active proctype consumer()
{
	byte seen = 0;		/* CONS.reserve_pos: records taken */
	byte r, k;
	bit moved, last;

	atomic {
		byte p = 0;
		do
		:: p < NPROD -> run producer(p); p++
		:: else -> break
		od
	};
	do
	:: seen == NPROD -> break
	:: else ->
		last = (pdone == NPROD);	/* ghost: everybody is done */
		if
		:: rel > seen -> seen = rel	/* (D) the first look */
		:: else ->
#ifndef NOHELP
			moved = 0;
			sweep(NPROD);		/* __memwell_help_peer() */
#endif
			if
			:: rel > seen -> seen = rel	/* the look after it */
			:: else ->
				assert(!last);	/* released, never published */
#ifdef KICK
				waiters = 1;	/* (H) exchange: a full barrier */
				if
				:: rel > seen -> seen = rel	/* the look after (H) */
				:: else ->
					/* asleep in poll() until a kick */
					atomic { woken -> woken = 0 }
				fi
#endif
			fi
		fi
	od;
	assert(seen == NPROD)
}
