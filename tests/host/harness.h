/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Tiny TAP harness for the memwell host tests.
 *
 * Each test file defines a table of cases and calls t_main().  Every case
 * runs in a forked child (so a crash, a SIGSEGV on a guard page or an
 * alarm only fails that case) and prints "ok N - name" / "not ok N - name".
 * The binary exits 1 if any case failed, 0 otherwise.  MW_NOFORK=1 runs the
 * cases in-process (for gdb).
 */
#ifndef MEMWELL_TEST_HARNESS_H
#define MEMWELL_TEST_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * gcc 12 has reported false -Wmaybe-uninitialized warnings inside the ring
 * core's inline functions at some inlining sites (memwell_rec_read()'s
 * rec.len, memwell_release() of a taken batch's span).  test_header.c checks
 * the headers alone at every optimisation level and fails on them; the
 * tests themselves ignore warnings located in the headers.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "libmemwell.h"
#pragma GCC diagnostic pop

#define T_UNUSED __attribute__((unused))

/* Every flag a local (memfd) ring is made with; MEMWELL_F_ALL has more. */
#define T_F_LOCAL	(MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI | MEMWELL_F_RECORDS)
/* The lowest bit that is not a known record flag. */
#define T_REC_UNKNOWN	(~(__u32)MEMWELL_REC_FLAGS & -(~(__u32)MEMWELL_REC_FLAGS))

static int t_failed;
static int t_skip_code = 77;

#define T_DIAG(...) do {						\
	printf("# ");							\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
} while (0)

#define CHECK(c) do {							\
	if (!(c)) {							\
		T_DIAG("%s:%d: check failed: %s", __FILE__, __LINE__, #c); \
		t_failed = 1;						\
	}								\
} while (0)

/* Compare two integers (as signed 64-bit); say both values on failure. */
#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		T_DIAG("%s:%d: %s = %lld, expected %s = %lld",		\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
		t_failed = 1;						\
	}								\
} while (0)

/* Setup that must hold for the rest of the case to make sense. */
#define REQUIRE(c) do {							\
	if (!(c)) {							\
		T_DIAG("%s:%d: required: %s", __FILE__, __LINE__, #c);	\
		t_failed = 1;						\
		exit(1);						\
	}								\
} while (0)

#define REQUIRE_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		T_DIAG("%s:%d: required %s = %lld, got %lld",		\
		       __FILE__, __LINE__, #a, _b, _a);			\
		t_failed = 1;						\
		exit(1);						\
	}								\
} while (0)

#define T_SKIP(...) do {						\
	T_DIAG(__VA_ARGS__);						\
	exit(t_skip_code);						\
} while (0)

struct t_case {
	const char *name;
	void (*fn)(void);
};

#define T_CASE(f) { #f, f }
#define T_NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

static T_UNUSED int t_main(const struct t_case *cases, int n)
{
	const char *only = getenv("MW_ONLY");
	int nofork = getenv("MW_NOFORK") != NULL;
	unsigned int timeout = getenv("MW_TIMEOUT") ?
		(unsigned int)atoi(getenv("MW_TIMEOUT")) : 120;
	int i, bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%d\n", n);
	for (i = 0; i < n; i++) {
		int status = 0, code;
		pid_t pid;

		if (only && !strstr(cases[i].name, only)) {
			printf("ok %d - %s # SKIP not selected\n", i + 1, cases[i].name);
			continue;
		}
		fflush(stdout);
		if (nofork) {
			t_failed = 0;
			cases[i].fn();
			code = t_failed;
		} else {
			pid = fork();
			if (pid < 0) {
				perror("fork");
				return 1;
			}
			if (pid == 0) {
				alarm(timeout);
				t_failed = 0;
				cases[i].fn();
				fflush(stdout);
				exit(t_failed ? 1 : 0);
			}
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			if (WIFSIGNALED(status)) {
				T_DIAG("%s: killed by signal %d (%s)", cases[i].name,
				       WTERMSIG(status), strsignal(WTERMSIG(status)));
				code = 1;
			} else {
				code = WEXITSTATUS(status);
			}
		}
		if (code == t_skip_code) {
			printf("ok %d - %s # SKIP\n", i + 1, cases[i].name);
		} else if (code) {
			printf("not ok %d - %s\n", i + 1, cases[i].name);
			bad++;
		} else {
			printf("ok %d - %s\n", i + 1, cases[i].name);
		}
	}
	if (bad)
		T_DIAG("%d of %d failed", bad, n);
	return bad ? 1 : 0;
}

/* ---- helpers ---- */

static T_UNUSED uint64_t t_rand_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t t_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t t_rand(void)
{
	return t_splitmix(&t_rand_state);
}

/* Fill / check a payload with a pattern derived from @seed. */
static inline void t_fill(void *p, uint64_t len, uint64_t seed)
{
	unsigned char *c = p;
	uint64_t s = seed, i, v = 0;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = t_splitmix(&s);
		c[i] = (unsigned char)(v >> ((i & 7) * 8));
	}
}

static inline int t_check(const void *p, uint64_t len, uint64_t seed)
{
	const unsigned char *c = p;
	uint64_t s = seed, i, v = 0;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = t_splitmix(&s);
		if (c[i] != (unsigned char)(v >> ((i & 7) * 8)))
			return 0;
	}
	return 1;
}

static inline __u32 t_page_shift(void)
{
	return (__u32)__builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE));
}

/* A local ring through the library; the case fails if it cannot be made. */
static inline struct memwell *t_ring(__u32 flags, __u32 bshift, __u32 cshift)
{
	struct memwell_opts o = { .size = sizeof(o), .flags = flags,
				  .block_shift = bshift, .count_shift = cshift };
	struct memwell *mw = NULL;
	int err = memwell_create_local(&o, &mw);

	if (err) {
		T_DIAG("memwell_create_local(flags %#x, %u, %u): %d",
		       flags, bshift, cshift, err);
		exit(1);
	}
	return mw;
}

static inline struct memwell_side *t_prod(struct memwell_ring *r)
{
	return r->side[MEMWELL_SIDE_PROD];
}

static inline struct memwell_side *t_cons(struct memwell_ring *r)
{
	return r->side[MEMWELL_SIDE_CONS];
}

/* Base of the whole mapping (header page) of a ring view. */
static inline unsigned char *t_base(struct memwell_ring *r)
{
	return (unsigned char *)r->side[MEMWELL_SIDE_PROD] - (1UL << t_page_shift());
}

static inline __u64 t_data_size(const struct memwell_ring *r)
{
	return r->count << r->block_shift;
}

/* Is [p, p + len) inside the ring's double data mapping? */
static inline int t_in_data(const struct memwell_ring *r, const void *p, __u64 len)
{
	const unsigned char *c = p;

	return c >= r->data && len <= 2 * t_data_size(r) &&
	       (__u64)(c - r->data) <= 2 * t_data_size(r) - len;
}

/*
 * A ring in its own mapping with large PROT_NONE guard regions on both
 * sides: any access outside the ring faults (the case dies with SIGSEGV
 * instead of silently corrupting memory).  Formatted and attached.
 */
struct t_gring {
	int fd;
	unsigned char *resv;
	size_t resv_len;
	unsigned char *base;
	struct memwell_layout l;
	struct memwell_ring r;
};

#define T_GUARD (256UL << 20)

static inline void t_gring_new(struct t_gring *g, __u32 flags, __u32 bshift,
			       __u32 cshift)
{
	unsigned char *p;

	REQUIRE_EQ(memwell_layout_compute(flags, bshift, cshift, t_page_shift(),
					  &g->l), 0);
	g->fd = memfd_create("memwell-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	REQUIRE(g->fd >= 0);
	REQUIRE(ftruncate(g->fd, (off_t)(g->l.data_offset + g->l.data_size)) == 0);
	g->resv_len = T_GUARD * 2 + g->l.total_size;
	g->resv = mmap(NULL, g->resv_len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	REQUIRE(g->resv != MAP_FAILED);
	g->base = g->resv + T_GUARD;
	p = mmap(g->base, g->l.data_offset + g->l.data_size,
		 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, g->fd, 0);
	REQUIRE(p == g->base);
	p = mmap(g->base + g->l.data_offset + g->l.data_size, g->l.data_size,
		 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, g->fd,
		 (off_t)g->l.data_offset);
	REQUIRE(p == g->base + g->l.data_offset + g->l.data_size);
	memwell_ring_format(g->base, &g->l);
	REQUIRE_EQ(memwell_ring_attach(&g->r, g->base, g->l.total_size,
				       MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)), 0);
}

static inline void t_gring_free(struct t_gring *g)
{
	munmap(g->resv, g->resv_len);
	close(g->fd);
}

/* Write one record of @len bytes with the pattern of @seed; 0 or errno. */
static inline int t_put(struct memwell_ring *r, __u64 len, uint64_t seed)
{
	struct memwell_rec rec = { .len = 0 };
	int err = memwell_rec_reserve(r, len, &rec);

	if (err)
		return err;
	t_fill(rec.data, len, seed);
	return memwell_rec_commit(r, &rec);
}

/* Read one record and check it has @len bytes of the pattern of @seed. */
static inline int t_get(struct memwell_ring *r, __u64 len, uint64_t seed)
{
	struct memwell_rec rec = { .len = 0 };
	int err = memwell_rec_peek(r, &rec);

	if (err)
		return err;
	if (rec.len != len || !t_in_data(r, rec.data, rec.len) ||
	    !t_check(rec.data, rec.len, seed)) {
		T_DIAG("record at %llu: len %u (expected %llu), content %s",
		       (unsigned long long)rec.span.pos, rec.len,
		       (unsigned long long)len,
		       t_check(rec.data, rec.len, seed) ? "ok" : "BAD");
		memwell_rec_release(r, &rec);
		return -EBADMSG;
	}
	return memwell_rec_release(r, &rec);
}

/* Records ring payload bytes that make a record of exactly @blocks blocks. */
static inline __u64 t_len_for_blocks(const struct memwell_ring *r, __u64 blocks)
{
	return (blocks << r->block_shift) - MEMWELL_REC_HDR_SIZE;
}

#endif /* MEMWELL_TEST_HARNESS_H */
