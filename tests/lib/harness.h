/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The TAP harness of memwell's C tests, on the host (tests/host/) and in
 * the test VMs (tests/vm/): one binary per feature, a table of cases.
 *
 * A case is either a checking case, `void name(void)` registered with
 * T_CASE(name), whose verdict is its CHECK and REQUIRE macros, or a
 * returning case, `int case_name(void)` registered with T_RCASE(name),
 * which also returns T_PASS, T_FAIL or T_SKIPPED.  t_main() runs each in a
 * forked child in its own process group, with an alarm, so a crash, a
 * fault on a guard page or a hang fails that case only (and its leftover
 * children are killed); it prints "ok N - name (T s)" or "not ok N - name
 * (T s)" and exits 1 if any case failed.
 *
 * The macros have one meaning each, everywhere:
 *   CHECK(c), CHECK_EQ(a, b)        on failure: say so, mark the case
 *                                   failed, go on
 *   REQUIRE(c), REQUIRE_EQ(a, b),   on failure: say so and end the
 *   REQUIRE_OK(syscall),            process with T_FAIL (the case, or
 *   REQUIRE_ERRNO(syscall, e)       the child of a case it runs in)
 *   T_SKIP(fmt, ...)                say why and end the case as skipped
 *
 * Environment:
 *   MW_TIMEOUT=<s>   per-case alarm (default 120)
 *   MW_SCALE=<f>     multiply the stress cases' counts (t_scaled())
 *   MW_ONLY=<text>   run only the cases whose name contains it
 *   MW_NOFORK=1      run the cases in-process (for gdb)
 *   ./test name...   run only the named cases
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
#include <time.h>
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

#define T_PASS		0
#define T_FAIL		1
#define T_SKIPPED	77

#define T_UNUSED	__attribute__((unused))
#define T_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Set by a failed CHECK; the case's verdict. */
static T_UNUSED int t_failed;

static T_UNUSED void t_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static T_UNUSED void t_diag(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One write: lines of concurrent processes never interleave. */
	fflush(stdout);
	dprintf(STDOUT_FILENO, "# %s\n", buf);
}

#define CHECK(c) do {							\
	if (!(c)) {							\
		t_diag("%s:%d: check failed: %s", __FILE__, __LINE__, #c); \
		t_failed = 1;						\
	}								\
} while (0)

/* Compare two integers (as signed 64-bit); say both values on failure. */
#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		t_diag("%s:%d: %s = %lld, expected %s = %lld",		\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
		t_failed = 1;						\
	}								\
} while (0)

/* What the rest of the case (or child) needs: end it unless @c holds. */
#define REQUIRE(c) do {							\
	if (!(c)) {							\
		t_diag("%s:%d: required: %s", __FILE__, __LINE__, #c);	\
		exit(T_FAIL);						\
	}								\
} while (0)

#define REQUIRE_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		t_diag("%s:%d: required %s = %lld, expected %s = %lld",	\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
		exit(T_FAIL);						\
	}								\
} while (0)

/* A syscall expression that must fail with -1 (or MAP_FAILED) and errno @e. */
#define REQUIRE_ERRNO(expr, e) do {					\
	long _r;							\
	errno = 0;							\
	_r = (long)(expr);						\
	if (_r != -1 || errno != (e)) {					\
		t_diag("%s:%d: %s = %ld errno %d (%s), expected -1 errno %d (%s)", \
		       __FILE__, __LINE__, #expr, _r, errno,		\
		       strerror(errno), (e), strerror(e));		\
		exit(T_FAIL);						\
	}								\
} while (0)

/* A syscall expression that must succeed (not -1 / MAP_FAILED). */
#define REQUIRE_OK(expr) do {						\
	long _r;							\
	errno = 0;							\
	_r = (long)(expr);						\
	if (_r == -1) {							\
		t_diag("%s:%d: %s failed: errno %d (%s)", __FILE__,	\
		       __LINE__, #expr, errno, strerror(errno));	\
		exit(T_FAIL);						\
	}								\
} while (0)

#define T_SKIP(...) do {						\
	t_diag(__VA_ARGS__);						\
	exit(T_SKIPPED);						\
} while (0)

struct t_case {
	const char *name;
	void (*check)(void);	/* a checking case, or */
	int (*fn)(void);	/* a returning case */
};

#define T_CASE(f)	{ #f, f, NULL }
#define T_RCASE(f)	{ #f, NULL, case_##f }

/* A test binary's main(): its cases, run by t_main(). */
#define T_MAIN(...)							\
int main(int argc, char **argv)						\
{									\
	static const struct t_case cases[] = { __VA_ARGS__ };		\
									\
	return t_main(cases, T_ARRAY_SIZE(cases), argc, argv);		\
}

static T_UNUSED double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One TAP line: T_PASS, T_SKIPPED or a failure; the time unless < 0. */
static T_UNUSED void t_report(int num, int verdict, const char *name, double secs)
{
	char t[32] = "";

	if (secs >= 0)
		snprintf(t, sizeof(t), " (%.2f s)", secs);
	if (verdict == T_SKIPPED)
		printf("ok %d - %s # SKIP\n", num, name);
	else if (verdict == T_PASS)
		printf("ok %d - %s%s\n", num, name, t);
	else
		printf("not ok %d - %s%s\n", num, name, t);
	fflush(stdout);
}

/* Run one case in this process: its verdict. */
static T_UNUSED int t_run_here(const struct t_case *c)
{
	int rc = T_PASS;

	t_failed = 0;
	if (c->fn)
		rc = c->fn();
	else
		c->check();
	return rc == T_PASS && t_failed ? T_FAIL : rc;
}

static T_UNUSED int t_run_case(const struct t_case *c, unsigned int timeout)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		t_diag("fork: %s", strerror(errno));
		return T_FAIL;
	}
	if (!pid) {
		/* Own process group: a timeout kills the case's children too. */
		setpgid(0, 0);
		alarm(timeout);
		exit(t_run_here(c));
	}
	setpgid(pid, pid);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return T_FAIL;
	/* Leftover children of the case (after a failure) must not linger. */
	kill(-pid, SIGKILL);
	if (WIFSIGNALED(st)) {
		t_diag("%s: killed by signal %d (%s)%s", c->name, WTERMSIG(st),
		       strsignal(WTERMSIG(st)),
		       WTERMSIG(st) == SIGALRM ? ": timeout" : "");
		return T_FAIL;
	}
	return WEXITSTATUS(st);
}

static T_UNUSED int t_selected(const struct t_case *c, int argc, char **argv)
{
	const char *only = getenv("MW_ONLY");
	int a, want = argc <= 1;

	for (a = 1; a < argc; a++)
		want |= !strcmp(argv[a], c->name);
	return want && (!only || strstr(c->name, only));
}

static T_UNUSED int t_main(const struct t_case *cases, size_t n, int argc,
			   char **argv)
{
	const char *t = getenv("MW_TIMEOUT");
	int timeout = t ? atoi(t) : 0;
	int nofork = getenv("MW_NOFORK") != NULL;
	int failed = 0, planned = 0, num = 0;
	size_t i;

	if (timeout <= 0)
		timeout = 120;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++)
		planned += t_selected(&cases[i], argc, argv);
	printf("1..%d\n", planned);
	for (i = 0; i < n; i++) {
		double start;
		int rc;

		if (!t_selected(&cases[i], argc, argv))
			continue;
		num++;
		start = t_now();
		rc = nofork ? t_run_here(&cases[i]) :
		     t_run_case(&cases[i], (unsigned int)timeout);
		t_report(num, rc, cases[i].name, t_now() - start);
		failed += rc != T_PASS && rc != T_SKIPPED;
	}
	if (failed)
		t_diag("%d of %d failed", failed, num);
	return failed ? 1 : 0;
}

/* ---- helpers: random numbers, patterns, processes ---- */

static T_UNUSED uint64_t t_rand_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t t_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The process's generator (each forked case starts from the same state). */
static inline uint64_t t_rand(void)
{
	return t_splitmix(&t_rand_state);
}

/* xorshift64*: a private generator for a worker with its own state. */
static T_UNUSED __u64 t_rand_r(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static T_UNUSED __u64 t_mix(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Fill @len bytes with the pattern of @seed, so a reader can check each. */
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

/* 1 if @p holds @len bytes of the pattern of @seed, else 0. */
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

/* FNV-1a over a byte range, chained through @h. */
static T_UNUSED __u64 t_fnv(__u64 h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#define T_FNV_INIT	0xcbf29ce484222325ULL

/* Record counts of stress cases, scaled by MW_SCALE. */
static T_UNUSED unsigned long t_scaled(unsigned long n)
{
	const char *s = getenv("MW_SCALE");
	double f = s ? strtod(s, NULL) : 1.0;

	if (f <= 0)
		f = 1.0;
	n = (unsigned long)((double)n * f);
	return n ? n : 1;
}

/* Anonymous memory shared with forked children (results, flags). */
static T_UNUSED void *t_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	REQUIRE(p != MAP_FAILED);
	return p;
}

/*
 * Wait for a child; T_PASS if it exited 0.  A child killed by a signal
 * or exiting non-zero is reported.
 */
static T_UNUSED int t_reap(pid_t pid, const char *what)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			t_diag("waitpid %s: %s", what, strerror(errno));
			return T_FAIL;
		}
	}
	if (WIFSIGNALED(st)) {
		t_diag("%s killed by signal %d", what, WTERMSIG(st));
		return T_FAIL;
	}
	if (WEXITSTATUS(st)) {
		t_diag("%s exited %d", what, WEXITSTATUS(st));
		return T_FAIL;
	}
	return T_PASS;
}

/* Fork; the child runs @fn(@arg) and exits with its result. */
static T_UNUSED pid_t t_fork(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		t_diag("fork: %s", strerror(errno));
		return -1;
	}
	if (!pid)
		_exit(fn(arg));
	return pid;
}

/* Kill and reap a child after a failure elsewhere; ignores its status. */
static T_UNUSED void t_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The device, honouring MEMWELL_DEV like libmemwell. */
static T_UNUSED const char *t_dev_path(void)
{
	const char *p = getenv("MEMWELL_DEV");

	return p && *p ? p : MEMWELL_DEV_PATH;
}

/* ---- helpers: rings ---- */

/* Every flag a local (memfd) ring is made with; MEMWELL_F_ALL has more. */
#define T_F_LOCAL	(MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI | MEMWELL_F_RECORDS)
/* The lowest bit that is not a known record flag. */
#define T_REC_UNKNOWN	(~(__u32)MEMWELL_REC_FLAGS & -(~(__u32)MEMWELL_REC_FLAGS))

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
		t_diag("memwell_create_local(flags %#x, %u, %u): %d",
		       flags, bshift, cshift, err);
		exit(T_FAIL);
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
		t_diag("record at %llu: len %u (expected %llu), content %s",
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
