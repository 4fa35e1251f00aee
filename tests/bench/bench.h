// SPDX-License-Identifier: GPL-2.0
/*
 * memwell benchmark: the harness every contender shares.
 *
 * A measurement runs producer and consumer threads over one transport for a
 * fixed time.  Producers stamp each record they send with a tag (producer id
 * in the top 8 bits, sequence below) in its first 8 bytes and the tag's
 * complement in its last 8 bytes, then hand it to the transport, which
 * copies it in.  Consumers get each record copied out into a private
 * buffer and check it there (bench_check()).  So every contender copies
 * the payload in and out once and does the same per-record checks.
 *
 * The helpers are static inline so that each contender's loops are
 * compiled with them (the C++ Boost contender includes this file too).
 */
#ifndef MEMWELL_BENCH_H
#define MEMWELL_BENCH_H

#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_BATCH	16U	/* records per batch, both sides */
#define BENCH_MAXT	2U	/* most producers (or consumers) */
#define BENCH_SPSC	1U
#define BENCH_MPMC	2U
#define BENCH_SEQ_BITS	56
#define BENCH_SEQ_MASK	((1ULL << BENCH_SEQ_BITS) - 1)
/* Producers look at the clock when their sequence is a multiple of this. */
#define BENCH_CLOCK_EVERY 256U

#define bench_likely(x)		__builtin_expect(!!(x), 1)
#define bench_unlikely(x)	__builtin_expect(!!(x), 0)
#define BENCH_INLINE		static inline __attribute__((always_inline))

/* One measurement's parameters. */
struct bench_cfg {
	unsigned int size;	/* payload bytes per record */
	unsigned int batch;	/* 1 or BENCH_BATCH */
	unsigned int nprod;
	unsigned int ncons;
	int mpmc;		/* 2 producers, 2 consumers: yield when idle */
	int param;		/* contender's own (memwell: block shift) */
	uint64_t ring_bytes;	/* data capacity of every ring / pipe / socket */
};

/* A thread's published results, on lines of its own. */
struct bench_slot {
	uint64_t count;		/* records produced or consumed so far */
	uint64_t sum;		/* consumer: sum of the sequences seen */
	uint64_t errors;	/* consumer: records that failed the check */
	uint64_t end_ns;
	uint64_t waits;		/* times it found nothing to do */
	uint64_t pad[11];
} __attribute__((aligned(128)));

/* State shared by one measurement's threads. */
struct bench_shared {
	const struct bench_cfg *cfg;
	void *ring;		/* the contender's transport */
	uint64_t t0_ns;
	uint64_t deadline_ns;
	int go;
	int ready;
	int prod_done;
	int fail;		/* a transport call failed: errno-like code */
	struct bench_slot prod[BENCH_MAXT];
	struct bench_slot cons[BENCH_MAXT];
};

/* One thread's private state. */
struct bench_thr {
	struct bench_shared *sh;
	unsigned int idx;	/* index among its role */
	unsigned int size;
	unsigned int batch;
	int mpmc;
	int cpu;
	int is_prod;
	/* BENCH_BATCH records at a stride of size + 8, 64-byte aligned */
	unsigned char *src;	/* producer's records */
	unsigned char *dst;	/* consumer's landing buffer */
	uint64_t tag;		/* producer: idx << BENCH_SEQ_BITS */
	uint64_t next[BENCH_MAXT];	/* consumer: next acceptable sequence */
	uint64_t count;
	uint64_t sum;
	uint64_t errors;
	uint64_t waits;
};

/* A transport under test. */
struct bench_contender {
	const char *name;
	const char *family;	/* memwell, lamport, boost, boost-bytes, ck, pipe, socketpair */
	unsigned int modes;	/* BENCH_SPSC | BENCH_MPMC */
	int param;
	int (*setup)(struct bench_shared *sh);	/* 0 or a negative errno */
	void (*teardown)(struct bench_shared *sh);
	void (*producer)(struct bench_thr *t);
	void (*consumer)(struct bench_thr *t);
};

BENCH_INLINE uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

BENCH_INLINE void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Nothing to do (ring full or empty): spin when alone on the CPU, else yield. */
BENCH_INLINE void bench_wait(struct bench_thr *t)
{
	t->waits++;
	if (t->mpmc)
		sched_yield();
	else
		bench_cpu_relax();
}

/* Mark record @seq of this producer in the payload at @p. */
BENCH_INLINE void bench_stamp(const struct bench_thr *t, unsigned char *p,
			      unsigned int size, uint64_t seq)
{
	uint64_t tag = t->tag | seq;

	memcpy(p, &tag, 8);
	if (size > 8) {
		uint64_t inv = ~tag;

		memcpy(p + size - 8, &inv, 8);
	}
}

/* Check a record copied out to @p. */
BENCH_INLINE void bench_check(struct bench_thr *t, const unsigned char *p,
			      unsigned int size)
{
	uint64_t tag, seq;
	unsigned int pid;
	int bad;

	memcpy(&tag, p, 8);
	pid = (unsigned int)(tag >> BENCH_SEQ_BITS);
	seq = tag & BENCH_SEQ_MASK;
	bad = pid >= BENCH_MAXT;
	if (size > 8) {
		uint64_t inv;

		memcpy(&inv, p + size - 8, 8);
		bad |= inv != ~tag;
	}
	if (bench_likely(!bad && seq >= t->next[pid]))
		t->next[pid] = seq + 1;
	else
		t->errors++;
	t->sum += seq;
	t->count++;
}

/* A producer about to send record @seq: has its time run out? */
BENCH_INLINE int bench_should_stop(const struct bench_thr *t, uint64_t seq)
{
	return (seq % BENCH_CLOCK_EVERY) == 0 &&
	       bench_now() >= __atomic_load_n(&t->sh->deadline_ns, __ATOMIC_RELAXED);
}

/*
 * A consumer found its transport empty: returns 1 once every producer is
 * done and every record produced has been consumed (by any consumer).
 */
BENCH_INLINE int bench_cons_idle(struct bench_thr *t)
{
	struct bench_shared *sh = t->sh;
	uint64_t prod = 0, cons = 0;
	unsigned int i;

	__atomic_store_n(&sh->cons[t->idx].count, t->count, __ATOMIC_RELAXED);
	if (__atomic_load_n(&sh->fail, __ATOMIC_RELAXED))
		return 1;
	if (__atomic_load_n(&sh->prod_done, __ATOMIC_ACQUIRE) ==
	    (int)sh->cfg->nprod) {
		for (i = 0; i < sh->cfg->nprod; i++)
			prod += __atomic_load_n(&sh->prod[i].count, __ATOMIC_RELAXED);
		for (i = 0; i < sh->cfg->ncons; i++)
			cons += __atomic_load_n(&sh->cons[i].count, __ATOMIC_RELAXED);
		if (prod == cons)
			return 1;
	}
	bench_wait(t);
	return 0;
}

/* A transport call failed in a way it never should: stop the measurement. */
BENCH_INLINE void bench_fail(struct bench_thr *t, int err)
{
	__atomic_store_n(&t->sh->fail, err ? err : -1, __ATOMIC_RELAXED);
}

BENCH_INLINE int bench_failed(const struct bench_thr *t)
{
	return __atomic_load_n(&t->sh->fail, __ATOMIC_RELAXED) != 0;
}

/*
 * Call fn(SIZE, args...) with the payload size as a compile-time constant
 * for the sizes the benchmark uses, so fixed-size copies can be inlined for
 * every contender alike.
 */
#define BENCH_SIZE_DISPATCH(size, fn, ...)				\
	do {								\
		switch (size) {						\
		case 8: fn(8, __VA_ARGS__); break;			\
		case 64: fn(64, __VA_ARGS__); break;			\
		case 1024: fn(1024, __VA_ARGS__); break;		\
		case 16384: fn(16384, __VA_ARGS__); break;		\
		default: fn(size, __VA_ARGS__); break;			\
		}							\
	} while (0)

/* The contenders, defined one per file. */
extern const struct bench_contender bench_memwell_b8;
extern const struct bench_contender bench_memwell_b16;
extern const struct bench_contender bench_memwell_b64;
extern const struct bench_contender bench_lamport;
extern const struct bench_contender bench_boost;
extern const struct bench_contender bench_boost_bytes;
extern const struct bench_contender bench_ck;
extern const struct bench_contender bench_pipe;
extern const struct bench_contender bench_socketpair;

/*
 * Optional extra contenders (e.g. memwell built against an experimental
 * copy of the core): a program that defines these gets them measured too.
 */
extern const struct bench_contender *const bench_extra_contenders[]
	__attribute__((weak));
extern const unsigned int bench_extra_count __attribute__((weak));

#ifdef __cplusplus
}
#endif

#endif /* MEMWELL_BENCH_H */
