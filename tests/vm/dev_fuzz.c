// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded random operation fuzzer for /dev/memwell, run as root and as an
 * unprivileged uid: several threads share a table of open files and of
 * mappings and, at random, open and close files, create rings of random and
 * hostile geometry, issue every ioctl with random and hostile arguments,
 * map, remap, protect and unmap regions, scribble over every writable page,
 * poll, and fork children that do the same for a while.
 *
 * What it checks: every call returns success or one of the errno values
 * the device documents (docs/device-abi.md); unknown commands are ENOTTY;
 * the process never takes a signal; afterwards a fresh ring still works.
 * What the kernel must not do (KASAN, lockdep, UBSAN, kmemleak, WARNING,
 * BUG) the VM runner checks on the console.
 *
 *   MW_SEED=<n>   replay a run (the seed is printed first)
 *   MW_SCALE=<f>  scale the operation count (5 * 10^5 per case, 10^6 per run,
 *                  at 1)
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "harness.h"

#define FZ_THREADS	4
#define FZ_FILES	16
#define FZ_MAPS		32
#define FZ_OPS		500000UL
#define FZ_FORK_OPS	200

struct fz_map {
	void *addr;		/* NULL: free slot */
	size_t len;
	int prot;
};

/* Shared by the threads; a slot is taken by exchanging it out. */
static int fz_fd[FZ_FILES];
static struct fz_map fz_maps[FZ_MAPS];
static pthread_mutex_t fz_map_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * fork() from one thread while another holds fz_map_lock would leave the
 * child a lock nobody can release: hold it across fork().
 */
static void fz_fork_prepare(void)
{
	pthread_mutex_lock(&fz_map_lock);
}

static void fz_fork_done(void)
{
	pthread_mutex_unlock(&fz_map_lock);
}
static long fz_page;
static __u64 fz_seed;
static unsigned long fz_ops_per_thread;
static volatile int fz_failed;
/* A few bytes before a PROT_NONE page: a struct that does not fit. */
static char *fz_edge;

static void fz_fail(const char *what, long ret, int err)
{
	t_diag("fuzz: %s returned %ld errno %d (%s)", what, ret, err,
		 strerror(err));
	fz_failed = 1;
}

/* Errno values a /dev/memwell call may legitimately return. */
static int fz_errno_ok(int e)
{
	switch (e) {
	case EINVAL: case E2BIG: case EFAULT: case ENXIO: case EBUSY:
	case EEXIST: case EPERM: case EACCES: case EBADF: case ENOMEM:
	case EIO: case ENOENT: case EOPNOTSUPP: case ENOTTY: case EAGAIN:
	case EINTR: case EMFILE: case ENFILE: case ENODEV: case EMSGSIZE:
	case EOVERFLOW:
		return 1;
	default:
		return 0;
	}
}

static void fz_expect(const char *what, long ret, int err)
{
	if (ret < 0 && !fz_errno_ok(err))
		fz_fail(what, ret, err);
}

static __u64 fz_pick(__u64 *s, __u64 n)
{
	return n ? t_rand_r(s) % n : 0;
}

/* Values that break naive code: zero, all ones, powers of two, random. */
static __u64 fz_value(__u64 *s)
{
	switch (fz_pick(s, 8)) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return 1ULL << fz_pick(s, 64);
	case 3: return (1ULL << fz_pick(s, 64)) - 1;
	case 4: return fz_pick(s, 64);
	case 5: return 0x8000000000000000ULL;
	default: return t_rand_r(s);
	}
}

/* A pointer for an ioctl argument: valid memory, NULL, or hostile. */
static void *fz_ptr(__u64 *s, void *valid)
{
	switch (fz_pick(s, 10)) {
	case 0: return NULL;
	case 1: return (void *)16;
	case 2: return (void *)0xffff888000000000ULL;	/* kernel memory */
	case 3: return fz_edge;		/* runs into a PROT_NONE page */
	default: return valid;
	}
}

static int fz_take_fd(__u64 *s, int *slot)
{
	*slot = (int)fz_pick(s, FZ_FILES);
	return __atomic_exchange_n(&fz_fd[*slot], -1, __ATOMIC_ACQ_REL);
}

static void fz_put_fd(int slot, int fd)
{
	int old = __atomic_exchange_n(&fz_fd[slot], fd, __ATOMIC_ACQ_REL);

	if (old >= 0)
		close(old);
}

static void fz_op_create(__u64 *s, int fd)
{
	struct {
		struct memwell_create c;
		__u64 tail[4];
	} a;
	unsigned int i;
	long r;

	memset(&a, 0, sizeof(a));
	a.c.size = sizeof(a.c);
	a.c.flags = (__u32)fz_pick(s, MEMWELL_F_ALL + 1);
	/* Mostly small rings, so the VM's memory lasts; sometimes anything. */
	a.c.block_shift = (__u32)(3 + fz_pick(s, 6));
	a.c.count_shift = (__u32)(1 + fz_pick(s, 20 - a.c.block_shift));
	if (!fz_pick(s, 20)) {
		a.c.block_shift = (__u32)fz_value(s);
		a.c.count_shift = (__u32)fz_value(s);
	}
	if (!fz_pick(s, 4))
		snprintf(a.c.name, sizeof(a.c.name), "fz%u", (unsigned int)fz_pick(s, 8));
	if (!fz_pick(s, 10))
		for (i = 0; i < sizeof(a.c.name); i++)
			a.c.name[i] = (char)fz_value(s);
	if (!fz_pick(s, 10))
		a.c.reserved[fz_pick(s, 4)] = fz_value(s);
	if (!fz_pick(s, 4))
		a.c.mode = (__u32)(fz_pick(s, 8) ? fz_pick(s, 01000) : fz_value(s));
	if (!fz_pick(s, 20))
		a.c.reserved1 = (__u32)fz_value(s);
	if (!fz_pick(s, 10))
		a.c.size = (__u32)fz_value(s);
	if (!fz_pick(s, 10)) {
		a.c.size = sizeof(a);
		a.tail[fz_pick(s, 4)] = fz_pick(s, 2);
	}
	r = ioctl(fd, MEMWELL_IOC_CREATE, fz_ptr(s, &a));
	fz_expect("CREATE", r, errno);
}

static void fz_op_ioctl(__u64 *s, int fd)
{
	union {
		struct memwell_ring_info info;
		struct memwell_ring_stats st;
		struct memwell_wake_policy wp;
		struct memwell_source src;
		/*
		 * As large as any command can say its struct is: a random
		 * command may be INFO or STATS with a 14-bit size, and the
		 * module then fills that many bytes (memwell_copy_out()).
		 */
		struct memwell_open op;
		__u64 raw[(1U << _IOC_SIZEBITS) / sizeof(__u64)];
	} a;
	unsigned int nr = (unsigned int)fz_pick(s, 11);
	unsigned int i;
	long r;

	for (i = 0; i < T_ARRAY_SIZE(a.raw); i++)
		a.raw[i] = fz_pick(s, 4) ? 0 : fz_value(s);
	switch (nr) {
	case 2:
		r = ioctl(fd, MEMWELL_IOC_INFO, fz_ptr(s, &a));
		fz_expect("INFO", r, errno);
		break;
	case 3:
	case 4:
		r = ioctl(fd, nr == 3 ? MEMWELL_IOC_WAKE : MEMWELL_IOC_RECOVER,
			  fz_pick(s, 2) ? fz_pick(s, 2) : fz_value(s));
		fz_expect(nr == 3 ? "WAKE" : "RECOVER", r, errno);
		break;
	case 5:
		r = ioctl(fd, MEMWELL_IOC_STATS, fz_ptr(s, &a));
		fz_expect("STATS", r, errno);
		break;
	case 6:
		a.wp.size = fz_pick(s, 8) ? sizeof(a.wp) : (__u32)fz_value(s);
		a.wp.flags = (__u32)fz_pick(s, 4);
		a.wp.watermark = fz_value(s);
		a.wp.latency_ns = fz_pick(s, 2) ? 0 : fz_value(s);
		r = ioctl(fd, MEMWELL_IOC_SET_WAKE, fz_ptr(s, &a));
		fz_expect("SET_WAKE", r, errno);
		break;
	case 7:
		/* Bounded work: a handful of records, slowly, if it starts. */
		a.src.size = fz_pick(s, 8) ? sizeof(a.src) : (__u32)fz_value(s);
		a.src.kind = (__u32)fz_pick(s, 5);
		a.src.context = (__u32)fz_pick(s, 4);
		a.src.producers = (__u32)fz_pick(s, 4);
		a.src.record_size = (__u32)(fz_pick(s, 4) ? 16 + fz_pick(s, 100) :
					    fz_value(s));
		a.src.count = 1 + fz_pick(s, 100);
		a.src.rate = 1 + fz_pick(s, 1000);
		r = ioctl(fd, MEMWELL_IOC_ATTACH, fz_ptr(s, &a));
		fz_expect("ATTACH", r, errno);
		break;
	case 8:
		r = ioctl(fd, MEMWELL_IOC_DETACH);
		fz_expect("DETACH", r, errno);
		break;
	case 9:
		/* The names CREATE uses, any sides: ours or another thread's ring. */
		a.op.size = fz_pick(s, 8) ? sizeof(a.op) : (__u32)fz_value(s);
		a.op.sides = (__u32)(fz_pick(s, 8) ? 1 + fz_pick(s, 3) : fz_value(s));
		snprintf(a.op.name, sizeof(a.op.name), "fz%u", (unsigned int)fz_pick(s, 8));
		r = ioctl(fd, MEMWELL_IOC_OPEN, fz_ptr(s, &a));
		fz_expect("OPEN", r, errno);
		break;
	default: {
		/* Unknown numbers, other types, random commands. */
		unsigned long cmd = fz_pick(s, 2) ?
			_IOC((unsigned int)fz_pick(s, 4), MEMWELL_IOC_MAGIC,
			     10 + (unsigned int)fz_pick(s, 246),
			     (unsigned int)fz_pick(s, 1U << 14)) :
			(unsigned long)(__u32)t_rand_r(s);

		r = ioctl(fd, cmd, fz_ptr(s, &a));
		if (_IOC_TYPE(cmd) == MEMWELL_IOC_MAGIC && _IOC_NR(cmd) >= 10 &&
		    (r >= 0 || errno != ENOTTY)) {
			int e = r < 0 ? errno : 0;

			t_diag("fuzz: command %#lx is not memwell's", cmd);
			fz_fail("an unknown ioctl", r, e);
		}
		break;
	}
	}
}

static void fz_add_map(void *addr, size_t len, int prot)
{
	unsigned int i;

	pthread_mutex_lock(&fz_map_lock);
	for (i = 0; i < FZ_MAPS; i++) {
		if (!fz_maps[i].addr) {
			fz_maps[i] = (struct fz_map){ addr, len, prot };
			addr = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&fz_map_lock);
	if (addr)
		munmap(addr, len);	/* table full */
}

/* Take a mapping out of the table: nobody else touches it meanwhile. */
static int fz_take_map(__u64 *s, struct fz_map *m)
{
	unsigned int i = (unsigned int)fz_pick(s, FZ_MAPS);

	pthread_mutex_lock(&fz_map_lock);
	*m = fz_maps[i];
	fz_maps[i].addr = NULL;
	pthread_mutex_unlock(&fz_map_lock);
	return m->addr != NULL;
}

static void fz_op_mmap(__u64 *s, int fd)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
				     PROT_READ | PROT_EXEC, PROT_NONE };
	struct memwell_ring_info in;
	__u64 off, len;
	int prot = prots[fz_pick(s, T_ARRAY_SIZE(prots))];
	int flags = fz_pick(s, 10) ? MAP_SHARED : MAP_PRIVATE;
	void *p;

	if (ioctl(fd, MEMWELL_IOC_INFO, &in))
		return;
	switch (fz_pick(s, 5)) {
	case 0: off = in.hdr_offset; len = in.hdr_size; break;
	case 1: off = in.prod_offset; len = in.prod_size; break;
	case 2: off = in.cons_offset; len = in.cons_size; break;
	case 3: off = in.data_offset; len = 2 * in.data_size; break;
	default:
		off = fz_pick(s, in.total_size / (__u64)fz_page + 2) * (__u64)fz_page;
		len = (1 + fz_pick(s, 8)) * (__u64)fz_page;
		break;
	}
	if (!fz_pick(s, 10))
		len += (__u64)fz_page;
	p = mmap(NULL, (size_t)len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED) {
		fz_expect("mmap", -1, errno);
		return;
	}
	fz_add_map(p, (size_t)len, prot);
}

static void fz_op_map_change(__u64 *s)
{
	struct fz_map m;
	void *p;

	if (!fz_take_map(s, &m))
		return;
	switch (fz_pick(s, 4)) {
	case 0:
		munmap(m.addr, m.len);
		return;
	case 1: {
		int prot = (int)fz_pick(s, 8) & (PROT_READ | PROT_WRITE | PROT_EXEC);

		if (!mprotect(m.addr, m.len, prot))
			m.prot = prot;
		else
			fz_expect("mprotect", -1, errno);
		break;
	}
	case 2: {
		size_t len = fz_pick(s, 2) ? m.len : m.len * 2;

		p = mremap(m.addr, m.len, len, MREMAP_MAYMOVE);
		if (p != MAP_FAILED) {
			m.addr = p;
			m.len = len;
		} else {
			fz_expect("mremap", -1, errno);
		}
		break;
	}
	default:
		/* Unmap the first page of several: keep the rest. */
		if (m.len > (size_t)fz_page && !munmap(m.addr, (size_t)fz_page)) {
			m.addr = (char *)m.addr + fz_page;
			m.len -= (size_t)fz_page;
		}
		break;
	}
	fz_add_map(m.addr, m.len, m.prot);
}

/* Random and extreme values over a writable mapping: positions, marks, data. */
static void fz_op_scribble(__u64 *s)
{
	struct fz_map m;
	unsigned int i, n = 1 + (unsigned int)fz_pick(s, 64);

	if (!fz_take_map(s, &m))
		return;
	if ((m.prot & (PROT_READ | PROT_WRITE)) == (PROT_READ | PROT_WRITE)) {
		__u64 *w = m.addr;
		size_t words = m.len / sizeof(*w);

		for (i = 0; i < n; i++) {
			/* The control lines first: positions live there. */
			size_t at = fz_pick(s, 2) ? fz_pick(s, 48) : fz_pick(s, words);

			__atomic_store_n(&w[at], fz_value(s), __ATOMIC_RELAXED);
		}
	} else if (m.prot & PROT_READ) {
		volatile const __u64 *w = m.addr;

		(void)w[fz_pick(s, m.len / sizeof(*w))];
	}
	fz_add_map(m.addr, m.len, m.prot);
}

static void fz_op_poll(__u64 *s, int fd)
{
	struct pollfd p = { .fd = fd, .events = (short)fz_pick(s, 0x40) };

	if (poll(&p, 1, 0) < 0)
		fz_expect("poll", -1, errno);
}

static void fz_ops(__u64 *s, unsigned long ops, int may_fork);

static void fz_op_fork(__u64 *s)
{
	__u64 cs = t_rand_r(s);
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (!pid) {
		unsigned int i;

		/*
		 * fork() copies the file table before the memory: a file
		 * another thread opened in between is in our table but not
		 * open here.
		 */
		for (i = 0; i < FZ_FILES; i++)
			if (fz_fd[i] >= 0 && fcntl(fz_fd[i], F_GETFD) < 0)
				fz_fd[i] = -1;
		fz_ops(&cs, FZ_FORK_OPS, 0);
		_exit(fz_failed);
	}
	if (t_reap(pid, "fuzz child"))
		fz_failed = 1;
}

static void fz_ops(__u64 *s, unsigned long ops, int may_fork)
{
	unsigned long i;

	for (i = 0; i < ops && !fz_failed; i++) {
		__u64 what = fz_pick(s, 1000);
		int slot, fd;

		if (what < 20) {			/* open or close */
			fd = fz_take_fd(s, &slot);
			if (fd >= 0) {
				close(fd);
			} else {
				fd = open(t_dev_path(), O_RDWR | O_CLOEXEC);
				if (fd < 0)
					fz_expect("open", -1, errno);
				else
					fz_put_fd(slot, fd);
			}
			continue;
		}
		if (what < 80) {
			fz_op_map_change(s);
			continue;
		}
		if (what < 180) {
			fz_op_scribble(s);
			continue;
		}
		if (what < 181 && may_fork) {
			fz_op_fork(s);
			continue;
		}
		fd = fz_take_fd(s, &slot);
		if (fd < 0)
			continue;
		if (what < 230)
			fz_op_create(s, fd);
		else if (what < 330)
			fz_op_mmap(s, fd);
		else if (what < 400)
			fz_op_poll(s, fd);
		else
			fz_op_ioctl(s, fd);
		fz_put_fd(slot, fd);
	}
}

static void *fz_thread(void *arg)
{
	uint64_t mix = fz_seed + (uintptr_t)arg;
	__u64 s = t_splitmix(&mix) | 1;

	fz_ops(&s, fz_ops_per_thread, 1);
	return NULL;
}

/* After the storm: a fresh ring still carries records. */
static int fz_sane(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
		.count_shift = 8,
	};
	struct memwell *mw;
	char buf[16];

	REQUIRE_EQ(memwell_create_dev(&o, &mw), 0);
	REQUIRE_EQ(memwell_rec_write(memwell_get_ring(mw), "memwell", 8), 0);
	REQUIRE_EQ(memwell_rec_read(memwell_get_ring(mw), buf, sizeof(buf)), 8);
	REQUIRE(!strcmp(buf, "memwell"));
	memwell_close(mw);
	return T_PASS;
}

static int fz_run(void)
{
	pthread_t t[FZ_THREADS];
	const char *e = getenv("MW_SEED");
	unsigned long i;
	double start = t_now();

	fz_page = sysconf(_SC_PAGESIZE);
	fz_seed = e && *e ? strtoull(e, NULL, 0) : (__u64)time(NULL) ^ (__u64)getpid();
	fz_ops_per_thread = t_scaled(FZ_OPS) / FZ_THREADS;
	t_diag("fuzz: seed %llu (replay with MW_SEED=%llu), %lu operations, uid %d",
		 (unsigned long long)fz_seed, (unsigned long long)fz_seed,
		 fz_ops_per_thread * FZ_THREADS, (int)getuid());
	for (i = 0; i < FZ_FILES; i++)
		fz_fd[i] = -1;
	fz_edge = mmap(NULL, 2 * (size_t)fz_page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(fz_edge != MAP_FAILED);
	REQUIRE_OK(mprotect(fz_edge + fz_page, (size_t)fz_page, PROT_NONE));
	fz_edge += fz_page - 6;
	REQUIRE_EQ(pthread_atfork(fz_fork_prepare, fz_fork_done, fz_fork_done), 0);
	/* The storm may take longer than one ordinary case. */
	alarm(600);
	for (i = 0; i < FZ_THREADS; i++)
		REQUIRE_EQ(pthread_create(&t[i], NULL, fz_thread, (void *)i), 0);
	for (i = 0; i < FZ_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < FZ_FILES; i++)
		if (fz_fd[i] >= 0)
			close(fz_fd[i]);
	for (i = 0; i < FZ_MAPS; i++)
		if (fz_maps[i].addr)
			munmap(fz_maps[i].addr, fz_maps[i].len);
	t_diag("fuzz: done in %.1f s", t_now() - start);
	REQUIRE(!fz_failed);
	return fz_sane();
}

static int case_fuzz_root(void)
{
	if (geteuid())
		return T_SKIPPED;
	return fz_run();
}

/* The same storm from an unprivileged uid, with no capabilities. */
static int case_fuzz_nobody(void)
{
	int fd;

	if (!geteuid()) {
		REQUIRE_OK(setgroups(0, NULL));
		REQUIRE_OK(setgid(65534));
		REQUIRE_OK(setuid(65534));
	}
	fd = open(t_dev_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		t_diag("fuzz: the device is not open to uid %d: nothing to fuzz",
			 (int)getuid());
		return T_PASS;
	}
	REQUIRE_OK(fd);
	close(fd);
	return fz_run();
}

T_MAIN(
	T_RCASE(fuzz_root), T_RCASE(fuzz_nobody))
