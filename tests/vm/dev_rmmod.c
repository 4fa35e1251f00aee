// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * memwell.ko cannot be unloaded while anything uses it: an open fd (with
 * or without a ring), or a mapping whose fd is closed.  delete_module()
 * must fail (EWOULDBLOCK: the 6.1 kernel's answer for a module in use) and
 * the module's reference count must fall back to 0 once everything is
 * closed and unmapped.  The source kinds' modules (memwell_gen.ko, ...)
 * hold one reference each while loaded (and make any unload fail): the
 * count here is the files' alone.  The unload itself is left to
 * run-user-tests.sh, which unloads the source modules first and also uses
 * the hold modes of this binary:
 *
 *   dev_rmmod hold-fd FILE    create a ring, keep the fd, touch FILE, sleep
 *   dev_rmmod hold-map FILE   map a ring, close the fd, touch FILE, sleep
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "harness.h"

#define MODNAME	"memwell"

static long g_page;

static int try_unload(void)
{
	return (int)syscall(SYS_delete_module, MODNAME, O_NONBLOCK);
}

/* Modules using ours (the source kinds): one reference each. */
static int holders(void)
{
	DIR *d = opendir("/sys/module/" MODNAME "/holders");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The module's reference count from sysfs less its holders', or -1. */
static int refcnt(void)
{
	char buf[32];
	ssize_t n;
	int fd = open("/sys/module/" MODNAME "/refcnt", O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoi(buf) - holders();
}

static int open_ring(struct memwell_ring_info *in)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
		.count_shift = 8,
	};
	int fd = open(t_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(in, 0, sizeof(*in));
	in->size = sizeof(*in);
	if (ioctl(fd, MEMWELL_IOC_CREATE, &c) || ioctl(fd, MEMWELL_IOC_INFO, in)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int skip_unless_loaded(void)
{
	if (geteuid() != 0 || refcnt() < 0) {
		t_diag("needs root and memwell.ko loaded");
		return 1;
	}
	return 0;
}

static int case_busy_open(void)
{
	int fd;

	if (skip_unless_loaded())
		return T_SKIPPED;
	REQUIRE_EQ(refcnt(), 0);
	REQUIRE_OK(fd = open(t_dev_path(), O_RDWR | O_CLOEXEC));
	REQUIRE(refcnt() > 0);
	REQUIRE_ERRNO(try_unload(), EWOULDBLOCK);
	REQUIRE_OK(close(fd));
	REQUIRE_EQ(refcnt(), 0);
	return T_PASS;
}

static int case_busy_ring(void)
{
	struct memwell_ring_info in;
	int fd;

	if (skip_unless_loaded())
		return T_SKIPPED;
	REQUIRE_OK(fd = open_ring(&in));
	REQUIRE_ERRNO(try_unload(), EWOULDBLOCK);
	REQUIRE_OK(close(fd));
	REQUIRE_EQ(refcnt(), 0);
	return T_PASS;
}

/* Only a mapping is left: it holds the file, which holds the module. */
static int case_busy_mapped(void)
{
	struct memwell_ring_info in;
	void *hdr, *data;
	int fd;

	if (skip_unless_loaded())
		return T_SKIPPED;
	REQUIRE_OK(fd = open_ring(&in));
	hdr = mmap(NULL, in.hdr_size, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(hdr != MAP_FAILED);
	data = mmap(NULL, 2 * in.data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)in.data_offset);
	REQUIRE(data != MAP_FAILED);
	REQUIRE_OK(close(fd));
	REQUIRE(refcnt() > 0);
	REQUIRE_ERRNO(try_unload(), EWOULDBLOCK);
	REQUIRE_OK(munmap(data, 2 * in.data_size));
	/* The header mapping alone still holds it. */
	REQUIRE(refcnt() > 0);
	REQUIRE_ERRNO(try_unload(), EWOULDBLOCK);
	REQUIRE_EQ(*(__u32 *)hdr, MEMWELL_MAGIC);
	REQUIRE_OK(munmap(hdr, in.hdr_size));
	REQUIRE_EQ(refcnt(), 0);
	return T_PASS;
}

/* A forked child's inherited mapping holds it too. */
static int case_busy_child(void)
{
	struct memwell_ring_info in;
	void *data;
	int fd, pipefd[2];
	pid_t pid;
	char c;

	if (skip_unless_loaded())
		return T_SKIPPED;
	REQUIRE_OK(pipe(pipefd));
	REQUIRE_OK(fd = open_ring(&in));
	data = mmap(NULL, 2 * in.data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)in.data_offset);
	REQUIRE(data != MAP_FAILED);
	fflush(stdout);
	REQUIRE_OK(pid = fork());
	if (!pid) {
		close(fd);
		close(pipefd[1]);
		/* Hold the inherited mapping until the parent closes the pipe. */
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	REQUIRE_OK(munmap(data, 2 * in.data_size));
	REQUIRE_OK(close(fd));
	REQUIRE(refcnt() > 0);
	REQUIRE_ERRNO(try_unload(), EWOULDBLOCK);
	close(pipefd[1]);
	REQUIRE_EQ(t_reap(pid, "child"), T_PASS);
	REQUIRE_EQ(refcnt(), 0);
	return T_PASS;
}

static int hold(int map, const char *ready)
{
	struct memwell_ring_info in;
	int fd = open_ring(&in), rfd;

	if (fd < 0) {
		perror("hold: open_ring");
		return 1;
	}
	if (map) {
		void *p = mmap(NULL, 2 * in.data_size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, (off_t)in.data_offset);

		if (p == MAP_FAILED) {
			perror("hold: mmap");
			return 1;
		}
		close(fd);
	}
	rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (rfd < 0) {
		perror("hold: ready file");
		return 1;
	}
	close(rfd);
	for (;;)
		pause();
}

static const struct t_case cases[] = {
	T_RCASE(busy_open), T_RCASE(busy_ring), T_RCASE(busy_mapped),
	T_RCASE(busy_child)
};

int main(int argc, char **argv)
{
	g_page = sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "hold-fd"))
		return hold(0, argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hold-map"))
		return hold(1, argv[2]);
	return t_main(cases, T_ARRAY_SIZE(cases), argc, argv);
}
