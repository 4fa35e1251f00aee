// SPDX-License-Identifier: GPL-2.0
/*
 * The sink: a kthread consuming a MEMWELL_F_KERNEL_CONS ring that processes
 * fill with gen records (struct memwell_gen_rec and the memwell_gen_byte()
 * pattern).  It checks each producer's sequence (every record, from 0, no
 * gap) and each checksum, counts the records it releases (stats consumed)
 * and the bad ones (stats errors), and reports the first few of those with
 * a rate-limited pr_err.  Records are user-writable while it reads them: a
 * lying producer only makes it count errors.  MEMWELL_REC_LOST records
 * are not gen records and are skipped.
 */
#include <linux/kthread.h>
#include <linux/slab.h>

#include "memwell_src.h"

/**
 * struct memwell_sink - a sink
 * @src: the source
 * @ep: its consumer endpoint
 * @task: its kthread
 * @next: the sequence expected next from each producer
 */
struct memwell_sink {
	struct memwell_src src;
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

static void memwell_sink_stop(struct memwell_src *src)
{
	struct memwell_sink *k = container_of(src, struct memwell_sink, src);

	kthread_stop(k->task);
	put_task_struct(k->task);
	memwell_ep_detach(k->ep);
	kvfree(k);
}

/**
 * memwell_sink_start() - start a sink
 * @kr: the ring, checked by memwell_src_check()
 *
 * May sleep.
 *
 * Return: the sink, or ERR_PTR() of -ENOMEM, an error of
 * memwell_ep_attach_kring() or of kthread_create().
 */
struct memwell_src *memwell_sink_start(struct memwell_kring *kr)
{
	struct memwell_sink *k;
	struct task_struct *t;
	int err;

	k = kvzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	k->src.stop = memwell_sink_stop;
	k->ep = memwell_ep_attach_kring(kr, MEMWELL_SIDE_CONS);
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
	return &k->src;

err_detach:
	memwell_ep_detach(k->ep);
err_free:
	kvfree(k);
	return ERR_PTR(err);
}
