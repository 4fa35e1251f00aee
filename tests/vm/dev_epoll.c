// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * epoll on a /dev/memwell fd under stress, level-triggered and EPOLLET,
 * with no lost wakeup.
 *
 * The waiting side sleeps in epoll_wait() with a 5 s timeout; the peer
 * works in bursts separated by pauses, so the waiter goes to sleep again
 * and again right as the peer resumes.  A timeout while the peer still has
 * work to do is a lost wakeup and fails the case.
 *
 *   lt_read / et_read    a consumer waits for EPOLLIN on an empty ring
 *   lt_write / et_write  a producer waits for EPOLLOUT on a full ring
 *   et_pingpong          request/response over two rings, both sides in
 *                        EPOLLET: a sleep and an edge per message
 *
 * Level-triggered waiters take a few records and wait again without
 * draining (epoll must keep reporting); edge-triggered waiters must (and
 * do) work until -EAGAIN, which announces them (__memwell_arm(), (H)) so the
 * peer's next release kicks and re-arms the edge.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/epoll.h>

#include "harness.h"

#define EP_RECORDS	20000UL
#define STALL_MS	5000

struct ep_shared {
	__u64 done;		/* records the peer handled */
	__u64 peer_sleeps;
	__u64 peer_kicks;
};

static struct memwell *g_mw;
static struct ep_shared *g_sh;
static unsigned long g_n;

/*
 * Record lengths: 8..127 bytes.  Reading tests use 16-byte blocks (records
 * of 1 to 9 blocks); writing tests use 128-byte blocks, one record a
 * block, because poll() reports a ring writable from one free block on.
 */
static __u32 ep_len(__u64 seq)
{
	return 8 + (__u32)(t_mix(seq + 17) % 112);
}

/* A plain sleep of the peer: 0 .. ~2 ms, often none. */
static void ep_pause(__u64 *rnd)
{
	__u64 r = t_rand_r(rnd);

	if (r % 4 == 0)
		usleep((useconds_t)(r >> 32) % 2000);
	else if (r % 4 == 1)
		sched_yield();
}

static int peer_wait(int events, __u64 blocks)
{
	int n;

	g_sh->peer_sleeps++;
	do
		n = memwell_wait_blocks(g_mw, events, blocks, STALL_MS);
	while (n == -EINTR);
	if (n == 0) {
		t_diag("peer waited %d ms: lost wakeup?", STALL_MS);
		return -ETIMEDOUT;
	}
	return n < 0 ? n : 0;
}

static int write_rec(__u64 seq)
{
	struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
	__u32 len = ep_len(seq);
	int err = memwell_rec_reserve(memwell_get_ring(g_mw), len, &rec);

	if (err)
		return err;
	memcpy(rec.data, &seq, 8);
	t_fill((char *)rec.data + 8, len - 8, seq);
	return memwell_rec_commit(memwell_get_ring(g_mw), &rec);
}

/* 1 if a record was read and checked, 0 if empty, -1 on error. */
static int read_rec(__u64 expect)
{
	struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
	__u64 seq;
	int err = memwell_rec_peek(memwell_get_ring(g_mw), &rec);

	if (err == -EAGAIN)
		return 0;
	if (err) {
		t_diag("peek: %d", err);
		return -1;
	}
	memcpy(&seq, rec.data, 8);
	if (seq != expect || rec.len != ep_len(seq) ||
	    !t_check((char *)rec.data + 8, rec.len - 8, seq)) {
		t_diag("record %llu: got %llu len %u",
		       (unsigned long long)expect, (unsigned long long)seq, rec.len);
		return -1;
	}
	return memwell_rec_release(memwell_get_ring(g_mw), &rec) ? -1 : 1;
}

/* The peer of a reading waiter: bursts of writes, then a pause. */
static int burst_producer(void *arg)
{
	__u64 seq = 0, rnd = 0x1234567ULL;
	struct memwell_io_stats st;

	(void)arg;
	while (seq < g_n) {
		__u64 burst = 1 + t_rand_r(&rnd) % 200;

		while (burst-- && seq < g_n) {
			int err = write_rec(seq);

			if (err == -EAGAIN) {
				if (peer_wait(MEMWELL_WAIT_WRITE,
					      memwell_rec_blocks(memwell_get_ring(g_mw),
								 ep_len(seq))))
					return T_FAIL;
				burst++;
				continue;
			}
			if (err) {
				t_diag("producer write: %d", err);
				return T_FAIL;
			}
			seq++;
			__atomic_store_n(&g_sh->done, seq, __ATOMIC_RELAXED);
		}
		ep_pause(&rnd);
	}
	memwell_get_io_stats(g_mw, &st, sizeof(st));
	g_sh->peer_kicks = st.kicks;
	return T_PASS;
}

/* The peer of a writing waiter: bursts of reads, then a pause. */
static int burst_consumer(void *arg)
{
	__u64 seq = 0, rnd = 0x7654321ULL;
	struct memwell_io_stats st;

	(void)arg;
	while (seq < g_n) {
		__u64 burst = 1 + t_rand_r(&rnd) % 200;

		while (burst-- && seq < g_n) {
			int v = read_rec(seq);

			if (v < 0)
				return T_FAIL;
			if (!v) {
				if (peer_wait(MEMWELL_WAIT_READ, 1))
					return T_FAIL;
				burst++;
				continue;
			}
			seq++;
			__atomic_store_n(&g_sh->done, seq, __ATOMIC_RELAXED);
		}
		ep_pause(&rnd);
	}
	memwell_get_io_stats(g_mw, &st, sizeof(st));
	g_sh->peer_kicks = st.kicks;
	return T_PASS;
}

static int ep_setup(__u32 block_shift, __u32 count_shift)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS,
		.block_shift = block_shift, .count_shift = count_shift,
	};
	int err = memwell_create_dev(&o, &g_mw);

	if (err) {
		t_diag("memwell_create_dev: %d", err);
		return -1;
	}
	g_n = t_scaled(EP_RECORDS);
	g_sh = t_shared(sizeof(*g_sh));
	return 0;
}

static int ep_stall(const char *who, __u64 mine)
{
	struct memwell_ring *r = memwell_get_ring(g_mw);

	t_diag("%s: epoll_wait timed out after %d ms at %llu, peer at %llu of %lu: "
	       "lost wakeup (ready %llu free %llu waiters prod %u cons %u)",
	       who, STALL_MS, (unsigned long long)mine,
	       (unsigned long long)__atomic_load_n(&g_sh->done, __ATOMIC_RELAXED),
	       g_n, (unsigned long long)memwell_ready_blocks(r),
	       (unsigned long long)memwell_free_blocks(r),
	       r->side[MEMWELL_SIDE_PROD]->waiters, r->side[MEMWELL_SIDE_CONS]->waiters);
	return T_FAIL;
}

static int ep_report(int ep, pid_t pid, __u64 wakeups, __u64 empty, double start)
{
	struct memwell_io_stats st;

	close(ep);
	REQUIRE_EQ(t_reap(pid, "peer"), T_PASS);
	memwell_get_io_stats(g_mw, &st, sizeof(st));
	t_diag("%lu records in %.2f s; waiter: %llu epoll wakeups (%llu found "
	       "nothing), %llu kicks; peer: %llu sleeps, %llu kicks",
	       g_n, t_now() - start, (unsigned long long)wakeups,
	       (unsigned long long)empty, (unsigned long long)st.kicks,
	       (unsigned long long)g_sh->peer_sleeps,
	       (unsigned long long)g_sh->peer_kicks);
	memwell_close(g_mw);
	return T_PASS;
}

static int ep_read(int et)
{
	struct epoll_event ev = { .events = EPOLLIN | (et ? EPOLLET : 0) };
	__u64 seq = 0, rnd = 99, wakeups = 0, empty = 0;
	double start = t_now();
	int ep, n;
	pid_t pid;

	REQUIRE(!ep_setup(4, 8));		/* 4 KiB of 16-byte blocks */
	REQUIRE_OK(ep = epoll_create1(EPOLL_CLOEXEC));
	REQUIRE_OK(epoll_ctl(ep, EPOLL_CTL_ADD, memwell_fd(g_mw), &ev));
	pid = t_fork(burst_producer, NULL);
	REQUIRE(pid > 0);
	while (seq < g_n) {
		/* LT: a few records then wait; ET: until -EAGAIN. */
		__u64 quota = et ? ~0ULL : 1 + t_rand_r(&rnd) % 8, got = 0;

		while (got < quota && seq < g_n) {
			int v = read_rec(seq);

			if (v < 0)
				goto err;
			if (!v)
				break;
			seq++;
			got++;
		}
		if (seq == g_n)
			break;
		if (!got)
			empty++;
		do
			n = epoll_wait(ep, &ev, 1, STALL_MS);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			t_diag("epoll_wait: %s", strerror(errno));
			goto err;
		}
		if (n == 0) {
			ep_stall(et ? "et consumer" : "lt consumer", seq);
			goto err;
		}
		wakeups++;
		if (!(ev.events & EPOLLIN) || (ev.events & (EPOLLERR | EPOLLHUP))) {
			t_diag("epoll events %#x", ev.events);
			goto err;
		}
	}
	return ep_report(ep, pid, wakeups, empty, start);
err:
	t_kill(pid);
	return T_FAIL;
}

static int ep_write(int et)
{
	struct epoll_event ev = { .events = EPOLLOUT | (et ? EPOLLET : 0) };
	__u64 seq = 0, rnd = 77, wakeups = 0, empty = 0;
	double start = t_now();
	int ep, n;
	pid_t pid;

	REQUIRE(!ep_setup(7, 5));		/* 4 KiB of 128-byte blocks */
	REQUIRE_OK(ep = epoll_create1(EPOLL_CLOEXEC));
	REQUIRE_OK(epoll_ctl(ep, EPOLL_CTL_ADD, memwell_fd(g_mw), &ev));
	pid = t_fork(burst_consumer, NULL);
	REQUIRE(pid > 0);
	while (seq < g_n) {
		__u64 quota = et ? ~0ULL : 1 + t_rand_r(&rnd) % 16, put = 0;

		while (put < quota && seq < g_n) {
			int err = write_rec(seq);

			if (err == -EAGAIN)
				break;
			if (err) {
				t_diag("write: %d", err);
				goto err;
			}
			seq++;
			put++;
		}
		if (seq == g_n)
			break;
		if (!put)
			empty++;
		do
			n = epoll_wait(ep, &ev, 1, STALL_MS);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			t_diag("epoll_wait: %s", strerror(errno));
			goto err;
		}
		if (n == 0) {
			ep_stall(et ? "et producer" : "lt producer", seq);
			goto err;
		}
		wakeups++;
		if (!(ev.events & EPOLLOUT) || (ev.events & (EPOLLERR | EPOLLHUP))) {
			t_diag("epoll events %#x", ev.events);
			goto err;
		}
	}
	return ep_report(ep, pid, wakeups, empty, start);
err:
	t_kill(pid);
	return T_FAIL;
}

static int case_lt_read(void)
{
	return ep_read(0);
}

static int case_et_read(void)
{
	return ep_read(1);
}

static int case_lt_write(void)
{
	return ep_write(0);
}

static int case_et_write(void)
{
	return ep_write(1);
}

/* Ping-pong over two rings, both sides sleeping in edge-triggered epoll. */
#define PP_ROUNDS	1000UL

static struct memwell *g_req, *g_rsp;

/* Read the one expected value, draining to -EAGAIN before each sleep. */
static int et_recv(int ep, struct memwell *mw, __u64 expect)
{
	struct epoll_event ev;
	__u64 v = ~0ULL;
	long n;
	int k;

	while ((n = memwell_rec_read(memwell_get_ring(mw), &v, sizeof(v))) == -EAGAIN) {
		do
			k = epoll_wait(ep, &ev, 1, STALL_MS);
		while (k < 0 && errno == EINTR);
		if (k <= 0) {
			t_diag("ping-pong: epoll_wait %d (%s) waiting for %llu: lost wakeup?",
			       k, k ? strerror(errno) : "timeout",
			       (unsigned long long)expect);
			return -1;
		}
	}
	if (n != sizeof(v) || v != expect) {
		t_diag("ping-pong: got %ld bytes, %llu, expected %llu", n,
		       (unsigned long long)v, (unsigned long long)expect);
		return -1;
	}
	return 0;
}

static int et_ep(struct memwell *mw)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, memwell_fd(mw), &ev)) {
		t_diag("epoll: %s", strerror(errno));
		return -1;
	}
	return ep;
}

static int pp_child(void *arg)
{
	unsigned long i, n = *(unsigned long *)arg;
	int ep = et_ep(g_req);

	if (ep < 0)
		return T_FAIL;
	for (i = 0; i < n; i++) {
		__u64 v = ~i;

		if (et_recv(ep, g_req, i) ||
		    memwell_rec_write(memwell_get_ring(g_rsp), &v, sizeof(v)))
			return T_FAIL;
	}
	return T_PASS;
}

static int case_et_pingpong(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
		.count_shift = 6,
	};
	unsigned long i, n = t_scaled(PP_ROUNDS);
	double t = t_now();
	int ep;
	pid_t pid;

	REQUIRE_EQ(memwell_create_dev(&o, &g_req), 0);
	REQUIRE_EQ(memwell_create_dev(&o, &g_rsp), 0);
	REQUIRE((ep = et_ep(g_rsp)) >= 0);
	REQUIRE((pid = t_fork(pp_child, &n)) > 0);
	for (i = 0; i < n; i++) {
		__u64 v = i;

		if (memwell_rec_write(memwell_get_ring(g_req), &v, sizeof(v)) ||
		    et_recv(ep, g_rsp, ~i)) {
			t_kill(pid);
			return T_FAIL;
		}
	}
	REQUIRE_EQ(t_reap(pid, "child"), T_PASS);
	t_diag("%lu round trips in %.2f s", n, t_now() - t);
	memwell_close(g_req);
	memwell_close(g_rsp);
	close(ep);
	return T_PASS;
}

T_MAIN(
	T_RCASE(lt_read), T_RCASE(et_read), T_RCASE(lt_write), T_RCASE(et_write),
	T_RCASE(et_pingpong))
