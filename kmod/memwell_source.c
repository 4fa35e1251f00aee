// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of source kinds (memwell_source.h) and MEMWELL_IOC_ATTACH
 * and MEMWELL_IOC_DETACH: check a struct memwell_source against the kind
 * it names and start the one instance a ring may have at a time; stop it
 * on MEMWELL_IOC_DETACH or when the ring's file is released.  memwell.ko
 * knows no kind: every kind is a module that registers here.  The
 * kthreads an instance starts are charged to the user who attached it
 * (max_user_kthreads, memwell_account.c) until it is stopped.
 */
#include <linux/capability.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/mutex.h>

#include "memwell_kring.h"
#include "memwell_source.h"

static LIST_HEAD(memwell_sources);
static DEFINE_MUTEX(memwell_sources_lock);	/* guards memwell_sources */

static struct memwell_source_ops *memwell_source_find(u32 kind)
{
	struct memwell_source_ops *ops;

	list_for_each_entry(ops, &memwell_sources, node)
		if (ops->kind == kind)
			return ops;
	return NULL;
}

/**
 * memwell_source_register() - make a source kind available to ATTACH
 * @ops: the kind; it must stay valid until memwell_source_unregister()
 *
 * Call it from the kind's module init.  May sleep.
 *
 * Return: 0, -EINVAL (kind 0, no @start or @stop, unknown @sides or
 * @priv) or -EEXIST (that kind number is registered already).
 */
int memwell_source_register(struct memwell_source_ops *ops)
{
	unsigned int sides = MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) |
			     MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS);
	int err = 0;

	if (!ops->kind || !ops->start || !ops->stop || (ops->sides & ~sides) ||
	    ops->priv > MEMWELL_SOURCE_PRIV_NONE)
		return -EINVAL;
	mutex_lock(&memwell_sources_lock);
	if (memwell_source_find(ops->kind))
		err = -EEXIST;
	else
		list_add_tail(&ops->node, &memwell_sources);
	mutex_unlock(&memwell_sources_lock);
	if (!err)
		pr_debug("source kind %u (%s) registered\n", ops->kind, ops->name);
	return err;
}
EXPORT_SYMBOL_GPL(memwell_source_register);

/**
 * memwell_source_unregister() - withdraw a source kind
 * @ops: a registered kind
 *
 * No new instance starts once it returns.  Instances still attached hold
 * @ops->owner, so when this is called from that module's exit there are
 * none; a kind without an owner must stop its instances first.  May sleep.
 */
void memwell_source_unregister(struct memwell_source_ops *ops)
{
	mutex_lock(&memwell_sources_lock);
	list_del(&ops->node);
	mutex_unlock(&memwell_sources_lock);
}
EXPORT_SYMBOL_GPL(memwell_source_unregister);

/* The registered kind @kind with its module held, or NULL. */
static const struct memwell_source_ops *memwell_source_get(u32 kind)
{
	struct memwell_source_ops *ops;

	mutex_lock(&memwell_sources_lock);
	ops = memwell_source_find(kind);
	/* A module on its way out still has its kind listed: not for us. */
	if (ops && !try_module_get(ops->owner))
		ops = NULL;
	mutex_unlock(&memwell_sources_lock);
	return ops;
}

static bool memwell_source_permitted(const struct memwell_source_ops *ops)
{
	switch (ops->priv) {
	case MEMWELL_SOURCE_PRIV_NONE:
		return true;
	case MEMWELL_SOURCE_PRIV_PERFMON:
		return perfmon_capable();
	default:
		return capable(CAP_SYS_ADMIN);
	}
}

/*
 * The generic rules, then the kind's own.  Unknown flags and reserved
 * fields must be zero (-EINVAL); each side the kind takes must be the
 * kernel's (-EPERM) on a records ring (-EINVAL).
 */
static int memwell_source_check(const struct memwell_kring *kr,
				const struct memwell_source_ops *ops,
				const struct memwell_source *s)
{
	u32 flags = kr->layout.flags;
	unsigned int i;

	if (s->flags & ~ops->flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(s->reserved); i++)
		if (s->reserved[i])
			return -EINVAL;
	if ((ops->sides & MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD)) &&
	    !(flags & MEMWELL_F_KERNEL_PROD))
		return -EPERM;
	if ((ops->sides & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)) &&
	    !(flags & MEMWELL_F_KERNEL_CONS))
		return -EPERM;
	if (ops->sides && !(flags & MEMWELL_F_RECORDS))
		return -EINVAL;
	return ops->check ? ops->check(s, flags, kr->view.rec_max) : 0;
}

/**
 * memwell_source_attach() - start an instance of a source kind on a ring
 * @kr: the ring (its file's)
 * @s: the request; @s->size was checked by the caller
 *
 * Checks the caller's privilege for the kind: call it from the path of
 * the process that asks (its ioctl).  May sleep.
 *
 * Return: 0; -ENOENT if no module registered @s->kind; -EPERM if the
 * caller lacks the kind's privilege or the ring's flags do not give the
 * kernel the side the kind takes; -EINVAL or -E2BIG for a bad field;
 * -EBUSY if the ring has an instance already (or a kernel endpoint holds
 * a single-owner side the kind needs); -EAGAIN if its kthreads would take
 * the caller's uid over max_user_kthreads; an error of the kind's start.
 */
int memwell_source_attach(struct memwell_kring *kr, const struct memwell_source *s)
{
	const struct memwell_source_ops *ops = memwell_source_get(s->kind);
	struct memwell_thread_charge charge;
	void *inst;
	int err;

	if (!ops)
		return -ENOENT;
	err = memwell_source_permitted(ops) ? 0 : -EPERM;
	if (!err)
		err = memwell_source_check(kr, ops, s);
	if (err)
		goto err_put;
	mutex_lock(&kr->kern.src_lock);
	if (kr->kern.src) {
		err = -EBUSY;
		goto err_unlock;
	}
	err = memwell_account_threads(&charge, ops->kthreads ? ops->kthreads(s) : 0);
	if (err)
		goto err_unlock;
	inst = ops->start(kr, s);
	if (IS_ERR_OR_NULL(inst)) {
		err = inst ? PTR_ERR(inst) : -ENOMEM;
		goto err_uncharge;
	}
	kr->kern.src_ops = ops;
	kr->kern.src = inst;
	kr->kern.src_charge = charge;
	mutex_unlock(&kr->kern.src_lock);
	return 0;

err_uncharge:
	memwell_unaccount_threads(&charge);
err_unlock:
	mutex_unlock(&kr->kern.src_lock);
err_put:
	module_put(ops->owner);
	return err;
}
EXPORT_SYMBOL_NS_GPL(memwell_source_attach, MEMWELL_NS);

/**
 * memwell_source_detach() - stop the ring's source instance, if any
 * @kr: the ring
 *
 * May sleep.
 */
void memwell_source_detach(struct memwell_kring *kr)
{
	const struct memwell_source_ops *ops;
	struct memwell_thread_charge charge;
	void *inst;

	mutex_lock(&kr->kern.src_lock);
	ops = kr->kern.src_ops;
	inst = kr->kern.src;
	charge = kr->kern.src_charge;
	kr->kern.src_ops = NULL;
	kr->kern.src = NULL;
	memset(&kr->kern.src_charge, 0, sizeof(kr->kern.src_charge));
	mutex_unlock(&kr->kern.src_lock);
	if (!inst)
		return;
	ops->stop(inst);
	/* @stop returned: the kthreads it charged are gone. */
	memwell_unaccount_threads(&charge);
	/* Last: @ops may go with its module. */
	module_put(ops->owner);
}
EXPORT_SYMBOL_NS_GPL(memwell_source_detach, MEMWELL_NS);
