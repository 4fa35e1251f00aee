// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Batches: memwell_batch_reserve/put/commit on the producer side,
 * memwell_batch_take/next/release on the consumer side.
 */
#define _GNU_SOURCE
#include "harness.h"

static const __u32 combos[] = {
	MEMWELL_F_RECORDS,
	MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI,
	MEMWELL_F_RECORDS | MEMWELL_F_CONS_MULTI,
	T_F_LOCAL,
};
#define NCOMBOS ((int)(sizeof(combos) / sizeof(combos[0])))

/* Read every published record; check lengths and seeds; return the count. */
static int drain(struct memwell_ring *r, const __u64 *lens, const __u64 *seeds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (t_get(r, lens[i], seeds[i])) {
			t_diag("record %d of %d missing or wrong", i, n);
			t_failed = 1;
			return i;
		}
	return i;
}

/* memwell_batch_put() hands out room until the batch is full, then NULL. */
static void put_until_null(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 5, 8);	/* 32-byte blocks */
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };
		__u64 lens[16], seeds[16];
		void *p;
		int n = 0;

		REQUIRE_EQ(memwell_batch_reserve(r, 8, 8, &b), 8);
		CHECK(b.used == 0 && b.records == 0 && b.span.n == 8);
		/* 24 bytes: exactly one block each. */
		while ((p = memwell_batch_put(r, &b, 24)) != NULL) {
			REQUIRE(n < 16);
			CHECK(p == (unsigned char *)memwell_block(r, b.span.pos + (__u64)n) + 8);
			lens[n] = 24;
			seeds[n] = 100 + (__u64)n;
			t_fill(p, 24, seeds[n]);
			n++;
		}
		CHECK_EQ(n, 8);
		CHECK_EQ(b.used, 8);
		CHECK_EQ(b.records, 8);
		CHECK(memwell_batch_put(r, &b, 1) == NULL);
		CHECK_EQ(memwell_batch_commit(r, &b), 8);
		CHECK_EQ(drain(r, lens, seeds, n), 8);

		/* A record larger than what is left gives NULL, a smaller one fits. */
		REQUIRE_EQ(memwell_batch_reserve(r, 5, 5, &b), 5);
		CHECK(memwell_batch_put(r, &b, 3 * 32 - 8) != NULL);	/* 3 blocks */
		CHECK(memwell_batch_put(r, &b, 2 * 32 - 7) == NULL);	/* 3 blocks */
		CHECK(memwell_batch_put(r, &b, 0) == NULL);
		CHECK(memwell_batch_put(r, &b, r->rec_max + 1) == NULL);
		CHECK(memwell_batch_put(r, &b, 1ULL << 32) == NULL);
		p = memwell_batch_put(r, &b, 2 * 32 - 8);		/* 2 blocks */
		CHECK(p != NULL);
		CHECK_EQ(b.used, 5);
		CHECK(memwell_batch_put(r, &b, 1) == NULL);
		CHECK_EQ(memwell_batch_commit(r, &b), 2);
		memwell_close(mw);
	}
}

/* Nothing of a batch is visible before its commit, then all of it at once. */
static void commit_publishes_all(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };
		struct memwell_rec rec = { .len = 0 };
		__u64 lens[256], seeds[256];
		int n = 0, round;

		for (round = 0; round < 10; round++) {
			void *p;

			n = 0;
			REQUIRE(memwell_batch_reserve(r, 1, 200, &b) > 0);
			for (;;) {
				__u64 len = 1 + t_rand() % 60;

				p = memwell_batch_put(r, &b, len);
				if (!p)
					break;
				REQUIRE(n < 256);
				lens[n] = len;
				seeds[n] = t_rand();
				t_fill(p, len, seeds[n]);
				n++;
				CHECK_EQ(memwell_ready_blocks(r), 0);
				CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
			}
			CHECK_EQ(memwell_batch_commit(r, &b), n);
			CHECK(memwell_ready_blocks(r) >= b.used);
			CHECK_EQ(drain(r, lens, seeds, n), n);
			CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
			CHECK_EQ(memwell_free_blocks(r), 256);
		}
		memwell_close(mw);
	}
}

/*
 * The unused tail of a batch: given back to the ring by a single producer
 * that reserved nothing after it, padded otherwise.  Consumers see no pad.
 */
static void unused_tail(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		int multi = !!(combos[c] & MEMWELL_F_PROD_MULTI);
		struct memwell_batch b = { .used = 0 }, b2 = { .used = 0 };
		struct memwell_rec rec = { .len = 0 };
		__u64 lens[3] = { 8, 8, 8 }, seeds[3] = { 1, 2, 3 };
		__u64 pos, used;
		int i;

		/* 1: three one-block records in an 8-block batch. */
		pos = t_prod(r)->reserve_pos;
		REQUIRE_EQ(memwell_batch_reserve(r, 8, 8, &b), 8);
		for (i = 0; i < 3; i++)
			t_fill(memwell_batch_put(r, &b, 8), 8, seeds[i]);
		CHECK_EQ(memwell_batch_commit(r, &b), 3);
		used = multi ? 8 : 3;
		CHECK_EQ(t_prod(r)->reserve_pos, pos + used);
		CHECK_EQ(t_prod(r)->release_pos, pos + used);
		CHECK_EQ(memwell_ready_blocks(r), used);
		CHECK_EQ(memwell_free_blocks(r), 256 - used);
		CHECK_EQ(drain(r, lens, seeds, 3), 3);
		CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);	/* pad skipped */
		CHECK_EQ(memwell_free_blocks(r), 256);
		/* The next reservation starts right after what was used. */
		REQUIRE_EQ(memwell_rec_reserve(r, 8, &rec), 0);
		CHECK_EQ(rec.span.pos, pos + used);
		t_fill(rec.data, 8, 9);
		CHECK_EQ(memwell_rec_commit(r, &rec), 0);
		CHECK_EQ(t_get(r, 8, 9), 0);

		/* 2: a reservation made after the batch forces padding. */
		pos = t_prod(r)->reserve_pos;
		REQUIRE_EQ(memwell_batch_reserve(r, 8, 8, &b), 8);
		REQUIRE_EQ(memwell_batch_reserve(r, 4, 4, &b2), 4);
		for (i = 0; i < 3; i++)
			t_fill(memwell_batch_put(r, &b, 8), 8, seeds[i]);
		t_fill(memwell_batch_put(r, &b2, 8), 8, 4);
		CHECK_EQ(memwell_batch_commit(r, &b), 3);
		CHECK_EQ(memwell_batch_commit(r, &b2), 1);
		/* b was padded; b2, the last reservation, gave its tail back. */
		CHECK_EQ(t_prod(r)->release_pos, pos + (multi ? 12 : 9));
		CHECK_EQ(drain(r, lens, seeds, 3), 3);
		CHECK_EQ(t_get(r, 8, 4), 0);
		CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
		CHECK_EQ(memwell_free_blocks(r), 256);

		/* 3: an empty batch: given back, or one pad record. */
		pos = t_prod(r)->reserve_pos;
		REQUIRE_EQ(memwell_batch_reserve(r, 6, 6, &b), 6);
		CHECK_EQ(memwell_batch_commit(r, &b), 0);
		CHECK_EQ(t_prod(r)->reserve_pos, pos + (multi ? 6 : 0));
		CHECK_EQ(memwell_ready_blocks(r), multi ? 6 : 0);
		CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
		CHECK_EQ(memwell_ready_blocks(r), 0);
		CHECK_EQ(memwell_free_blocks(r), 256);

		/* 4: a one-block tail with 8-byte blocks is a zero-length pad. */
		memwell_close(mw);
		mw = t_ring(combos[c], 3, 9);
		r = memwell_get_ring(mw);
		REQUIRE_EQ(memwell_batch_reserve(r, 3, 3, &b), 3);
		t_fill(memwell_batch_put(r, &b, 8), 8, 5);	/* 2 blocks */
		CHECK_EQ(memwell_batch_commit(r, &b), 1);
		CHECK_EQ(t_get(r, 8, 5), 0);
		CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
		CHECK_EQ(memwell_free_blocks(r), 512);
		memwell_close(mw);
	}
}

/* take / next / release, with skipped records in between. */
static void take_next_release(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };
		struct memwell_rec rec = { .len = 0 };
		int i, n;

		for (i = 0; i < 10; i++) {
			CHECK_EQ(t_put(r, 5 + (__u64)i * 3, (__u64)i), 0);
			if (i == 2 || i == 5) {	/* a discarded one after 2 and 5 */
				REQUIRE_EQ(memwell_rec_reserve(r, 3, &rec), 0);
				CHECK_EQ(memwell_rec_discard(r, &rec), 0);
			}
		}
		CHECK_EQ(memwell_batch_take(r, 0, 100, ~0ULL, &b), -EINVAL);
		CHECK_EQ(memwell_batch_take(r, 4, 0, ~0ULL, &b), -EINVAL);
		n = memwell_batch_take(r, 4, 256, ~0ULL, &b);
		CHECK_EQ(n, 4);
		CHECK_EQ(b.records, 4);
		for (i = 0; i < 4; i++) {
			REQUIRE_EQ(memwell_batch_next(r, &b, &rec), 0);
			CHECK_EQ(rec.len, 5 + i * 3);
			CHECK(t_check(rec.data, rec.len, (__u64)i));
		}
		CHECK_EQ(memwell_batch_next(r, &b, &rec), -ENOENT);
		CHECK_EQ(memwell_batch_next(r, &b, &rec), -ENOENT);
		CHECK_EQ(memwell_batch_release(r, &b), 0);
		n = memwell_batch_take(r, 100, 256, ~0ULL, &b);
		CHECK_EQ(n, 6);
		for (i = 4; i < 10; i++) {
			REQUIRE_EQ(memwell_batch_next(r, &b, &rec), 0);
			CHECK_EQ(rec.len, 5 + i * 3);
			CHECK(t_check(rec.data, rec.len, (__u64)i));
		}
		CHECK_EQ(memwell_batch_next(r, &b, &rec), -ENOENT);
		CHECK_EQ(memwell_batch_release(r, &b), 0);
		CHECK_EQ(memwell_batch_take(r, 100, 256, ~0ULL, &b), -EAGAIN);
		CHECK_EQ(memwell_free_blocks(r), 256);
		memwell_close(mw);
	}
}

/* max_len: a too-long first record is -EMSGSIZE and stays; later ones end the batch. */
static void take_max_len(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };
		struct memwell_rec rec = { .len = 0 };

		CHECK_EQ(t_put(r, 10, 1), 0);
		CHECK_EQ(t_put(r, 20, 2), 0);
		CHECK_EQ(t_put(r, 100, 3), 0);
		CHECK_EQ(t_put(r, 5, 4), 0);
		CHECK_EQ(memwell_batch_take(r, 10, 256, 9, &b), -EMSGSIZE);
		CHECK_EQ(memwell_ready_blocks(r), 2 + 2 + 7 + 1);
		CHECK_EQ(memwell_batch_take(r, 10, 256, 99, &b), 2);
		CHECK_EQ(memwell_batch_next(r, &b, &rec), 0);
		CHECK_EQ(rec.len, 10);
		CHECK_EQ(memwell_batch_next(r, &b, &rec), 0);
		CHECK_EQ(rec.len, 20);
		CHECK_EQ(memwell_batch_next(r, &b, &rec), -ENOENT);
		CHECK_EQ(memwell_batch_release(r, &b), 0);
		CHECK_EQ(memwell_batch_take(r, 10, 256, 99, &b), -EMSGSIZE);
		CHECK_EQ(memwell_batch_take(r, 10, 256, 100, &b), 2);
		CHECK_EQ(memwell_batch_release(r, &b), 0);
		CHECK_EQ(memwell_free_blocks(r), 256);
		memwell_close(mw);
	}
}

/*
 * max_blocks bounds the batch: records that do not fit in it stay in the
 * ring for the next take.  A record crossing the max_blocks boundary is not
 * corruption and must not give -EIO.
 */
static void take_max_blocks(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 5, 8);	/* 32-byte blocks */
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };
		struct memwell_rec rec = { .len = 0 };
		int i, n, got = 0;

		for (i = 0; i < 6; i++)	/* 6 records of 2 blocks */
			CHECK_EQ(t_put(r, 40, (__u64)i), 0);
		/* Fits exactly: 2 records in 4 blocks. */
		n = memwell_batch_take(r, 10, 4, ~0ULL, &b);
		CHECK_EQ(n, 2);
		if (n > 0) {
			CHECK_EQ(b.span.n, 4);
			for (i = 0; i < n; i++) {
				CHECK_EQ(memwell_batch_next(r, &b, &rec), 0);
				CHECK(t_check(rec.data, 40, (__u64)got++));
			}
			CHECK_EQ(memwell_batch_release(r, &b), 0);
		}
		/* 3 blocks allowed: one record, the second would straddle. */
		n = memwell_batch_take(r, 10, 3, ~0ULL, &b);
		CHECK_EQ(n, 1);
		if (n > 0) {
			CHECK_EQ(b.span.n, 2);
			CHECK_EQ(memwell_batch_next(r, &b, &rec), 0);
			CHECK(t_check(rec.data, 40, (__u64)got++));
			CHECK_EQ(memwell_batch_release(r, &b), 0);
		}
		/* 1 block allowed: the next record can never fit this batch. */
		n = memwell_batch_take(r, 10, 1, ~0ULL, &b);
		CHECK_EQ(n, -EMSGSIZE);
		if (n > 0)
			CHECK_EQ(memwell_batch_release(r, &b), 0);
		CHECK_EQ(memwell_ready_blocks(r), 12 - 2 * got);
		memwell_close(mw);
	}
}

/* Batches of mixed sizes across the wrap, taken in batches of various sizes. */
static void batches_across_wrap(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		__u64 wseq = 0, rseq = 0, i;

		for (i = 0; i < 3000; i++) {
			struct memwell_batch b = { .used = 0 };
			struct memwell_rec rec = { .len = 0 };
			void *p;
			int n, k;

			/* min: room for the next record at least. */
			n = memwell_batch_reserve(r, memwell_rec_blocks(r, 1 + (wseq * 7919) % 120),
						  8 + t_rand() % 40, &b);
			if (n > 0) {
				for (;;) {
					__u64 len = 1 + (wseq * 7919) % 120;

					p = memwell_batch_put(r, &b, len);
					if (!p)
						break;
					t_fill(p, len, wseq++);
				}
				CHECK(memwell_batch_commit(r, &b) >= 0);
			} else {
				CHECK_EQ(n, -EAGAIN);
			}
			n = memwell_batch_take(r, 1 + (__u32)(t_rand() % 8), 256, ~0ULL, &b);
			if (n == -EAGAIN)
				continue;
			REQUIRE(n > 0);
			for (k = 0; k < n; k++) {
				REQUIRE_EQ(memwell_batch_next(r, &b, &rec), 0);
				CHECK_EQ(rec.len, 1 + (rseq * 7919) % 120);
				CHECK(t_in_data(r, rec.data, rec.len));
				CHECK(t_check(rec.data, rec.len, rseq));
				rseq++;
			}
			CHECK_EQ(memwell_batch_next(r, &b, &rec), -ENOENT);
			CHECK_EQ(memwell_batch_release(r, &b), 0);
			if (t_failed)
				return;
		}
		CHECK(rseq > 1000);
		CHECK(wseq >= rseq);
		memwell_close(mw);
	}
}

static void batch_reserve_args(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };

		CHECK_EQ(memwell_batch_reserve(r, 0, 4, &b), -EINVAL);
		CHECK_EQ(memwell_batch_reserve(r, 5, 4, &b), -EINVAL);
		CHECK_EQ(memwell_batch_reserve(r, 257, 300, &b), -EMSGSIZE);
		CHECK_EQ(memwell_batch_reserve(r, 1, ~0ULL, &b), 256);
		CHECK_EQ(memwell_batch_reserve(r, 1, 1, &b), -EAGAIN);
		memwell_close(mw);
	}
}

/* Empty the ring of a fresh records ring after 255 one-block records. */
static void advance_255(struct memwell_ring *r)
{
	int i;

	for (i = 0; i < 255; i++) {
		CHECK_EQ(t_put(r, 8, (__u64)i), 0);
		CHECK_EQ(t_get(r, 8, (__u64)i), 0);
	}
	CHECK_EQ(memwell_free_blocks(r), 256);
}

/*
 * A producer asking for a batch of (1, N) blocks, finding it too short for
 * its record and committing it empty (a single producer gives the blocks
 * back) must get a longer batch at some point when the ring is empty; with
 * the short answer coming from a stale cache of the consumers' position it
 * gets the same 1-block batch forever.
 */
static void batch_reserve_no_livelock(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };
		int i, n = 0;
		void *p = NULL;

		advance_255(r);
		for (i = 0; i < 100 && !p; i++) {
			n = memwell_batch_reserve(r, 1, 256, &b);
			REQUIRE(n > 0);
			p = memwell_batch_put(r, &b, 100);	/* 7 blocks */
			if (p)
				t_fill(p, 100, 42);
			CHECK(memwell_batch_commit(r, &b) >= 0);
		}
		if (!p) {
			t_diag("flags %#x: 100 batches of (1, 256) blocks on an empty "
			       "ring all had %d block(s)", combos[c], n);
			t_failed = 1;
		}
		memwell_close(mw);
	}
}

/*
 * "Up to N" gives fewer than N only when fewer are available: on an empty
 * ring, reserving (1, capacity) gives the capacity, whatever a cache of the
 * peer's position said before.
 */
static void reserve_up_to_n_fresh(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };
		struct memwell_span sp;
		int n;

		advance_255(r);
		n = memwell_batch_reserve(r, 1, 256, &b);
		CHECK_EQ(n, 256);
		if (n > 0)
			CHECK(memwell_batch_commit(r, &b) >= 0);
		while (memwell_rec_peek(r, &(struct memwell_rec){ .len = 0 }) == 0)
			;
		memwell_close(mw);

		/* Block mode, both sides. */
		mw = t_ring(combos[c] & ~MEMWELL_F_RECORDS, 4, 8);
		r = memwell_get_ring(mw);
		for (n = 0; n < 255; n++) {
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &sp), 1);
			REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
			REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1, &sp), 1);
			REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
		}
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 256, &sp), 256);
		CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 256, &sp), 256);
		memwell_close(mw);
		if (t_failed) {
			t_diag("flags %#x", combos[c]);
			return;
		}
	}
}

T_MAIN(
	T_CASE(put_until_null), T_CASE(commit_publishes_all), T_CASE(unused_tail),
	T_CASE(take_next_release), T_CASE(take_max_len), T_CASE(take_max_blocks),
	T_CASE(batches_across_wrap), T_CASE(batch_reserve_args),
	T_CASE(batch_reserve_no_livelock), T_CASE(reserve_up_to_n_fresh))
