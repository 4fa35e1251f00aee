// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Two processes exchange records through a /dev/memwell ring and sleep in
 * poll() whenever the ring is empty (consumer) or full (producer).  Every
 * record's sequence number and every payload byte are checked, and both
 * sides' checksums of the whole stream must agree.  A 5 s wait with no
 * progress is reported as a lost wakeup.
 *
 *   fork        the child inherits the ring (fd and mapping) and consumes
 *   scm_rights  the child gets only the fd (SCM_RIGHTS), maps it itself and
 *               produces; the parent consumes with a bare poll() loop
 *
 * Records span 1 to 5 blocks, so they wrap through the double mapping.
 *   blocks      a raw-blocks ring (no records), spans of 1..64 blocks
 *   pingpong    request/response over two rings: a sleep and a kick per
 *               message, each sleep entered as the peer is about to wake it
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/socket.h>

#include "harness.h"

#define XFER_RECORDS	40000UL
#define XFER_MAX_LEN	300U
#define XFER_END	UINT64_MAX
#define STALL_MS	5000

struct xfer_result {
	__u64 records;
	__u64 sum;
	__u64 sleeps;
	__u64 kicks;
	int failed;
};

static __u64 xfer_len(__u64 seq)
{
	return 8 + t_mix(seq ^ 0x5eed) % (XFER_MAX_LEN - 7);
}

/*
 * Sleep until @blocks are ready for @events, in memwell_wait_blocks() or
 * in a bare poll() (consumers only: poll() reports one free block as
 * writable, so a producer of larger records would spin in it).
 */
static int xfer_sleep(struct memwell *mw, int events, __u64 blocks, int bare,
		      __u64 *sleeps)
{
	int n;

	(*sleeps)++;
	if (!bare) {
		do
			n = memwell_wait_blocks(mw, events, blocks, STALL_MS);
		while (n == -EINTR);
	} else {
		struct pollfd p = {
			.fd = memwell_fd(mw),
			.events = (short)((events & MEMWELL_WAIT_READ ? POLLIN : 0) |
					  (events & MEMWELL_WAIT_WRITE ? POLLOUT : 0)),
		};

		do
			n = poll(&p, 1, STALL_MS);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			n = -errno;
	}
	if (n == 0) {
		struct memwell_ring *r = memwell_get_ring(mw);

		t_diag("lost wakeup? %s waited %d ms: ready %llu free %llu "
		       "waiters prod %u cons %u",
		       events & MEMWELL_WAIT_READ ? "consumer" : "producer",
		       STALL_MS, (unsigned long long)memwell_ready_blocks(r),
		       (unsigned long long)memwell_free_blocks(r),
		       r->side[MEMWELL_SIDE_PROD]->waiters,
		       r->side[MEMWELL_SIDE_CONS]->waiters);
		return -ETIMEDOUT;
	}
	return n < 0 ? n : 0;
}

static int xfer_produce(struct memwell *mw, unsigned long n,
			struct xfer_result *res)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	__u64 seq = 0, sum = T_FNV_INIT;
	struct memwell_io_stats st;

	while (seq <= n) {
		int last = seq == n;
		__u64 len = last ? 8 : xfer_len(seq);
		__u64 id = last ? XFER_END : seq;
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
		int err = memwell_rec_reserve(r, len, &rec);

		if (err == -EAGAIN) {
			err = xfer_sleep(mw, MEMWELL_WAIT_WRITE,
					 memwell_rec_blocks(r, len), 0, &res->sleeps);
			if (err) {
				t_diag("producer wait at %llu: %d", (unsigned long long)seq, err);
				return T_FAIL;
			}
			continue;
		}
		if (err) {
			t_diag("producer reserve at %llu: %d", (unsigned long long)seq, err);
			return T_FAIL;
		}
		memcpy(rec.data, &id, 8);
		t_fill((char *)rec.data + 8, len - 8, id);
		if (!last)
			sum = t_fnv(sum, rec.data, len);
		err = memwell_rec_commit(r, &rec);
		if (err) {
			t_diag("commit: %d", err);
			return T_FAIL;
		}
		seq++;
	}
	res->records = n;
	res->sum = sum;
	memwell_get_io_stats(mw, &st, sizeof(st));
	res->kicks = st.kicks;
	return T_PASS;
}

static int xfer_consume(struct memwell *mw, int bare, struct xfer_result *res)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	__u64 expect = 0, sum = T_FNV_INIT;
	struct memwell_io_stats st;

	for (;;) {
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
		__u64 id;
		int err = memwell_rec_peek(r, &rec);

		if (err == -EAGAIN) {
			err = xfer_sleep(mw, MEMWELL_WAIT_READ, 1, bare, &res->sleeps);
			if (err) {
				t_diag("consumer wait at %llu: %d", (unsigned long long)expect, err);
				return T_FAIL;
			}
			continue;
		}
		if (err) {
			t_diag("consumer peek at %llu: %d", (unsigned long long)expect, err);
			return T_FAIL;
		}
		if (rec.len < 8) {
			t_diag("record %llu: length %u", (unsigned long long)expect, rec.len);
			return T_FAIL;
		}
		memcpy(&id, rec.data, 8);
		if (id == XFER_END) {
			memwell_rec_release(r, &rec);
			break;
		}
		if (id != expect || rec.len != xfer_len(id) ||
		    !t_check((char *)rec.data + 8, rec.len - 8, id)) {
			t_diag("record %llu: got id %llu len %u (want %llu), payload %s",
			       (unsigned long long)expect, (unsigned long long)id,
			       rec.len, (unsigned long long)xfer_len(expect),
			       !t_check((char *)rec.data + 8, rec.len - 8, id) ?
			       "corrupt" : "ok");
			return T_FAIL;
		}
		sum = t_fnv(sum, rec.data, rec.len);
		if (memwell_rec_release(r, &rec)) {
			t_diag("release failed");
			return T_FAIL;
		}
		expect++;
	}
	res->records = expect;
	res->sum = sum;
	memwell_get_io_stats(mw, &st, sizeof(st));
	res->kicks = st.kicks;
	return T_PASS;
}

static int xfer_compare(const struct xfer_result *p, const struct xfer_result *c)
{
	t_diag("%llu records; producer slept %llu times, kicked %llu; "
	       "consumer slept %llu times, kicked %llu",
	       (unsigned long long)p->records, (unsigned long long)p->sleeps,
	       (unsigned long long)p->kicks, (unsigned long long)c->sleeps,
	       (unsigned long long)c->kicks);
	REQUIRE_EQ(c->records, p->records);
	if (c->sum != p->sum) {
		t_diag("checksum: consumer %016llx producer %016llx",
		       (unsigned long long)c->sum, (unsigned long long)p->sum);
		return T_FAIL;
	}
	return T_PASS;
}

static struct memwell *xfer_ring(__u32 flags, __u32 block_shift, __u32 count_shift)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = flags,
		.block_shift = block_shift, .count_shift = count_shift,
	};
	struct memwell *mw = NULL;
	int err = memwell_create_dev(&o, &mw);

	if (err)
		t_diag("memwell_create_dev: %d (%s)", err, strerror(-err));
	return err ? NULL : mw;
}

static struct memwell *g_mw;
static struct xfer_result *g_res;

static int fork_consumer(void *arg)
{
	(void)arg;
	/* The child uses the parent's handle as it is: fd and mapping inherited. */
	return xfer_consume(g_mw, 0, &g_res[1]);
}

static int case_fork(void)
{
	unsigned long n = t_scaled(XFER_RECORDS);
	pid_t pid;
	int rc;

	g_mw = xfer_ring(MEMWELL_F_RECORDS, 6, 10);	/* 64 KiB */
	REQUIRE(g_mw);
	g_res = t_shared(2 * sizeof(*g_res));
	pid = t_fork(fork_consumer, NULL);
	REQUIRE(pid > 0);
	rc = xfer_produce(g_mw, n, &g_res[0]);
	if (rc) {
		t_kill(pid);
		return rc;
	}
	REQUIRE_EQ(t_reap(pid, "consumer"), T_PASS);
	rc = xfer_compare(&g_res[0], &g_res[1]);
	memwell_close(g_mw);
	return rc;
}

static int g_sock;

static int scm_producer(void *arg)
{
	struct memwell *mw;
	int fd, err;

	(void)arg;
	fd = memwell_recv_fd(g_sock);
	if (fd < 0) {
		t_diag("recv_fd: %d", fd);
		return T_FAIL;
	}
	/* The generic attach recognises a device fd. */
	err = memwell_attach_fd(fd, &mw);
	if (err) {
		t_diag("memwell_attach_fd: %d", err);
		return T_FAIL;
	}
	err = xfer_produce(mw, t_scaled(XFER_RECORDS), &g_res[0]);
	memwell_close(mw);
	return err;
}

static int case_scm_rights(void)
{
	struct memwell *mw;
	int sv[2], rc;
	pid_t pid;

	g_res = t_shared(2 * sizeof(*g_res));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		if (errno == ENOSYS || errno == EAFNOSUPPORT) {
			t_diag("no AF_UNIX sockets in this kernel (CONFIG_UNIX)");
			return T_SKIPPED;
		}
		t_diag("socketpair: %s", strerror(errno));
		return T_FAIL;
	}
	g_sock = sv[1];
	/* The child exists before the ring: it can only get it by its fd. */
	pid = t_fork(scm_producer, NULL);
	REQUIRE(pid > 0);
	close(sv[1]);
	mw = xfer_ring(MEMWELL_F_RECORDS, 5, 9);	/* 16 KiB */
	if (!mw) {
		t_kill(pid);
		return T_FAIL;
	}
	rc = memwell_send_fd(sv[0], memwell_fd(mw));
	if (rc) {
		t_diag("send_fd: %d", rc);
		t_kill(pid);
		return T_FAIL;
	}
	rc = xfer_consume(mw, 1, &g_res[1]);
	if (rc) {
		t_kill(pid);
		return rc;
	}
	REQUIRE_EQ(t_reap(pid, "producer"), T_PASS);
	rc = xfer_compare(&g_res[0], &g_res[1]);
	memwell_close(mw);
	close(sv[0]);
	return rc;
}

/* Raw blocks: word i of block p holds p * 8 + i (block_shift 4: 2 words). */
#define BLK_SHIFT	4
#define BLK_WORDS	((1U << BLK_SHIFT) / 8)

static int blocks_consumer(void *arg)
{
	unsigned long total = *(unsigned long *)arg;
	struct memwell_ring *r = memwell_get_ring(g_mw);
	__u64 seed = 7, got = 0, sum = T_FNV_INIT;

	while (got < total) {
		struct memwell_span sp = { 0, 0 };
		__u64 i, w;
		int n = memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1 + t_rand_r(&seed) % 64, &sp);

		if (n == -EAGAIN) {
			if (xfer_sleep(g_mw, MEMWELL_WAIT_READ, 1, 0, &g_res[1].sleeps))
				return T_FAIL;
			continue;
		}
		if (n < 0) {
			t_diag("consumer reserve: %d", n);
			return T_FAIL;
		}
		if (sp.pos != got) {
			t_diag("consumer span at %llu, expected %llu",
			       (unsigned long long)sp.pos, (unsigned long long)got);
			return T_FAIL;
		}
		for (i = 0; i < sp.n; i++) {
			const __u64 *b = memwell_block(r, sp.pos + i);

			for (w = 0; w < BLK_WORDS; w++) {
				if (b[w] != (sp.pos + i) * 8 + w) {
					t_diag("block %llu word %llu: %llx",
					       (unsigned long long)(sp.pos + i),
					       (unsigned long long)w,
					       (unsigned long long)b[w]);
					return T_FAIL;
				}
			}
			sum = t_fnv(sum, b, 1U << BLK_SHIFT);
		}
		if (memwell_release(r, MEMWELL_SIDE_CONS, &sp))
			return T_FAIL;
		got += sp.n;
	}
	g_res[1].records = got;
	g_res[1].sum = sum;
	{
		struct memwell_io_stats st;

		memwell_get_io_stats(g_mw, &st, sizeof(st));
		g_res[1].kicks = st.kicks;
	}
	return T_PASS;
}

static int case_blocks(void)
{
	unsigned long total = t_scaled(XFER_RECORDS) * 4;
	__u64 seed = 3, put = 0, sum = T_FNV_INIT;
	struct memwell_ring *r;
	pid_t pid;

	g_mw = xfer_ring(0, BLK_SHIFT, 10);	/* 16 KiB of 16-byte blocks */
	REQUIRE(g_mw);
	r = memwell_get_ring(g_mw);
	REQUIRE(!(r->flags & MEMWELL_F_RECORDS));
	g_res = t_shared(2 * sizeof(*g_res));
	pid = t_fork(blocks_consumer, &total);
	REQUIRE(pid > 0);
	while (put < total) {
		struct memwell_span sp = { 0, 0 };
		__u64 want = 1 + t_rand_r(&seed) % 64, i, w;
		int n;

		if (want > total - put)
			want = total - put;
		n = memwell_reserve(r, MEMWELL_SIDE_PROD, 1, want, &sp);
		if (n == -EAGAIN) {
			if (xfer_sleep(g_mw, MEMWELL_WAIT_WRITE, 1, 0, &g_res[0].sleeps)) {
				t_kill(pid);
				return T_FAIL;
			}
			continue;
		}
		if (n < 0) {
			t_diag("producer reserve: %d", n);
			t_kill(pid);
			return T_FAIL;
		}
		for (i = 0; i < sp.n; i++) {
			__u64 *b = memwell_block(r, sp.pos + i);

			for (w = 0; w < BLK_WORDS; w++)
				b[w] = (sp.pos + i) * 8 + w;
			sum = t_fnv(sum, b, 1U << BLK_SHIFT);
		}
		if (memwell_release(r, MEMWELL_SIDE_PROD, &sp)) {
			t_kill(pid);
			return T_FAIL;
		}
		put += sp.n;
	}
	g_res[0].records = put;
	g_res[0].sum = sum;
	{
		struct memwell_io_stats st;

		memwell_get_io_stats(g_mw, &st, sizeof(st));
		g_res[0].kicks = st.kicks;
	}
	REQUIRE_EQ(t_reap(pid, "consumer"), T_PASS);
	return xfer_compare(&g_res[0], &g_res[1]);
}

/*
 * Ping-pong over two rings: every message makes the receiver go to sleep
 * right as the sender is about to release, the worst case for a lost
 * wakeup (each round trip: two sleeps, two kicks).
 */
#define PINGPONG_ROUNDS	1000UL

static struct memwell *g_req, *g_rsp;

static int pp_recv(struct memwell *mw, __u64 expect, __u64 *sleeps)
{
	__u64 v = ~0ULL;
	long n;

	while ((n = memwell_rec_read(memwell_get_ring(mw), &v, sizeof(v))) == -EAGAIN)
		if (xfer_sleep(mw, MEMWELL_WAIT_READ, 1, 0, sleeps))
			return -1;
	if (n != sizeof(v) || v != expect) {
		t_diag("ping-pong: got %ld bytes, value %llu, expected %llu", n,
		       (unsigned long long)v, (unsigned long long)expect);
		return -1;
	}
	return 0;
}

static int pp_send(struct memwell *mw, __u64 v)
{
	int err = memwell_rec_write(memwell_get_ring(mw), &v, sizeof(v));

	if (err)
		t_diag("ping-pong: write %d", err);	/* never full: one in flight */
	return err;
}

static int pp_child(void *arg)
{
	unsigned long i, n = *(unsigned long *)arg;

	for (i = 0; i < n; i++)
		if (pp_recv(g_req, i, &g_res[1].sleeps) || pp_send(g_rsp, ~i))
			return T_FAIL;
	return T_PASS;
}

static int case_pingpong(void)
{
	unsigned long i, n = t_scaled(PINGPONG_ROUNDS);
	struct memwell_io_stats a, b;
	double t = t_now();
	pid_t pid;

	g_res = t_shared(2 * sizeof(*g_res));
	REQUIRE((g_req = xfer_ring(MEMWELL_F_RECORDS, 6, 6)));
	REQUIRE((g_rsp = xfer_ring(MEMWELL_F_RECORDS, 6, 6)));
	REQUIRE((pid = t_fork(pp_child, &n)) > 0);
	for (i = 0; i < n; i++) {
		if (pp_send(g_req, i) || pp_recv(g_rsp, ~i, &g_res[0].sleeps)) {
			t_kill(pid);
			return T_FAIL;
		}
	}
	REQUIRE_EQ(t_reap(pid, "child"), T_PASS);
	memwell_get_io_stats(g_req, &a, sizeof(a));
	memwell_get_io_stats(g_rsp, &b, sizeof(b));
	t_diag("%lu round trips in %.2f s (%.1f us each); parent slept %llu times, "
	       "child %llu; parent's kicks %llu, waits %llu",
	       n, t_now() - t, (t_now() - t) * 1e6 / (double)n,
	       (unsigned long long)g_res[0].sleeps, (unsigned long long)g_res[1].sleeps,
	       (unsigned long long)(a.kicks + b.kicks),
	       (unsigned long long)(a.waits + b.waits));
	memwell_close(g_req);
	memwell_close(g_rsp);
	return T_PASS;
}

T_MAIN(
	T_RCASE(fork), T_RCASE(scm_rights), T_RCASE(blocks), T_RCASE(pingpong))
