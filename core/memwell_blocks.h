/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell core, blocks: the reservation protocol.  Reserve blocks from a
 * side, release them to the other side, publish what multi-owner sides
 * released out of order (the sweep), recover what dead owners held, the
 * wake-protocol hooks and readiness for poll.  One claim step serves both
 * blocks and records (__memwell_claim()).  The protocol and its barrier
 * pairing are in docs/ring-protocol.md and docs/wake-protocol.md; the
 * labels (A) to (H) below refer to them.
 */
#ifndef _MEMWELL_BLOCKS_H
#define _MEMWELL_BLOCKS_H

#include "memwell_layout.h"

/* Lost reservation races tolerated in one call before -EBUSY. */
#define MEMWELL_CAS_TRIES	64U
/* Released spans one sweep publishes at most (see __memwell_side_sweep()). */
#define MEMWELL_SWEEP_MAX	1024U

/* Blocks [pos, pos + n) reserved by one call. */
struct memwell_span {
	__u64 pos;
	__u64 n;
};

/* ---- reservation and release (any mode) ---- */

static __memwell_hot int __memwell_side_multi(const struct memwell_ring *r,
					      unsigned int s)
{
	return !!r->marks[s];
}

/*
 * The position this side may reserve up to: for producers the consumers'
 * release position plus the capacity, for consumers the producers' release
 * position.  (B)/(D): the acquire pairs with the peer's release store, so
 * the peer's accesses to those blocks happen before ours.
 */
static __memwell_hot __u64 __memwell_side_fetch_limit(const struct memwell_ring *r,
						      unsigned int s)
{
	__u64 peer_release = __memwell_load_acquire(&r->side[!s]->release_pos);

	return s == MEMWELL_SIDE_PROD ? peer_release + r->count : peer_release;
}

/**
 * __memwell_side_sweep_from() - publish released spans of a multi-owner side
 * @r: the ring
 * @s: a multi-owner side this participant may write
 * @rel: its release_pos as last seen (a stale one costs a failed cmpxchg)
 * @max: spans to publish at most (iterations of the loop, whatever the
 *       marks say)
 *
 * Spans of a multi-owner side are released out of order: each releaser
 * marks its span's first block with the span's end position (E), and a
 * sweeper moves release_pos over every run of marked spans, one cmpxchg a
 * span (F).  A mark m at position p is current exactly when p < m <= p +
 * count: a mark left from an earlier lap is <= p, and no later lap can be
 * marked before release_pos passes p.  At most @max spans are published
 * per call; whoever next releases, or a peer that finds the ring empty or
 * full, sweeps on.
 *
 * Return: true if release_pos moved.
 */
static inline bool __memwell_side_sweep_from(struct memwell_ring *r,
					     unsigned int s, __u64 rel,
					     unsigned int max)
{
	struct memwell_side *self = r->side[s];
	__u64 *marks = r->marks[s];
	bool moved = false;
	unsigned int i;

	for (i = 0; i < max; i++) {
		/*
		 * (E') reads the releaser's mark (E).  A sequentially consistent
		 * load: with the cmpxchg before it, the other half of the
		 * store-buffering pair with (E) (in the kernel the cmpxchg's
		 * full barrier orders it, and the next cmpxchg publishes what
		 * it observed).
		 */
		__u64 end = __memwell_load_sc(&marks[rel & r->mask]);

		if (end - rel - 1 >= r->count)
			break;		/* not released yet (or an old lap) */
		/* (F) fully ordered: publishes the span to the peer. */
		if (__memwell_cmpxchg(&self->release_pos, &rel, end)) {
			rel = end;
			moved = true;
		}
	}
	return moved;
}

static inline bool __memwell_side_sweep_max(struct memwell_ring *r,
					    unsigned int s, unsigned int max)
{
	return __memwell_side_sweep_from(r, s,
			__memwell_load_sc(&r->side[s]->release_pos), max);
}

/* Publish released spans of side @s, MEMWELL_SWEEP_MAX at most. */
static inline bool __memwell_side_sweep(struct memwell_ring *r,
					unsigned int s)
{
	return __memwell_side_sweep_max(r, s, MEMWELL_SWEEP_MAX);
}

/* A side that found too little may help the peer publish what it released. */
static inline bool __memwell_help_peer(struct memwell_ring *r,
				       unsigned int s)
{
	unsigned int peer = MEMWELL_SIDE_PEER(s);

	if (!__memwell_side_multi(r, peer) || !(r->access & MEMWELL_SIDE_BIT(peer)))
		return false;
	return __memwell_side_sweep(r, peer);
}

/*
 * (G) After publishing side @s's release: if the peer's participants said
 * they sleep, kick them.  The full barrier orders our release_pos store
 * before the load of waiters; it pairs with (H) in __memwell_arm().
 *
 * It is paid on every release with a kick, and no cheaper test can tell
 * that no peer may be asleep: a peer announces itself ((H), waiters = 1)
 * and then looks at our release_pos, and without the barrier our load of
 * waiters may be satisfied while our store still sits in the store
 * buffer, so each misses the other's store (the store-buffering pattern)
 * and the peer sleeps with our record published.  Anything the releaser
 * read before its store (the peer's position, say) is as stale.
 * tests/spin/wake.pml shows both: no lost wake-up with the barrier, one
 * found without it (MUT_NOBARRIER).  Local mode (no kick) pays nothing.
 * __memwell_wake_peer_ordered() is the same for a caller whose last store
 * to release_pos is already followed by a full barrier.
 */
static __memwell_hot void __memwell_wake_peer_ordered(struct memwell_ring *r,
						      unsigned int s)
{
	unsigned int peer = MEMWELL_SIDE_PEER(s);

	if (r->kick && __memwell_read_once(&r->side[peer]->waiters))
		r->kick(r, peer);
}

static __memwell_hot void __memwell_wake_peer(struct memwell_ring *r,
					      unsigned int s)
{
	if (!r->kick)
		return;
	__memwell_smp_mb();
	__memwell_wake_peer_ordered(r, s);
}

/*
 * Whether an in-order release of a multi-owner side pays a full barrier
 * between its store and the sweep ((F') in memwell_release()): when a peer
 * may sleep, and always in the kernel.
 */
static __memwell_hot bool __memwell_publish_ordered(const struct memwell_ring *r)
{
	return __MEMWELL_KERNEL || r->kick;
}

/*
 * (H) Side @s found nothing to do and may sleep: announce it before the
 * caller looks once more.  The exchange is a full barrier, so either that
 * last look sees the peer's new release_pos, or the peer's (G) sees the
 * announcement and kicks.  Returns true when the caller must look again.
 */
static inline bool __memwell_arm(struct memwell_ring *r, unsigned int s)
{
	if (!r->kick || !(r->access & MEMWELL_SIDE_BIT(s)))
		return false;
	__memwell_store_mb(&r->side[s]->waiters, 1U);
	__memwell_smp_mb();
	return true;
}

/*
 * gcc 12 at -O1 with -fsanitize=thread does not follow a reservation's
 * success through the claim loop and warns, at a caller's release, that the
 * span it set may be uninitialised.  Callers only release spans they got.
 */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__KERNEL__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/**
 * memwell_release() - hand reserved blocks to the other side
 * @r: the ring
 * @s: the side that reserved @sp
 * @sp: a span from memwell_reserve() (or several adjacent ones merged)
 *
 * A single-owner side releases in reservation order: @sp must start at the
 * side's release position.  A multi-owner side may release in any order;
 * the peer sees a span once every span before it is released too.
 *
 * Return: 0, or -EINVAL if @sp is not held.
 */
static __memwell_hot int memwell_release(struct memwell_ring *r, unsigned int s,
					 const struct memwell_span *sp)
{
	struct memwell_side *self;
	__u64 rel;

	/* A writable single-owner side: the checks below in one test. */
	if (likely(s <= MEMWELL_SIDE_CONS && (r->fast & __MEMWELL_FAST_SIDE(s)))) {
		self = r->side[s];
		rel = __memwell_read_once(&self->release_pos);
		if (unlikely(sp->pos != rel || sp->n - 1 >= r->count ||
			     sp->n > __memwell_read_once(&self->reserve_pos) - rel))
			return -EINVAL;
		/* (C) pairs with the peer's acquire (B)/(D): our accesses first. */
		__memwell_store_release(&self->release_pos, rel + sp->n);
		__memwell_wake_peer(r, s);
		return 0;
	}
	/* A writable multi-owner side: the checks below in one test. */
	if (s <= MEMWELL_SIDE_CONS && (r->fast & __MEMWELL_FAST_MULTI(s))) {
		if (unlikely(sp->n - 1 >= r->count))
			return -EINVAL;
		self = r->side[s];
		goto multi;
	}
	if (unlikely((unsigned int)s > MEMWELL_SIDE_CONS || !sp->n || sp->n > r->count))
		return -EINVAL;
	if (unlikely(!(r->access & MEMWELL_SIDE_BIT(s))))
		return -EPERM;
	self = r->side[s];
	if (!__memwell_side_multi(r, s)) {
		rel = __memwell_read_once(&self->release_pos);

		if (unlikely(sp->pos != rel ||
			     sp->n > __memwell_read_once(&self->reserve_pos) - rel))
			return -EINVAL;
		/* (C) pairs with the peer's acquire (B)/(D): our accesses first. */
		__memwell_store_release(&self->release_pos, rel + sp->n);
		__memwell_wake_peer(r, s);
		return 0;
	}
multi:
	/*
	 * (F) In order (the common case): release_pos is at sp->pos, and
	 * nobody else moves it from there: a sweeper needs a current mark at
	 * sp->pos, which only we could write.  So a plain store publishes the
	 * span, no locked instruction.  The acquire pairs with whoever moved
	 * release_pos to sp->pos: their spans' writes come before our store.
	 */
	rel = __memwell_load_acquire(&self->release_pos);
	if (likely(rel == sp->pos)) {
		__memwell_store_release(&self->release_pos, sp->pos + sp->n);
		/*
		 * (F') Then sweep what later spans marked meanwhile.  Without
		 * a full barrier our store and a marker's (E) are the
		 * store-buffering pair: each may miss the other, leaving the
		 * marked span unpublished until the next release or the peer's
		 * help (as MEMWELL_SWEEP_MAX may).  That is fine where nobody
		 * sleeps; where a peer may (a kick), and in the kernel (whose
		 * producers wake through their kring, not a kick), the barrier
		 * is paid, and serves (G) as well.
		 */
		rel = sp->pos + sp->n;
		if (!__memwell_publish_ordered(r)) {
			__memwell_side_sweep_from(r, s, rel, MEMWELL_SWEEP_MAX);
			return 0;
		}
		__memwell_smp_mb();
		/* A sweep's cmpxchg may not order like a fence (C11). */
		if (__memwell_side_sweep_from(r, s, rel, MEMWELL_SWEEP_MAX) && r->kick)
			__memwell_smp_mb();
		__memwell_wake_peer_ordered(r, s);
		return 0;
	}
	/*
	 * (E) Out of order: mark the span released.  The full barrier orders
	 * the mark before the sweep's load of release_pos: either we see the
	 * store that reached sp->pos, or whoever stored it sees our mark
	 * (after its cmpxchg or its (F') barrier; without (F'), the next
	 * release or the peer's help does).
	 */
	__memwell_store_mb(&r->marks[s][sp->pos & r->mask], sp->pos + sp->n);
	__memwell_side_sweep(r, s);
	__memwell_wake_peer(r, s);
	return 0;
}

#if defined(__GNUC__) && !defined(__clang__) && !defined(__KERNEL__)
#pragma GCC diagnostic pop
#endif

/**
 * memwell_side_recover() - release every span a side holds
 * @r: the ring
 * @s: the side, which must have no live owner left (they died or detached)
 *
 * Reserved but unreleased blocks of dead owners would stop the side
 * forever.  This releases them: on a records ring a producer gap becomes a
 * padding record the consumers skip.  Bounded by the block count.
 *
 * Return: blocks recovered, or -EIO if the side's positions are corrupt.
 */
static inline long memwell_side_recover(struct memwell_ring *r,
					unsigned int s)
{
	struct memwell_side *self = r->side[s];
	__u64 rel = __memwell_read_once(&self->release_pos);
	__u64 res = __memwell_read_once(&self->reserve_pos);
	__u64 *marks = r->marks[s];
	long recovered = 0;
	__u64 pos, next;

	if (res - rel > r->count)
		return -EIO;
	for (pos = rel; pos != res; pos = next) {
		next = res;
		if (marks) {
			__u64 end = __memwell_read_once(&marks[pos & r->mask]);
			__u64 q;

			if (end - pos - 1 < res - pos) {
				next = end;	/* released by a live owner */
				continue;
			}
			/* A dead span runs to the next current mark. */
			for (q = pos + 1; q != res; q++) {
				end = __memwell_read_once(&marks[q & r->mask]);
				if (end - q - 1 < res - q)
					break;
			}
			next = q;
		}
		if (s == MEMWELL_SIDE_PROD && (r->flags & MEMWELL_F_RECORDS)) {
			struct memwell_rec_hdr *h = (struct memwell_rec_hdr *)
				memwell_block(r, pos);

			__memwell_write_once(&h->len, (__u32)(((next - pos) <<
					   r->block_shift) - MEMWELL_REC_HDR_SIZE));
			__memwell_write_once(&h->flags, MEMWELL_REC_PAD);
		}
		recovered += (long)(next - pos);
		if (marks)
			__memwell_store_mb(&marks[pos & r->mask], next);
	}
	if (marks)
		__memwell_side_sweep(r, s);
	else
		__memwell_store_release(&self->release_pos, res);
	return recovered;
}

/*
 * What a records consumer claims: whole records, so how many blocks is
 * decided by the headers published at its position, not by the caller.
 */
struct __memwell_recs {
	__u64 max_blocks;		/* the claim spans at most this */
	__u64 max_len;			/* largest record the caller accepts */
	__u32 max_recs;			/* records wanted (>= 1) */
	__u32 found;			/* records found, skipped ones not counted */
	struct memwell_span first;	/* the first: blocks from pos, bytes */
	__u32 max_hdrs;			/* headers one call reads at most; 0: no bound */
	__u32 hdrs;			/* headers this call read so far */
};

/*
 * A caller's bound on the headers one call reads (the kernel's, on a ring
 * a process produces into: skipped records cost a header each and are
 * user-written).  Spent: the call gives -EAGAIN, "nothing yet".  With a
 * constant max_hdrs of 0 this folds away.
 */
static __memwell_hot bool __memwell_recs_spent(const struct __memwell_recs *w)
{
	return w->max_hdrs && w->hdrs >= w->max_hdrs;
}

/*
 * Walk the records published from @pos (@room blocks): up to max_recs
 * records that are not skipped, within max_blocks, none longer than
 * max_len.  Skipped records are taken along with the records after them.
 * Sets found to the records found and first to where the first of them
 * starts (blocks from @pos) and its length; returns the blocks they span,
 * -EIO for a header that does not fit what is published, or -EMSGSIZE if
 * the first record is longer than max_len or spans more than max_blocks.
 */
static __memwell_hot long __memwell_rec_scan(const struct memwell_ring *r, __u64 pos,
					     __u64 room, struct __memwell_recs *w)
{
	const struct __memwell_geo g = __memwell_geo(r);
	const __u64 max_blocks = w->max_blocks, max_len = w->max_len;
	const __u32 max_recs = w->max_recs;
	__u64 used = 0, taken = 0;
	__u32 found = 0;

	/* Each step consumes >= 1 of the private bound @room. */
	while (used < room && found < max_recs) {
		__u32 len, flags;
		__u64 b;

		if (__memwell_recs_spent(w))
			break;
		if (w->max_hdrs)
			w->hdrs++;
		b = __memwell_rec_check(&g, pos + used, room - used, &len, &flags);
		if (!b)
			return -EIO;
		if (used + b > max_blocks) {
			if (!used)
				return -EMSGSIZE;
			break;
		}
		used += b;
		if (flags & MEMWELL_REC_SKIP)
			continue;
		if (len > max_len) {
			if (!found)
				return -EMSGSIZE;
			break;
		}
		if (!found++) {
			w->first.pos = used - b;
			w->first.n = len;
		}
		taken = used;
	}
	w->found = found;
	/* Skipped records with nothing real after them: take them alone. */
	return found ? (long)taken : (long)used;
}

/**
 * __memwell_claim() - the one reservation step, for blocks and for records
 * @r: the ring
 * @s: the side; this participant may write it
 * @multi: whether @s is multi-owner (a constant at every call site)
 * @min: fewest blocks acceptable (>= 1; 1 for records)
 * @max: blocks wanted, at most the block count (1 for records: any)
 * @w: NULL to claim blocks; a records consumer's request, then the blocks
 *     claimed are those of the records __memwell_rec_scan() finds (its
 *     max_hdrs, if set, bounds the headers the whole call reads)
 * @sp: the claimed span on success
 *
 * The limit cache spares the peer's line: it is read again only when the
 * cache promises too little.  A multi-owner side claims with a cmpxchg (A)
 * and publishes a fresher limit with a release store that pairs with the
 * other owners' acquire; a single owner stores both plainly.  Always
 * inlined, so that with constant @multi and @w each caller gets only its
 * own branches.
 *
 * Return: blocks claimed (records: records taken, >= 1), or -EAGAIN
 * (records: also max_hdrs headers read and only skipped records among
 * them, which were taken), -EBUSY, -EMSGSIZE (records), -EIO.
 */
static __memwell_hot int __memwell_claim(struct memwell_ring *r, unsigned int s,
					 const bool multi, __u64 min, __u64 max,
					 struct __memwell_recs *w,
					 struct memwell_span *sp)
{
	struct memwell_side *self = r->side[s];
	const __u64 count = r->count;
	__u64 pos = __memwell_read_once(&self->reserve_pos);
	bool helped = false, armed = false;
	unsigned int tries;

	for (tries = 0; tries < MEMWELL_CAS_TRIES; tries++) {
		/* Pairs with the store_release below by another owner. */
		__u64 lim = multi ? __memwell_load_acquire(&self->limit_cache) :
				    __memwell_read_once(&self->limit_cache);
		__u64 avail = lim - pos;
		__u64 n;

		/* Fewer than wanted: look whether the peer released more. */
		if (unlikely(avail < max || avail > count)) {
			__u64 cached = lim;

			lim = __memwell_side_fetch_limit(r, s);
			avail = lim - pos;
			/* A multi-owner side helps once a call: it is bounded. */
			if (avail < min && !helped) {
				helped = multi;
				if (__memwell_help_peer(r, s)) {
					lim = __memwell_side_fetch_limit(r, s);
					avail = lim - pos;
				}
			}
			if (unlikely(avail > count)) {
				/* Our pos may be stale: others moved on. */
				__u64 now = multi ?
					__memwell_read_once(&self->reserve_pos) : pos;

				if (now == pos)
					return -EIO;
				pos = now;
				continue;
			}
			if (!multi)
				__memwell_write_once(&self->limit_cache, lim);
			else if ((__s64)(lim - cached) > 0)
				__memwell_store_release(&self->limit_cache, lim);
			if (avail < min) {
				if (armed || !__memwell_arm(r, s))
					return -EAGAIN;
				armed = true;	/* look once more, announced */
				continue;
			}
		}
		if (!w) {
			n = avail < max ? avail : max;
		} else {
			long got;

			if (unlikely(__memwell_recs_spent(w)))
				return -EAGAIN;
			got = __memwell_rec_scan(r, pos, avail, w);
			if (unlikely(got < 0)) {
				/* A stale pos reads recycled blocks: only then retry. */
				__u64 now = multi ?
					__memwell_read_once(&self->reserve_pos) : pos;

				if (now == pos)
					return (int)got;
				pos = now;
				continue;
			}
			n = (__u64)got;
			if (unlikely(!multi && !w->found &&
				     __memwell_read_once(&self->release_pos) != pos)) {
				/*
				 * Only skipped records, behind records we hold:
				 * they go with the next real record.  Is one
				 * published past what the cache said?
				 */
				lim = __memwell_side_fetch_limit(r, s);
				if (lim - pos > avail && lim - pos <= count &&
				    avail < w->max_blocks) {
					__memwell_write_once(&self->limit_cache, lim);
					continue;
				}
				if (armed || !__memwell_arm(r, s))
					return -EAGAIN;
				armed = true;	/* look once more, announced */
				continue;
			}
		}
		if (multi) {
			/* (A) claims [pos, pos + n) against the other owners. */
			if (unlikely(!__memwell_cmpxchg(&self->reserve_pos, &pos, pos + n)))
				continue;
		} else {
			__memwell_write_once(&self->reserve_pos, pos + n);
		}
		sp->pos = pos;
		sp->n = n;
		if (!w)
			return (int)n;
		if (likely(w->found))
			return (int)w->found;
		/* Only skipped records: give them back and look again. */
		memwell_release(r, s, sp);
		pos = __memwell_read_once(&self->reserve_pos);
	}
	return -EBUSY;
}

/**
 * memwell_reserve() - reserve between @min and @max blocks from one side
 * @r: the ring
 * @s: MEMWELL_SIDE_PROD to reserve free blocks, MEMWELL_SIDE_CONS to reserve filled ones
 * @min: fewest blocks acceptable (>= 1)
 * @max: most blocks wanted
 * @sp: the reserved span on success
 *
 * The span's blocks are the caller's until memwell_release().
 *
 * Return: blocks reserved (>= @min), or -EAGAIN, -EBUSY, -EMSGSIZE, -EINVAL, -EIO.
 */
static __memwell_hot int memwell_reserve(struct memwell_ring *r, unsigned int s,
					 __u64 min, __u64 max, struct memwell_span *sp)
{
	/*
	 * A writable single-owner side whose cached limit shows @max blocks
	 * (and no more than the ring: the cache is shared memory): what the
	 * claim step would do, without its loop.
	 */
	if (likely(s <= MEMWELL_SIDE_CONS && (r->fast & __MEMWELL_FAST_SIDE(s)))) {
		struct memwell_side *self = r->side[s];
		__u64 pos = __memwell_read_once(&self->reserve_pos);
		__u64 avail = __memwell_read_once(&self->limit_cache) - pos;

		if (likely(min - 1 < max && max <= avail && avail <= r->count)) {
			__memwell_write_once(&self->reserve_pos, pos + max);
			sp->pos = pos;
			sp->n = max;
			return (int)max;
		}
	}
	if (unlikely(!min || min > max || (unsigned int)s > MEMWELL_SIDE_CONS))
		return -EINVAL;
	/* A side only the kernel may write (its pages are read-only here). */
	if (unlikely(!(r->access & MEMWELL_SIDE_BIT(s))))
		return -EPERM;
	if (unlikely(min > r->count))
		return -EMSGSIZE;
	if (max > r->count)
		max = r->count;
	/* Constant arguments: each side's kind gets its own inlined loop. */
	if (__memwell_side_multi(r, s))
		return __memwell_claim(r, s, true, min, max, NULL, sp);
	return __memwell_claim(r, s, false, min, max, NULL, sp);
}

/* ---- readiness (for poll) ---- */

/*
 * Blocks the consumers may reserve now (0 when empty or corrupt).  Without
 * __memwell_publish_ordered(), a span released on a multi-owner side may
 * wait for a sweep: finding too little, __memwell_help_peer() and look
 * again, as memwell_wait_blocks() does.
 */
static __memwell_hot __u64 memwell_ready_blocks(const struct memwell_ring *r)
{
	__u64 n = __memwell_load_acquire(&r->side[MEMWELL_SIDE_PROD]->release_pos) -
		  __memwell_read_once(&r->side[MEMWELL_SIDE_CONS]->reserve_pos);

	return n <= r->count ? n : 0;
}

/* Blocks the producers may reserve now (0 when full or corrupt); likewise. */
static __memwell_hot __u64 memwell_free_blocks(const struct memwell_ring *r)
{
	__u64 n = __memwell_load_acquire(&r->side[MEMWELL_SIDE_CONS]->release_pos) +
		  r->count - __memwell_read_once(&r->side[MEMWELL_SIDE_PROD]->reserve_pos);

	return n <= r->count ? n : 0;
}

#endif /* _MEMWELL_BLOCKS_H */
