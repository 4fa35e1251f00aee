/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libmemwell: memwell rings from user space.
 *
 * A ring is created or attached through an opaque handle; the fast path
 * (reserve, commit, peek, release, batches) is the inline ring core of
 * memwell_ring.h operating on memwell_ring(handle), with no call into the
 * library and no syscall.
 *
 *   struct memwell *mw;
 *   struct memwell_opts o = { .size = sizeof(o), .flags = MEMWELL_F_RECORDS,
 *                             .block_shift = 6, .count_shift = 12 };
 *   int err = memwell_create_local(&o, &mw);
 *   struct memwell_ring *r = memwell_ring(mw);
 *   memwell_rec_write(r, "hi", 2);
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; none sets errno as its result.
 */
#ifndef LIBMEMWELL_H
#define LIBMEMWELL_H

#include "memwell_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

struct memwell;

/* Geometry and mode of a new ring. */
struct memwell_opts {
	__u32 size;		/* sizeof(struct memwell_opts): lets it grow */
	__u32 flags;		/* MEMWELL_F_* */
	__u32 block_shift;	/* block size = 1 << block_shift */
	__u32 count_shift;	/* block count = 1 << count_shift */
};

/*
 * Local mode: the ring lives in a sealed memfd mapped twice, shared by
 * threads, by fork() and, with memwell_send_fd(), by other processes.
 */
int memwell_create_local(const struct memwell_opts *opts, struct memwell **out);

/* Attach to a local ring's memfd (e.g. received by memwell_recv_fd()). */
int memwell_attach_fd(int fd, struct memwell **out);

/* The ring for the inline fast path of memwell_ring.h. */
struct memwell_ring *memwell_ring(struct memwell *mw);

/* The fd backing the ring (a memfd in local mode). */
int memwell_fd(const struct memwell *mw);

/* Unmap and close; accepts NULL. */
void memwell_close(struct memwell *mw);

/* Pass a ring's fd over an AF_UNIX socket (SCM_RIGHTS). */
int memwell_send_fd(int sock, int fd);
/* Receive one: returns the new fd or a negative errno. */
int memwell_recv_fd(int sock);

#ifdef __cplusplus
}
#endif

#endif /* LIBMEMWELL_H */
