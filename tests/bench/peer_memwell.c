// SPDX-License-Identifier: GPL-2.0
/*
 * memwell through its records API, used as a demanding user would:
 *
 *   one at a time  memwell_rec_reserve + memcpy + memwell_rec_commit,
 *                  memwell_rec_peek + memcpy + memwell_rec_release;
 *   batched        memwell_batch_reserve (1 .. 16 records' blocks) +
 *                  memwell_batch_put + memcpy per record + memwell_batch_commit,
 *                  memwell_batch_take (16 records) + memwell_batch_next +
 *                  memcpy per record + memwell_batch_release.
 *
 * The ring is a local one (memfd mapped twice) of ring_bytes of data, with
 * the block size given by the contender (8, 16 or 64 bytes).
 */
#include <errno.h>

#include "libmemwell.h"
#include "bench.h"

static int mw_setup(struct bench_shared *sh)
{
	const struct bench_cfg *c = sh->cfg;
	unsigned int shift = (unsigned int)c->param;
	unsigned int data_shift = (unsigned int)__builtin_ctzll(c->ring_bytes);
	struct memwell_opts o;
	struct memwell *mw;
	struct memwell_ring *r;
	int err;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = MEMWELL_F_RECORDS;
	if (c->mpmc)
		o.flags |= MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI;
	o.block_shift = shift;
	o.count_shift = data_shift - shift;
	err = memwell_create_local(&o, &mw);
	if (err)
		return err;
	r = memwell_get_ring(mw);
	/* Fault the data pages in, as every other contender's ring is. */
	memset(r->data, 0, (size_t)r->count << r->block_shift);
	sh->ring = mw;
	return 0;
}

static void mw_teardown(struct bench_shared *sh)
{
	memwell_close((struct memwell *)sh->ring);
	sh->ring = NULL;
}

BENCH_INLINE void mw_prod_one(const unsigned int size, struct bench_thr *t,
			      struct memwell_ring *r)
{
	uint64_t seq;

	for (seq = 0; !bench_should_stop(t, seq); seq++) {
		unsigned char *s = t->src + (seq % BENCH_BATCH) * (size + 8);
		struct memwell_rec rec;
		int err;

		bench_stamp(t, s, size, seq);
		while ((err = memwell_rec_reserve(r, size, &rec))) {
			if (err == -EAGAIN)
				bench_wait(t);
			else if (err != -EBUSY)
				goto fail;
			if (bench_failed(t))
				return;
		}
		memcpy(rec.data, s, size);
		err = memwell_rec_commit(r, &rec);
		if (bench_unlikely(err))
			goto fail;
		t->count = seq + 1;
	}
	return;
fail:
	bench_fail(t, -EIO);
}

BENCH_INLINE void mw_prod_batch(const unsigned int size, struct bench_thr *t,
				struct memwell_ring *r)
{
	const uint64_t rb = memwell_rec_blocks(r, size);
	uint64_t seq;

	for (seq = 0; !bench_should_stop(t, seq); seq += BENCH_BATCH) {
		unsigned int i;

		for (i = 0; i < BENCH_BATCH; i++)
			bench_stamp(t, t->src + i * (size + 8), size, seq + i);
		i = 0;
		while (i < BENCH_BATCH) {
			struct memwell_batch b;
			int n = memwell_batch_reserve(r, rb, (BENCH_BATCH - i) * rb, &b);

			if (n < 0) {
				if (n == -EAGAIN)
					bench_wait(t);
				else if (n != -EBUSY)
					goto fail;
				if (bench_failed(t))
					return;
				continue;
			}
			for (; i < BENCH_BATCH; i++) {
				void *p = memwell_batch_put(r, &b, size);

				if (!p)
					break;
				memcpy(p, t->src + i * (size + 8), size);
			}
			if (bench_unlikely(memwell_batch_commit(r, &b) < 0))
				goto fail;
		}
		t->count = seq + BENCH_BATCH;
	}
	return;
fail:
	bench_fail(t, -EIO);
}

static void mw_producer(struct bench_thr *t)
{
	struct memwell_ring *r = memwell_get_ring((struct memwell *)t->sh->ring);

	if (t->batch > 1)
		BENCH_SIZE_DISPATCH(t->size, mw_prod_batch, t, r);
	else
		BENCH_SIZE_DISPATCH(t->size, mw_prod_one, t, r);
}

BENCH_INLINE void mw_cons_one(const unsigned int size, struct bench_thr *t,
			      struct memwell_ring *r)
{
	for (;;) {
		unsigned char *d = t->dst + (t->count % BENCH_BATCH) * (size + 8);
		struct memwell_rec rec;
		int err = memwell_rec_peek(r, &rec);

		if (bench_unlikely(err)) {
			if (err == -EAGAIN) {
				if (bench_cons_idle(t))
					return;
			} else if (err != -EBUSY) {
				goto fail;
			}
			continue;
		}
		if (bench_unlikely(rec.len != size))
			goto fail;
		memcpy(d, rec.data, size);
		memwell_rec_release(r, &rec);
		bench_check(t, d, size);
	}
fail:
	bench_fail(t, -EIO);
}

BENCH_INLINE void mw_cons_batch(const unsigned int size, struct bench_thr *t,
				struct memwell_ring *r)
{
	for (;;) {
		struct memwell_batch b;
		struct memwell_rec rec;
		unsigned int i = 0;
		int n = memwell_batch_take(r, BENCH_BATCH, r->count, size, &b);

		if (bench_unlikely(n < 0)) {
			if (n == -EAGAIN) {
				if (bench_cons_idle(t))
					return;
			} else if (n != -EBUSY) {
				goto fail;
			}
			continue;
		}
		while (!memwell_batch_next(r, &b, &rec)) {
			if (bench_unlikely(rec.len != size))
				goto fail;
			memcpy(t->dst + i * (size + 8), rec.data, size);
			i++;
		}
		memwell_batch_release(r, &b);
		if (bench_unlikely(i != (unsigned int)n))
			goto fail;
		for (i = 0; i < (unsigned int)n; i++)
			bench_check(t, t->dst + i * (size + 8), size);
	}
fail:
	bench_fail(t, -EIO);
}

static void mw_consumer(struct bench_thr *t)
{
	struct memwell_ring *r = memwell_get_ring((struct memwell *)t->sh->ring);

	if (t->batch > 1)
		BENCH_SIZE_DISPATCH(t->size, mw_cons_batch, t, r);
	else
		BENCH_SIZE_DISPATCH(t->size, mw_cons_one, t, r);
}

#ifndef MW_EXP_ID
#define MW_FAMILY		"memwell"
#define MW_SYM(b)		bench_memwell_##b
#define MW_NAME(b)		"memwell-" #b
#else
/*
 * Built against an experimental copy of the core (-DMW_EXP_ID=tag, with
 * its directory first on the include path), linked in as extra
 * contenders through bench_extra_contenders[] (see bench.c).
 */
#define MW_CAT3(a, b, c)	a##b##c
#define MW_XCAT3(a, b, c)	MW_CAT3(a, b, c)
#define MW_STR(x)		#x
#define MW_XSTR(x)		MW_STR(x)
#define MW_FAMILY		"memwell-exp"
#define MW_SYM(b)		MW_XCAT3(bench_memwell_, MW_EXP_ID, _##b)
#define MW_NAME(b)		MW_XSTR(MW_EXP_ID) "-" #b
#endif

#define MW_CONTENDER(b, shift)						\
	const struct bench_contender MW_SYM(b) = {			\
		.name = MW_NAME(b),					\
		.family = MW_FAMILY,					\
		.modes = BENCH_SPSC | BENCH_MPMC,			\
		.param = shift,						\
		.setup = mw_setup,					\
		.teardown = mw_teardown,				\
		.producer = mw_producer,				\
		.consumer = mw_consumer,				\
	}

#ifdef MW_EXP_ID
extern const struct bench_contender MW_SYM(b8), MW_SYM(b16), MW_SYM(b64);
#endif
MW_CONTENDER(b8, 3);
MW_CONTENDER(b16, 4);
MW_CONTENDER(b64, 6);
