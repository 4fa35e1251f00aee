// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * memwell_side_recover(): a participant dies holding a reservation (a
 * thread in MemoryWell wedged its side forever; Memory Wheel was left "in a
 * funny state"; its libuv example lost data on disconnect).  After recovery
 * the ring flows again, consumers skip the dead producer's blocks as
 * padding (never garbage), and everything committed before the death is
 * delivered.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>

#include "harness.h"

/* Fill a dead span with bytes that look like valid 8-byte records. */
static void fake_records(struct memwell_ring *r, const struct memwell_span *sp)
{
	__u64 i, bs = memwell_block_size(r);

	for (i = 0; i < sp->n; i++) {
		unsigned char *p = memwell_block(r, sp->pos + i);

		memset(p, 'F', bs);
		if (r->flags & MEMWELL_F_RECORDS)
			__memwell_rec_set_hdr(r, sp->pos + i, (__u32)(bs - 8), 0);
	}
}

static void expect_empty(struct memwell_ring *r)
{
	struct memwell_rec rec = { .len = 0 };
	int e = memwell_rec_peek(r, &rec);

	CHECK_EQ(e, -EAGAIN);
	if (!e)
		t_diag("unexpected record: len %u, starts with '%c'", rec.len,
		       *(char *)rec.data);
	CHECK_EQ(memwell_ready_blocks(r), 0);
}

static void nothing_to_recover(void)
{
	static const __u32 fl[] = { MEMWELL_F_RECORDS, T_F_LOCAL, 0,
				    MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct memwell *mw = t_ring(fl[i], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span sp;

		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_PROD), 0);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_CONS), 0);
		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 5, 5, &sp), 5);
		REQUIRE_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &sp), 0);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_PROD), 0);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_CONS), 0);
		CHECK_EQ(memwell_ready_blocks(r), 5);
		memwell_close(mw);
	}
}

/* A producer reserved a record and died: single and multi producer side. */
static void dead_producer_record(void)
{
	int multi;

	for (multi = 0; multi < 2; multi++) {
		struct memwell *mw = t_ring(MEMWELL_F_RECORDS |
					    (multi ? MEMWELL_F_PROD_MULTI : 0), 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_rec dead = { .len = 0 };

		CHECK_EQ(t_put(r, 20, 1), 0);			/* committed: delivered */
		REQUIRE_EQ(memwell_rec_reserve(r, 100, &dead), 0);
		fake_records(r, &dead.span);
		if (multi)					/* a live one behind it */
			CHECK_EQ(t_put(r, 30, 2), 0);
		CHECK_EQ(t_get(r, 20, 1), 0);
		expect_empty(r);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_PROD), (long)dead.span.n);
		if (multi)
			CHECK_EQ(t_get(r, 30, 2), 0);
		expect_empty(r);
		CHECK_EQ(memwell_free_blocks(r), 256);
		/* The ring flows again, over the recovered blocks. */
		CHECK_EQ(t_put(r, 200, 3), 0);
		CHECK_EQ(t_put(r, 2000, 4), 0);
		CHECK_EQ(t_get(r, 200, 3), 0);
		CHECK_EQ(t_get(r, 2000, 4), 0);
		expect_empty(r);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_PROD), 0);
		memwell_close(mw);
	}
}

/* Dead and released spans interleaved on a multi-producer side. */
static void dead_producers_interleaved(void)
{
	struct memwell *mw = t_ring(MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI, 4, 8);
	struct memwell_ring *r = memwell_get_ring(mw);
	struct memwell_rec rec[8] = { { .len = 0 } };
	/* d: dead, l: live (committed out of order) */
	static const char who[] = "dldddlld";
	__u64 dead = 0;
	int i;

	CHECK_EQ(t_put(r, 8, 100), 0);
	CHECK_EQ(t_get(r, 8, 100), 0);	/* start off block 0 */
	for (i = 0; i < 8; i++) {
		REQUIRE_EQ(memwell_rec_reserve(r, 8 + 16 * (__u64)i, &rec[i]), 0);
		if (who[i] == 'd') {
			fake_records(r, &rec[i].span);
			dead += rec[i].span.n;
		} else {
			t_fill(rec[i].data, rec[i].len, (__u64)i);
		}
	}
	for (i = 7; i >= 0; i--)
		if (who[i] == 'l')
			CHECK_EQ(memwell_rec_commit(r, &rec[i]), 0);
	expect_empty(r);
	CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_PROD), (long)dead);
	for (i = 0; i < 8; i++)
		if (who[i] == 'l')
			CHECK_EQ(t_get(r, 8 + 16 * (__u64)i, (__u64)i), 0);
	expect_empty(r);
	CHECK_EQ(memwell_free_blocks(r), 256);
	CHECK_EQ(t_prod(r)->release_pos, t_prod(r)->reserve_pos);
	memwell_close(mw);
}

/* A producer died in the middle of a batch: none of its records appear. */
static void dead_producer_batch(void)
{
	int multi;

	for (multi = 0; multi < 2; multi++) {
		struct memwell *mw = t_ring(MEMWELL_F_RECORDS |
					    (multi ? MEMWELL_F_PROD_MULTI : 0), 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_batch b = { .used = 0 };
		long n;
		int i;

		REQUIRE_EQ(memwell_batch_reserve(r, 40, 40, &b), 40);
		for (i = 0; i < 5; i++)
			t_fill(memwell_batch_put(r, &b, 20), 20, (__u64)i);
		/* dies */
		expect_empty(r);
		n = memwell_side_recover(r, MEMWELL_SIDE_PROD);
		CHECK_EQ(n, 40);
		expect_empty(r);
		CHECK_EQ(t_put(r, 9, 9), 0);
		CHECK_EQ(t_get(r, 9, 9), 0);
		CHECK_EQ(memwell_free_blocks(r), 256);
		memwell_close(mw);
	}
}

/* A consumer died holding records: single and multi consumer side. */
static void dead_consumer(void)
{
	int multi;

	for (multi = 0; multi < 2; multi++) {
		struct memwell *mw = t_ring(MEMWELL_F_RECORDS |
					    (multi ? MEMWELL_F_CONS_MULTI : 0), 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_rec held = { .len = 0 }, other = { .len = 0 };
		__u64 seq = 0, got = 0;

		while (t_put(r, 24, seq) == 0)	/* 2 blocks each: 128 */
			seq++;
		CHECK_EQ(seq, 128);
		REQUIRE_EQ(memwell_rec_peek(r, &held), 0);	/* dies with it */
		got++;
		if (multi) {	/* another consumer carries on and releases */
			REQUIRE_EQ(memwell_rec_peek(r, &other), 0);
			CHECK(t_check(other.data, 24, 1));
			CHECK_EQ(memwell_rec_release(r, &other), 0);
			got++;
		}
		CHECK_EQ(memwell_free_blocks(r), 0);
		CHECK_EQ(t_put(r, 24, seq), -EAGAIN);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_CONS), 2);
		CHECK_EQ(memwell_free_blocks(r), 2 * got);
		/* Producers flow again; a new consumer reads on in order. */
		CHECK_EQ(t_put(r, 24, seq), 0);
		seq++;
		for (; got < seq; got++)
			CHECK_EQ(t_get(r, 24, got), 0);
		expect_empty(r);
		CHECK_EQ(memwell_free_blocks(r), 256);
		memwell_close(mw);
	}
}

/* Block mode: recovery releases the blocks (no padding to write). */
static void dead_block_owners(void)
{
	static const __u32 fl[] = { 0, MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct memwell *mw = t_ring(fl[i], 4, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct memwell_span a, b;

		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 7, 7, &a), 7);
		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 3, 3, &b), 3);
		if (fl[i])
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_PROD, &b), 0);
		CHECK_EQ(memwell_ready_blocks(r), 0);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_PROD), fl[i] ? 7 : 10);
		CHECK_EQ(memwell_ready_blocks(r), 10);
		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 4, 4, &a), 4);
		REQUIRE_EQ(memwell_reserve(r, MEMWELL_SIDE_CONS, 6, 6, &b), 6);
		if (fl[i])
			CHECK_EQ(memwell_release(r, MEMWELL_SIDE_CONS, &b), 0);
		CHECK_EQ(memwell_free_blocks(r), 246);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_CONS), fl[i] ? 4 : 10);
		CHECK_EQ(memwell_free_blocks(r), 256);
		CHECK_EQ(memwell_reserve(r, MEMWELL_SIDE_PROD, 256, 256, &a), 256);
		memwell_close(mw);
	}
}

/* ---- real processes ---- */

struct shared {
	__u64 committed[2];	/* records each producer has committed */
	int started[2];
	int holding[2];		/* reserved a record it will never commit */
};

static struct shared *shared_new(void)
{
	struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	REQUIRE(s != MAP_FAILED);
	memset(s, 0, sizeof(*s));
	return s;
}

static __u64 rec_len(__u64 id, __u64 seq)
{
	return 16 + (seq * 131 + id * 17) % 200;
}

/* Producer process: records {id, seq, pattern} until killed. */
static void producer_child(struct memwell_ring *r, struct shared *sh, int id,
			   __u64 hold_at)
{
	__u64 seq = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive a failed case */
	__atomic_store_n(&sh->started[id], 1, __ATOMIC_RELEASE);
	for (;;) {
		struct memwell_rec rec = { .len = 0 };
		__u64 len = rec_len((__u64)id, seq);
		int e = memwell_rec_reserve(r, len, &rec);

		if (e == -EAGAIN || e == -EBUSY) {
			sched_yield();
			continue;
		}
		if (e)
			_exit(2);
		memcpy(rec.data, &seq, 8);
		((unsigned char *)rec.data)[8] = (unsigned char)id;
		if (seq == hold_at) {	/* dies in the middle of this record */
			__atomic_store_n(&sh->holding[id], 1, __ATOMIC_RELEASE);
			for (;;)
				pause();
		}
		t_fill((unsigned char *)rec.data + 9, len - 9, seq * 4 + (__u64)id);
		if (memwell_rec_commit(r, &rec))
			_exit(3);
		__atomic_store_n(&sh->committed[id], ++seq, __ATOMIC_RELEASE);
	}
}

/*
 * Producers are SIGKILLed at random moments, mid-record or not; the ring is
 * recovered; every record committed before the kill is delivered, in order,
 * intact, and nothing else is.
 */
static void killed_producers(void)
{
	int multi, round, recovered = 0;

	for (multi = 0; multi < 2; multi++)
	for (round = 0; round < 12; round++) {
		struct memwell *mw = t_ring(MEMWELL_F_RECORDS |
					    (multi ? MEMWELL_F_PROD_MULTI : 0), 5, 10);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct shared *sh = shared_new();
		int np = multi ? 2 : 1, i;
		pid_t pid[2];
		__u64 next[2] = { 0, 0 }, total = 0;
		struct timespec ts = { 0, 20000000 };
		long rec;

		for (i = 0; i < np; i++) {
			pid[i] = fork();
			REQUIRE(pid[i] >= 0);
			if (!pid[i])
				producer_child(r, sh, i, (round & 1) && i == 0 ?
					       100 + (__u64)round * 37 : ~0ULL);
		}
		for (i = 0; i < np; i++)
			while (!__atomic_load_n(&sh->started[i], __ATOMIC_ACQUIRE))
				sched_yield();
		/* Consume for a while, then kill the producers. */
		for (i = 0; i < 2000 + round * 1000; i++) {
			struct memwell_rec rc = { .len = 0 };

			if (memwell_rec_peek(r, &rc) == 0) {
				__u64 seq;
				int id = ((unsigned char *)rc.data)[8];

				memcpy(&seq, rc.data, 8);
				CHECK(id < np && seq == next[id] &&
				      rc.len == rec_len((__u64)id, seq) &&
				      t_check((unsigned char *)rc.data + 9, rc.len - 9,
					      seq * 4 + (__u64)id));
				next[id & 1]++;
				total++;
				memwell_rec_release(r, &rc);
			} else {
				sched_yield();
			}
		}
		/* Odd rounds: producer 0 holds a half-written record. */
		while ((round & 1) && !__atomic_load_n(&sh->holding[0], __ATOMIC_ACQUIRE)) {
			struct memwell_rec rc = { .len = 0 };

			if (memwell_rec_peek(r, &rc) == 0) {
				__u64 seq;
				int id = ((unsigned char *)rc.data)[8];

				memcpy(&seq, rc.data, 8);
				CHECK(id < np && seq == next[id]);
				next[id & 1]++;
				total++;
				memwell_rec_release(r, &rc);
			} else {
				sched_yield();
			}
		}
		if (round == 10)
			nanosleep(&ts, NULL);
		for (i = 0; i < np; i++) {
			int st;

			kill(pid[i], SIGKILL);
			REQUIRE(waitpid(pid[i], &st, 0) == pid[i]);
			CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		}
		rec = memwell_side_recover(r, MEMWELL_SIDE_PROD);
		CHECK(rec >= 0 && rec <= (long)r->count);
		if (round & 1)
			CHECK(rec > 0);
		recovered += rec > 0;
		/* Drain: each producer's sequence goes on to what it committed. */
		for (;;) {
			struct memwell_rec rc = { .len = 0 };
			__u64 seq;
			int id, e = memwell_rec_peek(r, &rc);

			if (e == -EAGAIN)
				break;
			REQUIRE_EQ(e, 0);
			id = ((unsigned char *)rc.data)[8];
			memcpy(&seq, rc.data, 8);
			if (id >= np || seq != next[id] ||
			    rc.len != rec_len((__u64)id, seq) ||
			    !t_check((unsigned char *)rc.data + 9, rc.len - 9,
				     seq * 4 + (__u64)id)) {
				t_diag("bad record after recovery: id %d seq %llu len %u",
				       id, (unsigned long long)seq, rc.len);
				t_failed = 1;
				break;
			}
			next[id]++;
			total++;
			memwell_rec_release(r, &rc);
		}
		for (i = 0; i < np; i++) {
			__u64 c = __atomic_load_n(&sh->committed[i], __ATOMIC_ACQUIRE);

			/* The counter lags a commit by one store at most. */
			if (next[i] != c && next[i] != c + 1) {
				t_diag("producer %d committed %llu, delivered %llu", i,
				       (unsigned long long)c, (unsigned long long)next[i]);
				t_failed = 1;
			}
		}
		CHECK(total > 0);
		/* Flows again. */
		CHECK_EQ(memwell_free_blocks(r), r->count);
		CHECK_EQ(t_put(r, 500, 77), 0);
		CHECK_EQ(t_get(r, 500, 77), 0);
		munmap(sh, sizeof(*sh));
		memwell_close(mw);
		if (t_failed) {
			t_diag("multi %d round %d", multi, round);
			return;
		}
	}
	t_diag("%d of 24 rounds left a reservation to recover", recovered);
	CHECK(recovered >= 12);
}

/* A consumer process is killed while it holds records. */
static void killed_consumer(void)
{
	int multi;

	for (multi = 0; multi < 2; multi++) {
		struct memwell *mw = t_ring(MEMWELL_F_RECORDS |
					    (multi ? MEMWELL_F_CONS_MULTI : 0), 5, 8);
		struct memwell_ring *r = memwell_get_ring(mw);
		struct shared *sh = shared_new();
		__u64 seq = 0, got;
		pid_t pid;
		int st;

		while (t_put(r, 24, seq) == 0)
			seq++;
		pid = fork();
		REQUIRE(pid >= 0);
		if (!pid) {
			struct memwell_rec a = { .len = 0 }, b = { .len = 0 };

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (memwell_rec_peek(r, &a) || memwell_rec_peek(r, &b))
				_exit(2);
			__atomic_store_n(&sh->started[0], 1, __ATOMIC_RELEASE);
			for (;;)
				pause();
		}
		while (!__atomic_load_n(&sh->started[0], __ATOMIC_ACQUIRE))
			sched_yield();
		kill(pid, SIGKILL);
		REQUIRE(waitpid(pid, &st, 0) == pid);
		CHECK_EQ(memwell_free_blocks(r), 0);
		CHECK_EQ(memwell_side_recover(r, MEMWELL_SIDE_CONS), 2);
		CHECK_EQ(memwell_free_blocks(r), 2);
		for (got = 2; got < seq; got++)
			CHECK_EQ(t_get(r, 24, got), 0);
		CHECK_EQ(t_put(r, 24, 1234), 0);
		CHECK_EQ(t_get(r, 24, 1234), 0);
		expect_empty(r);
		munmap(sh, sizeof(*sh));
		memwell_close(mw);
	}
}

T_MAIN(
	T_CASE(nothing_to_recover), T_CASE(dead_producer_record),
	T_CASE(dead_producers_interleaved), T_CASE(dead_producer_batch),
	T_CASE(dead_consumer), T_CASE(dead_block_owners), T_CASE(killed_producers),
	T_CASE(killed_consumer))
