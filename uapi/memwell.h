/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell: lock-free, zero-copy block and record rings shared between
 * processes and the kernel.  This is the ABI: the in-memory layout of a
 * ring and the ioctls of /dev/memwell.  Everything here is fixed-size and
 * position independent (offsets, never pointers).
 *
 * A ring is one mapping made of page-aligned regions (offsets in
 * struct memwell_ring_info):
 *
 *   +--------------------+  0
 *   | header (RO)        |  struct memwell_ring_hdr: magic, geometry
 *   +--------------------+  prod_offset
 *   | producer control   |  struct memwell_side, then, if the producer
 *   | + producer marks   |  side is multi-owner, one __u64 mark per block
 *   +--------------------+  cons_offset
 *   | consumer control   |  likewise for the consumer side
 *   | + consumer marks   |
 *   +--------------------+  data_offset
 *   | data               |  block_count blocks of block_size bytes ...
 *   | data (again)       |  ... mapped a second time right after, so any
 *   +--------------------+  span of up to the capacity is contiguous
 *
 * Each writer has its own pages so the kernel can map what a process must
 * not write read-only.  Positions count blocks from 0 and never wrap (a
 * __u64 of blocks outlives the machine); the block of position p is
 * p & (block_count - 1).  docs/ring-protocol.md describes the protocol.
 */
#ifndef _UAPI_LINUX_MEMWELL_H
#define _UAPI_LINUX_MEMWELL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MEMWELL_MAGIC		0x4c45574dU	/* "MWEL" little-endian */
#define MEMWELL_ABI_VERSION	1U

/* Geometry limits (the device may lower the size limit, see max_ring_kib). */
#define MEMWELL_BLOCK_SHIFT_MIN	3U	/* 8 B: room for a record header */
#define MEMWELL_BLOCK_SHIFT_MAX	16U	/* 64 KiB */
#define MEMWELL_COUNT_SHIFT_MIN	1U
#define MEMWELL_COUNT_SHIFT_MAX	30U
#define MEMWELL_DATA_SHIFT_MIN	12U	/* data is mapped twice: whole pages */
#define MEMWELL_DATA_SHIFT_MAX	36U	/* 64 GiB */

/* Ring flags (struct memwell_ring_hdr.flags, struct memwell_create.flags) */
#define MEMWELL_F_PROD_MULTI	0x1U	/* many producers may reserve */
#define MEMWELL_F_CONS_MULTI	0x2U	/* many consumers may reserve */
#define MEMWELL_F_RECORDS	0x4U	/* data holds records, not raw blocks */
/*
 * Only kernel code produces (kernel-to-user streaming): processes map the
 * producer control and the data read-only and may only consume.
 */
#define MEMWELL_F_KERNEL_PROD	0x8U
/* Only kernel code consumes: processes map the consumer control read-only. */
#define MEMWELL_F_KERNEL_CONS	0x10U
#define MEMWELL_F_ALL		(MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI | \
				 MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD | \
				 MEMWELL_F_KERNEL_CONS)

#define MEMWELL_HDR_RESERVED	10

/*
 * The two sides of a ring, everywhere a side is named: the ioctls below,
 * the ring core, the kernel API and the library.
 */
#define MEMWELL_SIDE_PROD	0U	/* producers: reserve free blocks */
#define MEMWELL_SIDE_CONS	1U	/* consumers: reserve filled blocks */

/*
 * Read-only header, written once when the ring is formatted.  Readers keep
 * a private, validated copy of what they depend on and never re-read it.
 */
struct memwell_ring_hdr {
	__u32 magic;		/* MEMWELL_MAGIC */
	__u32 abi_version;	/* MEMWELL_ABI_VERSION */
	__u32 flags;		/* MEMWELL_F_* */
	__u32 block_shift;	/* block size = 1 << block_shift */
	__u32 count_shift;	/* block count = 1 << count_shift */
	__u32 page_shift;	/* page size the layout was computed for */
	__u64 prod_offset;	/* struct memwell_side of the producers */
	__u64 cons_offset;	/* struct memwell_side of the consumers */
	__u64 data_offset;	/* first of the two data mappings */
	__u64 total_size;	/* header..end of the second data mapping */
	__u64 reserved[MEMWELL_HDR_RESERVED];	/* zero */
};

/*
 * One side's control area: the producers' or the consumers'.  Only that
 * side writes it; the other side reads release_pos.  Lines are 64 bytes
 * apart (128 on the line the peer reads, against adjacent-line prefetch)
 * so that the owners' own line never bounces to the peer.  Its size is
 * MEMWELL_SIDE_SIZE.
 */
struct memwell_side {
	/* Line 0: written by this side's owners on every reservation. */
	__u64 reserve_pos;	/* next position this side reserves */
	__u64 limit_cache;	/* last limit read from the peer (a cache) */
	__u64 pad0[14];

	/* Byte 128: written on release, read by the peer. */
	__u64 release_pos;	/* everything before it is the peer's */
	__u64 pad1[15];

	/* Byte 256: sleepers of this side announce themselves (wake protocol). */
	__u32 waiters;		/* participants of this side asleep in poll() */
	__u32 wake_flags;	/* reserved for the wake protocol, zero */
	__u64 pad2[15];
};

/* Multi-owner sides keep one __u64 mark per block right after their side. */
#define MEMWELL_SIDE_SIZE	384U

/*
 * Record header, at the start of a record's first block.  A record of len
 * payload bytes occupies ceil((8 + len) / block_size) whole blocks.
 */
struct memwell_rec_hdr {
	__u32 len;		/* payload bytes, >= 1 */
	__u32 flags;		/* MEMWELL_REC_* */
};

#define MEMWELL_REC_DISCARD	0x1U	/* consumers skip this record */
#define MEMWELL_REC_PAD		0x2U	/* filler (unused batch tail) */
/*
 * Records were lost before this one: a kernel producer found the ring full.
 * The payload is a struct memwell_lost; consumers are handed it.
 */
#define MEMWELL_REC_LOST	0x4U
#define MEMWELL_REC_SKIP	(MEMWELL_REC_DISCARD | MEMWELL_REC_PAD)
#define MEMWELL_REC_FLAGS	(MEMWELL_REC_SKIP | MEMWELL_REC_LOST)

/* Payload of a MEMWELL_REC_LOST record: what was dropped right before it. */
struct memwell_lost {
	__u64 records;
	__u64 bytes;
};

/*
 * Counters the kernel keeps, in the read-only header page at
 * MEMWELL_STATS_OFFSET (also returned by MEMWELL_IOC_STATS).
 */
struct memwell_ring_stats {
	__u64 produced;		/* records committed by kernel producers */
	__u64 consumed;		/* records released by kernel consumers */
	__u64 dropped;		/* records kernel producers dropped: ring full */
	__u64 dropped_bytes;	/* their payload bytes */
	__u64 wakeups;		/* wake-ups of sleeping processes */
	__u64 wake_ioctls;	/* MEMWELL_IOC_WAKE calls (user-space kicks) */
	__u64 producers;	/* kernel producers attached now */
	__u64 consumers;	/* kernel consumers attached now */
	__u64 errors;		/* bad records a kernel sink found */
	__u64 reserved[7];
};

#define MEMWELL_STATS_OFFSET	2048U

/* ---- /dev/memwell ---- */

#define MEMWELL_NAME_LEN	32

/* Argument of MEMWELL_IOC_CREATE. */
struct memwell_create {
	__u32 size;		/* sizeof(struct memwell_create) */
	__u32 flags;		/* MEMWELL_F_* */
	__u32 block_shift;
	__u32 count_shift;
	/*
	 * Empty, or a unique NUL-terminated name ([A-Za-z0-9_.-]) by which
	 * kernel code may attach to the ring; zero-filled after the NUL.
	 */
	char name[MEMWELL_NAME_LEN];
	__u64 reserved[4];	/* zero */
};

/* Argument of MEMWELL_IOC_INFO: where each region is in the mapping. */
struct memwell_ring_info {
	__u32 size;		/* sizeof(struct memwell_ring_info) */
	__u32 flags;
	__u32 block_shift;
	__u32 count_shift;
	__u64 hdr_offset;	/* read-only header page */
	__u64 hdr_size;
	__u64 prod_offset;	/* producer control (+ marks) */
	__u64 prod_size;
	__u64 cons_offset;	/* consumer control (+ marks) */
	__u64 cons_size;
	__u64 data_offset;	/* data, mapped twice: data_size * 2 bytes */
	__u64 data_size;
	__u64 total_size;	/* mmap this many bytes at offset 0 */
	__u64 reserved[4];	/* zero */
};

/*
 * mmap(): each region is mapped on its own, MAP_SHARED, at exactly its
 * offset and size from struct memwell_ring_info: the header read-only, the
 * control areas read-write, and the data at data_offset for 2 * data_size
 * bytes (the kernel maps its pages twice).  Never executable.
 */

#define MEMWELL_IOC_MAGIC	0xb7
#define MEMWELL_IOC_CREATE	_IOW(MEMWELL_IOC_MAGIC, 1, struct memwell_create)
#define MEMWELL_IOC_INFO	_IOR(MEMWELL_IOC_MAGIC, 2, struct memwell_ring_info)
/*
 * Wake the participants of one side (argument: MEMWELL_SIDE_PROD or
 * MEMWELL_SIDE_CONS) that announced they sleep: sent by the library only
 * when memwell_side.waiters says someone does (docs/wake-protocol.md).
 */
#define MEMWELL_IOC_WAKE	_IO(MEMWELL_IOC_MAGIC, 3)

/*
 * Release everything one side holds reserved (argument: the side), for a
 * survivor that knows every other owner of that side is dead: their
 * reservations would otherwise stop the side forever.  A producer gap on a
 * records ring becomes a padding record.  Returns the blocks recovered.
 */
#define MEMWELL_IOC_RECOVER	_IO(MEMWELL_IOC_MAGIC, 4)

/* Copy of the ring's struct memwell_ring_stats. */
#define MEMWELL_IOC_STATS	_IOR(MEMWELL_IOC_MAGIC, 5, struct memwell_ring_stats)

/*
 * When kernel producers wake sleeping consumers (kernel-to-user rings).
 * By default a consumer is woken as soon as it sleeps and a record is ready.
 */
struct memwell_wake_policy {
	__u32 size;		/* sizeof(struct memwell_wake_policy) */
	__u32 flags;		/* MEMWELL_WAKE_* */
	__u64 watermark;	/* wake once this many bytes are ready (0: any) */
	__u64 latency_ns;	/* but never later than this after a commit (0: no bound) */
	__u64 reserved[4];	/* zero */
};

#define MEMWELL_WAKE_NEVER	0x1U	/* consumers busy-poll: never wake */

#define MEMWELL_IOC_SET_WAKE	_IOW(MEMWELL_IOC_MAGIC, 6, struct memwell_wake_policy)

/* Built-in kernel sources and sinks (MEMWELL_IOC_ATTACH). */
#define MEMWELL_SRC_GEN		1U	/* synthetic records: struct memwell_gen_rec */
#define MEMWELL_SRC_SCHED	2U	/* context switches: struct memwell_sched_rec */
#define MEMWELL_SRC_SINK	3U	/* consumes and verifies gen records */

/* Where a gen source produces from. */
#define MEMWELL_CTX_KTHREAD	0U
#define MEMWELL_CTX_SOFTIRQ	1U	/* a timer */
#define MEMWELL_CTX_HARDIRQ	2U	/* an hrtimer */

struct memwell_source {
	__u32 size;		/* sizeof(struct memwell_source) */
	__u32 kind;		/* MEMWELL_SRC_* */
	__u32 context;		/* gen: MEMWELL_CTX_* */
	__u32 producers;	/* gen: how many (kthreads or timers), >= 1 */
	__u32 record_size;	/* gen: payload bytes, >= sizeof(struct memwell_gen_rec) */
	__u32 flags;		/* gen: MEMWELL_GEN_F_*; others: zero */
	__u64 count;		/* gen: records per producer (0: until detached) */
	__u64 rate;		/* gen: records per second per producer (0: flat out) */
	__u64 reserved[4];	/* zero */
};

/*
 * gen writes only the header of each record (check is 0) and leaves the
 * payload as it finds it: the payload stands for data a device put in
 * place (DMA into the reserved record), so only the transport is measured.
 */
#define MEMWELL_GEN_F_HEADER_ONLY	0x1U
#define MEMWELL_GEN_F_ALL		MEMWELL_GEN_F_HEADER_ONLY

/* Start a built-in source or sink on this file's ring. */
#define MEMWELL_IOC_ATTACH	_IOW(MEMWELL_IOC_MAGIC, 7, struct memwell_source)
/* Stop every built-in source and sink of this file's ring. */
#define MEMWELL_IOC_DETACH	_IO(MEMWELL_IOC_MAGIC, 8)

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

#endif /* _UAPI_LINUX_MEMWELL_H */
