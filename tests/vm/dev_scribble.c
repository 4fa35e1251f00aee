// SPDX-License-Identifier: GPL-2.0
/*
 * Scribblers: a process writes random and extreme values over every page of
 * a ring it may write (positions, limit caches, waiters words, release
 * marks, record headers) while kernel producers or consumers run on it, and
 * polls and reads the statistics meanwhile.  The kernel must treat all of
 * it as hostile: it may drop records, count errors or return -EIO, never
 * touch memory outside the ring, never hang, and stop cleanly.  Then the
 * scribbler restores consistent positions and the ring carries records
 * again.  Kernel reports (KASAN, lockdep, WARNING, ...) fail the VM run.
 *
 *   scribble_kthread, scribble_hardirq   gen producers, the consumer side scribbled
 *   scribble_sink                        a sink consumer, the producer side and data scribbled
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/ioctl.h>

#include "harness.h"
#include "memwell_gen.h"
#include "memwell_sink.h"

#define SC_WRITES	1000000UL

static __u64 sc_value(__u64 *s, __u64 near)
{
	switch (t_rand_r(s) % 8) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return near + (t_rand_r(s) % 64) - 32;	/* plausible positions */
	case 3: return near + (1ULL << (t_rand_r(s) % 64));
	case 4: return 1ULL << (t_rand_r(s) % 64);
	case 5: return 0x8000000000000000ULL;
	default: return t_rand_r(s);
	}
}

/*
 * Scribble over the control area of side @s (the side struct and its
 * marks) and, if @data, the data: @n writes, polling and reading the
 * statistics as a monitoring process would.
 */
static int sc_storm(struct memwell *mw, unsigned int s, int data, __u64 seed,
		    unsigned long n)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	__u64 *side = (__u64 *)r->side[s];
	__u64 *marks = r->marks[s];
	__u64 near = __atomic_load_n(&r->side[MEMWELL_SIDE_PEER(s)]->release_pos,
				     __ATOMIC_RELAXED);
	__u64 data_words = (r->count << r->block_shift) / 8;
	struct memwell_ring_stats st;
	unsigned long i;
	uint64_t mix = seed;
	__u64 rs = t_splitmix(&mix) | 1;

	for (i = 0; i < n; i++) {
		__u64 what = t_rand_r(&rs) % 16;
		__u64 *w;

		if (what < 8)
			w = &side[t_rand_r(&rs) % (MEMWELL_SIDE_SIZE / 8)];
		else if (what < 12 && marks)
			w = &marks[t_rand_r(&rs) % r->count];
		else if (what < 15 && data)
			w = &((__u64 *)r->data)[t_rand_r(&rs) % data_words];
		else
			w = &side[t_rand_r(&rs) % 2 ? 0 : 16];	/* reserve/release */
		__atomic_store_n(w, sc_value(&rs, near), __ATOMIC_RELAXED);
		if (!(i % 256)) {
			struct pollfd p = { .fd = memwell_fd(mw),
					    .events = POLLIN | POLLOUT };

			REQUIRE(poll(&p, 1, 0) >= 0);
			REQUIRE_EQ(memwell_get_stats(mw, &st), 0);
			near = __atomic_load_n(&r->side[MEMWELL_SIDE_PEER(s)]->release_pos,
					       __ATOMIC_RELAXED);
		}
	}
	return T_PASS;
}

/* Consistent positions again: side @s caught up with what its peer released. */
static void sc_restore(struct memwell_ring *r, unsigned int s)
{
	struct memwell_side *side = r->side[s];
	__u64 peer = __atomic_load_n(&r->side[MEMWELL_SIDE_PEER(s)]->release_pos,
				     __ATOMIC_ACQUIRE);
	__u64 i;

	if (s == MEMWELL_SIDE_PROD)
		peer += r->count;	/* producers may fill what consumers freed */
	if (r->marks[s])
		for (i = 0; i < r->count; i++)
			r->marks[s][i] = 0;
	__atomic_store_n(&side->limit_cache, peer, __ATOMIC_RELAXED);
	if (s == MEMWELL_SIDE_PROD)
		peer -= r->count;
	__atomic_store_n(&side->reserve_pos, peer, __ATOMIC_RELAXED);
	__atomic_store_n(&side->waiters, 0U, __ATOMIC_RELAXED);
	__atomic_store_n(&side->release_pos, peer, __ATOMIC_RELEASE);
}

/* Kernel producers stream while the consumer side is scribbled. */
static int sc_kernel_prod(__u32 ctx, __u32 producers)
{
	struct memwell_opts o = {
		.size = sizeof(o), .block_shift = 6, .count_shift = 8,
		.flags = MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD |
			 MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI,
	};
	struct memwell_source src = {
		.size = sizeof(src), .kind = MEMWELL_SRC_GEN, .context = ctx,
		.producers = producers, .record_size = 48, .rate = 20000,
	};
	struct memwell_ring_stats st;
	struct memwell_rec rec;
	struct memwell *mw;
	struct memwell_ring *r;
	int got = 0, i;

	REQUIRE_EQ(memwell_create_dev(&o, &mw), 0);
	r = memwell_get_ring(mw);
	REQUIRE_OK(ioctl(memwell_fd(mw), MEMWELL_IOC_ATTACH, &src));
	REQUIRE_EQ(sc_storm(mw, MEMWELL_SIDE_CONS, 0, (__u64)time(NULL),
			    t_scaled(SC_WRITES)), T_PASS);
	/* What the core makes of the garbage: an error or a record, no crash. */
	for (i = 0; i < 64; i++)
		if (!memwell_rec_peek(r, &rec))
			memwell_rec_release(r, &rec);
	sc_restore(r, MEMWELL_SIDE_CONS);
	/* The producers carry on into the restored ring. */
	for (i = 0; i < 2000 && got < 16; i++) {
		int err = memwell_rec_peek(r, &rec);

		if (!err) {
			got++;
			REQUIRE_EQ(memwell_rec_release(r, &rec), 0);
		} else {
			REQUIRE(err == -EAGAIN || err == -EBUSY);
			usleep(1000);
		}
	}
	REQUIRE(got >= 16);
	REQUIRE_OK(ioctl(memwell_fd(mw), MEMWELL_IOC_DETACH));
	REQUIRE_EQ(memwell_get_stats(mw, &st), 0);
	REQUIRE_EQ(st.producers, 0);
	t_diag("produced %llu, dropped %llu", (unsigned long long)st.produced,
		 (unsigned long long)st.dropped);
	memwell_close(mw);
	return T_PASS;
}

static int case_scribble_kthread(void)
{
	return sc_kernel_prod(MEMWELL_CTX_KTHREAD, 2);
}

static int case_scribble_hardirq(void)
{
	return sc_kernel_prod(MEMWELL_CTX_HARDIRQ, 2);
}

/* A kernel consumer runs while the producer side and the data are scribbled. */
static int case_scribble_sink(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .block_shift = 6, .count_shift = 8,
		.flags = MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_CONS |
			 MEMWELL_F_PROD_MULTI,
	};
	struct memwell_source src = { .size = sizeof(src), .kind = MEMWELL_SRC_SINK };
	struct memwell_ring_stats st;
	struct memwell *mw;
	struct memwell_ring *r;
	__u64 before;
	double end;
	int i;

	REQUIRE_EQ(memwell_create_dev(&o, &mw), 0);
	r = memwell_get_ring(mw);
	REQUIRE_OK(ioctl(memwell_fd(mw), MEMWELL_IOC_ATTACH, &src));
	REQUIRE_EQ(sc_storm(mw, MEMWELL_SIDE_PROD, 1, (__u64)time(NULL) + 1,
			    t_scaled(SC_WRITES)), T_PASS);
	sc_restore(r, MEMWELL_SIDE_PROD);
	/* The sink consumes again: records it releases are counted. */
	REQUIRE_EQ(memwell_get_stats(mw, &st), 0);
	before = st.consumed + st.errors;
	for (i = 0; i < 32; i++) {
		struct memwell_gen_rec h = { .seq = (__u64)i, .producer = 200 };

		end = t_now() + 5;
		while (memwell_rec_write(r, &h, sizeof(h)) && t_now() < end)
			usleep(1000);
	}
	end = t_now() + 5;
	do {
		REQUIRE_EQ(memwell_get_stats(mw, &st), 0);
	} while (st.consumed + st.errors < before + 32 && t_now() < end &&
		 !usleep(1000));
	REQUIRE(st.consumed + st.errors >= before + 32);
	REQUIRE_OK(ioctl(memwell_fd(mw), MEMWELL_IOC_DETACH));
	memwell_close(mw);
	return T_PASS;
}

static const struct t_case cases[] = {
	T_RCASE(scribble_kthread), T_RCASE(scribble_hardirq), T_RCASE(scribble_sink)
};

int main(int argc, char **argv)
{
	if (geteuid()) {
		/* Kernel sources need privileges: this suite runs as root. */
		printf("1..0 # SKIP not root\n");
		return 0;
	}
	return t_main(cases, T_ARRAY_SIZE(cases), argc, argv);
}
