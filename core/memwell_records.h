/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell core, records: variable-length records over the blocks of a
 * records ring (MEMWELL_F_RECORDS).  A producer reserves a record, fills
 * it and commits or discards it; a consumer peeks at the next record and
 * releases it, or copies it out with memwell_rec_read().
 */
#ifndef _MEMWELL_RECORDS_H
#define _MEMWELL_RECORDS_H

#include "memwell_blocks.h"

/* A record handed out by memwell_rec_reserve() or memwell_rec_peek(). */
struct memwell_rec {
	void *data;			/* payload, len bytes, contiguous */
	__u32 len;
	__u32 flags;
	struct memwell_span span;	/* the blocks to commit or release */
};

/*
 * Take up to @max_recs published records: sp covers them (and the skipped
 * records among and before them), first tells where the first one is
 * (blocks from sp->pos) and its length.  @max_hdrs, if not 0, bounds the
 * headers read (-EAGAIN once spent on skipped records alone).  Returns
 * the records taken.
 */
static __memwell_hot int __memwell_take(struct memwell_ring *r, __u32 max_recs,
					__u64 max_blocks, __u64 max_len,
					__u32 max_hdrs, struct memwell_span *sp,
					struct memwell_span *first)
{
	struct __memwell_recs w;
	int n;

	if (unlikely(!(r->flags & MEMWELL_F_RECORDS) || !max_recs || !max_blocks))
		return -EINVAL;
	if (unlikely(!(r->access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS))))
		return -EPERM;
	w.max_blocks = max_blocks;
	w.max_len = max_len;
	w.max_recs = max_recs;
	w.found = 0;
	w.first.pos = 0;
	w.first.n = 0;
	w.max_hdrs = max_hdrs;
	w.hdrs = 0;
	/* min = max = 1: the cached limit serves while it shows any block. */
	if (__memwell_side_multi(r, MEMWELL_SIDE_CONS))
		n = __memwell_claim(r, MEMWELL_SIDE_CONS, true, 1, 1, &w, sp);
	else
		n = __memwell_claim(r, MEMWELL_SIDE_CONS, false, 1, 1, &w, sp);
	*first = w.first;
	return n;
}

/**
 * memwell_rec_reserve() - reserve room for one record of @len bytes
 * @r: a records ring
 * @len: payload bytes, 1 .. capacity - 8
 * @rec: the record; write @len bytes at rec->data, then commit or discard
 *
 * The record's header is written here, in blocks that are ours until the
 * commit publishes them: the commit is then a release alone.
 *
 * Return: 0, -EAGAIN (full), -EBUSY, -EMSGSIZE, -EINVAL or -EIO.
 */
static __memwell_hot int memwell_rec_reserve(struct memwell_ring *r, __u64 len,
					     struct memwell_rec *rec)
{
	struct memwell_rec_hdr *h;
	__u64 blocks;
	int n;

	/* rec_max is 0 unless the ring holds records: one test for three. */
	if (unlikely(len - 1 >= r->rec_max))
		return !(r->flags & MEMWELL_F_RECORDS) || !len ? -EINVAL : -EMSGSIZE;
	blocks = memwell_rec_blocks(r, len);
	if (likely(r->fast & __MEMWELL_FAST_SIDE(MEMWELL_SIDE_PROD))) {
		/* memwell_reserve()'s fast path, the record's size known >= 1. */
		struct memwell_side *self = r->side[MEMWELL_SIDE_PROD];
		__u64 pos = __memwell_read_once(&self->reserve_pos);
		__u64 avail = __memwell_read_once(&self->limit_cache) - pos;

		if (likely(blocks <= avail && avail <= r->count)) {
			__memwell_write_once(&self->reserve_pos, pos + blocks);
			rec->span.pos = pos;
			rec->span.n = blocks;
			goto got;
		}
	}
	if (r->fast & __MEMWELL_FAST_REC_MULTI(MEMWELL_SIDE_PROD)) {
		/* The claim step's first try: (A) against the other owners. */
		struct memwell_side *self = r->side[MEMWELL_SIDE_PROD];
		__u64 pos = __memwell_read_once(&self->reserve_pos);
		__u64 avail = __memwell_load_acquire(&self->limit_cache) - pos;

		if (likely(blocks <= avail && avail <= r->count &&
			   __memwell_cmpxchg(&self->reserve_pos, &pos, pos + blocks))) {
			rec->span.pos = pos;
			rec->span.n = blocks;
			goto got;
		}
	}
	n = memwell_reserve(r, MEMWELL_SIDE_PROD, blocks, blocks, &rec->span);
	if (unlikely(n < 0))
		return n;
got:
	h = (struct memwell_rec_hdr *)memwell_block(r, rec->span.pos);
	__memwell_write_once(&h->len, (__u32)len);
	__memwell_write_once(&h->flags, 0U);
	rec->data = h + 1;
	rec->len = (__u32)len;
	rec->flags = 0;
	return 0;
}

/* Publish a reserved record (its header was written by the reserve). */
static __memwell_hot int memwell_rec_commit(struct memwell_ring *r,
					    const struct memwell_rec *rec)
{
	return memwell_release(r, MEMWELL_SIDE_PROD, &rec->span);
}

/* Give a reserved record back unpublished: consumers skip it. */
static __memwell_hot int memwell_rec_discard(struct memwell_ring *r,
					     const struct memwell_rec *rec)
{
	__memwell_rec_set_hdr(r, rec->span.pos, rec->len, MEMWELL_REC_DISCARD);
	return memwell_release(r, MEMWELL_SIDE_PROD, &rec->span);
}

/* Copy @len bytes in as one record. */
static __memwell_hot int memwell_rec_write(struct memwell_ring *r, const void *buf,
					   __u64 len)
{
	struct memwell_rec rec;
	int err = memwell_rec_reserve(r, len, &rec);

	if (err)
		return err;
	__memwell_memcpy(rec.data, buf, len);
	return memwell_rec_commit(r, &rec);
}

/*
 * Take one record: rec describes it, rec->span covers it and the skipped
 * records before it.  The header was checked by the scan; not read again.
 */
static __memwell_hot int __memwell_rec_take_any(struct memwell_ring *r, __u64 max_len,
						__u32 max_hdrs, struct memwell_rec *rec)
{
	const struct memwell_rec_hdr *hdr;
	struct memwell_span sp, first;
	int n = __memwell_take(r, 1, r->count, max_len, max_hdrs, &sp, &first);

	if (n < 0)
		return n;
	hdr = (const struct memwell_rec_hdr *)memwell_block(r, sp.pos + first.pos);
	rec->data = (unsigned char *)hdr + MEMWELL_REC_HDR_SIZE;
	rec->len = (__u32)first.n;
	/* Informational (MEMWELL_REC_LOST): the scan checked len, which matters. */
	rec->flags = __memwell_read_once(&hdr->flags) & MEMWELL_REC_FLAGS;
	rec->span = sp;
	return 0;
}

/*
 * Take one record, the claim step's first try without its loop: a plain
 * record (no flag but MEMWELL_REC_LOST, a length, within what is
 * published and @max_len) at the consumers' position is taken here, with
 * the checks of the claim and the scan made once each.  Returns 1 when
 * anything else (empty, a skipped record, a bad header, a stale position,
 * a lost race) leaves it to the general way, which reads everything
 * again.  Always inlined with a constant @multi.
 */
static __memwell_hot int __memwell_rec_take_first(struct memwell_ring *r, const bool multi,
						  __u64 max_len, struct memwell_rec *rec)
{
	struct memwell_side *self = r->side[MEMWELL_SIDE_CONS];
	const __u64 count = r->count;
	__u64 pos = __memwell_read_once(&self->reserve_pos);
	__u64 cached = multi ? __memwell_load_acquire(&self->limit_cache) :
			       __memwell_read_once(&self->limit_cache);
	__u64 avail = cached - pos;
	struct memwell_rec_hdr *h;
	__u64 blocks;
	__u32 len, flags;

	if (avail - 1 >= count) {
		/* Nothing cached (or a wild cache): (D), a fresh look. */
		__u64 lim = __memwell_side_fetch_limit(r, MEMWELL_SIDE_CONS);

		avail = lim - pos;
		if (unlikely(avail - 1 >= count))
			return 1;	/* empty, corrupt or stale */
		if (!multi)
			__memwell_write_once(&self->limit_cache, lim);
		else if ((__s64)(lim - cached) > 0)
			__memwell_store_release(&self->limit_cache, lim);
	}
	h = (struct memwell_rec_hdr *)memwell_block(r, pos);
	len = __memwell_read_once(&h->len);
	flags = __memwell_read_once(&h->flags);
	blocks = memwell_rec_blocks(r, len);
	if (unlikely((flags & ~MEMWELL_REC_LOST) || !len || blocks > avail ||
		     len > max_len))
		return 1;
	if (multi) {
		/* (A); a stale pos (recycled header) fails here too. */
		if (unlikely(!__memwell_cmpxchg(&self->reserve_pos, &pos, pos + blocks)))
			return 1;
	} else {
		__memwell_write_once(&self->reserve_pos, pos + blocks);
	}
	rec->data = h + 1;
	rec->len = len;
	rec->flags = flags;
	rec->span.pos = pos;
	rec->span.n = blocks;
	return 0;
}

/*
 * Take one record: the first try, then the general way.  @max_hdrs, if
 * not 0, bounds the headers the general way reads (the first try reads
 * the first of them).
 */
static __memwell_hot int __memwell_rec_take(struct memwell_ring *r, __u64 max_len,
					    __u32 max_hdrs, struct memwell_rec *rec)
{
	if (likely(r->fast & __MEMWELL_FAST_REC(MEMWELL_SIDE_CONS))) {
		if (likely(!__memwell_rec_take_first(r, false, max_len, rec)))
			return 0;
	} else if (r->fast & __MEMWELL_FAST_REC_MULTI(MEMWELL_SIDE_CONS)) {
		if (likely(!__memwell_rec_take_first(r, true, max_len, rec)))
			return 0;
	}
	return __memwell_rec_take_any(r, max_len, max_hdrs, rec);
}

/**
 * memwell_rec_peek() - take the next published record
 * @r: a records ring
 * @rec: the record; rec->span covers it and any skipped records before it
 *
 * Return: 0, -EAGAIN (empty), -EBUSY, -EINVAL, -EIO.
 */
static __memwell_hot int memwell_rec_peek(struct memwell_ring *r,
					  struct memwell_rec *rec)
{
	return __memwell_rec_take(r, ~0ULL, 0, rec);
}

/*
 * memwell_rec_peek() reading @max_hdrs record headers at most (>= 1):
 * -EAGAIN once they were skipped records alone (taken; the next call goes
 * on after them).  For the kernel, on headers a process wrote.
 */
static __memwell_hot int __memwell_rec_peek_max(struct memwell_ring *r,
						struct memwell_rec *rec,
						__u32 max_hdrs)
{
	return __memwell_rec_take(r, ~0ULL, max_hdrs, rec);
}

/* Give a peeked record's blocks back to the producers. */
static __memwell_hot int memwell_rec_release(struct memwell_ring *r,
					     const struct memwell_rec *rec)
{
	return memwell_release(r, MEMWELL_SIDE_CONS, &rec->span);
}

/**
 * memwell_rec_read() - copy the next record out and release it
 * @r: a records ring
 * @buf: destination
 * @size: bytes at @buf; a longer record gives -EMSGSIZE and stays queued
 *
 * Return: the record's length, or a negative errno as memwell_rec_peek().
 */
static __memwell_hot long memwell_rec_read(struct memwell_ring *r, void *buf,
					   __u64 size)
{
	struct memwell_rec rec;
	int err = __memwell_rec_take(r, size, 0, &rec);

	if (err)
		return err;
	/*
	 * Always true (the take refused a record longer than @size, and a
	 * record has a byte at least), but said: with the fast path inlined,
	 * a caller's memwell_rec_read(r, NULL, 0) (a test for emptiness)
	 * would otherwise look like a copy to NULL to the compiler.
	 */
	if (likely(rec.len - 1U < size))
		__memwell_memcpy(buf, rec.data, rec.len);
	err = memwell_rec_release(r, &rec);
	return err ? err : (long)rec.len;
}

#endif /* _MEMWELL_RECORDS_H */
