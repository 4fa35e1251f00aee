/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell's gen source (memwell_gen.ko): synthetic records from kthreads,
 * timers or hrtimers, for tests, demos and benchmarks.  Its parameters are
 * the fields of struct memwell_source marked "gen" in memwell.h; its
 * records are a struct memwell_gen_rec, then a byte pattern.  The sink
 * (memwell_sink.h) consumes the same records.
 */
#ifndef _UAPI_LINUX_MEMWELL_GEN_H
#define _UAPI_LINUX_MEMWELL_GEN_H

#include <linux/types.h>

#include "memwell.h"

#define MEMWELL_SRC_GEN		1U	/* struct memwell_source.kind */

/* Where a gen source produces from (struct memwell_source.context). */
#define MEMWELL_CTX_KTHREAD	0U
#define MEMWELL_CTX_SOFTIRQ	1U	/* a timer */
#define MEMWELL_CTX_HARDIRQ	2U	/* an hrtimer */

/*
 * gen writes only the header of each record (check is 0) and leaves the
 * payload as it finds it: the payload stands for data a device put in
 * place (DMA into the reserved record), so only the transport is measured.
 */
#define MEMWELL_GEN_F_HEADER_ONLY	0x1U
#define MEMWELL_GEN_F_ALL		MEMWELL_GEN_F_HEADER_ONLY

/* Head of every gen record; the payload after it is a byte pattern. */
struct memwell_gen_rec {
	__u64 seq;		/* per producer, from 0 */
	__u32 producer;		/* index of the producer */
	__u32 check;		/* memwell_gen_check() of the payload (or 0) */
};

/*
 * The payload after a gen record's header: byte i is memwell_gen_byte(seq,
 * producer, i); check is memwell_gen_check() over those bytes (FNV-1a).
 */
static inline __u8 memwell_gen_byte(__u64 seq, __u32 producer, __u32 i)
{
	return (__u8)(seq * 7 + producer * 131 + i);
}

static inline __u32 memwell_gen_check(const void *p, __u32 len)
{
	const __u8 *b = (const __u8 *)p;
	__u32 h = 2166136261U;
	__u32 i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 16777619U;
	}
	return h;
}

/*
 * Write the payload of gen record @seq of @producer and return its check:
 * the pattern and memwell_gen_check() in one pass, as a producer should.
 */
static inline __u32 memwell_gen_fill(void *p, __u32 len, __u64 seq,
				     __u32 producer)
{
	__u8 *b = (__u8 *)p;
	__u8 base = memwell_gen_byte(seq, producer, 0);
	__u32 h = 2166136261U;
	__u32 i;

	for (i = 0; i < len; i++) {
		__u8 v = (__u8)(base + i);

		b[i] = v;
		h ^= v;
		h *= 16777619U;
	}
	return h;
}

#endif /* _UAPI_LINUX_MEMWELL_GEN_H */
