// SPDX-License-Identifier: GPL-2.0
/*
 * memwell_gen.ko, the gen source kind (uapi/memwell_gen.h): synthetic
 * records (struct memwell_gen_rec, then the memwell_gen_byte() pattern, or
 * with MEMWELL_GEN_F_HEADER_ONLY the header alone) from kthreads, timers
 * (softirq) or hrtimers (hardirq), each producer with its own endpoint and
 * sequence.  A record dropped on a full ring still takes its sequence
 * number, so a consumer sees the gap and, before the next record, a
 * MEMWELL_REC_LOST record.
 *
 * Rates are approximate: a kthread sleeps until each record's due time; a
 * timer produces DIV_ROUND_UP(rate, HZ) records a jiffy; an hrtimer fires
 * at most every MEMWELL_GEN_HR_MIN_NS.  Flat out (rate 0) a kthread
 * produces without pause (backing off briefly on a full ring), a timer
 * MEMWELL_GEN_BURST records a tick, an hrtimer MEMWELL_GEN_HR_BURST every
 * MEMWELL_GEN_HR_MIN_NS.  When every producer has made count records, the
 * source detaches its endpoints (a work item): pollers see EPOLLHUP.
 */
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "memwell_gen.h"
#include "memwell_source.h"

/* Most producers of one source. */
#define MEMWELL_GEN_PRODUCERS_MAX	16U
/* Highest rate a producer is asked for, records per second. */
#define MEMWELL_GEN_RATE_MAX		10000000ULL

#define MEMWELL_GEN_BURST	64U		/* per timer tick, flat out */
#define MEMWELL_GEN_BURST_MAX	256U		/* per tick, any rate */
#define MEMWELL_GEN_HR_MIN_NS	(200 * NSEC_PER_USEC)
#define MEMWELL_GEN_HR_BURST	16U		/* per hrtimer expiry, flat out */
/*
 * Payload bytes one timer or hrtimer expiry writes at most: the work done
 * in interrupt context (records x size) is bounded, whatever the request.
 */
#define MEMWELL_GEN_IRQ_BYTES	(16 * 1024U)

struct memwell_gen;

/**
 * struct memwell_gen_prod - one producer of a gen source
 * @gen: its source
 * @ep: its endpoint; NULL once detached
 * @idx: its index, struct memwell_gen_rec.producer
 * @seq: the next sequence number
 * @task: context MEMWELL_CTX_KTHREAD
 * @timer: context MEMWELL_CTX_SOFTIRQ
 * @hrt: context MEMWELL_CTX_HARDIRQ
 */
struct memwell_gen_prod {
	struct memwell_gen *gen;
	struct memwell_ep *ep;
	u32 idx;
	u64 seq;
	struct task_struct *task;
	struct timer_list timer;
	struct hrtimer hrt;
};

/**
 * struct memwell_gen - a gen source
 * @p: its parameters
 * @stopping: no producer may start another round
 * @running: producers that have not made their count yet
 * @done_work: detaches the endpoints once every producer is done
 * @burst: records a timer or hrtimer makes per expiry
 * @period_ns: hrtimer period; kthread: time between records (0: no pause)
 * @started: producers whose kthread, timer or hrtimer was started
 * @prod: the producers
 */
struct memwell_gen {
	struct memwell_source p;
	bool stopping;
	atomic_t running;
	struct work_struct done_work;
	u32 burst;
	u64 period_ns;
	u32 started;
	struct memwell_gen_prod prod[];
};

/* Write one record; a dropped one takes its sequence number too. */
static int memwell_gen_one(struct memwell_gen_prod *gp)
{
	u32 len = gp->gen->p.record_size;
	struct memwell_gen_rec *h;
	struct memwell_rec rec;
	u32 n = len - sizeof(*h);
	int err;

	err = memwell_ep_reserve(gp->ep, len, &rec);
	if (err == -EBUSY)
		err = memwell_ep_reserve(gp->ep, len, &rec);
	if (err == -EBUSY)
		memwell_ep_drop(gp->ep, len);
	if (err) {
		gp->seq++;
		return err;
	}
	h = rec.data;
	h->seq = gp->seq;
	h->producer = gp->idx;
	if (gp->gen->p.flags & MEMWELL_GEN_F_HEADER_ONLY)
		h->check = 0;
	else
		h->check = memwell_gen_fill(h + 1, n, gp->seq, gp->idx);
	gp->seq++;
	return memwell_ep_commit(gp->ep, &rec, 0);
}

static bool memwell_gen_counted(const struct memwell_gen_prod *gp)
{
	return gp->gen->p.count && gp->seq >= gp->gen->p.count;
}

/* A producer made its count; the last one has the endpoints detached. */
static void memwell_gen_finished(struct memwell_gen_prod *gp)
{
	if (atomic_dec_and_test(&gp->gen->running))
		schedule_work(&gp->gen->done_work);
}

static void memwell_gen_detach_all(struct memwell_gen *g)
{
	u32 i;

	for (i = 0; i < g->p.producers; i++) {
		if (g->prod[i].ep) {
			memwell_ep_detach(g->prod[i].ep);
			g->prod[i].ep = NULL;
		}
	}
}

static void memwell_gen_done_work(struct work_struct *w)
{
	memwell_gen_detach_all(container_of(w, struct memwell_gen, done_work));
}

static int memwell_gen_thread(void *arg)
{
	struct memwell_gen_prod *gp = arg;
	struct memwell_gen *g = gp->gen;
	ktime_t due = ktime_get();

	while (!kthread_should_stop() && !memwell_gen_counted(gp)) {
		int err = memwell_gen_one(gp);

		if (g->period_ns) {
			due = ktime_add_ns(due, g->period_ns);
			set_current_state(TASK_INTERRUPTIBLE);
			if (!kthread_should_stop())
				schedule_hrtimeout_range(&due, 20 * NSEC_PER_USEC,
							 HRTIMER_MODE_ABS);
			__set_current_state(TASK_RUNNING);
		} else if (err == -EAGAIN) {
			usleep_range(50, 100);
		} else {
			cond_resched();
		}
	}
	if (memwell_gen_counted(gp))
		memwell_gen_finished(gp);
	/* kthread_stop() expects us alive until it is called. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* One expiry's worth of records; true when the producer made its count. */
static bool memwell_gen_burst(struct memwell_gen_prod *gp)
{
	struct memwell_gen *g = gp->gen;
	u32 i;

	for (i = 0; i < g->burst && !memwell_gen_counted(gp); i++)
		if (memwell_gen_one(gp) == -EAGAIN && !g->p.rate)
			break;		/* flat out: full, try next tick */
	if (!memwell_gen_counted(gp))
		return false;
	memwell_gen_finished(gp);
	return true;
}

/*
 * A producer that does not run in the context it is named for would let
 * the tests pass without testing that context: on PREEMPT_RT a timer or an
 * hrtimer not marked _HARD runs in a thread.  There, "softirq" is a timer
 * run by a softirq thread (BH disabled, preemptible): what softirq
 * is on RT; hardirq stays an interrupt.  Checked once per expiry.
 */
static void memwell_gen_timer_fn(struct timer_list *t)
{
	struct memwell_gen_prod *gp = from_timer(gp, t, timer);

	WARN_ONCE(!in_serving_softirq(), "memwell_gen: timer producer not in softirq context\n");
	if (!memwell_gen_burst(gp) && !READ_ONCE(gp->gen->stopping))
		mod_timer(&gp->timer, jiffies + 1);
}

static enum hrtimer_restart memwell_gen_hrtimer_fn(struct hrtimer *t)
{
	struct memwell_gen_prod *gp = container_of(t, struct memwell_gen_prod, hrt);

	WARN_ONCE(!in_hardirq(), "memwell_gen: hrtimer producer not in hardirq context\n");
	if (memwell_gen_burst(gp) || READ_ONCE(gp->gen->stopping))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(gp->gen->period_ns));
	return HRTIMER_RESTART;
}

static void memwell_gen_stop(void *inst)
{
	struct memwell_gen *g = inst;
	u32 i;

	WRITE_ONCE(g->stopping, true);
	for (i = 0; i < g->p.producers; i++) {
		struct memwell_gen_prod *gp = &g->prod[i];

		if (i >= g->started)
			break;
		if (g->p.context == MEMWELL_CTX_KTHREAD && gp->task) {
			kthread_stop(gp->task);
			put_task_struct(gp->task);
		} else if (g->p.context == MEMWELL_CTX_SOFTIRQ) {
			del_timer_sync(&gp->timer);
		} else if (g->p.context == MEMWELL_CTX_HARDIRQ) {
			hrtimer_cancel(&gp->hrt);
		}
	}
	/* No producer runs now: nothing schedules done_work any more. */
	cancel_work_sync(&g->done_work);
	memwell_gen_detach_all(g);
	kfree(g);
}

/*
 * memwell checked that the ring is a records ring the kernel produces
 * into, and the flags; gen uses every other field.
 */
static int memwell_gen_validate(const struct memwell_source *s, u32 ring_flags,
				u64 rec_max)
{
	if (s->context > MEMWELL_CTX_HARDIRQ || !s->producers)
		return -EINVAL;
	if (s->producers > MEMWELL_GEN_PRODUCERS_MAX)
		return -E2BIG;
	/* Concurrent producers need a multi-owner producer side. */
	if (s->producers > 1 && !(ring_flags & MEMWELL_F_PROD_MULTI))
		return -EINVAL;
	if (s->record_size < sizeof(struct memwell_gen_rec))
		return -EINVAL;
	if (s->record_size > rec_max)
		return -E2BIG;
	if (s->context != MEMWELL_CTX_KTHREAD &&
	    s->record_size > MEMWELL_GEN_IRQ_BYTES)
		return -E2BIG;
	if (s->rate > MEMWELL_GEN_RATE_MAX)
		return -E2BIG;
	return 0;
}

/* A kthread per producer in MEMWELL_CTX_KTHREAD, none in a timer context. */
static unsigned int memwell_gen_kthreads(const struct memwell_source *s)
{
	return s->context == MEMWELL_CTX_KTHREAD ? s->producers : 0;
}

/*
 * Start a gen source with parameters memwell_gen_validate() accepted.  May
 * sleep.  Returns it, or ERR_PTR() of -ENOMEM, an error of
 * memwell_ep_attach_ring() or of kthread_create().
 */
static void *memwell_gen_start(struct memwell_kring *kr,
			       const struct memwell_source *p)
{
	struct memwell_gen *g;
	u32 i;
	int err;

	g = kzalloc(struct_size(g, prod, p->producers), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->p = *p;
	INIT_WORK(&g->done_work, memwell_gen_done_work);
	atomic_set(&g->running, p->producers);
	switch (p->context) {
	case MEMWELL_CTX_KTHREAD:
		g->period_ns = p->rate ? div64_u64(NSEC_PER_SEC, p->rate) : 0;
		break;
	case MEMWELL_CTX_SOFTIRQ:
		g->burst = p->rate ? (u32)min_t(u64, DIV_ROUND_UP_ULL(p->rate, HZ),
						MEMWELL_GEN_BURST_MAX) :
				     MEMWELL_GEN_BURST;
		break;
	default:
		g->period_ns = p->rate ? max_t(u64, div64_u64(NSEC_PER_SEC, p->rate),
					       MEMWELL_GEN_HR_MIN_NS) :
					 MEMWELL_GEN_HR_MIN_NS;
		g->burst = p->rate ? (u32)clamp_t(u64,
				div64_u64(p->rate * g->period_ns, NSEC_PER_SEC),
				1, MEMWELL_GEN_BURST_MAX) : MEMWELL_GEN_HR_BURST;
		break;
	}
	if (p->context != MEMWELL_CTX_KTHREAD)
		g->burst = clamp_t(u32, g->burst, 1,
				   MEMWELL_GEN_IRQ_BYTES / p->record_size);
	for (i = 0; i < p->producers; i++) {
		struct memwell_gen_prod *gp = &g->prod[i];

		gp->gen = g;
		gp->idx = i;
		gp->ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
		if (IS_ERR(gp->ep)) {
			err = PTR_ERR(gp->ep);
			gp->ep = NULL;
			goto err_detach;
		}
	}
	/* Every endpoint first: the first producer may finish at once. */
	for (i = 0; i < p->producers; i++) {
		struct memwell_gen_prod *gp = &g->prod[i];

		if (p->context == MEMWELL_CTX_KTHREAD) {
			struct task_struct *t = kthread_create(memwell_gen_thread, gp,
							       "memwell_gen/%u", i);

			if (IS_ERR(t)) {
				err = PTR_ERR(t);
				goto err_stop;
			}
			get_task_struct(t);
			gp->task = t;
			wake_up_process(t);
		} else if (p->context == MEMWELL_CTX_SOFTIRQ) {
			timer_setup(&gp->timer, memwell_gen_timer_fn, 0);
			mod_timer(&gp->timer, jiffies + 1);
		} else {
			hrtimer_init(&gp->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
			gp->hrt.function = memwell_gen_hrtimer_fn;
			hrtimer_start(&gp->hrt, ns_to_ktime(g->period_ns),
				      HRTIMER_MODE_REL_HARD);
		}
		g->started = i + 1;
	}
	return g;

err_stop:
	/* Stops the @started producers and detaches every endpoint. */
	memwell_gen_stop(g);
	return ERR_PTR(err);
err_detach:
	g->p.producers = i;
	memwell_gen_detach_all(g);
	kfree(g);
	return ERR_PTR(err);
}

/* Kthreads and interrupt context on the caller's behalf: CAP_SYS_ADMIN. */
static struct memwell_source_ops memwell_gen_ops = {
	.kind = MEMWELL_SRC_GEN,
	.name = "gen",
	.owner = THIS_MODULE,
	.sides = MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD),
	.flags = MEMWELL_GEN_F_ALL,
	.priv = MEMWELL_SOURCE_PRIV_ADMIN,
	.check = memwell_gen_validate,
	.kthreads = memwell_gen_kthreads,
	.start = memwell_gen_start,
	.stop = memwell_gen_stop,
};

static int __init memwell_gen_init(void)
{
	return memwell_source_register(&memwell_gen_ops);
}

static void __exit memwell_gen_exit(void)
{
	memwell_source_unregister(&memwell_gen_ops);
}

module_init(memwell_gen_init);
module_exit(memwell_gen_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memwell: the gen source kind (synthetic records)");
