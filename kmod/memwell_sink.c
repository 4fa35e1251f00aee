// SPDX-License-Identifier: GPL-2.0
/*
 * memwell_sink.ko, the sink kind (uapi/memwell_sink.h): a kthread
 * consuming a MEMWELL_F_KERNEL_CONS ring that processes fill with gen
 * records (struct memwell_gen_rec and the memwell_gen_byte() pattern).  It
 * checks each producer's sequence (every record, from 0, no gap) and each
 * checksum, counts the records it releases (stats consumed) and the bad
 * ones (stats errors), and reports the first few of those with a
 * rate-limited pr_err.  Records are user-writable while it reads them: a
 * lying producer only makes it count errors.  MEMWELL_REC_LOST records are
 * not gen records and are skipped.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "memwell_sink.h"
#include "memwell_source.h"

/* Producers a sink tracks sequences for; higher indexes are errors. */
#define MEMWELL_SINK_PRODUCERS		256U

/**
 * struct memwell_sink - a sink
 * @ep: its consumer endpoint
 * @task: its kthread
 * @next: the sequence expected next from each producer
 */
struct memwell_sink {
	struct memwell_ep *ep;
	struct task_struct *task;
	u64 next[MEMWELL_SINK_PRODUCERS];
};

/* Verify one record; false if it is bad. */
static bool memwell_sink_check(struct memwell_sink *k, const struct memwell_rec *rec)
{
	struct memwell_gen_rec h;
	const u8 *pay;

	if (rec->flags & MEMWELL_REC_LOST)
		return true;
	if (rec->len < sizeof(h))
		return false;
	memcpy(&h, rec->data, sizeof(h));
	if (h.producer >= MEMWELL_SINK_PRODUCERS)
		return false;
	pay = (const u8 *)rec->data + sizeof(h);
	if (h.seq != k->next[h.producer]) {
		pr_err_ratelimited("sink: producer %u: seq %llu, expected %llu\n",
				   h.producer, h.seq, k->next[h.producer]);
		k->next[h.producer] = h.seq + 1;
		return false;
	}
	k->next[h.producer] = h.seq + 1;
	if (memwell_gen_check(pay, rec->len - sizeof(h)) != h.check) {
		pr_err_ratelimited("sink: producer %u seq %llu: bad checksum\n",
				   h.producer, h.seq);
		return false;
	}
	return true;
}

static int memwell_sink_thread(void *arg)
{
	struct memwell_sink *k = arg;
	unsigned int n = 0;

	while (!kthread_should_stop()) {
		struct memwell_rec rec;
		int err = memwell_ep_peek(k->ep, &rec);

		if (err == -EAGAIN) {
			memwell_ep_wait(k->ep, HZ / 20);
			continue;
		}
		if (err == -EBUSY) {
			cond_resched();
			continue;
		}
		if (err) {
			/* Corrupt producer state: nothing to take until it changes. */
			pr_err_ratelimited("sink: ring corrupt (%d)\n", err);
			memwell_ep_error(k->ep);
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		if (!memwell_sink_check(k, &rec))
			memwell_ep_error(k->ep);
		memwell_ep_release(k->ep, &rec);
		if (!(++n % 64))
			cond_resched();
	}
	return 0;
}

static void memwell_sink_stop(void *inst)
{
	struct memwell_sink *k = inst;

	kthread_stop(k->task);
	put_task_struct(k->task);
	memwell_ep_detach(k->ep);
	kvfree(k);
}

/* It takes no parameters. */
static int memwell_sink_validate(const struct memwell_source *s,
				 u32 ring_flags, u64 rec_max)
{
	if (s->context || s->producers || s->record_size || s->count ||
	    s->rate)
		return -EINVAL;
	return 0;
}

static unsigned int memwell_sink_kthreads(const struct memwell_source *s)
{
	return 1;
}

/*
 * Start a sink on a ring memwell checked.  May sleep.  Returns the sink,
 * or ERR_PTR() of -ENOMEM, an error of memwell_ep_attach_ring() or of
 * kthread_create().
 */
static void *memwell_sink_start(struct memwell_kring *kr,
				const struct memwell_source *p)
{
	struct memwell_sink *k;
	struct task_struct *t;
	int err;

	k = kvzalloc(sizeof(*k), GFP_KERNEL_ACCOUNT);
	if (!k)
		return ERR_PTR(-ENOMEM);
	k->ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_CONS);
	if (IS_ERR(k->ep)) {
		err = PTR_ERR(k->ep);
		goto err_free;
	}
	t = kthread_create(memwell_sink_thread, k, "memwell_sink");
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto err_detach;
	}
	get_task_struct(t);
	k->task = t;
	wake_up_process(t);
	return k;

err_detach:
	memwell_ep_detach(k->ep);
err_free:
	kvfree(k);
	return ERR_PTR(err);
}

/* A kthread on the caller's behalf: CAP_SYS_ADMIN. */
static struct memwell_source_ops memwell_sink_ops = {
	.kind = MEMWELL_SRC_SINK,
	.name = "sink",
	.owner = THIS_MODULE,
	.sides = MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS),
	.priv = MEMWELL_SOURCE_PRIV_ADMIN,
	.check = memwell_sink_validate,
	.kthreads = memwell_sink_kthreads,
	.start = memwell_sink_start,
	.stop = memwell_sink_stop,
};

static int __init memwell_sink_init(void)
{
	return memwell_source_register(&memwell_sink_ops);
}

static void __exit memwell_sink_exit(void)
{
	memwell_source_unregister(&memwell_sink_ops);
}

module_init(memwell_sink_init);
module_exit(memwell_sink_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memwell: the sink kind (consumes and verifies gen records)");
