/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source kinds: kernel producers and consumers that processes start on
 * their ring with MEMWELL_IOC_ATTACH.  A kind is a module of its own that
 * registers a struct memwell_source_ops under its kind number (as TCP
 * congestion controls or crypto algorithms register), and uses the
 * in-kernel API (memwell_kernel.h) for everything else; memwell.ko itself
 * knows no kind.  docs/kernel-api.md describes how to write one.
 *
 * ATTACH dispatches to the registered kind: an unknown kind gives
 * -ENOENT, a caller without the kind's privilege -EPERM.  Each attached
 * instance holds a reference on its kind's module, so the module cannot
 * be unloaded while one runs; an instance ends with MEMWELL_IOC_DETACH or
 * when its ring's file is released.
 */
#ifndef _MEMWELL_SOURCE_H
#define _MEMWELL_SOURCE_H

#include <linux/list.h>
#include <linux/types.h>

#include "memwell_kernel.h"

struct module;

/**
 * enum memwell_source_priv - what a caller of ATTACH needs for a kind
 * @MEMWELL_SOURCE_PRIV_ADMIN: CAP_SYS_ADMIN: the kind starts kthreads or
 *	runs in interrupt context on the caller's behalf (the default)
 * @MEMWELL_SOURCE_PRIV_PERFMON: perfmon_capable() (CAP_PERFMON or
 *	CAP_SYS_ADMIN): the kind observes other processes, as perf does
 * @MEMWELL_SOURCE_PRIV_NONE: nothing beyond access to the ring's file
 */
enum memwell_source_priv {
	MEMWELL_SOURCE_PRIV_ADMIN,
	MEMWELL_SOURCE_PRIV_PERFMON,
	MEMWELL_SOURCE_PRIV_NONE,
};

/**
 * struct memwell_source_ops - a source kind
 * @kind: its number, struct memwell_source.kind (not 0), from its uapi
 *	header
 * @name: a short name, for messages
 * @owner: THIS_MODULE; held while an instance is attached
 * @sides: MEMWELL_SIDE_BIT() of each side it attaches kernel endpoints
 *	to: the ring must be a records ring (-EINVAL) whose flags give the
 *	kernel those sides, MEMWELL_F_KERNEL_PROD and MEMWELL_F_KERNEL_CONS
 *	(-EPERM)
 * @flags: the struct memwell_source.flags bits it knows (others: -EINVAL)
 * @priv: the privilege ATTACH needs
 * @check: optional: check the kind's fields of a request before @start
 *	(-EINVAL, -E2BIG, ...); @ring_flags are the ring's MEMWELL_F_* flags,
 *	@rec_max its largest record payload.  May sleep.
 * @kthreads: optional: how many kthreads @start starts for a request
 *	@check accepted (NULL: none); memwell charges them to the caller's
 *	uid before @start and uncharges them after @stop.  Never sleeps.
 * @start: start an instance on @kr: attach its endpoints with
 *	memwell_ep_attach_ring(); @kr stays valid until @stop returns.
 *	Returns the instance (never NULL) or an ERR_PTR().  May sleep.
 * @stop: stop the instance, detach its endpoints and free it.  May sleep.
 * @node: memwell's, in the registry
 *
 * memwell checks the generic rules first (kind registered, privilege,
 * reserved fields and unknown flags zero, @sides against the ring) and
 * serialises @start and @stop on one ring: a ring has one instance at a
 * time (-EBUSY).
 */
struct memwell_source_ops {
	u32 kind;
	const char *name;
	struct module *owner;
	unsigned int sides;
	u32 flags;
	enum memwell_source_priv priv;
	int (*check)(const struct memwell_source *s, u32 ring_flags,
		     u64 rec_max);
	unsigned int (*kthreads)(const struct memwell_source *s);
	void *(*start)(struct memwell_kring *kr, const struct memwell_source *s);
	void (*stop)(void *inst);
	struct list_head node;
};

int memwell_source_register(struct memwell_source_ops *ops);
void memwell_source_unregister(struct memwell_source_ops *ops);

#endif /* _MEMWELL_SOURCE_H */
