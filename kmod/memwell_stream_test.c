// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "memwell_stream": kernel-to-user streaming through the
 * in-kernel API (memwell_kernel.h).  Producers in a kthread, a timer
 * (softirq) and an hrtimer (hardirq) write into one ring at once while the
 * test consumes and verifies every sequence; the gen source kind
 * (memwell_gen.ko, through the registry) in each context; wake policies
 * (adaptive, watermark, latency bound, never, per-call flags) counted in
 * the stats; drop accounting and the LOST record; endpoint lifetimes and
 * EPOLLHUP; names and credentials; source validation (memwell_sink.ko too)
 * and the registry of source kinds with a kind of its own.  The test plays
 * the user-space consumer through the ring's own kernel view.  Built into
 * memwell_test.ko with the suite "memwell"; load memwell_gen.ko and
 * memwell_sink.ko first.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/timer.h>

#include "memwell_gen.h"
#include "memwell_kernel.h"
#include "memwell_kring.h"
#include "memwell_sink.h"
#include "memwell_source.h"

#define ST_PRODS	3
#define ST_PAYLOAD	40	/* gen header + 24 pattern bytes */

static struct memwell_kring *st_ring(struct kunit *test, u32 flags, u32 bs,
				     u32 cs, const char *name)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = flags, .block_shift = bs,
		.count_shift = cs,
	};
	struct memwell_kring *kr;

	if (name)
		strscpy(c.name, name, sizeof(c.name));
	kr = memwell_kring_create(&c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	return kr;
}

/* ---- a verifying consumer, as user space would be ---- */

#define MEMWELL_GEN_PRODUCERS	16

struct st_check {
	u64 next[MEMWELL_GEN_PRODUCERS];
	u64 records, gaps, lost_recs, lost_bytes, bad;
	u64 late;		/* records after a gap no LOST record reported yet */
	u32 lost_size;		/* if set, each LOST record: bytes = records * it */
};

static void st_verify(struct st_check *c, const struct memwell_rec *rec)
{
	struct memwell_gen_rec h;

	if (rec->flags & MEMWELL_REC_LOST) {
		const struct memwell_lost *l = rec->data;

		c->lost_recs += l->records;
		c->lost_bytes += l->bytes;
		if (!l->records || (c->lost_size &&
				    l->bytes != l->records * c->lost_size))
			c->bad++;
		return;
	}
	if (rec->len < sizeof(h)) {
		c->bad++;
		return;
	}
	memcpy(&h, rec->data, sizeof(h));
	if (h.producer >= MEMWELL_GEN_PRODUCERS || h.seq < c->next[h.producer] ||
	    h.check != memwell_gen_check((u8 *)rec->data + sizeof(h),
					 rec->len - sizeof(h))) {
		c->bad++;
		return;
	}
	c->gaps += h.seq - c->next[h.producer];
	c->next[h.producer] = h.seq + 1;
	c->records++;
	/*
	 * A gap is a drop its producer made before this record: the LOST
	 * record that reports it must come first.
	 */
	if (c->gaps > c->lost_recs)
		c->late++;
}

/* Consume what is there; returns records taken. */
static unsigned int st_drain(struct memwell_kring *kr, struct st_check *c)
{
	struct memwell_rec rec;
	unsigned int n = 0;
	int err;

	while ((err = memwell_rec_peek(&kr->view, &rec)) != -EAGAIN) {
		if (err == -EBUSY)
			continue;
		if (err) {
			c->bad++;
			break;
		}
		st_verify(c, &rec);
		memwell_rec_release(&kr->view, &rec);
		n++;
	}
	return n;
}

/* ---- producers in three contexts ---- */

struct st_prod {
	struct memwell_ep *ep;
	u32 idx;
	u64 seq, count;
	struct task_struct *task;
	struct timer_list timer;
	struct hrtimer hrt;
	bool done;
};

static void st_one(struct st_prod *p)
{
	struct {
		struct memwell_gen_rec h;
		u8 pay[ST_PAYLOAD - sizeof(struct memwell_gen_rec)];
	} r;

	r.h.seq = p->seq;
	r.h.producer = p->idx;
	r.h.check = memwell_gen_fill(r.pay, sizeof(r.pay), p->seq, p->idx);
	memwell_ep_output(p->ep, &r, sizeof(r), 0);
	p->seq++;
}

static void st_burst(struct st_prod *p, unsigned int n)
{
	while (n-- && p->seq < p->count)
		st_one(p);
	if (p->seq >= p->count)
		WRITE_ONCE(p->done, true);
}

static int st_thread(void *arg)
{
	struct st_prod *p = arg;

	while (!kthread_should_stop()) {
		if (!READ_ONCE(p->done)) {
			st_burst(p, 4);
			usleep_range(100, 200);
		} else {
			msleep(20);
		}
	}
	return 0;
}

static void st_timer_fn(struct timer_list *t)
{
	struct st_prod *p = from_timer(p, t, timer);

	st_burst(p, 8);
	if (!READ_ONCE(p->done))
		mod_timer(&p->timer, jiffies + 1);
}

static enum hrtimer_restart st_hrtimer_fn(struct hrtimer *t)
{
	struct st_prod *p = container_of(t, struct st_prod, hrt);

	st_burst(p, 4);
	if (READ_ONCE(p->done))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(500 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* A kthread, a timer and an hrtimer produce into one ring at once. */
static void memwell_stream_test_contexts(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD |
					   MEMWELL_F_PROD_MULTI, 6, 8, NULL);
	struct st_prod *p = kunit_kzalloc(test, ST_PRODS * sizeof(*p), GFP_KERNEL);
	struct memwell_ring_stats st;
	struct st_check c = {};
	unsigned long end;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < ST_PRODS; i++) {
		p[i].idx = i;
		p[i].count = 600;
		p[i].ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
		KUNIT_ASSERT_FALSE(test, IS_ERR(p[i].ep));
	}
	p[0].task = kthread_run(st_thread, &p[0], "memwell_st");
	KUNIT_ASSERT_FALSE(test, IS_ERR(p[0].task));
	get_task_struct(p[0].task);
	timer_setup(&p[1].timer, st_timer_fn, 0);
	mod_timer(&p[1].timer, jiffies + 1);
	hrtimer_init(&p[2].hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	p[2].hrt.function = st_hrtimer_fn;
	hrtimer_start(&p[2].hrt, ns_to_ktime(500 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);

	end = jiffies + 30 * HZ;
	while (time_before(jiffies, end)) {
		bool all = true;

		for (i = 0; i < ST_PRODS; i++)
			all &= READ_ONCE(p[i].done);
		if (!st_drain(kr, &c)) {
			if (all)
				break;
			usleep_range(200, 400);
		}
	}
	kthread_stop(p[0].task);
	put_task_struct(p[0].task);
	del_timer_sync(&p[1].timer);
	hrtimer_cancel(&p[2].hrt);
	/* A LOST record still pending is flushed by one more record. */
	st_one(&p[0]);
	st_drain(kr, &c);
	memwell_kring_stats(kr, &st);
	for (i = 0; i < ST_PRODS; i++) {
		KUNIT_EXPECT_TRUE(test, p[i].done);
		memwell_ep_detach(p[i].ep);
	}
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, c.late, 0ULL);
	KUNIT_EXPECT_EQ(test, c.next[0], p[0].seq);
	KUNIT_EXPECT_EQ(test, c.next[1], p[1].seq);
	KUNIT_EXPECT_EQ(test, c.next[2], p[2].seq);
	/* Every gap is a counted drop, reported by a LOST record. */
	KUNIT_EXPECT_EQ(test, c.gaps, st.dropped);
	KUNIT_EXPECT_EQ(test, c.lost_recs, st.dropped);
	KUNIT_EXPECT_EQ(test, c.records + st.dropped, (u64)(3 * 600 + 1));
	KUNIT_EXPECT_EQ(test, st.produced, c.records);
	kunit_info(test, "%llu records, %llu dropped\n", c.records, st.dropped);
	memwell_kring_put(kr);
}

/* Producers flat out into a full ring: drops race with LOST records. */
static int st_flat_thread(void *arg)
{
	struct st_prod *p = arg;

	while (!kthread_should_stop() && !READ_ONCE(p->done)) {
		st_burst(p, 64);
		cond_resched();
	}
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

/*
 * Two kthreads drop and flush LOST records at once: each record must report
 * a consistent pair (records, bytes), never one drop's count without its
 * bytes, and together they must report every drop.
 */
static void memwell_stream_test_lost_race(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD |
					   MEMWELL_F_PROD_MULTI, 6, 6, NULL);
	struct st_prod *p = kunit_kzalloc(test, 2 * sizeof(*p), GFP_KERNEL);
	struct memwell_ring_stats st;
	struct st_check c = { .lost_size = ST_PAYLOAD };
	unsigned long end;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 2; i++) {
		p[i].idx = i;
		p[i].count = 20000;
		p[i].ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
		KUNIT_ASSERT_FALSE(test, IS_ERR(p[i].ep));
		p[i].task = kthread_run(st_flat_thread, &p[i], "memwell_st%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(p[i].task));
		get_task_struct(p[i].task);
	}
	end = jiffies + 60 * HZ;
	while (time_before(jiffies, end) &&
	       !(READ_ONCE(p[0].done) && READ_ONCE(p[1].done))) {
		st_drain(kr, &c);
		usleep_range(50, 100);
	}
	for (i = 0; i < 2; i++) {
		kthread_stop(p[i].task);
		put_task_struct(p[i].task);
		KUNIT_EXPECT_TRUE(test, p[i].done);
	}
	/* Nothing in flight now: one more record flushes what is pending. */
	st_drain(kr, &c);
	st_one(&p[0]);
	st_drain(kr, &c);
	memwell_kring_stats(kr, &st);
	for (i = 0; i < 2; i++)
		memwell_ep_detach(p[i].ep);
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, c.late, 0ULL);
	KUNIT_EXPECT_GT(test, st.dropped, 0ULL);
	/* The last records of a producer may be drops no later record shows. */
	KUNIT_EXPECT_EQ(test, c.next[0], p[0].seq);
	KUNIT_EXPECT_EQ(test, c.gaps + p[1].seq - c.next[1], st.dropped);
	KUNIT_EXPECT_EQ(test, c.lost_recs, st.dropped);
	KUNIT_EXPECT_EQ(test, c.lost_bytes, st.dropped_bytes);
	KUNIT_EXPECT_EQ(test, c.records + st.dropped, 2 * 20000ULL + 1);
	kunit_info(test, "%llu records, %llu dropped\n", c.records, st.dropped);
	memwell_kring_put(kr);
}

/* The gen source in each context, two producers, verified. */
static void memwell_stream_test_gen(struct kunit *test)
{
	u32 ctx;

	for (ctx = MEMWELL_CTX_KTHREAD; ctx <= MEMWELL_CTX_HARDIRQ; ctx++) {
		struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
						   MEMWELL_F_KERNEL_PROD |
						   MEMWELL_F_PROD_MULTI, 7, 9, NULL);
		struct memwell_source s = {
			.size = sizeof(s), .kind = MEMWELL_SRC_GEN, .context = ctx,
			.producers = 2, .record_size = 100, .count = 400,
			.rate = 20000,
		};
		struct memwell_ring_stats st;
		struct st_check c = {};
		unsigned long end = jiffies + 30 * HZ;

		KUNIT_ASSERT_EQ(test, memwell_source_attach(kr, &s), 0);
		KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), -EBUSY);
		/* Done when the source detached its producers (EPOLLHUP). */
		while (time_before(jiffies, end)) {
			if (!st_drain(kr, &c)) {
				if (memwell_kring_poll(kr, EPOLLIN) & EPOLLHUP)
					break;
				usleep_range(500, 1000);
			}
		}
		st_drain(kr, &c);
		memwell_kring_stats(kr, &st);
		KUNIT_EXPECT_TRUE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLHUP);
		KUNIT_EXPECT_EQ(test, st.producers, 0ULL);
		KUNIT_EXPECT_EQ_MSG(test, c.bad, 0ULL, "context %u", ctx);
		KUNIT_EXPECT_EQ_MSG(test, c.next[0], 400ULL, "context %u", ctx);
		KUNIT_EXPECT_EQ_MSG(test, c.next[1], 400ULL, "context %u", ctx);
		KUNIT_EXPECT_EQ(test, c.gaps, st.dropped);
		KUNIT_EXPECT_EQ(test, c.records, st.produced);
		memwell_source_detach(kr);
		memwell_kring_put(kr);
	}
}

/* MEMWELL_GEN_F_HEADER_ONLY: headers in sequence, the payload untouched. */
static void memwell_stream_test_gen_header_only(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD, 7, 9, NULL);
	struct memwell_source s = {
		.size = sizeof(s), .kind = MEMWELL_SRC_GEN,
		.context = MEMWELL_CTX_KTHREAD, .producers = 1,
		.record_size = 200, .count = 300, .rate = 20000,
		.flags = MEMWELL_GEN_F_HEADER_ONLY,
	};
	unsigned long end = jiffies + 30 * HZ;
	u64 next = 0, bad = 0, dropped = 0;
	struct memwell_ring_stats st;
	struct memwell_rec rec;
	int err;

	/* Whatever the ring held stays: gen must not touch the payload. */
	memset(kr->view.data, 0x5a, (size_t)kr->view.count << kr->view.block_shift);
	KUNIT_ASSERT_EQ(test, memwell_source_attach(kr, &s), 0);
	while (time_before(jiffies, end)) {
		const struct memwell_gen_rec *h;
		const u8 *pay;
		u32 i;

		err = memwell_rec_peek(&kr->view, &rec);
		if (err == -EAGAIN) {
			if ((memwell_kring_poll(kr, EPOLLIN) & EPOLLHUP) &&
			    !memwell_ready_blocks(&kr->view))
				break;
			usleep_range(500, 1000);
			continue;
		}
		KUNIT_ASSERT_EQ(test, err, 0);
		if (rec.flags & MEMWELL_REC_LOST) {
			dropped += ((const struct memwell_lost *)rec.data)->records;
		} else {
			h = rec.data;
			pay = (const u8 *)(h + 1);
			if (rec.len != s.record_size || h->seq < next ||
			    h->producer || h->check)
				bad++;
			for (i = 0; i < rec.len - sizeof(*h); i++)
				if (pay[i] != 0x5a)
					bad++;
			next = h->seq + 1;
		}
		memwell_rec_release(&kr->view, &rec);
	}
	memwell_kring_stats(kr, &st);
	KUNIT_EXPECT_EQ(test, bad, 0ULL);
	KUNIT_EXPECT_EQ(test, next, 300ULL);
	KUNIT_EXPECT_EQ(test, st.produced + st.dropped, 300ULL);
	KUNIT_EXPECT_EQ(test, dropped, st.dropped);
	memwell_source_detach(kr);
	memwell_kring_put(kr);
}

/* ---- wake policies ---- */

static u64 st_wakeups(struct memwell_kring *kr)
{
	struct memwell_ring_stats st;

	irq_work_sync(&kr->wake.work);
	memwell_kring_stats(kr, &st);
	return st.wakeups;
}

static void st_sleeper(struct memwell_kring *kr)
{
	/* A consumer announced it sleeps, as poll() does (H). */
	smp_store_mb(kr->view.side[MEMWELL_SIDE_CONS]->waiters, 1U);
}

static void memwell_stream_test_wake(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD, 6, 8, NULL);
	struct memwell_wake_policy pol = { .size = sizeof(pol) };
	struct memwell_ep *ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	u8 buf[56] = {};
	struct st_check c = {};
	u64 w;
	int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(ep));
	w = st_wakeups(kr);

	/* Adaptive: nobody sleeps, nobody is woken. */
	KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf), 0), 0);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), w);
	st_sleeper(kr);
	KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf), 0), 0);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), ++w);
	KUNIT_EXPECT_EQ(test, READ_ONCE(kr->view.side[MEMWELL_SIDE_CONS]->waiters), 0U);
	st_drain(kr, &c);

	/* Per call: NO_WAKEUP keeps a sleeper asleep, FORCE wakes anyway. */
	st_sleeper(kr);
	KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf),
						MEMWELL_KF_NO_WAKEUP), 0);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), w);
	KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf),
						MEMWELL_KF_FORCE_WAKEUP), 0);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), ++w);
	KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf), 0x80), -EINVAL);
	st_drain(kr, &c);

	/* Watermark: 4 records of one 64-byte block each. */
	pol.watermark = 4 * 64;
	KUNIT_EXPECT_EQ(test, memwell_kring_set_wake(kr, &pol), 0);
	w = st_wakeups(kr);
	st_sleeper(kr);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf), 0), 0);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), w);
	/* poll() too: below the watermark nothing is readable yet. */
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLIN);
	KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf), 0), 0);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), ++w);
	KUNIT_EXPECT_TRUE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLIN);
	st_drain(kr, &c);

	/* Latency bound: below the watermark, woken within latency_ns. */
	pol.watermark = 1 << 20;
	pol.latency_ns = 100 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, memwell_kring_set_wake(kr, &pol), 0);
	/* Clamped to half the ring (16 KiB): a full ring still wakes. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(kr->wake.watermark), 8192ULL);
	w = st_wakeups(kr);
	st_sleeper(kr);
	KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf), 0), 0);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), w);
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLIN);
	for (i = 0; i < 200 && st_wakeups(kr) == w; i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), ++w);
	/* Due now, below the watermark; drained, nothing is owed. */
	KUNIT_EXPECT_TRUE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLIN);
	st_drain(kr, &c);
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLIN);
	/* The next record is below the watermark again (no timer this time). */
	pol.latency_ns = 0;
	KUNIT_EXPECT_EQ(test, memwell_kring_set_wake(kr, &pol), 0);
	KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf), 0), 0);
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLIN);
	st_drain(kr, &c);

	/* Never: a busy-polling consumer is never woken. */
	pol.flags = MEMWELL_WAKE_NEVER;
	KUNIT_EXPECT_EQ(test, memwell_kring_set_wake(kr, &pol), 0);
	w = st_wakeups(kr);
	st_sleeper(kr);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, memwell_ep_output(ep, buf, sizeof(buf), 0), 0);
	msleep(20);
	KUNIT_EXPECT_EQ(test, st_wakeups(kr), w);
	st_drain(kr, &c);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

/* ---- a kernel consumer asleep in memwell_ep_wait() ---- */

struct st_waiter {
	struct memwell_ep *ep;
	struct completion started;
	struct completion woken;
	int peeked;
	long ret;
};

static int st_wait_thread(void *arg)
{
	struct st_waiter *w = arg;
	struct memwell_rec rec;

	/* On the empty ring the peek announces this consumer (H). */
	w->peeked = memwell_ep_peek(w->ep, &rec);
	complete(&w->started);
	w->ret = memwell_ep_wait(w->ep, 20 * HZ);
	complete(&w->woken);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 50);
	return 0;
}

/*
 * A wake-up that finds nothing (another consumer took the record, a
 * forced or spurious wake) clears the side's announcement; a consumer
 * that goes back to sleep must announce itself again, or the next record
 * does not wake it and it sleeps until its timeout.
 */
static void memwell_stream_test_wait_rearm(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_CONS, 6, 8, NULL);
	struct st_waiter w = {};
	struct task_struct *t;
	u8 buf[8] = {};

	w.ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_CONS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(w.ep));
	init_completion(&w.started);
	init_completion(&w.woken);
	t = kthread_run(st_wait_thread, &w, "memwell_st_wait");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	wait_for_completion(&w.started);
	KUNIT_EXPECT_EQ(test, w.peeked, -EAGAIN);
	msleep(50);
	/* A wake-up with nothing to read, as MEMWELL_IOC_WAKE gives. */
	memwell_kring_wake(kr, MEMWELL_SIDE_CONS);
	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&w.woken));
	/* A process produces; its release kicks only announced sleepers. */
	KUNIT_EXPECT_EQ(test, memwell_rec_write(&kr->view, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&w.woken, 2 * HZ), 0UL);
	kthread_stop(t);
	KUNIT_EXPECT_GT(test, w.ret, 0L);
	memwell_ep_detach(w.ep);
	memwell_kring_put(kr);
}

/* ---- drops and the LOST record ---- */

static void memwell_stream_test_drops(struct kunit *test)
{
	/* 64 blocks of 64 bytes; a 40-byte payload takes one block. */
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD, 6, 6, NULL);
	struct memwell_ep *ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	struct st_prod p = { .count = ~0ULL };
	struct memwell_ring_stats st;
	struct memwell_rec rec;
	struct st_check c = {};
	int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(ep));
	p.ep = ep;
	for (i = 0; i < 64; i++)
		st_one(&p);
	memwell_kring_stats(kr, &st);
	KUNIT_EXPECT_EQ(test, st.produced, 64ULL);
	KUNIT_EXPECT_EQ(test, st.dropped, 0ULL);
	for (i = 0; i < 10; i++)
		st_one(&p);
	memwell_kring_stats(kr, &st);
	KUNIT_EXPECT_EQ(test, st.dropped, 10ULL);
	KUNIT_EXPECT_EQ(test, st.dropped_bytes, 10ULL * ST_PAYLOAD);
	/* The header page shows the same. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(kr->stats->dropped), 10ULL);

	/* One free block: the LOST record fits, the record not: one more drop. */
	KUNIT_ASSERT_EQ(test, memwell_rec_peek(&kr->view, &rec), 0);
	st_verify(&c, &rec);
	memwell_rec_release(&kr->view, &rec);
	st_one(&p);
	memwell_kring_stats(kr, &st);
	KUNIT_EXPECT_EQ(test, st.dropped, 11ULL);
	KUNIT_EXPECT_EQ(test, st.produced, 64ULL);

	/* Room again: the next record follows a LOST record with the count. */
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, memwell_rec_peek(&kr->view, &rec), 0);
		st_verify(&c, &rec);
		memwell_rec_release(&kr->view, &rec);
	}
	st_one(&p);
	st_drain(kr, &c);
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, c.lost_recs, 11ULL);
	KUNIT_EXPECT_EQ(test, c.lost_bytes, 11ULL * ST_PAYLOAD);
	KUNIT_EXPECT_EQ(test, c.gaps, 11ULL);
	KUNIT_EXPECT_EQ(test, c.records, 65ULL);
	KUNIT_EXPECT_EQ(test, c.next[0], p.seq);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

/* ---- lifetimes ---- */

static void memwell_stream_test_lifetime(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD |
					   MEMWELL_F_PROD_MULTI, 6, 8, NULL);
	long rings0, pages0, rings, pages, nr = kr->mem.nr_pages;
	struct memwell_ep *a, *b;
	u8 buf[16] = {};

	memwell_kring_counts(&rings0, &pages0);
	a = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	b = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, READ_ONCE(kr->stats->producers), 2ULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memwell_ep_attach_ring(kr, MEMWELL_SIDE_CONS)),
			-EPERM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memwell_ep_attach_ring(kr, 7)), -EINVAL);
	/* The creating file goes away: the producers keep the ring. */
	memwell_kring_put(kr);
	memwell_kring_counts(&rings, &pages);
	KUNIT_EXPECT_EQ(test, rings, rings0);
	KUNIT_EXPECT_EQ(test, memwell_ep_output(a, buf, sizeof(buf), 0), 0);
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLHUP);
	memwell_ep_detach(a);
	memwell_kring_counts(&rings, &pages);
	KUNIT_EXPECT_EQ(test, rings, rings0);
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLHUP);
	/*
	 * The test holds no reference now: the last producer's detach frees
	 * the ring, its pages and all (kr is gone).
	 */
	memwell_ep_detach(b);
	memwell_kring_counts(&rings, &pages);
	KUNIT_EXPECT_EQ(test, rings, rings0 - 1);
	KUNIT_EXPECT_EQ(test, pages, pages0 - nr);

	/* With the file still open: EPOLLHUP after the last producer. */
	kr = st_ring(test, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD |
		     MEMWELL_F_PROD_MULTI, 6, 8, NULL);
	a = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	b = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, memwell_ep_output(b, buf, sizeof(buf), 0), 0);
	memwell_ep_detach(a);
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLHUP);
	memwell_ep_detach(b);
	KUNIT_EXPECT_TRUE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLHUP);
	KUNIT_EXPECT_TRUE(test, memwell_kring_poll(kr, EPOLLIN) & EPOLLIN);
	KUNIT_EXPECT_EQ(test, READ_ONCE(kr->stats->producers), 0ULL);
	memwell_kring_put(kr);

	/* A single-owner side takes one kernel producer. */
	kr = st_ring(test, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 6, 8, NULL);
	a = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, PTR_ERR(memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD)),
			-EBUSY);
	memwell_ep_detach(a);
	memwell_kring_put(kr);

	/* No kernel flag, no kernel endpoint. */
	kr = st_ring(test, MEMWELL_F_RECORDS, 6, 8, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD)),
			-EPERM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memwell_ep_attach_ring(kr, MEMWELL_SIDE_CONS)),
			-EPERM);
	memwell_kring_put(kr);
}

/* ---- names ---- */

static int st_create_named(const char *name, size_t n)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = MEMWELL_F_RECORDS |
		MEMWELL_F_KERNEL_PROD, .block_shift = 6, .count_shift = 8,
	};
	struct memwell_kring *kr;

	memcpy(c.name, name, n);
	kr = memwell_kring_create(&c);
	if (IS_ERR(kr))
		return PTR_ERR(kr);
	memwell_kring_put(kr);
	return 0;
}

static void memwell_stream_test_names(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD, 6, 8,
					   "st.ring-1_A");
	char full[MEMWELL_NAME_LEN];
	struct memwell_ep *ep;
	struct cred *cred;
	const struct cred *old;

	KUNIT_EXPECT_EQ(test, st_create_named("st.ring-1_A", 12), -EEXIST);
	KUNIT_EXPECT_EQ(test, st_create_named("bad name", 9), -EINVAL);
	KUNIT_EXPECT_EQ(test, st_create_named("bad/name", 9), -EINVAL);
	KUNIT_EXPECT_EQ(test, st_create_named("ab\0c", 5), -EINVAL);
	memset(full, 'x', sizeof(full));
	KUNIT_EXPECT_EQ(test, st_create_named(full, sizeof(full)), -EINVAL);
	KUNIT_EXPECT_EQ(test, st_create_named("other", 6), 0);

	ep = memwell_ep_attach_name("st.ring-1_A", MEMWELL_SIDE_PROD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ep));
	memwell_ep_detach(ep);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memwell_ep_attach_name("st.ring-1_A",
							     MEMWELL_SIDE_CONS)), -EPERM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memwell_ep_attach_name("nope", 0)), -ENOENT);

	/* Another user without CAP_IPC_OWNER may not attach a 0600 ring. */
	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->euid = KUIDT_INIT(4321);
	cred->fsuid = KUIDT_INIT(4321);
	cred->fsgid = KGIDT_INIT(4321);
	cap_clear(cred->cap_effective);
	old = override_creds(cred);
	ep = memwell_ep_attach_name("st.ring-1_A", MEMWELL_SIDE_PROD);
	revert_creds(old);
	put_cred(cred);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ep), -EACCES);
	if (!IS_ERR(ep))
		memwell_ep_detach(ep);

	/* The name goes with the ring. */
	memwell_kring_put(kr);
	KUNIT_EXPECT_EQ(test, PTR_ERR(memwell_ep_attach_name("st.ring-1_A", 0)),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, st_create_named("st.ring-1_A", 12), 0);
}

/* ---- source validation ---- */

static void memwell_stream_test_sources(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD, 6, 8, NULL);
	struct memwell_kring *kc = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_CONS, 6, 8, NULL);
	const struct memwell_source ok = {
		.size = sizeof(ok), .kind = MEMWELL_SRC_GEN, .producers = 1,
		.record_size = 16, .count = 1,
	};
	struct memwell_source s;

#define ST_SRC(field, val, err) do {					\
		s = ok;							\
		s.field = val;						\
		KUNIT_EXPECT_EQ_MSG(test, memwell_source_attach(kr, &s), err, \
				    #field " = " #val);			\
	} while (0)
	/* No kind 0; kind 9 is not loaded. */
	ST_SRC(kind, 0, -ENOENT);
	ST_SRC(kind, 9, -ENOENT);
	ST_SRC(flags, 2, -EINVAL);		/* unknown gen flag */
	ST_SRC(flags, 0x80000000U, -EINVAL);
	ST_SRC(reserved[3], 1, -EINVAL);
	ST_SRC(context, 3, -EINVAL);
	ST_SRC(producers, 0, -EINVAL);
	ST_SRC(producers, 2, -EINVAL);		/* single-owner producer side */
	ST_SRC(producers, 17, -E2BIG);
	ST_SRC(record_size, 15, -EINVAL);
	ST_SRC(record_size, 1 << 20, -E2BIG);
	ST_SRC(rate, 1ULL << 40, -E2BIG);
	s = ok;
	s.kind = MEMWELL_SRC_SINK;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kc, &s), -EINVAL);
	s.producers = 0;
	s.record_size = 0;
	s.count = 0;
	/* gen's flags are gen's alone. */
	s.flags = MEMWELL_GEN_F_HEADER_ONLY;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kc, &s), -EINVAL);
	s.flags = 0;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), -EPERM);
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kc, &ok), -EPERM);
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kc, &s), 0);
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kc, &s), -EBUSY);
	memwell_source_detach(kc);
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &ok), 0);
	memwell_source_detach(kr);
	memwell_source_detach(kr);
	memwell_kring_put(kc);
	memwell_kring_put(kr);
	/* Timers and hrtimers write at most 16 KiB of payload an expiry. */
	kr = st_ring(test, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 6, 10, NULL);
	s = ok;
	s.record_size = 16 * 1024 + 1;
	s.context = MEMWELL_CTX_HARDIRQ;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), -E2BIG);
	s.context = MEMWELL_CTX_SOFTIRQ;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), -E2BIG);
	s.context = MEMWELL_CTX_KTHREAD;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), 0);
	memwell_source_detach(kr);
	s.record_size = 16 * 1024;
	s.context = MEMWELL_CTX_HARDIRQ;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), 0);
	memwell_source_detach(kr);
	memwell_kring_put(kr);
#undef ST_SRC
}

/* ---- the registry of source kinds ---- */

static atomic_t st_kind_started, st_kind_stopped;

static void *st_kind_start(struct memwell_kring *kr, const struct memwell_source *s)
{
	struct memwell_ep *ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);

	if (!IS_ERR(ep))
		atomic_inc(&st_kind_started);
	return ep;
}

static void st_kind_stop(void *inst)
{
	memwell_ep_detach(inst);
	atomic_inc(&st_kind_stopped);
}

static int st_kind_check(const struct memwell_source *s, u32 ring_flags,
			 u64 rec_max)
{
	return s->count ? -E2BIG : 0;
}

/* Attach with the capabilities of @caps alone (the test's credentials). */
static int st_attach_caps(struct memwell_kring *kr, const struct memwell_source *s,
			  const kernel_cap_t *caps)
{
	struct cred *c = prepare_creds();
	const struct cred *old;
	int err;

	if (!c)
		return -ENOMEM;
	c->cap_effective = *caps;
	old = override_creds(c);
	err = memwell_source_attach(kr, s);
	revert_creds(old);
	put_cred(c);
	return err;
}

/*
 * A kind of the test's own: registration rules, dispatch, one instance a
 * ring, the generic checks before the kind's, the privileges, and that an
 * unregistered kind is gone (-ENOENT).
 */
static void memwell_stream_test_registry(struct kunit *test)
{
	struct memwell_source_ops ops = {
		.kind = 200, .name = "kunit", .owner = THIS_MODULE,
		.sides = MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD),
		.priv = MEMWELL_SOURCE_PRIV_ADMIN, .check = st_kind_check,
		.start = st_kind_start, .stop = st_kind_stop,
	};
	struct memwell_source_ops dup = ops, bad = ops;
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD, 6, 8, NULL);
	struct memwell_kring *plain = st_ring(test, MEMWELL_F_RECORDS, 6, 8, NULL);
	const struct memwell_source s = { .size = sizeof(s), .kind = 200 };
	struct memwell_source t = s;
	kernel_cap_t none = {}, perfmon = {};

	atomic_set(&st_kind_started, 0);
	atomic_set(&st_kind_stopped, 0);
	cap_raise(perfmon, CAP_PERFMON);
	bad.kind = 0;
	KUNIT_EXPECT_EQ(test, memwell_source_register(&bad), -EINVAL);
	bad = ops;
	bad.stop = NULL;
	KUNIT_EXPECT_EQ(test, memwell_source_register(&bad), -EINVAL);
	bad = ops;
	bad.sides = 4;
	KUNIT_EXPECT_EQ(test, memwell_source_register(&bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), -ENOENT);
	KUNIT_ASSERT_EQ(test, memwell_source_register(&ops), 0);
	KUNIT_EXPECT_EQ(test, memwell_source_register(&dup), -EEXIST);

	/* The generic checks, then the kind's. */
	t.flags = 1;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &t), -EINVAL);
	t = s;
	t.reserved[0] = 1;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &t), -EINVAL);
	KUNIT_EXPECT_EQ(test, memwell_source_attach(plain, &s), -EPERM);
	t = s;
	t.count = 1;
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &t), -E2BIG);
	KUNIT_EXPECT_EQ(test, atomic_read(&st_kind_started), 0);

	/* Privileges: CAP_SYS_ADMIN, perfmon_capable(), or none. */
	KUNIT_EXPECT_EQ(test, st_attach_caps(kr, &s, &none), -EPERM);
	KUNIT_EXPECT_EQ(test, st_attach_caps(kr, &s, &perfmon), -EPERM);
	ops.priv = MEMWELL_SOURCE_PRIV_PERFMON;
	KUNIT_EXPECT_EQ(test, st_attach_caps(kr, &s, &none), -EPERM);
	KUNIT_EXPECT_EQ(test, st_attach_caps(kr, &s, &perfmon), 0);
	memwell_source_detach(kr);
	ops.priv = MEMWELL_SOURCE_PRIV_NONE;
	KUNIT_EXPECT_EQ(test, st_attach_caps(kr, &s, &none), 0);
	memwell_source_detach(kr);
	ops.priv = MEMWELL_SOURCE_PRIV_ADMIN;

	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), 0);
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), -EBUSY);
	KUNIT_EXPECT_EQ(test, atomic_read(&st_kind_started), 3);
	memwell_source_detach(kr);
	memwell_source_detach(kr);
	KUNIT_EXPECT_EQ(test, atomic_read(&st_kind_stopped), 3);
	memwell_source_unregister(&ops);
	KUNIT_EXPECT_EQ(test, memwell_source_attach(kr, &s), -ENOENT);
	memwell_kring_put(plain);
	memwell_kring_put(kr);
}

/* ---- end of stream ---- */

#define ST_EOS_ROUNDS	4000U
/* Rounds end early after this long: a loaded host runs TCG slowly. */
#define ST_EOS_SECS	40

/*
 * Wait for @v to reach @n, spinning; the other thread may share this CPU,
 * so let it run now and then.  False if @stop is set first.
 */
static bool st_spin_until(atomic_t *v, int n, atomic_t *stop)
{
	unsigned int spins = 0;

	while (atomic_read_acquire(v) < n) {
		if (atomic_read(stop))
			return false;
		if (++spins % 64)
			cpu_relax();
		else
			usleep_range(1, 2);
	}
	return true;
}

/**
 * struct st_eos - the last producer detaches while another attaches
 * @kr: the ring
 * @round: the round the attacher may start
 * @done: the last round the attacher finished
 * @ep: what its attach gave in that round
 * @stop: the attacher is to stop
 */
struct st_eos {
	struct memwell_kring *kr;
	atomic_t round;
	atomic_t done;
	struct memwell_ep *ep;
	atomic_t stop;
};

static int st_eos_attacher(void *arg)
{
	struct st_eos *e = arg;
	u32 i;

	for (i = 1; i <= ST_EOS_ROUNDS; i++) {
		if (!st_spin_until(&e->round, i, &e->stop))
			break;
		e->ep = memwell_ep_attach_ring(e->kr, MEMWELL_SIDE_PROD);
		atomic_set_release(&e->done, i);
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 50);
	return 0;
}

/*
 * Each round the test's producer, the only one attached, detaches while a
 * kthread attaches another: afterwards EPOLLHUP must say exactly whether no
 * producer is attached.  On a single-owner side the attach may also fail
 * (-EBUSY, it came first): the stream has then ended, and must say so.
 */
static void st_eos_run(struct kunit *test, u32 flags)
{
	struct st_eos e = {};
	struct task_struct *t;
	unsigned long end = jiffies + ST_EOS_SECS * HZ;
	struct memwell_ep *mine;
	u32 i, spurious = 0, lost = 0, busy = 0, delay = 0;
	atomic_t never = ATOMIC_INIT(0);

	e.kr = st_ring(test, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD | flags,
		       6, 6, NULL);
	atomic_set(&e.round, 0);
	atomic_set(&e.done, 0);
	atomic_set(&e.stop, 0);
	mine = memwell_ep_attach_ring(e.kr, MEMWELL_SIDE_PROD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(mine));
	t = kthread_run(st_eos_attacher, &e, "memwell_st_eos");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	for (i = 1; i <= ST_EOS_ROUNDS && time_before(jiffies, end); i++) {
		bool attached, hup;

		atomic_set_release(&e.round, i);
		ndelay(delay + i % 64);
		memwell_ep_detach(mine);
		st_spin_until(&e.done, i, &never);
		attached = !IS_ERR(e.ep);
		/*
		 * Keep the detach at the moment the attacher counts itself: later
		 * if it attached (the detach came first), earlier if it was refused.
		 */
		if (attached)
			delay = min(delay + 16, 20000U);
		else
			delay = delay > 16 ? delay - 16 : 0;
		hup = memwell_kring_poll(e.kr, EPOLLIN) & EPOLLHUP;
		if (attached && hup)
			spurious++;
		if (!attached && !hup)
			lost++;
		if (!attached) {
			busy += PTR_ERR(e.ep) == -EBUSY;
			e.ep = memwell_ep_attach_ring(e.kr, MEMWELL_SIDE_PROD);
		}
		mine = IS_ERR(e.ep) ? NULL : e.ep;
		if (!mine)
			break;
		if (!(i % 256))
			cond_resched();
	}
	atomic_set(&e.stop, 1);
	kthread_stop(t);
	put_task_struct(t);
	KUNIT_EXPECT_GT(test, i, 500U);
	KUNIT_EXPECT_NOT_NULL(test, mine);
	if (mine)
		memwell_ep_detach(mine);
	KUNIT_EXPECT_TRUE(test, memwell_kring_poll(e.kr, EPOLLIN) & EPOLLHUP);
	KUNIT_EXPECT_EQ_MSG(test, spurious, 0U, "EPOLLHUP with a producer attached");
	KUNIT_EXPECT_EQ_MSG(test, lost, 0U, "no EPOLLHUP with no producer attached");
	kunit_info(test, "flags %#x: %u rounds, %u attaches refused, %u spurious, %u lost\n",
		   flags, i - 1, busy, spurious, lost);
	memwell_kring_put(e.kr);
}

static void memwell_stream_test_eos_race(struct kunit *test)
{
	st_eos_run(test, 0);
	st_eos_run(test, MEMWELL_F_PROD_MULTI);
}

/* ---- a kernel consumer hangs up ---- */

struct st_out_sleeper {
	struct memwell_kring *kr;
	struct completion done;
	u32 mask;
};

/* Sleeps as poll() does, for room: on the queue, then (H), then a look. */
static int st_out_sleeper_fn(void *arg)
{
	struct st_out_sleeper *s = arg;
	DEFINE_WAIT(wait);
	long left = 10 * HZ;

	for (;;) {
		__poll_t m;

		prepare_to_wait(&s->kr->wq, &wait, TASK_INTERRUPTIBLE);
		m = memwell_kring_poll(s->kr, EPOLLOUT | EPOLLWRNORM);
		if (m) {
			s->mask = (__force u32)m;
			break;
		}
		left = schedule_timeout(left);
		if (!left)
			break;
	}
	finish_wait(&s->kr->wq, &wait);
	complete(&s->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 50);
	return 0;
}

/*
 * The last kernel consumer detaching is the end of the stream for the
 * processes producing into the ring, as the last kernel producer's is for
 * those consuming: a producer asleep for room is woken and sees EPOLLHUP.
 */
static void memwell_stream_test_cons_hup(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_CONS, 6, 6, NULL);
	struct st_out_sleeper s = { .kr = kr };
	struct memwell_ep *ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_CONS);
	struct task_struct *t;
	u8 buf[32] = {};
	unsigned int ms;

	KUNIT_ASSERT_FALSE(test, IS_ERR(ep));
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLOUT) & EPOLLHUP);
	/* A process fills the ring; its producers then sleep for room. */
	while (!memwell_rec_write(&kr->view, buf, sizeof(buf)))
		;
	init_completion(&s.done);
	t = kthread_run(st_out_sleeper_fn, &s, "memwell_st_out");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	for (ms = 0; ms < 5000 &&
	     !READ_ONCE(kr->view.side[MEMWELL_SIDE_PROD]->waiters); ms++)
		usleep_range(1000, 2000);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, completion_done(&s.done));
	memwell_ep_detach(ep);
	KUNIT_EXPECT_GT_MSG(test, wait_for_completion_timeout(&s.done, 2 * HZ), 0UL,
			    "the producer asleep for room was not woken");
	KUNIT_EXPECT_TRUE(test, s.mask & (__force u32)EPOLLHUP);
	KUNIT_EXPECT_TRUE(test, memwell_kring_poll(kr, EPOLLOUT) & EPOLLHUP);
	kthread_stop(t);
	put_task_struct(t);
	/* A consumer attaching again: the stream goes on. */
	ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_CONS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ep));
	KUNIT_EXPECT_FALSE(test, memwell_kring_poll(kr, EPOLLOUT) & EPOLLHUP);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

/* ---- bounded work in interrupt context on user-written marks ---- */

/**
 * struct st_irq_call - one endpoint call from an hrtimer (hardirq)
 * @hrt: the timer
 * @ep: the endpoint
 * @len: for a producer, the record to reserve; 0 for a consumer's peek
 * @err: what the call returned
 * @hardirq: it ran in hardirq context
 * @done: it ran
 */
struct st_irq_call {
	struct hrtimer hrt;
	struct memwell_ep *ep;
	u32 len;
	int err;
	bool hardirq;
	struct completion done;
};

static enum hrtimer_restart st_irq_call_fn(struct hrtimer *t)
{
	struct st_irq_call *c = container_of(t, struct st_irq_call, hrt);
	struct memwell_rec rec;

	c->hardirq = in_hardirq();
	if (c->len) {
		c->err = memwell_ep_reserve(c->ep, c->len, &rec);
		if (!c->err)
			memwell_ep_discard(c->ep, &rec, 0);
	} else {
		c->err = memwell_ep_peek(c->ep, &rec);
		if (!c->err)
			memwell_ep_release(c->ep, &rec);
	}
	complete(&c->done);
	return HRTIMER_NORESTART;
}

static void st_irq_call(struct kunit *test, struct st_irq_call *c)
{
	init_completion(&c->done);
	hrtimer_init(&c->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->hrt.function = st_irq_call_fn;
	hrtimer_start(&c->hrt, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c->done, 5 * HZ), 0UL);
	hrtimer_cancel(&c->hrt);
	KUNIT_EXPECT_TRUE(test, c->hardirq);
}

/*
 * The processes' side claimed every block and marked each one a span of
 * its own, released but not swept: a chain of count marks in user-writable
 * memory, as a dead or hostile process leaves it.  (On records rings the
 * producers' spans are one-block records.)
 */
static void st_mark_chain(struct memwell_ring *r, unsigned int s, u64 from)
{
	u64 p;

	for (p = from; p != from + r->count; p++) {
		if (s == MEMWELL_SIDE_PROD)
			__memwell_rec_set_hdr(r, p, 8, 0);
		WRITE_ONCE(r->marks[s][p & r->mask], p + 1);
	}
	WRITE_ONCE(r->side[s]->reserve_pos, from + r->count);
	/* All of it before the hrtimer's CPU looks. */
	smp_mb();
}

/*
 * A kernel endpoint called in hardirq context on such a chain publishes
 * a bounded part of it for the processes, not MEMWELL_SWEEP_MAX spans: a
 * producer that still finds no room drops its record (counted), a
 * consumer takes what the bounded sweep published.
 */
static void memwell_stream_test_irq_sweep(struct kunit *test)
{
	struct memwell_kring *kr = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_PROD |
					   MEMWELL_F_CONS_MULTI, 6, 11, NULL);
	struct memwell_kring *kc = st_ring(test, MEMWELL_F_RECORDS |
					   MEMWELL_F_KERNEL_CONS |
					   MEMWELL_F_PROD_MULTI, 6, 11, NULL);
	struct memwell_ring *r = &kr->view;
	struct st_irq_call c = {};
	struct memwell_ring_stats st;
	u8 buf[48] = {};
	u64 moved;

	/* Producer: the ring full, the consumers' releases all unswept. */
	c.ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c.ep));
	while (!memwell_ep_output(c.ep, buf, sizeof(buf), MEMWELL_KF_NO_WAKEUP))
		;
	KUNIT_ASSERT_EQ(test, memwell_free_blocks(r), 0ULL);
	memwell_kring_stats(kr, &st);
	KUNIT_ASSERT_EQ(test, st.dropped, 1ULL);
	st_mark_chain(r, MEMWELL_SIDE_CONS, 0);
	/* A record of 100 blocks. */
	c.len = 100 * 64 - 8;
	st_irq_call(test, &c);
	moved = READ_ONCE(r->side[MEMWELL_SIDE_CONS]->release_pos);
	KUNIT_EXPECT_LE_MSG(test, moved, 64ULL, "spans swept in hardirq");
	KUNIT_EXPECT_EQ(test, c.err, -EAGAIN);
	memwell_kring_stats(kr, &st);
	KUNIT_EXPECT_EQ(test, st.dropped, 2ULL);
	memwell_ep_detach(c.ep);

	/* Consumer: the producers' records all released, unswept. */
	r = &kc->view;
	c.ep = memwell_ep_attach_ring(kc, MEMWELL_SIDE_CONS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c.ep));
	st_mark_chain(r, MEMWELL_SIDE_PROD, 0);
	c.len = 0;
	st_irq_call(test, &c);
	moved = READ_ONCE(r->side[MEMWELL_SIDE_PROD]->release_pos);
	KUNIT_EXPECT_LE_MSG(test, moved, 64ULL, "spans swept in hardirq");
	KUNIT_EXPECT_GT(test, moved, 0ULL);
	KUNIT_EXPECT_EQ(test, c.err, 0);
	memwell_ep_detach(c.ep);
	memwell_kring_put(kc);
	memwell_kring_put(kr);
}

static struct kunit_case memwell_stream_test_cases[] = {
	KUNIT_CASE(memwell_stream_test_contexts),
	KUNIT_CASE(memwell_stream_test_lost_race),
	KUNIT_CASE(memwell_stream_test_gen),
	KUNIT_CASE(memwell_stream_test_gen_header_only),
	KUNIT_CASE(memwell_stream_test_wake),
	KUNIT_CASE(memwell_stream_test_wait_rearm),
	KUNIT_CASE(memwell_stream_test_drops),
	KUNIT_CASE(memwell_stream_test_lifetime),
	KUNIT_CASE(memwell_stream_test_names),
	KUNIT_CASE(memwell_stream_test_sources),
	KUNIT_CASE(memwell_stream_test_registry),
	KUNIT_CASE(memwell_stream_test_eos_race),
	KUNIT_CASE(memwell_stream_test_cons_hup),
	KUNIT_CASE(memwell_stream_test_irq_sweep),
	{}
};

static struct kunit_suite memwell_stream_test_suite = {
	.name = "memwell_stream",
	.test_cases = memwell_stream_test_cases,
};

kunit_test_suite(memwell_stream_test_suite);
