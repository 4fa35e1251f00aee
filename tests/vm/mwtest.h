/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Tiny TAP harness for memwell's in-VM tests (one static binary per
 * feature, liburing style).
 *
 * A test file defines a table of cases and calls mwt_main().  Each case
 * runs in a forked child with an alarm, so a crash or a hang fails that
 * case only; the parent prints "ok N - name" or "not ok N - name" with the
 * time it took.  A case returns MWT_PASS, MWT_FAIL or MWT_SKIP.  The binary
 * exits 0 when every case passed or was skipped, 1 otherwise.
 *
 *   MWT_TIMEOUT=<s>  per-case alarm (default 60)
 *   MWT_SCALE=<f>    multiply the stress tests' record counts (default 1)
 *   ./test [name...] run only the named cases
 */
#ifndef MEMWELL_VM_TEST_H
#define MEMWELL_VM_TEST_H

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

#include "libmemwell.h"

#define MWT_PASS	0
#define MWT_FAIL	1
#define MWT_SKIP	77

#define MWT_UNUSED	__attribute__((unused))

struct mwt_case {
	const char *name;
	int (*fn)(void);
};

#define MWT_CASE(f)	{ #f, case_##f }
#define MWT_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static MWT_UNUSED void mwt_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static MWT_UNUSED void mwt_diag(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One write: lines of concurrent processes never interleave. */
	dprintf(STDOUT_FILENO, "# %s\n", buf);
}

/* Fail the case (return MWT_FAIL) with a message unless @c holds. */
#define REQUIRE(c) do {							\
	if (!(c)) {							\
		mwt_diag("%s:%d: failed: %s", __FILE__, __LINE__, #c);	\
		return MWT_FAIL;					\
	}								\
} while (0)

/* @a == @b as signed 64-bit integers, else fail saying both. */
#define REQUIRE_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		mwt_diag("%s:%d: %s = %lld, expected %s = %lld",	\
			 __FILE__, __LINE__, #a, _a, #b, _b);		\
		return MWT_FAIL;					\
	}								\
} while (0)

/*
 * A syscall expression that must fail with -1 (or MAP_FAILED) and errno
 * @e.  Prints what happened otherwise.
 */
#define REQUIRE_ERRNO(expr, e) do {					\
	long _r;							\
	errno = 0;							\
	_r = (long)(expr);						\
	if (_r != -1 || errno != (e)) {					\
		mwt_diag("%s:%d: %s = %ld errno %d (%s), expected -1 errno %d (%s)", \
			 __FILE__, __LINE__, #expr, _r, errno,		\
			 strerror(errno), (e), strerror(e));		\
		return MWT_FAIL;					\
	}								\
} while (0)

/* A syscall expression that must succeed (not -1 / MAP_FAILED). */
#define REQUIRE_OK(expr) do {						\
	long _r;							\
	errno = 0;							\
	_r = (long)(expr);						\
	if (_r == -1) {							\
		mwt_diag("%s:%d: %s failed: errno %d (%s)", __FILE__,	\
			 __LINE__, #expr, errno, strerror(errno));	\
		return MWT_FAIL;					\
	}								\
} while (0)

static MWT_UNUSED double mwt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Anonymous memory shared with forked children (results, flags). */
static MWT_UNUSED void *mwt_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		mwt_diag("mmap shared %zu: %s", size, strerror(errno));
		exit(MWT_FAIL);
	}
	return p;
}

static MWT_UNUSED __u64 mwt_mix(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* xorshift64*: a fast private PRNG. */
static MWT_UNUSED __u64 mwt_rand(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Payload bytes derived from @seed, so the reader can check every byte. */
static MWT_UNUSED void mwt_fill(void *buf, size_t len, __u64 seed)
{
	unsigned char *p = buf;
	__u64 s = mwt_mix(seed) | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			s = mwt_mix(s + i);
		p[i] = (unsigned char)(s >> ((i & 7) * 8));
	}
}

static MWT_UNUSED int mwt_check(const void *buf, size_t len, __u64 seed)
{
	const unsigned char *p = buf;
	__u64 s = mwt_mix(seed) | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			s = mwt_mix(s + i);
		if (p[i] != (unsigned char)(s >> ((i & 7) * 8)))
			return -1;
	}
	return 0;
}

/* FNV-1a over a byte range, chained through @h. */
static MWT_UNUSED __u64 mwt_fnv(__u64 h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#define MWT_FNV_INIT	0xcbf29ce484222325ULL

/* Record counts of stress tests, scaled by MWT_SCALE. */
static MWT_UNUSED unsigned long mwt_scaled(unsigned long n)
{
	const char *s = getenv("MWT_SCALE");
	double f = s ? strtod(s, NULL) : 1.0;

	if (f <= 0)
		f = 1.0;
	n = (unsigned long)((double)n * f);
	return n ? n : 1;
}

/*
 * Wait for a child; MWT_PASS if it exited 0.  A child killed by a signal
 * or exiting non-zero is reported.
 */
static MWT_UNUSED int mwt_reap(pid_t pid, const char *what)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			mwt_diag("waitpid %s: %s", what, strerror(errno));
			return MWT_FAIL;
		}
	}
	if (WIFSIGNALED(st)) {
		mwt_diag("%s killed by signal %d", what, WTERMSIG(st));
		return MWT_FAIL;
	}
	if (WEXITSTATUS(st)) {
		mwt_diag("%s exited %d", what, WEXITSTATUS(st));
		return MWT_FAIL;
	}
	return MWT_PASS;
}

/* Fork; the child runs @fn(@arg) and exits with its result. */
static MWT_UNUSED pid_t mwt_fork(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		mwt_diag("fork: %s", strerror(errno));
		return -1;
	}
	if (!pid)
		_exit(fn(arg));
	return pid;
}

/* Kill and reap a child after a failure elsewhere; ignores its status. */
static MWT_UNUSED void mwt_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The device, honouring MEMWELL_DEV like libmemwell. */
static MWT_UNUSED const char *mwt_dev_path(void)
{
	const char *p = getenv("MEMWELL_DEV");

	return p && *p ? p : MEMWELL_DEV_PATH;
}

static MWT_UNUSED int mwt_run_case(const struct mwt_case *c, int timeout)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return MWT_FAIL;
	if (!pid) {
		/* Own process group: a timeout kills the case's children too. */
		setpgid(0, 0);
		alarm((unsigned int)timeout);
		_exit(c->fn());
	}
	setpgid(pid, pid);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return MWT_FAIL;
	/* Leftover children of the case (after a failure) must not linger. */
	kill(-pid, SIGKILL);
	if (WIFSIGNALED(st)) {
		mwt_diag("%s: killed by signal %d%s", c->name, WTERMSIG(st),
			 WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
		return MWT_FAIL;
	}
	return WEXITSTATUS(st);
}

static MWT_UNUSED int mwt_main(const struct mwt_case *cases, size_t n,
			       int argc, char **argv)
{
	const char *t = getenv("MWT_TIMEOUT");
	int timeout = t ? atoi(t) : 60;
	int failed = 0, planned = 0, num = 0;
	size_t i;
	int a;

	if (timeout <= 0)
		timeout = 60;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++) {
		int want = argc <= 1;

		for (a = 1; a < argc; a++)
			want |= !strcmp(argv[a], cases[i].name);
		planned += want;
	}
	printf("1..%d\n", planned);
	for (i = 0; i < n; i++) {
		int want = argc <= 1, rc;
		double start;

		for (a = 1; a < argc; a++)
			want |= !strcmp(argv[a], cases[i].name);
		if (!want)
			continue;
		num++;
		start = mwt_now();
		rc = mwt_run_case(&cases[i], timeout);
		if (rc == MWT_SKIP) {
			printf("ok %d - %s # SKIP\n", num, cases[i].name);
		} else if (rc == MWT_PASS) {
			printf("ok %d - %s (%.2f s)\n", num, cases[i].name,
			       mwt_now() - start);
		} else {
			printf("not ok %d - %s (%.2f s)\n", num, cases[i].name,
			       mwt_now() - start);
			failed++;
		}
	}
	return failed ? 1 : 0;
}

#endif /* MEMWELL_VM_TEST_H */
