/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a process is charged for what it makes the kernel hold: each ring
 * it creates counts against the max_user_rings module parameter and its
 * pages against RLIMIT_MEMLOCK (user->locked_vm, as io_uring and AF_XDP
 * charge theirs); each kthread a source kind starts for it counts against
 * max_user_kthreads.  Counts are per uid (the real uid, as RLIMIT_NPROC
 * and user->locked_vm count), whatever the user namespace.
 */
#ifndef _MEMWELL_ACCOUNT_H
#define _MEMWELL_ACCOUNT_H

#include <linux/gfp.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct memwell_user;
struct user_struct;

/*
 * Allocations a process asks for, large ones above all: charged to its
 * memory cgroup, and a cgroup (or the machine) at its limit makes them
 * fail with -ENOMEM instead of OOM-killing the caller, without a warning.
 */
#define MEMWELL_GFP_USER	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOWARN)

/**
 * struct memwell_ring_charge - what one ring is charged
 * @owner: the user whose ring count it is in; NULL: not charged (a ring
 *	   kernel code created)
 * @locked_user: the user whose locked_vm holds @locked_pages; NULL when
 *		 the creator had CAP_IPC_LOCK
 * @locked_pages: pages charged to @locked_user
 */
struct memwell_ring_charge {
	struct memwell_user *owner;
	struct user_struct *locked_user;
	unsigned long locked_pages;
};

/**
 * struct memwell_thread_charge - kthreads one source instance is charged
 * @owner: the user who attached it; NULL: nothing charged
 * @threads: kthreads counted for @owner
 */
struct memwell_thread_charge {
	struct memwell_user *owner;
	unsigned int threads;
};

int memwell_account_ring(struct memwell_ring_charge *ch, unsigned long pages);
void memwell_unaccount_ring(struct memwell_ring_charge *ch);
int memwell_account_threads(struct memwell_thread_charge *ch,
			    unsigned int threads);
void memwell_unaccount_threads(struct memwell_thread_charge *ch);
void memwell_account_counts(kuid_t uid, long *rings, long *threads,
			    long *users);

#endif /* _MEMWELL_ACCOUNT_H */
