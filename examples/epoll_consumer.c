// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * A memwell consumer in an epoll loop.
 *
 * The ring's /dev/memwell fd is an ordinary pollable fd: EPOLLIN means
 * records are ready.  So a program that already has an event loop adds
 * the fd to it and, when it is readable, takes records with the inline
 * fast path (memwell_rec_peek()/memwell_rec_release(): no syscall, no
 * copy) until the ring is empty.
 *
 * The program creates a records ring, forks a producer that writes
 * RECORDS records (default 100000), consumes and checks them all, prints
 * a summary and exits 0 (1 on any error or mismatch).
 *
 *   epoll_consumer [RECORDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "libmemwell.h"
#include "example_producer.h"

/*
 * Take every ready record; returns how many, or -1 on a bad one.  Level-
 * triggered epoll would report the fd again if we stopped early, but
 * draining to -EAGAIN is cheaper (one epoll_wait() per burst) and is what
 * EPOLLET needs: the -EAGAIN is where the ring notes that we will sleep,
 * so that the producer's next commit wakes us.
 */
static long drain(struct memwell_ring *r, __u64 *next_seq, __u64 total)
{
	struct memwell_rec rec;
	long taken = 0;
	int err = 0;

	while (*next_seq < total && !(err = memwell_rec_peek(r, &rec))) {
		__u32 bad = example_check(rec.data, rec.len, *next_seq);

		if (bad) {
			fprintf(stderr, "epoll_consumer: record %llu (%u bytes): byte %u differs\n",
				(unsigned long long)*next_seq, rec.len, bad - 1);
			return -1;
		}
		/* The blocks go back to the producer only now: zero copy. */
		err = memwell_rec_release(r, &rec);
		if (err) {
			fprintf(stderr, "epoll_consumer: release: %s\n", strerror(-err));
			return -1;
		}
		(*next_seq)++;
		taken++;
	}
	if (*next_seq < total && err != -EAGAIN) {
		fprintf(stderr, "epoll_consumer: peek: %s\n", strerror(-err));
		return -1;
	}
	return taken;
}

/* Wait for EPOLLIN and drain until @total records are checked; 0 or -1. */
static int consume(struct memwell *mw, __u64 total, __u64 *wakeups)
{
	struct epoll_event ev = { .events = EPOLLIN };
	__u64 seq = 0;
	int ep, ret = -1;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, memwell_fd(mw), &ev)) {
		perror("epoll_consumer: epoll");
		goto out;
	}
	while (seq < total) {
		struct epoll_event out;
		int n = epoll_wait(ep, &out, 1, EXAMPLE_STALL_MS);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "epoll_consumer: %s after record %llu\n",
				n ? strerror(errno) : "no record for 10 s",
				(unsigned long long)seq);
			goto out;
		}
		(*wakeups)++;
		if (drain(memwell_get_ring(mw), &seq, total) < 0)
			goto out;
	}
	ret = 0;
out:
	if (ep >= 0)
		close(ep);
	return ret;
}

int main(int argc, char **argv)
{
	struct memwell_opts opts = {
		.size = sizeof(opts),
		.flags = MEMWELL_F_RECORDS,
		.block_shift = EXAMPLE_BLOCK_SHIFT,
		.count_shift = EXAMPLE_COUNT_SHIFT,
	};
	__u64 total = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000;
	__u64 wakeups = 0;
	struct memwell *mw;
	int err;
	pid_t child;

	err = memwell_create_dev(&opts, &mw);
	if (err) {
		fprintf(stderr, "epoll_consumer: memwell_create_dev: %s\n", strerror(-err));
		return 1;
	}
	child = example_fork_producer(mw, total);
	if (child < 0) {
		perror("epoll_consumer: fork");
		return 1;
	}
	err = consume(mw, total, &wakeups);
	if (example_reap_producer(child, err))
		return 1;
	printf("epoll_consumer: %llu records checked, %llu epoll wakeups\n",
	       (unsigned long long)total, (unsigned long long)wakeups);
	memwell_close(mw);
	return 0;
}
