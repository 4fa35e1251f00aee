// SPDX-License-Identifier: GPL-2.0
/*
 * MEMWELL_IOC_ATTACH and MEMWELL_IOC_DETACH: validate a struct
 * memwell_source and start the one built-in source or sink a ring may have
 * at a time (a second one gives -EBUSY); stop it on MEMWELL_IOC_DETACH or
 * when the ring's file is released (a file holds the module, so nothing is
 * left attached by the time the module can be unloaded).
 */
#include <linux/cpumask.h>
#include <linux/export.h>

#include "memwell_src.h"

/*
 * Which kinds a ring can take: kernel producers need MEMWELL_F_KERNEL_PROD,
 * kernel consumers MEMWELL_F_KERNEL_CONS (-EPERM), both a records ring
 * (-EINVAL).  Fields a kind does not use, and flags it does not know, must
 * be zero (-EINVAL).
 */
static int memwell_src_check(const struct memwell_kring *kr,
			     const struct memwell_source *s)
{
	u32 flags = kr->layout.flags;
	unsigned int i;

	if (s->flags & ~(s->kind == MEMWELL_SRC_GEN ? MEMWELL_GEN_F_ALL : 0))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(s->reserved); i++)
		if (s->reserved[i])
			return -EINVAL;
	switch (s->kind) {
	case MEMWELL_SRC_GEN:
		if (!(flags & MEMWELL_F_KERNEL_PROD))
			return -EPERM;
		if (!(flags & MEMWELL_F_RECORDS))
			return -EINVAL;
		if (s->context > MEMWELL_CTX_HARDIRQ || !s->producers)
			return -EINVAL;
		if (s->producers > MEMWELL_GEN_PRODUCERS_MAX)
			return -E2BIG;
		/* Concurrent producers need a multi-owner producer side. */
		if (s->producers > 1 && !(flags & MEMWELL_F_PROD_MULTI))
			return -EINVAL;
		if (s->record_size < sizeof(struct memwell_gen_rec))
			return -EINVAL;
		if (s->record_size > kr->view.rec_max)
			return -E2BIG;
		if (s->rate > MEMWELL_GEN_RATE_MAX)
			return -E2BIG;
		return 0;
	case MEMWELL_SRC_SCHED:
		if (!(flags & MEMWELL_F_KERNEL_PROD))
			return -EPERM;
		if (!(flags & MEMWELL_F_RECORDS))
			return -EINVAL;
		if (s->context || s->producers || s->record_size || s->count ||
		    s->rate)
			return -EINVAL;
		/* Every CPU produces from its own context switches. */
		if (num_possible_cpus() > 1 && !(flags & MEMWELL_F_PROD_MULTI))
			return -EINVAL;
		return 0;
	case MEMWELL_SRC_SINK:
		if (!(flags & MEMWELL_F_KERNEL_CONS))
			return -EPERM;
		if (!(flags & MEMWELL_F_RECORDS))
			return -EINVAL;
		if (s->context || s->producers || s->record_size || s->count ||
		    s->rate)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * memwell_src_attach() - start a built-in source or sink on a ring
 * @kr: the ring (its file's)
 * @s: the request; @s->size was checked by the caller
 *
 * May sleep.
 *
 * Return: 0; -EINVAL or -E2BIG for a bad field (see memwell_src_check());
 * -EPERM if the ring's flags do not allow the kind; -EBUSY if the ring has
 * one already, or a kernel endpoint of that role holds a single-owner side;
 * -ENOMEM; -ENOENT if the sched_switch tracepoint is not there.
 */
int memwell_src_attach(struct memwell_kring *kr, const struct memwell_source *s)
{
	struct memwell_src *src;
	int err;

	err = memwell_src_check(kr, s);
	if (err)
		return err;
	mutex_lock(&kr->src_lock);
	if (kr->src) {
		err = -EBUSY;
		goto out;
	}
	if (s->kind == MEMWELL_SRC_GEN)
		src = memwell_gen_start(kr, s);
	else if (s->kind == MEMWELL_SRC_SCHED)
		src = memwell_sched_start(kr);
	else
		src = memwell_sink_start(kr);
	if (IS_ERR(src)) {
		err = PTR_ERR(src);
		goto out;
	}
	kr->src = src;
out:
	mutex_unlock(&kr->src_lock);
	return err;
}
EXPORT_SYMBOL_GPL(memwell_src_attach);

/**
 * memwell_src_detach() - stop the ring's built-in source or sink, if any
 * @kr: the ring
 *
 * May sleep.
 */
void memwell_src_detach(struct memwell_kring *kr)
{
	struct memwell_src *src;

	mutex_lock(&kr->src_lock);
	src = kr->src;
	kr->src = NULL;
	mutex_unlock(&kr->src_lock);
	if (src)
		src->stop(src);
}
EXPORT_SYMBOL_GPL(memwell_src_detach);
