/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell core, layout: a participant's private view of a ring, and where
 * everything lies in the mapping: the regions (computed from the geometry,
 * never read from a header), the blocks, and the record headers in them.
 * Part of the ring core (memwell_ring.h), compiled in the kernel and in
 * user space alike.
 */
#ifndef _MEMWELL_LAYOUT_H
#define _MEMWELL_LAYOUT_H

#include "memwell.h"
#include "memwell_shim.h"

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
	struct memwell_side *side[2];	/* indexed by MEMWELL_SIDE_* */
	__u64 *marks[2];		/* NULL for a single-owner side */
	unsigned char *data;		/* 2 * data_size bytes are mapped */
	__u64 count;			/* blocks */
	__u64 mask;			/* count - 1 */
	__u64 rec_max;			/* largest record payload */
	__u32 block_shift;
	__u32 flags;			/* MEMWELL_F_* */
	__u32 access;			/* MEMWELL_SIDE_BIT() of each writable side */
	__u32 rec_round;		/* block size - 1 + record header */
	/*
	 * Wake protocol (docs/wake-protocol.md), NULL in local mode: called
	 * after a release when participants of side @sleepers announced they
	 * sleep.  It must not sleep itself.
	 */
	void (*kick)(struct memwell_ring *r, unsigned int sleepers);
	void *owner;			/* for @kick */
	/*
	 * __MEMWELL_FAST_*: what the fast path may assume, derived from
	 * flags and access by memwell_ring_view() so that one test replaces
	 * three.  At the end, so that code built against an older view still
	 * finds every other field where it was.
	 */
	__u32 fast;
	__u32 pad;
};

/* Side @s is single-owner and this participant may write it. */
#define __MEMWELL_FAST_SIDE(s)	(1U << (s))
/* The same, on a records ring. */
#define __MEMWELL_FAST_REC(s)	(4U << (s))
/* Side @s is multi-owner, this participant may write it, records ring. */
#define __MEMWELL_FAST_REC_MULTI(s)	(16U << (s))
/* Side @s is multi-owner and this participant may write it. */
#define __MEMWELL_FAST_MULTI(s)		(64U << (s))

/*
 * Every layout claim of memwell.h, checked wherever the core is compiled
 * (kernel, C, C++): a change that moves a shared field fails to build.
 * Sizes are the ABI: the ioctl numbers encode them, the structs that
 * start with a size field are versioned by it, and both worlds must agree
 * on the shared pages.
 */
#define __MEMWELL_ABI_SIZE(type, bytes) \
	__memwell_static_assert(sizeof(struct type) == (bytes), \
				"struct " #type " must be " #bytes " bytes")
__MEMWELL_ABI_SIZE(memwell_ring_hdr, 136);
__MEMWELL_ABI_SIZE(memwell_side, MEMWELL_SIDE_SIZE);
__MEMWELL_ABI_SIZE(memwell_rec_hdr, 8);
__MEMWELL_ABI_SIZE(memwell_lost, 16);
__MEMWELL_ABI_SIZE(memwell_ring_stats, 128);
__MEMWELL_ABI_SIZE(memwell_create, 88);
__MEMWELL_ABI_SIZE(memwell_ring_info, 120);
__MEMWELL_ABI_SIZE(memwell_wake_policy, 56);
__MEMWELL_ABI_SIZE(memwell_source, 72);
__MEMWELL_ABI_SIZE(memwell_open, 56);
#undef __MEMWELL_ABI_SIZE

/* The header page holds the header, then the stats, within the smallest page. */
__memwell_static_assert(sizeof(struct memwell_ring_hdr) <= MEMWELL_STATS_OFFSET &&
			MEMWELL_STATS_OFFSET % 8 == 0 &&
			MEMWELL_STATS_OFFSET + sizeof(struct memwell_ring_stats) <= 4096,
			"memwell_ring_stats must fit in the header page");
/*
 * Cache-line separation of struct memwell_side: the owners' line 0, the
 * line the peer reads 128 bytes on (against adjacent-line prefetch), the
 * waiters after it.
 */
__memwell_static_assert(offsetof(struct memwell_side, reserve_pos) == 0 &&
			offsetof(struct memwell_side, limit_cache) < 64,
			"reserve_pos and limit_cache share line 0");
__memwell_static_assert(offsetof(struct memwell_side, release_pos) == 128,
			"release_pos is alone at byte 128");
__memwell_static_assert(offsetof(struct memwell_side, waiters) == 256,
			"waiters is at byte 256");
__memwell_static_assert(MEMWELL_SIDE_SIZE % 64 == 0 && MEMWELL_SIDE_SIZE % 8 == 0,
			"the marks after a side start on a cache line");
/* A block holds at least a record header. */
__memwell_static_assert(MEMWELL_REC_HDR_SIZE == 1U << MEMWELL_BLOCK_SHIFT_MIN,
			"the smallest block is one record header");
/* Sides index arrays of two; the masks and the peer follow from 0 and 1. */
__memwell_static_assert(MEMWELL_SIDE_PROD == 0 && MEMWELL_SIDE_CONS == 1,
			"sides are 0 and 1");
__memwell_static_assert(MEMWELL_SIDE_PEER(MEMWELL_SIDE_PROD) == MEMWELL_SIDE_CONS &&
			MEMWELL_SIDE_PEER(MEMWELL_SIDE_CONS) == MEMWELL_SIDE_PROD,
			"each side is the other's peer");
__memwell_static_assert(MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) == 1U &&
			MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS) == 2U,
			"one access bit per side");

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
	unsigned int s;

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
	r->fast = 0;
	for (s = MEMWELL_SIDE_PROD; s <= MEMWELL_SIDE_CONS; s++) {
		if (!(access & MEMWELL_SIDE_BIT(s)))
			continue;
		if (r->marks[s]) {
			r->fast |= __MEMWELL_FAST_MULTI(s);
			if (l->flags & MEMWELL_F_RECORDS)
				r->fast |= __MEMWELL_FAST_REC_MULTI(s);
			continue;
		}
		r->fast |= __MEMWELL_FAST_SIDE(s);
		if (l->flags & MEMWELL_F_RECORDS)
			r->fast |= __MEMWELL_FAST_REC(s);
	}
	r->pad = 0;
	/* memwell_rec_blocks() adds it: no shift of 1 per record. */
	r->rec_round = (1U << l->block_shift) - 1 + MEMWELL_REC_HDR_SIZE;
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

/*
 * The geometry the fast path uses, copied into locals once per call: a
 * store through a __u32 or char pointer (a record header, a payload) may
 * alias the view as far as the compiler knows, and would force it to
 * reload r->data, r->mask and r->block_shift at every use.
 */
struct __memwell_geo {
	unsigned char *data;
	__u64 mask;
	__u64 count;
	__u32 shift;
	__u32 round;
};

static __memwell_hot struct __memwell_geo __memwell_geo(const struct memwell_ring *r)
{
	struct __memwell_geo g;

	g.data = r->data;
	g.mask = r->mask;
	g.count = r->count;
	g.shift = r->block_shift;
	g.round = r->rec_round;
	return g;
}

static __memwell_hot unsigned char *__memwell_geo_block(const struct __memwell_geo *g,
							__u64 pos)
{
	return g->data + ((pos & g->mask) << g->shift);
}

/* ---- record headers ---- */

static __memwell_hot __u64 __memwell_geo_rec_blocks(const struct __memwell_geo *g,
						    __u64 len)
{
	return (len + g->round) >> g->shift;
}

static __memwell_hot __u64 memwell_rec_blocks(const struct memwell_ring *r, __u64 len)
{
	return (len + r->rec_round) >> r->block_shift;
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
static __memwell_hot __u64 __memwell_rec_check(const struct __memwell_geo *g, __u64 pos,
					       __u64 room, __u32 *len, __u32 *flags)
{
	const struct memwell_rec_hdr *h =
		(const struct memwell_rec_hdr *)__memwell_geo_block(g, pos);
	__u64 blocks;

	*len = __memwell_read_once(&h->len);
	*flags = __memwell_read_once(&h->flags);
	if (*flags & ~MEMWELL_REC_FLAGS)
		return 0;
	if (!*len && !(*flags & MEMWELL_REC_PAD))
		return 0;
	blocks = __memwell_geo_rec_blocks(g, *len);
	return blocks <= room ? blocks : 0;
}

#endif /* _MEMWELL_LAYOUT_H */
