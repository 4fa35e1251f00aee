// SPDX-License-Identifier: GPL-2.0
/*
 * The sched source: a probe on the sched_switch tracepoint streams one
 * struct memwell_sched_rec per context switch, on every CPU, through one
 * multi-owner producer endpoint.  The tracepoint symbol is not exported to
 * modules, so it is found by name with for_each_kernel_tracepoint() and
 * probed with tracepoint_probe_register() (both exported, needing only
 * CONFIG_TRACEPOINTS).  The probe runs inside the scheduler with its
 * locks held: it never wakes anyone itself, memwell_ep_output() defers the
 * wake-up to the ring's irq_work.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>

#include "memwell_src.h"

/**
 * struct memwell_sched - a sched source
 * @src: the source
 * @ep: its producer endpoint
 * @tp: the sched_switch tracepoint
 */
struct memwell_sched {
	struct memwell_src src;
	struct memwell_ep *ep;
	struct tracepoint *tp;
};

static void memwell_sched_find(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "sched_switch"))
		*found = tp;
}

/* The 6.1 prototype of sched_switch, with the probe's data first. */
static void memwell_sched_probe(void *data, bool preempt,
				struct task_struct *prev,
				struct task_struct *next,
				unsigned int prev_state)
{
	struct memwell_sched *s = data;
	struct memwell_sched_rec r;

	r.time_ns = ktime_get_ns();
	r.cpu = raw_smp_processor_id();
	r.prev_pid = prev->pid;
	r.next_pid = next->pid;
	r.prev_state = prev_state;
	/* As the sched_switch trace event does: a racy copy of the comm. */
	memcpy(r.prev_comm, prev->comm, sizeof(r.prev_comm));
	memcpy(r.next_comm, next->comm, sizeof(r.next_comm));
	memwell_ep_output(s->ep, &r, sizeof(r), 0);
}

static void memwell_sched_stop(struct memwell_src *src)
{
	struct memwell_sched *s = container_of(src, struct memwell_sched, src);

	tracepoint_probe_unregister(s->tp, (void *)memwell_sched_probe, s);
	/* No probe runs or will run on @s after this. */
	tracepoint_synchronize_unregister();
	memwell_ep_detach(s->ep);
	kfree(s);
}

/**
 * memwell_sched_start() - start a sched source
 * @kr: the ring, checked by memwell_src_check()
 *
 * May sleep.
 *
 * Return: the source, or ERR_PTR() of -ENOENT (no sched_switch
 * tracepoint), -ENOMEM, an error of memwell_ep_attach_kring() or of
 * tracepoint_probe_register().
 */
struct memwell_src *memwell_sched_start(struct memwell_kring *kr)
{
	struct tracepoint *tp = NULL;
	struct memwell_sched *s;
	int err;

	for_each_kernel_tracepoint(memwell_sched_find, &tp);
	if (!tp)
		return ERR_PTR(-ENOENT);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->src.stop = memwell_sched_stop;
	s->tp = tp;
	s->ep = memwell_ep_attach_kring(kr, MEMWELL_SIDE_PROD);
	if (IS_ERR(s->ep)) {
		err = PTR_ERR(s->ep);
		goto err_free;
	}
	err = tracepoint_probe_register(tp, (void *)memwell_sched_probe, s);
	if (err)
		goto err_detach;
	return &s->src;

err_detach:
	memwell_ep_detach(s->ep);
err_free:
	kfree(s);
	return ERR_PTR(err);
}
