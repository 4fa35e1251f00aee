/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* The ioctls of /dev/kfifo_bench (tests/bench-vm/kfifo_bench.c). */
#ifndef KFIFO_BENCH_UAPI_H
#define KFIFO_BENCH_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

struct kfb_start {
	__u32 record_size;	/* >= 16, <= 4096 */
	__u32 flags;		/* KFB_F_* */
	__u64 count;		/* records to attempt */
};

/* Write only each record's header (gen's MEMWELL_GEN_F_HEADER_ONLY). */
#define KFB_F_HEADER_ONLY	0x1U

struct kfb_stats {
	__u64 produced;
	__u64 dropped;		/* kfifo full */
	__u64 wakeups;		/* wake_up() calls with a sleeper */
	__u64 done;
};

#define KFB_IOC_START	_IOW(0xb8, 1, struct kfb_start)
#define KFB_IOC_STATS	_IOR(0xb8, 2, struct kfb_stats)

#endif /* KFIFO_BENCH_UAPI_H */
