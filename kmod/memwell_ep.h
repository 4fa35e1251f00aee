/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memwell.ko's own view of a kernel endpoint (memwell_kernel.h keeps it
 * opaque): shared by the one-record calls (memwell_kernel.c) and the batch
 * calls (memwell_kbatch.c).
 */
#ifndef _MEMWELL_EP_H
#define _MEMWELL_EP_H

#include "memwell_kernel.h"
#include "memwell_kring.h"

/**
 * struct memwell_ep - one kernel producer or consumer of a ring
 * @kr: the ring, referenced
 * @view: this endpoint's private view
 * @role: MEMWELL_SIDE_PROD or MEMWELL_SIDE_CONS
 */
struct memwell_ep {
	struct memwell_kring *kr;
	struct memwell_ring view;
	unsigned int role;
};

/*
 * Skipped record headers one consumer call reads at most, besides the
 * records it takes.  A process producing into the ring writes them:
 * discarded records cost a header each, and a chain of them can be as long
 * as the ring.  Past this the call takes the skipped records read so far
 * and gives -EAGAIN: the next call goes on after them (memwell_ep_wait()
 * returns at once, blocks being ready).
 */
#define MEMWELL_EP_SCAN_MAX	16U

int memwell_flush_lost(struct memwell_ep *ep);
bool memwell_ep_help_peer(struct memwell_ep *ep);
void memwell_ep_count_n(struct memwell_ep *ep, enum memwell_stat i, u64 n);

#endif /* _MEMWELL_EP_H */
