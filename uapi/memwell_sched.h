/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell's sched source (memwell_sched.ko): one record per context switch,
 * on every CPU, from a sched_switch tracepoint probe.  It takes no
 * parameters (the other fields of struct memwell_source are zero), needs
 * a MEMWELL_F_PROD_MULTI ring on a machine of more than one CPU, and the
 * privilege perf needs to observe other processes (CAP_PERFMON or
 * CAP_SYS_ADMIN).
 */
#ifndef _UAPI_LINUX_MEMWELL_SCHED_H
#define _UAPI_LINUX_MEMWELL_SCHED_H

#include <linux/types.h>

#include "memwell.h"

#define MEMWELL_SRC_SCHED	2U	/* struct memwell_source.kind */

/* One context switch. */
struct memwell_sched_rec {
	__u64 time_ns;		/* ktime_get_ns() */
	__u32 cpu;
	__u32 prev_pid;
	__u32 next_pid;
	__u32 prev_state;
	char prev_comm[16];
	char next_comm[16];
};

#endif /* _UAPI_LINUX_MEMWELL_SCHED_H */
