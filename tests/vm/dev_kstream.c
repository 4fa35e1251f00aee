// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libmemwell's device mode on rings with a kernel side, and the kernel's
 * wake policy as a process sees it.  (The source kinds, the sink and
 * their permissions and errors are tested raw in tests/vm/stream_*.c.)
 *
 *   lib_consume     two kernel producers (a kthread each, flat out); the
 *                   library attaches consumer-only (producer control and
 *                   data read-only), the process sleeps in memwell_wait()
 *                   (5 s with no progress fails), checks every record's
 *                   sequence, pattern and checksum, accounts for every gap
 *                   with the drop counter, and stops on -EPIPE (EPOLLHUP)
 *   lib_drops       one producer, a consumer that pauses: many drops, each
 *                   gap reported exactly by MEMWELL_REC_LOST records
 *   wake_watermark / wake_latency / wake_never   memwell_set_wake()
 *   wake_watermark_poll  poll() reports EPOLLIN from the watermark on
 *   sink_sleepers   processes produce into a small ring a kernel thread
 *                   consumes, sleeping whenever it is full: the kernel
 *                   consumer's releases must wake them
 *   lib_errors      the library's errors on such rings; memwell_get_stats()
 *                   agrees with MEMWELL_IOC_STATS; names through the opts
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "harness.h"
#include "memwell_gen.h"
#include "memwell_sink.h"

#define STALL_MS	5000
#define NPROD_MAX	8

static struct memwell *ring_new(__u32 flags, __u32 bs, __u32 cs)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = flags, .block_shift = bs, .count_shift = cs,
	};
	struct memwell *mw = NULL;
	int err = memwell_create_dev(&o, &mw);

	if (err)
		t_diag("memwell_create_dev(%#x, %u, %u): %d (%s)", flags, bs, cs,
		       err, strerror(-err));
	return err ? NULL : mw;
}

static int attach(struct memwell *mw, __u32 kind, __u32 context, __u32 producers,
		  __u32 record_size, __u64 count, __u64 rate)
{
	struct memwell_source s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.kind = kind;
	s.context = context;
	s.producers = producers;
	s.record_size = record_size;
	s.count = count;
	s.rate = rate;
	return ioctl(memwell_fd(mw), MEMWELL_IOC_ATTACH, &s) ? -errno : 0;
}

static struct memwell_ring_stats rstats(const struct memwell *mw)
{
	struct memwell_ring_stats st;

	memset(&st, 0xff, sizeof(st));
	memwell_get_stats(mw, &st);
	return st;
}

/* What a consumer of gen records saw. */
struct gen_seen {
	__u64 next[NPROD_MAX];		/* next sequence expected per producer */
	__u64 records;
	__u64 gaps;			/* sequence numbers skipped */
	__u64 lost_records;		/* as MEMWELL_REC_LOST records said */
	__u64 lost_bytes;
	__u64 lost_seen;		/* MEMWELL_REC_LOST records */
	__u64 sleeps;
	__u64 max_wait_ms;
};

/* Check one record; 0 or -1. */
static int gen_check(struct gen_seen *g, const struct memwell_rec *rec,
		     __u32 nprod, __u32 rsize)
{
	struct memwell_gen_rec h;
	__u32 at = 0;
	int bad;

	if (rec->flags & MEMWELL_REC_LOST) {
		struct memwell_lost l;

		if (rec->len != sizeof(l)) {
			t_diag("LOST record of %u bytes", rec->len);
			return -1;
		}
		memcpy(&l, rec->data, sizeof(l));
		if (!l.records || l.bytes != l.records * (rsize)) {
			t_diag("LOST record: %llu records, %llu bytes",
			       (unsigned long long)l.records, (unsigned long long)l.bytes);
			return -1;
		}
		g->lost_records += l.records;
		g->lost_bytes += l.bytes;
		g->lost_seen++;
		return 0;
	}
	if (rec->flags || rec->len != rsize) {
		t_diag("record flags %#x len %u, expected %u", rec->flags, rec->len, rsize);
		return -1;
	}
	bad = memwell_gen_verify(rec->data, rec->len, 0, &h, &at);
	if (h.producer >= nprod || h.seq < g->next[h.producer]) {
		t_diag("record producer %u seq %llu (expected >= %llu)", h.producer,
		       (unsigned long long)h.seq,
		       (unsigned long long)(h.producer < nprod ? g->next[h.producer] : 0));
		return -1;
	}
	if (bad == MEMWELL_GEN_BAD_BYTE) {
		t_diag("producer %u seq %llu: byte %u is %#x", h.producer,
		       (unsigned long long)h.seq, at,
		       ((const __u8 *)rec->data)[sizeof(h) + at]);
		return -1;
	}
	if (bad) {
		t_diag("producer %u seq %llu: bad check", h.producer,
		       (unsigned long long)h.seq);
		return -1;
	}
	g->gaps += h.seq - g->next[h.producer];
	g->next[h.producer] = h.seq + 1;
	g->records++;
	return 0;
}

/*
 * Consume until the kernel producers hang up and the ring is empty.
 * @pause_every: pause 2 ms after that many records (0: never).
 * @stall_ms: a wait this long without a record is an error (lost wakeup).
 */
static int gen_consume(struct memwell *mw, struct gen_seen *g, __u32 nprod,
		       __u32 rsize, unsigned int pause_every, int stall_ms)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	int hup = 0;

	for (;;) {
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
		int err = memwell_rec_peek(r, &rec);
		double t;

		if (!err) {
			err = gen_check(g, &rec, nprod, rsize);
			if (memwell_rec_release(r, &rec) || err)
				return -1;
			if (pause_every && !(g->records % pause_every))
				usleep(2000);
			continue;
		}
		if (err == -EBUSY)
			continue;
		if (err != -EAGAIN) {
			t_diag("peek: %d", err);
			return -1;
		}
		if (hup)
			return 0;	/* hung up and drained */
		g->sleeps++;
		t = t_now();
		do
			err = memwell_wait(mw, MEMWELL_WAIT_READ, stall_ms);
		while (err == -EINTR);
		t = (t_now() - t) * 1000;
		if ((__u64)t > g->max_wait_ms)
			g->max_wait_ms = (__u64)t;
		if (err == -EPIPE) {
			hup = 1;	/* drain what is left, then stop */
			continue;
		}
		if (err <= 0) {
			struct memwell_ring_stats st = rstats(mw);

			t_diag("wait: %d after %d ms: lost wakeup? ready %llu, "
			       "cons waiters %u, produced %llu dropped %llu wakeups %llu",
			       err, stall_ms, (unsigned long long)memwell_ready_blocks(r),
			       r->side[MEMWELL_SIDE_CONS]->waiters,
			       (unsigned long long)st.produced,
			       (unsigned long long)st.dropped,
			       (unsigned long long)st.wakeups);
			return -1;
		}
	}
}

static int gen_verify(struct memwell *mw, const struct gen_seen *g, __u32 nprod,
		      __u64 count, double secs)
{
	struct memwell_ring_stats st = rstats(mw);
	__u64 tail = 0, total = (__u64)nprod * count;
	__u32 p;

	/* Records dropped at the very end leave a gap no later record shows. */
	for (p = 0; p < nprod; p++)
		tail += count - g->next[p];
	t_diag("%llu of %llu records in %.2f s, %llu dropped (%llu LOST records "
	       "reporting %llu), %llu sleeps, longest %llu ms; kernel: produced %llu "
	       "wakeups %llu wake_ioctls %llu",
	       (unsigned long long)g->records, (unsigned long long)total, secs,
	       (unsigned long long)st.dropped, (unsigned long long)g->lost_seen,
	       (unsigned long long)g->lost_records, (unsigned long long)g->sleeps,
	       (unsigned long long)g->max_wait_ms, (unsigned long long)st.produced,
	       (unsigned long long)st.wakeups, (unsigned long long)st.wake_ioctls);
	REQUIRE_EQ(st.produced, g->records);
	REQUIRE_EQ(g->records + st.dropped, total);
	REQUIRE_EQ(g->gaps + tail, st.dropped);
	REQUIRE(g->lost_records <= st.dropped);
	if (nprod == 1) {
		/*
		 * One producer: each gap is reported before the next record.
		 * A LOST record may also come last, its own record dropped
		 * after it: then it reports drops the tail holds.
		 */
		REQUIRE(g->lost_records >= g->gaps);
		REQUIRE(g->lost_records <= g->gaps + tail);
	} else if (g->lost_records < g->gaps) {
		/* Concurrent drops may be reported late, or not at the end. */
		t_diag("LOST records report %llu of %llu gaps",
		       (unsigned long long)g->lost_records,
		       (unsigned long long)g->gaps);
	}
	REQUIRE_EQ(st.producers, 0);
	REQUIRE_EQ(st.errors, 0);
	return T_PASS;
}

static int gen_run(__u32 context, __u32 nprod, __u64 count, __u64 rate,
		   unsigned int pause_every)
{
	struct memwell *mw;
	struct gen_seen g;
	const __u32 rsize = 100;
	double t = t_now();
	int err;

	memset(&g, 0, sizeof(g));
	mw = ring_new(MEMWELL_F_KERNEL_PROD | MEMWELL_F_RECORDS |
		      (nprod > 1 ? MEMWELL_F_PROD_MULTI : 0), 5, 10);	/* 32 KiB */
	REQUIRE(mw);
	/*
	 * A process may only consume: the library mapped the producer control
	 * and the data read-only (a producer call would fault).
	 */
	REQUIRE(!(memwell_get_ring(mw)->access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD)));
	REQUIRE(memwell_get_ring(mw)->access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
	err = attach(mw, MEMWELL_SRC_GEN, context, nprod, rsize, count, rate);
	REQUIRE_EQ(err, 0);
	REQUIRE_EQ(gen_consume(mw, &g, nprod, rsize, pause_every, STALL_MS), 0);
	err = gen_verify(mw, &g, nprod, count, t_now() - t);
	memwell_close(mw);
	return err;
}

static int case_lib_consume(void)
{
	return gen_run(MEMWELL_CTX_KTHREAD, 2, t_scaled(40000), 0, 0);
}

static int case_lib_drops(void)
{
	return gen_run(MEMWELL_CTX_KTHREAD, 1, t_scaled(20000), 0, 50);
}

/* A paced source, one producer: the consumer sleeps between records. */
static int policy_run(__u32 flags, __u64 watermark, __u64 latency_ns,
		      __u64 count, __u64 rate, struct gen_seen *g,
		      struct memwell_ring_stats *st, int stall_ms)
{
	struct memwell *mw = ring_new(MEMWELL_F_KERNEL_PROD | MEMWELL_F_RECORDS, 6, 9);
	int err;

	memset(g, 0, sizeof(*g));
	if (!mw)
		return -1;
	err = memwell_set_wake(mw, flags, watermark, latency_ns);
	if (!err)
		err = attach(mw, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 1, 56, count, rate);
	if (err) {
		t_diag("set_wake/attach: %d", err);
		return -1;
	}
	err = gen_consume(mw, g, 1, 56, 0, stall_ms);
	*st = rstats(mw);
	memwell_close(mw);
	return err;
}

/* Woken only once 2 KiB are ready: few wake-ups for many records. */
static int case_wake_watermark(void)
{
	struct memwell_ring_stats st;
	struct gen_seen g;
	__u64 n = t_scaled(3000);

	REQUIRE_EQ(policy_run(0, 2048, 0, n, 5000, &g, &st, STALL_MS), 0);
	t_diag("%llu records (64 B each), %llu sleeps, %llu wake-ups, longest %llu ms",
	       (unsigned long long)g.records, (unsigned long long)g.sleeps,
	       (unsigned long long)st.wakeups, (unsigned long long)g.max_wait_ms);
	REQUIRE_EQ(g.records + st.dropped, n);
	/* 32 records of 64 bytes per wake-up, give or take the end. */
	REQUIRE(st.wakeups <= n / 32 + 8);
	return T_PASS;
}

/*
 * The watermark holds for poll() too (as SO_RCVLOWAT): every poll() that
 * memwell_wait() makes returns with at least the watermark ready, unless
 * the producers are gone; so the consumer calls once per watermark, not
 * per record.  (A wait that finds records already there returns at once
 * without a syscall, whatever the watermark.)
 */
static int case_wake_watermark_poll(void)
{
	struct memwell *mw = ring_new(MEMWELL_F_KERNEL_PROD | MEMWELL_F_RECORDS, 6, 9);
	const __u64 wm = 4096, n = t_scaled(2000);
	struct memwell_ring_stats st;
	struct memwell_io_stats io;
	struct memwell_ring *r;
	struct gen_seen g;
	__u64 waits = 0, below = 0, polls;
	int err;

	REQUIRE(mw);
	r = memwell_get_ring(mw);
	memset(&g, 0, sizeof(g));
	REQUIRE_EQ(memwell_set_wake(mw, 0, wm, 0), 0);
	REQUIRE_EQ(attach(mw, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 1, 56, n, 10000), 0);
	for (;;) {
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };

		err = memwell_rec_peek(r, &rec);
		if (!err) {
			err = gen_check(&g, &rec, 1, 56);
			REQUIRE_EQ(memwell_rec_release(r, &rec), 0);
			REQUIRE_EQ(err, 0);
			continue;
		}
		REQUIRE_EQ(err, -EAGAIN);
		REQUIRE_EQ(memwell_get_io_stats(mw, &io, sizeof(io)), 0);
		polls = io.waits;
		do
			err = memwell_wait(mw, MEMWELL_WAIT_READ, STALL_MS);
		while (err == -EINTR);
		if (err == -EPIPE)
			break;
		REQUIRE(err > 0);
		REQUIRE_EQ(memwell_get_io_stats(mw, &io, sizeof(io)), 0);
		if (io.waits == polls)
			continue;	/* records were there: no poll() */
		waits++;
		st = rstats(mw);
		if ((memwell_ready_blocks(r) << r->block_shift) < wm && st.producers)
			below++;
	}
	st = rstats(mw);
	t_diag("%llu records, %llu poll()s, %llu woken below the watermark, "
	       "%llu wake-ups", (unsigned long long)g.records,
	       (unsigned long long)waits, (unsigned long long)below,
	       (unsigned long long)st.wakeups);
	REQUIRE_EQ(g.records + st.dropped, n);
	REQUIRE_EQ(below, 0);
	/* 64 records of 64 bytes per poll(), give or take the end. */
	REQUIRE(waits <= n / 64 + 4);
	memwell_close(mw);
	return T_PASS;
}

/* A watermark never reached, but a 20 ms latency bound: woken anyway. */
static int case_wake_latency(void)
{
	struct memwell_ring_stats st;
	struct gen_seen g;
	__u64 n = t_scaled(400);

	REQUIRE_EQ(policy_run(0, 1 << 30, 20 * 1000 * 1000, n, 2000, &g, &st,
			      STALL_MS), 0);
	t_diag("%llu records, %llu sleeps, %llu wake-ups, longest wait %llu ms",
	       (unsigned long long)g.records, (unsigned long long)g.sleeps,
	       (unsigned long long)st.wakeups, (unsigned long long)g.max_wait_ms);
	REQUIRE_EQ(g.records + st.dropped, n);
	REQUIRE(st.wakeups > 0);
	/* Generous for TCG: the bound is 20 ms. */
	REQUIRE(g.max_wait_ms < 2000);
	return T_PASS;
}

/* MEMWELL_WAKE_NEVER: consumers busy-poll; the kernel never wakes them. */
static int case_wake_never(void)
{
	struct memwell *mw = ring_new(MEMWELL_F_KERNEL_PROD | MEMWELL_F_RECORDS, 6, 9);
	struct memwell_ring_stats st;
	struct gen_seen g;
	__u64 n = t_scaled(2000);
	int done = 0;

	REQUIRE(mw);
	memset(&g, 0, sizeof(g));
	REQUIRE_EQ(memwell_set_wake(mw, MEMWELL_WAKE_NEVER, 0, 0), 0);
	REQUIRE_EQ(attach(mw, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 1, 56, n, 20000), 0);
	while (!done) {
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
		int err = memwell_rec_peek(memwell_get_ring(mw), &rec);

		if (!err) {
			err = gen_check(&g, &rec, 1, 56);
			REQUIRE(!memwell_rec_release(memwell_get_ring(mw), &rec) && !err);
			continue;
		}
		REQUIRE_EQ(err, -EAGAIN);
		/* Not woken by data: poll() returns on the timeout (or HUP). */
		err = memwell_wait(mw, MEMWELL_WAIT_READ, 5);
		REQUIRE(err >= 0 || err == -EPIPE);
		done = err == -EPIPE;
	}
	st = rstats(mw);
	t_diag("%llu records, %llu dropped, %llu wake-ups",
	       (unsigned long long)g.records, (unsigned long long)st.dropped,
	       (unsigned long long)st.wakeups);
	REQUIRE_EQ(g.records + st.dropped, n);
	/* Only memwell_set_wake()'s own re-evaluation kick, if any. */
	REQUIRE(st.wakeups <= 1);
	memwell_close(mw);
	return T_PASS;
}

/* ---- the sink: processes produce, a kernel thread consumes ---- */

static struct memwell *g_mw;

static int sink_producer(void *arg)
{
	__u32 idx = (__u32)(unsigned long)arg, rsize = 16 + idx * 40;
	__u64 seq, n = t_scaled(20000), sleeps = 0;
	struct memwell_ring *r = memwell_get_ring(g_mw);

	for (seq = 0; seq < n; ) {
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
		struct memwell_gen_rec h = { .seq = seq, .producer = idx };
		int err = memwell_rec_reserve(r, rsize, &rec);

		if (err == -EBUSY)
			continue;
		if (err == -EAGAIN) {
			sleeps++;
			err = memwell_wait_blocks(g_mw, MEMWELL_WAIT_WRITE,
						  memwell_rec_blocks(r, rsize), STALL_MS);
			if (err <= 0) {
				t_diag("producer %u: wait %d at %llu: lost wakeup?", idx,
				       err, (unsigned long long)seq);
				return T_FAIL;
			}
			continue;
		}
		if (err) {
			t_diag("producer %u: reserve %d", idx, err);
			return T_FAIL;
		}
		h.check = memwell_gen_fill((__u8 *)rec.data + sizeof(h),
					   rsize - (__u32)sizeof(h), seq, idx);
		memcpy(rec.data, &h, sizeof(h));
		if (memwell_rec_commit(r, &rec))
			return T_FAIL;
		seq++;
	}
	t_diag("producer %u: %llu records, slept %llu times", idx,
	       (unsigned long long)n, (unsigned long long)sleeps);
	return T_PASS;
}

static int case_sink_sleepers(void)
{
	__u64 n = t_scaled(20000), want = 2 * n;
	struct memwell_ring_stats st;
	pid_t pid[2];
	double t;
	int i;

	/* A small ring: the producers wait for the kernel consumer often. */
	g_mw = ring_new(MEMWELL_F_KERNEL_CONS | MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI,
			4, 9);
	REQUIRE(g_mw);
	REQUIRE(!(memwell_get_ring(g_mw)->access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)));
	REQUIRE_EQ(attach(g_mw, MEMWELL_SRC_SINK, 0, 0, 0, 0, 0), 0);
	REQUIRE_EQ(attach(g_mw, MEMWELL_SRC_SINK, 0, 0, 0, 0, 0), -EBUSY);
	for (i = 0; i < 2; i++)
		REQUIRE((pid[i] = t_fork(sink_producer, (void *)(unsigned long)i)) > 0);
	for (i = 0; i < 2; i++)
		REQUIRE_EQ(t_reap(pid[i], "producer"), T_PASS);
	/* The sink polls on its own; give it time to drain. */
	t = t_now();
	while ((st = rstats(g_mw)).consumed < want && t_now() - t < 10)
		usleep(10000);
	t_diag("sink: consumed %llu of %llu, %llu bad, %llu wake-ups, %llu WAKE ioctls",
	       (unsigned long long)st.consumed, (unsigned long long)want,
	       (unsigned long long)st.errors, (unsigned long long)st.wakeups,
	       (unsigned long long)st.wake_ioctls);
	REQUIRE_EQ(st.consumed, want);
	REQUIRE_EQ(st.errors, 0);
	REQUIRE_EQ(st.consumers, 1);
	/* A record with a bad checksum is counted, not fatal. */
	{
		struct memwell_gen_rec h = { .seq = n, .producer = 0, .check = 1 };
		char buf[sizeof(h) + 8];

		memset(buf, 0, sizeof(buf));
		memcpy(buf, &h, sizeof(h));
		REQUIRE_EQ(memwell_rec_write(memwell_get_ring(g_mw), buf, sizeof(buf)), 0);
	}
	t = t_now();
	while ((st = rstats(g_mw)).consumed < want + 1 && t_now() - t < 10)
		usleep(10000);
	REQUIRE_EQ(st.consumed, want + 1);
	REQUIRE_EQ(st.errors, 1);
	REQUIRE_EQ(ioctl(memwell_fd(g_mw), MEMWELL_IOC_DETACH), 0);
	REQUIRE_EQ(rstats(g_mw).consumers, 0);
	memwell_close(g_mw);
	return T_PASS;
}

static int case_lib_errors(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .block_shift = 6, .count_shift = 8,
		.flags = MEMWELL_F_KERNEL_PROD | MEMWELL_F_KERNEL_CONS | MEMWELL_F_RECORDS,
	};
	struct memwell_ring_stats a, b;
	struct memwell *kp, *kc, *loc, *again;
	int fd, w;

	/* One side belongs to the kernel, not both. */
	REQUIRE_EQ(memwell_create_dev(&o, &kp), -EINVAL);
	REQUIRE((kp = ring_new(MEMWELL_F_KERNEL_PROD | MEMWELL_F_RECORDS, 6, 8)));
	REQUIRE((kc = ring_new(MEMWELL_F_KERNEL_CONS | MEMWELL_F_RECORDS, 6, 8)));
	/* Consumer-only and producer-only handles, also when attached by fd. */
	REQUIRE_EQ(memwell_get_ring(kp)->access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
	REQUIRE_EQ(memwell_get_ring(kc)->access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD));
	REQUIRE_OK(fd = dup(memwell_fd(kp)));
	REQUIRE_EQ(memwell_attach_fd(fd, &again), 0);
	REQUIRE_EQ(memwell_get_ring(again)->access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
	memwell_close(again);
	REQUIRE_OK(fd = dup(memwell_fd(kc)));
	REQUIRE_EQ(memwell_attach_dev_fd(fd, &again), 0);
	REQUIRE_EQ(memwell_get_ring(again)->access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD));
	/* The producer may write; a record waits for a kernel consumer. */
	REQUIRE_EQ(memwell_rec_write(memwell_get_ring(again), "abc", 3), 0);
	REQUIRE_EQ(memwell_wait(again, MEMWELL_WAIT_WRITE, 0), MEMWELL_WAIT_WRITE);
	memwell_close(again);

	/* Statistics: the header page and the ioctl agree. */
	REQUIRE_EQ(memwell_get_stats(kp, &a), 0);
	REQUIRE_OK(ioctl(memwell_fd(kp), MEMWELL_IOC_STATS, &b));
	REQUIRE(!memcmp(&a, &b, sizeof(a)));
	REQUIRE_EQ(memwell_get_stats(NULL, &a), -EINVAL);
	/* The wake policy. */
	REQUIRE_EQ(memwell_set_wake(kp, 0x80, 0, 0), -EINVAL);
	REQUIRE_EQ(memwell_set_wake(kp, MEMWELL_WAKE_NEVER, 0, 0), 0);
	REQUIRE_EQ(memwell_set_wake(kp, 0, 4096, 1000000), 0);
	/* A latency bound is a timer interrupt per expiry: bounded. */
	REQUIRE_EQ(memwell_set_wake(kp, 0, 4096, 1), -EINVAL);
	REQUIRE_EQ(memwell_set_wake(kp, 0, 4096, MEMWELL_WAKE_LATENCY_MIN_NS - 1), -EINVAL);
	REQUIRE_EQ(memwell_set_wake(kp, 0, 4096, MEMWELL_WAKE_LATENCY_MIN_NS), 0);
	REQUIRE_EQ(memwell_set_wake(kp, 0, 4096, MEMWELL_WAKE_LATENCY_MAX_NS), 0);
	REQUIRE_EQ(memwell_set_wake(kp, 0, 4096, MEMWELL_WAKE_LATENCY_MAX_NS + 1), -EINVAL);
	REQUIRE_EQ(memwell_set_wake(kp, 0, 4096, ~0ULL), -EINVAL);
	REQUIRE_EQ(memwell_set_wake(NULL, 0, 0, 0), -EINVAL);
	/* Local rings have no kernel side. */
	o.flags = MEMWELL_F_RECORDS;
	REQUIRE_EQ(memwell_create_local(&o, &loc), 0);
	REQUIRE_EQ(memwell_get_stats(loc, &a), -EOPNOTSUPP);
	REQUIRE_EQ(memwell_set_wake(loc, 0, 0, 0), -EOPNOTSUPP);
	memwell_close(loc);

	/* Its kernel producers gone: readable while records remain, then EPIPE. */
	REQUIRE_EQ(attach(kp, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 1, 64, 5, 0), 0);
	for (;;) {
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };

		w = memwell_wait(kp, MEMWELL_WAIT_READ, STALL_MS);
		if (w != MEMWELL_WAIT_READ)
			break;
		while (!memwell_rec_peek(memwell_get_ring(kp), &rec))
			REQUIRE_EQ(memwell_rec_release(memwell_get_ring(kp), &rec), 0);
	}
	REQUIRE_EQ(w, -EPIPE);
	REQUIRE_EQ(memwell_wait(kp, MEMWELL_WAIT_READ, 0), 0);
	REQUIRE_EQ(rstats(kp).produced, 5);
	memwell_close(kp);
	memwell_close(kc);
	return T_PASS;
}

static int case_names(void)
{
	static const char *const bad[] = {
		"has space", "slash/", "tab\t", "ü", "0123456789012345678901234567890123",
	};
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
		.count_shift = 8,
	};
	struct memwell *a, *b;
	size_t i;
	char name[40];

	for (i = 0; i < T_ARRAY_SIZE(bad); i++) {
		o.name = bad[i];
		REQUIRE_EQ(memwell_create_dev(&o, &a), -EINVAL);
	}
	snprintf(name, sizeof(name), "mwtest-%d.x_y", (int)getpid());
	o.name = name;
	REQUIRE_EQ(memwell_create_dev(&o, &a), 0);
	REQUIRE_EQ(memwell_create_dev(&o, &b), -EEXIST);
	o.name = "";
	REQUIRE_EQ(memwell_create_dev(&o, &b), 0);	/* empty: unnamed */
	memwell_close(b);
	o.name = NULL;
	REQUIRE_EQ(memwell_create_dev(&o, &b), 0);
	memwell_close(b);
	/* The name is free again once its ring is gone. */
	memwell_close(a);
	o.name = name;
	REQUIRE_EQ(memwell_create_dev(&o, &a), 0);
	memwell_close(a);
	/* 31 characters is the longest. */
	memset(name, 'n', 31);
	name[31] = 0;
	REQUIRE_EQ(memwell_create_dev(&o, &a), 0);
	memwell_close(a);
	/* Raw: bytes after the NUL must be zero, and a NUL is needed. */
	{
		struct memwell_create c = {
			.size = sizeof(c), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
			.count_shift = 8,
		};
		int fd;

		REQUIRE_OK(fd = open(t_dev_path(), O_RDWR | O_CLOEXEC));
		memcpy(c.name, "ab\0c", 4);
		REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, &c), EINVAL);
		memset(c.name, 'a', sizeof(c.name));
		REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, &c), EINVAL);
		REQUIRE_OK(close(fd));
	}
	return T_PASS;
}

T_MAIN(
	T_RCASE(lib_errors), T_RCASE(names), T_RCASE(lib_consume), T_RCASE(lib_drops),
	T_RCASE(wake_watermark), T_RCASE(wake_watermark_poll), T_RCASE(wake_latency),
	T_RCASE(wake_never), T_RCASE(sink_sleepers))
