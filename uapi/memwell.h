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
	 * Empty, or a NUL-terminated name ([A-Za-z0-9_.-]), unique in the
	 * creator's network namespace, by which processes of that namespace
	 * (MEMWELL_IOC_OPEN) and kernel code (initial namespace only) find
	 * the ring; zero-filled after the NUL.
	 */
	char name[MEMWELL_NAME_LEN];
	__u64 reserved[4];	/* zero */
	/* Since the second version (MEMWELL_CREATE_SIZE_VER1): */
	__u32 mode;		/* who may open it by name (MEMWELL_MODE_*) */
	__u32 reserved1;	/* zero */
};

#define MEMWELL_CREATE_SIZE_VER0	80U	/* up to reserved */
#define MEMWELL_CREATE_SIZE_VER1	88U	/* mode, reserved1 */

/*
 * A named ring's mode: permission bits as a file's, for group and others
 * (r: consume, r and w: produce; the owner may always do both).  Zero
 * means MEMWELL_MODE_DEFAULT: the owner alone.
 */
#define MEMWELL_MODE_MASK	0777U
#define MEMWELL_MODE_DEFAULT	0600U

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
	/*
	 * The sides this file may write, as 1 << MEMWELL_SIDE_*: both for
	 * the file that created the ring, those granted for one opened by
	 * name (MEMWELL_IOC_OPEN).  Zero from a module older than this field.
	 */
	__u32 access;
	__u32 mode;		/* the ring's mode (MEMWELL_MODE_MASK bits) */
	__u64 reserved[3];	/* zero */
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

/*
 * A non-zero latency_ns is within these bounds: each expiry is a timer
 * interrupt, so a shorter bound would let a ring's owner interrupt the CPU
 * of every commit; a longer one is not a latency bound.
 */
#define MEMWELL_WAKE_LATENCY_MIN_NS	50000ULL		/* 50 us */
#define MEMWELL_WAKE_LATENCY_MAX_NS	60000000000ULL		/* 60 s */

#define MEMWELL_IOC_SET_WAKE	_IOW(MEMWELL_IOC_MAGIC, 6, struct memwell_wake_policy)

/*
 * Kernel sources and sinks (MEMWELL_IOC_ATTACH): each kind is a module of
 * its own that registers with memwell.ko under a kind number.  Its number,
 * the meaning of the parameter fields below and its record layouts are in
 * its own header (memwell_gen.h, memwell_sched.h, memwell_sink.h); fields
 * a kind does not use must be zero.
 */
struct memwell_source {
	__u32 size;		/* sizeof(struct memwell_source) */
	__u32 kind;		/* the kind's MEMWELL_SRC_* */
	__u32 context;		/* gen: MEMWELL_CTX_* */
	__u32 producers;	/* gen: how many (kthreads or timers), >= 1 */
	__u32 record_size;	/* gen: payload bytes, >= sizeof(struct memwell_gen_rec) */
	__u32 flags;		/* the kind's flags (gen: MEMWELL_GEN_F_*); others: zero */
	__u64 count;		/* gen: records per producer (0: until detached) */
	__u64 rate;		/* gen: records per second per producer (0: flat out) */
	__u64 reserved[4];	/* zero */
};

/* Start a kernel source or sink of a loaded kind on this file's ring. */
#define MEMWELL_IOC_ATTACH	_IOW(MEMWELL_IOC_MAGIC, 7, struct memwell_source)
/* Stop the kernel source or sink of this file's ring, if any. */
#define MEMWELL_IOC_DETACH	_IO(MEMWELL_IOC_MAGIC, 8)

/*
 * Give this file (which has no ring yet) the named ring of the caller's
 * network namespace, for the sides asked for: consuming needs read
 * permission by the ring's mode, producing read and write; the owner and
 * CAP_IPC_OWNER (in that namespace's user namespace) may do both.  A side
 * only the kernel takes (MEMWELL_F_KERNEL_*) cannot be asked for.
 */
struct memwell_open {
	__u32 size;		/* sizeof(struct memwell_open) */
	__u32 sides;		/* 1 << MEMWELL_SIDE_PROD and/or 1 << MEMWELL_SIDE_CONS */
	char name[MEMWELL_NAME_LEN];	/* as struct memwell_create.name, not empty */
	__u64 reserved[2];	/* zero */
};

#define MEMWELL_IOC_OPEN	_IOW(MEMWELL_IOC_MAGIC, 9, struct memwell_open)

#endif /* _UAPI_LINUX_MEMWELL_H */
