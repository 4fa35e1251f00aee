// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Kernel-to-user streaming from the gen source (memwell_gen.ko): a user consumer
 * in an epoll loop verifies every record (per-producer sequence, checksum)
 * from producers in each context (kthread, timer softirq, hrtimer
 * hardirq), until EPOLLHUP says the source made its count and detached.
 * Drops on a ring nobody drains are visible in the header page, through
 * MEMWELL_IOC_STATS and as MEMWELL_REC_LOST records.
 *
 * memwell_gen.ko warns (and the VM run fails) if a timer producer does not
 * run in softirq context or an hrtimer one in hardirq context; on
 * PREEMPT_RT the softirq and hardirq cases say what those contexts are
 * there.
 */
#include "stream.h"

#include <sys/utsname.h>

#define GEN_COUNT	1500
#define GEN_SIZE	100

static int stream_epoll(__u32 ctx, __u32 producers, __u64 rate)
{
	struct st_ring sr;
	struct st_check c = { { 0 }, 0, 0, 0, 0, 0, 0 };
	struct memwell_ring_stats st;
	struct epoll_event ev = { .events = EPOLLIN };
	double end = t_now() + 40;
	int ep, hup = 0, sleeps = 0;
	__u32 i;

	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD |
			   MEMWELL_F_PROD_MULTI, 7, 10, NULL), 0);
	REQUIRE_OK(ep = epoll_create1(EPOLL_CLOEXEC));
	REQUIRE_OK(epoll_ctl(ep, EPOLL_CTL_ADD, sr.fd, &ev));
	REQUIRE_OK(st_attach(&sr, MEMWELL_SRC_GEN, ctx, producers, GEN_SIZE,
			     GEN_COUNT, rate));
	while (!hup && t_now() < end) {
		long n = st_drain(&sr, &c);

		REQUIRE(n >= 0);
		if (n)
			continue;
		n = epoll_wait(ep, &ev, 1, 5000);
		REQUIRE(n >= 0 || errno == EINTR);
		sleeps++;
		if (n > 0 && (ev.events & EPOLLHUP)) {
			hup = 1;
			REQUIRE(st_drain(&sr, &c) >= 0);
		}
	}
	REQUIRE(hup);
	REQUIRE_OK(st_stats(&sr, &st));
	t_diag("context %u: %llu records, %llu dropped, %llu wakeups, %d sleeps",
	       ctx, (unsigned long long)c.records, (unsigned long long)st.dropped,
	       (unsigned long long)st.wakeups, sleeps);
	REQUIRE_EQ(c.bad, 0);
	for (i = 0; i < producers; i++)
		REQUIRE_EQ(c.next[i] + (c.next[i] < GEN_COUNT ? GEN_COUNT - c.next[i] : 0),
			   GEN_COUNT);
	REQUIRE_EQ(c.records, st.produced);
	REQUIRE_EQ(c.records + st.dropped, (__u64)producers * GEN_COUNT);
	REQUIRE(c.lost_recs <= st.dropped);
	REQUIRE_EQ(st.producers, 0);
	/*
	 * Adaptive wake-ups: only for a consumer that announced sleep, never
	 * one per record.  The library announces on every empty look (H),
	 * and a look that then finds records does not sleep, so wake-ups
	 * follow empty looks, not sleeps: the bound is per record.
	 */
	REQUIRE(st.wakeups < c.records);
	REQUIRE_EQ(st_hdr_stats(&sr)->produced, st.produced);
	REQUIRE_OK(ioctl(sr.fd, MEMWELL_IOC_DETACH));
	close(ep);
	st_close(&sr);
	return T_PASS;
}

/* The kernel is PREEMPT_RT (uname -v says so, as for SMP and PREEMPT). */
static int st_preempt_rt(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, " PREEMPT_RT ") != NULL;
}

static int case_kthread(void)
{
	return stream_epoll(MEMWELL_CTX_KTHREAD, 2, 5000);
}

static int case_softirq(void)
{
	if (st_preempt_rt())
		t_diag("PREEMPT_RT: softirqs run in threads, so this is a timer run by a softirq thread, ktimers/N on Debian's 6.1 (BH disabled, preemptible); softirq in interrupt context does not exist here");
	return stream_epoll(MEMWELL_CTX_SOFTIRQ, 2, 5000);
}

static int case_hardirq(void)
{
	if (st_preempt_rt())
		t_diag("PREEMPT_RT: a _HARD hrtimer, still in hard interrupt context (memwell_gen checks in_hardirq())");
	return stream_epoll(MEMWELL_CTX_HARDIRQ, 2, 5000);
}

static int case_flat_out(void)
{
	return stream_epoll(MEMWELL_CTX_KTHREAD, 1, 0);
}

/* Nobody drains: the ring fills, the rest is dropped and counted. */
static int case_drops(void)
{
	struct st_ring sr;
	struct st_check c = { { 0 }, 0, 0, 0, 0, 0, 0 };
	struct memwell_ring_stats st;
	struct pollfd pfd;
	double end = t_now() + 30;
	__u64 tail;

	/* 64 blocks of 128 bytes: 64 records of 100 bytes. */
	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 7, 6,
			   NULL), 0);
	REQUIRE_OK(st_attach(&sr, MEMWELL_SRC_GEN, MEMWELL_CTX_SOFTIRQ, 1,
			     GEN_SIZE, 300, 0));
	do {
		pfd.fd = sr.fd;
		pfd.events = POLLIN;
		usleep(20000);
		REQUIRE_OK(poll(&pfd, 1, 0));
	} while (!(pfd.revents & POLLHUP) && t_now() < end);
	REQUIRE(pfd.revents & POLLHUP);
	REQUIRE_OK(st_stats(&sr, &st));
	REQUIRE_EQ(st.produced, 64);
	REQUIRE_EQ(st.dropped, 300 - 64);
	REQUIRE_EQ(st.dropped_bytes, (300 - 64) * GEN_SIZE);
	REQUIRE_EQ(st_hdr_stats(&sr)->dropped, st.dropped);
	REQUIRE_EQ(st_hdr_stats(&sr)->dropped_bytes, st.dropped_bytes);
	REQUIRE_EQ(st_drain(&sr, &c), 64);
	REQUIRE_EQ(c.bad, 0);
	REQUIRE_EQ(c.gaps, 0);
	st_close(&sr);

	/* Drained now and then: LOST records tell what went missing where. */
	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 7, 6,
			   NULL), 0);
	memset(&c, 0, sizeof(c));
	REQUIRE_OK(st_attach(&sr, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 1,
			     GEN_SIZE, 2000, 0));
	end = t_now() + 30;
	do {
		pfd.fd = sr.fd;
		pfd.events = POLLIN;
		usleep(5000);
		REQUIRE(st_drain(&sr, &c) >= 0);
		REQUIRE_OK(poll(&pfd, 1, 0));
	} while (!(pfd.revents & POLLHUP) && t_now() < end);
	REQUIRE(st_drain(&sr, &c) >= 0);
	REQUIRE_OK(st_stats(&sr, &st));
	tail = 2000 - c.next[0];
	t_diag("%llu records, %llu dropped (%llu after the last record delivered), %llu reported lost",
	       (unsigned long long)c.records, (unsigned long long)st.dropped,
	       (unsigned long long)tail, (unsigned long long)c.lost_recs);
	REQUIRE_EQ(c.bad, 0);
	REQUIRE(st.dropped > 0);
	REQUIRE(c.lost_recs > 0);
	REQUIRE_EQ(c.records + st.dropped, 2000);
	REQUIRE_EQ(st.dropped, c.gaps + tail);
	/* Every drop before a delivered record was reported before it. */
	REQUIRE_EQ(c.late, 0);
	REQUIRE(c.gaps <= c.lost_recs);
	/*
	 * Drops after the last record delivered are reported when the
	 * producer detaches, if the ring has room for the report, or not.
	 */
	REQUIRE(c.lost_recs <= c.gaps + tail);
	st_close(&sr);
	return T_PASS;
}

T_MAIN(
	T_RCASE(kthread), T_RCASE(softirq), T_RCASE(hardirq), T_RCASE(flat_out),
	T_RCASE(drops))
