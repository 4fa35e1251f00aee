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
	struct memwell_span first;
	int n;

	b->span.pos = 0;
	b->span.n = 0;
	b->used = 0;
	b->records = 0;
	n = __memwell_take(r, max_recs, max_blocks, max_len, &b->span, &first);
	b->records = n > 0 ? (__u32)n : 0;
	return n;
}

/**
 * memwell_batch_next() - the next record of a taken batch
 * @r: the ring
 * @b: a batch from memwell_batch_take()
 * @rec: the record (rec->span is the record's own blocks, for information)
 *
 * Return: 0, -ENOENT at the end of the batch, -EIO if a header changed.
 */
static __memwell_hot int memwell_batch_next(const struct memwell_ring *r,
					    struct memwell_batch *b,
					    struct memwell_rec *rec)
{
	const struct __memwell_geo g = __memwell_geo(r);

	while (b->used < b->span.n) {
		__u64 pos = b->span.pos + b->used;
		__u32 len, flags;
		__u64 blocks = __memwell_rec_check(&g, pos, b->span.n - b->used,
						 &len, &flags);

		if (!blocks)
			return -EIO;
		b->used += blocks;
		if (flags & MEMWELL_REC_SKIP)
			continue;
		rec->data = (unsigned char *)memwell_block(r, pos) +
			    MEMWELL_REC_HDR_SIZE;
		rec->len = len;
		rec->flags = flags;
		rec->span.pos = pos;
		rec->span.n = blocks;
		return 0;
	}
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
	__u64 blocks = memwell_rec_blocks(r, len);
	__u64 pos = b->span.pos + b->used;

	if (!len || len > r->rec_max || blocks > b->span.n - b->used)
		return NULL;
	__memwell_rec_set_hdr(r, pos, (__u32)len, 0);
	b->used += blocks;
	b->records++;
	return (unsigned char *)memwell_block(r, pos) + MEMWELL_REC_HDR_SIZE;
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
