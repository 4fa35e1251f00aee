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
/*
 * One reservation and one commit per record, as a source without bursts
 * would produce: without it, gen produces each burst (a timer's or an
 * hrtimer's expiry, a flat-out kthread's round) as one batch.  For
 * comparing the two (make bench-vm).
 */
#define MEMWELL_GEN_F_SINGLE		0x2U
/*
 * With MEMWELL_GEN_F_HEADER_ONLY: the payload's first 8 bytes hold the
 * CLOCK_MONOTONIC time in ns (a __u64) at which the record was written,
 * just before its commit (or its batch's), for measuring wake-up
 * latency; record_size >= 24.
 */
#define MEMWELL_GEN_F_STAMP		0x4U
#define MEMWELL_GEN_F_ALL		(MEMWELL_GEN_F_HEADER_ONLY | MEMWELL_GEN_F_SINGLE | \
					 MEMWELL_GEN_F_STAMP)

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

/* Why memwell_gen_verify() refuses a gen record. */
#define MEMWELL_GEN_BAD_SHORT	1	/* shorter than struct memwell_gen_rec */
#define MEMWELL_GEN_BAD_BYTE	2	/* a payload byte is not the pattern */
#define MEMWELL_GEN_BAD_CHECK	3	/* check is not the payload's */

/*
 * Verify a gen record as the ring delivers it (@len bytes at @rec, header
 * and payload): copy its header to @h, then check the payload is the
 * memwell_gen_byte() pattern of h->seq and h->producer and h->check its
 * memwell_gen_check(), in one pass.  With MEMWELL_GEN_F_HEADER_ONLY in
 * @flags the payload is not looked at and check must be 0.  Returns 0 or a
 * MEMWELL_GEN_BAD_* reason; for a wrong byte, its offset in the payload
 * goes to *@where if @where is not NULL.  The sequence and the producer's
 * range are the caller's to check.
 */
static inline int memwell_gen_verify(const void *rec, __u32 len, __u32 flags,
				     struct memwell_gen_rec *h, __u32 *where)
{
	const __u8 *b = (const __u8 *)rec;
	__u32 h32 = 2166136261U;
	__u32 i, n;
	__u8 base;

	h->seq = 0;
	h->producer = 0;
	h->check = 0;
	if (len < sizeof(*h))
		return MEMWELL_GEN_BAD_SHORT;
	__builtin_memcpy(h, b, sizeof(*h));
	if (flags & MEMWELL_GEN_F_HEADER_ONLY)
		return h->check ? MEMWELL_GEN_BAD_CHECK : 0;
	b += sizeof(*h);
	n = len - (__u32)sizeof(*h);
	base = memwell_gen_byte(h->seq, h->producer, 0);
	for (i = 0; i < n; i++) {
		if (b[i] != (__u8)(base + i)) {
			if (where)
				*where = i;
			return MEMWELL_GEN_BAD_BYTE;
		}
		h32 ^= b[i];
		h32 *= 16777619U;
	}
	return h32 == h->check ? 0 : MEMWELL_GEN_BAD_CHECK;
}

#endif /* _UAPI_LINUX_MEMWELL_GEN_H */
