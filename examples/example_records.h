/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The records the examples send and check, the same in every language
 * (examples/python/asyncio_consumer.py has the same rule): record number
 * seq is 8 to 64 bytes long, starts with seq as a little-endian 64-bit
 * number and continues with bytes that depend on seq, so that a lost,
 * repeated, reordered or torn record does not pass the check.
 */
#ifndef EXAMPLE_RECORDS_H
#define EXAMPLE_RECORDS_H

#include <string.h>
#include <linux/types.h>

/* A small ring (256 blocks of 64 bytes): the producer fills it and must wait too. */
#define EXAMPLE_BLOCK_SHIFT	6
#define EXAMPLE_COUNT_SHIFT	8
#define EXAMPLE_MAX_LEN		64U
/* A consumer that hears nothing for this long gives up (a lost wakeup). */
#define EXAMPLE_STALL_MS	10000

static inline __u32 example_len(__u64 seq)
{
	return 8 + (__u32)(seq % 57);
}

static inline unsigned char example_byte(__u64 seq, __u32 i)
{
	return (unsigned char)(seq * 31 + i);
}

/* Fill buf with record seq; buf holds example_len(seq) bytes. */
static inline void example_fill(void *buf, __u64 seq)
{
	unsigned char *p = (unsigned char *)buf;
	__u32 i, len = example_len(seq);

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(seq >> (8 * i));
	for (; i < len; i++)
		p[i] = example_byte(seq, i);
}

/* 0 if buf (len bytes) is record seq, else the first bad byte's index + 1. */
static inline __u32 example_check(const void *buf, __u32 len, __u64 seq)
{
	const unsigned char *p = (const unsigned char *)buf;
	__u32 i;

	if (len != example_len(seq))
		return 1;
	for (i = 0; i < 8; i++)
		if (p[i] != (unsigned char)(seq >> (8 * i)))
			return i + 1;
	for (; i < len; i++)
		if (p[i] != example_byte(seq, i))
			return i + 1;
	return 0;
}

#endif /* EXAMPLE_RECORDS_H */
