// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * The ring core's half of the wake protocol (docs/wake-protocol.md), on the
 * host: a view with a kick (as device mode has) announces a sleeper (H) in
 * its own side's page only, releases kick (G) only when the peer announced
 * one, and - with a futex standing in for the kernel's wait queue - threads
 * that sleep on every -EAGAIN never miss a wakeup.  Local mode (no kick)
 * never touches the waiters word.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>

#include "harness.h"

/* A stand-in for the kernel's wait queue of each direction. */
struct wq {
	__u32 seq;
	__u32 pad[15];
};

struct wctx {
	struct wq q[2];		/* by the side that sleeps */
	__u64 kicks[2];
};

/* What memwell_kring_wake() does: clear the announcement, wake everybody. */
static void test_kick(struct memwell_ring *r, unsigned int sleepers)
{
	struct wctx *w = r->owner;

	__atomic_exchange_n(&r->side[sleepers]->waiters, 0, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&w->q[sleepers].seq, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &w->q[sleepers].seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	__atomic_fetch_add(&w->kicks[sleepers], 1, __ATOMIC_RELAXED);
}

/*
 * Sleep until a kick after @snap (read before the call that failed).  No
 * timeout: a lost wakeup must show as a stall (the test's stop wakes all).
 */
static void test_sleep(struct wctx *w, unsigned int s, __u32 snap)
{
	syscall(SYS_futex, &w->q[s].seq, FUTEX_WAIT, snap, NULL, NULL, 0);
}

static void wake_all(struct wctx *w)
{
	int s;

	for (s = 0; s < 2; s++) {
		__atomic_fetch_add(&w->q[s].seq, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &w->q[s].seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	}
}

static void protect(struct t_gring *g, unsigned int s, int ro)
{
	REQUIRE(mprotect(g->base + (s == MEMWELL_SIDE_PROD ? g->l.prod_offset : g->l.cons_offset),
			 s == MEMWELL_SIDE_PROD ? g->l.prod_size : g->l.cons_size,
			 ro ? PROT_READ : PROT_READ | PROT_WRITE) == 0);
}

static __u32 waiters(struct memwell_ring *r, unsigned int s)
{
	return __atomic_load_n(&r->side[s]->waiters, __ATOMIC_RELAXED);
}

/* (H) writes the sleeper's own waiters word, never the peer's page. */
static void arm_own_side_only(void)
{
	static const __u32 fl[] = { MEMWELL_F_RECORDS, T_F_LOCAL, 0,
				    MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct wctx w = { .kicks = { 0, 0 } };
		struct memwell_rec rec = { .len = 0 };
		struct memwell_batch b = { .used = 0 };
		struct memwell_span sp;
		struct t_gring g;

		t_gring_new(&g, fl[i], 4, 8);
		g.r.kick = test_kick;
		g.r.owner = &w;
		protect(&g, MEMWELL_SIDE_PROD, 1);
		CHECK_EQ(memwell_reserve(&g.r, MEMWELL_SIDE_CONS, 1, 1, &sp), -EAGAIN);
		if (fl[i] & MEMWELL_F_RECORDS) {
			CHECK_EQ(memwell_rec_peek(&g.r, &rec), -EAGAIN);
			CHECK_EQ(memwell_batch_take(&g.r, 4, 16, ~0ULL, &b), -EAGAIN);
		}
		protect(&g, MEMWELL_SIDE_PROD, 0);
		CHECK_EQ(waiters(&g.r, MEMWELL_SIDE_CONS), 1);
		CHECK_EQ(waiters(&g.r, MEMWELL_SIDE_PROD), 0);
		/* Full ring: the producer announces itself on its side. */
		REQUIRE_EQ(memwell_reserve(&g.r, MEMWELL_SIDE_PROD, 256, 256, &sp), 256);
		if (fl[i] & MEMWELL_F_RECORDS)
			__memwell_rec_set_hdr(&g.r, sp.pos, 256 * 16 - 8, 0);
		CHECK_EQ(memwell_release(&g.r, MEMWELL_SIDE_PROD, &sp), 0);
		CHECK_EQ(w.kicks[MEMWELL_SIDE_CONS], 1);	/* the consumer was announced */
		CHECK_EQ(waiters(&g.r, MEMWELL_SIDE_CONS), 0);
		protect(&g, MEMWELL_SIDE_CONS, 1);
		CHECK_EQ(memwell_reserve(&g.r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EAGAIN);
		if (fl[i] & MEMWELL_F_RECORDS)
			CHECK_EQ(memwell_rec_reserve(&g.r, 1, &rec), -EAGAIN);
		protect(&g, MEMWELL_SIDE_CONS, 0);
		CHECK_EQ(waiters(&g.r, MEMWELL_SIDE_PROD), 1);
		CHECK_EQ(w.kicks[MEMWELL_SIDE_PROD], 0);
		t_gring_free(&g);
		if (t_failed) {
			t_diag("flags %#x", fl[i]);
			return;
		}
	}
}

/* No announcement, no kick: releases cost nothing while nobody sleeps. */
static void no_kick_without_sleepers(void)
{
	struct wctx w = { .kicks = { 0, 0 } };
	struct t_gring g;
	int i;

	t_gring_new(&g, T_F_LOCAL, 4, 8);
	g.r.kick = test_kick;
	g.r.owner = &w;
	for (i = 0; i < 1000; i++) {
		CHECK_EQ(t_put(&g.r, 1 + (__u64)i % 100, (__u64)i), 0);
		CHECK_EQ(t_get(&g.r, 1 + (__u64)i % 100, (__u64)i), 0);
	}
	CHECK_EQ(w.kicks[0] + w.kicks[1], 0);
	/* One announced consumer: exactly one kick, by the next release. */
	CHECK_EQ(t_get(&g.r, 1, 1), -EAGAIN);
	CHECK_EQ(t_put(&g.r, 10, 10), 0);
	CHECK_EQ(t_put(&g.r, 11, 11), 0);
	CHECK_EQ(w.kicks[MEMWELL_SIDE_CONS], 1);
	CHECK_EQ(w.kicks[MEMWELL_SIDE_PROD], 0);
	CHECK_EQ(t_get(&g.r, 10, 10), 0);
	CHECK_EQ(t_get(&g.r, 11, 11), 0);
	CHECK_EQ(w.kicks[MEMWELL_SIDE_PROD], 0);
	t_gring_free(&g);
}

/*
 * Multi-owner producers: a release that cannot publish (an earlier span is
 * held) may kick for nothing, but the release that publishes must kick an
 * announced consumer.
 */
static void kick_by_the_publishing_release(void)
{
	struct wctx w = { .kicks = { 0, 0 } };
	struct memwell_rec a = { .len = 0 }, b = { .len = 0 };
	struct t_gring g;

	t_gring_new(&g, MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI, 4, 8);
	g.r.kick = test_kick;
	g.r.owner = &w;
	REQUIRE_EQ(memwell_rec_reserve(&g.r, 8, &a), 0);
	REQUIRE_EQ(memwell_rec_reserve(&g.r, 8, &b), 0);
	t_fill(a.data, 8, 1);
	t_fill(b.data, 8, 2);
	CHECK_EQ(t_get(&g.r, 8, 1), -EAGAIN);		/* announce */
	CHECK_EQ(memwell_rec_commit(&g.r, &b), 0);	/* cannot publish */
	CHECK_EQ(t_get(&g.r, 8, 1), -EAGAIN);		/* announce again */
	CHECK_EQ(waiters(&g.r, MEMWELL_SIDE_CONS), 1);
	w.kicks[MEMWELL_SIDE_CONS] = 0;
	CHECK_EQ(memwell_rec_commit(&g.r, &a), 0);	/* publishes both */
	CHECK_EQ(w.kicks[MEMWELL_SIDE_CONS], 1);
	CHECK_EQ(t_get(&g.r, 8, 1), 0);
	CHECK_EQ(t_get(&g.r, 8, 2), 0);
	t_gring_free(&g);
}

/* Local mode has no kick: the waiters words are never written. */
static void local_mode_never_arms(void)
{
	struct memwell *mw = t_ring(T_F_LOCAL, 4, 8);
	struct memwell_ring *r = memwell_get_ring(mw);
	struct memwell_span sp;
	int i;

	CHECK(r->kick == NULL);
	for (i = 0; i < 10; i++)
		CHECK_EQ(t_get(r, 1, 1), -EAGAIN);
	REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 256, 256, &sp), 256);
	CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 1, &sp), -EAGAIN);
	CHECK_EQ(waiters(r, MEMWELL_SIDE_PROD), 0);
	CHECK_EQ(waiters(r, MEMWELL_SIDE_CONS), 0);
	memwell_close(mw);
}

/* ---- threads that sleep on every -EAGAIN ---- */

struct run {
	struct memwell_ring *r;
	struct wctx *w;
	__u64 per_prod, total;
	__u64 consumed;
	__u64 progress;
	__u64 sleeps;
	int np, blocks, stop, bad;
	int big;		/* every record or span fills the whole ring */
};

struct who {
	struct run *x;
	int id;
};

/* Retry once more before sleeping? */
static int spin_more(__u64 *rnd, __u64 *spins)
{
	if (!*spins)	/* a new wait: pick its budget */
		*rnd = *rnd * 6364136223846793005ULL + 1442695040888963407ULL;
	if ((*rnd >> 63) && ++*spins < ((*rnd >> 40) & 4095))
		return 1;
	*spins = 0;
	return 0;
}

static void *sleepy_producer(void *arg)
{
	struct who *me = arg;
	struct run *x = me->x;
	__u64 seq = 0, rnd = (__u64)me->id * 77 + 1, spins = 0;

	while (seq < x->per_prod && !__atomic_load_n(&x->stop, __ATOMIC_RELAXED)) {
		__u32 snap = __atomic_load_n(&x->w->q[MEMWELL_SIDE_PROD].seq, __ATOMIC_SEQ_CST);
		struct memwell_span sp;
		int e;

		if (x->blocks) {
			__u64 n = x->big ? x->r->count : 1;

			e = memwell_reserve(x->r, MEMWELL_SIDE_PROD, n, n, &sp);
			if (e > 0) {
				__u64 v = seq * 64 + (__u64)me->id;

				memcpy(memwell_block(x->r, sp.pos), &v, 8);
				e = memwell_release(x->r, MEMWELL_SIDE_PROD, &sp);
			}
		} else if (x->big) {
			struct memwell_rec rec = { .len = 0 };

			e = memwell_rec_reserve(x->r, x->r->rec_max, &rec);
			if (!e) {
				__u64 v[2] = { seq, (__u64)me->id };

				memcpy(rec.data, v, sizeof(v));
				e = memwell_rec_commit(x->r, &rec);
			}
		} else {
			__u64 v[2] = { seq, (__u64)me->id };

			e = memwell_rec_write(x->r, v, sizeof(v));
		}
		if (e == -EAGAIN) {
			/*
			 * Half the time retry a while first, as real callers
			 * do: it keeps both sides busy at once.  The other half
			 * sleep at the first -EAGAIN: a lost wakeup hides
			 * behind a retry (the retry's announcement is seen).
			 */
			if (spin_more(&rnd, &spins))
				continue;
			__atomic_fetch_add(&x->sleeps, 1, __ATOMIC_RELAXED);
			test_sleep(x->w, MEMWELL_SIDE_PROD, snap);
			continue;
		}
		if (e == -EBUSY)
			continue;
		if (e) {
			__atomic_store_n(&x->bad, e, __ATOMIC_RELAXED);
			break;
		}
		seq++;
		__atomic_fetch_add(&x->progress, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *sleepy_consumer(void *arg)
{
	struct who *me = arg;
	struct run *x = me->x;
	__u64 last[8] = { 0 }, rnd = (__u64)me->id * 91 + 7, spins = 0;

	while (!__atomic_load_n(&x->stop, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&x->consumed, __ATOMIC_RELAXED) < x->total) {
		__u32 snap = __atomic_load_n(&x->w->q[MEMWELL_SIDE_CONS].seq, __ATOMIC_SEQ_CST);
		__u64 v[2] = { 0, 0 };
		struct memwell_span sp;
		long e;

		if (x->blocks) {
			__u64 n = x->big ? x->r->count : 1;

			e = memwell_reserve(x->r, MEMWELL_SIDE_CONS, n, n, &sp);
			if (e > 0) {
				memcpy(v, memwell_block(x->r, sp.pos), 8);
				v[1] = v[0] % 64;
				v[0] /= 64;
				e = memwell_release(x->r, MEMWELL_SIDE_CONS, &sp);
			}
		} else if (x->big) {
			struct memwell_rec rec = { .len = 0 };

			e = memwell_rec_peek(x->r, &rec);
			if (!e) {
				memcpy(v, rec.data, sizeof(v));
				e = memwell_rec_release(x->r, &rec);
			}
		} else {
			e = memwell_rec_read(x->r, v, sizeof(v));
			if (e == (long)sizeof(v))
				e = 0;
		}
		if (e == -EAGAIN) {
			if (spin_more(&rnd, &spins))
				continue;
			__atomic_fetch_add(&x->sleeps, 1, __ATOMIC_RELAXED);
			test_sleep(x->w, MEMWELL_SIDE_CONS, snap);
			continue;
		}
		if (e == -EBUSY)
			continue;
		if (e || v[1] >= (__u64)x->np || v[0] + 1 <= last[v[1]]) {
			__atomic_store_n(&x->bad, e ? (int)e : -EBADMSG, __ATOMIC_RELAXED);
			break;
		}
		last[v[1]] = v[0] + 1;
		__atomic_fetch_add(&x->consumed, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&x->progress, 1, __ATOMIC_RELAXED);
	}
	/* Whoever finishes wakes the others so they see the end. */
	wake_all(x->w);
	return NULL;
}

static void threads_no_lost_wakeup(void)
{
	/* big: each record fills the ring, every release is the last one. */
	static const struct { int np, nc, blocks, big; __u32 cshift; } cfg[] = {
		{ 1, 1, 0, 0, 6 }, { 2, 2, 0, 0, 6 }, { 4, 4, 0, 0, 8 },
		{ 1, 1, 1, 0, 8 }, { 3, 3, 1, 0, 8 },
		{ 1, 1, 0, 1, 6 }, { 2, 2, 0, 1, 6 }, { 1, 1, 1, 1, 6 },
	};
	unsigned int c;

	for (c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		__u32 flags = (cfg[c].blocks ? 0 : MEMWELL_F_RECORDS) |
			      (cfg[c].np > 1 ? MEMWELL_F_PROD_MULTI : 0) |
			      (cfg[c].nc > 1 ? MEMWELL_F_CONS_MULTI : 0);
		struct wctx w = { .kicks = { 0, 0 } };
		struct run x = { .w = &w, .per_prod = cfg[c].big ? 20000 : 50000,
				 .np = cfg[c].np, .blocks = cfg[c].blocks, .big = cfg[c].big };
		struct who who[8];
		pthread_t th[8];
		struct t_gring g;
		__u64 last = ~0ULL;
		time_t since = time(NULL);
		int i, n = cfg[c].np + cfg[c].nc;

		/* 64 blocks of 64 bytes: full and empty all the time. */
		t_gring_new(&g, flags, 12 - cfg[c].cshift, cfg[c].cshift);
		g.r.kick = test_kick;
		g.r.owner = &w;
		x.r = &g.r;
		x.total = x.per_prod * (__u64)cfg[c].np;
		for (i = 0; i < n; i++) {
			who[i].x = &x;
			who[i].id = i < cfg[c].np ? i : i - cfg[c].np;
			REQUIRE(pthread_create(&th[i], NULL, i < cfg[c].np ?
					       sleepy_producer : sleepy_consumer, &who[i]) == 0);
		}
		/* Everybody sleeps when stuck: no progress for 5 s is a lost wakeup. */
		while (__atomic_load_n(&x.consumed, __ATOMIC_RELAXED) < x.total &&
		       !__atomic_load_n(&x.bad, __ATOMIC_RELAXED)) {
			__u64 p = __atomic_load_n(&x.progress, __ATOMIC_RELAXED);
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			if (p != last) {
				last = p;
				since = time(NULL);
			} else if (time(NULL) - since > 5) {
				t_diag("%dP%dC %s%s: no progress for 5 s at %llu of %llu: a lost "
				       "wakeup (waiters prod %u cons %u)", cfg[c].np, cfg[c].nc,
				       cfg[c].blocks ? "blocks" : "records",
				       cfg[c].big ? " (ring-sized)" : "",
				       (unsigned long long)x.consumed,
				       (unsigned long long)x.total,
				       waiters(&g.r, MEMWELL_SIDE_PROD), waiters(&g.r, MEMWELL_SIDE_CONS));
				t_failed = 1;
				break;
			}
		}
		__atomic_store_n(&x.stop, 1, __ATOMIC_RELAXED);
		for (i = 0; i < n; i++) {
			struct timespec ts;

			/* Wake until each one is gone (it may go back to sleep). */
			for (;;) {
				wake_all(&w);
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += 50 * 1000 * 1000;
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				if (!pthread_timedjoin_np(th[i], NULL, &ts))
					break;
			}
		}
		CHECK_EQ(x.bad, 0);
		CHECK_EQ(x.consumed, x.total);
		t_diag("%dP%dC %s%s: %llu sleeps, %llu + %llu kicks", cfg[c].np, cfg[c].nc,
		       cfg[c].blocks ? "blocks" : "records", cfg[c].big ? " (ring-sized)" : "",
		       (unsigned long long)x.sleeps,
		       (unsigned long long)w.kicks[0], (unsigned long long)w.kicks[1]);
		CHECK(x.sleeps > 0);
		t_gring_free(&g);
		if (t_failed)
			return;
	}
}

T_MAIN(
	T_CASE(arm_own_side_only), T_CASE(no_kick_without_sleepers),
	T_CASE(kick_by_the_publishing_release), T_CASE(local_mode_never_arms),
	T_CASE(threads_no_lost_wakeup))
