// SPDX-License-Identifier: GPL-2.0
/*
 * memwell_sched.ko, the sched source kind (uapi/memwell_sched.h): one
 * struct memwell_sched_rec per context switch, on every CPU, into every
 * ring attached to it, each through one multi-owner producer endpoint.
 *
 * The probe on the sched_switch tracepoint is registered once, when the
 * module is loaded, and unregistered when it is unloaded: registering
 * patches kernel text, which an unprivileged ATTACH must never cause (and
 * toggling it under load has wedged QEMU/TCG guests).  ATTACH and DETACH
 * only add a ring to and remove it from an RCU-protected list the probe
 * walks.  The tracepoint symbol is not exported to modules, so it is
 * found by name with for_each_kernel_tracepoint() and probed with
 * tracepoint_probe_register() (both exported, needing only
 * CONFIG_TRACEPOINTS).  The probe runs inside the scheduler with its
 * locks held: it never wakes anyone itself, memwell_ep_output() defers
 * the wake-up to the ring's irq_work.
 */
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>

#include "memwell_sched.h"
#include "memwell_source.h"

/**
 * struct memwell_sched - a sched source: one ring the probe writes to
 * @ep: its producer endpoint
 * @node: in memwell_sched_rings
 */
struct memwell_sched {
	struct memwell_ep *ep;
	struct list_head node;
};

static struct tracepoint *memwell_sched_tp;
static LIST_HEAD(memwell_sched_rings);
static DEFINE_MUTEX(memwell_sched_lock);	/* serialises list updates */

static void memwell_sched_find(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "sched_switch"))
		*found = tp;
}

/*
 * The 6.1 prototype of sched_switch, with the probe's data first.
 * Tracepoint probes run with preemption disabled: an RCU read-side
 * critical section for the list.
 */
static void memwell_sched_probe(void *data, bool preempt,
				struct task_struct *prev,
				struct task_struct *next,
				unsigned int prev_state)
{
	struct memwell_sched_rec r;
	struct memwell_sched *s;

	/* Nothing attached: the probe costs one load per switch. */
	if (list_empty(&memwell_sched_rings))
		return;
	r.time_ns = ktime_get_ns();
	r.cpu = raw_smp_processor_id();
	r.prev_pid = prev->pid;
	r.next_pid = next->pid;
	r.prev_state = prev_state;
	/* As the sched_switch trace event does: a racy copy of the comm. */
	memcpy(r.prev_comm, prev->comm, sizeof(r.prev_comm));
	memcpy(r.next_comm, next->comm, sizeof(r.next_comm));
	list_for_each_entry_rcu(s, &memwell_sched_rings, node)
		memwell_ep_output(s->ep, &r, sizeof(r), 0);
}

/* Every CPU produces from its own context switches. */
static int memwell_sched_validate(const struct memwell_source *s,
				  u32 ring_flags, u64 rec_max)
{
	if (s->context || s->producers || s->record_size || s->count ||
	    s->rate)
		return -EINVAL;
	if (num_possible_cpus() > 1 && !(ring_flags & MEMWELL_F_PROD_MULTI))
		return -EINVAL;
	return 0;
}

/*
 * Add the ring to the probe's list.  May sleep.  Returns the source, or
 * ERR_PTR() of -ENOMEM or an error of memwell_ep_attach_ring().
 */
static void *memwell_sched_start(struct memwell_kring *kr,
				 const struct memwell_source *p)
{
	struct memwell_sched *s;
	int err;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->ep = memwell_ep_attach_ring(kr, MEMWELL_SIDE_PROD);
	if (IS_ERR(s->ep)) {
		err = PTR_ERR(s->ep);
		kfree(s);
		return ERR_PTR(err);
	}
	mutex_lock(&memwell_sched_lock);
	list_add_tail_rcu(&s->node, &memwell_sched_rings);
	mutex_unlock(&memwell_sched_lock);
	return s;
}

static void memwell_sched_stop(void *inst)
{
	struct memwell_sched *s = inst;

	mutex_lock(&memwell_sched_lock);
	list_del_rcu(&s->node);
	mutex_unlock(&memwell_sched_lock);
	/* Every probe that may still see @s ran with preemption disabled. */
	synchronize_rcu();
	memwell_ep_detach(s->ep);
	kfree(s);
}

/* It observes every process's switches, as perf does: perfmon_capable(). */
static struct memwell_source_ops memwell_sched_ops = {
	.kind = MEMWELL_SRC_SCHED,
	.name = "sched",
	.owner = THIS_MODULE,
	.sides = MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD),
	.priv = MEMWELL_SOURCE_PRIV_PERFMON,
	.check = memwell_sched_validate,
	.start = memwell_sched_start,
	.stop = memwell_sched_stop,
};

static int __init memwell_sched_init(void)
{
	int err;

	for_each_kernel_tracepoint(memwell_sched_find, &memwell_sched_tp);
	if (!memwell_sched_tp) {
		pr_err("no sched_switch tracepoint\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(memwell_sched_tp,
					(void *)memwell_sched_probe, NULL);
	if (err)
		return err;
	err = memwell_source_register(&memwell_sched_ops);
	if (err)
		goto err_probe;
	return 0;

err_probe:
	tracepoint_probe_unregister(memwell_sched_tp,
				    (void *)memwell_sched_probe, NULL);
	tracepoint_synchronize_unregister();
	return err;
}

/* Every instance held the module: none is left. */
static void __exit memwell_sched_exit(void)
{
	memwell_source_unregister(&memwell_sched_ops);
	tracepoint_probe_unregister(memwell_sched_tp,
				    (void *)memwell_sched_probe, NULL);
	/* No probe runs in this module's text after this. */
	tracepoint_synchronize_unregister();
}

module_init(memwell_sched_init);
module_exit(memwell_sched_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memwell: the sched source kind (context switches)");
