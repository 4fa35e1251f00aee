/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Built-in kernel sources and sinks (MEMWELL_IOC_ATTACH): each kind starts
 * from a validated struct memwell_source and gives back a struct
 * memwell_src whose @stop ends it (may sleep) and frees it.
 */
#ifndef _MEMWELL_SRC_H
#define _MEMWELL_SRC_H

#include "memwell_gen.h"
#include "memwell_kernel.h"
#include "memwell_kring.h"
#include "memwell_sched.h"
#include "memwell_sink.h"

/* Most gen producers of one source. */
#define MEMWELL_GEN_PRODUCERS_MAX	16U
/* Highest rate a gen producer is asked for, records per second. */
#define MEMWELL_GEN_RATE_MAX		10000000ULL
/* Producers a sink tracks sequences for; higher indexes are errors. */
#define MEMWELL_SINK_PRODUCERS		256U

/**
 * struct memwell_src - an attached built-in source or sink
 * @stop: stop it, detach its endpoints and free it; may sleep
 */
struct memwell_src {
	void (*stop)(struct memwell_src *src);
};

struct memwell_src *memwell_gen_start(struct memwell_kring *kr,
				      const struct memwell_source *p);
struct memwell_src *memwell_sched_start(struct memwell_kring *kr);
struct memwell_src *memwell_sink_start(struct memwell_kring *kr);

#endif /* _MEMWELL_SRC_H */
