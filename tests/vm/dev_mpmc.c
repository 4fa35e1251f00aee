// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * MPMC stress through a /dev/memwell ring: two producer processes and two
 * consumer processes (2P2C) on a multi-producer, multi-consumer records
 * ring, all sleeping in poll() when the ring is full or empty.
 *
 * Producers write records {producer, sequence, payload derived from both},
 * alternating single records and batches (whose unused tails become padding
 * records).  Consumers alternate memwell_rec_peek() and batch takes and
 * check every payload byte, that each producer's sequence only grows as
 * seen by one consumer (positions only grow, on both sides), and mark each
 * (producer, sequence) in a shared bitmap: a mark already set is a
 * duplicate; at the end every mark must be set (no loss).  Then each
 * consumer is stopped by one STOP record.
 */
#define _GNU_SOURCE
#include "harness.h"

#define NPROD		2
#define NCONS		2
#define MPMC_RECORDS	150000UL	/* per producer */
#define REC_MIN		16U
#define REC_MAX		72U
#define STOP_ID		0xffffffffU
#define STALL_MS	5000

struct mpmc_rec {
	__u32 prod;
	__u32 len;
	__u64 seq;
};

struct mpmc_shared {
	__u64 consumed[NCONS];
	__u64 sleeps[NPROD + NCONS];
	__u64 busy[NPROD + NCONS];
	__u64 kicks[NPROD + NCONS];
	__u64 bitmap[];			/* NPROD * words */
};

static struct memwell *g_mw;
static struct mpmc_shared *g_sh;
static unsigned long g_n;
static unsigned long g_words;

static __u32 rec_len(__u32 prod, __u64 seq)
{
	return REC_MIN + (__u32)(t_mix(((__u64)prod << 40) ^ seq) %
				 (REC_MAX - REC_MIN + 1));
}

static __u64 rec_seed(__u32 prod, __u64 seq)
{
	return ((__u64)prod << 48) ^ seq;
}

static int mpmc_sleep(int events, __u64 blocks, int who)
{
	struct memwell_ring *r = memwell_get_ring(g_mw);
	int n;

	g_sh->sleeps[who]++;
	do
		n = memwell_wait_blocks(g_mw, events, blocks, STALL_MS);
	while (n == -EINTR);
	if (n == 0) {
		t_diag("lost wakeup? %s %d waited %d ms: ready %llu free %llu "
		       "waiters prod %u cons %u", who < NPROD ? "producer" :
		       "consumer", who, STALL_MS,
		       (unsigned long long)memwell_ready_blocks(r),
		       (unsigned long long)memwell_free_blocks(r),
		       r->side[MEMWELL_SIDE_PROD]->waiters,
		       r->side[MEMWELL_SIDE_CONS]->waiters);
		return -ETIMEDOUT;
	}
	return n < 0 ? n : 0;
}

static void fill_rec(void *p, __u32 prod, __u64 seq, __u32 len)
{
	struct mpmc_rec h = { .prod = prod, .len = len, .seq = seq };

	memcpy(p, &h, sizeof(h));
	t_fill((char *)p + sizeof(h), len - sizeof(h), rec_seed(prod, seq));
}

/* Write one record with reserve/commit; 0, or a negative errno. */
static int put_one(__u32 prod, __u64 seq, __u32 len, int who)
{
	struct memwell_ring *r = memwell_get_ring(g_mw);
	struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };

	for (;;) {
		int err = memwell_rec_reserve(r, len, &rec);

		if (!err)
			break;
		if (err == -EBUSY) {
			g_sh->busy[who]++;
			continue;
		}
		if (err != -EAGAIN)
			return err;
		err = mpmc_sleep(MEMWELL_WAIT_WRITE, memwell_rec_blocks(r, len), who);
		if (err)
			return err;
	}
	fill_rec(rec.data, prod, seq, len);
	return memwell_rec_commit(r, &rec);
}

static int producer(void *arg)
{
	__u32 prod = (__u32)(unsigned long)arg;
	struct memwell_ring *r = memwell_get_ring(g_mw);
	__u64 seq = 0, rnd = 0x9e3779b97f4a7c15ULL * (prod + 1);
	struct memwell_io_stats st;

	while (seq < g_n) {
		struct memwell_batch b = { { 0, 0 }, 0, 0, 0 };
		__u64 want;
		int n, err;

		if (t_rand_r(&rnd) & 1) {
			err = put_one(prod, seq, rec_len(prod, seq), (int)prod);
			if (err) {
				t_diag("producer %u put %llu: %d", prod,
				       (unsigned long long)seq, err);
				return T_FAIL;
			}
			seq++;
			continue;
		}
		/* A batch of up to 8 largest records; may end in padding. */
		want = memwell_rec_blocks(r, REC_MAX) * (1 + t_rand_r(&rnd) % 8);
		n = memwell_batch_reserve(r, memwell_rec_blocks(r, REC_MAX), want, &b);
		if (n == -EBUSY) {
			g_sh->busy[prod]++;
			continue;
		}
		if (n == -EAGAIN) {
			if (mpmc_sleep(MEMWELL_WAIT_WRITE, memwell_rec_blocks(r, REC_MAX),
				       (int)prod))
				return T_FAIL;
			continue;
		}
		if (n < 0) {
			t_diag("producer %u batch_reserve: %d", prod, n);
			return T_FAIL;
		}
		while (seq < g_n) {
			__u32 len = rec_len(prod, seq);
			void *p = memwell_batch_put(r, &b, len);

			if (!p)
				break;
			fill_rec(p, prod, seq, len);
			seq++;
		}
		err = memwell_batch_commit(r, &b);
		if (err < 0) {
			t_diag("producer %u batch_commit: %d", prod, err);
			return T_FAIL;
		}
	}
	memwell_get_io_stats(g_mw, &st, sizeof(st));
	g_sh->kicks[prod] = st.kicks;
	return T_PASS;
}

/* Check one record; 1 for STOP, 0 for a good record, -1 on error. */
static int check_rec(int c, const struct memwell_rec *rec, __u64 *last)
{
	struct mpmc_rec h;
	__u64 bit, old;

	if (rec->len < sizeof(h)) {
		t_diag("consumer %d: record of %u bytes", c, rec->len);
		return -1;
	}
	memcpy(&h, rec->data, sizeof(h));
	if (h.prod == STOP_ID)
		return 1;
	if (h.prod >= NPROD || h.seq >= g_n || h.len != rec->len ||
	    h.len != rec_len(h.prod, h.seq)) {
		t_diag("consumer %d: bad record prod %u seq %llu len %u/%u",
		       c, h.prod, (unsigned long long)h.seq, h.len, rec->len);
		return -1;
	}
	if (last[h.prod] != UINT64_MAX && h.seq <= last[h.prod]) {
		t_diag("consumer %d: producer %u went back from %llu to %llu",
		       c, h.prod, (unsigned long long)last[h.prod],
		       (unsigned long long)h.seq);
		return -1;
	}
	last[h.prod] = h.seq;
	if (!t_check((const char *)rec->data + sizeof(h), rec->len - sizeof(h),
		      rec_seed(h.prod, h.seq))) {
		t_diag("consumer %d: corrupt payload prod %u seq %llu", c,
		       h.prod, (unsigned long long)h.seq);
		return -1;
	}
	bit = 1ULL << (h.seq & 63);
	old = __atomic_fetch_or(&g_sh->bitmap[h.prod * g_words + h.seq / 64], bit,
				__ATOMIC_RELAXED);
	if (old & bit) {
		t_diag("consumer %d: duplicate prod %u seq %llu", c, h.prod,
		       (unsigned long long)h.seq);
		return -1;
	}
	g_sh->consumed[c]++;
	return 0;
}

static int consumer(void *arg)
{
	int c = (int)(unsigned long)arg, who = NPROD + c;
	struct memwell_ring *r = memwell_get_ring(g_mw);
	__u64 last[NPROD], rnd = 0x2545f4914f6cdd1dULL * (__u64)(c + 1);
	struct memwell_io_stats st;
	int i, stop = 0;

	for (i = 0; i < NPROD; i++)
		last[i] = UINT64_MAX;
	while (!stop) {
		struct memwell_batch b = { { 0, 0 }, 0, 0, 0 };
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
		int n, v;

		if (t_rand_r(&rnd) & 1) {
			n = memwell_rec_peek(r, &rec);
			if (!n) {
				v = check_rec(c, &rec, last);
				if (memwell_rec_release(r, &rec) || v < 0)
					return T_FAIL;
				stop = v;
				continue;
			}
		} else {
			n = memwell_batch_take(r, 1 + (__u32)(t_rand_r(&rnd) % 16),
					       r->count, REC_MAX, &b);
			if (n > 0) {
				v = 0;
				while (!v && !memwell_batch_next(r, &b, &rec))
					v = check_rec(c, &rec, last);
				if (v > 0 && !memwell_batch_next(r, &b, &rec)) {
					/* Nothing may follow STOP in our batch... */
					t_diag("consumer %d: record after STOP", c);
					return T_FAIL;
				}
				if (memwell_batch_release(r, &b) || v < 0)
					return T_FAIL;
				stop = v;
				continue;
			}
		}
		if (n == -EBUSY) {
			g_sh->busy[who]++;
			continue;
		}
		if (n != -EAGAIN) {
			t_diag("consumer %d: take: %d", c, n);
			return T_FAIL;
		}
		if (mpmc_sleep(MEMWELL_WAIT_READ, 1, who))
			return T_FAIL;
	}
	memwell_get_io_stats(g_mw, &st, sizeof(st));
	g_sh->kicks[who] = st.kicks;
	return T_PASS;
}

static int run_mpmc(__u32 block_shift, __u32 count_shift, unsigned long n)
{
	struct memwell_opts o = {
		.size = sizeof(o),
		.flags = MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI,
		.block_shift = block_shift, .count_shift = count_shift,
	};
	pid_t pids[NPROD + NCONS];
	unsigned long i, missing = 0;
	double start = t_now();
	int err, rc = T_PASS;

	g_n = t_scaled(n);
	g_words = (g_n + 63) / 64;
	g_sh = t_shared(sizeof(*g_sh) + NPROD * g_words * 8);
	err = memwell_create_dev(&o, &g_mw);
	if (err) {
		t_diag("memwell_create_dev: %d", err);
		return T_FAIL;
	}
	for (i = 0; i < NCONS; i++)
		pids[NPROD + i] = t_fork(consumer, (void *)i);
	for (i = 0; i < NPROD; i++)
		pids[i] = t_fork(producer, (void *)i);
	for (i = 0; i < NPROD + NCONS; i++)
		if (pids[i] < 0)
			return T_FAIL;	/* the harness kills the rest */
	for (i = 0; i < NPROD; i++)
		if (t_reap(pids[i], "producer"))
			rc = T_FAIL;
	if (rc) {
		for (i = 0; i < NCONS; i++)
			t_kill(pids[NPROD + i]);
		return rc;
	}
	/*
	 * Every producer is done: stop the consumers with one STOP record at a
	 * time, each after the previous STOP's consumer exited, so that one
	 * consumer can never take two.
	 */
	for (i = 0; i < NCONS; i++) {
		struct mpmc_rec h = { .prod = STOP_ID, .len = sizeof(h) };
		struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
		unsigned long j;
		pid_t pid;
		int st;

		for (;;) {
			err = memwell_rec_reserve(memwell_get_ring(g_mw), sizeof(h), &rec);
			if (!err || (err != -EBUSY && err != -EAGAIN))
				break;
			if (err == -EAGAIN && mpmc_sleep(MEMWELL_WAIT_WRITE, 1, 0))
				break;
		}
		REQUIRE_EQ(err, 0);
		memcpy(rec.data, &h, sizeof(h));
		REQUIRE_EQ(memwell_rec_commit(memwell_get_ring(g_mw), &rec), 0);
		do
			pid = waitpid(-1, &st, 0);
		while (pid < 0 && errno == EINTR);
		REQUIRE(pid > 0);
		for (j = 0; j < NCONS; j++)
			if (pids[NPROD + j] == pid)
				pids[NPROD + j] = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			t_diag("consumer %d ended with status %#x", (int)pid, st);
			rc = T_FAIL;
		}
	}
	for (i = 0; i < NCONS; i++)
		t_kill(pids[NPROD + i]);
	if (rc)
		return rc;
	for (i = 0; i < NPROD * g_n; i++)
		if (!(g_sh->bitmap[(i / g_n) * g_words + (i % g_n) / 64] &
		      (1ULL << ((i % g_n) & 63))))
			missing++;
	t_diag("%lu records in %.2f s; consumed %llu + %llu; sleeps p %llu %llu "
	       "c %llu %llu; -EBUSY %llu %llu %llu %llu; kicks %llu %llu %llu %llu",
	       NPROD * g_n, t_now() - start,
	       (unsigned long long)g_sh->consumed[0],
	       (unsigned long long)g_sh->consumed[1],
	       (unsigned long long)g_sh->sleeps[0], (unsigned long long)g_sh->sleeps[1],
	       (unsigned long long)g_sh->sleeps[2], (unsigned long long)g_sh->sleeps[3],
	       (unsigned long long)g_sh->busy[0], (unsigned long long)g_sh->busy[1],
	       (unsigned long long)g_sh->busy[2], (unsigned long long)g_sh->busy[3],
	       (unsigned long long)g_sh->kicks[0], (unsigned long long)g_sh->kicks[1],
	       (unsigned long long)g_sh->kicks[2], (unsigned long long)g_sh->kicks[3]);
	REQUIRE_EQ(missing, 0);
	REQUIRE_EQ(g_sh->consumed[0] + g_sh->consumed[1], NPROD * g_n);
	memwell_close(g_mw);
	return T_PASS;
}

/* A ring large enough that sleeps are rare: mostly the lock-free paths. */
static int case_2p2c(void)
{
	return run_mpmc(5, 11, MPMC_RECORDS);	/* 64 KiB of 32-byte blocks */
}

/* A small ring: full and empty all the time, sleeps on both sides. */
static int case_2p2c_small(void)
{
	return run_mpmc(4, 8, MPMC_RECORDS / 3);	/* 4 KiB of 16-byte blocks */
}

T_MAIN(
	T_RCASE(2p2c), T_RCASE(2p2c_small))
