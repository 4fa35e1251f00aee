/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Helpers of the kernel-to-user streaming tests (tests/vm/stream_*.c):
 * create a ring on /dev/memwell, map each region with the permissions its
 * flags allow into one contiguous range, build a core view of it, and
 * verify gen records.  These tests use the ring core directly, not the
 * library: a MEMWELL_F_KERNEL_PROD ring's producer control and data can
 * only be mapped read-only.
 */
#ifndef MEMWELL_VM_STREAM_H
#define MEMWELL_VM_STREAM_H

#include "harness.h"	/* first: it defines _GNU_SOURCE */
#include "memwell_ring.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

struct st_ring {
	int fd;
	struct memwell_ring_info in;
	unsigned char *base;
	struct memwell_ring r;
};

static T_UNUSED void st_kick(struct memwell_ring *r, unsigned int s)
{
	struct st_ring *sr = r->owner;

	ioctl(sr->fd, MEMWELL_IOC_WAKE, s == MEMWELL_SIDE_PROD ? MEMWELL_SIDE_PROD :
	      MEMWELL_SIDE_CONS);
}

/* Map region [off, off + len) at base + off, writable if @rw. */
static T_UNUSED int st_map(struct st_ring *sr, __u64 off, __u64 len, int rw)
{
	void *p = mmap(sr->base + off, len, PROT_READ | (rw ? PROT_WRITE : 0),
		       MAP_SHARED | MAP_FIXED, sr->fd, (off_t)off);

	return p == MAP_FAILED ? -errno : 0;
}

static T_UNUSED void st_close(struct st_ring *sr)
{
	if (sr->base)
		munmap(sr->base, sr->in.total_size);
	if (sr->fd >= 0)
		close(sr->fd);
	sr->base = NULL;
	sr->fd = -1;
}

/*
 * Create a ring and map it: the side the kernel owns read-only, the other
 * side read-write, the data read-write only if processes produce.
 * @access: MEMWELL_SIDE_BIT() of each side the view may write.  Returns 0 or -errno.
 */
static T_UNUSED int st_open(struct st_ring *sr, __u32 flags, __u32 bs,
			      __u32 cs, const char *name, __u32 access)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = flags, .block_shift = bs,
		.count_shift = cs,
	};
	int kp = !!(flags & MEMWELL_F_KERNEL_PROD);
	int kc = !!(flags & MEMWELL_F_KERNEL_CONS);
	void *p;
	int err;

	memset(sr, 0, sizeof(*sr));
	sr->fd = -1;
	if (name)
		strncpy(c.name, name, sizeof(c.name) - 1);
	sr->fd = open(t_dev_path(), O_RDWR | O_CLOEXEC);
	if (sr->fd < 0)
		return -errno;
	sr->in.size = sizeof(sr->in);
	if (ioctl(sr->fd, MEMWELL_IOC_CREATE, &c) ||
	    ioctl(sr->fd, MEMWELL_IOC_INFO, &sr->in)) {
		err = -errno;
		goto err;
	}
	p = mmap(NULL, sr->in.total_size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto err;
	}
	sr->base = p;
	err = st_map(sr, 0, sr->in.hdr_size, 0);
	if (!err)
		err = st_map(sr, sr->in.prod_offset, sr->in.prod_size, !kp);
	if (!err)
		err = st_map(sr, sr->in.cons_offset, sr->in.cons_size, !kc);
	if (!err)
		err = st_map(sr, sr->in.data_offset, 2 * sr->in.data_size, !kp);
	if (!err)
		err = memwell_ring_attach(&sr->r, sr->base, sr->in.total_size,
					  access);
	if (err)
		goto err;
	sr->r.kick = st_kick;
	sr->r.owner = sr;
	return 0;
err:
	st_close(sr);
	return err;
}

static T_UNUSED const struct memwell_ring_stats *st_hdr_stats(struct st_ring *sr)
{
	return (const struct memwell_ring_stats *)(sr->base + MEMWELL_STATS_OFFSET);
}

static T_UNUSED int st_stats(struct st_ring *sr, struct memwell_ring_stats *st)
{
	return ioctl(sr->fd, MEMWELL_IOC_STATS, st);
}

static T_UNUSED int st_attach(struct st_ring *sr, __u32 kind, __u32 ctx,
				__u32 producers, __u32 size, __u64 count,
				__u64 rate)
{
	struct memwell_source s = {
		.size = sizeof(s), .kind = kind, .context = ctx,
		.producers = producers, .record_size = size, .count = count,
		.rate = rate,
	};

	return ioctl(sr->fd, MEMWELL_IOC_ATTACH, &s);
}

/* Verification of gen records, per producer. */
struct st_check {
	__u64 next[16];
	__u64 records, gaps, lost_recs, lost_bytes, bad;
};

static T_UNUSED void st_verify(struct st_check *c, const struct memwell_rec *rec)
{
	struct memwell_gen_rec h;

	if (rec->flags & MEMWELL_REC_LOST) {
		struct memwell_lost l;

		memcpy(&l, rec->data, sizeof(l));
		c->lost_recs += l.records;
		c->lost_bytes += l.bytes;
		return;
	}
	if (memwell_gen_verify(rec->data, rec->len, 0, &h, NULL) ||
	    h.producer >= 16 || h.seq < c->next[h.producer]) {
		if (c->bad++ < 5)
			t_diag("bad record: producer %u seq %llu len %u",
			       h.producer, (unsigned long long)h.seq, rec->len);
		return;
	}
	c->gaps += h.seq - c->next[h.producer];
	c->next[h.producer] = h.seq + 1;
	c->records++;
}

/* Consume every ready record; returns how many, or -errno. */
static T_UNUSED long st_drain(struct st_ring *sr, struct st_check *c)
{
	struct memwell_rec rec;
	long n = 0;
	int err;

	for (;;) {
		err = memwell_rec_peek(&sr->r, &rec);
		if (err == -EAGAIN)
			return n;
		if (err == -EBUSY)
			continue;
		if (err)
			return err;
		if (c)
			st_verify(c, &rec);
		memwell_rec_release(&sr->r, &rec);
		n++;
	}
}

/* Fill @len bytes at @p with gen record @seq of @producer. */
static T_UNUSED void st_gen_fill(void *p, __u32 len, __u64 seq, __u32 producer)
{
	struct memwell_gen_rec *h = p;

	h->seq = seq;
	h->producer = producer;
	h->check = memwell_gen_fill(h + 1, len - (__u32)sizeof(*h), seq, producer);
}

#endif /* MEMWELL_VM_STREAM_H */
