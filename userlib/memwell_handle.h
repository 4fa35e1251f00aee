/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/* The library's private handle; opaque to users. */
#ifndef MEMWELL_HANDLE_H
#define MEMWELL_HANDLE_H

#include "libmemwell.h"

#define MEMWELL_HIDDEN	__attribute__((visibility("hidden")))

enum memwell_mode {
	MEMWELL_MODE_LOCAL = 0,		/* sealed memfd, no kernel involved */
	MEMWELL_MODE_DEV = 1,		/* /dev/memwell ring */
};

struct memwell {
	struct memwell_ring ring;	/* private, validated view */
	int fd;
	int mode;			/* enum memwell_mode */
	void *map;
	__u64 map_size;
	/*
	 * Counters of this handle's syscalls (struct memwell_io_stats); updated
	 * with relaxed atomics because threads may share a handle.
	 */
	__u64 kicks;			/* MEMWELL_IOC_WAKE issued */
	__u64 kick_errors;		/* of which failed */
	__u64 waits;			/* poll() calls by memwell_wait() */
};

/*
 * Build the handle of a ring mapped at @base (@size bytes, data twice):
 * validates the header with memwell_ring_attach(); @access is the
 * MEMWELL_SIDE_BIT() of each side this process may write.  On success the
 * handle owns @fd and the mapping.
 */
MEMWELL_HIDDEN int memwell_handle_new(int fd, int mode, void *base, __u64 size,
				      __u32 access, struct memwell **out);
MEMWELL_HIDDEN __u32 memwell_page_shift(void);
/*
 * Copy the caller's options of any struct version into @o (see
 * MEMWELL_OPTS_SIZE_MIN): -EINVAL if too short, -E2BIG if a field this
 * library does not know is set.
 */
MEMWELL_HIDDEN int memwell_opts_get(const struct memwell_opts *user,
				    struct memwell_opts *o);
/* opts->name, or NULL if it is NULL or empty. */
MEMWELL_HIDDEN const char *memwell_opts_name(const struct memwell_opts *opts);
MEMWELL_HIDDEN int memwell_dev_attach(int fd, struct memwell **out);

#endif /* MEMWELL_HANDLE_H */
