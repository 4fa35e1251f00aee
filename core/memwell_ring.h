/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell ring core: lock-free block reservation and variable-length
 * records over the layout of memwell.h.  The same source is compiled in
 * the kernel (memwell.ko) and in user space (libmemwell); memwell_shim.h
 * maps its few primitives onto each world.
 *
 * Every call is bounded: a full ring, an empty ring or lost races return a
 * negative errno at once and never wait for another participant.
 *
 *   -EAGAIN   nothing to do now: the ring was seen full (producer) or empty
 *             (consumer) after a fresh look at the peer's position
 *   -EBUSY    multi-owner side only: MEMWELL_CAS_TRIES reservations by other
 *             owners won the race during this call; retry at once
 *   -EMSGSIZE the request can never fit (larger than the ring, or a record
 *             larger than the caller's buffer)
 *   -EINVAL   bad argument (zero length, wrong mode, span not held)
 *   -EPERM    this participant may not act on that side (only the kernel
 *             produces or consumes on this ring)
 *   -EIO      the shared state is corrupt: a position or record header in
 *             shared memory is out of range.  Nothing outside the ring was
 *             touched.
 *
 * Shared state is never trusted to decide where memory is touched: every
 * position difference is checked against the private block count, every
 * block index is masked, and no loop bound is read from shared memory.
 * The protocol and its barrier pairing are in docs/ring-protocol.md; the
 * labels (A) to (F) below refer to it.
 */
#ifndef _MEMWELL_RING_H
#define _MEMWELL_RING_H

#include "memwell.h"
#include "memwell_shim.h"

/* Lost reservation races tolerated in one call before -EBUSY. */
#define MEMWELL_CAS_TRIES	64U
/* Released spans one sweep publishes at most (see __memwell_side_sweep()). */
#define MEMWELL_SWEEP_MAX	1024U
#define MEMWELL_REC_HDR_SIZE	((__u32)sizeof(struct memwell_rec_hdr))
/* Records rings are at most 2 GiB of data, so any record length fits a __u32. */
#define MEMWELL_REC_DATA_SHIFT_MAX	31U

/*
 * Sides are the ABI's MEMWELL_SIDE_PROD (0) and MEMWELL_SIDE_CONS (1), used
 * as array indexes here; access masks (struct memwell_ring.access) have one
 * MEMWELL_SIDE_BIT() per side this participant may write.
 */
#define MEMWELL_SIDE_BIT(s)	(1U << (s))
/* The other side of side @s. */
#define MEMWELL_SIDE_PEER(s)	((s) ^ 1U)

/* Where each region lies in a mapping; computed, never read from a header. */
struct memwell_layout {
	__u32 flags;
	__u32 block_shift;
	__u32 count_shift;
	__u32 page_shift;
	__u64 prod_offset;
	__u64 prod_size;
	__u64 cons_offset;
	__u64 cons_size;
	__u64 data_offset;
	__u64 data_size;
	__u64 total_size;	/* includes the second data mapping */
};

/*
 * A participant's private view of a ring.  It lives in private memory and
 * holds validated copies of the geometry; the core never re-reads geometry
 * from shared memory.
 */
struct memwell_ring {
	struct memwell_side *side[2];	/* indexed by unsigned int */
	__u64 *marks[2];		/* NULL for a single-owner side */
	unsigned char *data;		/* 2 * data_size bytes are mapped */
	__u64 count;			/* blocks */
	__u64 mask;			/* count - 1 */
	__u64 rec_max;			/* largest record payload */
	__u32 block_shift;
	__u32 flags;			/* MEMWELL_F_* */
	__u32 access;			/* MEMWELL_SIDE_BIT() of each writable side */
	__u32 pad;
	/*
	 * Wake protocol (docs/wake-protocol.md), NULL in local mode: called
	 * after a release when participants of side @sleepers announced they
	 * sleep.  It must not sleep itself.
	 */
	void (*kick)(struct memwell_ring *r, unsigned int sleepers);
	void *owner;			/* for @kick */
};

/* Blocks [pos, pos + n) reserved by one call. */
struct memwell_span {
	__u64 pos;
	__u64 n;
};

/* A record handed out by memwell_rec_reserve() or memwell_rec_peek(). */
struct memwell_rec {
	void *data;			/* payload, len bytes, contiguous */
	__u32 len;
	__u32 flags;
	struct memwell_span span;	/* the blocks to commit or release */
};

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

/* ---- geometry ---- */

static __memwell_hot __u64 __memwell_round_up(__u64 x, __u64 align)
{
	return (x + align - 1) & ~(align - 1);
}

/**
 * memwell_layout_compute() - where a ring's regions go in its mapping
 * @flags: MEMWELL_F_*
 * @block_shift: log2 of the block size
 * @count_shift: log2 of the block count
 * @page_shift: log2 of the page size of the mapping
 * @l: filled on success
 *
 * Return: 0, or -EINVAL for unknown flags or a geometry out of range.
 */
static inline int memwell_layout_compute(__u32 flags, __u32 block_shift,
					 __u32 count_shift, __u32 page_shift,
					 struct memwell_layout *l)
{
	__u32 data_shift = block_shift + count_shift;
	__u64 page = 1ULL << (page_shift & 31);
	__u64 count = 1ULL << (count_shift & 31);

	if (flags & ~MEMWELL_F_ALL)
		return -EINVAL;
	if (page_shift < 12 || page_shift > 21)
		return -EINVAL;
	if (block_shift < MEMWELL_BLOCK_SHIFT_MIN ||
	    block_shift > MEMWELL_BLOCK_SHIFT_MAX ||
	    count_shift < MEMWELL_COUNT_SHIFT_MIN ||
	    count_shift > MEMWELL_COUNT_SHIFT_MAX)
		return -EINVAL;
	if (data_shift < page_shift || data_shift > MEMWELL_DATA_SHIFT_MAX)
		return -EINVAL;
	if ((flags & MEMWELL_F_RECORDS) && data_shift > MEMWELL_REC_DATA_SHIFT_MAX)
		return -EINVAL;

	l->flags = flags;
	l->block_shift = block_shift;
	l->count_shift = count_shift;
	l->page_shift = page_shift;
	l->prod_offset = page;
	l->prod_size = __memwell_round_up(MEMWELL_SIDE_SIZE +
			((flags & MEMWELL_F_PROD_MULTI) ? count * 8 : 0), page);
	l->cons_offset = l->prod_offset + l->prod_size;
	l->cons_size = __memwell_round_up(MEMWELL_SIDE_SIZE +
			((flags & MEMWELL_F_CONS_MULTI) ? count * 8 : 0), page);
	l->data_offset = l->cons_offset + l->cons_size;
	l->data_size = 1ULL << data_shift;
	l->total_size = l->data_offset + 2 * l->data_size;
	return 0;
}

/**
 * memwell_ring_view() - build a private view of a ring from a trusted layout
 * @r: the view
 * @base: start of the mapping (header page); data mapped twice at its offset
 * @l: layout the caller computed (never one read from shared memory)
 * @access: MEMWELL_SIDE_BIT() of each side this participant may write
 */
static inline void memwell_ring_view(struct memwell_ring *r, void *base,
				     const struct memwell_layout *l, __u32 access)
{
	unsigned char *b = (unsigned char *)base;
	int multi_prod = !!(l->flags & MEMWELL_F_PROD_MULTI);
	int multi_cons = !!(l->flags & MEMWELL_F_CONS_MULTI);

	r->side[MEMWELL_SIDE_PROD] = (struct memwell_side *)(b + l->prod_offset);
	r->side[MEMWELL_SIDE_CONS] = (struct memwell_side *)(b + l->cons_offset);
	r->marks[MEMWELL_SIDE_PROD] = multi_prod ?
		(__u64 *)(b + l->prod_offset + MEMWELL_SIDE_SIZE) : NULL;
	r->marks[MEMWELL_SIDE_CONS] = multi_cons ?
		(__u64 *)(b + l->cons_offset + MEMWELL_SIDE_SIZE) : NULL;
	r->data = b + l->data_offset;
	r->count = 1ULL << l->count_shift;
	r->mask = r->count - 1;
	r->block_shift = l->block_shift;
	r->flags = l->flags;
	r->access = access;
	r->pad = 0;
	r->kick = NULL;
	r->owner = NULL;
	r->rec_max = (l->flags & MEMWELL_F_RECORDS) ?
		l->data_size - MEMWELL_REC_HDR_SIZE : 0;
}

/**
 * memwell_ring_format() - initialise every shared field of a new ring
 * @base: the mapping (header page first); data need not be cleared
 * @l: its layout
 *
 * Writes the header and zeroes both control areas and their marks, so no
 * participant ever reads an uninitialised position.  Call before sharing.
 */
static inline void memwell_ring_format(void *base, const struct memwell_layout *l)
{
	unsigned char *b = (unsigned char *)base;
	struct memwell_ring_hdr *h = (struct memwell_ring_hdr *)b;

	memset(b, 0, l->data_offset);
	h->magic = MEMWELL_MAGIC;
	h->abi_version = MEMWELL_ABI_VERSION;
	h->flags = l->flags;
	h->block_shift = l->block_shift;
	h->count_shift = l->count_shift;
	h->page_shift = l->page_shift;
	h->prod_offset = l->prod_offset;
	h->cons_offset = l->cons_offset;
	h->data_offset = l->data_offset;
	h->total_size = l->total_size;
}

/**
 * memwell_ring_attach() - validate a ring's header and build a view of it
 * @r: the view
 * @base: the mapping
 * @map_size: bytes mapped at @base (data twice included)
 * @access: MEMWELL_SIDE_BIT() of each side this participant may write
 *
 * The header is read once; the layout is recomputed from the geometry and
 * every offset in the header must match it.
 *
 * Return: 0; -EINVAL for a bad magic, version, geometry, reserved field or
 * offset; -EMSGSIZE if the mapping is smaller than the ring.
 */
static inline int memwell_ring_attach(struct memwell_ring *r, void *base,
				      __u64 map_size, __u32 access)
{
	const struct memwell_ring_hdr *h = (const struct memwell_ring_hdr *)base;
	struct memwell_layout l;
	unsigned int i;
	int err;

	if (map_size < sizeof(*h))
		return -EMSGSIZE;
	if (__memwell_read_once(&h->magic) != MEMWELL_MAGIC ||
	    __memwell_read_once(&h->abi_version) != MEMWELL_ABI_VERSION)
		return -EINVAL;
	for (i = 0; i < MEMWELL_HDR_RESERVED; i++)
		if (__memwell_read_once(&h->reserved[i]))
			return -EINVAL;
	err = memwell_layout_compute(__memwell_read_once(&h->flags),
				     __memwell_read_once(&h->block_shift),
				     __memwell_read_once(&h->count_shift),
				     __memwell_read_once(&h->page_shift), &l);
	if (err)
		return err;
	if (__memwell_read_once(&h->prod_offset) != l.prod_offset ||
	    __memwell_read_once(&h->cons_offset) != l.cons_offset ||
	    __memwell_read_once(&h->data_offset) != l.data_offset ||
	    __memwell_read_once(&h->total_size) != l.total_size)
		return -EINVAL;
	if (map_size < l.total_size)
		return -EMSGSIZE;
	memwell_ring_view(r, base, &l, access);
	return 0;
}

static __memwell_hot __u64 memwell_block_size(const struct memwell_ring *r)
{
	return 1ULL << r->block_shift;
}

/* Address of the block at @pos; up to count blocks from it are contiguous. */
static __memwell_hot void *memwell_block(const struct memwell_ring *r, __u64 pos)
{
	return r->data + ((pos & r->mask) << r->block_shift);
}

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
 * __memwell_side_sweep() - publish released spans of a multi-owner side
 * @r: the ring
 * @s: a multi-owner side this participant may write
 *
 * Spans of a multi-owner side are released out of order: each releaser
 * marks its span's first block with the span's end position (E), and a
 * sweeper moves release_pos over every run of marked spans, one cmpxchg a
 * span (F).  A mark m at position p is current exactly when p < m <= p +
 * count: a mark left from an earlier lap is <= p, and no later lap can be
 * marked before release_pos passes p.  At most MEMWELL_SWEEP_MAX spans are
 * published per call; whoever next releases, or a peer that finds the ring
 * empty or full, sweeps on.
 *
 * Return: true if release_pos moved.
 */
static inline bool __memwell_side_sweep(struct memwell_ring *r,
					unsigned int s)
{
	struct memwell_side *self = r->side[s];
	__u64 *marks = r->marks[s];
	__u64 rel = __memwell_load_sc(&self->release_pos);
	bool moved = false;
	unsigned int i;

	for (i = 0; i < MEMWELL_SWEEP_MAX; i++) {
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
 */
static __memwell_hot void __memwell_wake_peer(struct memwell_ring *r,
					      unsigned int s)
{
	unsigned int peer = MEMWELL_SIDE_PEER(s);

	if (!r->kick)
		return;
	__memwell_smp_mb();
	if (__memwell_read_once(&r->side[peer]->waiters))
		r->kick(r, peer);
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
	/*
	 * (F) In order (the common case): nothing before the span is pending,
	 * so publish it at once with no mark, then sweep what later spans
	 * marked meanwhile.  Nobody else can move release_pos past sp->pos
	 * without our mark, so the cmpxchg fails exactly when we are not first.
	 */
	rel = sp->pos;
	if (!__memwell_cmpxchg(&self->release_pos, &rel, sp->pos + sp->n)) {
		/*
		 * (E) Out of order: mark the span released.  The full barrier
		 * orders the mark before the sweep's load of release_pos: either
		 * we see the cmpxchg that reached sp->pos, or its sweeper sees
		 * our mark.
		 */
		__memwell_store_mb(&r->marks[s][sp->pos & r->mask], sp->pos + sp->n);
	}
	__memwell_side_sweep(r, s);
	__memwell_wake_peer(r, s);
	return 0;
}

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

/* ---- record headers ---- */

static __memwell_hot __u64 memwell_rec_blocks(const struct memwell_ring *r, __u64 len)
{
	return (MEMWELL_REC_HDR_SIZE + len + (1ULL << r->block_shift) - 1) >>
		r->block_shift;
}

static __memwell_hot void __memwell_rec_set_hdr(struct memwell_ring *r, __u64 pos,
						__u32 len, __u32 flags)
{
	struct memwell_rec_hdr *h = (struct memwell_rec_hdr *)memwell_block(r, pos);

	__memwell_write_once(&h->len, len);
	__memwell_write_once(&h->flags, flags);
}

/*
 * Read and check the record header at @pos, with @room blocks published
 * from @pos on.  Returns the record's blocks, or 0 if the header is not a
 * record that fits.
 */
static __memwell_hot __u64 __memwell_rec_check(const struct memwell_ring *r, __u64 pos,
					       __u64 room, __u32 *len, __u32 *flags)
{
	const struct memwell_rec_hdr *h =
		(const struct memwell_rec_hdr *)memwell_block(r, pos);
	__u64 blocks;

	*len = __memwell_read_once(&h->len);
	*flags = __memwell_read_once(&h->flags);
	if (*flags & ~MEMWELL_REC_FLAGS)
		return 0;
	if (!*len && !(*flags & MEMWELL_REC_PAD))
		return 0;
	blocks = memwell_rec_blocks(r, *len);
	return blocks <= room ? blocks : 0;
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
};

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
	const __u64 max_blocks = w->max_blocks, max_len = w->max_len;
	const __u32 max_recs = w->max_recs;
	__u64 used = 0, taken = 0;
	__u32 found = 0;

	/* Each step consumes >= 1 of the private bound @room. */
	while (used < room && found < max_recs) {
		__u32 len, flags;
		__u64 b = __memwell_rec_check(r, pos + used, room - used, &len, &flags);

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
 *     claimed are those of the records __memwell_rec_scan() finds
 * @sp: the claimed span on success
 *
 * The limit cache spares the peer's line: it is read again only when the
 * cache promises too little.  A multi-owner side claims with a cmpxchg (A)
 * and publishes a fresher limit with a release store that pairs with the
 * other owners' acquire; a single owner stores both plainly.  Always
 * inlined, so that with constant @multi and @w each caller gets only its
 * own branches.
 *
 * Return: blocks claimed (records: records taken, >= 1), or -EAGAIN,
 * -EBUSY, -EMSGSIZE (records), -EIO.
 */
static __memwell_hot int __memwell_claim(struct memwell_ring *r, unsigned int s,
					 const bool multi, __u64 min, __u64 max,
					 struct __memwell_recs *w,
					 struct memwell_span *sp)
{
	struct memwell_side *self = r->side[s];
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
		if (unlikely(avail < max || avail > r->count)) {
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
			if (unlikely(avail > r->count)) {
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
			long got = __memwell_rec_scan(r, pos, avail, w);

			if (got < 0) {
				/* A stale pos reads recycled blocks: only then retry. */
				__u64 now = multi ?
					__memwell_read_once(&self->reserve_pos) : pos;

				if (now == pos)
					return (int)got;
				pos = now;
				continue;
			}
			n = (__u64)got;
			if (!multi && !w->found &&
			    __memwell_read_once(&self->release_pos) != pos) {
				/*
				 * Only skipped records, behind records we hold:
				 * they go with the next real record.  Is one
				 * published past what the cache said?
				 */
				lim = __memwell_side_fetch_limit(r, s);
				if (lim - pos > avail && lim - pos <= r->count &&
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
			if (!__memwell_cmpxchg(&self->reserve_pos, &pos, pos + n))
				continue;
		} else {
			__memwell_write_once(&self->reserve_pos, pos + n);
		}
		sp->pos = pos;
		sp->n = n;
		if (!w)
			return (int)n;
		if (w->found)
			return (int)w->found;
		/* Only skipped records: give them back and look again. */
		memwell_release(r, s, sp);
		pos = __memwell_read_once(&self->reserve_pos);
	}
	return -EBUSY;
}

/*
 * Take up to @max_recs published records: sp covers them (and the skipped
 * records among and before them), first tells where the first one is
 * (blocks from sp->pos) and its length.  Returns the records taken.
 */
static __memwell_hot int __memwell_take(struct memwell_ring *r, __u32 max_recs,
					__u64 max_blocks, __u64 max_len,
					struct memwell_span *sp,
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
	/* min = max = 1: the cached limit serves while it shows any block. */
	if (__memwell_side_multi(r, MEMWELL_SIDE_CONS))
		n = __memwell_claim(r, MEMWELL_SIDE_CONS, true, 1, 1, &w, sp);
	else
		n = __memwell_claim(r, MEMWELL_SIDE_CONS, false, 1, 1, &w, sp);
	*first = w.first;
	return n;
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

/* Blocks the consumers may reserve now (0 when empty or corrupt). */
static __memwell_hot __u64 memwell_ready_blocks(const struct memwell_ring *r)
{
	__u64 n = __memwell_load_acquire(&r->side[MEMWELL_SIDE_PROD]->release_pos) -
		  __memwell_read_once(&r->side[MEMWELL_SIDE_CONS]->reserve_pos);

	return n <= r->count ? n : 0;
}

/* Blocks the producers may reserve now (0 when full or corrupt). */
static __memwell_hot __u64 memwell_free_blocks(const struct memwell_ring *r)
{
	__u64 n = __memwell_load_acquire(&r->side[MEMWELL_SIDE_CONS]->release_pos) +
		  r->count - __memwell_read_once(&r->side[MEMWELL_SIDE_PROD]->reserve_pos);

	return n <= r->count ? n : 0;
}

/* ---- records ---- */

/**
 * memwell_rec_reserve() - reserve room for one record of @len bytes
 * @r: a records ring
 * @len: payload bytes, 1 .. capacity - 8
 * @rec: the record; write @len bytes at rec->data, then commit or discard
 *
 * Return: 0, -EAGAIN (full), -EBUSY, -EMSGSIZE, -EINVAL or -EIO.
 */
static __memwell_hot int memwell_rec_reserve(struct memwell_ring *r, __u64 len,
					     struct memwell_rec *rec)
{
	__u64 blocks;
	int n;

	if (unlikely(!(r->flags & MEMWELL_F_RECORDS) || !len))
		return -EINVAL;
	if (unlikely(len > r->rec_max))
		return -EMSGSIZE;
	blocks = memwell_rec_blocks(r, len);
	n = memwell_reserve(r, MEMWELL_SIDE_PROD, blocks, blocks, &rec->span);
	if (n < 0)
		return n;
	rec->data = (unsigned char *)memwell_block(r, rec->span.pos) +
		    MEMWELL_REC_HDR_SIZE;
	rec->len = (__u32)len;
	rec->flags = 0;
	return 0;
}

/* Publish a reserved record. */
static __memwell_hot int memwell_rec_commit(struct memwell_ring *r,
					    const struct memwell_rec *rec)
{
	__memwell_rec_set_hdr(r, rec->span.pos, rec->len, 0);
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
	if (n > 0)
		b->records = (__u32)n;
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
	while (b->used < b->span.n) {
		__u64 pos = b->span.pos + b->used;
		__u32 len, flags;
		__u64 blocks = __memwell_rec_check(r, pos, b->span.n - b->used,
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

/*
 * Take one record: rec describes it, rec->span covers it and the skipped
 * records before it.  The header was checked by the scan; not read again.
 */
static __memwell_hot int __memwell_rec_take(struct memwell_ring *r, __u64 max_len,
					    struct memwell_rec *rec)
{
	const struct memwell_rec_hdr *hdr;
	struct memwell_span sp, first;
	int n = __memwell_take(r, 1, r->count, max_len, &sp, &first);

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
	return __memwell_rec_take(r, ~0ULL, rec);
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
	int err = __memwell_rec_take(r, size, &rec);

	if (err)
		return err;
	__memwell_memcpy(buf, rec.data, rec.len);
	err = memwell_rec_release(r, &rec);
	return err ? err : (long)rec.len;
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

#endif /* _MEMWELL_RING_H */
