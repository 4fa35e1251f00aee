// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * A memwell consumer in a libuv loop.
 *
 * uv_poll watches any pollable fd, so the ring's /dev/memwell fd joins the
 * loop like a socket: UV_READABLE means records are ready.  The callback
 * takes them in batches (memwell_batch_take(): one reservation for up to
 * BATCH records, walked with memwell_batch_next(), given back with one
 * memwell_batch_release()), which is the cheapest way to consume many
 * small records.  A timer turns a stalled producer into an error instead
 * of a hang.
 *
 * The program creates a records ring, forks a producer, consumes and
 * checks every record, prints a summary and exits 0 (1 on any error or
 * mismatch).
 *
 *   uv_consumer [RECORDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "libmemwell.h"
#include "example_producer.h"

#define BATCH	32

struct consumer {
	struct memwell *mw;
	uv_poll_t poll;
	uv_timer_t stall;
	__u64 next_seq;
	__u64 total;
	__u64 batches;
	int failed;
};

static void stop(struct consumer *c, int failed)
{
	c->failed |= failed;
	uv_poll_stop(&c->poll);
	uv_timer_stop(&c->stall);
}

/* Check and give back one taken batch; -1 on a bad record. */
static int consume_batch(struct consumer *c, struct memwell_ring *r,
			 struct memwell_batch *b)
{
	struct memwell_rec rec;
	int err;

	while (!(err = memwell_batch_next(r, b, &rec))) {
		__u32 bad = example_check(rec.data, rec.len, c->next_seq);

		if (bad) {
			fprintf(stderr, "uv_consumer: record %llu (%u bytes): byte %u differs\n",
				(unsigned long long)c->next_seq, rec.len, bad - 1);
			return -1;
		}
		c->next_seq++;
	}
	if (err != -ENOENT) {
		fprintf(stderr, "uv_consumer: batch_next: %s\n", strerror(-err));
		return -1;
	}
	err = memwell_batch_release(r, b);
	if (err) {
		fprintf(stderr, "uv_consumer: batch_release: %s\n", strerror(-err));
		return -1;
	}
	c->batches++;
	return 0;
}

/* UV_READABLE: take batches until the ring is empty (see epoll_consumer.c). */
static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct consumer *c = poll->data;
	struct memwell_ring *r = memwell_get_ring(c->mw);
	struct memwell_batch b;
	int n;

	if (status < 0 || !(events & UV_READABLE)) {
		fprintf(stderr, "uv_consumer: poll: %s\n", uv_strerror(status));
		stop(c, 1);
		return;
	}
	while (c->next_seq < c->total) {
		__u64 want = c->total - c->next_seq;

		/* Never take more records than we still expect. */
		n = memwell_batch_take(r, want < BATCH ? (__u32)want : BATCH,
				       ~0ULL, EXAMPLE_MAX_LEN, &b);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			fprintf(stderr, "uv_consumer: batch_take: %s\n", strerror(-n));
			stop(c, 1);
			return;
		}
		if (consume_batch(c, r, &b)) {
			stop(c, 1);
			return;
		}
	}
	if (c->next_seq == c->total)
		stop(c, 0);
	else	/* progress: push the stall deadline back */
		uv_timer_again(&c->stall);
}

static void on_stall(uv_timer_t *t)
{
	struct consumer *c = t->data;

	fprintf(stderr, "uv_consumer: no record for 10 s after record %llu\n",
		(unsigned long long)c->next_seq);
	stop(c, 1);
}

int main(int argc, char **argv)
{
	struct memwell_opts opts = {
		.size = sizeof(opts),
		.flags = MEMWELL_F_RECORDS,
		.block_shift = EXAMPLE_BLOCK_SHIFT,
		.count_shift = EXAMPLE_COUNT_SHIFT,
	};
	struct consumer c = { .total = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000 };
	uv_loop_t *loop = uv_default_loop();
	int err;
	pid_t child;

	err = memwell_create_dev(&opts, &c.mw);
	if (err) {
		fprintf(stderr, "uv_consumer: memwell_create_dev: %s\n", strerror(-err));
		return 1;
	}
	child = example_fork_producer(c.mw, c.total);
	if (child < 0) {
		perror("uv_consumer: fork");
		return 1;
	}

	c.poll.data = &c;
	c.stall.data = &c;
	err = uv_poll_init(loop, &c.poll, memwell_fd(c.mw));
	if (!err)
		err = uv_poll_start(&c.poll, UV_READABLE, on_readable);
	if (!err)
		err = uv_timer_init(loop, &c.stall);
	if (!err)
		err = uv_timer_start(&c.stall, on_stall, EXAMPLE_STALL_MS, EXAMPLE_STALL_MS);
	if (err) {
		fprintf(stderr, "uv_consumer: %s\n", uv_strerror(err));
		example_reap_producer(child, 1);
		return 1;
	}
	/* Returns once stop() left no active handle. */
	uv_run(loop, UV_RUN_DEFAULT);
	if (example_reap_producer(child, c.failed))
		return 1;
	printf("uv_consumer: %llu records checked in %llu batches\n",
	       (unsigned long long)c.next_seq, (unsigned long long)c.batches);
	uv_close((uv_handle_t *)&c.poll, NULL);
	uv_close((uv_handle_t *)&c.stall, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	memwell_close(c.mw);
	return 0;
}
