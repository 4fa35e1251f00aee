// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction counts per record, single-threaded, for profiling under
 * `valgrind --tool=callgrind` (the only noise-free metric on this kind of
 * machine).  Each ic_* function moves N records through a transport that
 * never fills: produce one record (stamp + copy in), then consume it
 * (copy out + check), or 16 and 16 when batched.  icount.sh runs each
 * function alone under callgrind and divides by N.
 *
 *   icount <function> <size> <n>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ck_ring.h>

#include "libmemwell.h"
#include "bench.h"
#include "peer_lamport.h"

#define RING_BYTES (512U * 1024U)

/* Defined in icount_boost.cc. */
void ic_boost_one(unsigned int size, unsigned long n);
void ic_boost_batch(unsigned int size, unsigned long n);

static unsigned char src[BENCH_BATCH * (16384 + 8)] __attribute__((aligned(64)));
static unsigned char dst[BENCH_BATCH * (16384 + 8)] __attribute__((aligned(64)));
static struct bench_thr thr;

static void die(const char *what, int err)
{
	fprintf(stderr, "icount: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static struct memwell_ring *mw_new(unsigned int shift, int multi)
{
	struct memwell_opts o;
	struct memwell *mw;
	int err;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = MEMWELL_F_RECORDS |
		  (multi ? MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI : 0);
	o.block_shift = shift;
	o.count_shift = (unsigned int)__builtin_ctz(RING_BYTES) - shift;
	err = memwell_create_local(&o, &mw);
	if (err)
		die("memwell_create_local", err);
	return memwell_get_ring(mw);
}

/* Stamp, copy in and out, check: the work every contender does. */
BENCH_INLINE void base_loop(const unsigned int size, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned char *s = src + (i % BENCH_BATCH) * (size + 8);
		unsigned char *d = dst + (i % BENCH_BATCH) * (size + 8);
		static unsigned char mid[16384];

		bench_stamp(&thr, s, size, i);
		memcpy(mid, s, size);
		__asm__ volatile("" ::: "memory");
		memcpy(d, mid, size);
		bench_check(&thr, d, size);
	}
}

BENCH_INLINE void mw_one_loop(const unsigned int size, struct memwell_ring *r,
			       unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned char *s = src + (i % BENCH_BATCH) * (size + 8);
		unsigned char *d = dst + (i % BENCH_BATCH) * (size + 8);
		struct memwell_rec rec;

		bench_stamp(&thr, s, size, i);
		if (memwell_rec_reserve(r, size, &rec))
			die("reserve", EIO);
		memcpy(rec.data, s, size);
		memwell_rec_commit(r, &rec);
		if (memwell_rec_peek(r, &rec))
			die("peek", EIO);
		memcpy(d, rec.data, size);
		memwell_rec_release(r, &rec);
		bench_check(&thr, d, size);
	}
}

BENCH_INLINE void mw_batch_loop(const unsigned int size, struct memwell_ring *r,
				 unsigned long n)
{
	const uint64_t rb = memwell_rec_blocks(r, size);
	unsigned long i;
	unsigned int j;

	for (i = 0; i < n; i += BENCH_BATCH) {
		struct memwell_batch b;
		struct memwell_rec rec;

		for (j = 0; j < BENCH_BATCH; j++)
			bench_stamp(&thr, src + j * (size + 8), size, i + j);
		j = 0;
		while (j < BENCH_BATCH) {
			if (memwell_batch_reserve(r, rb, (BENCH_BATCH - j) * rb, &b) < 0)
				die("batch_reserve", EIO);
			for (; j < BENCH_BATCH; j++) {
				void *p = memwell_batch_put(r, &b, size);

				if (!p)
					break;
				memcpy(p, src + j * (size + 8), size);
			}
			memwell_batch_commit(r, &b);
		}
		if (memwell_batch_take(r, BENCH_BATCH, r->count, size, &b) != BENCH_BATCH)
			die("batch_take", EIO);
		j = 0;
		while (!memwell_batch_next(r, &b, &rec))
			memcpy(dst + (j++) * (size + 8), rec.data, size);
		memwell_batch_release(r, &b);
		for (j = 0; j < BENCH_BATCH; j++)
			bench_check(&thr, dst + j * (size + 8), size);
	}
}

BENCH_INLINE void lam_loop(const unsigned int size, struct lamport_ring *r,
			    unsigned int batch, unsigned long n)
{
	struct lamport_prod p = { 0, 0 };
	struct lamport_cons c = { 0, 0 };
	unsigned long i;
	unsigned int j;

	for (i = 0; i < n; i += batch) {
		for (j = 0; j < batch; j++)
			bench_stamp(&thr, src + j * (size + 8), size, i + j);
		for (j = 0; j < batch; j++)
			memcpy(lamport_reserve(r, &p, size), src + j * (size + 8), size);
		lamport_publish_prod(r, &p);
		for (j = 0; j < batch; j++) {
			uint32_t len = 0;
			const void *s = lamport_peek(r, &c, &len);

			if (!s || len != size)
				die("lamport peek", EIO);
			memcpy(dst + j * (size + 8), s, size);
		}
		lamport_publish_cons(r, &c);
		for (j = 0; j < batch; j++)
			bench_check(&thr, dst + j * (size + 8), size);
	}
}

__attribute__((noinline)) void ic_baseline(unsigned int size, unsigned long n)
{
	BENCH_SIZE_DISPATCH(size, base_loop, n);
}

__attribute__((noinline)) void ic_memwell_one(struct memwell_ring *r,
					      unsigned int size, unsigned long n)
{
	BENCH_SIZE_DISPATCH(size, mw_one_loop, r, n);
}

__attribute__((noinline)) void ic_memwell_batch(struct memwell_ring *r,
						unsigned int size, unsigned long n)
{
	BENCH_SIZE_DISPATCH(size, mw_batch_loop, r, n);
}

__attribute__((noinline)) void ic_lamport(struct lamport_ring *r, unsigned int size,
					  unsigned int batch, unsigned long n)
{
	BENCH_SIZE_DISPATCH(size, lam_loop, r, batch, n);
}

struct ck_m8 { unsigned char b[8]; };
struct ck_m64 { unsigned char b[64]; };
CK_RING_PROTOTYPE(m8, ck_m8)
CK_RING_PROTOTYPE(m64, ck_m64)

#define IC_CK(T, S)							\
__attribute__((noinline)) void ic_ck_##T(struct ck_ring *ring, void *buf, \
					 int mp, unsigned long n)	\
{									\
	unsigned long i;						\
									\
	for (i = 0; i < n; i++) {					\
		struct ck_##T *s = (struct ck_##T *)(src + (i % BENCH_BATCH) * (S + 8)); \
		struct ck_##T *d = (struct ck_##T *)(dst + (i % BENCH_BATCH) * (S + 8)); \
									\
		bench_stamp(&thr, s->b, S, i);				\
		if (!(mp ? ck_ring_enqueue_mpmc_##T(ring, buf, s) :	\
		      ck_ring_enqueue_spsc_##T(ring, buf, s)))		\
			die("ck enqueue", EIO);				\
		if (!(mp ? ck_ring_dequeue_mpmc_##T(ring, buf, d) :	\
		      ck_ring_dequeue_spsc_##T(ring, buf, d)))		\
			die("ck dequeue", EIO);				\
		bench_check(&thr, d->b, S);				\
	}								\
}
IC_CK(m8, 8)
IC_CK(m64, 64)

int main(int argc, char **argv)
{
	const char *fn;
	unsigned int size;
	unsigned long n;

	if (argc != 4) {
		fprintf(stderr, "usage: icount <function> <size> <n>\n");
		return 2;
	}
	fn = argv[1];
	size = (unsigned int)atoi(argv[2]);
	n = strtoul(argv[3], NULL, 0);
	thr.size = size;
	memset(src, 0xa5, sizeof(src));

	if (!strcmp(fn, "baseline")) {
		ic_baseline(size, n);
	} else if (!strncmp(fn, "memwell", 7)) {
		/* memwell-{spsc,mpmc}-{one,batch}-b{3,4,6} */
		int multi = strstr(fn, "mpmc") != NULL;
		unsigned int shift = (unsigned int)atoi(strrchr(fn, 'b') + 1);
		struct memwell_ring *r = mw_new(shift, multi);

		if (strstr(fn, "batch"))
			ic_memwell_batch(r, size, n);
		else
			ic_memwell_one(r, size, n);
	} else if (!strncmp(fn, "lamport", 7)) {
		static struct lamport_ring lr;

		lr.size = RING_BYTES;
		lr.mask = RING_BYTES - 1;
		lr.buf = aligned_alloc(4096, RING_BYTES);
		ic_lamport(&lr, size, strstr(fn, "batch") ? BENCH_BATCH : 1, n);
	} else if (!strncmp(fn, "ck", 2)) {
		static struct ck_ring ring;
		int mp = strstr(fn, "mpmc") != NULL;
		void *buf = aligned_alloc(4096, RING_BYTES);

		ck_ring_init(&ring, RING_BYTES / size);
		if (size == 8)
			ic_ck_m8(&ring, buf, mp, n);
		else if (size == 64)
			ic_ck_m64(&ring, buf, mp, n);
		else
			die("ck size", EINVAL);
	} else if (!strcmp(fn, "boost-one")) {
		ic_boost_one(size, n);
	} else if (!strcmp(fn, "boost-batch")) {
		ic_boost_batch(size, n);
	} else {
		die(fn, EINVAL);
	}
	/* (Boost checks its own records.) */
	if (strncmp(fn, "boost", 5) && (thr.errors || thr.count != n))
		die("check failed", EIO);
	return 0;
}
