/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a process is charged for what it makes the kernel hold: its memory
 * cgroup, for everything allocated on its behalf.
 */
#ifndef _MEMWELL_ACCOUNT_H
#define _MEMWELL_ACCOUNT_H

#include <linux/gfp.h>

/*
 * Allocations a process asks for, large ones above all: charged to its
 * memory cgroup, and a cgroup (or the machine) at its limit makes them
 * fail with -ENOMEM instead of OOM-killing the caller, without a warning.
 */
#define MEMWELL_GFP_USER	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOWARN)

#endif /* _MEMWELL_ACCOUNT_H */
