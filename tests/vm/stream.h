/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Helpers of the kernel-to-user streaming tests (tests/vm/stream_*.c):
 * create a ring on /dev/memwell through libmemwell (which maps the side
 * the kernel owns, and the data of a kernel producer, read-only), keep
 * its fd and geometry at hand, and verify gen records.
 */
#ifndef MEMWELL_VM_STREAM_H
#define MEMWELL_VM_STREAM_H

#include "harness.h"	/* first: it defines _GNU_SOURCE */
#include "memwell_ring.h"
#include "memwell_gen.h"
#include "memwell_sched.h"
#include "memwell_sink.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

struct st_ring {
	struct memwell *mw;
	int fd;				/* memwell_fd(mw) */
	struct memwell_ring_info in;
	struct memwell_ring *r;		/* memwell_get_ring(mw) */
	struct memwell_ring_stats hdr;	/* st_hdr_stats() */
};

static T_UNUSED void st_close(struct st_ring *sr)
{
	if (sr->mw)
		memwell_close(sr->mw);
	else if (sr->fd >= 0)
		close(sr->fd);
	sr->mw = NULL;
	sr->r = NULL;
	sr->fd = -1;
}

/*
 * Create a ring with libmemwell and keep its fd, geometry and core view.
 * Returns 0 or -errno.
 */
static T_UNUSED int st_open(struct st_ring *sr, __u32 flags, __u32 bs,
			    __u32 cs, const char *name)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = flags, .block_shift = bs,
		.count_shift = cs, .name = name,
	};
	int err;

	memset(sr, 0, sizeof(*sr));
	sr->fd = -1;
	err = memwell_create_dev(&o, &sr->mw);
	if (err)
		return err;
	sr->fd = memwell_fd(sr->mw);
	sr->r = memwell_get_ring(sr->mw);
	sr->in.size = sizeof(sr->in);
	if (ioctl(sr->fd, MEMWELL_IOC_INFO, &sr->in)) {
		err = -errno;
		st_close(sr);
		return err;
	}
	return 0;
}

/* The statistics in the ring's header page, as the kernel left them. */
static T_UNUSED const struct memwell_ring_stats *st_hdr_stats(struct st_ring *sr)
{
	REQUIRE_EQ(memwell_get_stats(sr->mw, &sr->hdr), 0);
	return &sr->hdr;
}

static T_UNUSED int st_stats(struct st_ring *sr, struct memwell_ring_stats *st)
{
	return ioctl(sr->fd, MEMWELL_IOC_STATS, st);
}

static T_UNUSED int st_attach_fd(int fd, __u32 kind, __u32 ctx,
				 __u32 producers, __u32 size, __u64 count,
				 __u64 rate)
{
	struct memwell_source s = {
		.size = sizeof(s), .kind = kind, .context = ctx,
		.producers = producers, .record_size = size, .count = count,
		.rate = rate,
	};

	return ioctl(fd, MEMWELL_IOC_ATTACH, &s);
}

static T_UNUSED int st_attach(struct st_ring *sr, __u32 kind, __u32 ctx,
				__u32 producers, __u32 size, __u64 count,
				__u64 rate)
{
	return st_attach_fd(sr->fd, kind, ctx, producers, size, count, rate);
}

/*
 * Verification of gen records, per producer.  gaps: records missing
 * before delivered ones; late: delivered records whose gap had not been
 * reported by a MEMWELL_REC_LOST record before them.
 */
struct st_check {
	__u64 next[16];
	__u64 records, gaps, lost_recs, lost_bytes, bad, late;
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
	if (c->gaps > c->lost_recs)
		c->late++;
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
		err = memwell_rec_peek(sr->r, &rec);
		if (err == -EAGAIN)
			return n;
		if (err == -EBUSY)
			continue;
		if (err)
			return err;
		if (c)
			st_verify(c, &rec);
		memwell_rec_release(sr->r, &rec);
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
