// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Block API: memwell_reserve() / memwell_release() on both sides, single-
 * and multi-owner: empty, full, exact fill, "up to N" semantics, release
 * order, wrap at every block offset, and the cache lines a failed
 * reservation must leave alone.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "harness.h"

static const __u32 combos[] = {
	0, MEMWELL_F_PROD_MULTI, MEMWELL_F_CONS_MULTI,
	MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI,
};
#define NCOMBOS ((int)(sizeof(combos) / sizeof(combos[0])))

static void layout_of(const struct memwell_ring *r, struct memwell_layout *l)
{
	REQUIRE_EQ(memwell_layout_compute(r->flags, r->block_shift,
					  (__u32)__builtin_ctzll(r->count),
					  t_page_shift(), l), 0);
}

/* Make one side's control pages (and marks) read-only, or writable again. */
static void protect_side(struct memwell_ring *r, unsigned int s, int ro)
{
	struct memwell_layout l;
	unsigned char *base = t_base(r);

	layout_of(r, &l);
	REQUIRE(mprotect(base + (s == MEMWELL_SIDE_PROD ? l.prod_offset : l.cons_offset),
			 s == MEMWELL_SIDE_PROD ? l.prod_size : l.cons_size,
			 ro ? PROT_READ : PROT_READ | PROT_WRITE) == 0);
}

static void protect_data(struct memwell_ring *r, int ro)
{
	REQUIRE(mprotect(r->data, 2 * t_data_size(r),
			 ro ? PROT_READ : PROT_READ | PROT_WRITE) == 0);
}

/* Move both sides of an empty ring to block offset @o. */
static void seek(struct memwell_ring *r, __u64 o)
{
	__u64 k = (o - t_prod(r)->reserve_pos) & r->mask;
	struct memwell_span sp;

	if (!k)
		return;
	REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, k, k, &sp), (int)k);
	REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
	REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, k, k, &sp), (int)k);
	REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
}

static void empty_eagain(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 6, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span sp = { 77, 77 };
		int i;

		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EAGAIN);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 256, &sp), -EAGAIN);
		CHECK(sp.pos == 77 && sp.n == 77);
		/* After some traffic, empty again. */
		for (i = 0; i < 3; i++) {
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 100, 100, &sp), 100);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1000, &sp), 100);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EAGAIN);
		}
		/* Reserved but not released by the producer: still empty. */
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 10, &sp), 10);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EAGAIN);
		CHECK_EQ(memwell_ready_blocks(r), 0);
		memwell_close(mw);
	}
}

/*
 * A consumer finding the ring empty must not write the producers' control
 * area (MemoryWell's XCH reserve stole that line on every empty poll) nor
 * the data: both are made read-only, a write would fault.
 */
static void empty_no_write_to_producer(void)
{
	int c, state;

	for (c = 0; c < 2 * NCOMBOS; c++)
	for (state = 0; state < 4; state++) {
		__u32 flags = combos[c % NCOMBOS] |
			      (c >= NCOMBOS ? MEMWELL_F_RECORDS : 0);
		struct memwell *mw = t_ring(flags, 6, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span sp, a, b;
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch bt = { .used = 0 };
		char buf[64];
		int i;

		/* 0: fresh; 1: after traffic; 2: producer holds a span;
		 * 3: multi producer released a span behind a held one. */
		if (state >= 1)
			seek(r, 100);
		if (state == 2)
			REQUIRE(memwell_reserve(r, MEMWELL_SIDE_PROD, 5, 5, &sp) == 5);
		if (state == 3) {
			REQUIRE(memwell_reserve(r, MEMWELL_SIDE_PROD, 2, 2, &a) == 2);
			REQUIRE(memwell_reserve(r, MEMWELL_SIDE_PROD, 2, 2, &b) == 2);
			if (flags & MEMWELL_F_RECORDS) {
				__memwell_rec_set_hdr(r, b.pos, 100, 0);
				__memwell_rec_set_hdr(r, a.pos, 100, 0);
			}
			if (flags & MEMWELL_F_PROD_MULTI)
				REQUIRE(memwell_release(r, MEMWELL_SIDE_PROD, &b) == 0);
		}
		protect_side(r, MEMWELL_SIDE_PROD, 1);
		protect_data(r, 1);
		for (i = 0; i < 100; i++) {
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 8, &sp), -EAGAIN);
			if (flags & MEMWELL_F_RECORDS) {
				CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
				CHECK_EQ(memwell_rec_read(r, buf, sizeof(buf)), -EAGAIN);
				CHECK_EQ(memwell_batch_take(r, 8, 8, ~0ULL, &bt), -EAGAIN);
			}
		}
		CHECK_EQ(memwell_ready_blocks(r), 0);
		protect_side(r, MEMWELL_SIDE_PROD, 0);
		protect_data(r, 0);
		if (t_failed) {
			t_diag("flags %#x state %d", flags, state);
			return;
		}
		memwell_close(mw);
	}
}

/* Symmetric: a producer finding the ring full leaves the consumers' area alone. */
static void full_no_write_to_consumer(void)
{
	int c, state;

	for (c = 0; c < 2 * NCOMBOS; c++)
	for (state = 0; state < 3; state++) {
		__u32 flags = combos[c % NCOMBOS] |
			      (c >= NCOMBOS ? MEMWELL_F_RECORDS : 0);
		struct memwell *mw = t_ring(flags, 6, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span sp, a, b;
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch bt = { .used = 0 };
		int i;

		if (state >= 1)
			seek(r, 77);
		REQUIRE(memwell_reserve(r, MEMWELL_SIDE_PROD, 256, 256, &sp) == 256);
		if (flags & MEMWELL_F_RECORDS) {
			for (i = 0; i < 256; i++)
				__memwell_rec_set_hdr(r, sp.pos + i, 56, 0);
		}
		REQUIRE(memwell_release(r, MEMWELL_SIDE_PROD, &sp) == 0);
		if (state == 2) {	/* consumers hold spans */
			REQUIRE(memwell_reserve(r, MEMWELL_SIDE_CONS, 3, 3, &a) == 3);
			REQUIRE(memwell_reserve(r, MEMWELL_SIDE_CONS, 3, 3, &b) == 3);
		}
		protect_side(r, MEMWELL_SIDE_CONS, 1);
		protect_data(r, 1);
		for (i = 0; i < 100; i++) {
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 8, &sp), -EAGAIN);
			if (flags & MEMWELL_F_RECORDS) {
				CHECK_EQ(memwell_rec_reserve(r, 1, &rec), -EAGAIN);
				CHECK_EQ(memwell_rec_write(r, "x", 1), -EAGAIN);
				CHECK_EQ(memwell_batch_reserve(r, 1, 8, &bt), -EAGAIN);
			}
		}
		CHECK_EQ(memwell_free_blocks(r), 0);
		protect_side(r, MEMWELL_SIDE_CONS, 0);
		protect_data(r, 0);
		if (t_failed) {
			t_diag("flags %#x state %d", flags, state);
			return;
		}
		memwell_close(mw);
	}
}

static void full_and_exact_fill(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span sp, spans[256];
		int i;

		/* One reservation of exactly the capacity. */
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 256, 256, &sp), 256);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EAGAIN);
		CHECK_EQ(memwell_free_blocks(r), 0);
		sp.pos = 0;
		sp.n = 256;
		CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
		CHECK_EQ(memwell_ready_blocks(r), 256);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EAGAIN);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 256, 256, &sp), 256);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EAGAIN);
		CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
		CHECK_EQ(memwell_free_blocks(r), 256);

		/* Block by block, from an offset. */
		seek(r, 3);
		for (i = 0; i < 256; i++)
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &spans[i]), 1);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EAGAIN);
		for (i = 0; i < 256; i++)
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &spans[i]), 0);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EAGAIN);
		CHECK_EQ(memwell_ready_blocks(r), 256);
		for (i = 0; i < 256; i++)
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &spans[i]), 1);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EAGAIN);
		for (i = 0; i < 255; i++)
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &spans[i]), 0);
		CHECK_EQ(memwell_free_blocks(r), 255);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 256, 256, &sp), -EAGAIN);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 256, &sp), 255);
		memwell_close(mw);
	}
}

/* memwell_reserve() gives "up to max, at least min". */
static void reserve_up_to_n(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span sp = { 0, 0 };
		unsigned int s;

		for (s = MEMWELL_SIDE_PROD; s <= MEMWELL_SIDE_CONS; s++) {
			CHECK_EQ(memwell_reserve(r, s, 0, 1, &sp), -EINVAL);
			CHECK_EQ(memwell_reserve(r, s, 0, 0, &sp), -EINVAL);
			CHECK_EQ(memwell_reserve(r, s, 2, 1, &sp), -EINVAL);
			CHECK_EQ(memwell_reserve(r, s, 257, 257, &sp), -EMSGSIZE);
			CHECK_EQ(memwell_reserve(r, s, 257, ~0ULL, &sp), -EMSGSIZE);
			CHECK_EQ(memwell_reserve(r, s, 1ULL << 40, ~0ULL, &sp), -EMSGSIZE);
		}
		CHECK_EQ(memwell_reserve(r, (unsigned int)2, 1, 1, &sp), -EINVAL);
		CHECK_EQ(memwell_reserve(r, (unsigned int)-1, 1, 1, &sp), -EINVAL);

		/* 5 published: fewer than asked comes back, min > 5 waits. */
		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 5, 5, &sp), 5);
		REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 6, 10, &sp), -EAGAIN);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 6, 6, &sp), -EAGAIN);
		CHECK_EQ(memwell_ready_blocks(r), 5);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 3, &sp), 3);
		CHECK(sp.pos == 0 && sp.n == 3);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 10, &sp), 2);
		CHECK(sp.pos == 3 && sp.n == 2);
		/* max above the capacity is clipped to what is free. */
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, ~0ULL, &sp), 251);
		CHECK(sp.pos == 5 && sp.n == 251);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, ~0ULL, &sp), -EAGAIN);
		memwell_close(mw);
	}
}

/* A single-owner side releases in reservation order. */
static void single_release_order(void)
{
	struct memwell *mw = t_ring(0, 4, 8);
	struct memwell_ring *r = memwell_get_ring(mw);
	struct memwell_span a, b, c, m;
	unsigned int s;

	seek(r, 250);
	for (s = MEMWELL_SIDE_PROD; s <= MEMWELL_SIDE_CONS; s++) {
		REQUIRE_EQ(memwell_reserve(r, s, 3, 3, &a), 3);
		REQUIRE_EQ(memwell_reserve(r, s, 4, 4, &b), 4);
		REQUIRE_EQ(memwell_reserve(r, s, 2, 2, &c), 2);
		CHECK_EQ(memwell_release(r, s, &b), -EINVAL);
		CHECK_EQ(memwell_release(r, s, &c), -EINVAL);
		m = a;
		m.n = 10;	/* more than held */
		CHECK_EQ(memwell_release(r, s, &m), -EINVAL);
		m.n = 0;
		CHECK_EQ(memwell_release(r, s, &m), -EINVAL);
		m.n = 257;
		CHECK_EQ(memwell_release(r, s, &m), -EINVAL);
		m.pos = a.pos - 1;
		m.n = 1;
		CHECK_EQ(memwell_release(r, s, &m), -EINVAL);
		CHECK_EQ(memwell_release(r, (unsigned int)2, &a), -EINVAL);
		CHECK_EQ(memwell_release(r, s, &a), 0);
		CHECK_EQ(memwell_release(r, s, &a), -EINVAL);	/* twice */
		/* Adjacent spans may be released merged. */
		m.pos = b.pos;
		m.n = b.n + c.n;
		CHECK_EQ(memwell_release(r, s, &m), 0);
		CHECK_EQ(memwell_release(r, s, &c), -EINVAL);
	}
	CHECK_EQ(memwell_ready_blocks(r), 0);
	CHECK_EQ(memwell_free_blocks(r), 256);
	memwell_close(mw);
}

/*
 * A multi-owner side may release out of order, but the peer must not see a
 * span before every span ahead of it is released.
 */
static void multi_release_out_of_order(void)
{
	int c;

	for (c = 1; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span a, b, d, sp;

		seek(r, 254);	/* the spans cross the wrap */
		if (combos[c] & MEMWELL_F_PROD_MULTI) {
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 2, 2, &a), 2);
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 3, 3, &b), 3);
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 4, 4, &d), 4);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &d), 0);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &b), 0);
			CHECK_EQ(memwell_ready_blocks(r), 0);
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EAGAIN);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &a), 0);
			CHECK_EQ(memwell_ready_blocks(r), 9);
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 100, &sp), 9);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
		}
		if (combos[c] & MEMWELL_F_CONS_MULTI) {
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 9, 9, &sp), 9);
			REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 2, 2, &a), 2);
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 3, 3, &b), 3);
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 4, 4, &d), 4);
			CHECK_EQ(memwell_free_blocks(r), 247);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &b), 0);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &d), 0);
			CHECK_EQ(memwell_free_blocks(r), 247);
			CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 248, 248, &sp), -EAGAIN);
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &a), 0);
			CHECK_EQ(memwell_free_blocks(r), 256);
		}
		CHECK_EQ(memwell_ready_blocks(r), 0);
		CHECK_EQ(memwell_free_blocks(r), 256);
		CHECK_EQ(t_prod(r)->release_pos, t_prod(r)->reserve_pos);
		CHECK_EQ(t_cons(r)->release_pos, t_cons(r)->reserve_pos);
		memwell_close(mw);
	}
}

/*
 * Spans of every size starting at every block offset: contiguous through
 * the second mapping, the data read back intact through it and through the
 * first mapping block by block.
 */
static void wrap_every_offset(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c += 3) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		__u64 bs = memwell_block_size(r), o, n, seed = 1;

		for (o = 0; o < r->count; o++)
		for (n = 1; n <= r->count; n += (o & 1) ? 1 : 7) {
			struct memwell_span sp;
			unsigned char *p;
			__u64 i;

			seek(r, o);
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, n, n, &sp), (int)n);
			REQUIRE_EQ(sp.pos & r->mask, o);
			p = memwell_block(r, sp.pos);
			CHECK(t_in_data(r, p, n * bs));
			t_fill(p, n * bs, ++seed);
			REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, ~0ULL, &sp), (int)n);
			CHECK(memwell_block(r, sp.pos) == p);
			CHECK(t_check(p, n * bs, seed));
			/* Block by block through the first mapping only. */
			for (i = 0; i < n; i++) {
				unsigned char *q = r->data +
					(((sp.pos + i) & r->mask) << r->block_shift);

				if (memcmp(q, p + i * bs, bs)) {
					t_diag("block %llu of a span at %llu differs",
					       (unsigned long long)i,
					       (unsigned long long)o);
					t_failed = 1;
					break;
				}
			}
			REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
			if (t_failed) {
				t_diag("offset %llu size %llu", (unsigned long long)o,
				       (unsigned long long)n);
				return;
			}
		}
		memwell_close(mw);
	}
}

/*
 * Every call is bounded (MemoryWell's failure strategy never took effect
 * and always spun): a million calls on an empty or full ring return at once.
 */
static void calls_are_bounded(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span sp;
		struct timespec t0, t1;
		int i, bad = 0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < 1000000; i++)
			bad += memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp) != -EAGAIN;
		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 256, 256, &sp), 256);
		for (i = 0; i < 1000000; i++)
			bad += memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &sp) != -EAGAIN;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CHECK_EQ(bad, 0);
		/* Generous: even a sanitizer build does this in well under 10 s. */
		CHECK(t1.tv_sec - t0.tv_sec < 30);
		memwell_close(mw);
	}
}

/*
 * No spurious failure (MemoryWell's XCH reserve let a concurrent reserver
 * see 0): consumers racing to drain a prefilled ring only ever get -EAGAIN
 * once every block is reserved; producers racing to fill an empty ring only
 * once it is full.
 */
struct race {
	struct memwell_ring *r;
	unsigned int s;
	__u64 total;
	__u64 got;
	int spurious;
	int go;
};

static void *racer(void *arg)
{
	struct race *x = arg;
	struct memwell_span sp;
	__u64 n = 0;

	while (!__atomic_load_n(&x->go, __ATOMIC_ACQUIRE))
		sched_yield();
	for (;;) {
		int k = memwell_reserve(x->r, x->s, 1, 3, &sp);

		if (k == -EBUSY)
			continue;
		if (k == -EAGAIN) {
			__u64 res = __atomic_load_n(&x->r->side[x->s]->reserve_pos,
						    __ATOMIC_ACQUIRE);

			if (res != x->total)
				__atomic_fetch_add(&x->spurious, 1, __ATOMIC_RELAXED);
			break;
		}
		if (k < 0) {
			__atomic_fetch_add(&x->spurious, 1000, __ATOMIC_RELAXED);
			break;
		}
		n += (__u64)k;
	}
	__atomic_fetch_add(&x->got, n, __ATOMIC_RELAXED);
	return NULL;
}

static void threads_no_spurious_eagain(void)
{
	int c, round;

	for (c = 0; c < NCOMBOS; c++)
	for (round = 0; round < 20; round++) {
		struct memwell *mw = t_ring(combos[c], 3, 12);
		struct memwell_ring *r = memwell_get_ring(mw);
		unsigned int s = (round & 1) ? MEMWELL_SIDE_CONS : MEMWELL_SIDE_PROD;
		struct race x = { r, s, 4096, 0, 0, 0 };
		int multi = __memwell_side_multi(r, s);
		int nt = multi ? 4 : 1, i;
		pthread_t th[4];
		struct memwell_span sp;

		if (s == MEMWELL_SIDE_CONS) {
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 4096, 4096, &sp), 4096);
			REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
		}
		for (i = 0; i < nt; i++)
			REQUIRE(pthread_create(&th[i], NULL, racer, &x) == 0);
		__atomic_store_n(&x.go, 1, __ATOMIC_RELEASE);
		for (i = 0; i < nt; i++)
			pthread_join(th[i], NULL);
		CHECK_EQ(x.spurious, 0);
		CHECK_EQ(x.got, 4096);
		memwell_close(mw);
		if (t_failed) {
			t_diag("flags %#x side %d", combos[c], s);
			return;
		}
	}
}

/*
 * Multi-owner spans released from several threads in scrambled order: the
 * peer sees exactly the released prefix, never a block past a held one.
 */
struct relay {
	struct memwell_ring *r;
	struct memwell_span *spans;
	int n;
	int next;
};

static void *releaser(void *arg)
{
	struct relay *x = arg;
	int i;

	while ((i = __atomic_fetch_add(&x->next, 1, __ATOMIC_RELAXED)) < x->n)
		if (memwell_release(x->r, MEMWELL_SIDE_PROD, &x->spans[i]))
			abort();
	return NULL;
}

static void threads_multi_release(void)
{
	struct memwell *mw = t_ring(MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI, 3, 12);
	struct memwell_ring *r = memwell_get_ring(mw);
	static struct memwell_span spans[4096];
	int round;

	for (round = 0; round < 50; round++) {
		struct relay x = { r, spans, 0, 0 };
		pthread_t th[3];
		struct memwell_span sp, held;
		__u64 start = t_prod(r)->reserve_pos;
		int i, n = 0, k;

		while (memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1 + t_rand() % 7, &sp) > 0)
			spans[n++] = sp;
		/* Keep one span held, scramble the rest. */
		k = (int)(t_rand() % (__u64)n);
		held = spans[k];
		spans[k] = spans[--n];
		for (i = n - 1; i > 0; i--) {
			int j = (int)(t_rand() % (__u64)(i + 1));

			sp = spans[i];
			spans[i] = spans[j];
			spans[j] = sp;
		}
		x.n = n;
		for (i = 0; i < 3; i++)
			REQUIRE(pthread_create(&th[i], NULL, releaser, &x) == 0);
		for (i = 0; i < 3; i++)
			pthread_join(th[i], NULL);
		/*
		 * One sweep publishes at most MEMWELL_SWEEP_MAX spans: finish
		 * the job as a helping peer would, then nothing may pass the
		 * held span.
		 */
		CHECK(t_prod(r)->release_pos <= held.pos);
		while (__memwell_side_sweep(r, MEMWELL_SIDE_PROD))
			;
		CHECK_EQ(t_prod(r)->release_pos, held.pos);
		CHECK_EQ(memwell_ready_blocks(r), held.pos - start);
		CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &held), 0);
		while (__memwell_side_sweep(r, MEMWELL_SIDE_PROD))
			;
		CHECK_EQ(t_prod(r)->release_pos, t_prod(r)->reserve_pos);
		CHECK_EQ(memwell_ready_blocks(r), 4096);
		k = memwell_reserve(r, MEMWELL_SIDE_CONS, 4096, 4096, &sp);
		CHECK_EQ(k, 4096);
		CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
		if (t_failed)
			return;
	}
	memwell_close(mw);
}

/*
 * One sweep publishes at most MEMWELL_SWEEP_MAX spans, so no call runs
 * without bound.  When the earliest span is released last, after more than
 * that many later ones, a consumer that may not write the producers' page
 * (device mode with a kernel producer: access MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS) only)
 * sees the first MEMWELL_SWEEP_MAX spans at once; the rest are published
 * by the next sweep of anyone who may write that page (a later release,
 * or the kernel's poll()), and none is ever lost.  (More than
 * MEMWELL_SWEEP_MAX reservations pending at once needs that many
 * concurrent owners, or one owner holding that many.)
 */
static __u64 t_drain(struct memwell_ring *cv)
{
	struct memwell_span sp;
	__u64 seen = 0;
	int i, k;

	for (i = 0; i < 100; i++) {
		k = memwell_reserve(cv, MEMWELL_SIDE_CONS, 1, 4096, &sp);
		if (k < 0)
			break;
		seen += (__u64)k;
		if (memwell_release(cv, MEMWELL_SIDE_CONS, &sp))
			break;
	}
	return seen;
}

static void sweep_bound_consumer_only(void)
{
	struct t_gring g;
	struct memwell_ring cv = { .count = 0 };
	static struct memwell_span spans[3000];
	__u64 seen;
	int i, n = 3000;

	t_gring_new(&g, MEMWELL_F_PROD_MULTI, 3, 12);
	REQUIRE_EQ(memwell_ring_attach(&cv, g.base, g.l.total_size,
				       MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)), 0);
	for (i = 0; i < n; i++)
		REQUIRE_EQ(memwell_reserve(&g.r, MEMWELL_SIDE_PROD, 1, 1, &spans[i]), 1);
	for (i = n - 1; i >= 0; i--)	/* the first one last */
		REQUIRE_EQ(memwell_release(&g.r, MEMWELL_SIDE_PROD, &spans[i]), 0);
	/* The last release published what one sweep may: the first spans. */
	seen = t_drain(&cv);
	CHECK_EQ(seen, (__u64)MEMWELL_SWEEP_MAX + 1);
	/* Every further sweep by a producer-side participant publishes more. */
	for (i = 0; i < 3 && seen < (__u64)n; i++) {
		__memwell_side_sweep(&g.r, MEMWELL_SIDE_PROD);
		seen += t_drain(&cv);
	}
	CHECK_EQ(seen, (__u64)n);
	if (seen != (__u64)n)
		t_diag("%llu of %d released blocks reached the consumer; "
		       "producers' release_pos stays at %llu",
		       (unsigned long long)seen, n,
		       (unsigned long long)t_prod(&g.r)->release_pos);
	t_gring_free(&g);
}

/*
 * Local mode (no kick): an in-order release publishes with a plain store
 * and no barrier before its sweep, so a span marked meanwhile may be left
 * to the next sweep (memwell_release(), (F')).  Readiness must sweep
 * first, as a reservation that finds too little does, or a caller polling
 * memwell_wait*() never sees that span.  The state is built by hand: B
 * marked, then A's store, its sweep having missed B's mark.
 */
static void local_ready_sweeps_first(void)
{
	struct memwell *mw = t_ring(MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI, 3, 9);
	struct memwell_ring *r = memwell_get_ring(mw);
	const __u64 n = r->count;
	struct memwell_span a = { 0, 0 }, b = { 0, 0 }, sp;

	REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &a), 1);
	REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &b), 1);
	REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &b), 0);	/* (E) */
	CHECK_EQ(memwell_ready_blocks(r), 0);
	__atomic_store_n(&t_prod(r)->release_pos, a.pos + 1, __ATOMIC_RELEASE);
	CHECK_EQ(memwell_ready_blocks(r), 1);
	/* Readiness for both blocks, without a syscall (local mode). */
	CHECK_EQ(memwell_wait_blocks(mw, MEMWELL_WAIT_READ, 2, 0), MEMWELL_WAIT_READ);
	CHECK_EQ(memwell_ready_blocks(r), 2);
	CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 2, 2, &sp), 2);
	CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
	/* The same on the consumers' side, for writers. */
	REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, n - 2, n - 2, &sp), (int)(n - 2));
	REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
	REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, n - 3, n - 3, &a), (int)(n - 3));
	REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &b), 1);
	REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &b), 0);	/* (E) */
	__atomic_store_n(&t_cons(r)->release_pos, a.pos + a.n, __ATOMIC_RELEASE);
	CHECK_EQ(memwell_free_blocks(r), n - 1);
	CHECK_EQ(memwell_wait_blocks(mw, MEMWELL_WAIT_WRITE, n, 0), MEMWELL_WAIT_WRITE);
	CHECK_EQ(memwell_free_blocks(r), n);
	memwell_close(mw);
}

T_MAIN(
	T_CASE(empty_eagain), T_CASE(empty_no_write_to_producer),
	T_CASE(full_no_write_to_consumer), T_CASE(full_and_exact_fill),
	T_CASE(reserve_up_to_n), T_CASE(single_release_order),
	T_CASE(multi_release_out_of_order), T_CASE(wrap_every_offset),
	T_CASE(calls_are_bounded), T_CASE(threads_no_spurious_eagain),
	T_CASE(threads_multi_release), T_CASE(sweep_bound_consumer_only),
	T_CASE(local_ready_sweeps_first))
