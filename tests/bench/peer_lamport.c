// SPDX-License-Identifier: GPL-2.0
/*
 * The Lamport ring of peer_lamport.h under the benchmark: one record per
 * publish, or 16 records per publish when batched.  SPSC only.
 */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"
#include "peer_lamport.h"

static int lam_setup(struct bench_shared *sh)
{
	struct lamport_ring *r = aligned_alloc(128, sizeof(*r));

	if (!r)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->size = sh->cfg->ring_bytes;
	r->mask = r->size - 1;
	r->buf = aligned_alloc(4096, r->size);
	if (!r->buf) {
		free(r);
		return -ENOMEM;
	}
	memset(r->buf, 0, r->size);
	sh->ring = r;
	return 0;
}

static void lam_teardown(struct bench_shared *sh)
{
	struct lamport_ring *r = sh->ring;

	free(r->buf);
	free(r);
	sh->ring = NULL;
}

BENCH_INLINE void lam_prod(const unsigned int size, struct bench_thr *t,
			   struct lamport_ring *r)
{
	const unsigned int batch = t->batch;
	struct lamport_prod p = { 0, 0 };
	uint64_t seq;

	for (seq = 0; !bench_should_stop(t, seq); seq += batch) {
		unsigned int i;

		for (i = 0; i < batch; i++)
			bench_stamp(t, t->src + i * (size + 8), size, seq + i);
		for (i = 0; i < batch; i++) {
			void *d;

			while (!(d = lamport_reserve(r, &p, size))) {
				lamport_publish_prod(r, &p);
				if (bench_failed(t))
					return;
				bench_wait(t);
			}
			memcpy(d, t->src + i * (size + 8), size);
		}
		lamport_publish_prod(r, &p);
		t->count = seq + batch;
	}
}

static void lam_producer(struct bench_thr *t)
{
	BENCH_SIZE_DISPATCH(t->size, lam_prod, t, (struct lamport_ring *)t->sh->ring);
}

BENCH_INLINE void lam_cons(const unsigned int size, struct bench_thr *t,
			   struct lamport_ring *r)
{
	const unsigned int batch = t->batch;
	struct lamport_cons c = { 0, 0 };

	for (;;) {
		unsigned int i, n = 0;

		for (i = 0; i < batch; i++) {
			uint32_t len;
			const void *s = lamport_peek(r, &c, &len);

			if (!s)
				break;
			if (bench_unlikely(len != size)) {
				bench_fail(t, -EIO);
				return;
			}
			memcpy(t->dst + n * (size + 8), s, size);
			n++;
		}
		if (!n) {
			if (bench_cons_idle(t))
				return;
			continue;
		}
		lamport_publish_cons(r, &c);
		for (i = 0; i < n; i++)
			bench_check(t, t->dst + i * (size + 8), size);
	}
}

static void lam_consumer(struct bench_thr *t)
{
	BENCH_SIZE_DISPATCH(t->size, lam_cons, t, (struct lamport_ring *)t->sh->ring);
}

const struct bench_contender bench_lamport = {
	.name = "lamport",
	.family = "lamport",
	.modes = BENCH_SPSC,
	.param = 0,
	.setup = lam_setup,
	.teardown = lam_teardown,
	.producer = lam_producer,
	.consumer = lam_consumer,
};
