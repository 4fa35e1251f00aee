// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * The public headers alone, every inline call used the way an application
 * would: run.sh compiles this at each optimisation level with -Wall -Wextra
 * -Werror (and as C++ when a C++ compiler is there), so that the headers
 * never break a user's -Werror build.  It also runs, briefly.  Built a second
 * time with -DMW_SECOND_TU and linked in too: a header that defined a
 * non-static function (Memory Wheel's did) would give a duplicate symbol.
 */
#include <stdio.h>
#include <string.h>

#include "libmemwell.h"

#ifdef MW_SECOND_TU
/* Another file of the same program using the headers. */
int second_tu(struct memwell_ring *r);
int second_tu(struct memwell_ring *r)
{
	return memwell_rec_write(r, "2", 1);
}
#else
/* Thin wrappers as an application or a binding would export them. */
long app_read(struct memwell_ring *r, void *buf, __u64 n);
long app_read(struct memwell_ring *r, void *buf, __u64 n)
{
	return memwell_rec_read(r, buf, n);
}

int app_read_small(struct memwell_ring *r);
int app_read_small(struct memwell_ring *r)
{
	char b[64];

	return (int)memwell_rec_read(r, b, sizeof(b));
}

static int produce(struct memwell_ring *r)
{
	struct memwell_rec rec;
	struct memwell_batch b;
	void *p;
	int n;

	if (memwell_rec_write(r, "hello", 5))
		return 1;
	if (memwell_rec_reserve(r, 3, &rec))
		return 1;
	memcpy(rec.data, "abc", 3);
	if (memwell_rec_commit(r, &rec))
		return 1;
	if (memwell_rec_reserve(r, 3, &rec) || memwell_rec_discard(r, &rec))
		return 1;
	n = memwell_batch_reserve(r, 1, 4, &b);
	if (n < 1)
		return 1;
	while ((p = memwell_batch_put(r, &b, 2)) != NULL)
		memcpy(p, "xy", 2);
	return memwell_batch_commit(r, &b) < 1;
}

static int consume(struct memwell_ring *r)
{
	char buf[16];
	struct memwell_rec rec;
	struct memwell_batch b;
	long len;
	int n, got = 0;

	len = app_read(r, buf, sizeof(buf));
	if (len != 5 || memcmp(buf, "hello", 5))
		return 1;
	if (memwell_rec_peek(r, &rec) || rec.len != 3 || memwell_rec_release(r, &rec))
		return 1;
	n = memwell_batch_take(r, 8, 64, sizeof(buf), &b);
	if (n < 1)
		return 1;
	while (memwell_batch_next(r, &b, &rec) == 0)
		got++;
	if (got != n || memwell_batch_release(r, &b))
		return 1;
	return memwell_rec_read(r, buf, sizeof(buf)) != -EAGAIN;
}

static int blocks(struct memwell_ring *r)
{
	struct memwell_span sp;
	int n = memwell_reserve(r, MEMWELL_SIDE_PROD, 1, 8, &sp);

	if (n < 1)
		return 1;
	memset(memwell_block(r, sp.pos), 0, (size_t)sp.n * memwell_block_size(r));
	if (memwell_release(r, MEMWELL_SIDE_PROD, &sp) ||
	    memwell_ready_blocks(r) != (__u64)n || memwell_free_blocks(r) == 0)
		return 1;
	n = memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 8, &sp);
	if (n < 1 || memwell_release(r, MEMWELL_SIDE_CONS, &sp))
		return 1;
	return memwell_side_recover(r, MEMWELL_SIDE_PROD) != 0;
}

int main(void)
{
	struct memwell_opts o;
	struct memwell *mw = NULL, *bw = NULL;
	int bad;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI;
	o.block_shift = 6;
	o.count_shift = 8;
	if (memwell_create_local(&o, &mw))
		return 1;
	o.flags = 0;
	if (memwell_create_local(&o, &bw))
		return 1;
	bad = produce(memwell_get_ring(mw)) || consume(memwell_get_ring(mw)) ||
	      blocks(memwell_get_ring(bw));
	memwell_close(mw);
	memwell_close(bw);
	printf("%s\n", bad ? "FAIL" : "PASS");
	return bad;
}
#endif /* MW_SECOND_TU */
