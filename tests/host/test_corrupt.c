// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Corruption: every header field checked by memwell_ring_attach(), and
 * shared state corrupted at run time (positions, caches, marks, record
 * headers).  The rings here live in their own mapping between large
 * PROT_NONE guards (t_gring): a call that touched memory outside the ring
 * would fault and fail the case.  Run under ASan/UBSan too.
 */
#define _GNU_SOURCE
#include "harness.h"

static const __u32 all_combos[] = {
	0, MEMWELL_F_PROD_MULTI, MEMWELL_F_CONS_MULTI,
	MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI,
	MEMWELL_F_RECORDS, MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI,
	MEMWELL_F_RECORDS | MEMWELL_F_CONS_MULTI, T_F_LOCAL,
};
#define NALL ((int)(sizeof(all_combos) / sizeof(all_combos[0])))

/* ---- attach ---- */

static int attach_copy(struct t_gring *g, __u64 map_size)
{
	struct memwell_ring v, before;
	int err;

	memset(&v, 0xab, sizeof(v));
	before = v;
	err = memwell_ring_attach(&v, g->base, map_size, MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
	if (err && memcmp(&v, &before, sizeof(v))) {
		t_diag("a failed attach wrote the view");
		t_failed = 1;
	}
	if (!err) {
		CHECK(v.data == g->r.data);
		CHECK_EQ(v.count, g->r.count);
		CHECK_EQ(v.access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
	}
	return err;
}

#define HDR(g) ((struct memwell_ring_hdr *)(g)->base)

/* Corrupt one __u32 / __u64 header field, attach, restore. */
#define TRY32(g, field, val, want) do {					\
	__u32 _save = HDR(g)->field;					\
	HDR(g)->field = (val);						\
	if (attach_copy(g, (g)->l.total_size) != (want)) {		\
		t_diag("%s = %#llx: attach gave %d, expected %d", #field,	\
		       (unsigned long long)(val),			\
		       attach_copy(g, (g)->l.total_size), (want));	\
		t_failed = 1;						\
	}								\
	HDR(g)->field = _save;						\
} while (0)

#define TRY64(g, field, val, want) do {					\
	__u64 _save = HDR(g)->field;					\
	HDR(g)->field = (val);						\
	if (attach_copy(g, (g)->l.total_size) != (want)) {		\
		t_diag("%s = %#llx: attach gave %d, expected %d", #field,	\
		       (unsigned long long)(val),			\
		       attach_copy(g, (g)->l.total_size), (want));	\
		t_failed = 1;						\
	}								\
	HDR(g)->field = _save;						\
} while (0)

static void attach_valid(void)
{
	int c;

	for (c = 0; c < NALL; c++) {
		struct t_gring g;

		t_gring_new(&g, all_combos[c], 6, 10);
		CHECK_EQ(attach_copy(&g, g.l.total_size), 0);
		CHECK_EQ(attach_copy(&g, g.l.total_size + 4096), 0);
		t_gring_free(&g);
	}
}

static void attach_bad_magic_version(void)
{
	struct t_gring g;

	t_gring_new(&g, T_F_LOCAL, 6, 10);
	TRY32(&g, magic, MEMWELL_MAGIC ^ 1, -EINVAL);
	TRY32(&g, magic, MEMWELL_MAGIC ^ 0x80000000U, -EINVAL);
	TRY32(&g, magic, 0, -EINVAL);
	TRY32(&g, abi_version, 0, -EINVAL);
	TRY32(&g, abi_version, MEMWELL_ABI_VERSION + 1, -EINVAL);
	TRY32(&g, abi_version, ~0U, -EINVAL);
	CHECK_EQ(attach_copy(&g, g.l.total_size), 0);
	t_gring_free(&g);
}

static void attach_bad_flags(void)
{
	struct t_gring g;
	__u32 bit;

	t_gring_new(&g, MEMWELL_F_RECORDS, 6, 10);
	for (bit = 0; bit < 32; bit++)
		if (!(MEMWELL_F_ALL & (1U << bit)))
			TRY32(&g, flags, MEMWELL_F_RECORDS | (1U << bit), -EINVAL);
	/* A valid flag whose layout differs (marks move the offsets). */
	TRY32(&g, flags, MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI, -EINVAL);
	TRY32(&g, flags, MEMWELL_F_RECORDS | MEMWELL_F_CONS_MULTI, -EINVAL);
	t_gring_free(&g);
	t_gring_new(&g, T_F_LOCAL, 6, 10);
	TRY32(&g, flags, MEMWELL_F_RECORDS, -EINVAL);
	t_gring_free(&g);
	/* A records ring of more than 2 GiB is refused at attach too. */
	t_gring_new(&g, 0, 16, 16);
	TRY32(&g, flags, MEMWELL_F_RECORDS, -EINVAL);
	t_gring_free(&g);
}

static void attach_bad_shifts(void)
{
	struct t_gring g;

	t_gring_new(&g, T_F_LOCAL, 6, 10);
	TRY32(&g, block_shift, 2, -EINVAL);
	TRY32(&g, block_shift, 17, -EINVAL);
	TRY32(&g, block_shift, 7, -EINVAL);	/* in range, sizes differ */
	TRY32(&g, block_shift, 5, -EINVAL);
	TRY32(&g, block_shift, 38, -EINVAL);	/* 38 & 31 = 6 */
	TRY32(&g, block_shift, ~0U, -EINVAL);
	TRY32(&g, count_shift, 0, -EINVAL);
	TRY32(&g, count_shift, 31, -EINVAL);
	TRY32(&g, count_shift, 11, -EINVAL);
	TRY32(&g, count_shift, 9, -EINVAL);
	TRY32(&g, count_shift, 42, -EINVAL);	/* 42 & 31 = 10 */
	TRY32(&g, page_shift, 11, -EINVAL);
	TRY32(&g, page_shift, 22, -EINVAL);
	TRY32(&g, page_shift, t_page_shift() + 1, -EINVAL);
	TRY32(&g, page_shift, t_page_shift() + 32, -EINVAL);
	TRY32(&g, page_shift, 0, -EINVAL);
	t_gring_free(&g);
}

static void attach_bad_offsets(void)
{
	struct t_gring g;
	const __u64 page = 1ULL << t_page_shift();
	const __u64 deltas[] = { 1, 8, page, ~0ULL, 1ULL << 63 };
	unsigned int i;

	t_gring_new(&g, T_F_LOCAL, 6, 10);
	for (i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		TRY64(&g, prod_offset, g.l.prod_offset + deltas[i], -EINVAL);
		TRY64(&g, cons_offset, g.l.cons_offset + deltas[i], -EINVAL);
		TRY64(&g, data_offset, g.l.data_offset + deltas[i], -EINVAL);
		TRY64(&g, total_size, g.l.total_size + deltas[i], -EINVAL);
	}
	TRY64(&g, prod_offset, 0, -EINVAL);
	TRY64(&g, cons_offset, 0, -EINVAL);
	TRY64(&g, data_offset, 0, -EINVAL);
	TRY64(&g, total_size, 0, -EINVAL);
	t_gring_free(&g);
}

static void attach_bad_reserved(void)
{
	struct t_gring g;
	unsigned int i;

	t_gring_new(&g, T_F_LOCAL, 6, 10);
	for (i = 0; i < 10; i++) {
		TRY64(&g, reserved[i], 1, -EINVAL);
		TRY64(&g, reserved[i], 1ULL << 63, -EINVAL);
	}
	CHECK_EQ(attach_copy(&g, g.l.total_size), 0);
	t_gring_free(&g);
}

static void attach_map_too_small(void)
{
	struct t_gring g;

	t_gring_new(&g, T_F_LOCAL, 6, 10);
	CHECK_EQ(attach_copy(&g, g.l.total_size - 1), -EMSGSIZE);
	CHECK_EQ(attach_copy(&g, g.l.total_size - g.l.data_size), -EMSGSIZE);
	CHECK_EQ(attach_copy(&g, g.l.data_offset), -EMSGSIZE);
	CHECK_EQ(attach_copy(&g, sizeof(struct memwell_ring_hdr)), -EMSGSIZE);
	CHECK_EQ(attach_copy(&g, sizeof(struct memwell_ring_hdr) - 1), -EMSGSIZE);
	CHECK_EQ(attach_copy(&g, 0), -EMSGSIZE);
	t_gring_free(&g);
}

/* ---- run time ---- */

/*
 * Exercise every call once or a few times and check that whatever comes
 * back is an allowed errno or a bounded, valid result.  Returns a bitmask of
 * the errnos seen (bit 0: -EIO).
 */
static int workout(struct memwell_ring *r, int rounds)
{
	int seen = 0, i;

#define OK_ERR(e) ((e) == -EAGAIN || (e) == -EBUSY || (e) == -EIO ||	\
		   (e) == -EINVAL || (e) == -EMSGSIZE)
#define NOTE(e) do {							\
	if ((e) == -EIO)						\
		seen |= 1;						\
	if ((e) < 0 && !OK_ERR(e)) {					\
		t_diag("%s:%d: unexpected result %d", __FILE__, __LINE__, (int)(e)); \
		t_failed = 1;						\
	}								\
} while (0)

	for (i = 0; i < rounds; i++) {
		struct memwell_span sp;
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch b = { .used = 0 };
		unsigned char buf[512];
		long e;
		int n;

		n = memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1 + t_rand() % 8, &sp);
		NOTE(n);
		if (n > 0) {
			CHECK((__u64)n == sp.n && sp.n <= 8);
			memset(memwell_block(r, sp.pos), 0x11, sp.n << r->block_shift);
			if (r->flags & MEMWELL_F_RECORDS)
				__memwell_rec_set_hdr(r, sp.pos,
					(__u32)((sp.n << r->block_shift) - 8), 0);
			NOTE(memwell_release(r, MEMWELL_SIDE_PROD, &sp));
		}
		/* Blocks taken raw from a records ring would split records. */
		n = (r->flags & MEMWELL_F_RECORDS) ? -EAGAIN :
			memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1 + t_rand() % 8, &sp);
		NOTE(n);
		if (n > 0) {
			volatile unsigned char *p = memwell_block(r, sp.pos);
			__u64 k;

			CHECK((__u64)n == sp.n && sp.n <= 8);
			for (k = 0; k < (sp.n << r->block_shift); k++)
				(void)p[k];
			NOTE(memwell_release(r, MEMWELL_SIDE_CONS, &sp));
		}
		if (!(r->flags & MEMWELL_F_RECORDS))
			continue;
		e = memwell_rec_reserve(r, 1 + t_rand() % 300, &rec);
		NOTE(e);
		if (!e) {
			CHECK(t_in_data(r, rec.data, rec.len));
			memset(rec.data, 0x22, rec.len);
			NOTE((i & 1) ? memwell_rec_commit(r, &rec) :
				       memwell_rec_discard(r, &rec));
		}
		n = memwell_batch_reserve(r, 1, 1 + t_rand() % 16, &b);
		NOTE(n);
		if (n > 0) {
			void *p;

			while ((p = memwell_batch_put(r, &b, 1 + t_rand() % 40)))
				memset(p, 0x33, 1);
			n = memwell_batch_commit(r, &b);
			NOTE(n);
		}
		e = memwell_rec_peek(r, &rec);
		NOTE(e);
		if (!e) {
			CHECK(rec.len <= r->rec_max);
			CHECK(t_in_data(r, rec.data, rec.len));
			CHECK(rec.span.n <= r->count);
			memcpy(buf, rec.data, rec.len < sizeof(buf) ? rec.len : sizeof(buf));
			NOTE(memwell_rec_release(r, &rec));
		}
		e = memwell_rec_read(r, buf, sizeof(buf));
		NOTE(e);
		CHECK(e <= (long)sizeof(buf));
		n = memwell_batch_take(r, 1 + (__u32)(t_rand() % 8), 1 + t_rand() % 300,
				       t_rand() % 600, &b);
		NOTE(n);
		if (n > 0) {
			int k = 0;

			CHECK(b.span.n <= r->count);
			while ((e = memwell_batch_next(r, &b, &rec)) == 0) {
				CHECK(t_in_data(r, rec.data, rec.len));
				memcpy(buf, rec.data, rec.len < sizeof(buf) ? rec.len : sizeof(buf));
				if (++k > n + 1) {
					t_diag("batch_next past the batch's records");
					t_failed = 1;
					break;
				}
			}
			CHECK(e == -ENOENT || e == -EIO);
			NOTE(memwell_batch_release(r, &b));
		}
	}
	CHECK(memwell_ready_blocks(r) <= r->count);
	CHECK(memwell_free_blocks(r) <= r->count);
	return seen;
#undef NOTE
#undef OK_ERR
}

/* Put a few records in a ring and take one, so every position is non-zero. */
static void warm(struct memwell_ring *r)
{
	int i;

	for (i = 0; i < 40; i++) {
		struct memwell_span sp;

		if (memwell_reserve(r, MEMWELL_SIDE_PROD, 3, 3, &sp) != 3)
			break;
		if (r->flags & MEMWELL_F_RECORDS)
			__memwell_rec_set_hdr(r, sp.pos, 3 * (1U << r->block_shift) - 8, 0);
		REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
	}
	for (i = 0; i < 10; i++) {
		struct memwell_span sp;

		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 3, 3, &sp), 3);
		REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &sp), 0);
	}
}

enum which { F_RES, F_LIM, F_REL };

static __u64 *field(struct memwell_ring *r, unsigned int s, enum which w)
{
	struct memwell_side *sd = r->side[s];

	return w == F_RES ? &sd->reserve_pos : w == F_LIM ? &sd->limit_cache :
			    &sd->release_pos;
}

/*
 * Each position or cache of each side set to wild values: the calls return
 * -EIO or a bounded valid result and never touch memory outside the ring.
 */
static void wild_positions(void)
{
	int c;

	for (c = 0; c < NALL; c++) {
		unsigned int s;
		enum which w;

		for (s = MEMWELL_SIDE_PROD; s <= MEMWELL_SIDE_CONS; s++)
		for (w = F_RES; w <= F_REL; w++) {
			struct t_gring g;
			__u64 base, wild[8];
			unsigned int i;

			t_gring_new(&g, all_combos[c], 4, 8);
			warm(&g.r);
			base = *field(&g.r, s, w);
			wild[0] = ~0ULL;
			wild[1] = 1ULL << 63;
			wild[2] = base + g.r.count + 1;
			wild[3] = base - g.r.count - 1;
			wild[4] = base + (1ULL << 40);
			wild[5] = 0;
			wild[6] = t_rand();
			wild[7] = base - 1;
			for (i = 0; i < 8; i++) {
				__u64 snap[3];
				enum which k;

				for (k = F_RES; k <= F_REL; k++)
					snap[k] = *field(&g.r, s, k);
				*field(&g.r, s, w) = wild[i];
				workout(&g.r, 20);
				for (k = F_RES; k <= F_REL; k++)
					*field(&g.r, s, k) = snap[k];
				if (t_failed) {
					t_diag("flags %#x side %d field %d value %#llx",
					       all_combos[c], s, w,
					       (unsigned long long)wild[i]);
					return;
				}
			}
			t_gring_free(&g);
		}
	}
}

/* Where the outcome is certain, it is -EIO. */
static void wild_positions_eio(void)
{
	int c;

	for (c = 0; c < NALL; c++) {
		int records = !!(all_combos[c] & MEMWELL_F_RECORDS);
		struct memwell_span sp;
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch b = { .used = 0 };
		struct t_gring g;
		__u64 save;
		char buf[64];

		t_gring_new(&g, all_combos[c], 4, 8);
		warm(&g.r);

		/* Producers published more than the capacity ahead of the consumers. */
		save = t_prod(&g.r)->release_pos;
		t_prod(&g.r)->release_pos = t_cons(&g.r)->reserve_pos + g.r.count + 1;
		t_cons(&g.r)->limit_cache = 0;
		CHECK_EQ(memwell_reserve(&g.r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EIO);
		CHECK_EQ(memwell_ready_blocks(&g.r), 0);
		if (records) {
			CHECK_EQ(memwell_rec_peek(&g.r, &rec), -EIO);
			CHECK_EQ(memwell_rec_read(&g.r, buf, sizeof(buf)), -EIO);
			CHECK_EQ(memwell_batch_take(&g.r, 4, 64, ~0ULL, &b), -EIO);
		}
		t_prod(&g.r)->release_pos = save;

		/* Consumers released past what producers reserved. */
		save = t_cons(&g.r)->release_pos;
		t_cons(&g.r)->release_pos = t_prod(&g.r)->reserve_pos + 1;
		t_prod(&g.r)->limit_cache = 0;
		CHECK_EQ(memwell_reserve(&g.r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EIO);
		CHECK_EQ(memwell_free_blocks(&g.r), 0);
		if (records) {
			CHECK_EQ(memwell_rec_reserve(&g.r, 1, &rec), -EIO);
			CHECK_EQ(memwell_rec_write(&g.r, "x", 1), -EIO);
			CHECK_EQ(memwell_batch_reserve(&g.r, 1, 4, &b), -EIO);
		}
		t_cons(&g.r)->release_pos = save;

		/* A side reserved more than the capacity beyond its release. */
		save = t_prod(&g.r)->reserve_pos;
		t_prod(&g.r)->reserve_pos = t_prod(&g.r)->release_pos + g.r.count + 1;
		CHECK_EQ(memwell_side_recover(&g.r, MEMWELL_SIDE_PROD), -EIO);
		CHECK_EQ(memwell_reserve(&g.r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EIO);
		t_prod(&g.r)->reserve_pos = save;
		save = t_cons(&g.r)->reserve_pos;
		t_cons(&g.r)->reserve_pos = t_cons(&g.r)->release_pos - 1;
		CHECK_EQ(memwell_side_recover(&g.r, MEMWELL_SIDE_CONS), -EIO);
		t_cons(&g.r)->reserve_pos = save;

		/* Restored: the ring works again. */
		CHECK_EQ(workout(&g.r, 5), 0);
		if (t_failed) {
			t_diag("flags %#x", all_combos[c]);
			return;
		}
		t_gring_free(&g);
	}
}

/* A published record header that is not a record: -EIO, nothing read past it. */
static void bad_record_headers(void)
{
	static const struct { __u32 len, flags; } bad[] = {
		{ 0, 0 },			/* zero length, not padding */
		{ 0, MEMWELL_REC_DISCARD },
		{ 1, T_REC_UNKNOWN },		/* unknown flag */
		{ 1, 1U << 31 },
		{ 16 * 16 - 8 + 1, 0 },		/* one byte past what is published */
		{ 4096, 0 },			/* the whole ring */
		{ 0x7fffffffU, 0 },
		{ 0xffffffffU, 0 },
		{ 0xfffffff8U, MEMWELL_REC_PAD },
		{ 0xffffffffU, MEMWELL_REC_DISCARD },
	};
	int c;

	for (c = 4; c < NALL; c++) {
		unsigned int i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int where;

			for (where = 0; where < 2; where++) {
				struct memwell_rec rec = { .len = 0 };
				struct memwell_batch b = { .used = 0 };
				struct memwell_span sp;
				struct t_gring g;
				char buf[64];
				int n;

				t_gring_new(&g, all_combos[c], 4, 8);
				warm(&g.r);
				while (memwell_reserve(&g.r, MEMWELL_SIDE_CONS, 1, 256, &sp) > 0)
					REQUIRE_EQ(memwell_release(&g.r, MEMWELL_SIDE_CONS, &sp), 0);
				/* where 0: first published record; 1: the second. */
				CHECK_EQ(t_put(&g.r, 8, 1), 0);
				REQUIRE_EQ(memwell_reserve(&g.r, MEMWELL_SIDE_PROD, 16, 16, &sp), 16);
				__memwell_rec_set_hdr(&g.r, sp.pos, 16 * 16 - 8, 0);
				REQUIRE_EQ(memwell_release(&g.r, MEMWELL_SIDE_PROD, &sp), 0);
				if (where == 0)
					REQUIRE_EQ(t_get(&g.r, 8, 1), 0);
				__memwell_rec_set_hdr(&g.r, sp.pos, bad[i].len, bad[i].flags);
				n = memwell_rec_peek(&g.r, &rec);
				if (where == 0) {
					CHECK_EQ(n, -EIO);
				} else {
					/* The good first record comes out, the bad one not. */
					CHECK_EQ(n, 0);
					if (!n) {
						CHECK_EQ(rec.len, 8);
						CHECK_EQ(memwell_rec_release(&g.r, &rec), 0);
					}
				}
				CHECK_EQ(memwell_rec_peek(&g.r, &rec), -EIO);
				CHECK_EQ(memwell_rec_read(&g.r, buf, sizeof(buf)), -EIO);
				CHECK_EQ(memwell_batch_take(&g.r, 8, 256, ~0ULL, &b), -EIO);
				workout(&g.r, 5);
				if (t_failed) {
					t_diag("flags %#x header {%u, %#x} where %d",
					       all_combos[c], bad[i].len, bad[i].flags, where);
					return;
				}
				t_gring_free(&g);
			}
		}
	}
}

/*
 * A header rewritten between memwell_batch_take() and _next(): the take
 * checked the headers, the walk only bounds each record by the batch's
 * span.  A record that would run past the batch is -EIO; unknown flags
 * are masked off, and the record stays inside the batch.
 */
static void header_changed_after_take(void)
{
	int c;

	for (c = 4; c < NALL; c++) {
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch b = { .used = 0 };
		struct t_gring g;

		t_gring_new(&g, all_combos[c], 4, 8);
		CHECK_EQ(t_put(&g.r, 8, 1), 0);
		CHECK_EQ(t_put(&g.r, 8, 2), 0);
		CHECK_EQ(t_put(&g.r, 8, 3), 0);
		REQUIRE_EQ(memwell_batch_take(&g.r, 3, 256, ~0ULL, &b), 3);
		CHECK_EQ(memwell_batch_next(&g.r, &b, &rec), 0);
		__memwell_rec_set_hdr(&g.r, b.span.pos + 1, 1000, 0);
		CHECK_EQ(memwell_batch_next(&g.r, &b, &rec), -EIO);
		__memwell_rec_set_hdr(&g.r, b.span.pos + 1, 8, 1U << 7);
		b.used = 1;
		CHECK_EQ(memwell_batch_next(&g.r, &b, &rec), 0);
		CHECK_EQ(rec.flags, 0);
		CHECK_EQ(rec.span.pos, b.span.pos + 1);
		CHECK(b.used <= b.span.n);
		CHECK_EQ(memwell_batch_release(&g.r, &b), 0);
		t_gring_free(&g);
	}
}

/* Marks of a multi-owner side set to wild values: sweeps stay bounded. */
static void wild_marks(void)
{
	int c;

	for (c = 0; c < NALL; c++) {
		unsigned int s;

		for (s = MEMWELL_SIDE_PROD; s <= MEMWELL_SIDE_CONS; s++) {
			struct t_gring g;
			__u64 i;

			t_gring_new(&g, all_combos[c], 4, 8);
			if (!g.r.marks[s]) {
				t_gring_free(&g);
				continue;
			}
			warm(&g.r);
			for (i = 0; i < g.r.count; i++) {
				__u64 v;

				switch (t_rand() % 4) {
				case 0:	v = t_rand(); break;
				case 1:	v = i + 1 + t_rand() % g.r.count; break; /* "current" */
				case 2:	v = ~0ULL; break;
				default: v = t_prod(&g.r)->release_pos + t_rand() % 512; break;
				}
				g.r.marks[s][i] = v;
			}
			workout(&g.r, 50);
			CHECK(memwell_side_recover(&g.r, s) >= -EIO);
			workout(&g.r, 50);
			if (t_failed) {
				t_diag("flags %#x side %d", all_combos[c], s);
				return;
			}
			t_gring_free(&g);
		}
	}
}

/*
 * Random corruption of any control word, mark or record header, then every
 * call: no fault, no unbounded loop (the case has an alarm), only valid
 * results.
 */
static void fuzz_shared_state(void)
{
	int c, iter;

	t_rand_state = 12345;
	for (c = 0; c < NALL; c++) {
		struct t_gring g;
		int eio = 0;

		t_gring_new(&g, all_combos[c], 4, 8);
		for (iter = 0; iter < 3000; iter++) {
			__u64 *words = (__u64 *)(g.base + g.l.prod_offset);
			__u64 nwords = (g.l.data_offset - g.l.prod_offset) / 8;
			__u64 *w;
			int k;

			for (k = 0; k < 1 + (int)(t_rand() % 3); k++) {
				unsigned int s = (unsigned int)(t_rand() & 1);

				switch (t_rand() % 5) {
				case 0:	/* a position or cache */
				case 1:
					w = field(&g.r, s, (enum which)(t_rand() % 3));
					break;
				case 2:	/* a mark, or any control word */
					w = g.r.marks[s] ? &g.r.marks[s][t_rand() & g.r.mask] :
							   &words[t_rand() % nwords];
					break;
				default: /* the start of a block: a record header */
					w = (__u64 *)memwell_block(&g.r, t_rand());
					break;
				}
				switch (t_rand() % 4) {
				case 0:	*w = t_rand(); break;
				case 1:	*w += 1 + t_rand() % 600; break;
				case 2:	*w -= 1 + t_rand() % 600; break;
				default: *w ^= 1ULL << (t_rand() % 64); break;
				}
			}
			eio += workout(&g.r, 4);
			if (!(iter % 4)) {	/* start over from a sane ring */
				memwell_ring_format(g.base, &g.l);
				warm(&g.r);
			}
			if (t_failed) {
				t_diag("flags %#x iteration %d", all_combos[c], iter);
				return;
			}
		}
		/* The corruption must actually have been noticed, often. */
		t_diag("flags %#x: %d rounds saw -EIO", all_combos[c], eio);
		CHECK(eio > 300);
		t_gring_free(&g);
	}
}

T_MAIN(
	T_CASE(attach_valid), T_CASE(attach_bad_magic_version),
	T_CASE(attach_bad_flags), T_CASE(attach_bad_shifts), T_CASE(attach_bad_offsets),
	T_CASE(attach_bad_reserved), T_CASE(attach_map_too_small),
	T_CASE(wild_positions), T_CASE(wild_positions_eio), T_CASE(bad_record_headers),
	T_CASE(header_changed_after_take), T_CASE(wild_marks), T_CASE(fuzz_shared_state))
