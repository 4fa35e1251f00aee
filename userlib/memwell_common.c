// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * What local and device mode share: the handle, the accessors, close,
 * statistics and the wait helper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libmemwell.h"
#include "memwell_handle.h"

__u32 memwell_page_shift(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return (__u32)__builtin_ctzl(page > 0 ? (unsigned long)page : 4096UL);
}

/*
 * libbpf's OPTS_VALID rule: a caller built against an older, smaller
 * struct gets defaults (zero) for the fields it lacks; one built against a
 * newer, larger struct is accepted only if everything past the fields
 * known here is zero, so a setting this library cannot honour is refused,
 * never silently ignored.
 */
_Static_assert(MEMWELL_OPTS_SIZE_MIN == offsetof(struct memwell_opts, name),
	       "MEMWELL_OPTS_SIZE_MIN is the first version's struct memwell_opts");

int memwell_opts_get(const struct memwell_opts *user, struct memwell_opts *o)
{
	const unsigned char *tail;
	size_t usize, i;

	if (!user)
		return -EINVAL;
	usize = user->size;
	if (usize < MEMWELL_OPTS_SIZE_MIN)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	memcpy(o, user, usize < sizeof(*o) ? usize : sizeof(*o));
	tail = (const unsigned char *)user;
	for (i = sizeof(*o); i < usize; i++)
		if (tail[i])
			return -E2BIG;
	o->size = sizeof(*o);
	return 0;
}

const char *memwell_opts_name(const struct memwell_opts *opts)
{
	return opts->name && opts->name[0] ? opts->name : NULL;
}

int memwell_handle_new(int fd, int mode, void *base, __u64 size,
		       __u32 access, struct memwell **out)
{
	struct memwell *mw = calloc(1, sizeof(*mw));
	int err;

	if (!mw)
		return -ENOMEM;
	err = memwell_ring_attach(&mw->ring, base, size, access);
	if (err) {
		free(mw);
		return err;
	}
	mw->fd = fd;
	mw->mode = mode;
	mw->map = base;
	mw->map_size = size;
	*out = mw;
	return 0;
}

struct memwell_ring *memwell_get_ring(struct memwell *mw)
{
	return &mw->ring;
}

int memwell_fd(const struct memwell *mw)
{
	return mw->fd;
}

void memwell_close(struct memwell *mw)
{
	if (!mw)
		return;
	/* One munmap covers every region: they lie in one reserved range. */
	munmap(mw->map, mw->map_size);
	close(mw->fd);
	free(mw);
}

int memwell_get_io_stats(const struct memwell *mw, struct memwell_io_stats *st,
		     size_t size)
{
	struct memwell_io_stats s;

	if (!mw || !st)
		return -EINVAL;
	s.kicks = __atomic_load_n(&mw->kicks, __ATOMIC_RELAXED);
	s.kick_errors = __atomic_load_n(&mw->kick_errors, __ATOMIC_RELAXED);
	s.waits = __atomic_load_n(&mw->waits, __ATOMIC_RELAXED);
	s.syscalls = s.kicks + s.waits;
	memcpy(st, &s, size < sizeof(s) ? size : sizeof(s));
	return 0;
}

/* Blocks side @s may reserve now: ready ones (consumers) or free ones. */
static __u64 memwell_side_room(const struct memwell_ring *r, unsigned int s)
{
	return s == MEMWELL_SIDE_CONS ? memwell_ready_blocks(r) : memwell_free_blocks(r);
}

/*
 * Whether side @s has @min blocks now.  Without a kick, an in-order
 * release on a multi-owner side may leave a span marked meanwhile to the
 * next sweep (memwell_release(), (F')): finding too little, sweep the
 * peer's side and look again, as a reservation does, so that a caller
 * polling readiness sees every released span.
 */
static bool memwell_side_has(struct memwell_ring *r, unsigned int s, __u64 min)
{
	if (memwell_side_room(r, s) >= min)
		return true;
	return !__memwell_publish_ordered(r) && __memwell_help_peer(r, s) &&
	       memwell_side_room(r, s) >= min;
}

/* What the shared state says now, without a syscall and without arming. */
static int memwell_ready_mask(struct memwell *mw, int events, __u64 min)
{
	int ready = 0;

	if ((events & MEMWELL_WAIT_READ) && memwell_side_has(&mw->ring, MEMWELL_SIDE_CONS, min))
		ready |= MEMWELL_WAIT_READ;
	if ((events & MEMWELL_WAIT_WRITE) && memwell_side_has(&mw->ring, MEMWELL_SIDE_PROD, min))
		ready |= MEMWELL_WAIT_WRITE;
	return ready;
}

/* Some, but fewer than @min, blocks are there for one of @events. */
static int memwell_some_ready(struct memwell *mw, int events)
{
	return memwell_ready_mask(mw, events, 1);
}

static __s64 memwell_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep in poll() until the kernel says one of @events is ready. */
static int memwell_poll(struct memwell *mw, int events, int timeout_ms)
{
	struct pollfd p;
	int ready, n;

	/*
	 * The kernel's poll() announces the sleep itself (waiters = 1, full
	 * barrier, then a fresh look): docs/wake-protocol.md.
	 */
	p.fd = mw->fd;
	p.events = ((events & MEMWELL_WAIT_READ) ? POLLIN : 0) |
		   ((events & MEMWELL_WAIT_WRITE) ? POLLOUT : 0);
	p.revents = 0;
	__atomic_fetch_add(&mw->waits, 1, __ATOMIC_RELAXED);
	n = poll(&p, 1, timeout_ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if (p.revents & POLLNVAL)
		return -EBADF;
	ready = ((p.revents & POLLIN) ? MEMWELL_WAIT_READ : 0) |
		((p.revents & POLLOUT) ? MEMWELL_WAIT_WRITE : 0);
	ready &= events;
	if (ready)
		return ready;
	/*
	 * Only the kernel's side hangs up: its producers are gone and nothing
	 * is left to read, or its consumers and no room is left to write.
	 */
	if (p.revents & POLLERR)
		return -EIO;
	if (p.revents & POLLHUP)
		return -EPIPE;
	return 0;
}

int memwell_wait_blocks(struct memwell *mw, int events, __u64 min_blocks,
			int timeout_ms)
{
	__s64 deadline = 0, left;
	unsigned int nap_us = 20;
	int ready;

	if (!mw || !events || (events & ~(MEMWELL_WAIT_READ | MEMWELL_WAIT_WRITE)))
		return -EINVAL;
	if (!min_blocks)
		min_blocks = 1;
	if (min_blocks > mw->ring.count)
		return -EMSGSIZE;	/* would never be ready */
	ready = memwell_ready_mask(mw, events, min_blocks);
	if (ready || !timeout_ms)
		return ready;
	if (mw->mode != MEMWELL_MODE_DEV)
		return -EOPNOTSUPP;	/* no kernel to sleep in */
	if (min_blocks == 1)
		return memwell_poll(mw, events, timeout_ms);

	if (timeout_ms > 0)
		deadline = memwell_now_ms() + timeout_ms;
	for (;;) {
		int n;

		left = timeout_ms < 0 ? -1 : deadline - memwell_now_ms();
		if (timeout_ms >= 0 && left <= 0)
			return 0;
		if (!memwell_some_ready(mw, events)) {
			/* Nothing at all: the kernel can put us to sleep. */
			n = memwell_poll(mw, events, (int)left);
			if (n <= 0)
				return n;
		} else {
			/*
			 * Some blocks, too few: poll() would return at once
			 * (it reports one free block as writable).  Nap and
			 * look again, backing off to 1 ms; no syscall but the
			 * nap, and no announcement, so the peer kicks nobody.
			 */
			struct timespec ts = { 0, (long)nap_us * 1000 };

			if (nanosleep(&ts, NULL) && errno == EINTR)
				return -EINTR;
			if (nap_us < 1000)
				nap_us *= 2;
		}
		ready = memwell_ready_mask(mw, events, min_blocks);
		if (ready)
			return ready;
	}
}

int memwell_wait(struct memwell *mw, int events, int timeout_ms)
{
	return memwell_wait_blocks(mw, events, 1, timeout_ms);
}
