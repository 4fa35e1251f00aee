// SPDX-License-Identifier: GPL-2.0
/*
 * A pipe and an AF_UNIX stream socketpair under the benchmark: one
 * write()/read() per record, or 16 records per syscall when batched.
 * Records are fixed-size and unframed (the reader knows the size), which
 * favours these peers.  Descriptors are blocking, as a user would use
 * them; the kernel buffer is ring_bytes (F_SETPIPE_SZ, SO_SNDBUF(FORCE)).
 * Consumers stop at EOF, once every producer has closed its descriptor.
 *
 * Multi-producer / multi-consumer: a write of at most PIPE_BUF bytes is
 * atomic, and readers read whole records, so records never interleave.
 * When a syscall carries more than PIPE_BUF bytes (1 KiB batched, 16 KiB),
 * producers serialize their writes and consumers their reads with a mutex
 * each, as a byte stream shared by several writers needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

struct fd_state {
	int wfd[BENCH_MAXT];	/* one per producer: EOF when all are closed */
	int rfd;
	int locked;
	pthread_mutex_t wlock;
	pthread_mutex_t rlock;
};

static int fd_finish_setup(struct bench_shared *sh, struct fd_state *s, int wfd)
{
	unsigned int i;

	s->wfd[0] = wfd;
	for (i = 1; i < sh->cfg->nprod; i++) {
		s->wfd[i] = dup(wfd);
		if (s->wfd[i] < 0)
			return -errno;
	}
	s->locked = sh->cfg->mpmc &&
		    (uint64_t)sh->cfg->size * sh->cfg->batch > PIPE_BUF;
	pthread_mutex_init(&s->wlock, NULL);
	pthread_mutex_init(&s->rlock, NULL);
	sh->ring = s;
	return 0;
}

static struct fd_state *fd_state_new(void)
{
	struct fd_state *s = calloc(1, sizeof(*s));
	unsigned int i;

	if (!s)
		return NULL;
	for (i = 0; i < BENCH_MAXT; i++)
		s->wfd[i] = -1;
	s->rfd = -1;
	return s;
}

static int pipe_setup(struct bench_shared *sh)
{
	struct fd_state *s = fd_state_new();
	int p[2];

	if (!s)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC)) {
		free(s);
		return -errno;
	}
	if (fcntl(p[1], F_SETPIPE_SZ, (int)sh->cfg->ring_bytes) < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		free(s);
		return err;
	}
	s->rfd = p[0];
	return fd_finish_setup(sh, s, p[1]);
}

static int sock_setup(struct bench_shared *sh)
{
	struct fd_state *s = fd_state_new();
	int sv[2], sz = (int)sh->cfg->ring_bytes;

	if (!s)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		free(s);
		return -errno;
	}
	/* The sender's buffer bounds what is in flight on a unix stream. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(sv[1], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Producers write sv[0] (and its dups); consumers read sv[1]. */
	s->rfd = sv[1];
	return fd_finish_setup(sh, s, sv[0]);
}

static void fd_teardown(struct bench_shared *sh)
{
	struct fd_state *s = sh->ring;
	unsigned int i;

	for (i = 0; i < BENCH_MAXT; i++)
		if (s->wfd[i] >= 0)
			close(s->wfd[i]);
	if (s->rfd >= 0)
		close(s->rfd);
	pthread_mutex_destroy(&s->wlock);
	pthread_mutex_destroy(&s->rlock);
	free(s);
	sh->ring = NULL;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

BENCH_INLINE void fd_prod(const unsigned int size, struct bench_thr *t,
			  struct fd_state *s)
{
	const unsigned int batch = t->batch;
	int fd = s->wfd[t->idx];
	uint64_t seq;
	int err = 0;

	for (seq = 0; !bench_should_stop(t, seq); seq += batch) {
		unsigned char *p = t->src + (batch == 1 ? (seq % BENCH_BATCH) * size : 0);
		unsigned int i;

		for (i = 0; i < batch; i++)
			bench_stamp(t, p + i * size, size, seq + i);
		if (s->locked)
			pthread_mutex_lock(&s->wlock);
		err = write_all(fd, p, (size_t)batch * size);
		if (s->locked)
			pthread_mutex_unlock(&s->wlock);
		if (err)
			break;
		t->count = seq + batch;
	}
	if (err)
		bench_fail(t, err);
	/* Our descriptor closed: consumers see EOF after the last producer. */
	close(fd);
	s->wfd[t->idx] = -1;
}

static void fd_producer(struct bench_thr *t)
{
	BENCH_SIZE_DISPATCH(t->size, fd_prod, t, (struct fd_state *)t->sh->ring);
}

BENCH_INLINE void fd_cons(const unsigned int size, struct bench_thr *t,
			  struct fd_state *s)
{
	const size_t want = (size_t)t->batch * size;
	unsigned char *buf = t->dst;

	for (;;) {
		size_t have = 0, i;
		int eof = 0;

		if (t->batch == 1)
			buf = t->dst + (t->count % BENCH_BATCH) * size;
		if (s->locked)
			pthread_mutex_lock(&s->rlock);
		/* Read up to want bytes, and always whole records. */
		do {
			ssize_t k = read(s->rfd, buf + have, want - have);

			if (k < 0) {
				if (errno == EINTR)
					continue;
				bench_fail(t, -errno);
				eof = 1;
				break;
			}
			if (!k) {
				eof = 1;
				break;
			}
			have += (size_t)k;
		} while (have % size);
		if (s->locked)
			pthread_mutex_unlock(&s->rlock);
		if (bench_unlikely(have % size))
			bench_fail(t, -EIO);	/* EOF inside a record */
		for (i = 0; i + size <= have; i += size)
			bench_check(t, buf + i, size);
		if (eof)
			return;
	}
}

static void fd_consumer(struct bench_thr *t)
{
	BENCH_SIZE_DISPATCH(t->size, fd_cons, t, (struct fd_state *)t->sh->ring);
}

const struct bench_contender bench_pipe = {
	.name = "pipe",
	.family = "pipe",
	.modes = BENCH_SPSC | BENCH_MPMC,
	.param = 0,
	.setup = pipe_setup,
	.teardown = fd_teardown,
	.producer = fd_producer,
	.consumer = fd_consumer,
};

const struct bench_contender bench_socketpair = {
	.name = "socketpair",
	.family = "socketpair",
	.modes = BENCH_SPSC | BENCH_MPMC,
	.param = 0,
	.setup = sock_setup,
	.teardown = fd_teardown,
	.producer = fd_producer,
	.consumer = fd_consumer,
};
