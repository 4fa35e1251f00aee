// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency Kit ck_ring under the benchmark.
 *
 * ck_ring's plain API stores pointers; carrying bytes that way needs a pool
 * of buffers and a second ring to return them, i.e. two ring operations
 * per record per side.  The fair usage is ck's typed ring instead
 * (CK_RING_PROTOTYPE): each slot holds one S-byte struct and the enqueue /
 * dequeue copy the record in and out of the slot, like memwell's
 * rec_write / rec_read.  Like Boost's fixed structs it only carries
 * fixed-size messages.
 *
 * MPMC uses ck_ring_enqueue_mpmc_* / ck_ring_dequeue_mpmc_*; SPSC uses the
 * spsc_* variants.  ck_ring has no multi-record call: batched means 16
 * single calls per batch (the consumer stops early when empty).  The ring
 * holds ring_bytes / S slots (one is always left empty).
 */
#include <errno.h>
#include <stdlib.h>

#include <ck_ring.h>

#include "bench.h"

struct ck_m8 { unsigned char b[8]; } __attribute__((aligned(8)));
struct ck_m64 { unsigned char b[64]; } __attribute__((aligned(8)));
struct ck_m1024 { unsigned char b[1024]; } __attribute__((aligned(8)));
struct ck_m16384 { unsigned char b[16384]; } __attribute__((aligned(8)));

CK_RING_PROTOTYPE(m8, ck_m8)
CK_RING_PROTOTYPE(m64, ck_m64)
CK_RING_PROTOTYPE(m1024, ck_m1024)
CK_RING_PROTOTYPE(m16384, ck_m16384)

struct ck_state {
	struct ck_ring ring __attribute__((aligned(128)));
	void *buf;
};

static int ck_setup(struct bench_shared *sh)
{
	struct ck_state *s = aligned_alloc(128, sizeof(*s));

	if (!s)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->buf = aligned_alloc(4096, sh->cfg->ring_bytes);
	if (!s->buf) {
		free(s);
		return -ENOMEM;
	}
	memset(s->buf, 0, sh->cfg->ring_bytes);
	ck_ring_init(&s->ring, (unsigned int)(sh->cfg->ring_bytes / sh->cfg->size));
	sh->ring = s;
	return 0;
}

static void ck_teardown(struct bench_shared *sh)
{
	struct ck_state *s = sh->ring;

	free(s->buf);
	free(s);
	sh->ring = NULL;
}

/* Producer and consumer loops for one message type; mp selects MPMC. */
#define CK_LOOPS(T, S)							\
static void ck_prod_##T(struct bench_thr *t)				\
{									\
	struct ck_state *s = t->sh->ring;				\
	struct ck_##T *src = (struct ck_##T *)t->src;			\
	const unsigned int batch = t->batch;				\
	const int mp = t->mpmc;						\
	uint64_t seq;							\
									\
	for (seq = 0; !bench_should_stop(t, seq); seq += batch) {	\
		unsigned int i;						\
									\
		for (i = 0; i < batch; i++) {				\
			struct ck_##T *m = &src[(seq + i) % BENCH_BATCH]; \
									\
			bench_stamp(t, m->b, S, seq + i);		\
			while (!(mp ?					\
				 ck_ring_enqueue_mpmc_##T(&s->ring, s->buf, m) : \
				 ck_ring_enqueue_spsc_##T(&s->ring, s->buf, m))) { \
				if (bench_failed(t))			\
					return;				\
				bench_wait(t);				\
			}						\
		}							\
		t->count = seq + batch;					\
	}								\
}									\
									\
static void ck_cons_##T(struct bench_thr *t)				\
{									\
	struct ck_state *s = t->sh->ring;				\
	struct ck_##T *dst = (struct ck_##T *)t->dst;			\
	const unsigned int batch = t->batch;				\
	const int mp = t->mpmc;						\
									\
	for (;;) {							\
		unsigned int i, n = 0;					\
									\
		for (i = 0; i < batch; i++) {				\
			struct ck_##T *m = batch == 1 ?			\
				&dst[t->count % BENCH_BATCH] : &dst[i];	\
									\
			if (!(mp ?					\
			      ck_ring_dequeue_mpmc_##T(&s->ring, s->buf, m) : \
			      ck_ring_dequeue_spsc_##T(&s->ring, s->buf, m))) \
				break;					\
			n++;						\
			if (batch == 1)					\
				bench_check(t, m->b, S);		\
		}							\
		if (!n) {						\
			if (bench_cons_idle(t))				\
				return;					\
			continue;					\
		}							\
		if (batch > 1)						\
			for (i = 0; i < n; i++)				\
				bench_check(t, dst[i].b, S);		\
	}								\
}

CK_LOOPS(m8, 8)
CK_LOOPS(m64, 64)
CK_LOOPS(m1024, 1024)
CK_LOOPS(m16384, 16384)

static void ck_producer(struct bench_thr *t)
{
	switch (t->size) {
	case 8: ck_prod_m8(t); break;
	case 64: ck_prod_m64(t); break;
	case 1024: ck_prod_m1024(t); break;
	case 16384: ck_prod_m16384(t); break;
	default: bench_fail(t, -EINVAL); break;
	}
}

static void ck_consumer(struct bench_thr *t)
{
	switch (t->size) {
	case 8: ck_cons_m8(t); break;
	case 64: ck_cons_m64(t); break;
	case 1024: ck_cons_m1024(t); break;
	case 16384: ck_cons_m16384(t); break;
	default: bench_fail(t, -EINVAL); break;
	}
}

const struct bench_contender bench_ck = {
	.name = "ck_ring",
	.family = "ck",
	.modes = BENCH_SPSC | BENCH_MPMC,
	.param = 0,
	.setup = ck_setup,
	.teardown = ck_teardown,
	.producer = ck_producer,
	.consumer = ck_consumer,
};
