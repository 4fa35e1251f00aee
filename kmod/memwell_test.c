// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "memwell": the ring core inside the kernel, on rings
 * allocated the driver's way (pages vmapped with the data twice), and the
 * driver's own parts: geometry checks, allocation unwinding, lifetime,
 * poll readiness and wake-ups, hostile shared state, and a multi-kthread
 * stress run.  Built as memwell_test.ko; load it after memwell.ko.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/sched.h>

#include "memwell_kernel.h"
#include "memwell_kring.h"
#include "memwell_sink.h"
#include "memwell_source.h"
#include "memwell_test_util.h"

#define MEMWELL_TEST_RINGS	8
/* Every flag of a ring processes share both sides of. */
#define MEMWELL_TEST_F_USER	(MEMWELL_F_ALL & ~(MEMWELL_F_KERNEL_PROD | \
						   MEMWELL_F_KERNEL_CONS))

struct memwell_test_ctx {
	struct memwell_kring *rings[MEMWELL_TEST_RINGS];
	unsigned int n;
	long rings0, pages0;
};

static int memwell_test_init(struct kunit *test)
{
	struct memwell_test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	memwell_kring_counts(&ctx->rings0, &ctx->pages0);
	test->priv = ctx;
	return 0;
}

/* Every ring a case made is freed, and nothing else is left behind. */
static void memwell_test_exit(struct kunit *test)
{
	struct memwell_test_ctx *ctx = test->priv;
	long rings, pages;

	while (ctx->n)
		memwell_kring_put(ctx->rings[--ctx->n]);
	memwell_kring_counts(&rings, &pages);
	KUNIT_EXPECT_EQ(test, rings, ctx->rings0);
	KUNIT_EXPECT_EQ(test, pages, ctx->pages0);
}

static struct memwell_kring *memwell_test_ring(struct kunit *test, u32 flags,
					       u32 block_shift, u32 count_shift)
{
	struct memwell_test_ctx *ctx = test->priv;
	struct memwell_create c = {
		.size = sizeof(c),
		.flags = flags,
		.block_shift = block_shift,
		.count_shift = count_shift,
	};
	struct memwell_kring *kr;

	KUNIT_ASSERT_LT(test, ctx->n, (unsigned int)MEMWELL_TEST_RINGS);
	kr = memwell_kring_create(&c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	ctx->rings[ctx->n++] = kr;
	return kr;
}

static u8 memwell_test_byte(u64 seed, u64 i)
{
	return (u8)(seed * 131 + i * 7 + (i >> 8));
}

/* ---- the kernel's mapping ---- */

static void memwell_test_double_map(struct kunit *test)
{
	struct memwell_kring *kr = memwell_test_ring(test, MEMWELL_F_RECORDS, 3, 11);
	const struct memwell_layout *l = &kr->layout;
	const struct memwell_ring_hdr *h = kr->mem.base;
	unsigned long first = l->data_offset >> PAGE_SHIFT;
	unsigned long n = l->data_size >> PAGE_SHIFT;
	unsigned char *d = kr->view.data;
	u64 size = l->data_size, i, bad = 0;

	/* The header is written from the kernel's own layout. */
	KUNIT_EXPECT_EQ(test, h->magic, MEMWELL_MAGIC);
	KUNIT_EXPECT_EQ(test, h->abi_version, MEMWELL_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, h->page_shift, (u32)PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, h->data_offset, l->data_offset);
	KUNIT_EXPECT_EQ(test, h->total_size, l->total_size);
	KUNIT_EXPECT_EQ(test, l->prod_offset, (u64)PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, (void *)d, (void *)((u8 *)kr->mem.base + l->data_offset));
	KUNIT_EXPECT_EQ(test, kr->mem.map_pages, (unsigned long)(l->total_size >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, kr->mem.nr_pages, first + n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_PTR_EQ(test, kr->mem.pages[first + i], kr->mem.pages[first + n + i]);

	/* Fresh pages are zero: nothing of the kernel's leaks out. */
	for (i = 0; i < 2 * size; i++)
		bad += d[i] != 0;
	KUNIT_EXPECT_EQ(test, bad, 0ULL);

	for (i = 0; i < size; i++)
		d[i] = memwell_test_byte(1, i);
	for (i = 0; i < size; i++)
		bad += d[size + i] != memwell_test_byte(1, i);
	KUNIT_EXPECT_EQ(test, bad, 0ULL);

	for (i = 0; i < size; i++)
		d[size + i] = memwell_test_byte(2, i);
	for (i = 0; i < size; i++)
		bad += d[i] != memwell_test_byte(2, i);
	KUNIT_EXPECT_EQ(test, bad, 0ULL);
}

/* Records that cross the end of the data are contiguous, in both views. */
static void memwell_test_wrap(struct kunit *test)
{
	struct memwell_kring *kr = memwell_test_ring(test, MEMWELL_F_RECORDS, 3, 9);
	struct memwell_ring *r = &kr->view;
	u64 size = kr->layout.data_size;
	unsigned int it, crossed = 0;

	for (it = 0; it < 64; it++) {
		u64 len = 700 + (it * 389) % 1200, k, bad = 0;
		struct memwell_rec w, rd;
		u64 off;

		KUNIT_ASSERT_EQ(test, memwell_rec_reserve(r, len, &w), 0);
		for (k = 0; k < len; k++)
			((u8 *)w.data)[k] = memwell_test_byte(it, k);
		KUNIT_ASSERT_EQ(test, memwell_rec_commit(r, &w), 0);

		KUNIT_ASSERT_EQ(test, memwell_rec_peek(r, &rd), 0);
		KUNIT_EXPECT_PTR_EQ(test, rd.data, w.data);
		KUNIT_EXPECT_EQ(test, (u64)rd.len, len);
		off = (u8 *)rd.data - r->data;
		if (off + len > size)
			crossed++;
		for (k = 0; k < len; k++) {
			bad += ((u8 *)rd.data)[k] != memwell_test_byte(it, k);
			/* Past the end, the same byte through the first mapping. */
			if (off + k >= size)
				bad += r->data[off + k - size] != memwell_test_byte(it, k);
		}
		KUNIT_EXPECT_EQ(test, bad, 0ULL);
		KUNIT_ASSERT_EQ(test, memwell_rec_release(r, &rd), 0);
	}
	KUNIT_EXPECT_GT(test, crossed, 0U);
}

/* ---- the core's errors in the kernel ---- */

static void memwell_test_full_empty(struct kunit *test)
{
	struct memwell_kring *kr = memwell_test_ring(test, MEMWELL_F_RECORDS, 3, 9);
	struct memwell_kring *kb = memwell_test_ring(test, 0, 3, 9);
	struct memwell_ring *r = &kr->view;
	struct memwell_span sp;
	u8 buf[128] = { 0 };
	unsigned int n = 0, i;
	void *big;
	int err;

	KUNIT_EXPECT_EQ(test, memwell_rec_read(r, buf, sizeof(buf)), (long)-EAGAIN);
	KUNIT_EXPECT_EQ(test, memwell_rec_write(r, buf, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, memwell_rec_write(r, buf, r->rec_max + 1), -EMSGSIZE);

	while ((err = memwell_rec_write(r, buf, 100)) == 0)
		n++;
	KUNIT_EXPECT_EQ(test, err, -EAGAIN);
	/* 8 + 100 bytes take 14 blocks of 8; 512 blocks hold 36 of them. */
	KUNIT_EXPECT_EQ(test, n, 36U);
	KUNIT_EXPECT_EQ(test, memwell_free_blocks(r), 512ULL - 36 * 14);

	/* Too small a buffer: -EMSGSIZE, and the record stays queued. */
	KUNIT_EXPECT_EQ(test, memwell_rec_read(r, buf, 50), (long)-EMSGSIZE);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, memwell_rec_read(r, buf, sizeof(buf)), 100L);
	KUNIT_EXPECT_EQ(test, memwell_rec_read(r, buf, sizeof(buf)), (long)-EAGAIN);

	/* The largest record fills the whole ring. */
	big = kunit_kzalloc(test, r->rec_max, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, big);
	memset(big, 0x5a, r->rec_max);
	KUNIT_EXPECT_EQ(test, memwell_rec_write(r, big, r->rec_max), 0);
	KUNIT_EXPECT_EQ(test, memwell_free_blocks(r), 0ULL);
	KUNIT_EXPECT_EQ(test, memwell_rec_write(r, buf, 1), -EAGAIN);
	memset(big, 0, r->rec_max);
	KUNIT_EXPECT_EQ(test, memwell_rec_read(r, big, r->rec_max), (long)r->rec_max);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(big, 0x5a, r->rec_max), NULL);

	/* A blocks ring has no records; spans are checked. */
	r = &kb->view;
	KUNIT_EXPECT_EQ(test, memwell_rec_write(r, buf, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, memwell_reserve(r, MEMWELL_SIDE_PROD, 0, 1, &sp), -EINVAL);
	KUNIT_EXPECT_EQ(test, memwell_reserve(r, MEMWELL_SIDE_PROD, r->count + 1,
					      r->count + 1, &sp), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EAGAIN);
	KUNIT_EXPECT_EQ(test, memwell_reserve(r, MEMWELL_SIDE_PROD, 1, ~0ULL, &sp),
			(int)r->count);
	KUNIT_EXPECT_EQ(test, memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EAGAIN);
	sp.pos = 1;
	KUNIT_EXPECT_EQ(test, memwell_release(r, MEMWELL_SIDE_PROD, &sp), -EINVAL);
	sp.pos = 0;
	sp.n = r->count;
	KUNIT_EXPECT_EQ(test, memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
	KUNIT_EXPECT_EQ(test, memwell_ready_blocks(r), r->count);
}

static void memwell_test_batch(struct kunit *test)
{
	static const u32 flags[] = {
		MEMWELL_F_RECORDS,
		MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI,
	};
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(flags); f++) {
		struct memwell_kring *kr = memwell_test_ring(test, flags[f], 3, 9);
		struct memwell_ring *r = &kr->view;
		struct memwell_batch b;
		struct memwell_rec rec;
		unsigned int i;
		u8 buf[32];
		void *p;

		KUNIT_ASSERT_EQ(test, memwell_batch_reserve(r, 1, 64, &b), 64);
		for (i = 0; i < 5; i++) {
			p = memwell_batch_put(r, &b, 20);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
			memset(p, 'a' + i, 20);
		}
		/* 28 bytes: 4 blocks each; no room for a 400-byte record. */
		KUNIT_EXPECT_EQ(test, b.used, 20ULL);
		KUNIT_EXPECT_PTR_EQ(test, memwell_batch_put(r, &b, 400), NULL);
		KUNIT_EXPECT_EQ(test, memwell_batch_commit(r, &b), 5);

		KUNIT_ASSERT_EQ(test, memwell_batch_take(r, 16, r->count, ~0ULL, &b), 5);
		for (i = 0; i < 5; i++) {
			KUNIT_ASSERT_EQ(test, memwell_batch_next(r, &b, &rec), 0);
			KUNIT_EXPECT_EQ(test, rec.len, 20U);
			KUNIT_EXPECT_PTR_EQ(test, memchr_inv(rec.data, 'a' + i, 20), NULL);
		}
		KUNIT_EXPECT_EQ(test, memwell_batch_next(r, &b, &rec), -ENOENT);
		KUNIT_EXPECT_EQ(test, memwell_batch_release(r, &b), 0);
		/* The unused tail was given back or became padding: nothing left. */
		KUNIT_EXPECT_EQ(test, memwell_rec_read(r, buf, sizeof(buf)), (long)-EAGAIN);
		KUNIT_EXPECT_EQ(test, memwell_free_blocks(r), r->count);
	}
}

static void memwell_test_discard(struct kunit *test)
{
	static const u32 flags[] = {
		MEMWELL_F_RECORDS,
		MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI,
	};
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(flags); f++) {
		struct memwell_kring *kr = memwell_test_ring(test, flags[f], 3, 9);
		struct memwell_ring *r = &kr->view;
		bool multi = flags[f] & MEMWELL_F_PROD_MULTI;
		struct memwell_rec a, b, rec;

		KUNIT_ASSERT_EQ(test, memwell_rec_reserve(r, 40, &a), 0);
		KUNIT_ASSERT_EQ(test, memwell_rec_reserve(r, 24, &b), 0);
		memset(a.data, 'A', 40);
		memset(b.data, 'B', 24);
		if (multi) {
			/* Out of order: b waits behind the unreleased a. */
			KUNIT_ASSERT_EQ(test, memwell_rec_commit(r, &b), 0);
			KUNIT_EXPECT_EQ(test, memwell_ready_blocks(r), 0ULL);
			KUNIT_ASSERT_EQ(test, memwell_rec_discard(r, &a), 0);
		} else {
			/* A single producer releases in order. */
			KUNIT_EXPECT_EQ(test, memwell_rec_commit(r, &b), -EINVAL);
			KUNIT_ASSERT_EQ(test, memwell_rec_discard(r, &a), 0);
			KUNIT_ASSERT_EQ(test, memwell_rec_commit(r, &b), 0);
		}
		KUNIT_ASSERT_EQ(test, memwell_rec_peek(r, &rec), 0);
		KUNIT_EXPECT_EQ(test, rec.len, 24U);
		KUNIT_EXPECT_PTR_EQ(test, memchr_inv(rec.data, 'B', 24), NULL);
		KUNIT_EXPECT_EQ(test, memwell_rec_release(r, &rec), 0);
		KUNIT_EXPECT_EQ(test, memwell_rec_peek(r, &rec), -EAGAIN);
	}
}

/* ---- the driver ---- */

static void memwell_test_geometry(struct kunit *test)
{
	static const struct {
		u32 flags, block_shift, count_shift;
		int reserved;	/* index of a non-zero reserved field, or -1 */
		int err;
	} cases[] = {
		{ 0x20, 3, 9, -1, -EINVAL },			/* unknown flag */
		{ 0x80000000, 3, 9, -1, -EINVAL },
		{ 0, 3, 9, 0, -EINVAL },			/* reserved */
		{ 0, 3, 9, 3, -EINVAL },
		{ 0, 2, 10, -1, -EINVAL },			/* block < 8 B */
		{ 0, 17, 1, -1, -EINVAL },			/* block > 64 KiB */
		{ 0, 12, 0, -1, -EINVAL },			/* count < 2 */
		{ 0, 3, 31, -1, -EINVAL },			/* count > 2^30 */
		{ 0, 3, 8, -1, -EINVAL },			/* data < a page */
		{ MEMWELL_F_RECORDS, 16, 16, -1, -EINVAL },	/* records > 2 GiB */
		{ 0, 16, 21, -1, -EINVAL },			/* data > 64 GiB */
		{ 0, 16, 20, -1, -E2BIG },			/* > max_ring_kib */
		{ 0, 12, 17, -1, -E2BIG },
		{ MEMWELL_TEST_F_USER, 3, 9, -1, 0 },
		{ MEMWELL_F_ALL, 3, 9, -1, -EINVAL },		/* both kernel flags */
		{ 0, 12, 1, -1, 0 },
		{ MEMWELL_F_PROD_MULTI, 3, 12, -1, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct memwell_create c = {
			.size = sizeof(c),
			.flags = cases[i].flags,
			.block_shift = cases[i].block_shift,
			.count_shift = cases[i].count_shift,
		};
		struct memwell_kring *kr;
		struct memwell_layout l;

		if (cases[i].reserved >= 0)
			c.reserved[cases[i].reserved] = 1;
		KUNIT_EXPECT_EQ_MSG(test, memwell_kring_check(&c, &l), cases[i].err,
				    "case %u", i);
		kr = memwell_kring_create(&c);
		if (cases[i].err) {
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(kr), (long)cases[i].err,
					    "case %u", i);
			continue;
		}
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
		KUNIT_EXPECT_EQ(test, l.prod_offset, (u64)PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, kr->layout.total_size, l.total_size);
		KUNIT_EXPECT_EQ(test, l.data_size, 1ULL << (c.block_shift + c.count_shift));
		KUNIT_EXPECT_EQ(test, l.prod_size, (u64)round_up(MEMWELL_SIDE_SIZE +
				((c.flags & MEMWELL_F_PROD_MULTI) ? 8ULL << c.count_shift : 0),
				PAGE_SIZE));
		KUNIT_EXPECT_EQ(test, l.total_size, l.data_offset + 2 * l.data_size);
		memwell_kring_put(kr);
	}
}

static void memwell_test_lifetime(struct kunit *test)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = MEMWELL_F_RECORDS,
		.block_shift = 3, .count_shift = 10,
	};
	struct memwell_kring *kr;
	long rings0, pages0, rings, pages;

	memwell_kring_counts(&rings0, &pages0);
	kr = memwell_kring_create(&c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	memwell_kring_counts(&rings, &pages);
	KUNIT_EXPECT_EQ(test, rings, rings0 + 1);
	KUNIT_EXPECT_EQ(test, pages, pages0 + (long)kr->mem.nr_pages);

	memwell_kring_get(kr);
	KUNIT_EXPECT_EQ(test, kref_read(&kr->ref), 2U);
	memwell_kring_put(kr);
	/* Still referenced: alive and usable (KASAN watches the accesses). */
	KUNIT_EXPECT_EQ(test, kref_read(&kr->ref), 1U);
	KUNIT_EXPECT_EQ(test, memwell_rec_write(&kr->view, "alive", 5), 0);
	memwell_kring_counts(&rings, &pages);
	KUNIT_EXPECT_EQ(test, rings, rings0 + 1);

	memwell_kring_put(kr);
	memwell_kring_counts(&rings, &pages);
	KUNIT_EXPECT_EQ(test, rings, rings0);
	KUNIT_EXPECT_EQ(test, pages, pages0);
}

/* What memwell_test_published() saw the moment a ring's name appeared. */
static struct {
	unsigned int ref;
	long rings;
	struct memwell_kring *found;
} memwell_test_seen;

static void memwell_test_published(struct memwell_kring *kr)
{
	struct memwell_kring *found;
	long pages;

	memwell_test_seen.ref = kref_read(&kr->ref);
	memwell_kring_counts(&memwell_test_seen.rings, &pages);
	found = memwell_kring_find(kr->reg.name);
	memwell_test_seen.found = found;
	if (found)
		memwell_kring_put(found);
}

/*
 * A lookup that sees a ring's name takes a ring that is complete: its
 * reference count set, counted.  A name published before kref_init() was
 * seen by lookups on a ring with no reference yet.
 */
static void memwell_test_name_published(struct kunit *test)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = MEMWELL_F_RECORDS,
		.block_shift = 3, .count_shift = 10, .name = "kunit.published",
	};
	long rings0, pages0;
	struct memwell_kring *kr;

	memwell_kring_counts(&rings0, &pages0);
	memset(&memwell_test_seen, 0, sizeof(memwell_test_seen));
	kr = memwell_kring_create_watched(&c, memwell_test_published);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	KUNIT_EXPECT_EQ(test, memwell_test_seen.ref, 1U);
	KUNIT_EXPECT_EQ(test, memwell_test_seen.rings, rings0 + 1);
	KUNIT_EXPECT_PTR_EQ(test, memwell_test_seen.found, kr);
	memwell_kring_put(kr);
	KUNIT_EXPECT_NULL(test, memwell_kring_find(c.name));
}

/* Every allocation step failing in turn unwinds completely. */
static void memwell_test_alloc_failure(struct kunit *test)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI,
		.block_shift = 3, .count_shift = 12,
	};
	long rings0, pages0, rings, pages;
	struct memwell_kring *kr;
	unsigned long nr, i;

	kr = memwell_kring_create(&c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	nr = kr->mem.nr_pages;
	memwell_kring_put(kr);

	memwell_kring_counts(&rings0, &pages0);
	for (i = 0; i <= nr; i++) {	/* i == nr: vmap() fails */
		kr = memwell_kring_create_failing(&c, i);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(kr), (long)-ENOMEM,
				    "fail_at %lu", i);
		if (!IS_ERR(kr))
			memwell_kring_put(kr);
	}
	memwell_kring_counts(&rings, &pages);
	KUNIT_EXPECT_EQ(test, rings, rings0);
	KUNIT_EXPECT_EQ(test, pages, pages0);

	kr = memwell_kring_create_failing(&c, nr + 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	memwell_kring_put(kr);
}

#define MEMWELL_IN	(EPOLLIN | EPOLLRDNORM)
#define MEMWELL_OUT	(EPOLLOUT | EPOLLWRNORM)
/* KUnit compares integers: poll masks as plain u32 (sparse's __bitwise). */
#define MEMWELL_U_IN	((__force u32)MEMWELL_IN)
#define MEMWELL_U_OUT	((__force u32)MEMWELL_OUT)
#define MEMWELL_U_ALL	(MEMWELL_U_IN | MEMWELL_U_OUT)

static u32 memwell_test_poll_mask(struct memwell_kring *kr, u32 want)
{
	return (__force u32)memwell_kring_poll(kr, (__force __poll_t)want);
}

static u32 memwell_test_waiters(struct memwell_kring *kr, unsigned int s)
{
	return READ_ONCE(kr->view.side[s]->waiters);
}

static void memwell_test_poll(struct kunit *test)
{
	struct memwell_kring *kr = memwell_test_ring(test, MEMWELL_F_RECORDS, 3, 9);
	struct memwell_kring *km = memwell_test_ring(test, MEMWELL_F_RECORDS |
						     MEMWELL_F_PROD_MULTI |
						     MEMWELL_F_CONS_MULTI, 3, 9);
	struct memwell_ring *r = &kr->view;
	struct memwell_span sp;
	u8 buf[64] = { 0 };

	/* Empty: writable only; the consumers are marked as sleeping. */
	KUNIT_EXPECT_EQ(test, memwell_test_poll_mask(kr, MEMWELL_U_ALL), MEMWELL_U_OUT);
	KUNIT_EXPECT_EQ(test, memwell_test_waiters(kr, MEMWELL_SIDE_CONS), 1U);
	KUNIT_EXPECT_EQ(test, memwell_test_waiters(kr, MEMWELL_SIDE_PROD), 0U);
	memwell_kring_wake(kr, MEMWELL_SIDE_CONS);
	KUNIT_EXPECT_EQ(test, memwell_test_waiters(kr, MEMWELL_SIDE_CONS), 0U);

	/* A kernel producer's release kicks announced consumers (G). */
	KUNIT_EXPECT_EQ(test, memwell_test_poll_mask(kr, MEMWELL_U_IN), 0U);
	KUNIT_EXPECT_EQ(test, memwell_test_waiters(kr, MEMWELL_SIDE_CONS), 1U);
	/* 8 + 24 bytes: 4 blocks, so that records fill the ring exactly. */
	KUNIT_ASSERT_EQ(test, memwell_rec_write(r, buf, 24), 0);
	KUNIT_EXPECT_EQ(test, memwell_test_waiters(kr, MEMWELL_SIDE_CONS), 0U);
	KUNIT_EXPECT_EQ(test, memwell_test_poll_mask(kr, MEMWELL_U_ALL),
			MEMWELL_U_ALL);
	/* Only what is asked for is computed. */
	KUNIT_EXPECT_EQ(test, memwell_test_poll_mask(kr, MEMWELL_U_IN), MEMWELL_U_IN);

	/* Full: readable only; the producers are marked. */
	while (!memwell_rec_write(r, buf, 24))
		;
	KUNIT_EXPECT_EQ(test, memwell_free_blocks(r), 0ULL);
	KUNIT_EXPECT_EQ(test, memwell_test_poll_mask(kr, MEMWELL_U_ALL), MEMWELL_U_IN);
	KUNIT_EXPECT_EQ(test, memwell_test_waiters(kr, MEMWELL_SIDE_PROD), 1U);
	KUNIT_EXPECT_EQ(test, memwell_rec_read(r, buf, sizeof(buf)), 24L);
	KUNIT_EXPECT_EQ(test, memwell_test_waiters(kr, MEMWELL_SIDE_PROD), 0U);

	/*
	 * Multi-producer: a span released (marked) but not yet swept is
	 * published by poll() itself.
	 */
	r = &km->view;
	KUNIT_ASSERT_EQ(test, memwell_reserve(r, MEMWELL_SIDE_PROD, 2, 2, &sp), 2);
	__memwell_rec_set_hdr(r, sp.pos, 8, 0);
	/* (E) as memwell_release() does it, without its sweep (F). */
	smp_store_mb(r->marks[MEMWELL_SIDE_PROD][sp.pos & r->mask], sp.pos + sp.n);
	KUNIT_EXPECT_EQ(test, memwell_ready_blocks(r), 0ULL);
	KUNIT_EXPECT_EQ(test, memwell_test_poll_mask(km, MEMWELL_U_IN), MEMWELL_U_IN);
	KUNIT_EXPECT_EQ(test, memwell_ready_blocks(r), 2ULL);
	KUNIT_EXPECT_EQ(test, memwell_rec_read(r, buf, sizeof(buf)), 8L);

	/* Corrupt positions read as "not ready", never as a fault. */
	WRITE_ONCE(kr->view.side[MEMWELL_SIDE_CONS]->reserve_pos, ~0ULL << 40);
	WRITE_ONCE(kr->view.side[MEMWELL_SIDE_CONS]->release_pos, 12345);
	KUNIT_EXPECT_EQ(test, memwell_test_poll_mask(kr, MEMWELL_U_ALL), 0U);
}

static void memwell_test_poll_wake(struct kunit *test)
{
	struct memwell_kring *kr = memwell_test_ring(test, MEMWELL_F_RECORDS, 3, 9);
	struct memwell_test_sleeper s = {
		.kr = kr, .want = MEMWELL_IN, .timeout = 20 * HZ,
	};
	unsigned int ms;

	KUNIT_ASSERT_EQ(test, memwell_test_sleeper_start(&s, "memwell_sleeper"), 0);
	for (ms = 0; ms < 10000 && !memwell_test_waiters(kr, MEMWELL_SIDE_CONS); ms++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, memwell_test_waiters(kr, MEMWELL_SIDE_CONS), 1U);
	/* The release sees the announcement and wakes the queue. */
	KUNIT_EXPECT_EQ(test, memwell_rec_write(&kr->view, "wake", 4), 0);
	wait_for_completion(&s.done);
	KUNIT_EXPECT_TRUE(test, s.mask & MEMWELL_IN);
	memwell_test_sleeper_stop(&s);
}

/*
 * Hostile shared state: random positions, marks and record headers, as a
 * process could write them.  Every call must stay inside the ring (KASAN
 * checks every access to the vmapped ring) and fail cleanly.
 */
static u64 memwell_test_pos(struct rnd_state *st, u64 near, u64 count)
{
	switch (prandom_u32_state(st) % 4) {
	case 0:
		return ((u64)prandom_u32_state(st) << 32) | prandom_u32_state(st);
	default:
		return near + (prandom_u32_state(st) % (4 * count)) - 2 * count;
	}
}

static void memwell_test_hostile(struct kunit *test)
{
	struct memwell_kring *kr = memwell_test_ring(test, MEMWELL_TEST_F_USER, 3, 9);
	struct memwell_ring *r = &kr->view;
	unsigned char *end = r->data + 2 * kr->layout.data_size;
	struct rnd_state st;
	unsigned int it;
	u8 buf[256];

	prandom_seed_state(&st, 0x6d656d77656c6cULL);
	for (it = 0; it < 3000; it++) {
		unsigned int s = prandom_u32_state(&st) & 1;
		struct memwell_side *side = r->side[s];
		struct memwell_rec_hdr *h;
		struct memwell_batch b;
		struct memwell_rec rec;
		u64 base = it * 7;
		u32 mask;
		long n;
		int err;

		switch (prandom_u32_state(&st) % 6) {
		case 0:
			WRITE_ONCE(side->reserve_pos, memwell_test_pos(&st, base, r->count));
			break;
		case 1:
			WRITE_ONCE(side->release_pos, memwell_test_pos(&st, base, r->count));
			break;
		case 2:
			WRITE_ONCE(side->limit_cache, memwell_test_pos(&st, base, r->count));
			break;
		case 3:
			WRITE_ONCE(r->marks[s][prandom_u32_state(&st) & r->mask],
				   memwell_test_pos(&st, base, r->count));
			break;
		default:
			h = memwell_block(r, prandom_u32_state(&st));
			WRITE_ONCE(h->len, prandom_u32_state(&st) % 8192);
			WRITE_ONCE(h->flags, prandom_u32_state(&st) % 5);
			break;
		}

		/*
		 * poll() says what the ring says, once its own sweeps are done:
		 * readable exactly when blocks are ready, writable when free.
		 */
		mask = memwell_test_poll_mask(kr, MEMWELL_U_ALL);
		KUNIT_EXPECT_EQ(test, !!(mask & MEMWELL_U_IN), memwell_ready_blocks(r) != 0);
		KUNIT_EXPECT_EQ(test, !!(mask & MEMWELL_U_OUT), memwell_free_blocks(r) != 0);

		err = memwell_rec_reserve(r, 1 + prandom_u32_state(&st) % 200, &rec);
		if (!err) {
			KUNIT_EXPECT_TRUE(test, (unsigned char *)rec.data >= r->data &&
					  (unsigned char *)rec.data + rec.len <= end);
			memset(rec.data, 0xee, rec.len);
			err = memwell_rec_commit(r, &rec);
		}
		KUNIT_EXPECT_TRUE_MSG(test, err == 0 || err == -EAGAIN || err == -EBUSY ||
				      err == -EIO || err == -EINVAL, "write %d", err);

		n = memwell_rec_read(r, buf, sizeof(buf));
		KUNIT_EXPECT_TRUE_MSG(test, (n >= 1 && n <= (long)sizeof(buf)) ||
				      n == -EAGAIN || n == -EBUSY || n == -EIO ||
				      n == -EMSGSIZE || n == -EINVAL || n == -ENOENT,
				      "read %ld", n);

		err = memwell_batch_take(r, 8, r->count, ~0ULL, &b);
		if (err > 0) {
			while (!memwell_batch_next(r, &b, &rec))
				KUNIT_EXPECT_TRUE(test, (unsigned char *)rec.data >= r->data &&
						  (unsigned char *)rec.data + rec.len <= end);
			memwell_batch_release(r, &b);
		}
	}
}

/*
 * Hostile shared state against the kernel's own participants: a process
 * scribbles over everything it may write (its side's positions, limit
 * cache, marks and waiters word, and on a ring it produces into the record
 * headers) while kernel endpoints produce or consume, RECOVER runs on the
 * process side, and a sink consumes.  Every call must return one of its
 * documented errors, hand out only memory inside the ring, and return
 * promptly: no loop may follow what the process wrote.
 */
static void memwell_test_scribble(struct rnd_state *st, struct memwell_ring *r,
				  unsigned int s, u64 base)
{
	struct memwell_side *side = r->side[s];
	struct memwell_rec_hdr *h;

	switch (prandom_u32_state(st) % 7) {
	case 0:
		WRITE_ONCE(side->reserve_pos, memwell_test_pos(st, base, r->count));
		break;
	case 1:
		WRITE_ONCE(side->release_pos, memwell_test_pos(st, base, r->count));
		break;
	case 2:
		WRITE_ONCE(side->limit_cache, memwell_test_pos(st, base, r->count));
		break;
	case 3:
		WRITE_ONCE(side->waiters, prandom_u32_state(st));
		break;
	case 4:
		/* A chain of one-block spans, released and never swept. */
		WRITE_ONCE(r->marks[s][base & r->mask], base + 1);
		WRITE_ONCE(r->marks[s][(base + 1) & r->mask], base + 2);
		break;
	default:
		if (r->marks[s])
			WRITE_ONCE(r->marks[s][prandom_u32_state(st) & r->mask],
				   memwell_test_pos(st, base, r->count));
		if (s != MEMWELL_SIDE_PROD)
			break;
		h = memwell_block(r, prandom_u32_state(st));
		WRITE_ONCE(h->len, prandom_u32_state(st) % 8192);
		WRITE_ONCE(h->flags, prandom_u32_state(st) % 5);
		break;
	}
}

static bool memwell_test_inside(const struct memwell_ring *r,
				const struct memwell_rec *rec)
{
	const unsigned char *d = rec->data;

	return d >= r->data + MEMWELL_REC_HDR_SIZE && rec->len <= r->rec_max &&
	       d + rec->len <= r->data + 2 * (r->count << r->block_shift);
}

/*
 * The slowest round of calls a case saw, against a bound that only an
 * unbounded loop misses: one over a 32-bit index user space wrote takes
 * minutes in a TCG guest.  Not tighter: on a loaded host a TCG vCPU stalls
 * for hundreds of milliseconds (255 ms seen under KASAN at load 20).
 */
#define MEMWELL_TEST_CALL_NS	(2 * NSEC_PER_SEC)

static void memwell_test_hostile_kernel(struct kunit *test)
{
	struct memwell_kring *kp = memwell_test_ring(test, MEMWELL_F_RECORDS |
						     MEMWELL_F_KERNEL_PROD |
						     MEMWELL_F_PROD_MULTI |
						     MEMWELL_F_CONS_MULTI, 3, 9);
	struct memwell_kring *kc = memwell_test_ring(test, MEMWELL_F_RECORDS |
						     MEMWELL_F_KERNEL_CONS |
						     MEMWELL_F_PROD_MULTI, 3, 9);
	const struct memwell_source sink = {
		.size = sizeof(sink), .kind = MEMWELL_SRC_SINK,
	};
	struct memwell_ring *rp = &kp->view, *rc = &kc->view;
	struct memwell_ep *prod, *cons;
	struct memwell_ring_stats stats;
	u64 slowest = 0, t0;
	struct rnd_state st;
	unsigned int it;
	u8 buf[256] = {};

	prandom_seed_state(&st, 0x686f7374696c65ULL);
	prod = memwell_ep_attach_ring(kp, MEMWELL_SIDE_PROD);
	cons = memwell_ep_attach_ring(kc, MEMWELL_SIDE_CONS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(prod));
	KUNIT_ASSERT_FALSE(test, IS_ERR(cons));
	for (it = 0; it < 3000; it++) {
		u32 len = 1 + prandom_u32_state(&st) % 200;
		struct memwell_rec rec;
		long n;
		int err;

		memwell_test_scribble(&st, rp, MEMWELL_SIDE_CONS, it * 5);
		memwell_test_scribble(&st, rc, MEMWELL_SIDE_PROD, it * 5);
		t0 = ktime_get_ns();

		/* A kernel producer against hostile consumers. */
		err = memwell_ep_reserve(prod, len, &rec);
		if (!err) {
			KUNIT_EXPECT_TRUE(test, memwell_test_inside(rp, &rec));
			memset(rec.data, 0xee, rec.len);
			err = (it & 1) ? memwell_ep_commit(prod, &rec, 0) :
					 memwell_ep_discard(prod, &rec, 0);
			KUNIT_EXPECT_EQ(test, err, 0);
		}
		KUNIT_EXPECT_TRUE_MSG(test, err == 0 || err == -EAGAIN || err == -EBUSY ||
				      err == -EIO, "reserve %d", err);
		err = memwell_ep_output(prod, buf, len, MEMWELL_KF_FORCE_WAKEUP);
		KUNIT_EXPECT_TRUE_MSG(test, err == 0 || err == -EAGAIN || err == -EBUSY ||
				      err == -EIO, "output %d", err);
		n = memwell_rec_read(rp, buf, sizeof(buf));
		KUNIT_EXPECT_TRUE_MSG(test, n > 0 || n == -EAGAIN || n == -EBUSY ||
				      n == -EIO || n == -EMSGSIZE, "read %ld", n);
		n = memwell_kring_recover(kp, MEMWELL_SIDE_CONS);
		KUNIT_EXPECT_TRUE_MSG(test, (n >= 0 && n <= (long)rp->count) || n == -EIO,
				      "recover %ld", n);

		/* A kernel consumer against hostile producers. */
		err = memwell_ep_peek(cons, &rec);
		if (!err) {
			KUNIT_EXPECT_TRUE(test, memwell_test_inside(rc, &rec));
			KUNIT_EXPECT_EQ(test, memwell_ep_release(cons, &rec), 0);
		}
		KUNIT_EXPECT_TRUE_MSG(test, err == 0 || err == -EAGAIN || err == -EBUSY ||
				      err == -EIO, "peek %d", err);
		if (err == -EAGAIN)
			KUNIT_EXPECT_GE(test, memwell_ep_wait(cons, 0), 0L);
		err = memwell_rec_write(rc, buf, len);
		KUNIT_EXPECT_TRUE_MSG(test, err == 0 || err == -EAGAIN || err == -EBUSY ||
				      err == -EIO, "write %d", err);
		n = memwell_kring_recover(kc, MEMWELL_SIDE_PROD);
		KUNIT_EXPECT_TRUE_MSG(test, (n >= 0 && n <= (long)rc->count) || n == -EIO,
				      "recover %ld", n);
		memwell_kring_poll(kp, MEMWELL_IN | MEMWELL_OUT);
		memwell_kring_poll(kc, MEMWELL_IN | MEMWELL_OUT);
		slowest = max(slowest, ktime_get_ns() - t0);
		if (!(it % 64))
			cond_resched();
	}
	memwell_ep_detach(prod);
	memwell_ep_detach(cons);

	/* The sink against the same producers, started and stopped. */
	KUNIT_ASSERT_EQ(test, memwell_source_attach(kc, &sink), 0);
	for (it = 0; it < 2000; it++) {
		memwell_test_scribble(&st, rc, MEMWELL_SIDE_PROD, it * 3);
		memwell_rec_write(rc, buf, 1 + prandom_u32_state(&st) % 200);
		if (!(it % 16))
			usleep_range(100, 200);
	}
	/* The sink's kthread sleeps 100 ms at most between looks. */
	t0 = ktime_get_ns();
	memwell_source_detach(kc);
	t0 = ktime_get_ns() - t0;
	memwell_kring_stats(kc, &stats);
	KUNIT_EXPECT_EQ(test, stats.consumers, 0ULL);
	kunit_info(test, "slowest call %llu us, sink stopped in %llu us: %llu consumed, %llu errors\n",
		   slowest / 1000, t0 / 1000, stats.consumed, stats.errors);
	KUNIT_EXPECT_LT(test, slowest, (u64)MEMWELL_TEST_CALL_NS);
	KUNIT_EXPECT_LT(test, t0, 10ULL * MEMWELL_TEST_CALL_NS);
}

/* ---- the wake protocol under a real race ---- */

#define MEMWELL_RACE_ROUNDS	4000U

/**
 * struct memwell_race - a consumer going to sleep against a producer
 * @kr: the ring
 * @ep: a kernel producer, or NULL: a process's producer (the ring's view)
 * @round: the round the producer may play
 * @seed: the producer's random delays
 * @committed_ns: when the producer's commit (and its kick) returned, or 0
 */
struct memwell_race {
	struct memwell_kring *kr;
	struct memwell_ep *ep;
	atomic_t round;
	u64 seed;
	u64 committed_ns;
};

/* The consumer's sleep; one that outlives a commit by half of it was lost. */
#define MEMWELL_RACE_SLEEP	HZ

static void memwell_race_delay(struct rnd_state *st)
{
	ndelay(prandom_u32_state(st) % 3000);
}

/* Between the consumer's look and its (H): hold the window open. */
static void memwell_race_hold(void *arg)
{
	memwell_race_delay(arg);
}

/* A round ends at the third lost wake-up: each one costs a whole sleep. */
#define MEMWELL_RACE_LOST_MAX	3U

static int memwell_race_producer(void *arg)
{
	struct memwell_race *ra = arg;
	struct rnd_state st;
	u8 rec[8] = {};
	u32 i;

	prandom_seed_state(&st, ra->seed);
	for (i = 1; i <= MEMWELL_RACE_ROUNDS; i++) {
		unsigned int spins = 0;

		while (atomic_read_acquire(&ra->round) < i) {
			if (kthread_should_stop())
				return 0;
			/* The consumer may share this CPU: let it run. */
			if (++spins % 64)
				cpu_relax();
			else
				usleep_range(1, 2);
		}
		memwell_race_delay(&st);
		/* Commit, then (G): kick announced consumers. */
		if (ra->ep)
			memwell_ep_output(ra->ep, rec, sizeof(rec), 0);
		else
			memwell_rec_write(&ra->kr->view, rec, sizeof(rec));
		WRITE_ONCE(ra->committed_ns, ktime_get_ns());
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 50);
	return 0;
}

/*
 * One round: the producer commits one record at a random moment while the
 * consumer (this thread) goes to sleep as poll() does: on the queue, a
 * look, (H), a last look, sleep; a random delay between the first look and
 * (H) holds open the window where a commit is missed by the first look
 * and its (G) finds no sleeper announced.  A sleep that ends by its timeout
 * more than half of it after the commit returned is a lost wake-up (a
 * producer the host did not run for a while only looks like one if its
 * commit came late).
 */
static u32 memwell_race_run(struct kunit *test, struct memwell_race *ra)
{
	struct memwell_kring *kr = ra->kr;
	struct task_struct *t;
	struct rnd_state st;
	u32 i, lost = 0, slept = 0;
	u8 buf[16];

	prandom_seed_state(&st, ra->seed ^ 0x5a5a);
	t = kthread_run(memwell_race_producer, ra, "memwell_race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	for (i = 1; i <= MEMWELL_RACE_ROUNDS && lost < MEMWELL_RACE_LOST_MAX; i++) {
		DEFINE_WAIT(wait);

		WRITE_ONCE(ra->committed_ns, 0);
		atomic_set_release(&ra->round, i);
		memwell_race_delay(&st);
		for (;;) {
			prepare_to_wait(&kr->wq, &wait, TASK_INTERRUPTIBLE);
			if (memwell_kring_poll_watched(kr, MEMWELL_IN, memwell_race_hold,
						       &st) & MEMWELL_IN)
				break;
			slept++;
			if (!schedule_timeout(MEMWELL_RACE_SLEEP)) {
				u64 c = READ_ONCE(ra->committed_ns);

				lost += c && ktime_get_ns() - c >
					jiffies_to_nsecs(MEMWELL_RACE_SLEEP) / 2;
				break;
			}
		}
		finish_wait(&kr->wq, &wait);
		while (memwell_rec_read(&kr->view, buf, sizeof(buf)) != 8)
			usleep_range(1, 2);
	}
	kthread_stop(t);
	put_task_struct(t);
	kunit_info(test, "%s producer: %u rounds, %u sleeps, %u lost wake-ups\n",
		   ra->ep ? "kernel" : "process", i - 1, slept, lost);
	return lost;
}

/* The producer's commit, (G) included. */
static void memwell_race_commit(void *arg)
{
	struct memwell_race *ra = arg;
	u8 rec[8] = {};

	if (ra->ep)
		memwell_ep_output(ra->ep, rec, sizeof(rec), 0);
	else
		memwell_rec_write(&ra->kr->view, rec, sizeof(rec));
}

/*
 * The interleaving the race is about, forced: the producer commits after
 * the consumer's first look and before its (H), so its (G) finds nobody
 * announced.  The consumer's look after (H) must see the record, or it
 * sleeps with nobody to wake it.
 */
static void memwell_race_forced(struct kunit *test, struct memwell_race *ra)
{
	struct memwell_kring *kr = ra->kr;
	DEFINE_WAIT(wait);
	__poll_t mask;
	long left = 1;
	u8 buf[16];

	prepare_to_wait(&kr->wq, &wait, TASK_INTERRUPTIBLE);
	mask = memwell_kring_poll_watched(kr, MEMWELL_IN, memwell_race_commit, ra);
	if (!(mask & MEMWELL_IN))
		left = schedule_timeout(HZ / 2);
	finish_wait(&kr->wq, &wait);
	KUNIT_EXPECT_GT_MSG(test, left, 0L,
			    "%s producer: a commit between the look and (H) was neither seen nor woke the sleeper",
			    ra->ep ? "kernel" : "process");
	KUNIT_EXPECT_EQ(test, memwell_rec_read(&kr->view, buf, sizeof(buf)), 8L);
}

static void memwell_test_poll_race(struct kunit *test)
{
	struct memwell_race ra = { .seed = 1 };

	ra.kr = memwell_test_ring(test, MEMWELL_F_RECORDS, 3, 9);
	memwell_race_forced(test, &ra);
	KUNIT_EXPECT_EQ(test, memwell_race_run(test, &ra), 0U);

	ra.seed = 2;
	atomic_set(&ra.round, 0);
	ra.kr = memwell_test_ring(test, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 3, 9);
	ra.ep = memwell_ep_attach_ring(ra.kr, MEMWELL_SIDE_PROD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ra.ep));
	memwell_race_forced(test, &ra);
	KUNIT_EXPECT_EQ(test, memwell_race_run(test, &ra), 0U);
	memwell_ep_detach(ra.ep);
}

/* The last kernel producer commits a record and detaches. */
static void memwell_hup_commit_detach(void *arg)
{
	struct memwell_race *ra = arg;
	u8 rec[8] = {};

	memwell_ep_output(ra->ep, rec, sizeof(rec), 0);
	memwell_ep_detach(ra->ep);
	ra->ep = NULL;
}

/*
 * EPOLLHUP without EPOLLIN tells a consumer that its producers are gone
 * and nothing is left: it stops reading.  The last producer commits and
 * detaches after poll()'s looks, before it returns: a hang-up read after
 * the looks would say so with a record queued.
 */
static void memwell_test_hup_race(struct kunit *test)
{
	struct memwell_race ra = { .seed = 3 };
	__poll_t mask;
	u8 buf[16];

	ra.kr = memwell_test_ring(test, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 3, 9);
	ra.ep = memwell_ep_attach_ring(ra.kr, MEMWELL_SIDE_PROD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ra.ep));
	mask = memwell_kring_poll_decided(ra.kr, MEMWELL_IN, memwell_hup_commit_detach, &ra);
	KUNIT_EXPECT_FALSE_MSG(test, (mask & EPOLLHUP) && !(mask & MEMWELL_IN),
			       "EPOLLHUP without EPOLLIN, with a record queued");
	KUNIT_EXPECT_EQ(test, memwell_rec_read(&ra.kr->view, buf, sizeof(buf)), 8L);
	/* Drained: the hang-up is all that is left. */
	mask = memwell_kring_poll(ra.kr, MEMWELL_IN);
	KUNIT_EXPECT_TRUE(test, (mask & EPOLLHUP) && !(mask & MEMWELL_IN));
}

/* ---- many kthreads ---- */

#define MEMWELL_STRESS_PRODS	4
#define MEMWELL_STRESS_CONS	2

struct memwell_stress_rec {
	u32 prod;
	u32 seq;
	u32 len;
	u32 sum;
};

struct memwell_stress {
	struct memwell_ring *r;
	u32 nprod, ncons, per_prod;
	unsigned long soft_end, hard_end;
	atomic_t prods_left, running;
	struct completion done;
	u32 produced[MEMWELL_STRESS_PRODS];
	unsigned long *seen[MEMWELL_STRESS_PRODS];
	atomic_t consumed, dups, corrupt, order, errors, timeouts;
};

struct memwell_stress_thread {
	struct memwell_stress *st;
	u32 id;
	u32 next[MEMWELL_STRESS_PRODS];	/* a consumer's next expected minimum */
};

static u32 memwell_stress_len(u32 prod, u32 seq)
{
	return sizeof(struct memwell_stress_rec) + (seq * 7 + prod * 3) % 48;
}

static void memwell_stress_fill(void *p, u32 prod, u32 seq, u32 len)
{
	struct memwell_stress_rec *h = p;
	u8 *b = p;
	u32 k;

	h->prod = prod;
	h->seq = seq;
	h->len = len;
	h->sum = seq ^ (prod << 24) ^ (len * 2654435761U);
	for (k = sizeof(*h); k < len; k++)
		b[k] = (u8)(seq + k + prod);
}

static void memwell_stress_check(struct memwell_stress_thread *t,
				 const void *p, u32 len)
{
	struct memwell_stress *st = t->st;
	const struct memwell_stress_rec *h = p;
	const u8 *b = p;
	u32 k;

	if (len < sizeof(*h) || h->len != len || h->prod >= st->nprod ||
	    h->seq >= st->per_prod ||
	    h->sum != (h->seq ^ (h->prod << 24) ^ (len * 2654435761U)) ||
	    len != memwell_stress_len(h->prod, h->seq)) {
		atomic_inc(&st->corrupt);
		return;
	}
	for (k = sizeof(*h); k < len; k++) {
		if (b[k] != (u8)(h->seq + k + h->prod)) {
			atomic_inc(&st->corrupt);
			return;
		}
	}
	/* One consumer sees each producer's records in order. */
	if (h->seq < t->next[h->prod])
		atomic_inc(&st->order);
	t->next[h->prod] = h->seq + 1;
	if (test_and_set_bit(h->seq, st->seen[h->prod]))
		atomic_inc(&st->dups);
	atomic_inc(&st->consumed);
}

static void memwell_stress_finish(struct memwell_stress *st)
{
	if (atomic_dec_and_test(&st->running))
		complete(&st->done);
}

/* Returns false when the producer must stop (deadline or error). */
static bool memwell_stress_retry(struct memwell_stress *st, int err)
{
	if (err != -EAGAIN && err != -EBUSY) {
		atomic_inc(&st->errors);
		return false;
	}
	if (time_after(jiffies, st->soft_end))
		return false;
	cond_resched();
	return true;
}

static void memwell_stress_produce_one(struct memwell_stress_thread *t)
{
	struct memwell_stress *st = t->st;
	struct memwell_ring *r = st->r;
	u32 p = t->id, seq = 0, tries = 0;

	while (seq < st->per_prod) {
		u32 len = memwell_stress_len(p, seq);
		struct memwell_rec rec;
		int err = memwell_rec_reserve(r, len, &rec);

		if (err) {
			if (!memwell_stress_retry(st, err))
				break;
			continue;
		}
		/* Now and then give a reservation back unpublished. */
		if (++tries % 61 == 0) {
			memset(rec.data, 0xdd, len);
			if (memwell_rec_discard(r, &rec))
				atomic_inc(&st->errors);
			continue;
		}
		memwell_stress_fill(rec.data, p, seq, len);
		if (memwell_rec_commit(r, &rec)) {
			atomic_inc(&st->errors);
			break;
		}
		seq++;
	}
	st->produced[p] = seq;
}

static void memwell_stress_produce_batch(struct memwell_stress_thread *t)
{
	struct memwell_stress *st = t->st;
	struct memwell_ring *r = st->r;
	u32 p = t->id, seq = 0;

	while (seq < st->per_prod) {
		struct memwell_batch b;
		unsigned int i;
		int err;

		err = memwell_batch_reserve(r, memwell_rec_blocks(r, 64),
					    8 * memwell_rec_blocks(r, 64), &b);
		if (err < 0) {
			if (!memwell_stress_retry(st, err))
				break;
			continue;
		}
		for (i = 0; i < 8 && seq < st->per_prod; i++) {
			u32 len = memwell_stress_len(p, seq);
			void *d = memwell_batch_put(r, &b, len);

			if (!d)
				break;
			memwell_stress_fill(d, p, seq, len);
			seq++;
		}
		if (memwell_batch_commit(r, &b) != (int)b.records) {
			atomic_inc(&st->errors);
			break;
		}
	}
	st->produced[p] = seq;
}

static int memwell_stress_producer(void *arg)
{
	struct memwell_stress_thread *t = arg;
	struct memwell_stress *st = t->st;

	if (t->id == 0 && st->nprod > 1)
		memwell_stress_produce_batch(t);
	else
		memwell_stress_produce_one(t);
	/* Orders every release above before consumers see the count drop. */
	smp_mb__before_atomic();
	atomic_dec(&st->prods_left);
	memwell_stress_finish(st);
	return 0;
}

static int memwell_stress_consumer(void *arg)
{
	struct memwell_stress_thread *t = arg;
	struct memwell_stress *st = t->st;
	struct memwell_ring *r = st->r;
	unsigned int idle_done = 0;
	u8 buf[128];

	for (;;) {
		bool done = !atomic_read_acquire(&st->prods_left);
		struct memwell_batch b;
		struct memwell_rec rec;
		long n;

		if (t->id == 0) {
			n = memwell_rec_read(r, buf, sizeof(buf));
			if (n > 0)
				memwell_stress_check(t, buf, n);
		} else {
			n = memwell_batch_take(r, 16, r->count, ~0ULL, &b);
			if (n > 0) {
				while (!memwell_batch_next(r, &b, &rec))
					memwell_stress_check(t, rec.data, rec.len);
				if (memwell_batch_release(r, &b))
					atomic_inc(&st->errors);
			}
		}
		if (n > 0) {
			idle_done = 0;
			continue;
		}
		if (n != -EAGAIN && n != -EBUSY) {
			atomic_inc(&st->errors);
			break;
		}
		/* Producers gone and the ring seen empty twice since: done. */
		if (done && n == -EAGAIN && ++idle_done >= 2)
			break;
		if (time_after(jiffies, st->hard_end)) {
			atomic_inc(&st->timeouts);
			break;
		}
		cond_resched();
	}
	memwell_stress_finish(st);
	return 0;
}

static void memwell_stress_run(struct kunit *test, u32 flags, u32 nprod, u32 ncons)
{
	struct memwell_kring *kr = memwell_test_ring(test, flags, 4, 8);
	struct memwell_ring *r = &kr->view;
	struct memwell_stress_thread *th;
	struct memwell_stress *st;
	u32 i, n = nprod + ncons;
	u64 total = 0;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	th = kunit_kcalloc(test, n, sizeof(*th), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, st);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, th);
	st->r = r;
	st->nprod = nprod;
	st->ncons = ncons;
	st->per_prod = 1U << 17;
	for (i = 0; i < nprod; i++) {
		st->seen[i] = kunit_kzalloc(test, BITS_TO_LONGS(st->per_prod) *
					    sizeof(long), GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, st->seen[i]);
	}
	init_completion(&st->done);
	atomic_set(&st->prods_left, nprod);
	atomic_set(&st->running, n);
	/* Producers stop after 2 s; consumers must drain within 20 s more. */
	st->soft_end = jiffies + 2 * HZ;
	st->hard_end = st->soft_end + 20 * HZ;

	for (i = 0; i < n; i++) {
		bool prod = i < nprod;
		struct task_struct *task;

		th[i].st = st;
		th[i].id = prod ? i : i - nprod;
		task = kthread_run(prod ? memwell_stress_producer : memwell_stress_consumer,
				   &th[i], prod ? "memwell_p%u" : "memwell_c%u", th[i].id);
		if (IS_ERR(task)) {
			/* Stand in for the thread that did not start. */
			KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
			st->soft_end = jiffies;
			if (prod)
				atomic_dec(&st->prods_left);
			memwell_stress_finish(st);
		}
	}
	/* Every thread ends by hard_end at the latest. */
	wait_for_completion(&st->done);

	for (i = 0; i < nprod; i++) {
		u32 got = bitmap_weight(st->seen[i], st->per_prod);

		KUNIT_EXPECT_GT_MSG(test, st->produced[i], 0U, "producer %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got, st->produced[i], "producer %u", i);
		/* Nothing consumed that was not produced. */
		KUNIT_EXPECT_EQ_MSG(test, find_next_bit(st->seen[i], st->per_prod,
							st->produced[i]),
				    (unsigned long)st->per_prod, "producer %u", i);
		total += st->produced[i];
	}
	kunit_info(test, "%u producers, %u consumers: %llu records",
		   nprod, ncons, total);
	KUNIT_EXPECT_EQ(test, (u64)atomic_read(&st->consumed), total);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->dups), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->corrupt), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->order), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->timeouts), 0);
	/* Drained: all four positions meet. */
	KUNIT_EXPECT_EQ(test, r->side[MEMWELL_SIDE_PROD]->release_pos,
			r->side[MEMWELL_SIDE_PROD]->reserve_pos);
	KUNIT_EXPECT_EQ(test, r->side[MEMWELL_SIDE_CONS]->reserve_pos,
			r->side[MEMWELL_SIDE_PROD]->release_pos);
	KUNIT_EXPECT_EQ(test, r->side[MEMWELL_SIDE_CONS]->release_pos,
			r->side[MEMWELL_SIDE_CONS]->reserve_pos);
}

static void memwell_test_stress_spsc(struct kunit *test)
{
	memwell_stress_run(test, MEMWELL_F_RECORDS, 1, 1);
}

static void memwell_test_stress_mpmc(struct kunit *test)
{
	memwell_stress_run(test, MEMWELL_TEST_F_USER, 3, MEMWELL_STRESS_CONS);
}

static struct kunit_case memwell_test_cases[] = {
	KUNIT_CASE(memwell_test_double_map),
	KUNIT_CASE(memwell_test_wrap),
	KUNIT_CASE(memwell_test_full_empty),
	KUNIT_CASE(memwell_test_batch),
	KUNIT_CASE(memwell_test_discard),
	KUNIT_CASE(memwell_test_geometry),
	KUNIT_CASE(memwell_test_lifetime),
	KUNIT_CASE(memwell_test_name_published),
	KUNIT_CASE(memwell_test_alloc_failure),
	KUNIT_CASE(memwell_test_poll),
	KUNIT_CASE(memwell_test_poll_wake),
	KUNIT_CASE(memwell_test_hostile),
	KUNIT_CASE(memwell_test_hostile_kernel),
	KUNIT_CASE(memwell_test_poll_race),
	KUNIT_CASE(memwell_test_hup_race),
	KUNIT_CASE(memwell_test_stress_spsc),
	KUNIT_CASE(memwell_test_stress_mpmc),
	{}
};

static struct kunit_suite memwell_test_suite = {
	.name = "memwell",
	.init = memwell_test_init,
	.exit = memwell_test_exit,
	.test_cases = memwell_test_cases,
};

kunit_test_suite(memwell_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for memwell");
MODULE_IMPORT_NS(MEMWELL_NS);
