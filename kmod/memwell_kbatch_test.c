// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "memwell_kbatch": the batch calls of the in-kernel API
 * (memwell_ep_batch_*(), kmod/memwell_kbatch.c).  A batch larger than the
 * free space (cut to what fits, the rest dropped and reported), records
 * across the wrap, a commit of nothing, an abort, both on single- and
 * multi-owner producer sides; the consumer's take, walk and release; a
 * hostile process scribbling its control and the record headers while a
 * batch is held; and every call from hardirq context.  The test plays the
 * process through the ring's own kernel view, as memwell_stream does.
 * Built into memwell_test.ko.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>

#include "memwell_kernel.h"
#include "memwell_kring.h"

/* 64 blocks of 64 bytes: a 40-byte payload takes one block. */
#define KB_BS		6
#define KB_CS		6
#define KB_LEN		40

static struct memwell_kring *kb_ring(struct kunit *test, u32 flags)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = MEMWELL_F_RECORDS | flags,
		.block_shift = KB_BS, .count_shift = KB_CS,
	};
	struct memwell_kring *kr = memwell_kring_create(&c);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	return kr;
}

static struct memwell_ep *kb_attach(struct kunit *test, struct memwell_kring *kr,
				    unsigned int role)
{
	struct memwell_ep *ep = memwell_ep_attach_ring(kr, role);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ep));
	return ep;
}

static struct memwell_ring_stats kb_stats(struct memwell_kring *kr)
{
	struct memwell_ring_stats st;

	irq_work_sync(&kr->wake.work);
	memwell_kring_stats(kr, &st);
	return st;
}

/* Side @side of the process announced it sleeps. */
static void kb_sleeper(struct memwell_kring *kr, unsigned int side)
{
	/* As poll() does (H): the announcement before any later look. */
	smp_store_mb(kr->view.side[side]->waiters, 1U);
}

/* A record of ours: its sequence number, then bytes that follow from it. */
static void kb_fill(void *p, u32 len, u64 seq)
{
	u8 *b = p;
	u32 i;

	memcpy(b, &seq, sizeof(seq));
	for (i = sizeof(seq); i < len; i++)
		b[i] = (u8)(seq * 31 + i);
}

/**
 * struct kb_check - what the process consumed
 * @next: the sequence number expected next
 * @records: records in order
 * @lost: records LOST records reported
 * @gaps: sequence numbers skipped
 * @bad: records out of order, or with a wrong byte or length
 * @late: records after a gap no LOST record had reported yet
 */
struct kb_check {
	u64 next, records, lost, gaps, bad, late;
};

static void kb_verify(struct kb_check *c, const struct memwell_rec *rec, u32 len)
{
	const u8 *b = rec->data;
	u64 seq;
	u32 i;

	if (rec->flags & MEMWELL_REC_LOST) {
		c->lost += ((const struct memwell_lost *)rec->data)->records;
		return;
	}
	memcpy(&seq, b, sizeof(seq));
	if (rec->len != len || seq < c->next) {
		c->bad++;
		return;
	}
	for (i = sizeof(seq); i < len; i++) {
		if (b[i] != (u8)(seq * 31 + i)) {
			c->bad++;
			return;
		}
	}
	c->gaps += seq - c->next;
	c->next = seq + 1;
	c->records++;
	if (c->gaps > c->lost)
		c->late++;
}

/* The process consumes what is there, one record at a time. */
static unsigned int kb_drain(struct memwell_kring *kr, struct kb_check *c, u32 len)
{
	struct memwell_rec rec;
	unsigned int n = 0;
	int err;

	while ((err = memwell_rec_peek(&kr->view, &rec)) != -EAGAIN) {
		if (err) {
			c->bad++;
			break;
		}
		kb_verify(c, &rec, len);
		memwell_rec_release(&kr->view, &rec);
		n++;
	}
	return n;
}

/* Reserve @nr records, put @put of them (sequence from *@seq), commit. */
static int kb_batch(struct memwell_ep *ep, u32 nr, u32 put, u32 len, u64 *seq,
		    unsigned int flags)
{
	struct memwell_ep_batch b;
	int room = memwell_ep_batch_reserve(ep, nr, len, &b);
	u32 i;

	if (room < 0) {
		*seq += nr;
		return room;
	}
	for (i = 0; i < put && i < (u32)room; i++) {
		void *p = memwell_ep_batch_put(ep, &b, len);

		if (!p)
			break;
		kb_fill(p, len, (*seq)++);
	}
	/* Dropped records take their sequence numbers too. */
	*seq += nr - i;
	return memwell_ep_batch_commit(ep, &b, flags);
}

/*
 * A batch larger than the free space holds what fits, at least one
 * record; the rest is dropped, counted, and reported by a LOST record
 * before any record reserved later.  No room at all: -EAGAIN, all dropped.
 */
static void kb_partial(struct kunit *test, u32 flags)
{
	struct memwell_kring *kr = kb_ring(test, MEMWELL_F_KERNEL_PROD | flags);
	struct memwell_ep *ep = kb_attach(test, kr, MEMWELL_SIDE_PROD);
	struct memwell_ring_stats st;
	struct memwell_ep_batch b;
	struct kb_check c = {};
	u64 seq = 0;
	u32 i;

	/* 100 wanted, 64 fit: room for 64, 36 dropped at once. */
	KUNIT_ASSERT_EQ(test, memwell_ep_batch_reserve(ep, 100, KB_LEN, &b), 64);
	st = kb_stats(kr);
	KUNIT_EXPECT_EQ(test, st.dropped, 36ULL);
	KUNIT_EXPECT_EQ(test, st.dropped_bytes, 36ULL * KB_LEN);
	for (i = 0; i < 64; i++) {
		void *p = memwell_ep_batch_put(ep, &b, KB_LEN);

		KUNIT_ASSERT_NOT_NULL(test, p);
		kb_fill(p, KB_LEN, seq++);
	}
	/* Never more records than it said it holds: those were dropped. */
	KUNIT_EXPECT_NULL(test, memwell_ep_batch_put(ep, &b, 1));
	seq += 36;
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_commit(ep, &b, 0), 64);
	st = kb_stats(kr);
	KUNIT_EXPECT_EQ(test, st.produced, 64ULL);

	/* Full: nothing reserved, all 5 dropped. */
	KUNIT_EXPECT_EQ(test, kb_batch(ep, 5, 5, KB_LEN, &seq, 0), -EAGAIN);
	st = kb_stats(kr);
	KUNIT_EXPECT_EQ(test, st.dropped, 41ULL);

	/* Ten blocks free: the LOST record takes one, the batch nine of 20. */
	for (i = 0; i < 10; i++) {
		struct memwell_rec rec;

		KUNIT_ASSERT_EQ(test, memwell_rec_peek(&kr->view, &rec), 0);
		kb_verify(&c, &rec, KB_LEN);
		memwell_rec_release(&kr->view, &rec);
	}
	KUNIT_EXPECT_EQ(test, kb_batch(ep, 20, 20, KB_LEN, &seq, 0), 9);
	st = kb_stats(kr);
	KUNIT_EXPECT_EQ(test, st.dropped, 52ULL);
	KUNIT_EXPECT_EQ(test, st.produced, 73ULL);
	kb_drain(kr, &c, KB_LEN);
	/* Room again: the last 11 are reported before the next record. */
	KUNIT_EXPECT_EQ(test, kb_batch(ep, 1, 1, KB_LEN, &seq, 0), 1);
	kb_drain(kr, &c, KB_LEN);
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, c.late, 0ULL);
	KUNIT_EXPECT_EQ(test, c.records, 74ULL);
	KUNIT_EXPECT_EQ(test, c.lost, 52ULL);
	KUNIT_EXPECT_EQ(test, c.gaps, 52ULL);
	KUNIT_EXPECT_EQ(test, c.next, seq);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

static void memwell_kbatch_test_partial(struct kunit *test)
{
	struct memwell_kring *kr = kb_ring(test, MEMWELL_F_KERNEL_PROD);
	struct memwell_ep *ep = kb_attach(test, kr, MEMWELL_SIDE_PROD);
	struct memwell_ep_batch b;
	int i;

	kb_partial(test, 0);
	kb_partial(test, MEMWELL_F_PROD_MULTI);

	/*
	 * Records smaller than reserved fit more often than the batch said,
	 * but the others were counted as dropped: no record more is put.
	 */
	KUNIT_ASSERT_EQ(test, memwell_ep_batch_reserve(ep, 100, 120, &b), 32);
	for (i = 0; i < 32; i++)
		KUNIT_ASSERT_NOT_NULL(test, memwell_ep_batch_put(ep, &b, 8));
	KUNIT_EXPECT_NULL(test, memwell_ep_batch_put(ep, &b, 8));
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_commit(ep, &b, 0), 32);
	KUNIT_EXPECT_EQ(test, kb_stats(kr).dropped, 68ULL);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

/*
 * Records of a batch that crosses the end of the data are contiguous for
 * the kernel, and the process reads the same bytes through its view: the
 * part past the end is at the start of the data.
 */
static void memwell_kbatch_test_wrap(struct kunit *test)
{
	struct memwell_kring *kr = kb_ring(test, MEMWELL_F_KERNEL_PROD);
	struct memwell_ep *ep = kb_attach(test, kr, MEMWELL_SIDE_PROD);
	u32 len = 3 * 64 - 8;		/* three blocks */
	struct memwell_ep_batch b;
	struct kb_check c = {};
	struct memwell_rec rec;
	u8 *data = kr->view.data;
	u64 seq = 0;
	u8 *p[4];
	int i;

	/* To block 59: the batch's records are at 59, 62 (to 0), 1 and 4. */
	for (i = 0; i < 59; i++)
		KUNIT_ASSERT_EQ(test, kb_batch(ep, 1, 1, KB_LEN, &seq, 0), 1);
	KUNIT_ASSERT_EQ(test, kb_drain(kr, &c, KB_LEN), 59U);
	KUNIT_ASSERT_EQ(test, memwell_ep_batch_reserve(ep, 4, len, &b), 4);
	for (i = 0; i < 4; i++) {
		p[i] = memwell_ep_batch_put(ep, &b, len);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		kb_fill(p[i], len, seq + i);
	}
	KUNIT_EXPECT_PTR_EQ(test, (void *)p[0], (void *)(data + 59 * 64 + 8));
	KUNIT_EXPECT_PTR_EQ(test, (void *)p[1], (void *)(data + 62 * 64 + 8));
	KUNIT_EXPECT_PTR_EQ(test, (void *)p[2], (void *)(data + 1 * 64 + 8));
	/* Bytes 0..119 of the second before the end, 120..183 at the start. */
	KUNIT_EXPECT_EQ(test, data[0], (u8)((seq + 1) * 31 + 120));
	KUNIT_EXPECT_EQ(test, data[63], (u8)((seq + 1) * 31 + 183));
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_commit(ep, &b, 0), 4);
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, memwell_rec_peek(&kr->view, &rec), 0);
		KUNIT_EXPECT_PTR_EQ(test, rec.data, (void *)p[i]);
		kb_verify(&c, &rec, len);
		memwell_rec_release(&kr->view, &rec);
	}
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, c.records, 63ULL);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

/*
 * A commit with no record and an abort publish nothing, count nothing and
 * wake nobody.  A single-owner side gets the room back (the next record
 * goes where the batch was); a multi-owner side pads it, and the process
 * skips the padding.  A batch is done once committed or aborted.
 */
static void kb_empty(struct kunit *test, u32 flags)
{
	struct memwell_kring *kr = kb_ring(test, MEMWELL_F_KERNEL_PROD | flags);
	struct memwell_ep *ep = kb_attach(test, kr, MEMWELL_SIDE_PROD);
	struct memwell_side *prod = kr->view.side[MEMWELL_SIDE_PROD];
	bool multi = flags & MEMWELL_F_PROD_MULTI;
	struct memwell_ring_stats st;
	struct memwell_ep_batch b;
	struct kb_check c = {};
	struct memwell_rec rec;
	u64 seq = 0, pos;
	int i;

	KUNIT_ASSERT_EQ(test, kb_batch(ep, 3, 3, KB_LEN, &seq, 0), 3);
	KUNIT_ASSERT_EQ(test, kb_drain(kr, &c, KB_LEN), 3U);
	pos = READ_ONCE(prod->reserve_pos);
	/* A sleeper: a commit of nothing keeps it asleep. */
	kb_sleeper(kr, MEMWELL_SIDE_CONS);

	KUNIT_ASSERT_EQ(test, memwell_ep_batch_reserve(ep, 8, KB_LEN, &b), 8);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_commit(ep, &b, 0), 0);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_commit(ep, &b, 0), -EINVAL);
	KUNIT_EXPECT_NULL(test, memwell_ep_batch_put(ep, &b, KB_LEN));
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_abort(ep, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(prod->reserve_pos), multi ? pos + 8 : pos);

	/* Abort: three records put, none published. */
	pos = READ_ONCE(prod->reserve_pos);
	KUNIT_ASSERT_EQ(test, memwell_ep_batch_reserve(ep, 8, KB_LEN, &b), 8);
	for (i = 0; i < 3; i++) {
		void *p = memwell_ep_batch_put(ep, &b, KB_LEN);

		KUNIT_ASSERT_NOT_NULL(test, p);
		kb_fill(p, KB_LEN, 1000 + i);
	}
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_abort(ep, &b), 0);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_commit(ep, &b, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(prod->reserve_pos), multi ? pos + 8 : pos);

	st = kb_stats(kr);
	KUNIT_EXPECT_EQ(test, st.produced, 3ULL);
	KUNIT_EXPECT_EQ(test, st.dropped, 0ULL);
	KUNIT_EXPECT_EQ(test, st.wakeups, 0ULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(kr->view.side[MEMWELL_SIDE_CONS]->waiters), 1U);
	KUNIT_EXPECT_EQ(test, memwell_rec_peek(&kr->view, &rec), -EAGAIN);

	/* The next batch is all the process sees, and it wakes it once. */
	pos = READ_ONCE(prod->reserve_pos);
	KUNIT_ASSERT_EQ(test, kb_batch(ep, 4, 4, KB_LEN, &seq, 0), 4);
	KUNIT_ASSERT_EQ(test, memwell_rec_peek(&kr->view, &rec), 0);
	KUNIT_EXPECT_EQ(test, rec.span.pos + rec.span.n, pos + 1);
	kb_verify(&c, &rec, KB_LEN);
	memwell_rec_release(&kr->view, &rec);
	kb_drain(kr, &c, KB_LEN);
	st = kb_stats(kr);
	KUNIT_EXPECT_EQ(test, st.wakeups, 1ULL);
	KUNIT_EXPECT_EQ(test, st.produced, 7ULL);
	KUNIT_EXPECT_EQ(test, c.records, 7ULL);
	KUNIT_EXPECT_EQ(test, c.gaps, 0ULL);
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

static void memwell_kbatch_test_empty(struct kunit *test)
{
	kb_empty(test, 0);
	kb_empty(test, MEMWELL_F_PROD_MULTI);
}

/*
 * A kernel consumer takes at most what it asks for, walks the records
 * (skipping discarded ones) and releases them once: consumed counts them,
 * and the process asleep for room is woken.
 */
static void memwell_kbatch_test_take(struct kunit *test)
{
	struct memwell_kring *kr = kb_ring(test, MEMWELL_F_KERNEL_CONS);
	struct memwell_kring *kp = kb_ring(test, MEMWELL_F_KERNEL_PROD);
	struct memwell_ep *ep = kb_attach(test, kr, MEMWELL_SIDE_CONS);
	struct memwell_ep *prod = kb_attach(test, kp, MEMWELL_SIDE_PROD);
	struct memwell_ring *r = &kr->view;
	struct memwell_ring_stats st;
	struct memwell_ep_batch b;
	struct kb_check c = {};
	struct memwell_rec rec;
	u64 i, wakeups;
	int n;

	KUNIT_EXPECT_EQ(test, memwell_ep_batch_take(ep, 4, &b), -EAGAIN);
	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_EQ(test, memwell_rec_reserve(r, KB_LEN, &rec), 0);
		kb_fill(rec.data, KB_LEN, i);
		if (i == 2)
			memwell_rec_discard(r, &rec);
		else
			memwell_rec_commit(r, &rec);
	}
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_take(ep, 0, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_take(prod, 4, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_next(ep, &b, &rec), -EINVAL);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_release(ep, &b), -EINVAL);
	/* The commits above woke the consumer that found the ring empty. */
	wakeups = kb_stats(kr).wakeups;
	kb_sleeper(kr, MEMWELL_SIDE_PROD);

	KUNIT_ASSERT_EQ(test, memwell_ep_batch_take(ep, 4, &b), 4);
	n = 0;
	while (!memwell_ep_batch_next(ep, &b, &rec)) {
		kb_verify(&c, &rec, KB_LEN);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_next(ep, &b, &rec), -ENOENT);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_release(ep, &b), 0);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_release(ep, &b), -EINVAL);
	st = kb_stats(kr);
	KUNIT_EXPECT_EQ(test, st.consumed, 4ULL);
	KUNIT_EXPECT_EQ(test, st.wakeups, wakeups + 1);

	KUNIT_ASSERT_EQ(test, memwell_ep_batch_take(ep, 100, &b), 3);
	while (!memwell_ep_batch_next(ep, &b, &rec))
		kb_verify(&c, &rec, KB_LEN);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_release(ep, &b), 0);
	KUNIT_EXPECT_EQ(test, c.records, 7ULL);
	/* The discarded one is a gap in our numbering, nothing else. */
	KUNIT_EXPECT_EQ(test, c.gaps, 1ULL);
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, kb_stats(kr).consumed, 7ULL);
	KUNIT_EXPECT_EQ(test, memwell_free_blocks(r), r->count);
	memwell_ep_detach(ep);
	memwell_ep_detach(prod);
	memwell_kring_put(kp);
	memwell_kring_put(kr);
}

/* Take a batch, count its records (checking them), release it. */
static int kb_take_count(struct kunit *test, struct memwell_ep *ep, u32 max,
			 struct kb_check *c)
{
	struct memwell_ep_batch b;
	struct memwell_rec rec;
	int n = memwell_ep_batch_take(ep, max, &b);

	if (n <= 0)
		return n;
	while (!memwell_ep_batch_next(ep, &b, &rec))
		kb_verify(c, &rec, KB_LEN);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_release(ep, &b), 0);
	return n;
}

/*
 * A kernel consumer's take helps the processes' multi-owner side once, and
 * looks again, only when it found the ring empty.  Built by hand, as a
 * process that stopped between its store and its sweep leaves it: record
 * B released (marked), A before it published, B not.  In front of them,
 * 24 discarded records.  The first take may pass MEMWELL_EP_SCAN_MAX
 * skipped records besides the 4 it asks for: it stops there, with records
 * published (no help, no second look, which would pass more); the next
 * takes A; the next finds the ring empty, helps (B is published) and
 * takes B.
 */
static void memwell_kbatch_test_helped(struct kunit *test)
{
	struct memwell_kring *kr = kb_ring(test, MEMWELL_F_KERNEL_CONS |
					   MEMWELL_F_PROD_MULTI);
	struct memwell_ep *ep = kb_attach(test, kr, MEMWELL_SIDE_CONS);
	struct memwell_ring *r = &kr->view;
	struct memwell_rec rec, a, b;
	struct kb_check c = {};
	int i;

	for (i = 0; i < 24; i++) {
		KUNIT_ASSERT_EQ(test, memwell_rec_reserve(r, KB_LEN, &rec), 0);
		memwell_rec_discard(r, &rec);
	}
	KUNIT_ASSERT_EQ(test, memwell_rec_reserve(r, KB_LEN, &a), 0);
	KUNIT_ASSERT_EQ(test, memwell_rec_reserve(r, KB_LEN, &b), 0);
	kb_fill(a.data, KB_LEN, 0);
	kb_fill(b.data, KB_LEN, 1);
	KUNIT_ASSERT_EQ(test, memwell_rec_commit(r, &b), 0);	/* marked */
	smp_store_release(&r->side[MEMWELL_SIDE_PROD]->release_pos,
			  a.span.pos + a.span.n);		/* A, no sweep */
	KUNIT_EXPECT_EQ(test, memwell_ready_blocks(r), 25ULL);

	/* 4 asked + MEMWELL_EP_SCAN_MAX headers at most: A and 4 more remain. */
	KUNIT_EXPECT_EQ(test, kb_take_count(test, ep, 4, &c), -EAGAIN);
	KUNIT_EXPECT_GE(test, memwell_ready_blocks(r), 5ULL);
	KUNIT_EXPECT_EQ(test, kb_take_count(test, ep, 4, &c), 1);
	KUNIT_EXPECT_EQ(test, memwell_ready_blocks(r), 0ULL);
	KUNIT_EXPECT_EQ(test, kb_take_count(test, ep, 4, &c), 1);
	KUNIT_EXPECT_EQ(test, kb_take_count(test, ep, 4, &c), -EAGAIN);
	KUNIT_EXPECT_EQ(test, c.records, 2ULL);
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, memwell_free_blocks(r), r->count);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

/*
 * The process scribbles what it may write while the kernel holds a batch.
 * Producer: its consumer control (positions far ahead, behind, waiters)
 * between reserve and commit: the batch still commits in place, and the
 * next reservation refuses the lying positions (-EIO) or finds no room
 * (-EAGAIN) without writing outside the ring.  Consumer: the headers of
 * the records taken and its producer positions: the walk stays inside
 * the batch (-EIO where a header no longer fits) and the release gives
 * back exactly the blocks taken.
 */
static void memwell_kbatch_test_hostile(struct kunit *test)
{
	struct memwell_kring *kr = kb_ring(test, MEMWELL_F_KERNEL_PROD);
	struct memwell_ep *ep = kb_attach(test, kr, MEMWELL_SIDE_PROD);
	struct memwell_side *cons = kr->view.side[MEMWELL_SIDE_CONS];
	struct memwell_side *prod;
	struct memwell_ring *r = &kr->view;
	struct memwell_ring_stats st;
	struct memwell_ep_batch b;
	struct memwell_rec rec;
	u64 seq = 0, taken, end;
	u8 buf[24], *lo, *hi;
	int i, n;

	KUNIT_ASSERT_EQ(test, memwell_ep_batch_reserve(ep, 10, KB_LEN, &b), 10);
	WRITE_ONCE(cons->release_pos, 1ULL << 62);
	WRITE_ONCE(cons->reserve_pos, ~0ULL);
	WRITE_ONCE(cons->limit_cache, 12345);
	WRITE_ONCE(cons->waiters, ~0U);
	for (i = 0; i < 10; i++) {
		void *p = memwell_ep_batch_put(ep, &b, KB_LEN);

		KUNIT_ASSERT_NOT_NULL(test, p);
		kb_fill(p, KB_LEN, seq++);
	}
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_commit(ep, &b, 0), 10);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->side[MEMWELL_SIDE_PROD]->release_pos), 10ULL);
	/*
	 * Released far ahead: a lie the core refuses, nothing is written.
	 * (100 records: more than the limit cached before the lie promises.)
	 */
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_reserve(ep, 100, KB_LEN, &b), -EIO);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->side[MEMWELL_SIDE_PROD]->reserve_pos), 10ULL);
	/* One block more than the ring holds: refused too. */
	WRITE_ONCE(cons->release_pos, 11);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_reserve(ep, 100, KB_LEN, &b), -EIO);
	/* A lap behind: the ring looks full, the batch is dropped and counted. */
	WRITE_ONCE(cons->release_pos, 10 - 64);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_reserve(ep, 100, KB_LEN, &b), -EAGAIN);
	st = kb_stats(kr);
	KUNIT_EXPECT_EQ(test, st.dropped, 100ULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->side[MEMWELL_SIDE_PROD]->reserve_pos), 10ULL);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);

	/* Consumer. */
	kr = kb_ring(test, MEMWELL_F_KERNEL_CONS);
	ep = kb_attach(test, kr, MEMWELL_SIDE_CONS);
	r = &kr->view;
	prod = r->side[MEMWELL_SIDE_PROD];
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 20; i++)
		KUNIT_ASSERT_EQ(test, memwell_rec_write(r, buf, sizeof(buf)), 0);
	KUNIT_ASSERT_EQ(test, memwell_ep_batch_take(ep, 8, &b), 8);
	taken = READ_ONCE(r->side[MEMWELL_SIDE_CONS]->reserve_pos);
	KUNIT_EXPECT_EQ(test, taken, 8ULL);
	/* The third claims the whole ring, the fifth an unknown flag. */
	WRITE_ONCE(((struct memwell_rec_hdr *)memwell_block(r, 2))->len, 64 * 64);
	WRITE_ONCE(((struct memwell_rec_hdr *)memwell_block(r, 4))->flags, 0x80);
	WRITE_ONCE(prod->release_pos, 1ULL << 40);
	WRITE_ONCE(prod->reserve_pos, 3);
	lo = r->data;
	hi = r->data + (taken << KB_BS);
	n = 0;
	while (!memwell_ep_batch_next(ep, &b, &rec)) {
		KUNIT_EXPECT_TRUE(test, (u8 *)rec.data >= lo &&
				  (u8 *)rec.data + rec.len <= hi);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_next(ep, &b, &rec), -EIO);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_release(ep, &b), 0);
	end = READ_ONCE(r->side[MEMWELL_SIDE_CONS]->release_pos);
	KUNIT_EXPECT_EQ(test, end, taken);
	/*
	 * What was published before the lie (the limit the consumer cached)
	 * is still taken; past it, the producers' positions are refused.
	 */
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_take(ep, 100, &b), 12);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_release(ep, &b), 0);
	KUNIT_EXPECT_EQ(test, memwell_ep_batch_take(ep, 8, &b), -EIO);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->side[MEMWELL_SIDE_CONS]->reserve_pos), 20ULL);
	memwell_ep_detach(ep);
	memwell_kring_put(kr);
}

/* ---- from hardirq context ---- */

/**
 * struct kb_irq - batch calls from an hrtimer (hardirq)
 * @hrt: the timer
 * @ep: the endpoint
 * @role: MEMWELL_SIDE_PROD or MEMWELL_SIDE_CONS
 * @nr: records to reserve and put (a producer) or take at most (a consumer)
 * @got: records committed, or taken and walked; or a negative errno
 * @hardirq: it ran in hardirq context
 * @done: it ran
 */
struct kb_irq {
	struct hrtimer hrt;
	struct memwell_ep *ep;
	unsigned int role;
	u32 nr;
	int got;
	bool hardirq;
	struct completion done;
};

static enum hrtimer_restart kb_irq_fn(struct hrtimer *t)
{
	struct kb_irq *c = container_of(t, struct kb_irq, hrt);
	struct memwell_ep_batch b;
	struct memwell_rec rec;
	u64 seq = 0;

	c->hardirq = in_hardirq();
	if (c->role == MEMWELL_SIDE_PROD) {
		c->got = kb_batch(c->ep, c->nr, c->nr, KB_LEN, &seq, 0);
	} else {
		c->got = memwell_ep_batch_take(c->ep, c->nr, &b);
		if (c->got > 0) {
			c->got = 0;
			while (!memwell_ep_batch_next(c->ep, &b, &rec))
				c->got++;
			memwell_ep_batch_release(c->ep, &b);
		}
	}
	complete(&c->done);
	return HRTIMER_NORESTART;
}

static int kb_irq_call(struct kunit *test, struct memwell_ep *ep,
		       unsigned int role, u32 nr)
{
	struct kb_irq c = { .ep = ep, .role = role, .nr = nr };

	init_completion(&c.done);
	hrtimer_init(&c.hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c.hrt.function = kb_irq_fn;
	hrtimer_start(&c.hrt, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c.done, 5 * HZ), 0UL);
	hrtimer_cancel(&c.hrt);
	KUNIT_EXPECT_TRUE(test, c.hardirq);
	return c.got;
}

/* Every batch call works in hardirq context (the debug kernel checks it). */
static void memwell_kbatch_test_hardirq(struct kunit *test)
{
	struct memwell_kring *kp = kb_ring(test, MEMWELL_F_KERNEL_PROD | MEMWELL_F_PROD_MULTI);
	struct memwell_kring *kc = kb_ring(test, MEMWELL_F_KERNEL_CONS);
	struct memwell_ep *ep = kb_attach(test, kp, MEMWELL_SIDE_PROD);
	struct memwell_ep *ec = kb_attach(test, kc, MEMWELL_SIDE_CONS);
	struct kb_check c = {};
	u64 seq = 0;
	int i;

	kb_sleeper(kp, MEMWELL_SIDE_CONS);
	KUNIT_EXPECT_EQ(test, kb_irq_call(test, ep, MEMWELL_SIDE_PROD, 16), 16);
	KUNIT_EXPECT_EQ(test, kb_drain(kp, &c, KB_LEN), 16U);
	KUNIT_EXPECT_EQ(test, c.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, kb_stats(kp).wakeups, 1ULL);

	for (i = 0; i < 12; i++)
		KUNIT_ASSERT_EQ(test, memwell_rec_write(&kc->view, &seq, sizeof(seq)), 0);
	KUNIT_EXPECT_EQ(test, kb_irq_call(test, ec, MEMWELL_SIDE_CONS, 8), 8);
	KUNIT_EXPECT_EQ(test, kb_irq_call(test, ec, MEMWELL_SIDE_CONS, 8), 4);
	KUNIT_EXPECT_EQ(test, kb_stats(kc).consumed, 12ULL);
	memwell_ep_detach(ec);
	memwell_ep_detach(ep);
	memwell_kring_put(kc);
	memwell_kring_put(kp);
}

static struct kunit_case memwell_kbatch_test_cases[] = {
	KUNIT_CASE(memwell_kbatch_test_partial),
	KUNIT_CASE(memwell_kbatch_test_wrap),
	KUNIT_CASE(memwell_kbatch_test_empty),
	KUNIT_CASE(memwell_kbatch_test_take),
	KUNIT_CASE(memwell_kbatch_test_helped),
	KUNIT_CASE(memwell_kbatch_test_hostile),
	KUNIT_CASE(memwell_kbatch_test_hardirq),
	{}
};

static struct kunit_suite memwell_kbatch_test_suite = {
	.name = "memwell_kbatch",
	.test_cases = memwell_kbatch_test_cases,
};

kunit_test_suite(memwell_kbatch_test_suite);
