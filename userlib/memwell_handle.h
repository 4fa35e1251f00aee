/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/* The library's private handle; opaque to users. */
#ifndef MEMWELL_HANDLE_H
#define MEMWELL_HANDLE_H

#include "memwell_ring.h"

struct memwell {
	struct memwell_ring ring;	/* private, validated view */
	int fd;
	void *map;
	__u64 map_size;
};

#endif /* MEMWELL_HANDLE_H */
