// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Geometry: memwell_layout_compute() bounds, memwell_create_local()
 * argument checks, formatting, and what a created ring looks like.
 */
#define _GNU_SOURCE
#include <dirent.h>

#include "harness.h"

static int lc(__u32 flags, __u32 b, __u32 c, __u32 p)
{
	struct memwell_layout l;

	memset(&l, 0xa5, sizeof(l));
	return memwell_layout_compute(flags, b, c, p, &l);
}

static int cl(__u32 flags, __u32 b, __u32 c)
{
	struct memwell_opts o = { .size = sizeof(o), .flags = flags,
				  .block_shift = b, .count_shift = c };
	struct memwell *mw = NULL;
	int err = memwell_create_local(&o, &mw);

	if (!err)
		memwell_close(mw);
	return err;
}

/* Every valid geometry gives a consistent, page-aligned layout. */
static void layout_valid_all(void)
{
	static const __u32 fl[] = {
		0, MEMWELL_F_PROD_MULTI, MEMWELL_F_CONS_MULTI,
		MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI, MEMWELL_F_RECORDS,
		MEMWELL_F_ALL,
	};
	__u32 b, c, p, f, n = 0;

	for (f = 0; f < sizeof(fl) / sizeof(fl[0]); f++)
	for (p = 12; p <= 21; p++)
	for (b = MEMWELL_BLOCK_SHIFT_MIN; b <= MEMWELL_BLOCK_SHIFT_MAX; b++)
	for (c = MEMWELL_COUNT_SHIFT_MIN; c <= MEMWELL_COUNT_SHIFT_MAX; c++) {
		struct memwell_layout l;
		__u64 page = 1ULL << p, count = 1ULL << c;
		__u32 ds = b + c;
		int want = ds >= p && ds <= MEMWELL_DATA_SHIFT_MAX &&
			   (!(fl[f] & MEMWELL_F_RECORDS) || ds <= 31);
		int err = memwell_layout_compute(fl[f], b, c, p, &l);

		if (!want) {
			CHECK_EQ(err, -EINVAL);
			continue;
		}
		n++;
		CHECK_EQ(err, 0);
		if (err)
			continue;
		CHECK_EQ(l.flags, fl[f]);
		CHECK_EQ(l.prod_offset, page);
		CHECK(l.prod_size % page == 0 && l.cons_size % page == 0);
		CHECK(l.prod_size >= MEMWELL_SIDE_SIZE +
		      ((fl[f] & MEMWELL_F_PROD_MULTI) ? count * 8 : 0));
		CHECK(l.cons_size >= MEMWELL_SIDE_SIZE +
		      ((fl[f] & MEMWELL_F_CONS_MULTI) ? count * 8 : 0));
		CHECK(l.prod_size - page < MEMWELL_SIDE_SIZE +
		      ((fl[f] & MEMWELL_F_PROD_MULTI) ? count * 8 : 0));
		CHECK_EQ(l.cons_offset, l.prod_offset + l.prod_size);
		CHECK_EQ(l.data_offset, l.cons_offset + l.cons_size);
		CHECK_EQ(l.data_size, 1ULL << ds);
		CHECK_EQ(l.total_size, l.data_offset + 2 * l.data_size);
		if (t_failed) {
			t_diag("flags %#x b %u c %u p %u", fl[f], b, c, p);
			return;
		}
	}
	CHECK(n > 1000);
}

static void layout_block_shift_bounds(void)
{
	CHECK_EQ(lc(0, MEMWELL_BLOCK_SHIFT_MIN - 1, 12, 12), -EINVAL);
	CHECK_EQ(lc(0, MEMWELL_BLOCK_SHIFT_MIN, 12, 12), 0);
	CHECK_EQ(lc(0, MEMWELL_BLOCK_SHIFT_MAX, 4, 12), 0);
	CHECK_EQ(lc(0, MEMWELL_BLOCK_SHIFT_MAX + 1, 4, 12), -EINVAL);
	CHECK_EQ(lc(0, 0, 12, 12), -EINVAL);
	CHECK_EQ(lc(0, 32, 4, 12), -EINVAL);
	CHECK_EQ(lc(0, 35, 1, 12), -EINVAL);	/* 35 & 31 would look valid */
	CHECK_EQ(lc(0, 0xffffffffU, 13, 12), -EINVAL);
}

static void layout_count_shift_bounds(void)
{
	CHECK_EQ(lc(0, 12, MEMWELL_COUNT_SHIFT_MIN - 1, 12), -EINVAL);
	CHECK_EQ(lc(0, 12, MEMWELL_COUNT_SHIFT_MIN, 12), 0);
	CHECK_EQ(lc(0, 3, MEMWELL_COUNT_SHIFT_MAX, 12), 0);
	CHECK_EQ(lc(0, 3, MEMWELL_COUNT_SHIFT_MAX + 1, 12), -EINVAL);
	CHECK_EQ(lc(0, 3, 33, 12), -EINVAL);	/* 33 & 31 = 1 */
	CHECK_EQ(lc(0, 3, 0xffffffffU, 12), -EINVAL);
}

static void layout_page_shift_bounds(void)
{
	CHECK_EQ(lc(0, 6, 10, 11), -EINVAL);
	CHECK_EQ(lc(0, 6, 10, 12), 0);
	CHECK_EQ(lc(0, 6, 15, 21), 0);
	CHECK_EQ(lc(0, 6, 16, 22), -EINVAL);
	CHECK_EQ(lc(0, 6, 16, 0), -EINVAL);
	CHECK_EQ(lc(0, 6, 16, 44), -EINVAL);	/* 44 & 31 = 12 */
	/* Data must be at least one page of the mapping's page size. */
	CHECK_EQ(lc(0, 6, 14, 21), -EINVAL);
}

static void layout_data_smaller_than_page(void)
{
	CHECK_EQ(lc(0, 3, 8, 12), -EINVAL);	/* 2 KiB */
	CHECK_EQ(lc(0, 3, 9, 12), 0);		/* 4 KiB */
	CHECK_EQ(lc(0, 11, 1, 12), 0);
	CHECK_EQ(lc(0, 10, 1, 12), -EINVAL);
	CHECK_EQ(cl(0, 3, 8), -EINVAL);
	CHECK_EQ(cl(MEMWELL_F_RECORDS, 5, 6), -EINVAL);
	CHECK_EQ(cl(MEMWELL_F_RECORDS, 3, 9), 0);
	CHECK_EQ(cl(0, 11, 1), 0);
}

static void layout_data_too_large(void)
{
	CHECK_EQ(lc(0, 16, 20, 12), 0);		/* 64 GiB */
	CHECK_EQ(lc(0, 16, 21, 12), -EINVAL);
	CHECK_EQ(lc(0, 10, 30, 12), -EINVAL);
	CHECK_EQ(lc(0, 6, 30, 12), 0);
	CHECK_EQ(lc(0, 7, 30, 12), -EINVAL);
}

static void layout_records_over_2g(void)
{
	CHECK_EQ(lc(MEMWELL_F_RECORDS, 16, 15, 12), 0);	/* 2 GiB */
	CHECK_EQ(lc(MEMWELL_F_RECORDS, 16, 16, 12), -EINVAL);
	CHECK_EQ(lc(MEMWELL_F_RECORDS, 3, 29, 12), -EINVAL);
	CHECK_EQ(lc(MEMWELL_F_RECORDS, 3, 28, 12), 0);
	CHECK_EQ(lc(MEMWELL_F_ALL, 16, 16, 12), -EINVAL);
	CHECK_EQ(lc(0, 16, 16, 12), 0);			/* blocks may */
	CHECK_EQ(cl(MEMWELL_F_RECORDS, 16, 16), -EINVAL);
	CHECK_EQ(cl(MEMWELL_F_RECORDS, 3, 29), -EINVAL);
}

static void layout_unknown_flags(void)
{
	__u32 bit;

	for (bit = 0; bit < 32; bit++) {
		if (MEMWELL_F_ALL & (1U << bit))
			continue;
		CHECK_EQ(lc(1U << bit, 6, 10, 12), -EINVAL);
		CHECK_EQ(lc(MEMWELL_F_ALL | (1U << bit), 6, 10, 12), -EINVAL);
		CHECK_EQ(cl(1U << bit, 6, 10), -EINVAL);
	}
	CHECK_EQ(lc(MEMWELL_F_ALL, 6, 10, 12), 0);
}

static void create_bad_args(void)
{
	struct memwell_opts o = { .size = sizeof(o), .flags = MEMWELL_F_RECORDS,
				  .block_shift = 6, .count_shift = 10 };
	struct {
		struct memwell_opts o;
		__u64 more;
	} big = { o, 0 };
	struct memwell *mw = (struct memwell *)0x1;

	CHECK_EQ(memwell_create_local(NULL, &mw), -EINVAL);
	CHECK_EQ(memwell_create_local(&o, NULL), -EINVAL);
	o.size = 0;
	CHECK_EQ(memwell_create_local(&o, &mw), -EINVAL);
	o.size = 8;
	CHECK_EQ(memwell_create_local(&o, &mw), -EINVAL);
	CHECK(mw == (struct memwell *)0x1);	/* untouched on failure */
	/* A caller built against a larger opts still works. */
	big.o.size = sizeof(big);
	CHECK_EQ(memwell_create_local(&big.o, &mw), 0);
	if (mw != (struct memwell *)0x1)
		memwell_close(mw);
	/* Each shift out of range through the library. */
	CHECK_EQ(cl(0, 2, 12), -EINVAL);
	CHECK_EQ(cl(0, 17, 4), -EINVAL);
	CHECK_EQ(cl(0, 12, 0), -EINVAL);
	CHECK_EQ(cl(0, 3, 31), -EINVAL);
	CHECK_EQ(cl(0, 16, 21), -EINVAL);
}

/*
 * libbpf's rule for options that carry their size: an older, smaller
 * struct works (the fields it lacks take their defaults), a newer, larger
 * one works if what this library does not know is zero, and anything set
 * in the unknown tail is refused rather than ignored.
 */
static void create_opts_sizes(void)
{
	struct {
		struct memwell_opts o;
		__u64 more;
	} big;
	struct memwell_opts o;
	struct memwell *mw = (struct memwell *)0x1;

	memset(&big, 0, sizeof(big));
	big.o.flags = MEMWELL_F_RECORDS;
	big.o.block_shift = 6;
	big.o.count_shift = 10;
	big.o.size = sizeof(big);
	big.more = 1;
	CHECK_EQ(memwell_create_local(&big.o, &mw), -E2BIG);
	CHECK(mw == (struct memwell *)0x1);
	/* The first version of the struct ended at count_shift: no name. */
	o = big.o;
	o.name = "ignored";
	o.size = offsetof(struct memwell_opts, name);
	CHECK_EQ(memwell_create_local(&o, &mw), 0);
	if (mw != (struct memwell *)0x1)
		memwell_close(mw);
	/* Shorter than the fields every version has. */
	o.size = offsetof(struct memwell_opts, count_shift);
	mw = (struct memwell *)0x1;
	CHECK_EQ(memwell_create_local(&o, &mw), -EINVAL);
	CHECK(mw == (struct memwell *)0x1);
}

static void create_valid_ring(void)
{
	static const __u32 fl[] = { 0, MEMWELL_F_RECORDS, T_F_LOCAL,
				    MEMWELL_F_PROD_MULTI | MEMWELL_F_RECORDS };
	unsigned int i;

	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		struct memwell *mw = t_ring(fl[i], 6, 10);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_ring_hdr *h = (struct memwell_ring_hdr *)t_base(r);
		struct memwell_layout l;
		struct stat st;
		int seals, fd = memwell_fd(mw);
		__u64 k;

		REQUIRE_EQ(memwell_layout_compute(fl[i], 6, 10, t_page_shift(), &l), 0);
		CHECK_EQ(r->count, 1024);
		CHECK_EQ(r->mask, 1023);
		CHECK_EQ(r->block_shift, 6);
		CHECK_EQ(r->flags, fl[i]);
		CHECK_EQ(r->access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
		CHECK_EQ(r->rec_max, (fl[i] & MEMWELL_F_RECORDS) ? 65536 - 8 : 0);
		CHECK_EQ(!!r->marks[MEMWELL_SIDE_PROD], !!(fl[i] & MEMWELL_F_PROD_MULTI));
		CHECK_EQ(!!r->marks[MEMWELL_SIDE_CONS], !!(fl[i] & MEMWELL_F_CONS_MULTI));
		CHECK(r->data == t_base(r) + l.data_offset);
		CHECK(t_base(r) + l.cons_offset == (unsigned char *)t_cons(r));
		CHECK_EQ(h->magic, MEMWELL_MAGIC);
		CHECK_EQ(h->abi_version, MEMWELL_ABI_VERSION);
		CHECK_EQ(h->flags, fl[i]);
		CHECK_EQ(h->block_shift, 6);
		CHECK_EQ(h->count_shift, 10);
		CHECK_EQ(h->page_shift, t_page_shift());
		CHECK_EQ(h->total_size, l.total_size);
		CHECK_EQ(h->data_offset, l.data_offset);
		for (k = 0; k < 10; k++)
			CHECK_EQ(h->reserved[k], 0);
		CHECK(fd >= 0);
		seals = fcntl(fd, F_GET_SEALS);
		CHECK(seals >= 0 && (seals & F_SEAL_SHRINK) && (seals & F_SEAL_GROW) &&
		      (seals & F_SEAL_SEAL));
		CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		CHECK(fstat(fd, &st) == 0 &&
		      (__u64)st.st_size == l.data_offset + l.data_size);
		/* The data region is mapped twice. */
		r->data[5] = 0x5a;
		CHECK_EQ(r->data[t_data_size(r) + 5], 0x5a);
		r->data[2 * t_data_size(r) - 1] = 0x77;
		CHECK_EQ(r->data[t_data_size(r) - 1], 0x77);
		CHECK_EQ(memwell_free_blocks(r), 1024);
		CHECK_EQ(memwell_ready_blocks(r), 0);
		memwell_close(mw);
	}
	memwell_close(NULL);
}

/*
 * MemoryWell's well_init left positions uninitialised and the doubly-mapped
 * queue never initialised its control block: formatting over garbage must
 * zero every shared field and mark.
 */
static void format_clears_garbage(void)
{
	struct memwell_layout l;
	struct memwell_ring r = { .count = 0 };
	unsigned char *m;
	__u64 i;

	REQUIRE_EQ(memwell_layout_compute(T_F_LOCAL, 3, 12, 12, &l), 0);
	m = malloc(l.total_size);
	REQUIRE(m);
	memset(m, 0xa5, l.total_size);
	memwell_ring_format(m, &l);
	for (i = sizeof(struct memwell_ring_hdr); i < l.data_offset; i++)
		if (m[i]) {
			t_diag("byte %llu of the control area is %#x",
			       (unsigned long long)i, m[i]);
			t_failed = 1;
			break;
		}
	CHECK_EQ(memwell_ring_attach(&r, m, l.total_size, MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD)), 0);
	CHECK_EQ(r.access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD));
	CHECK_EQ(memwell_ready_blocks(&r), 0);
	CHECK_EQ(memwell_free_blocks(&r), 4096);
	free(m);
}

/* The largest records ring: 2 GiB of data, a record of 2 GiB - 8 bytes. */
static void create_largest_records_ring(void)
{
	struct memwell_opts o = { .size = sizeof(o), .flags = MEMWELL_F_RECORDS,
				  .block_shift = 16, .count_shift = 15 };
	struct memwell *mw = NULL;
	struct memwell_ring *r;
	struct memwell_rec rec = { .len = 0 };
	int err = memwell_create_local(&o, &mw);

	if (err == -ENOMEM)
		T_SKIP("no room for a 4 GiB mapping");
	REQUIRE_EQ(err, 0);
	r = memwell_get_ring(mw);
	CHECK_EQ(r->rec_max, (1ULL << 31) - 8);
	CHECK_EQ(memwell_rec_reserve(r, (1ULL << 31) - 7, &rec), -EMSGSIZE);
	CHECK_EQ(memwell_rec_reserve(r, 1ULL << 32, &rec), -EMSGSIZE);
	CHECK_EQ(memwell_rec_reserve(r, (1ULL << 32) + 1, &rec), -EMSGSIZE);
	REQUIRE_EQ(memwell_rec_reserve(r, (1ULL << 31) - 8, &rec), 0);
	CHECK_EQ(rec.span.n, 1ULL << 15);
	CHECK_EQ(rec.len, (1U << 31) - 8);
	/* Touch only both ends of the payload. */
	((unsigned char *)rec.data)[0] = 1;
	((unsigned char *)rec.data)[rec.len - 1] = 2;
	CHECK_EQ(memwell_rec_commit(r, &rec), 0);
	CHECK_EQ(memwell_rec_peek(r, &rec), 0);
	CHECK_EQ(rec.len, (1U << 31) - 8);
	CHECK_EQ(((unsigned char *)rec.data)[0], 1);
	CHECK_EQ(((unsigned char *)rec.data)[rec.len - 1], 2);
	CHECK_EQ(memwell_rec_release(r, &rec), 0);
	memwell_close(mw);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Koi leaked its fds and segments: create/close must not. */
static void create_close_no_leak(void)
{
	int before = count_fds(), i;

	for (i = 0; i < 200; i++) {
		struct memwell *mw = t_ring(T_F_LOCAL, 6, 10);

		if (i & 1)
			CHECK_EQ(memwell_rec_write(memwell_get_ring(mw), "x", 1), 0);
		memwell_close(mw);
	}
	CHECK_EQ(count_fds(), before);
}

T_MAIN(
	T_CASE(layout_valid_all), T_CASE(layout_block_shift_bounds),
	T_CASE(layout_count_shift_bounds), T_CASE(layout_page_shift_bounds),
	T_CASE(layout_data_smaller_than_page), T_CASE(layout_data_too_large),
	T_CASE(layout_records_over_2g), T_CASE(layout_unknown_flags),
	T_CASE(create_bad_args), T_CASE(create_opts_sizes), T_CASE(create_valid_ring),
	T_CASE(format_clears_garbage), T_CASE(create_largest_records_ring),
	T_CASE(create_close_no_leak))
