/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell's sink (memwell_sink.ko): a kernel consumer of a
 * MEMWELL_F_KERNEL_CONS ring that processes fill with gen records
 * (memwell_gen.h).  It checks each producer's sequence and each checksum
 * and counts what it releases (struct memwell_ring_stats consumed) and
 * the bad records (errors).  It takes no parameters (the other fields of
 * struct memwell_source are zero).
 */
#ifndef _UAPI_LINUX_MEMWELL_SINK_H
#define _UAPI_LINUX_MEMWELL_SINK_H

#include "memwell_gen.h"

#define MEMWELL_SRC_SINK	3U	/* struct memwell_source.kind */

#endif /* _UAPI_LINUX_MEMWELL_SINK_H */
