// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * What a user may make the kernel hold (docs/security.md, "Limits"):
 *
 *   memlock_limit    uid 65534: ring pages count against RLIMIT_MEMLOCK;
 *                    a ring of exactly the limit fits, one page more is
 *                    ENOMEM, and closing the ring uncharges it
 *   memlock_mapping  the charge stays while only a mapping holds the
 *                    ring, and goes with the munmap()
 *   memlock_cap      root with CAP_IPC_LOCK is not charged (RLIMIT_MEMLOCK
 *                    0 and rings still come); without it, it is
 *   huge_sizes       a 64 MiB ring within an 8 MiB RLIMIT_MEMLOCK: ENOMEM
 *                    at once; over max_ring_kib: E2BIG; as root it works
 *   memlock_exhaust  CREATE in a loop ends in ENOMEM after exactly
 *                    limit / pages rings, and again after closing them all
 *   ring_count       max_user_rings: EMFILE past it, per uid, root
 *                    included; the count returns to zero with the rings
 *   kthread_limit    max_user_kthreads (root: gen and sink kinds): EAGAIN
 *                    past it, timer contexts count none, the count returns
 *                    to zero on DETACH and close, and the kthreads exit
 *   memcg            in a 64 MiB memory cgroup, CREATE until refused, then
 *                    large rings: ENOMEM every time, the creator survives,
 *                    memory.events oom_kill stays 0 (skipped on a kernel
 *                    without the memory controller)
 *
 * Module parameters are set through /sys/module/memwell/parameters and put
 * back when the case ends.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "harness.h"
#include "memwell_gen.h"
#include "memwell_sink.h"

#define NOBODY		65534
#define PARAM_DIR	"/sys/module/memwell/parameters/"
#define CG_ROOT		"/sys/fs/cgroup"
#define CG_DIR		CG_ROOT "/memwell_limits"

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* CREATE on @fd; 0 or -errno. */
static int create_on(int fd, __u32 flags, __u32 bs, __u32 cs)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = flags, .block_shift = bs,
		.count_shift = cs,
	};

	return ioctl(fd, MEMWELL_IOC_CREATE, &c) ? -errno : 0;
}

/* A new ring's fd, or -errno (nothing left open). */
static int ring(__u32 flags, __u32 bs, __u32 cs)
{
	int fd = open(t_dev_path(), O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = create_on(fd, flags, bs, cs);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* 0 if a ring of that geometry can be created (and closes it), or -errno. */
static int ring_err(__u32 flags, __u32 bs, __u32 cs)
{
	int fd = ring(flags, bs, cs);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* The small ring most cases use: 16 blocks of 4 KiB. */
static int small_ring(void)
{
	return ring(0, 12, 4);
}

/* Distinct pages a ring of that geometry allocates. */
static long ring_pages(__u32 flags, __u32 bs, __u32 cs)
{
	struct memwell_ring_info in = { .size = sizeof(in) };
	int fd = ring(flags, bs, cs);

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_INFO, &in));
	close(fd);
	return (long)((in.data_offset + in.data_size) / (__u64)page_size());
}

static void set_memlock(rlim_t bytes)
{
	struct rlimit rl = { bytes, bytes };

	REQUIRE_OK(setrlimit(RLIMIT_MEMLOCK, &rl));
}

/* ---- module parameters, put back at the end of the case ---- */

struct saved_param {
	char name[32];
	char value[32];
};

static struct saved_param saved[4];
static unsigned int nsaved;
static pid_t saver;

static int param_write(const char *name, const char *value)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void params_restore(void)
{
	unsigned int i;

	/* Not in the case's children, which exit() too. */
	if (getpid() != saver)
		return;
	for (i = 0; i < nsaved; i++)
		param_write(saved[i].name, saved[i].value);
	nsaved = 0;
}

/* Set a parameter of memwell.ko for the rest of the case; the case fails if it cannot. */
static void param_set(const char *name, const char *value)
{
	struct saved_param *s;
	char path[128];
	ssize_t n;
	int fd;

	REQUIRE(nsaved < T_ARRAY_SIZE(saved));
	s = &saved[nsaved];
	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		t_diag("no parameter %s: %s", name, strerror(errno));
	REQUIRE(fd >= 0);
	n = read(fd, s->value, sizeof(s->value) - 1);
	close(fd);
	REQUIRE(n > 0);
	s->value[n] = 0;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (!nsaved++ && saver != getpid()) {
		saver = getpid();
		atexit(params_restore);
	}
	REQUIRE_EQ(param_write(name, value), 0);
}

/* ---- children with another uid or fewer capabilities ---- */

static void become_nobody(void)
{
	REQUIRE_OK(setgroups(0, NULL));
	REQUIRE_OK(setresgid(NOBODY, NOBODY, NOBODY));
	REQUIRE_OK(setresuid(NOBODY, NOBODY, NOBODY));
}

/* Drop one capability from the effective and permitted sets. */
static void drop_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	REQUIRE_OK(syscall(SYS_capget, &h, d));
	d[cap / 32].effective &= ~(1U << (cap % 32));
	d[cap / 32].permitted &= ~(1U << (cap % 32));
	REQUIRE_OK(syscall(SYS_capset, &h, d));
}

/* Run @fn in a child as uid 65534; its verdict. */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		become_nobody();
		_exit(fn(arg));
	}
	return t_reap(pid, "uid 65534 child");
}

static int root_required(void)
{
	if (geteuid()) {
		t_diag("needs root");
		return 1;
	}
	return 0;
}

/* ---- RLIMIT_MEMLOCK ---- */

static int memlock_limit_child(void *arg)
{
	long pages = *(long *)arg;
	struct memwell_ring_info in = { .size = sizeof(in) };
	int fd, fd2;

	/* Exactly the limit: it fits. */
	fd = small_ring();
	if (fd < 0)
		t_diag("a ring of exactly RLIMIT_MEMLOCK: %s", strerror(-fd));
	REQUIRE(fd >= 0);
	/* Not one page more. */
	fd2 = small_ring();
	if (fd2 >= 0)
		t_diag("a second ring beyond RLIMIT_MEMLOCK was created");
	REQUIRE_EQ(fd2, -ENOMEM);
	/* The refused CREATE left the file without a ring: it may try again. */
	fd2 = open(t_dev_path(), O_RDWR | O_CLOEXEC);
	REQUIRE(fd2 >= 0);
	REQUIRE_EQ(create_on(fd2, 0, 12, 4), -ENOMEM);
	REQUIRE_ERRNO(ioctl(fd2, MEMWELL_IOC_INFO, &in), ENXIO);
	/* Closing the ring uncharges it: the same CREATE now works. */
	close(fd);
	REQUIRE_EQ(create_on(fd2, 0, 12, 4), 0);
	close(fd2);
	fd = small_ring();
	REQUIRE(fd >= 0);
	close(fd);
	/* One page under the ring's size: refused. */
	set_memlock((rlim_t)(pages * page_size() - 1));
	REQUIRE_EQ(small_ring(), -ENOMEM);
	return T_PASS;
}

static int case_memlock_limit(void)
{
	long pages;

	if (root_required())
		return T_SKIPPED;
	pages = ring_pages(0, 12, 4);
	t_diag("a ring of 16 blocks of 4 KiB allocates %ld pages", pages);
	set_memlock((rlim_t)(pages * page_size()));
	return as_nobody(memlock_limit_child, &pages);
}

static int memlock_mapping_child(void *arg)
{
	struct memwell_ring_info in = { .size = sizeof(in) };
	void *p;
	int fd;

	(void)arg;
	fd = small_ring();
	REQUIRE(fd >= 0);
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_INFO, &in));
	p = mmap(NULL, 2 * in.data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)in.data_offset);
	REQUIRE(p != MAP_FAILED);
	memset(p, 0x5a, in.data_size);
	/* The mapping holds the ring, and so its charge. */
	close(fd);
	REQUIRE_EQ(small_ring(), -ENOMEM);
	REQUIRE_OK(munmap(p, 2 * in.data_size));
	/* The last holder is gone: so is the charge. */
	fd = small_ring();
	if (fd < 0)
		t_diag("CREATE after munmap(): %s", strerror(-fd));
	REQUIRE(fd >= 0);
	close(fd);
	return T_PASS;
}

static int case_memlock_mapping(void)
{
	long pages;

	if (root_required())
		return T_SKIPPED;
	pages = ring_pages(0, 12, 4);
	set_memlock((rlim_t)(pages * page_size()));
	return as_nobody(memlock_mapping_child, NULL);
}

static int case_memlock_cap(void)
{
	long pages;
	int fds[3], i, fd;
	pid_t pid;

	if (root_required())
		return T_SKIPPED;
	pages = ring_pages(0, 12, 4);
	/* With CAP_IPC_LOCK: nothing is charged, whatever the limit. */
	set_memlock(0);
	for (i = 0; i < 3; i++) {
		fds[i] = small_ring();
		REQUIRE(fds[i] >= 0);
	}
	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		drop_cap(CAP_IPC_LOCK);
		/* Without it, root is charged like anyone. */
		fd = small_ring();
		if (fd >= 0)
			t_diag("root without CAP_IPC_LOCK created a ring over RLIMIT_MEMLOCK 0");
		REQUIRE_EQ(fd, -ENOMEM);
		/*
		 * Room for one ring: the three rings of the capable parent,
		 * still open here, took none of it.
		 */
		set_memlock((rlim_t)(pages * page_size()));
		fd = small_ring();
		REQUIRE(fd >= 0);
		REQUIRE_EQ(small_ring(), -ENOMEM);
		close(fd);
		_exit(T_PASS);
	}
	REQUIRE_EQ(t_reap(pid, "root without CAP_IPC_LOCK"), T_PASS);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	return T_PASS;
}

/* ---- huge sizes ---- */

/* @arg: max_ring_kib was lowered to 1 MiB. */
static int huge_child(void *arg)
{
	int small_max = *(int *)arg;
	double t0 = t_now();

	/* 64 MiB of data within an 8 MiB RLIMIT_MEMLOCK: refused at once. */
	REQUIRE_EQ(ring_err(0, 12, 14), small_max ? -E2BIG : -ENOMEM);
	/* 64 MiB of data and 16 MiB of marks. */
	REQUIRE_EQ(ring_err(MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI, 6, 20),
		   small_max ? -E2BIG : -ENOMEM);
	t_diag("two refusals in %.3f s", t_now() - t0);
	/* 2 MiB: within RLIMIT_MEMLOCK, not within a max_ring_kib of 1 MiB. */
	REQUIRE_EQ(ring_err(0, 12, 9), small_max ? -E2BIG : 0);
	/* Geometry out of range: EINVAL. */
	REQUIRE_EQ(ring_err(0, 12, 63), -EINVAL);
	REQUIRE_EQ(ring_err(0, 16, 30), -EINVAL);
	return T_PASS;
}

static int case_huge_sizes(void)
{
	int fd, small_max = 0;

	if (root_required())
		return T_SKIPPED;
	/* Root (CAP_IPC_LOCK) may have the largest default ring's 64 MiB. */
	fd = ring(0, 12, 14);
	if (fd < 0)
		t_diag("root, 64 MiB ring: %s", strerror(-fd));
	REQUIRE(fd >= 0);
	close(fd);
	set_memlock(8 << 20);
	REQUIRE_EQ(as_nobody(huge_child, &small_max), T_PASS);
	param_set("max_ring_kib", "1024");
	small_max = 1;
	return as_nobody(huge_child, &small_max);
}

/* ---- a loop until refused ---- */

#define EXHAUST_MAX	512

static int exhaust(long expect, int *fds)
{
	int n, err = 0;

	for (n = 0; n < EXHAUST_MAX; n++) {
		fds[n] = small_ring();
		if (fds[n] < 0) {
			err = fds[n];
			break;
		}
	}
	if (n != expect || err != -ENOMEM)
		t_diag("%d rings, then %s; expected %ld, then ENOMEM", n,
		       err ? strerror(-err) : "no refusal", expect);
	REQUIRE_EQ(err, -ENOMEM);
	REQUIRE_EQ(n, expect);
	while (n--)
		close(fds[n]);
	return T_PASS;
}

static int memlock_exhaust_child(void *arg)
{
	long expect = *(long *)arg;
	static int fds[EXHAUST_MAX];

	REQUIRE_EQ(exhaust(expect, fds), T_PASS);
	/* All uncharged: the same number again. */
	REQUIRE_EQ(exhaust(expect, fds), T_PASS);
	return T_PASS;
}

static int case_memlock_exhaust(void)
{
	long pages, expect;

	if (root_required())
		return T_SKIPPED;
	pages = ring_pages(0, 12, 4);
	set_memlock(4 << 20);
	expect = (4 << 20) / page_size() / pages;
	REQUIRE(expect < EXHAUST_MAX);
	return as_nobody(memlock_exhaust_child, &expect);
}

/* ---- max_user_rings ---- */

#define RINGS_LIMIT	8

/* Up to the limit, EMFILE past it, back to zero when the rings go. */
static int ring_count_child(void *arg)
{
	int fds[RINGS_LIMIT], fd, i, round;

	(void)arg;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < RINGS_LIMIT; i++) {
			fds[i] = small_ring();
			if (fds[i] < 0)
				t_diag("ring %d of %d: %s", i, RINGS_LIMIT,
				       strerror(-fds[i]));
			REQUIRE(fds[i] >= 0);
		}
		fd = small_ring();
		if (fd >= 0)
			t_diag("ring %d of a limit of %d was created", RINGS_LIMIT + 1,
			       RINGS_LIMIT);
		REQUIRE_EQ(fd, -EMFILE);
		close(fds[0]);
		fds[0] = small_ring();
		REQUIRE(fds[0] >= 0);
		for (i = 0; i < RINGS_LIMIT; i++)
			close(fds[i]);
	}
	return T_PASS;
}

static int case_ring_count(void)
{
	char limit[16];
	int held[RINGS_LIMIT], i;

	if (root_required())
		return T_SKIPPED;
	snprintf(limit, sizeof(limit), "%d", RINGS_LIMIT);
	param_set("max_user_rings", limit);
	set_memlock(RLIM_INFINITY);
	/* Root holds its whole count: another uid's is its own. */
	for (i = 0; i < RINGS_LIMIT; i++) {
		held[i] = small_ring();
		REQUIRE(held[i] >= 0);
	}
	REQUIRE_EQ(small_ring(), -EMFILE);
	REQUIRE_EQ(as_nobody(ring_count_child, NULL), T_PASS);
	for (i = 0; i < RINGS_LIMIT; i++)
		close(held[i]);
	/* Root is bound too, and its count went back to zero. */
	return ring_count_child(NULL);
}

/* ---- max_user_kthreads ---- */

#define GEN_FLAGS	(MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD | MEMWELL_F_PROD_MULTI)

static int attach(int fd, __u32 kind, __u32 ctx, __u32 producers)
{
	struct memwell_source s = {
		.size = sizeof(s), .kind = kind, .context = ctx,
		.producers = producers,
	};

	if (kind == MEMWELL_SRC_GEN) {
		s.record_size = 64;
		s.rate = 20;		/* slow: a TCG guest runs them all */
	}
	return ioctl(fd, MEMWELL_IOC_ATTACH, &s) ? -errno : 0;
}

/* Tasks whose name starts with @prefix. */
static int count_tasks(const char *prefix)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	REQUIRE(d);
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, prefix, strlen(prefix)))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * Tasks named @prefix left once stopped ones are gone.  kthread_stop()
 * returns when the thread's exit completion fires (exit_mm() in
 * do_exit()), before the task is released, and until then its /proc
 * entry remains: look again, 2 s at most (a thread that never exits
 * still fails).
 */
static int count_tasks_stopped(const char *prefix)
{
	int n, tries;

	for (tries = 0; (n = count_tasks(prefix)) && tries < 200; tries++)
		usleep(10000);
	return n;
}

static int case_kthread_limit(void)
{
	int a, b, c, d, e, round, err;

	if (root_required())
		return T_SKIPPED;
	param_set("max_user_kthreads", "20");
	for (round = 0; round < 2; round++) {
		a = ring(GEN_FLAGS, 6, 8);
		b = ring(GEN_FLAGS, 6, 8);
		c = ring(GEN_FLAGS, 6, 8);
		d = ring(MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_CONS, 6, 8);
		e = ring(GEN_FLAGS, 6, 8);
		REQUIRE(a >= 0 && b >= 0 && c >= 0 && d >= 0 && e >= 0);
		REQUIRE_EQ(attach(a, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 16), 0);
		err = attach(b, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 16);
		if (!err)
			t_diag("32 gen kthreads started under a limit of 20");
		REQUIRE_EQ(err, -EAGAIN);
		REQUIRE_EQ(attach(b, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 4), 0);
		REQUIRE_EQ(count_tasks("memwell_gen/"), 20);
		/* Full: one more gen kthread or a sink's is refused ... */
		REQUIRE_EQ(attach(c, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 1), -EAGAIN);
		REQUIRE_EQ(attach(d, MEMWELL_SRC_SINK, 0, 0), -EAGAIN);
		/* ... a timer context starts none. */
		REQUIRE_EQ(attach(e, MEMWELL_SRC_GEN, MEMWELL_CTX_SOFTIRQ, 16), 0);
		/* DETACH gives its kthreads back. */
		REQUIRE_OK(ioctl(b, MEMWELL_IOC_DETACH));
		REQUIRE_EQ(attach(d, MEMWELL_SRC_SINK, 0, 0), 0);
		REQUIRE_EQ(attach(c, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 3), 0);
		REQUIRE_EQ(attach(b, MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 1), -EAGAIN);
		/* So does closing the ring: the next round starts from zero. */
		close(a);
		close(b);
		close(c);
		close(d);
		close(e);
		REQUIRE_EQ(count_tasks_stopped("memwell_gen/"), 0);
		REQUIRE_EQ(count_tasks_stopped("memwell_sink"), 0);
	}
	return T_PASS;
}

/* With the default limit, 16-kthread sources until refused: a clean EAGAIN. */
static int case_kthread_exhaust(void)
{
	int fds[32], n, err = 0;
	char value[32] = "";
	ssize_t len;
	int pfd;

	if (root_required())
		return T_SKIPPED;
	pfd = open(PARAM_DIR "max_user_kthreads", O_RDONLY | O_CLOEXEC);
	REQUIRE(pfd >= 0);
	len = read(pfd, value, sizeof(value) - 1);
	close(pfd);
	REQUIRE(len > 0);
	for (n = 0; n < 32; n++) {
		fds[n] = ring(GEN_FLAGS, 6, 8);
		REQUIRE(fds[n] >= 0);
		err = attach(fds[n], MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD, 16);
		if (err)
			break;
	}
	t_diag("max_user_kthreads %d: %d sources of 16, then %s", atoi(value), n,
	       err ? strerror(-err) : "none refused");
	REQUIRE_EQ(err, -EAGAIN);
	REQUIRE_EQ(n, atoi(value) / 16);
	while (n >= 0)
		close(fds[n--]);
	REQUIRE_EQ(count_tasks_stopped("memwell_gen/"), 0);
	return T_PASS;
}

/* ---- the memory cgroup ---- */

static int file_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static long oom_kills(void)
{
	char line[128];
	long n = -1;
	FILE *f = fopen(CG_DIR "/memory.events", "re");

	REQUIRE(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "oom_kill %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* A cgroup with memory.max 64 MiB; 0, or T_SKIPPED without one. */
static int cg_setup(void)
{
	char ctl[256] = "";
	ssize_t n;
	int fd;

	if (access(CG_ROOT "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL)) {
		t_diag("no cgroup2 (%s)", strerror(errno));
		return T_SKIPPED;
	}
	fd = open(CG_ROOT "/cgroup.controllers", O_RDONLY | O_CLOEXEC);
	REQUIRE(fd >= 0);
	n = read(fd, ctl, sizeof(ctl) - 1);
	close(fd);
	if (n <= 0 || !strstr(ctl, "memory")) {
		t_diag("no memory controller");
		return T_SKIPPED;
	}
	REQUIRE_EQ(file_write(CG_ROOT "/cgroup.subtree_control", "+memory"), 0);
	if (mkdir(CG_DIR, 0755) && errno != EEXIST)
		REQUIRE_OK(-1);
	REQUIRE_EQ(file_write(CG_DIR "/memory.max", "64M"), 0);
	return 0;
}

#define CG_FDS		256
#define CG_SIZES	11	/* count_shift 14 (64 MiB) down to 4 (64 KiB) */

/* What the child in the cgroup saw: read after it closed everything. */
struct cg_result {
	int rings;			/* created in all */
	int fill_err[CG_SIZES];		/* how each size of the fill ended */
	int fill_n[CG_SIZES];
	int again_err[CG_SIZES];	/* one more of each size, when full */
};

static int cg_child(void *arg)
{
	struct cg_result *res = arg;
	static int fds[CG_FDS];
	volatile char stack[64 << 10];
	int procs, i, s, n = 0;

	/* Everything it will touch, before it joins: no fault in there. */
	memset((char *)stack, 1, sizeof(stack));
	memset(res, 0, sizeof(*res));
	procs = open(CG_DIR "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	REQUIRE(procs >= 0);
	for (i = 0; i < CG_FDS; i++) {
		fds[i] = open(t_dev_path(), O_RDWR | O_CLOEXEC);
		REQUIRE(fds[i] >= 0);
	}
	REQUIRE_EQ(create_on(fds[0], 0, 12, 4), 0);
	close(fds[0]);
	fds[0] = open(t_dev_path(), O_RDWR | O_CLOEXEC);
	REQUIRE(fds[0] >= 0);
	REQUIRE(write(procs, "0", 1) == 1);

	/* Fill it: each size until refused, from 256 MiB down to 64 KiB. */
	for (s = 0; s < CG_SIZES; s++) {
		int err = 0;

		while (n < CG_FDS - CG_SIZES &&
		       !(err = create_on(fds[n], 0, 12, 14 - s))) {
			n++;
			res->fill_n[s]++;
		}
		res->fill_err[s] = err;
	}
	/* Full: large rings now, whose page arrays are vmalloc()ed. */
	for (s = 0; s < CG_SIZES; s++) {
		res->again_err[s] = create_on(fds[n], 0, 12, 14 - s);
		if (!res->again_err[s])
			n++;
	}
	res->rings = n;
	for (i = 0; i < CG_FDS; i++)
		close(fds[i]);
	return T_PASS;
}

static int case_memcg(void)
{
	struct cg_result *res;
	long kills;
	int rc, s;
	pid_t pid;

	if (root_required())
		return T_SKIPPED;
	rc = cg_setup();
	if (rc)
		return rc;
	res = t_shared(sizeof(*res));
	kills = oom_kills();
	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid)
		_exit(cg_child(res));
	rc = t_reap(pid, "the creator in a 64 MiB memory cgroup");
	t_diag("%d rings, oom_kill %ld -> %ld", res->rings, kills, oom_kills());
	for (s = 0; s < CG_SIZES; s++) {
		t_diag("%u KiB of data: %d rings, then %s; when full: %s",
		       64U << (CG_SIZES - 1 - s), res->fill_n[s],
		       strerror(-res->fill_err[s]), strerror(-res->again_err[s]));
		CHECK_EQ(res->fill_err[s], -ENOMEM);
		CHECK_EQ(res->again_err[s], -ENOMEM);
	}
	CHECK_EQ(rc, T_PASS);
	CHECK(res->rings > 0);
	CHECK_EQ(oom_kills(), kills);
	rmdir(CG_DIR);
	return T_PASS;
}

T_MAIN(
	T_RCASE(memlock_limit), T_RCASE(memlock_mapping), T_RCASE(memlock_cap),
	T_RCASE(huge_sizes), T_RCASE(memlock_exhaust), T_RCASE(ring_count),
	T_RCASE(kthread_limit), T_RCASE(kthread_exhaust), T_RCASE(memcg))
