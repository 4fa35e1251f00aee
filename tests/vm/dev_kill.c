// SPDX-License-Identifier: GPL-2.0
/*
 * Participants SIGKILLed in the middle of their work, some of them between
 * reserving and releasing, then MEMWELL_IOC_RECOVER by a survivor: no
 * committed record is lost, none is seen twice or out of order, and the
 * ring carries records again.
 *
 *   kill_producers   producer processes killed one by one while a consumer reads
 *   kill_consumers   consumer processes killed one by one while a producer writes
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>

#include "harness.h"

#define KP_PRODUCERS	4
#define KC_CONSUMERS	3
#define KC_RECORDS	20000U

struct kill_rec {
	__u32 producer;
	__u32 pad;
	__u64 seq;
};

struct kill_shared {
	__u64 committed[KP_PRODUCERS + 1];	/* records committed, per producer */
	__u64 holding[KC_CONSUMERS + 1];	/* seq + 1 a consumer holds, or 0 */
	unsigned char done[KC_RECORDS];		/* seen by some consumer */
};

/* Stretch the time between reserve and release now and then. */
static void kill_dawdle(__u64 seq)
{
	volatile unsigned int i;

	if (!(seq % 7))
		for (i = 0; i < 20000; i++)
			;
}

static int kill_producer(struct memwell *mw, struct kill_shared *sh, __u32 p,
			 __u64 count)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	__u64 seq;

	for (seq = 0; seq < count; seq++) {
		struct memwell_rec rec;
		struct kill_rec *k;
		int err;

		while ((err = memwell_rec_reserve(r, sizeof(*k), &rec))) {
			if (err != -EAGAIN && err != -EBUSY)
				return 1;
			memwell_wait_blocks(mw, MEMWELL_WAIT_WRITE, 1, 10);
		}
		k = rec.data;
		k->producer = p;
		k->pad = 0;
		k->seq = seq;
		kill_dawdle(seq);
		if (memwell_rec_commit(r, &rec))
			return 1;
		__atomic_store_n(&sh->committed[p], seq + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

/* Read what is there; -1 on a record out of order or corrupt. */
static int kill_drain(struct memwell_ring *r, __u64 *next, __u32 producers)
{
	struct memwell_rec rec;
	int n = 0, err;

	while ((err = memwell_rec_peek(r, &rec)) != -EAGAIN) {
		struct kill_rec k;

		if (err == -EBUSY)
			continue;
		if (err) {
			t_diag("peek: %d", err);
			return -1;
		}
		memcpy(&k, rec.data, sizeof(k));
		if (rec.len != sizeof(k) || k.producer >= producers ||
		    k.seq != next[k.producer]) {
			t_diag("record len %u producer %u seq %llu, expected %llu",
				 rec.len, k.producer, (unsigned long long)k.seq,
				 k.producer < producers ?
				 (unsigned long long)next[k.producer] : 0ULL);
			return -1;
		}
		next[k.producer]++;
		if (memwell_rec_release(r, &rec))
			return -1;
		n++;
	}
	return n;
}

static int case_kill_producers(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .block_shift = 5, .count_shift = 10,
		.flags = MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI,
	};
	struct kill_shared *sh = t_shared(sizeof(*sh));
	__u64 next[KP_PRODUCERS + 1] = { 0 };
	pid_t pid[KP_PRODUCERS];
	struct memwell *mw;
	struct memwell_ring *r;
	double until;
	__u32 p;
	long rec;
	pid_t fresh;

	REQUIRE(sh);
	REQUIRE_EQ(memwell_create_dev(&o, &mw), 0);
	r = memwell_get_ring(mw);
	for (p = 0; p < KP_PRODUCERS; p++) {
		REQUIRE_OK(pid[p] = fork());
		if (!pid[p])
			_exit(kill_producer(mw, sh, p, ~0ULL));
	}
	/* Consume while the producers die one by one. */
	for (p = 0; p < KP_PRODUCERS; p++) {
		until = t_now() + 0.1 + 0.05 * p;
		while (t_now() < until)
			REQUIRE(kill_drain(r, next, KP_PRODUCERS) >= 0);
		REQUIRE_OK(kill(pid[p], SIGKILL));
		REQUIRE_OK(waitpid(pid[p], NULL, 0));
	}
	REQUIRE(kill_drain(r, next, KP_PRODUCERS) >= 0);
	/* A dead producer's reservation stops the side: recover it. */
	rec = ioctl(memwell_fd(mw), MEMWELL_IOC_RECOVER, MEMWELL_SIDE_PROD);
	REQUIRE(rec >= 0);
	REQUIRE(kill_drain(r, next, KP_PRODUCERS) >= 0);
	for (p = 0; p < KP_PRODUCERS; p++) {
		__u64 c = __atomic_load_n(&sh->committed[p], __ATOMIC_ACQUIRE);

		t_diag("producer %u: %llu committed, %llu read", p,
			 (unsigned long long)c, (unsigned long long)next[p]);
		/* Everything committed was read; one more may have been
		 * committed just before its producer counted it. */
		REQUIRE(next[p] >= c && next[p] <= c + 1);
	}
	t_diag("recovered %ld blocks", rec);
	/* The ring works again, for a new producer. */
	REQUIRE_OK(fresh = fork());
	if (!fresh)
		_exit(kill_producer(mw, sh, KP_PRODUCERS, 1000));
	until = t_now() + 20;
	while (next[KP_PRODUCERS] < 1000 && t_now() < until)
		REQUIRE(kill_drain(r, next, KP_PRODUCERS + 1) >= 0);
	REQUIRE_EQ(t_reap(fresh, "fresh producer"), T_PASS);
	REQUIRE_EQ(next[KP_PRODUCERS], 1000);
	memwell_close(mw);
	return T_PASS;
}

static int kill_consumer(struct memwell *mw, struct kill_shared *sh, __u32 c)
{
	struct memwell_ring *r = memwell_get_ring(mw);

	for (;;) {
		struct memwell_rec rec;
		struct kill_rec k;
		int err = memwell_rec_peek(r, &rec);

		if (err == -EAGAIN) {
			memwell_wait(mw, MEMWELL_WAIT_READ, 10);
			continue;
		}
		if (err == -EBUSY)
			continue;
		if (err)
			return 1;
		memcpy(&k, rec.data, sizeof(k));
		if (k.seq >= KC_RECORDS)
			return 1;
		__atomic_store_n(&sh->holding[c], k.seq + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&sh->done[k.seq], 1, __ATOMIC_RELEASE);
		kill_dawdle(k.seq);
		if (memwell_rec_release(r, &rec))
			return 1;
		__atomic_store_n(&sh->holding[c], 0, __ATOMIC_RELEASE);
		if (k.seq == KC_RECORDS - 1)
			return 0;
	}
}

/* Write record @seq, waiting for room at most @until. */
static int kill_put(struct memwell *mw, __u64 seq, double until)
{
	struct kill_rec k = { .producer = 0, .seq = seq };
	int err;

	while ((err = memwell_rec_write(memwell_get_ring(mw), &k, sizeof(k)))) {
		if ((err != -EAGAIN && err != -EBUSY) || t_now() > until)
			return err;
		memwell_wait_blocks(mw, MEMWELL_WAIT_WRITE, 1, 10);
	}
	return 0;
}

static int case_kill_consumers(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .block_shift = 5, .count_shift = 9,
		.flags = MEMWELL_F_RECORDS | MEMWELL_F_CONS_MULTI,
	};
	struct kill_shared *sh = t_shared(sizeof(*sh));
	pid_t pid[KC_CONSUMERS], fresh;
	__u64 seq = 0, lost = 0;
	struct memwell *mw;
	double until;
	__u32 c;
	long rec;

	REQUIRE(sh);
	REQUIRE_EQ(memwell_create_dev(&o, &mw), 0);
	for (c = 0; c < KC_CONSUMERS; c++) {
		REQUIRE_OK(pid[c] = fork());
		if (!pid[c])
			_exit(kill_consumer(mw, sh, c));
	}
	/* Produce while the consumers die one by one. */
	for (c = 0; c < KC_CONSUMERS; c++) {
		until = t_now() + 0.1 + 0.05 * c;
		while (t_now() < until && seq < KC_RECORDS / 2)
			if (!kill_put(mw, seq, until))
				seq++;
		REQUIRE_OK(kill(pid[c], SIGKILL));
		REQUIRE_OK(waitpid(pid[c], NULL, 0));
	}
	/* What the dead held stops the consumer side: recover it. */
	rec = ioctl(memwell_fd(mw), MEMWELL_IOC_RECOVER, MEMWELL_SIDE_CONS);
	REQUIRE(rec >= 0);
	t_diag("%llu records written before the consumers died; recovered %ld blocks",
		 (unsigned long long)seq, rec);
	/* A new consumer takes the rest. */
	REQUIRE_OK(fresh = fork());
	if (!fresh)
		_exit(kill_consumer(mw, sh, KC_CONSUMERS));
	until = t_now() + 30;
	for (; seq < KC_RECORDS; seq++)
		REQUIRE_EQ(kill_put(mw, seq, until), 0);
	REQUIRE_EQ(t_reap(fresh, "fresh consumer"), T_PASS);
	/*
	 * Every record was read, but one a consumer was killed holding
	 * before it looked: RECOVER gives a dead consumer's records back to
	 * the producers (it took them; nobody else may).  A consumer holds
	 * one record at a time.
	 */
	for (seq = 0; seq < KC_RECORDS; seq++) {
		if (sh->done[seq])
			continue;
		lost++;
		t_diag("record %llu never read", (unsigned long long)seq);
	}
	REQUIRE(lost <= KC_CONSUMERS);
	memwell_close(mw);
	return T_PASS;
}

T_MAIN(
	T_RCASE(kill_producers), T_RCASE(kill_consumers))
