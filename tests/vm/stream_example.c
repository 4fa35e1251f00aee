// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * docs/example/memwell_example.ko, the in-kernel API's example, run for
 * real: a module that streams heartbeats from a timer into a ring that
 * this process created, attached by name (memwell_ep_attach_name()) or by
 * descriptor (memwell_ep_attach_fd(): module init runs in insmod's process,
 * which inherits our descriptor).
 *
 *   by_name        heartbeats in order through poll(); memwell itself
 *                  cannot be unloaded while the example uses it; rmmod of
 *                  the example detaches it: EPOLLHUP after the records
 *   by_fd          the same by descriptor; the producer keeps the ring
 *                  alive after the process closes and unmaps it
 *   attach_errors  what memwell_ep_attach_fd() and memwell_ep_attach_name()
 *                  refuse, as insmod reports it
 *
 * The module is ./memwell_example.ko, or $MW_EXAMPLE_KO.
 */
#include "stream.h"

#include <fcntl.h>

struct example_rec {		/* docs/example/memwell_example.c */
	__u64 time_ns;
	__u64 beat;
};

#define BEATS	4		/* ten a second */

static const char *example_ko(void)
{
	const char *p = getenv("MW_EXAMPLE_KO");

	return p ? p : "./memwell_example.ko";
}

/*
 * Run a shell command; its exit status, its output (both streams) in @out.
 */
static int run(char *out, size_t size, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	size_t n = 0;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = 0;
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < size && fgets(out + n, (int)(size - n), f))
		n = strlen(out);
	st = pclose(f);
	if (out[0])
		t_diag("%s: %s", cmd, out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int insmod_example(const char *args)
{
	char out[256];

	return run(out, sizeof(out), "insmod %s %s 2>&1", example_ko(), args);
}

static int rmmod(const char *mod)
{
	char out[256];

	return run(out, sizeof(out), "rmmod %s 2>&1", mod);
}

/* Read @want heartbeats in order, sleeping in poll(). */
static int read_beats(struct st_ring *sr, int want)
{
	struct pollfd pfd = { .fd = sr->fd, .events = POLLIN };
	__u64 last_beat = 0, last_ns = 0;
	int got = 0;

	while (got < want) {
		struct example_rec r;
		struct memwell_rec rec;
		int err = memwell_rec_peek(sr->r, &rec);

		if (err == -EAGAIN) {
			REQUIRE_EQ(poll(&pfd, 1, 2000), 1);
			REQUIRE(!(pfd.revents & (POLLHUP | POLLERR)));
			continue;
		}
		REQUIRE_EQ(err, 0);
		REQUIRE_EQ(rec.flags, 0);
		REQUIRE_EQ(rec.len, sizeof(r));
		memcpy(&r, rec.data, sizeof(r));
		REQUIRE_EQ(memwell_rec_release(sr->r, &rec), 0);
		if (got) {
			REQUIRE_EQ(r.beat, last_beat + 1);
			REQUIRE(r.time_ns > last_ns);
		}
		last_beat = r.beat;
		last_ns = r.time_ns;
		got++;
	}
	return T_PASS;
}

/* After the example is gone: the records left, then EPOLLHUP. */
static int read_hup(struct st_ring *sr)
{
	struct pollfd pfd = { .fd = sr->fd, .events = POLLIN };

	REQUIRE(st_drain(sr, NULL) >= 0);
	REQUIRE_EQ(poll(&pfd, 1, 2000), 1);
	REQUIRE(pfd.revents & POLLHUP);
	return T_PASS;
}

static int case_by_name(void)
{
	struct memwell_ring_stats st;
	struct st_ring sr;

	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 6, 8,
			   "example-name"), 0);
	REQUIRE_EQ(insmod_example("ring=example-name"), 0);
	REQUIRE_EQ(read_beats(&sr, BEATS), T_PASS);
	REQUIRE_OK(st_stats(&sr, &st));
	REQUIRE_EQ(st.producers, 1);
	/* The example uses memwell's exports: memwell stays. */
	REQUIRE(rmmod("memwell") != 0);
	REQUIRE_EQ(rmmod("memwell_example"), 0);
	REQUIRE_EQ(read_hup(&sr), T_PASS);
	REQUIRE_OK(st_stats(&sr, &st));
	REQUIRE_EQ(st.producers, 0);
	REQUIRE_EQ(st.errors, 0);
	st_close(&sr);
	return T_PASS;
}

static int case_by_fd(void)
{
	struct st_ring sr;
	char arg[32];

	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 6, 8,
			   NULL), 0);
	/* insmod inherits it (libmemwell opens it with O_CLOEXEC). */
	REQUIRE_OK(fcntl(sr.fd, F_SETFD, 0));
	snprintf(arg, sizeof(arg), "fd=%d", sr.fd);
	REQUIRE_EQ(insmod_example(arg), 0);
	REQUIRE_EQ(read_beats(&sr, BEATS), T_PASS);
	/*
	 * Gone from user space, the ring lives on for its producer, which
	 * fills it and then drops (KASAN watches the debug kernel).
	 */
	st_close(&sr);
	usleep(300000);
	REQUIRE_EQ(rmmod("memwell_example"), 0);
	return T_PASS;
}

static int case_attach_errors(void)
{
	char out[256], arg[32];
	struct st_ring sr;
	int null_fd;

	REQUIRE_OK(null_fd = open("/dev/null", O_RDONLY));
	snprintf(arg, sizeof(arg), "fd=%d", null_fd);
	REQUIRE(run(out, sizeof(out), "insmod %s %s 2>&1", example_ko(), arg) != 0);
	REQUIRE(strstr(out, strerror(ENXIO)));
	REQUIRE(run(out, sizeof(out), "insmod %s fd=900 2>&1", example_ko()) != 0);
	REQUIRE(strstr(out, strerror(EBADF)));
	REQUIRE(run(out, sizeof(out), "insmod %s ring=example-none 2>&1",
		    example_ko()) != 0);
	/* busybox says ENOENT its own way */
	REQUIRE(strstr(out, strerror(ENOENT)) || strstr(out, "unknown symbol"));
	/* A ring without MEMWELL_F_KERNEL_PROD takes no kernel producer. */
	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS, 6, 8, "example-user"), 0);
	REQUIRE(run(out, sizeof(out), "insmod %s ring=example-user 2>&1",
		    example_ko()) != 0);
	REQUIRE(strstr(out, strerror(EPERM)));
	/* Nor does a device ring without a ring yet. */
	st_close(&sr);
	REQUIRE_OK(sr.fd = open(t_dev_path(), O_RDWR));
	snprintf(arg, sizeof(arg), "fd=%d", sr.fd);
	REQUIRE(run(out, sizeof(out), "insmod %s %s 2>&1", example_ko(), arg) != 0);
	REQUIRE(strstr(out, strerror(ENXIO)));
	close(sr.fd);
	close(null_fd);
	return T_PASS;
}

T_MAIN(
	T_RCASE(by_name), T_RCASE(by_fd), T_RCASE(attach_errors))
