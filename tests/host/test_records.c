// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Record API: memwell_rec_reserve/commit/discard/write and
 * memwell_rec_peek/release/read: lengths, wrap, discard, copy-out, order.
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

static void zero_length(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 6, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch b = { .used = 0 };

		CHECK_EQ(memwell_rec_reserve(r, 0, &rec), -EINVAL);
		CHECK_EQ(memwell_rec_write(r, "", 0), -EINVAL);
		CHECK_EQ(memwell_batch_reserve(r, 1, 4, &b), 4);
		CHECK(memwell_batch_put(r, &b, 0) == NULL);
		CHECK(memwell_batch_put(r, &b, 1) != NULL);
		CHECK_EQ(memwell_batch_commit(r, &b), 1);
		CHECK_EQ(memwell_ready_blocks(r), (combos[c] & MEMWELL_F_PROD_MULTI) ? 4 : 1);
		memwell_close(mw);
	}
}

/* Every record call on a block-mode ring is -EINVAL (or NULL). */
static void records_on_block_ring(void)
{
	static const __u32 fl[] = { 0, MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct memwell *mw = t_ring(fl[i], 6, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch b = { .used = 0 };
		struct memwell_span sp;
		char buf[64];

		CHECK_EQ(r->rec_max, 0);
		CHECK_EQ(memwell_rec_reserve(r, 1, &rec), -EINVAL);
		CHECK_EQ(memwell_rec_write(r, "abc", 3), -EINVAL);
		CHECK_EQ(memwell_rec_peek(r, &rec), -EINVAL);
		CHECK_EQ(memwell_rec_read(r, buf, sizeof(buf)), -EINVAL);
		CHECK_EQ(memwell_batch_reserve(r, 1, 4, &b), -EINVAL);
		CHECK_EQ(memwell_batch_take(r, 1, 4, ~0ULL, &b), -EINVAL);
		/* With data published, still -EINVAL (not -EIO, not a record). */
		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 4, 4, &sp), 4);
		memset(memwell_block(r, sp.pos), 0, 4 * 64);
		REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
		CHECK_EQ(memwell_rec_peek(r, &rec), -EINVAL);
		CHECK_EQ(memwell_rec_read(r, buf, sizeof(buf)), -EINVAL);
		CHECK_EQ(memwell_batch_take(r, 1, 4, ~0ULL, &b), -EINVAL);
		b.span = sp;
		b.used = 0;
		b.records = 0;
		CHECK(memwell_batch_put(r, &b, 1) == NULL);
		CHECK_EQ(memwell_ready_blocks(r), 4);
		memwell_close(mw);
	}
}

/*
 * The largest record is the capacity less the 8-byte header; one byte more,
 * or a length past 32 bits (Memory Wheel silently truncated those), is
 * -EMSGSIZE and leaves the ring as it was.
 */
static void largest_record(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 5, 7);
		struct memwell_ring *r = memwell_get_ring(mw);
		__u64 max = t_data_size(r) - 8, big[] = {
			max + 1, max + 32, 1ULL << 32, (1ULL << 32) + 1,
			(1ULL << 32) + max, ~0ULL, ~0ULL - 7,
		};
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch b = { .used = 0 };
		unsigned int i;
		int k;

		CHECK_EQ(r->rec_max, 4096 - 8);
		for (k = 0; k < 3; k++) {
			__u64 pr = t_prod(r)->reserve_pos, cr = t_cons(r)->reserve_pos;

			for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
				CHECK_EQ(memwell_rec_reserve(r, big[i], &rec), -EMSGSIZE);
				REQUIRE_EQ(memwell_batch_reserve(r, 128, 128, &b), 128);
				CHECK(memwell_batch_put(r, &b, big[i]) == NULL);
				CHECK_EQ(memwell_batch_commit(r, &b), 0);
				CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
			}
			if (!(combos[c] & MEMWELL_F_PROD_MULTI)) {
				/* Nothing moved at all (multi: padding went through). */
				CHECK_EQ(t_prod(r)->reserve_pos, pr);
				CHECK_EQ(t_prod(r)->release_pos, pr);
				CHECK_EQ(t_cons(r)->reserve_pos, cr);
			}
			CHECK_EQ(memwell_free_blocks(r), 128);
			CHECK_EQ(memwell_ready_blocks(r), 0);
			/* The largest one fits, at any offset, and reads back. */
			CHECK_EQ(t_put(r, max, 1000 + (__u64)k), 0);
			CHECK_EQ(memwell_free_blocks(r), 0);
			CHECK_EQ(t_put(r, 1, 1), -EAGAIN);
			CHECK_EQ(t_get(r, max, 1000 + (__u64)k), 0);
			CHECK_EQ(t_put(r, 24 + 32 * (__u64)k, 5), 0);	/* shift the offset */
			CHECK_EQ(t_get(r, 24 + 32 * (__u64)k, 5), 0);
		}
		memwell_close(mw);
	}
}

static void empty_and_full(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch b = { .used = 0 };
		char buf[4096];
		__u64 used = 0, n = 0, len;

		CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
		CHECK_EQ(memwell_rec_read(r, buf, sizeof(buf)), -EAGAIN);
		CHECK_EQ(memwell_batch_take(r, 10, 100, ~0ULL, &b), -EAGAIN);
		/* Exact fill with records of 1..8 blocks. */
		while (used < 256) {
			__u64 blocks = 1 + (n % 8);

			if (blocks > 256 - used)
				blocks = 256 - used;
			len = t_len_for_blocks(r, blocks) - (n % 3);
			CHECK_EQ(t_put(r, len, n), 0);
			used += blocks;
			n++;
		}
		CHECK_EQ(memwell_free_blocks(r), 0);
		CHECK_EQ(t_put(r, 1, 0), -EAGAIN);
		CHECK_EQ(memwell_rec_reserve(r, 1, &rec), -EAGAIN);
		CHECK_EQ(memwell_batch_reserve(r, 1, 1, &b), -EAGAIN);
		CHECK_EQ(memwell_ready_blocks(r), 256);
		used = 0;
		for (n = 0; used < 256; n++) {
			__u64 blocks = 1 + (n % 8);

			if (blocks > 256 - used)
				blocks = 256 - used;
			CHECK_EQ(t_get(r, t_len_for_blocks(r, blocks) - (n % 3), n), 0);
			used += blocks;
		}
		CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
		CHECK_EQ(memwell_free_blocks(r), 256);
		memwell_close(mw);
	}
}

/*
 * A record of every block count starting at every block offset; those that
 * cross the end of the data are contiguous thanks to the second mapping and
 * read back intact (zero-copy pointer and copy-out both).
 */
static void wrap_every_offset(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c += 3) {
		struct memwell *mw = t_ring(combos[c], 6, 6);
		struct memwell_ring *r = memwell_get_ring(mw);
		unsigned char *buf = malloc(4096);
		__u64 o, nb, seed = 7, wrapped = 0;

		REQUIRE(buf);
		for (o = 0; o < r->count; o++)
		for (nb = 1; nb <= r->count; nb++) {
			struct memwell_rec rec = { .len = 0 };
			__u64 cur = t_prod(r)->reserve_pos & r->mask;
			__u64 k = (o - cur) & r->mask, len;

			if (k) {	/* one filler record moves us to offset o */
				REQUIRE_EQ(t_put(r, t_len_for_blocks(r, k), 0), 0);
				REQUIRE_EQ(t_get(r, t_len_for_blocks(r, k), 0), 0);
			}
			len = t_len_for_blocks(r, nb) - (t_rand() % 56);
			seed++;
			REQUIRE_EQ(memwell_rec_reserve(r, len, &rec), 0);
			REQUIRE_EQ(rec.span.pos & r->mask, o);
			CHECK(rec.data == (unsigned char *)memwell_block(r, rec.span.pos) + 8);
			CHECK(t_in_data(r, rec.data, len));
			t_fill(rec.data, len, seed);
			REQUIRE_EQ(memwell_rec_commit(r, &rec), 0);
			if (nb & 1) {
				REQUIRE_EQ(memwell_rec_peek(r, &rec), 0);
				CHECK_EQ(rec.len, len);
				CHECK_EQ(rec.span.pos & r->mask, o);
				CHECK(t_in_data(r, rec.data, rec.len));
				CHECK(t_check(rec.data, rec.len, seed));
				if ((unsigned char *)rec.data + rec.len >
				    r->data + t_data_size(r))
					wrapped++;
				CHECK_EQ(memwell_rec_release(r, &rec), 0);
			} else {
				memset(buf, 0, 4096);
				CHECK_EQ(memwell_rec_read(r, buf, len), (long)len);
				CHECK(t_check(buf, len, seed));
			}
			if (t_failed) {
				t_diag("flags %#x offset %llu blocks %llu len %llu",
				       combos[c], (unsigned long long)o,
				       (unsigned long long)nb, (unsigned long long)len);
				return;
			}
		}
		CHECK(wrapped > 500);
		free(buf);
		memwell_close(mw);
	}
}

/* Every length from 1 to the largest, back to back, 8-byte blocks. */
static void every_length(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 3, 9);
		struct memwell_ring *r = memwell_get_ring(mw);
		unsigned char *buf = malloc(4096);
		__u64 len;

		REQUIRE(buf);
		for (len = 1; len <= r->rec_max; len++) {
			CHECK_EQ(t_put(r, len, len), 0);
			if (len & 1) {
				CHECK_EQ(t_get(r, len, len), 0);
			} else {
				CHECK_EQ(memwell_rec_read(r, buf, 4096), (long)len);
				CHECK(t_check(buf, len, len));
			}
			if (t_failed) {
				t_diag("flags %#x len %llu", combos[c], (unsigned long long)len);
				return;
			}
		}
		free(buf);
		memwell_close(mw);
	}
}

/* Discarded records are never seen, wherever they are. */
static void discard_skipped(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_rec a = { .len = 0 }, b = { .len = 0 }, d = { .len = 0 }, rec = { .len = 0 };
		int i;

		for (i = 0; i < 40; i++) {
			REQUIRE_EQ(memwell_rec_reserve(r, 20, &a), 0);
			REQUIRE_EQ(memwell_rec_reserve(r, 30, &b), 0);
			REQUIRE_EQ(memwell_rec_reserve(r, 40, &d), 0);
			t_fill(a.data, 20, 1);
			memset(b.data, 0xee, 30);
			t_fill(d.data, 40, 3);
			switch (i % 4) {
			case 0:	/* discard in the middle */
				CHECK_EQ(memwell_rec_commit(r, &a), 0);
				CHECK_EQ(memwell_rec_discard(r, &b), 0);
				CHECK_EQ(memwell_rec_commit(r, &d), 0);
				CHECK_EQ(t_get(r, 20, 1), 0);
				CHECK_EQ(t_get(r, 40, 3), 0);
				break;
			case 1:	/* discard first */
				CHECK_EQ(memwell_rec_discard(r, &a), 0);
				CHECK_EQ(memwell_rec_discard(r, &b), 0);
				CHECK_EQ(memwell_rec_commit(r, &d), 0);
				CHECK_EQ(t_get(r, 40, 3), 0);
				break;
			case 2:	/* discard last: the consumer drains them */
				CHECK_EQ(memwell_rec_commit(r, &a), 0);
				CHECK_EQ(memwell_rec_discard(r, &b), 0);
				CHECK_EQ(memwell_rec_discard(r, &d), 0);
				CHECK_EQ(t_get(r, 20, 1), 0);
				break;
			default: /* all discarded */
				CHECK_EQ(memwell_rec_discard(r, &a), 0);
				CHECK_EQ(memwell_rec_discard(r, &b), 0);
				CHECK_EQ(memwell_rec_discard(r, &d), 0);
				break;
			}
			CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
			CHECK_EQ(memwell_ready_blocks(r), 0);
			CHECK_EQ(memwell_free_blocks(r), 256);
		}
		memwell_close(mw);
	}
}

/*
 * A single consumer holding a record: skipped records behind it wait
 * (-EAGAIN) rather than be released out of order; a real record behind
 * them is handed out with the skipped ones in its span.
 */
static void skipped_behind_held(void)
{
	struct memwell *mw = t_ring(MEMWELL_F_RECORDS, 5, 8);
	struct memwell_ring *r = memwell_get_ring(mw);
	struct memwell_rec a = { .len = 0 }, d = { .len = 0 }, rec = { .len = 0 }, rec2 = { .len = 0 };

	CHECK_EQ(t_put(r, 10, 1), 0);
	REQUIRE_EQ(memwell_rec_reserve(r, 10, &d), 0);
	CHECK_EQ(memwell_rec_discard(r, &d), 0);
	CHECK_EQ(t_put(r, 11, 2), 0);
	REQUIRE_EQ(memwell_rec_peek(r, &a), 0);
	REQUIRE_EQ(memwell_rec_peek(r, &rec), 0);
	CHECK_EQ(rec.len, 11);
	CHECK(t_check(rec.data, 11, 2));
	CHECK_EQ(rec.span.n, 2);	/* the discarded record and this one */
	CHECK_EQ(rec.span.pos, d.span.pos);
	CHECK_EQ(memwell_rec_release(r, &rec), -EINVAL);	/* out of order */
	CHECK_EQ(memwell_rec_release(r, &a), 0);
	CHECK_EQ(memwell_rec_release(r, &rec), 0);
	/* Held record, discard behind it only: drains after the release. */
	CHECK_EQ(t_put(r, 12, 3), 0);
	REQUIRE_EQ(memwell_rec_reserve(r, 10, &d), 0);
	CHECK_EQ(memwell_rec_discard(r, &d), 0);
	REQUIRE_EQ(memwell_rec_peek(r, &rec2), 0);
	CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
	CHECK_EQ(memwell_rec_release(r, &rec2), 0);
	CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
	CHECK_EQ(memwell_ready_blocks(r), 0);
	CHECK_EQ(memwell_free_blocks(r), 256);
	memwell_close(mw);
}

/*
 * Same, but the real record is published after the consumer last read the
 * producers' position: holding A with a discarded D behind it, the consumer
 * must still see B once B is committed (not -EAGAIN until A is released).
 */
static void skipped_behind_held_late_record(void)
{
	struct memwell *mw = t_ring(MEMWELL_F_RECORDS, 5, 8);
	struct memwell_ring *r = memwell_get_ring(mw);
	struct memwell_rec a = { .len = 0 }, d = { .len = 0 }, rec = { .len = 0 };

	CHECK_EQ(t_put(r, 10, 1), 0);			/* A */
	REQUIRE_EQ(memwell_rec_reserve(r, 10, &d), 0);	/* D */
	CHECK_EQ(memwell_rec_discard(r, &d), 0);
	REQUIRE_EQ(memwell_rec_peek(r, &a), 0);		/* hold A */
	CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);	/* only D behind A */
	CHECK_EQ(t_put(r, 11, 2), 0);			/* B */
	CHECK_EQ(memwell_ready_blocks(r), 2);
	CHECK_EQ(memwell_rec_peek(r, &rec), 0);		/* B, with D in its span */
	if (!t_failed) {
		CHECK_EQ(rec.len, 11);
		CHECK_EQ(rec.span.pos, d.span.pos);
		CHECK_EQ(memwell_rec_release(r, &a), 0);
		CHECK_EQ(memwell_rec_release(r, &rec), 0);
	}
	memwell_close(mw);
}

/* memwell_rec_read() with a short buffer: -EMSGSIZE, the record stays. */
static void read_short_buffer(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		unsigned char buf[200];
		struct memwell_rec d = { .len = 0 };
		__u64 ready;

		REQUIRE_EQ(memwell_rec_reserve(r, 5, &d), 0);	/* skipped first */
		CHECK_EQ(memwell_rec_discard(r, &d), 0);
		CHECK_EQ(t_put(r, 100, 9), 0);
		CHECK_EQ(t_put(r, 7, 10), 0);
		ready = memwell_ready_blocks(r);
		memset(buf, 0xcc, sizeof(buf));
		CHECK_EQ(memwell_rec_read(r, buf, 99), -EMSGSIZE);
		CHECK_EQ(memwell_rec_read(r, buf, 0), -EMSGSIZE);
		CHECK_EQ(memwell_rec_read(r, buf, 1), -EMSGSIZE);
		CHECK_EQ(buf[0], 0xcc);
		CHECK_EQ(memwell_ready_blocks(r), ready);
		CHECK_EQ(memwell_rec_read(r, buf, 100), 100);
		CHECK(t_check(buf, 100, 9));
		CHECK_EQ(buf[100], 0xcc);
		CHECK_EQ(memwell_rec_read(r, buf, 6), -EMSGSIZE);
		CHECK_EQ(memwell_rec_read(r, buf, 7), 7);
		CHECK(t_check(buf, 7, 10));
		CHECK_EQ(memwell_rec_read(r, buf, sizeof(buf)), -EAGAIN);
		CHECK_EQ(memwell_free_blocks(r), 256);
		memwell_close(mw);
	}
}

/* Single producer: commits in reservation order; multi: any order. */
static void commit_order(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		int multi = !!(combos[c] & MEMWELL_F_PROD_MULTI);
		struct memwell_rec a = { .len = 0 }, b = { .len = 0 }, rec = { .len = 0 };

		REQUIRE_EQ(memwell_rec_reserve(r, 10, &a), 0);
		REQUIRE_EQ(memwell_rec_reserve(r, 20, &b), 0);
		t_fill(a.data, 10, 1);
		t_fill(b.data, 20, 2);
		CHECK_EQ(memwell_rec_commit(r, &b), multi ? 0 : -EINVAL);
		CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
		CHECK_EQ(memwell_ready_blocks(r), 0);
		CHECK_EQ(memwell_rec_commit(r, &a), 0);
		if (!multi)
			CHECK_EQ(memwell_rec_commit(r, &b), 0);
		CHECK_EQ(t_get(r, 10, 1), 0);
		CHECK_EQ(t_get(r, 20, 2), 0);
		CHECK_EQ(memwell_rec_peek(r, &rec), -EAGAIN);
		memwell_close(mw);
	}
}

/*
 * Multi consumer: releasing the second record first frees nothing until
 * the first is released; single consumer: that release is -EINVAL.
 */
static void release_order(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		int multi = !!(combos[c] & MEMWELL_F_CONS_MULTI);
		struct memwell_rec a = { .len = 0 }, b = { .len = 0 }, d = { .len = 0 };

		CHECK_EQ(t_put(r, 10, 1), 0);
		CHECK_EQ(t_put(r, 40, 2), 0);
		CHECK_EQ(t_put(r, 70, 3), 0);
		REQUIRE_EQ(memwell_rec_peek(r, &a), 0);
		REQUIRE_EQ(memwell_rec_peek(r, &b), 0);
		REQUIRE_EQ(memwell_rec_peek(r, &d), 0);
		CHECK(a.len == 10 && b.len == 40 && d.len == 70);
		CHECK(t_check(b.data, 40, 2));
		CHECK_EQ(memwell_free_blocks(r), 256 - 2 - 3 - 5);
		CHECK_EQ(memwell_rec_release(r, &b), multi ? 0 : -EINVAL);
		CHECK_EQ(memwell_rec_release(r, &d), multi ? 0 : -EINVAL);
		CHECK_EQ(memwell_free_blocks(r), 256 - 2 - 3 - 5);
		CHECK_EQ(memwell_rec_release(r, &a), 0);
		if (!multi) {
			CHECK_EQ(memwell_rec_release(r, &b), 0);
			CHECK_EQ(memwell_rec_release(r, &d), 0);
		}
		CHECK_EQ(memwell_free_blocks(r), 256);
		memwell_close(mw);
	}
}

/* rec_write / rec_read round trip and the record's view of its blocks. */
static void write_read_roundtrip(void)
{
	int c;

	for (c = 0; c < NCOMBOS; c++) {
		struct memwell *mw = t_ring(combos[c], 6, 10);
		struct memwell_ring *r = memwell_get_ring(mw);
		unsigned char in[1000], out[1000];
		struct memwell_rec rec = { .len = 0 };
		__u64 i;

		for (i = 1; i < 5000; i++) {
			__u64 len = 1 + t_rand() % sizeof(in);

			t_fill(in, len, i);
			REQUIRE_EQ(memwell_rec_write(r, in, len), 0);
			if (i % 3) {
				CHECK_EQ(memwell_rec_read(r, out, sizeof(out)), (long)len);
				CHECK(!memcmp(in, out, len));
			} else {
				REQUIRE_EQ(memwell_rec_peek(r, &rec), 0);
				CHECK_EQ(rec.len, len);
				CHECK_EQ(rec.flags, 0);
				CHECK_EQ(rec.span.n, (8 + len + 63) / 64);
				CHECK(rec.data == (unsigned char *)memwell_block(r, rec.span.pos) + 8);
				CHECK(!memcmp(in, rec.data, len));
				CHECK_EQ(memwell_rec_release(r, &rec), 0);
			}
			if (t_failed)
				return;
		}
		memwell_close(mw);
	}
}

T_MAIN(
	T_CASE(zero_length), T_CASE(records_on_block_ring), T_CASE(largest_record),
	T_CASE(empty_and_full), T_CASE(wrap_every_offset), T_CASE(every_length),
	T_CASE(discard_skipped), T_CASE(skipped_behind_held),
	T_CASE(skipped_behind_held_late_record), T_CASE(read_short_buffer),
	T_CASE(commit_order), T_CASE(release_order), T_CASE(write_read_roundtrip))
