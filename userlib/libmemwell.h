/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libmemwell: memwell rings from user space.
 *
 * A ring is created or attached through an opaque handle; the fast path
 * (reserve, commit, peek, release, batches) is the inline ring core of
 * memwell_ring.h operating on memwell_get_ring(handle), with no call into the
 * library and no syscall (other languages call it out of line:
 * libmemwell_ffi.h).
 *
 *   struct memwell *mw;
 *   struct memwell_opts o = { .size = sizeof(o), .flags = MEMWELL_F_RECORDS,
 *                             .block_shift = 6, .count_shift = 12 };
 *   int err = memwell_create_local(&o, &mw);
 *   struct memwell_ring *r = memwell_get_ring(mw);
 *   memwell_rec_write(r, "hi", 2);
 *
 * Device mode is the same API on a ring the kernel allocates
 * (memwell_create_dev()): a program switches modes by how it creates the
 * ring, nothing else.  Only device mode can sleep (memwell_wait(), or
 * poll/epoll on memwell_fd()); docs/wake-protocol.md explains why no
 * wakeup is lost and why nothing costs a syscall while nobody sleeps.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; none sets errno as its result.
 */
#ifndef LIBMEMWELL_H
#define LIBMEMWELL_H

#include <stddef.h>

#include "memwell_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

struct memwell;

/*
 * Geometry and mode of a new ring.  @size lets the struct grow: a struct of
 * an older version (at least MEMWELL_OPTS_SIZE_MIN bytes) gets zero for
 * the fields it lacks; a newer, larger one is refused with -E2BIG if a
 * field this library does not know is set.
 */
struct memwell_opts {
	__u32 size;		/* sizeof(struct memwell_opts): lets it grow */
	__u32 flags;		/* MEMWELL_F_* */
	__u32 block_shift;	/* block size = 1 << block_shift */
	__u32 count_shift;	/* block count = 1 << count_shift */
	/*
	 * Optional (NULL or ""): device mode, the unique name kernel code
	 * finds the ring by (up to 31 of [A-Za-z0-9_.-]; -EEXIST if taken);
	 * local mode, the memfd's name (/proc/<pid>/fd).
	 */
	const char *name;
	/*
	 * Device mode, named rings: who else may open it by name
	 * (MEMWELL_IOC_OPEN), as permission bits (MEMWELL_MODE_MASK); 0 is
	 * 0600, the creator's user alone.  Local mode: must be 0.
	 */
	__u32 mode;
};

/* The fields of the first version: size to count_shift. */
#define MEMWELL_OPTS_SIZE_MIN	16U

/*
 * Local mode: the ring lives in a sealed memfd mapped twice, shared by
 * threads, by fork() and, with memwell_send_fd(), by other processes.
 */
int memwell_create_local(const struct memwell_opts *opts, struct memwell **out);

/*
 * Attach to a ring's fd (e.g. received by memwell_recv_fd()): a local
 * ring's memfd, or a /dev/memwell fd (then as memwell_attach_dev_fd()).
 * On success the handle owns @fd; on failure the caller still does.
 */
int memwell_attach_fd(int fd, struct memwell **out);

/* Device mode: /dev/memwell, or the path in the environment variable MEMWELL_DEV. */
#define MEMWELL_DEV_PATH	"/dev/memwell"

/*
 * Create a ring in the kernel: open the device, MEMWELL_IOC_CREATE,
 * MEMWELL_IOC_INFO, and map each region at its place in one range.
 * -ENOENT: no device (module not loaded); other errors are the device's
 * (docs/device-abi.md), e.g. -EINVAL for a bad geometry, -E2BIG too large.
 */
int memwell_create_dev(const struct memwell_opts *opts, struct memwell **out);

/*
 * Attach to a device ring through an fd that already holds one (received
 * with SCM_RIGHTS, or inherited).  On success the handle owns @fd.  After
 * fork() a child may also keep using the parent's handle as it is.
 */
int memwell_attach_dev_fd(int fd, struct memwell **out);

#define MEMWELL_WAIT_READ	(1 << 0)	/* consumers: published data */
#define MEMWELL_WAIT_WRITE	(1 << 1)	/* producers: free blocks */

/*
 * Wait until the ring is ready for @events (MEMWELL_WAIT_*), for at most
 * @timeout_ms (negative: no limit; 0: look without sleeping).
 *
 * Return: the ready events (> 0), 0 on timeout, -EINTR if a signal
 * arrived (call again), -EPIPE when the ring's kernel producers are gone
 * and nothing is left to read, or its kernel consumers are gone and no
 * room is left to write (EPOLLHUP), -EOPNOTSUPP in local mode with a
 * non-zero timeout (there is no kernel to sleep in), -EINVAL for bad
 * @events.  Readiness is a hint: another consumer may take the data
 * first, and WRITE means at least one free block, maybe too few for a
 * large record (see memwell_wait_blocks()); retry the ring call and wait
 * again on -EAGAIN.  With EPOLLET on memwell_fd(), work until -EAGAIN
 * before waiting (docs/wake-protocol.md).
 */
int memwell_wait(struct memwell *mw, int events, int timeout_ms);

/*
 * memwell_wait() for at least @min_blocks ready (READ) or free (WRITE)
 * blocks, e.g. memwell_rec_blocks(r, len) before writing a record of len
 * bytes.  The kernel's poll() reports a ring writable from one free block
 * on, so while some but too few blocks are free this naps (20 us, backing
 * off to 1 ms) instead of spinning; with none it sleeps in poll().
 * -EMSGSIZE if @min_blocks exceeds the ring.  Otherwise as memwell_wait().
 */
int memwell_wait_blocks(struct memwell *mw, int events, __u64 min_blocks,
			int timeout_ms);

/*
 * Syscalls this handle made (this process's copy of the handle; a forked
 * child starts from the parent's counts).  The kernel's ring-wide counters
 * are struct memwell_ring_stats (memwell_get_stats()).
 */
struct memwell_io_stats {
	__u64 kicks;		/* MEMWELL_IOC_WAKE sent to wake a sleeping peer */
	__u64 kick_errors;	/* of which failed */
	__u64 waits;		/* poll() calls made by memwell_wait*() */
	__u64 syscalls;		/* kicks + waits: the fast path makes none */
};

/* Copy up to @size bytes of the handle's syscall counters to @st. */
int memwell_get_io_stats(const struct memwell *mw, struct memwell_io_stats *st,
		     size_t size);

/*
 * Device mode: the kernel's counters of the ring (records kernel producers
 * made and dropped, kernel consumers took, wake-ups, ...), read from the
 * header page without a syscall.  -EOPNOTSUPP in local mode.
 */
int memwell_get_stats(const struct memwell *mw, struct memwell_ring_stats *st);

/*
 * Device mode: when kernel producers wake sleeping consumers
 * (MEMWELL_IOC_SET_WAKE).  By default (0, 0, 0) at once, unless the
 * consumer was woken moments ago: then at most @latency_ns (0: 50 us) after
 * the commit, with all that came meanwhile.  @flags MEMWELL_WAKE_EAGER: at
 * once, always; MEMWELL_WAKE_NEVER: never (consumers busy-poll).  With a
 * @watermark: once that many bytes are ready, but at most @latency_ns
 * after a commit (0: no bound).  -EOPNOTSUPP in local mode.
 */
int memwell_set_wake(struct memwell *mw, __u32 flags, __u64 watermark,
		     __u64 latency_ns);

/* The ring for the inline fast path of memwell_ring.h. */
struct memwell_ring *memwell_get_ring(struct memwell *mw);

/*
 * The fd backing the ring: a memfd in local mode; in device mode the
 * /dev/memwell fd, to add to an event loop (POLLIN: data, POLLOUT: room).
 */
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
