/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The producer of the C examples: a forked child writes records 0 .. n-1
 * (example_records.h) into the ring it inherited, sleeping while the ring
 * is full.  It is plain libmemwell; the interesting part of each example
 * is its consumer.
 */
#ifndef EXAMPLE_PRODUCER_H
#define EXAMPLE_PRODUCER_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmemwell.h"
#include "example_records.h"

/* The child's work: returns its exit status. */
static int example_produce(struct memwell *mw, __u64 n)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	unsigned char buf[EXAMPLE_MAX_LEN];
	__u64 seq = 0;

	while (seq < n) {
		__u32 len = example_len(seq);
		int err;

		example_fill(buf, seq);
		err = memwell_rec_write(r, buf, len);
		if (!err) {
			seq++;
			continue;
		}
		if (err != -EAGAIN) {
			fprintf(stderr, "producer: record %llu: %s\n",
				(unsigned long long)seq, strerror(-err));
			return 1;
		}
		/*
		 * Full: sleep until the consumer frees enough blocks for
		 * this record.  The consumer's release kicks us awake (it
		 * sees that we announced the sleep), so this costs no
		 * syscall while the ring has room.
		 */
		err = memwell_wait_blocks(mw, MEMWELL_WAIT_WRITE,
					  memwell_rec_blocks(r, len), EXAMPLE_STALL_MS);
		if (err == 0 || (err < 0 && err != -EINTR)) {
			fprintf(stderr, "producer: waiting for room: %s\n",
				err ? strerror(-err) : "timed out");
			return 1;
		}
	}
	return 0;
}

/*
 * Fork the producer.  The child uses the parent's handle as it is: the
 * ring is a shared mapping of the /dev/memwell fd both now hold.
 */
static pid_t example_fork_producer(struct memwell *mw, __u64 n)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(example_produce(mw, n));
	return pid;
}

/*
 * Wait for the producer; after a failed consumer (@failed) stop it first,
 * as it may be asleep on a ring nobody drains.  0 if both succeeded.
 */
static int example_reap_producer(pid_t child, int failed)
{
	int status;

	if (failed)
		kill(child, SIGKILL);
	if (waitpid(child, &status, 0) != child)
		return -1;
	if (failed)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "the producer failed (wait status %#x)\n", status);
		return -1;
	}
	return 0;
}

#endif /* EXAMPLE_PRODUCER_H */
