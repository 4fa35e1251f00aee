/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring.pml - Promela model of memwell's block reservation/release protocol
 * (core/memwell_blocks.h), checked exhaustively with spin by tests/spin/run.sh.
 *
 * What is modelled
 *   NPROD = 2 producers and NCONS = 2 consumers on a ring of NBLK blocks
 *   (4 or 2 in run.sh), both sides multi-owner (MEMWELL_F_PROD_MULTI |
 *   MEMWELL_F_CONS_MULTI), every participant allowed to write both control
 *   pages (access = PROD | CONS) unless NOHELP, local mode (r->kick ==
 *   NULL: __memwell_arm() returns false, __memwell_wake_peer() does nothing)
 *   unless ARM.  Each participant runs participant(S) for its side S, as
 *   the C code is written once for both sides.  C functions mirrored (the
 *   program counter values of their steps start with the prefix shown):
 *     __memwell_claim(), multi      RV_*  (macros LOOP_NEXT, AFTER_FETCH,
 *                                   ...): the one reservation step of the
 *                                   core, behind memwell_reserve() and,
 *                                   with RECORDS, memwell_rec_peek() and
 *                                   memwell_batch_take()
 *     __memwell_rec_scan()          RV_SCAN (RECORDS)
 *     __memwell_side_fetch_limit()  FETCH_LIMIT()
 *     __memwell_help_peer()         HELP_PEER, then SW_*, then AFTER_HELP
 *     __memwell_side_sweep()        SW_*
 *     memwell_release(), multi      step progress_res (in-order load
 *                                   (F)), REL_STORE (its store; its
 *                                   sweep starts at SW_MARK from the
 *                                   value stored),
 *                                   REL_MARK (out of order: mark
 *                                   (E)), SW_*
 *   A producer reserves spans of exactly `want' blocks (min = max = want,
 *   1 or 2 chosen for each span, as memwell_rec_reserve() does for a
 *   record); a consumer asks for min = 1, max = 2 blocks.  With RECORDS
 *   each producer span is one record, committed by the first producer and
 *   discarded (a skipped record) by the second, and the first consumer
 *   takes records as memwell_rec_peek() does (one), the second as
 *   memwell_batch_take() (up to two): the same claim step with min =
 *   max = 1, whose block count comes from the record headers published
 *   between the position and the limit; a claim of skipped records only
 *   is given back and the loop goes on.  Callers retry at once after
 *   -EAGAIN or -EBUSY (a producer with the same size).
 *   Not modelled: single-owner sides (their claim is a plain store; their
 *   only-skipped-records case), -EMSGSIZE (max_len, max_blocks), the
 *   producers' batches and batch walking, memwell_side_recover(), the
 *   wake protocol (sleeping and kicking: release_barrier.pml, wake.pml).
 *
 * Abstractions (why the state space is finite, what is kept exact)
 *   - Bounded work: the first producer makes OPS reservations, the second
 *     OPS2 (default OPS), each released after use; consumers run until
 *     every produced block has been reserved by some consumer (a ghost stop
 *     test: a real consumer would just keep polling).  Positions are never
 *     reduced modulo anything: they are EXACT, as in C, in bytes that
 *     cannot wrap (at most START + PREFILL + 2 * (OPS + OPS2) + NBLK).
 *     C's __u64 differences such as `lim - pos' are computed signed here
 *     and each unsigned comparison of the C code is written out (a negative
 *     difference stands for a huge __u64).  Laps are real: with NBLK = 2 the
 *     spans fill the ring, blocks are reused and sweeps read marks of
 *     earlier laps; START/PREFILL start from a ring that went round before.
 *   - MEMWELL_CAS_TRIES (64) is TRIES (default 2) so that -EBUSY and the
 *     `continue' paths are reachable.  MEMWELL_SWEEP_MAX (1024) is
 *     SWEEP_MAX (default 64): like 1024 on a small ring it is never reached
 *     here; -DSWEEP_MAX=1 stops every sweep after one cmpxchg, to check
 *     that the rest is published by later releases and the peer's help.
 *   - Memory is sequentially consistent.  Each step is ONE access to
 *     shared memory (a load, a store or a cmpxchg) together with the
 *     purely local computation that follows it up to the next shared
 *     access, executed atomically (d_step); `pc' is the C program counter.
 *     So the interleavings are exactly the SC executions of the C code.
 *     Ghost updates ride along with the access they describe.  The C
 *     code's barriers ((A)..(F), docs/ring-protocol.md) are argued
 *     separately; mutant MUT_REORDER shows what goes wrong without (E).
 *   - Data: ghost bseq[b] is the sequence number (= position) last written
 *     into block b; ghost bstate[b] says who owns block b.
 *
 * Checked
 *   - Assertions: ownership of every block (free -> held by one producer
 *     -> full -> held by one consumer -> free), so never a producer and a
 *     consumer, two producers or two consumers at once; consumers only
 *     reserve published blocks written and released by a producer for that
 *     very position; each position is consumed once; release_pos only
 *     moves forward, not past reserve_pos, and only over released spans;
 *     never -EIO; at quiescence no released span is left unpublished
 *     (leave_sweep()); at the end every produced position was consumed
 *     exactly once and all blocks are free.
 *   - Invalid end states (pan's default): no deadlock; every participant
 *     ends in its end state.
 *   - Non-progress cycles (-DNP, pan -l): label progress_res marks the
 *     state right after a successful reservation (left by the next step,
 *     the release's first access).  Every step of a participant is always
 *     enabled, so under weak fairness (pan -f) every participant that has
 *     not finished keeps taking steps: no fair non-progress cycle means
 *     that whenever everybody runs, reservations keep succeeding (and,
 *     work being bounded, everybody finishes).  Fairness is needed: with
 *     no fairness there are trivial cycles in which the producers never
 *     get to run while the consumers spin on -EAGAIN (run.sh shows one).
 *     Each call is bounded by itself (TRIES, SWEEP_MAX), so what the
 *     protocol promises is lock-freedom: no participant that runs waits
 *     for one stopped in the middle of a reservation, a release or a
 *     sweep; only a span that is held (reserved, not released) holds the
 *     peer up, as a reservation must.  -DCRASH checks exactly that: one
 *     participant may stop for good anywhere except while it holds a
 *     span, and under weak fairness the others must still progress.
 *
 * Mutants (-D switches); each must make a check fail:
 *   MUT_CURRENCY  the sweep's currency test weakened to `mark != 0'
 *   MUT_REORDER   (E) without its full barrier: the mark waits in the
 *                 releaser's store buffer (TSO) past the sweep's loads,
 *                 seen by the releaser itself (store forwarding) but by
 *                 nobody else until its first cmpxchg or the end of the
 *                 sweep
 *   MUT_NOCAS     a multi-owner claim (A) made with a plain store
 *   MUT_NOSWEEP   an in-order release (its store (F)) returns without
 *                 sweeping the spans released after it meanwhile
 *   MUT_NOSTALE   (RECORDS) a record header that does not fit gives -EIO
 *                 at once, without the stale-position retry: a consumer
 *                 whose pos others moved past reads recycled blocks
 * Other switches:
 *   NOHELP  participants may not write the peer's control page, so
 *           __memwell_help_peer() returns false: a ring whose other side is
 *           kernel code (MEMWELL_F_KERNEL_PROD/CONS; kernel endpoints
 *           only get their own side's access too).
 *   ARM     __memwell_arm() returns true (kick != NULL): one more look
 *           before -EAGAIN; the sleep and the kick are not modelled.
 *   NOHELP with SWEEP_MAX=1 has a fair non-progress cycle: a sweep that
 *   stops at the bound leaves released spans unpublished, and when no
 *   further release comes on that side and the peer may not help, the
 *   peer never sees them (see run.sh, "limitation").
 */

#ifndef NBLK
#define NBLK	4		/* r->count, a power of two */
#endif
#define MASK	(NBLK - 1)	/* r->mask */
#ifndef OPS
#define OPS	2		/* reservations of the first producer */
#endif
#ifndef OPS2
#define OPS2	OPS		/* reservations of the second producer */
#endif
#ifndef TRIES
#define TRIES	2		/* MEMWELL_CAS_TRIES */
#endif
#ifndef SWEEP_MAX
#define SWEEP_MAX 64		/* MEMWELL_SWEEP_MAX */
#endif
#ifndef START
#define START	0		/* positions of earlier laps, see init */
#endif
#ifndef PREFILL
#define PREFILL	0		/* blocks published but not consumed at start */
#endif
#define NPROD	2
#define NCONS	2

#define PROD	0		/* MEMWELL_SIDE_PROD */
#define CONS	1		/* MEMWELL_SIDE_CONS */

/* program counter values (one per shared access) */
#define TOP		0	/* next call: producer picks a size / consumer */
#define RV_POS		1	/* retry of memwell_reserve() */
#define RV_LIM		2
#define RV_FETCH	3
#define RV_FETCH2	4
#define RV_STALE	5
#define RV_STORE	6
#define RV_CAS		7
#define SW_REL		8
#define SW_MARK		9
#define SW_CAS		10
#define SB_DRAIN	11	/* MUT_REORDER only */
#define REL_MARK	12	/* out-of-order release: the mark (E) */
#define RV_SCAN		13	/* RECORDS: __memwell_rec_scan() */
#define RV_BACK		14	/* RECORDS: after giving skipped records back */
#define REL_STORE	15	/* in-order release: the store (F) */

/* where a sweep returns */
#define RET_REL		0	/* memwell_release() */
#define RET_HELP	1	/* __memwell_help_peer() in __memwell_claim() */

/* ghost block states */
#define B_FREE	0		/* the producers' (consumed and released) */
#define B_PHELD	1		/* reserved by one producer */
#define B_FULL	2		/* written and released by its producer */
#define B_CHELD	3		/* reserved by one consumer */
#define HELD(s)		((s) == PROD -> B_PHELD : B_CHELD)
#define RELEASED(s)	((s) == PROD -> B_FULL : B_FREE)

/* ---- shared memory: struct memwell_side of each side, and the marks ---- */
byte reserve_pos[2];		/* side[s]->reserve_pos */
byte limit_cache[2];		/* side[s]->limit_cache */
byte release_pos[2];		/* side[s]->release_pos */
byte marks[2 * NBLK];		/* marks[s][i] is marks[s * NBLK + i] */
#ifdef RECORDS
/* struct memwell_rec_hdr at the start of block i: length (in blocks), skip */
byte hlen[NBLK];
bool hskip[NBLK];
#define RECS	1
#else
#define RECS	0
#endif

/* ---- ghost state ---- */
byte bstate[NBLK];		/* B_* per block */
byte bseq[NBLK];		/* position whose data the block holds */
int consumed;			/* bit p: position p reserved by a consumer */
byte insweep[2];		/* releasers and helpers in a sweep of side s */
bool sweep_hit[2];		/* some sweep of side s stopped at SWEEP_MAX */
byte pdone;			/* producers finished */
byte cdone;			/* consumers finished (or stopped, CRASH) */
bool crashed;			/* CRASH: a participant stopped for good */

/*
 * __memwell_side_sweep()'s currency test: `end - rel - 1 >= r->count' (in
 * __u64) means not current; so current is rel < end <= rel + count.
 */
#ifdef MUT_CURRENCY
#define CURRENT(e, r)	((e) != 0)
#else
#define CURRENT(e, r)	((e) > (r) && (e) <= (r) + NBLK)
#endif

/* __memwell_side_fetch_limit(): one load_acquire of the peer's release_pos. */
#define FETCH_LIMIT(s)	(release_pos[1 - (s)] + ((s) == PROD -> NBLK : 0))

/*
 * The release's mark store (E).  With MUT_REORDER the store sits in the
 * releaser's store buffer (sb_full; value pos + avail at index pos & MASK):
 * the releaser's own loads see it, others do not until it drains at the
 * releaser's next locked instruction (the sweep's cmpxchg: SB_FLUSH) or
 * after the sweep (step SB_DRAIN).
 */
#ifdef MUT_REORDER
#define MARK_STORE(s)	sb_full = true
#define MARK_LOAD(s, r)	((sb_full && (((r) & MASK) == (pos & MASK))) -> \
			 pos + avail : marks[(s) * NBLK + ((r) & MASK)])
#define SB_FLUSH(s)	if \
			:: sb_full -> \
				marks[(s) * NBLK + (pos & MASK)] = pos + avail; \
				sb_full = false \
			:: else \
			fi
#define SWEEP_LEAVE(s)	if :: sb_full :: else -> leave_sweep(s) fi
#define SPAN_DEAD	skip	/* the store buffer still needs pos, avail */
#else
#define MARK_STORE(s)	marks[(s) * NBLK + (pos & MASK)] = pos + avail
#define MARK_LOAD(s, r)	marks[(s) * NBLK + ((r) & MASK)]
#define SB_FLUSH(s)	skip
#define SWEEP_LEAVE(s)	leave_sweep(s)
#define SPAN_DEAD	pos = 0; avail = 0
#endif

/* MUT_NOCAS: the claim (A) as a plain store, as on a single-owner side. */
#ifdef MUT_NOCAS
#define CLAIM_OK(s)	true
#define CLAIM_LOST(s)	false
#else
#define CLAIM_OK(s)	(reserve_pos[s] == pos)
#define CLAIM_LOST(s)	(reserve_pos[s] != pos)
#endif

/*
 * Ghost, with the last step of a sweep of side s: once no sweep of side s
 * is in progress and no releaser is between its mark and its sweep, the
 * span at release_pos (if one was reserved) must still be held: no
 * released span is left unpublished.  memwell_release() promises "the
 * peer sees a span once every span before it is released too".  Checked
 * while no sweep stopped at SWEEP_MAX; after that, publishing the rest is
 * up to later releases and to the peer's help, which the end state and
 * the non-progress check verify.
 */
inline leave_sweep(s)
{
	insweep[s]--;
	if
	:: insweep[s] == 0 && !sweep_hit[s] && release_pos[s] != reserve_pos[s] ->
		assert(bstate[release_pos[s] & MASK] == HELD(s))
	:: else
	fi
}

/*
 * Ghost, with a successful cmpxchg of side s's release_pos from srel to
 * send: it moves forward, not past reserve_pos, and only over blocks whose
 * spans were released (for producers: holding that position's data).
 */
inline check_publish(s)
{
	assert(send > srel && send <= reserve_pos[s]);
	q = srel;
	do
	:: q < send ->
		assert(bstate[q & MASK] == RELEASED(s));
		assert(s != PROD || bseq[q & MASK] == q);
		q++
	:: else -> break
	od;
	q = 0
}

/*
 * Ghost, with a successful claim (A) of [pos, pos + avail) by side s:
 * producers only take free blocks; consumers only take published blocks
 * holding the data of that very position, and each position once.
 */
inline claim(s)
{
	q = pos;
	do
	:: q < pos + avail ->
		if
		:: s == PROD ->
			assert(bstate[q & MASK] == B_FREE);
			bstate[q & MASK] = B_PHELD
		:: else ->
			assert(q < release_pos[PROD]);
			assert(bstate[q & MASK] == B_FULL);
			assert(bseq[q & MASK] == q);
			assert((consumed & (1 << q)) == 0);
			consumed = consumed | (1 << q);
			bstate[q & MASK] = B_CHELD
		fi;
		q++
	:: else -> break
	od;
	q = 0
}

/*
 * Ghost, with the release (E) of [pos, pos + avail) by side s: a producer
 * first writes its data (memcpy; sequence number = position), then the
 * blocks pass to the other side.
 */
inline give(s)
{
	q = pos;
	do
	:: q < pos + avail ->
		assert(bstate[q & MASK] == HELD(s));
		if
		:: s == PROD -> bseq[q & MASK] = q
		:: else
		fi;
		bstate[q & MASK] = RELEASED(s);
		q++
	:: else -> break
	od;
	q = 0;
#ifdef RECORDS
	/* the record's header, written by the commit or discard before (C) */
	if
	:: s == PROD -> hlen[pos & MASK] = avail; hskip[pos & MASK] = dis
	:: else
	fi
#endif
}

/* Ghost, the last consumer to stop: all data consumed exactly once. */
inline final_check()
{
	assert(pdone == NPROD);
	assert(reserve_pos[CONS] == reserve_pos[PROD]);
	assert(release_pos[PROD] == reserve_pos[PROD]);
	assert(consumed == (1 << reserve_pos[PROD]) - 1);
	assert(sweep_hit[CONS] || crashed || release_pos[CONS] == reserve_pos[CONS]);
	q = 0;
	do
	:: q < NBLK -> assert(bstate[q] == B_FREE); q++
	:: else -> break
	od;
	q = 0
}

/* ---- local control flow of __memwell_claim(), as macros ---- */

#define CLEAR_LIM	lim = 0; cached = 0; moved = false

#define END_CALL \
	CLEAR_LIM; pos = 0; avail = 0; tries = 0; helped = false; armed = false; \
	rrecs = 0

/* -EBUSY, -EAGAIN: the caller retries at once (a producer, same size) */
#define BUSY	END_CALL; pc = (S == PROD -> RV_POS : TOP)
#define AGAIN	BUSY

/* `tries++' of the for loop, and its test. */
#define LOOP_NEXT \
	tries++; \
	if \
	:: tries >= TRIES -> BUSY		/* -EBUSY */ \
	:: else -> pc = RV_LIM \
	fi

/*
 * if (avail > max) avail = max; then the cmpxchg (A).  Records: the scan
 * decides how many blocks.
 */
#define GO_CAS \
	CLEAR_LIM; \
	if \
	:: S == CONS && RECS -> pc = RV_SCAN \
	:: else -> \
		if \
		:: avail > rmax -> avail = rmax \
		:: else \
		fi; \
		pc = RV_CAS \
	fi

#ifdef ARM
#define NO_ROOM \
	if \
	:: armed -> AGAIN			/* -EAGAIN */ \
	:: else -> armed = true; CLEAR_LIM; LOOP_NEXT	/* continue */ \
	fi
#else
#define NO_ROOM		AGAIN			/* -EAGAIN */
#endif

/* after the limit_cache store (or none) */
#define AFTER_STORE \
	if \
	:: avail < rmin -> NO_ROOM \
	:: else -> GO_CAS \
	fi

/* after the fresh limit (and the help): stale pos, store, -EAGAIN, claim */
#define AFTER_FETCH \
	if \
	:: avail < 0 || avail > NBLK -> CLEAR_LIM; pc = RV_STALE \
	:: else -> \
		if \
		:: lim > cached -> pc = RV_STORE \
		:: else -> AFTER_STORE \
		fi \
	fi

#ifdef NOHELP
#define HELP_PEER	moved = false; AFTER_FETCH
#else
/* __memwell_help_peer(r, S) -> __memwell_side_sweep(r, !S) */
#define HELP_PEER	ss = 1 - S; ret = RET_HELP; pc = SW_REL
#endif

/* back from the sweep of __memwell_help_peer() */
#define AFTER_HELP \
	if \
	:: moved -> moved = false; pc = RV_FETCH2 \
	:: else -> AFTER_FETCH \
	fi

/* memwell_release() returns: the call is over */
#define OP_DONE \
	pos = 0; avail = 0; moved = false; \
	if \
	:: back -> back = false; pc = RV_BACK	/* skipped records given back */ \
	:: else -> pc = TOP \
	fi

#ifdef MUT_REORDER
#define REL_DONE \
	if \
	:: sb_full -> pc = SB_DRAIN \
	:: else -> OP_DONE \
	fi
#else
#define REL_DONE	OP_DONE
#endif

#define SWEEP_RETURN \
	srel = 0; send = 0; si = 0; ss = 0; \
	if \
	:: ret == RET_HELP -> ret = 0; AFTER_HELP \
	:: else -> REL_DONE \
	fi

/* a producer's span is done (released) */
#define COUNT_OP \
	if \
	:: S == PROD -> ops++ \
	:: else \
	fi

/* consumers' ghost stop test: everything produced has been reserved */
#define STOP	(pdone == NPROD && reserve_pos[CONS] == reserve_pos[PROD])

proctype participant(byte S)
{
	byte pc;		/* where in the C code */
	byte pos, lim, cached, now, tries, rmin, rmax;
	short avail;
	bool helped, armed, moved, sb_full;
	byte ss, ret, srel, send, si;	/* __memwell_side_sweep(r, ss) */
	byte ops, q;		/* producer's spans so far; ghost loops */
	bool dis = (RECS && _pid == 2);	/* RECORDS: discards its records */
	bool back;		/* RECORDS: claimed skipped records only */
	byte rrecs;		/* RECORDS: records wanted (max_recs) */
	byte used, found, taken, hb;	/* __memwell_rec_scan() */
	byte nops = (_pid == 1 -> OPS : OPS2);	/* producer's spans to make */

	do
	/* ---- a new call: memwell_reserve(r, S, rmin, rmax, &span) ---- */
	:: d_step {
		pc == TOP && S == PROD && ops < nops ->
		rmin = 1; rmax = 1;
		pos = reserve_pos[S];		/* read_once */
		pc = RV_LIM
	   }
	:: d_step {
		pc == TOP && S == PROD && ops < nops ->
		rmin = 2; rmax = 2;
		pos = reserve_pos[S];		/* read_once */
		pc = RV_LIM
	   }
	:: d_step {
		pc == TOP && S == PROD && ops == nops ->
		pdone++
	   } -> break
#ifndef RECORDS
	:: d_step {
		pc == TOP && S == CONS && !STOP ->
		rmin = 1; rmax = 2;
		pos = reserve_pos[S];		/* read_once */
		pc = RV_LIM
	   }
#else
	/* memwell_rec_peek(): one record; memwell_batch_take(): up to two */
	:: d_step {
		pc == TOP && S == CONS && !STOP ->
		rmin = 1; rmax = 1; rrecs = (_pid == 3 -> 1 : 2);
		pos = reserve_pos[S];		/* read_once */
		pc = RV_LIM
	   }
#endif
	:: d_step {
		pc == TOP && S == CONS && STOP ->
		cdone++;
		if
		:: cdone == NCONS -> final_check()
		:: else
		fi
	   } -> break
	:: d_step {
		pc == RV_POS ->
		pos = reserve_pos[S];		/* read_once */
		pc = RV_LIM
	   }

	/* ---- __memwell_claim(), multi: one iteration of the for loop ---- */
	:: d_step {
		pc == RV_LIM ->
		lim = limit_cache[S];		/* load_acquire */
		avail = lim - pos;
		if
		:: avail < rmax || avail > NBLK -> cached = lim; pc = RV_FETCH
		:: else -> GO_CAS
		fi
	   }
	:: d_step {
		pc == RV_FETCH ->
		lim = FETCH_LIMIT(S);
		avail = lim - pos;
		if
		:: avail >= 0 && avail < rmin && !helped ->
			helped = true;
			HELP_PEER
		:: else -> AFTER_FETCH
		fi
	   }
	:: d_step {
		pc == RV_FETCH2 ->		/* after a helpful help */
		lim = FETCH_LIMIT(S);
		avail = lim - pos;
		AFTER_FETCH
	   }
	:: d_step {
		pc == RV_STALE ->		/* avail > count: pos is stale */
		now = reserve_pos[S];		/* read_once */
		assert(now != pos);		/* never -EIO */
		pos = now;
		now = 0;
		LOOP_NEXT			/* continue */
	   }
	:: d_step {
		pc == RV_STORE ->
		limit_cache[S] = lim;		/* store_release */
		AFTER_STORE
	   }
	:: d_step {				/* (A) cmpxchg lost */
		pc == RV_CAS && CLAIM_LOST(S) ->
		pos = reserve_pos[S];
		back = false;
		LOOP_NEXT
	   }
#ifdef RECORDS
	/*
	 * __memwell_rec_scan() over [pos, pos + avail), the headers read in
	 * one step: with a current pos they are those of published records,
	 * which nobody writes until a consumer releases them; with a stale
	 * pos (others claimed past it) whatever the scan reads, the claim
	 * below fails or the stale test retries, so no interleaving of the
	 * header reads leads elsewhere.  max_blocks and max_len never limit.
	 */
	:: d_step {
		pc == RV_SCAN ->
		used = 0; found = 0; taken = 0; hb = 0;
		do
		:: used < avail && found < rrecs ->
			hb = hlen[(pos + used) & MASK];
			if
			:: hb == 0 || hb > avail - used -> hb = 255; break
			:: else
			fi;
			used = used + hb;
			if
			:: hskip[(pos + used - hb) & MASK]
			:: else -> found++; taken = used
			fi
		:: else -> break
		od;
		if
#ifdef MUT_NOSTALE
		:: hb == 255 -> assert(false)	/* -EIO at once */
#else
		:: hb == 255 -> pc = RV_STALE	/* -EIO unless pos is stale */
#endif
		:: else ->
			if
			:: found > 0 -> avail = taken
			:: else -> avail = used; back = true	/* skipped only */
			fi;
			pc = RV_CAS
		fi;
		used = 0; found = 0; taken = 0; hb = 0
	   }
	:: d_step {
		pc == RV_BACK ->		/* the loop goes on */
		pos = reserve_pos[S];		/* read_once */
		LOOP_NEXT
	   }
#endif
	:: d_step {				/* (A) cmpxchg won */
		pc == RV_CAS && CLAIM_OK(S) ->
		claim(S);
		reserve_pos[S] = pos + avail;
		if
		:: back				/* the call goes on */
		:: else ->
			tries = 0; helped = false; armed = false; rmin = 0;
			rmax = 0; rrecs = 0
		fi
	   };
		/*
		 * [pos, pos + avail) is ours.  The producer writes its data;
		 * then memwell_release(): (F) in order, it loads release_pos,
		 * and if that is pos, a plain store (the next step, with other
		 * participants' steps in between) publishes the span at once:
		 * nobody else moves release_pos from pos (asserted there).
		 * Otherwise an earlier span is not published yet, and (E)
		 * __memwell_store_mb(&marks[S][pos & mask], pos + n) marks it.
		 * Either way __memwell_side_sweep(r, S) follows.  The model is
		 * SC, so the (F') barrier between the store and the sweep is
		 * always there; release_order.pml checks what its absence
		 * does under TSO.
		 */
progress_res:	d_step {
			if
			:: release_pos[S] == pos -> pc = REL_STORE
			:: else -> pc = REL_MARK
			fi
		}
	:: d_step {
		pc == REL_STORE ->
		/* nobody moved release_pos from pos since our load */
		assert(release_pos[S] == pos);
		give(S);
		srel = pos; send = pos + avail;
		check_publish(S);
		srel = 0; send = 0;
		release_pos[S] = pos + avail;
		COUNT_OP;
#ifdef MUT_NOSWEEP
		pos = 0; avail = 0;
		insweep[S]++;
		leave_sweep(S);
		OP_DONE
#else
		/* the sweep starts from what we stored, without a load */
		srel = pos + avail; moved = false;
		pos = 0; avail = 0;
		insweep[S]++;
		ss = S; ret = RET_REL; pc = SW_MARK
#endif
	   }
	:: d_step {
		pc == REL_MARK ->		/* (E) out of order */
		give(S);
		MARK_STORE(S);
		insweep[S]++;
		COUNT_OP;
		SPAN_DEAD;
		ss = S; ret = RET_REL; pc = SW_REL
	   }

	/* ---- __memwell_side_sweep(r, ss) ---- */
	:: d_step {
		pc == SW_REL ->
		if
		:: ret == RET_HELP -> insweep[ss]++	/* ghost */
		:: else
		fi;
		srel = release_pos[ss];		/* __memwell_load_sc() */
		moved = false;
		pc = SW_MARK
	   }
	:: d_step {
		pc == SW_MARK ->
		send = MARK_LOAD(ss, srel);	/* (E') __memwell_load_sc() */
		if
		:: CURRENT(send, srel) -> pc = SW_CAS
		:: else ->			/* not released (or old lap) */
			SWEEP_LEAVE(ss);
			SWEEP_RETURN
		fi
	   }
	:: d_step {
		pc == SW_CAS ->			/* (F) cmpxchg(&release_pos, &rel, end) */
		SB_FLUSH(ss);
		if
		:: release_pos[ss] == srel ->
			check_publish(ss);
			release_pos[ss] = send;
			srel = send;
			moved = true
		:: else ->
			srel = release_pos[ss]
		fi;
		send = 0;
		si++;
		if
		:: si >= SWEEP_MAX ->
			sweep_hit[ss] = true;
			SWEEP_LEAVE(ss);
			SWEEP_RETURN
		:: else -> pc = SW_MARK
		fi
	   }
#ifdef CRASH
	/*
	 * One participant may stop for good anywhere except while it holds
	 * a span (at progress_res, REL_STORE or REL_MARK; a dead owner's
	 * span needs memwell_side_recover()): in the middle of a
	 * reservation, of a release or of a sweep, or between calls.  The
	 * others must still get on (non-progress check).
	 */
	:: d_step {
		!crashed && pc != REL_MARK && pc != REL_STORE -> /* no span held */
		crashed = true;
		if
		:: S == PROD -> pdone++
		:: else ->
			cdone++;
			if
			:: cdone == NCONS -> final_check()
			:: else
			fi
		fi
	   } -> break
#endif
#ifdef MUT_REORDER
	:: d_step {
		pc == SB_DRAIN ->		/* the store buffer drains */
		SB_FLUSH(S);
		leave_sweep(S);
		OP_DONE
	   }
#endif
	od
}

/*
 * The ring as earlier laps may have left it: positions 0 .. START +
 * PREFILL - 1 were produced and 0 .. START - 1 consumed in 1-block spans,
 * each of them released out of order at some lap (so every mark holds the
 * value of an earlier lap, the worst case for the currency test), and
 * PREFILL blocks wait for the consumers.  The caches hold old limits (a
 * limit only grows, so any old one is a valid cache).
 */
init {
	byte q;

	d_step {
		q = 0;
		do
		:: q < START + PREFILL ->
			marks[PROD * NBLK + (q & MASK)] = q + 1;
			bseq[q & MASK] = q;
#ifdef RECORDS
			hlen[q & MASK] = 1;	/* committed 1-block records */
#endif
			if
			:: q < START ->
				marks[CONS * NBLK + (q & MASK)] = q + 1;
				consumed = consumed | (1 << q);
				bstate[q & MASK] = B_FREE
			:: else ->
				bstate[q & MASK] = B_FULL
			fi;
			q++
		:: else -> break
		od;
		q = 0;
		reserve_pos[PROD] = START + PREFILL;
		release_pos[PROD] = START + PREFILL;
		reserve_pos[CONS] = START;
		release_pos[CONS] = START;
		limit_cache[PROD] = START;
		limit_cache[CONS] = START
	}
	atomic {
		run participant(PROD);
		run participant(PROD);
		run participant(CONS);
		run participant(CONS)
	}
}
