/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell core, batches: many records under one reservation, in one
 * claim and one release, for producers and for consumers.
 */
#ifndef _MEMWELL_BATCH_H
#define _MEMWELL_BATCH_H

#include "memwell_records.h"

/*
 * Many records under one reservation: a producer fills it with
 * memwell_batch_put() and publishes them all with one memwell_batch_commit();
 * a consumer takes it with memwell_batch_take(), walks it with
 * memwell_batch_next() and gives it back with memwell_batch_release().
 */
struct memwell_batch {
	struct memwell_span span;
	__u64 used;			/* blocks filled or walked so far */
	__u32 records;			/* records put or taken */
	__u32 pad;
};

/*
 * A single consumer's batch, the claim step's first try without its loop:
 * what __memwell_rec_scan() takes (up to @max_recs records within
 * @max_blocks, skipped records taken along, none longer than @max_len),
 * with a plain record (no flag but MEMWELL_REC_LOST, a length, within
 * what is published and the caller's bounds) checked in one test.  Each
 * header is checked once, here; memwell_batch_next() only bounds the
 * records by the span.  Returns 0 when the general way must decide (an
 * empty ring, only skipped records, a bad header, a first record too
 * long or too large), which reads everything again.  @max_hdrs, if not
 * 0, bounds the headers read here as it bounds the general way's.
 */
static __memwell_hot int __memwell_batch_take_single(struct memwell_ring *r, __u32 max_recs,
						     __u64 max_blocks, __u64 max_len,
						     __u32 max_hdrs,
						     struct memwell_batch *b)
{
	struct memwell_side *self = r->side[MEMWELL_SIDE_CONS];
	const struct __memwell_geo g = __memwell_geo(r);
	__u64 pos = __memwell_read_once(&self->reserve_pos);
	__u64 avail = __memwell_read_once(&self->limit_cache) - pos;
	__u64 used = 0, taken = 0, room;
	__u32 found = 0, hdrs = 0;

	if (avail - 1 >= g.count) {
		/* Nothing cached (or a wild cache): (D), a fresh look. */
		__u64 lim = __memwell_side_fetch_limit(r, MEMWELL_SIDE_CONS);

		avail = lim - pos;
		if (unlikely(avail - 1 >= g.count))
			return 0;	/* empty or corrupt */
		__memwell_write_once(&self->limit_cache, lim);
	}
	room = avail < max_blocks ? avail : max_blocks;
	/* Each step takes >= 1 block of the private bound @avail, or ends. */
	do {
		const struct memwell_rec_hdr *h = (const struct memwell_rec_hdr *)
			__memwell_geo_block(&g, pos + used);
		__u32 len = __memwell_read_once(&h->len);
		__u32 flags = __memwell_read_once(&h->flags);
		__u64 blocks = __memwell_geo_rec_blocks(&g, len);

		if (likely(!(flags & ~MEMWELL_REC_LOST) && len && len <= max_len &&
			   blocks <= room - used)) {
			used += blocks;
			taken = used;
			found++;
			continue;
		}
		/* The rest as __memwell_rec_scan(), errors left to it. */
		if ((flags & ~MEMWELL_REC_FLAGS) || (!len && !(flags & MEMWELL_REC_PAD)) ||
		    blocks > avail - used)
			return 0;
		if (used + blocks > max_blocks) {
			if (!used)
				return 0;
			break;
		}
		used += blocks;
		if (flags & MEMWELL_REC_SKIP)
			continue;
		if (!found)
			return 0;	/* len > max_len */
		break;
	} while (found < max_recs && used < avail && (!max_hdrs || ++hdrs < max_hdrs));
	if (unlikely(!found))
		return 0;
	__memwell_write_once(&self->reserve_pos, pos + taken);
	b->span.pos = pos;
	b->span.n = taken;
	b->records = found;
	return (int)found;
}

/*
 * memwell_batch_take() reading @max_hdrs record headers at most (0: no
 * bound): -EAGAIN once they were skipped records alone (taken; the next
 * call goes on after them).  For the kernel, on headers a process wrote.
 */
static __memwell_hot int __memwell_batch_take_max(struct memwell_ring *r,
						  __u32 max_recs, __u64 max_blocks,
						  __u64 max_len, __u32 max_hdrs,
						  struct memwell_batch *b)
{
	struct memwell_span first;
	int n;

	b->span.pos = 0;
	b->span.n = 0;
	b->used = 0;
	b->records = 0;
	if (likely((r->fast & __MEMWELL_FAST_REC(MEMWELL_SIDE_CONS)) && max_recs &&
		   max_blocks)) {
		n = __memwell_batch_take_single(r, max_recs, max_blocks, max_len,
						max_hdrs, b);
		if (likely(n))
			return n;
	}
	n = __memwell_take(r, max_recs, max_blocks, max_len, max_hdrs, &b->span,
			   &first);
	b->records = n > 0 ? (__u32)n : 0;
	return n;
}

/**
 * memwell_batch_take() - reserve up to @max_recs published records at once
 * @r: a records ring
 * @max_recs: records wanted (>= 1)
 * @max_blocks: blocks the batch may span at most
 * @max_len: largest record the caller accepts; a larger first record
 *           gives -EMSGSIZE and stays in the ring
 * @b: the batch, walked with memwell_batch_next()
 *
 * Return: records taken (>= 1), or -EAGAIN (empty), -EBUSY, -EMSGSIZE,
 * -EINVAL, -EIO.
 */
static __memwell_hot int memwell_batch_take(struct memwell_ring *r, __u32 max_recs,
					    __u64 max_blocks, __u64 max_len,
					    struct memwell_batch *b)
{
	return __memwell_batch_take_max(r, max_recs, max_blocks, max_len, 0, b);
}

/**
 * memwell_batch_next() - the next record of a taken batch
 * @r: the ring
 * @b: a batch from memwell_batch_take()
 * @rec: the record (rec->span is the record's own blocks, for information)
 *
 * The take checked every header.  Here each record is only bounded by
 * what is left of the span, so a header rewritten since (shared memory)
 * can neither lead outside the batch nor stop the walk.
 *
 * Return: 0, -ENOENT at the end of the batch, -EIO if a header rewritten
 * since the take runs past the batch.
 */
static __memwell_hot int memwell_batch_next(const struct memwell_ring *r,
					    struct memwell_batch *b,
					    struct memwell_rec *rec)
{
	const struct __memwell_geo g = __memwell_geo(r);
	const __u64 end = b->span.n;
	__u64 used = b->used;

	/* Each step takes >= 1 block (round >= block size) of the span. */
	while (used < end) {
		const __u64 pos = b->span.pos + used;
		struct memwell_rec_hdr *h = (struct memwell_rec_hdr *)__memwell_geo_block(&g, pos);
		__u32 len = __memwell_read_once(&h->len);
		__u32 flags = __memwell_read_once(&h->flags);
		__u64 blocks = __memwell_geo_rec_blocks(&g, len);

		if (unlikely(blocks > end - used))
			return -EIO;
		used += blocks;
		if (flags & MEMWELL_REC_SKIP)
			continue;
		b->used = used;
		rec->data = h + 1;
		rec->len = len;
		rec->flags = flags & MEMWELL_REC_FLAGS;
		rec->span.pos = pos;
		rec->span.n = blocks;
		return 0;
	}
	b->used = used;
	return -ENOENT;
}

/* Give a taken batch's blocks back to the producers. */
static __memwell_hot int memwell_batch_release(struct memwell_ring *r,
					       const struct memwell_batch *b)
{
	return memwell_release(r, MEMWELL_SIDE_CONS, &b->span);
}

/**
 * memwell_batch_reserve() - reserve blocks for many records at once
 * @r: a records ring
 * @min_blocks: fewest blocks acceptable
 * @max_blocks: most blocks wanted
 * @b: the batch, filled with memwell_batch_put()
 *
 * Return: blocks reserved, or an errno as memwell_reserve().
 */
static __memwell_hot int memwell_batch_reserve(struct memwell_ring *r, __u64 min_blocks,
					       __u64 max_blocks, struct memwell_batch *b)
{
	int n;

	if (unlikely(!(r->flags & MEMWELL_F_RECORDS)))
		return -EINVAL;
	n = memwell_reserve(r, MEMWELL_SIDE_PROD, min_blocks, max_blocks, &b->span);
	if (n < 0)
		return n;
	b->used = 0;
	b->records = 0;
	return n;
}

/*
 * Room for one more record of @len bytes in a reserved batch: returns the
 * payload to fill, or NULL when the batch has no room for it.
 */
static __memwell_hot void *memwell_batch_put(struct memwell_ring *r,
					     struct memwell_batch *b, __u64 len)
{
	const struct __memwell_geo g = __memwell_geo(r);
	__u64 blocks = __memwell_geo_rec_blocks(&g, len);
	__u64 pos = b->span.pos + b->used;
	struct memwell_rec_hdr *h;

	if (!len || len > r->rec_max || blocks > b->span.n - b->used)
		return NULL;
	h = (struct memwell_rec_hdr *)__memwell_geo_block(&g, pos);
	__memwell_write_once(&h->len, (__u32)len);
	__memwell_write_once(&h->flags, 0U);
	b->used += blocks;
	b->records++;
	return (unsigned char *)(h + 1);
}

/**
 * memwell_batch_commit() - publish every record put in a batch
 * @r: the ring
 * @b: the batch
 *
 * Blocks left over are given back when this producer alone reserves and
 * nobody reserved after it; otherwise they become one padding record.
 *
 * Return: records published, or -EINVAL.
 */
static __memwell_hot int memwell_batch_commit(struct memwell_ring *r,
					      struct memwell_batch *b)
{
	struct memwell_side *self = r->side[MEMWELL_SIDE_PROD];
	__u64 end = b->span.pos + b->span.n;
	__u64 tail = b->span.n - b->used;
	int err;

	if (tail && !__memwell_side_multi(r, MEMWELL_SIDE_PROD) &&
	    __memwell_read_once(&self->reserve_pos) == end) {
		__memwell_write_once(&self->reserve_pos, end - tail);
		b->span.n -= tail;
		tail = 0;
	}
	if (tail)
		__memwell_rec_set_hdr(r, b->span.pos + b->used,
				      (__u32)((tail << r->block_shift) -
					      MEMWELL_REC_HDR_SIZE),
				      MEMWELL_REC_PAD);
	if (!b->span.n)
		return 0;
	err = memwell_release(r, MEMWELL_SIDE_PROD, &b->span);
	return err ? err : (int)b->records;
}

#endif /* _MEMWELL_BATCH_H */
