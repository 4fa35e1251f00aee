/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memwell's in-kernel API: kernel code attaches to a ring that a process
 * created through /dev/memwell, as a producer (kernel-to-user streaming,
 * MEMWELL_F_KERNEL_PROD rings) or as a consumer (MEMWELL_F_KERNEL_CONS
 * rings), and moves records through it with the same lock-free core the
 * processes use.  docs/kernel-api.md describes it with an example module.
 *
 * Contexts: memwell_ep_attach_fd(), memwell_ep_attach_name(),
 * memwell_ep_attach_ring() and memwell_ep_detach() may sleep (process
 * context only).  Everything else (reserve, commit, discard, output, peek,
 * release, and their batch forms) is callable from process, softirq and
 * hardirq context (not NMI): it never sleeps, takes no lock and never waits
 * for another CPU; a full or empty ring gives -EAGAIN, a lost reservation
 * race on a multi-owner side -EBUSY, at once.  Wake-ups of sleeping
 * processes go through an irq_work.
 *
 * One endpoint (struct memwell_ep) is one owner of its side: use it from
 * one context at a time unless the side is multi-owner (MEMWELL_F_PROD_MULTI
 * or MEMWELL_F_CONS_MULTI), in which case any number of CPUs may use it at
 * once.  A second kernel producer (consumer) may attach only to a ring whose
 * producer (consumer) side is multi-owner (-EBUSY otherwise).
 */
#ifndef _MEMWELL_KERNEL_H
#define _MEMWELL_KERNEL_H

#include <linux/types.h>

#include "memwell_ring.h"

/*
 * The role of an endpoint is the side it writes: MEMWELL_SIDE_PROD or
 * MEMWELL_SIDE_CONS (memwell.h).
 */

/* Per-call flags of memwell_ep_commit(), memwell_ep_discard(), memwell_ep_output(). */
#define MEMWELL_KF_NO_WAKEUP	0x1U	/* do not wake consumers for this one */
#define MEMWELL_KF_FORCE_WAKEUP	0x2U	/* wake them whatever the policy */
#define MEMWELL_KF_ALL		(MEMWELL_KF_NO_WAKEUP | MEMWELL_KF_FORCE_WAKEUP)

struct memwell_ep;
/*
 * A ring, opaque: a source kind (memwell_source.h) is handed the one it is
 * attached to and attaches its endpoints with memwell_ep_attach_ring().
 */
struct memwell_kring;

struct memwell_ep *memwell_ep_attach_fd(int fd, unsigned int role);
struct memwell_ep *memwell_ep_attach_name(const char *name, unsigned int role);
struct memwell_ep *memwell_ep_attach_ring(struct memwell_kring *kr,
					  unsigned int role);
void memwell_ep_detach(struct memwell_ep *ep);

int memwell_ep_reserve(struct memwell_ep *ep, u32 len, struct memwell_rec *rec);
int memwell_ep_commit(struct memwell_ep *ep, const struct memwell_rec *rec,
		      unsigned int flags);
int memwell_ep_discard(struct memwell_ep *ep, const struct memwell_rec *rec,
		       unsigned int flags);
int memwell_ep_output(struct memwell_ep *ep, const void *data, u32 len,
		      unsigned int flags);

int memwell_ep_peek(struct memwell_ep *ep, struct memwell_rec *rec);
int memwell_ep_release(struct memwell_ep *ep, const struct memwell_rec *rec);
long memwell_ep_wait(struct memwell_ep *ep, long timeout);

/*
 * Batches: many records under one reservation (producers) or one take
 * (consumers), one wake check and one stats update per batch.  The
 * caller's, on its stack; its fields are memwell's.
 */
struct memwell_ep_batch {
	struct memwell_batch b;		/* the core's batch */
	u32 room;			/* records a producer may still put */
	u32 held;			/* reserved or taken, not given back yet */
};

int memwell_ep_batch_reserve(struct memwell_ep *ep, u32 nr, u32 len,
			     struct memwell_ep_batch *b);
void *memwell_ep_batch_put(struct memwell_ep *ep, struct memwell_ep_batch *b,
			   u32 len);
int memwell_ep_batch_commit(struct memwell_ep *ep, struct memwell_ep_batch *b,
			    unsigned int flags);
int memwell_ep_batch_abort(struct memwell_ep *ep, struct memwell_ep_batch *b);

int memwell_ep_batch_take(struct memwell_ep *ep, u32 max_recs,
			  struct memwell_ep_batch *b);
int memwell_ep_batch_next(struct memwell_ep *ep, struct memwell_ep_batch *b,
			  struct memwell_rec *rec);
int memwell_ep_batch_release(struct memwell_ep *ep, struct memwell_ep_batch *b);

u64 memwell_ep_rec_max(const struct memwell_ep *ep);
void memwell_ep_drop(struct memwell_ep *ep, u32 len);
void memwell_ep_drop_many(struct memwell_ep *ep, u32 nr, u32 len);
void memwell_ep_error(struct memwell_ep *ep);

#endif /* _MEMWELL_KERNEL_H */
