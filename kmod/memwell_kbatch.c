// SPDX-License-Identifier: GPL-2.0
/*
 * Batches for kernel endpoints (memwell_kernel.h): a producer reserves room
 * for several records at once, fills them and publishes them with one
 * commit; a consumer takes several records at once and releases them
 * together.  Each batch pays once what one record pays per call: the
 * reservation, the release store, the stats update and the wake check
 * (barrier (G) and the load of the peer's waiters).  The core's batch
 * functions (core/memwell_batch.h) do the ring work, with the endpoint's
 * private view: every position and header they read from user-writable
 * memory is bounded by the private block count, so a batch can never make
 * the kernel touch memory outside the ring.
 *
 * A batch reserved larger than the free space is cut to the whole records
 * that fit; the records it has no room for are dropped and counted, as
 * memwell_ep_reserve() drops a record on a full ring.
 */
#include <linux/export.h>
#include <linux/minmax.h>

#include "memwell_ep.h"

/* struct memwell_ep_batch.held */
#define MEMWELL_EPB_RESERVED	1U
#define MEMWELL_EPB_TAKEN	2U

/*
 * The core's batch reservation, then, if the ring looked full, once more
 * after helping the processes publish what they released (bounded, as in
 * memwell_ep_reserve()).
 */
static int memwell_ep_batch_claim(struct memwell_ep *ep, u64 min, u64 max,
				  bool helped, struct memwell_batch *b)
{
	int n = memwell_batch_reserve(&ep->view, min, max, b);

	if (n == -EAGAIN && !helped && memwell_ep_help_peer(ep))
		n = memwell_batch_reserve(&ep->view, min, max, b);
	return n;
}

/**
 * memwell_ep_batch_reserve() - reserve room for several records at once
 * @ep: a producer endpoint
 * @nr: records wanted, >= 1
 * @len: payload bytes of each, 1 .. memwell_ep_rec_max()
 * @b: the batch: fill it with memwell_ep_batch_put(), then
 *     memwell_ep_batch_commit() or memwell_ep_batch_abort() it, from the
 *     same context, soon; on a single-owner side the endpoint reserves
 *     nothing else meanwhile
 *
 * Partial: the batch holds as many of the @nr records as fit, at least
 * one.  The others are dropped and counted (struct memwell_ring_stats
 * dropped and dropped_bytes, then a MEMWELL_REC_LOST record), as
 * memwell_ep_reserve() drops a record on a full ring: records the batch
 * holds come before those dropped.  A MEMWELL_REC_LOST record for earlier
 * drops goes first, as for memwell_ep_reserve().  One reservation whatever
 * @nr: constant work.  Any context but NMI; never sleeps or waits.
 *
 * Return: records the batch has room for (1 .. @nr); -EAGAIN (full: all
 * @nr dropped and counted), -EBUSY (lost races on a multi-owner side, or
 * another producer is reserving the report of earlier drops: nothing
 * counted; retry, or give up with memwell_ep_drop_many()), -EMSGSIZE
 * (@len never fits), -EINVAL (not a producer, @nr or @len 0), -EIO
 * (corrupt consumer positions: nothing was written).
 */
int memwell_ep_batch_reserve(struct memwell_ep *ep, u32 nr, u32 len,
			     struct memwell_ep_batch *b)
{
	bool helped = false;
	u64 rb, room;
	int n;

	b->held = 0;
	b->room = 0;
	if (unlikely(ep->role != MEMWELL_SIDE_PROD || !nr || !len))
		return -EINVAL;
	if (unlikely(len > ep->view.rec_max))
		return -EMSGSIZE;
	rb = memwell_rec_blocks(&ep->view, len);
	n = memwell_flush_lost(ep);
	if (n == -EAGAIN && memwell_ep_help_peer(ep)) {
		helped = true;
		n = memwell_flush_lost(ep);
	}
	/* rb * nr < 2^63: the core clamps it to the block count. */
	if (!n)
		n = memwell_ep_batch_claim(ep, rb, rb * nr, helped, &b->b);
	if (n == -EAGAIN)
		memwell_ep_drop_many(ep, nr, len);
	if (n < 0)
		return n;
	room = min_t(u64, (u64)n / rb, nr);
	/* After the reservation: the LOST record comes after these. */
	memwell_ep_drop_many(ep, nr - (u32)room, len);
	b->room = (u32)room;
	b->held = MEMWELL_EPB_RESERVED;
	return (int)room;
}
EXPORT_SYMBOL_GPL(memwell_ep_batch_reserve);

/**
 * memwell_ep_batch_put() - the next record of a reserved batch
 * @ep: the producer endpoint that reserved @b
 * @b: the batch
 * @len: its payload bytes (1 .. memwell_ep_rec_max(); the @len of the
 *       reservation or less is sure to fit)
 *
 * The record is published by memwell_ep_batch_commit(), after every record
 * put before it.  At most as many records as memwell_ep_batch_reserve()
 * returned.  Any context but NMI.
 *
 * Return: its payload, @len bytes to fill, contiguous even across the wrap;
 * NULL when the batch has no room for it (or is not a reserved batch).
 */
void *memwell_ep_batch_put(struct memwell_ep *ep, struct memwell_ep_batch *b,
			   u32 len)
{
	void *p;

	if (unlikely(b->held != MEMWELL_EPB_RESERVED || !b->room))
		return NULL;
	p = memwell_batch_put(&ep->view, &b->b, len);
	if (p)
		b->room--;
	return p;
}
EXPORT_SYMBOL_GPL(memwell_ep_batch_put);

/**
 * memwell_ep_batch_commit() - publish every record put in a batch
 * @ep: the producer endpoint that reserved @b
 * @b: the batch; not held any more afterwards, whatever the result
 * @flags: MEMWELL_KF_* as for memwell_ep_commit(), for the whole batch
 *
 * One release and one wake check for the batch: consumers asleep in
 * poll() are woken through an irq_work if the ring's policy says so.  Room
 * left unused is given back (a single-owner side) or becomes a padding
 * record consumers skip.  A batch with no record publishes nothing and
 * wakes nobody (except with MEMWELL_KF_FORCE_WAKEUP).  Any context but NMI.
 *
 * Return: records published (0 .. those put), or -EINVAL (bad flags, not
 * a producer, not a reserved batch).
 */
int memwell_ep_batch_commit(struct memwell_ep *ep, struct memwell_ep_batch *b,
			    unsigned int flags)
{
	int n;

	if (unlikely(ep->role != MEMWELL_SIDE_PROD || (flags & ~MEMWELL_KF_ALL) ||
		     b->held != MEMWELL_EPB_RESERVED))
		return -EINVAL;
	b->held = 0;
	b->room = 0;
	n = memwell_batch_commit(&ep->view, &b->b);
	if (n < 0)
		return n;
	if (n)
		memwell_ep_count_n(ep, MEMWELL_STAT_PRODUCED, n);
	if (n || (flags & MEMWELL_KF_FORCE_WAKEUP))
		memwell_kring_produced(ep->kr, flags);
	return n;
}
EXPORT_SYMBOL_GPL(memwell_ep_batch_commit);

/**
 * memwell_ep_batch_abort() - give a reserved batch back unpublished
 * @ep: the producer endpoint that reserved @b
 * @b: the batch; not held any more afterwards
 *
 * No record put in it is published, none is counted (dropped or
 * produced): its room is given back, or becomes one padding record
 * consumers skip.  Any context but NMI.
 *
 * Return: 0, or -EINVAL (not a producer, not a reserved batch).
 */
int memwell_ep_batch_abort(struct memwell_ep *ep, struct memwell_ep_batch *b)
{
	int n;

	if (unlikely(ep->role != MEMWELL_SIDE_PROD || b->held != MEMWELL_EPB_RESERVED))
		return -EINVAL;
	b->held = 0;
	b->room = 0;
	/* All of it is the unused tail now. */
	b->b.used = 0;
	b->b.records = 0;
	n = memwell_batch_commit(&ep->view, &b->b);
	return n < 0 ? n : 0;
}
EXPORT_SYMBOL_GPL(memwell_ep_batch_abort);

/**
 * memwell_ep_batch_take() - take up to @max_recs records a process produced
 * @ep: a consumer endpoint
 * @max_recs: records wanted, >= 1
 * @b: the batch: walk it with memwell_ep_batch_next(), then give it back
 *     with memwell_ep_batch_release()
 *
 * The headers are checked against what the producers published; a call
 * passes MEMWELL_EP_SCAN_MAX skipped (discarded) records at most besides
 * the records it takes, whatever user space wrote (reading each header at
 * most twice: the first try, then the general scan): past them it takes
 * those and gives -EAGAIN, and the next call goes on after them.  On an empty
 * ring the consumer side announces it may sleep, as memwell_ep_peek()
 * does.  Any context but NMI.
 *
 * Return: records taken (1 .. @max_recs), or -EAGAIN (empty), -EBUSY,
 * -EINVAL (not a consumer, @max_recs 0), -EIO (corrupt producer positions
 * or record headers).
 */
int memwell_ep_batch_take(struct memwell_ep *ep, u32 max_recs,
			  struct memwell_ep_batch *b)
{
	struct memwell_ring *r = &ep->view;
	u32 max_hdrs;
	int n;

	b->held = 0;
	b->room = 0;
	if (unlikely(ep->role != MEMWELL_SIDE_CONS))
		return -EINVAL;
	/* Each record taken costs a header; skipped ones MEMWELL_EP_SCAN_MAX. */
	max_hdrs = max_recs > U32_MAX - MEMWELL_EP_SCAN_MAX ? U32_MAX :
		   max_recs + MEMWELL_EP_SCAN_MAX;
	n = __memwell_batch_take_max(r, max_recs, r->count, ~0ULL, max_hdrs, &b->b);
	/* Empty, not a spent bound: as memwell_ep_peek(), help once and look again. */
	if (n == -EAGAIN && !memwell_ready_blocks(r) && memwell_ep_help_peer(ep))
		n = __memwell_batch_take_max(r, max_recs, r->count, ~0ULL, max_hdrs,
					     &b->b);
	if (n > 0)
		b->held = MEMWELL_EPB_TAKEN;
	return n;
}
EXPORT_SYMBOL_GPL(memwell_ep_batch_take);

/**
 * memwell_ep_batch_next() - the next record of a taken batch
 * @ep: the consumer endpoint that took @b
 * @b: the batch
 * @rec: the record, read in place: rec->len was checked to lie within the
 *       batch, the payload is user-writable (copy what you check)
 *
 * Any context but NMI.
 *
 * Return: 0; -ENOENT at the end of the batch; -EIO if a header changed
 * since the take (the batch must still be released); -EINVAL (not a taken
 * batch).
 */
int memwell_ep_batch_next(struct memwell_ep *ep, struct memwell_ep_batch *b,
			  struct memwell_rec *rec)
{
	if (unlikely(b->held != MEMWELL_EPB_TAKEN))
		return -EINVAL;
	return memwell_batch_next(&ep->view, &b->b, rec);
}
EXPORT_SYMBOL_GPL(memwell_ep_batch_next);

/**
 * memwell_ep_batch_release() - give a taken batch back to the producers
 * @ep: the consumer endpoint that took @b
 * @b: the batch, walked or not; not held any more afterwards
 *
 * One release, one stats update (consumed) and one wake check for the
 * batch: producers asleep in poll() for room are woken through an
 * irq_work.  Any context but NMI.
 *
 * Return: 0 or -EINVAL (not a consumer, not a taken batch).
 */
int memwell_ep_batch_release(struct memwell_ep *ep, struct memwell_ep_batch *b)
{
	int err;

	if (unlikely(ep->role != MEMWELL_SIDE_CONS || b->held != MEMWELL_EPB_TAKEN))
		return -EINVAL;
	b->held = 0;
	err = memwell_batch_release(&ep->view, &b->b);
	if (!err)
		memwell_ep_count_n(ep, MEMWELL_STAT_CONSUMED, b->b.records);
	return err;
}
EXPORT_SYMBOL_GPL(memwell_ep_batch_release);
