// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Who may do what (docs/security.md): the device node, the owner and mode
 * of named rings (MEMWELL_IOC_OPEN), what a file opened by name may map
 * writable and which ioctls it may use, CAP_IPC_OWNER, and names per
 * network namespace, including a namespace that dies while one of its
 * rings is still open.  Runs as root and drops to other users in
 * children; the guest script gives the device to gid 65534 (the udev
 * rule's memwell group), so uid 1000 is an outsider.
 *
 * Rings are owned by 2000:2000 (created with that fsuid/fsgid); the
 * group member is 2001 with supplementary group 2000, the other 2002.
 */
#include "harness.h"	/* first: it defines _GNU_SOURCE */
#include "libmemwell.h"

#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define OWNER	2000
#define MEMBER	2001
#define OTHER	2002

#define PROD	MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD)
#define CONS	MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)
#define BOTH	(PROD | CONS)

/* A device file, opened as root (the outsiders' children drop later). */
static int dev_open(void)
{
	return open(t_dev_path(), O_RDWR | O_CLOEXEC);
}

static int ioc_create(int fd, const char *name, __u32 mode, __u32 flags)
{
	struct memwell_create c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = flags | MEMWELL_F_RECORDS;
	c.block_shift = 6;
	c.count_shift = 6;
	c.mode = mode;
	if (name)
		snprintf(c.name, sizeof(c.name), "%s", name);
	return ioctl(fd, MEMWELL_IOC_CREATE, &c);
}

static int ioc_open(int fd, const char *name, __u32 sides)
{
	struct memwell_open o;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.sides = sides;
	snprintf(o.name, sizeof(o.name), "%s", name);
	return ioctl(fd, MEMWELL_IOC_OPEN, &o);
}

static int ioc_info(int fd, struct memwell_ring_info *in)
{
	memset(in, 0, sizeof(*in));
	in->size = sizeof(*in);
	return ioctl(fd, MEMWELL_IOC_INFO, in);
}

/* A named ring owned by OWNER:OWNER: fd of its creator, or -1. */
static int owned_ring(const char *name, __u32 mode, __u32 flags)
{
	int fd = dev_open(), err;

	if (fd < 0)
		return -1;
	setfsgid(OWNER);
	setfsuid(OWNER);
	err = ioc_create(fd, name, mode, flags);
	setfsuid(0);
	setfsgid(0);
	if (err) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Become @uid:@gid with supplementary group @group (or none if 0), keeping
 * only the capabilities @caps (all dropped if 0).  Exits on failure.
 */
static void become(uid_t uid, gid_t gid, gid_t group, __u64 caps)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (setgroups(group ? 1 : 0, &group) || setresgid(gid, gid, gid))
		_exit(200);
	if (caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		_exit(201);
	if (setresuid(uid, uid, uid))
		_exit(202);
	if (caps) {
		d[0].effective = d[0].permitted = (__u32)caps;
		d[1].effective = d[1].permitted = (__u32)(caps >> 32);
		if (syscall(SYS_capset, &h, d))
			_exit(203);
	}
}

struct who {
	const char *what;
	uid_t uid;
	gid_t gid, group;
	__u64 caps;
};

static const struct who owner = { "owner", OWNER, OWNER, 0, 0 };
static const struct who member = { "group member", MEMBER, MEMBER, OWNER, 0 };
static const struct who primary = { "primary group", MEMBER, OWNER, 0, 0 };
static const struct who other = { "other", OTHER, OTHER, 0, 0 };

/*
 * OPEN @name for @sides as @w on a device file opened as root: 0 or the
 * errno.  A refused OPEN leaves the file without a ring (INFO: ENXIO).
 */
static int open_as(const struct who *w, const char *name, __u32 sides)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct memwell_ring_info in;
		int fd = dev_open();

		if (fd < 0)
			_exit(210);
		become(w->uid, w->gid, w->group, w->caps);
		if (ioc_open(fd, name, sides)) {
			int e = errno;

			if (ioc_info(fd, &in) == 0 || errno != ENXIO)
				_exit(211);
			_exit(e);
		}
		if (ioc_info(fd, &in) || in.access != sides)
			_exit(212);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* What @w gets from @mode for @sides: the rule of docs/security.md. */
static int expected(const struct who *w, __u32 mode, __u32 sides)
{
	__u32 bits = w == &other ? mode & 7 : (mode >> 3) & 7;
	__u32 want = (sides & CONS ? 4 : 0) | (sides & PROD ? 6 : 0);

	if (w == &owner)
		return 0;
	return (want & ~bits) ? EACCES : 0;
}

/* Open the device as an outsider (uid and gid 1000): EACCES; as nobody: allowed. */
static int case_device_node(void)
{
	struct stat st;
	pid_t pid;
	int s;

	REQUIRE_OK(stat(t_dev_path(), &st));
	t_diag("%s: mode %04o, uid %u, gid %u", t_dev_path(),
	       (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_uid,
	       (unsigned int)st.st_gid);
	REQUIRE_OK(pid = fork());
	if (!pid) {
		become(1000, 1000, 0, 0);
		if (open(t_dev_path(), O_RDWR) >= 0 || errno != EACCES)
			_exit(1);
		if (open(t_dev_path(), O_RDONLY) >= 0 || errno != EACCES)
			_exit(2);
		_exit(0);
	}
	REQUIRE_EQ(waitpid(pid, &s, 0), pid);
	REQUIRE_EQ(WIFEXITED(s) ? WEXITSTATUS(s) : -1, 0);
	/* The guest script's rule: group 65534, mode 0660. */
	REQUIRE_OK(pid = fork());
	if (!pid) {
		int fd;

		become(65534, 65534, 0, 0);
		fd = open(t_dev_path(), O_RDWR);
		_exit(fd >= 0 && ioc_create(fd, NULL, 0, 0) == 0 ? 0 : 1);
	}
	REQUIRE_EQ(waitpid(pid, &s, 0), pid);
	REQUIRE_EQ(WIFEXITED(s) ? WEXITSTATUS(s) : -1, 0);
	return T_PASS;
}

/* Every mode of the issue, every kind of user, every set of sides. */
static int case_mode_matrix(void)
{
	static const __u32 modes[] = { 0600, 0640, 0660, 0644 };
	static const struct who *const whos[] = { &owner, &member, &primary, &other };
	static const __u32 sides[] = { CONS, PROD, BOTH };
	unsigned int m, w, s;
	int bad = 0;

	for (m = 0; m < T_ARRAY_SIZE(modes); m++) {
		char name[MEMWELL_NAME_LEN];
		int fd;

		snprintf(name, sizeof(name), "perm.%04o", modes[m]);
		REQUIRE_OK(fd = owned_ring(name, modes[m], 0));
		for (w = 0; w < T_ARRAY_SIZE(whos); w++) {
			for (s = 0; s < T_ARRAY_SIZE(sides); s++) {
				int got = open_as(whos[w], name, sides[s]);
				int want = expected(whos[w], modes[m], sides[s]);

				if (got != want) {
					t_diag("mode %04o, %s, sides %u: %d (%s), expected %d",
					       modes[m], whos[w]->what, sides[s], got,
					       strerror(got), want);
					bad = 1;
				}
			}
		}
		close(fd);
	}
	return bad ? T_FAIL : T_PASS;
}

/* A writable mapping of the region at @off: 0 or errno; mprotect after a read-only one too. */
static int map_rw(int fd, __u64 off, __u64 len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

static int map_ro_then_rw(int fd, __u64 off, __u64 len)
{
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
	int e = 0;

	if (p == MAP_FAILED)
		return -1;
	if (mprotect(p, len, PROT_READ | PROT_WRITE))
		e = errno;
	munmap(p, len);
	return e;
}

/*
 * A consumer by name (mode 0640, group member): its control writable, the
 * producers' control and the data read-only (EACCES writable, and
 * mprotect() cannot add it); RECOVER of the producers' side, SET_WAKE,
 * ATTACH and DETACH refused; through libmemwell it reads what the owner
 * wrote.  A producer by name (0660) writes what the owner reads.
 */
static int case_mmap_and_ioctls(void)
{
	struct memwell *mw;
	pid_t pid;
	int fd, s;

	REQUIRE_OK(fd = owned_ring("perm.map", 0660 & ~020, 0));
	REQUIRE_EQ(memwell_attach_dev_fd(fd, &mw), 0);
	REQUIRE_EQ(memwell_rec_write(memwell_get_ring(mw), "owner", 5), 0);
	REQUIRE_OK(pid = fork());
	if (!pid) {
		struct memwell_wake_policy wp = { .size = sizeof(wp) };
		struct memwell_source src = { .size = sizeof(src) };
		struct memwell_ring_info in;
		struct memwell *c;
		char buf[16];
		int cf = dev_open();

		become(MEMBER, MEMBER, OWNER, 0);
		REQUIRE_OK(ioc_open(cf, "perm.map", CONS));
		REQUIRE_OK(ioc_info(cf, &in));
		REQUIRE_EQ(in.access, CONS);
		REQUIRE_EQ(in.mode, 0640);
		REQUIRE_EQ(map_rw(cf, in.cons_offset, in.cons_size), 0);
		REQUIRE_EQ(map_rw(cf, in.prod_offset, in.prod_size), EACCES);
		REQUIRE_EQ(map_rw(cf, in.data_offset, 2 * in.data_size), EACCES);
		REQUIRE_EQ(map_rw(cf, 0, in.hdr_size), EPERM);
		REQUIRE_EQ(map_ro_then_rw(cf, in.prod_offset, in.prod_size), EACCES);
		REQUIRE_EQ(map_ro_then_rw(cf, in.data_offset, 2 * in.data_size), EACCES);
		REQUIRE_EQ(map_ro_then_rw(cf, in.cons_offset, in.cons_size), 0);
		REQUIRE_ERRNO(ioctl(cf, MEMWELL_IOC_RECOVER, MEMWELL_SIDE_PROD), EACCES);
		REQUIRE_OK(ioctl(cf, MEMWELL_IOC_RECOVER, MEMWELL_SIDE_CONS));
		REQUIRE_ERRNO(ioctl(cf, MEMWELL_IOC_SET_WAKE, &wp), EACCES);
		REQUIRE_ERRNO(ioctl(cf, MEMWELL_IOC_ATTACH, &src), EACCES);
		REQUIRE_ERRNO(ioctl(cf, MEMWELL_IOC_DETACH), EACCES);
		REQUIRE_OK(ioctl(cf, MEMWELL_IOC_WAKE, MEMWELL_SIDE_PROD));
		/* Already has a ring. */
		REQUIRE_ERRNO(ioc_open(cf, "perm.map", CONS), EBUSY);
		REQUIRE_EQ(memwell_attach_dev_fd(cf, &c), 0);
		REQUIRE_EQ(memwell_rec_read(memwell_get_ring(c), buf, sizeof(buf)), 5);
		REQUIRE(!memcmp(buf, "owner", 5));
		/* The library took only the consumer side. */
		REQUIRE(memwell_rec_write(memwell_get_ring(c), "x", 1) < 0);
		memwell_close(c);
		_exit(0);
	}
	REQUIRE_EQ(waitpid(pid, &s, 0), pid);
	REQUIRE_EQ(WIFEXITED(s) ? WEXITSTATUS(s) : -1, 0);
	memwell_close(mw);

	REQUIRE_OK(fd = owned_ring("perm.map", 0660, 0));
	REQUIRE_EQ(memwell_attach_dev_fd(fd, &mw), 0);
	REQUIRE_OK(pid = fork());
	if (!pid) {
		struct memwell *p;
		int pf = dev_open();

		become(MEMBER, MEMBER, OWNER, 0);
		REQUIRE_OK(ioc_open(pf, "perm.map", PROD));
		REQUIRE_EQ(memwell_attach_dev_fd(pf, &p), 0);
		REQUIRE_EQ(memwell_rec_write(memwell_get_ring(p), "member", 6), 0);
		memwell_close(p);
		_exit(0);
	}
	REQUIRE_EQ(waitpid(pid, &s, 0), pid);
	REQUIRE_EQ(WIFEXITED(s) ? WEXITSTATUS(s) : -1, 0);
	{
		char buf[16];

		REQUIRE_EQ(memwell_rec_read(memwell_get_ring(mw), buf, sizeof(buf)), 6);
		REQUIRE(!memcmp(buf, "member", 6));
	}
	memwell_close(mw);
	return T_PASS;
}

/* CAP_IPC_OWNER overrides the mode; CAP_SYS_ADMIN and CAP_DAC_OVERRIDE do not. */
static int case_cap_ipc_owner(void)
{
	const __u64 all = (1ULL << (CAP_LAST_CAP + 1)) - 1;
	const struct who ipc = { "CAP_IPC_OWNER", OTHER, OTHER, 0, 1ULL << CAP_IPC_OWNER };
	const struct who rest = { "all but CAP_IPC_OWNER", OTHER, OTHER, 0,
				  all & ~(1ULL << CAP_IPC_OWNER) };
	int fd;

	REQUIRE_OK(fd = owned_ring("perm.cap", 0600, 0));
	REQUIRE_EQ(open_as(&other, "perm.cap", CONS), EACCES);
	REQUIRE_EQ(open_as(&ipc, "perm.cap", BOTH), 0);
	REQUIRE_EQ(open_as(&rest, "perm.cap", CONS), EACCES);
	close(fd);
	return T_PASS;
}

/* Arguments of OPEN and the mode of CREATE: a clear errno, nothing left behind. */
static int case_open_errors(void)
{
	struct {
		struct memwell_open o;
		__u64 tail;
	} big;
	struct memwell_ring_info in;
	struct memwell_create c;
	struct memwell_open o;
	int fd, kfd, f, ro;

	REQUIRE_OK(fd = owned_ring("perm.err", 0, 0));
	REQUIRE_OK(ioc_info(fd, &in));
	REQUIRE_EQ(in.mode, 0600);		/* mode 0: the owner alone */
	REQUIRE_EQ(in.access, BOTH);
	REQUIRE_OK(kfd = owned_ring("perm.kprod", 0666, MEMWELL_F_KERNEL_PROD));
	REQUIRE_OK(f = dev_open());
	REQUIRE_ERRNO(ioc_open(f, "perm.none", CONS), ENOENT);
	REQUIRE_ERRNO(ioc_open(f, "perm.err", 0), EINVAL);
	REQUIRE_ERRNO(ioc_open(f, "perm.err", 4), EINVAL);
	REQUIRE_ERRNO(ioc_open(f, "", CONS), EINVAL);
	REQUIRE_ERRNO(ioc_open(f, "perm/err", CONS), EINVAL);
	REQUIRE_ERRNO(ioc_open(f, "perm.kprod", PROD), EPERM);
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.sides = CONS;
	strcpy(o.name, "perm.err");
	o.reserved[1] = 1;
	REQUIRE_ERRNO(ioctl(f, MEMWELL_IOC_OPEN, &o), EINVAL);
	o.reserved[1] = 0;
	o.size = sizeof(o) - 1;
	REQUIRE_ERRNO(ioctl(f, MEMWELL_IOC_OPEN, &o), EINVAL);
	memset(&big, 0, sizeof(big));
	big.o = o;
	big.o.size = sizeof(big);
	big.tail = 1;
	REQUIRE_ERRNO(ioctl(f, MEMWELL_IOC_OPEN, &big), E2BIG);
	REQUIRE_ERRNO(ioc_info(f, &in), ENXIO);	/* still no ring */
	REQUIRE_OK(ioc_open(f, "perm.kprod", CONS));
	REQUIRE_OK(ioc_info(f, &in));
	REQUIRE_EQ(in.access, CONS);
	REQUIRE_EQ(in.mode, 0666);
	REQUIRE_ERRNO(ioc_open(f, "perm.err", CONS), EBUSY);
	REQUIRE_ERRNO(ioc_create(f, NULL, 0, 0), EBUSY);
	close(f);

	/* A file opened for reading never holds a ring. */
	REQUIRE_OK(ro = open(t_dev_path(), O_RDONLY | O_CLOEXEC));
	REQUIRE_ERRNO(ioc_open(ro, "perm.err", CONS), EBADF);
	close(ro);

	/* CREATE: mode bits beyond 0777 and reserved1 are EINVAL. */
	REQUIRE_OK(f = dev_open());
	REQUIRE_ERRNO(ioc_create(f, "perm.bad", 01000, 0), EINVAL);
	REQUIRE_ERRNO(ioc_create(f, "perm.bad", 04600, 0), EINVAL);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = MEMWELL_F_RECORDS;
	c.block_shift = 6;
	c.count_shift = 6;
	c.reserved1 = 1;
	REQUIRE_ERRNO(ioctl(f, MEMWELL_IOC_CREATE, &c), EINVAL);
	/* A caller of the first version (no mode): the owner alone. */
	c.reserved1 = 0;
	c.size = MEMWELL_CREATE_SIZE_VER0;
	c.mode = 0777;		/* beyond its size: not read */
	strcpy(c.name, "perm.v0");
	REQUIRE_OK(ioctl(f, MEMWELL_IOC_CREATE, &c));
	REQUIRE_OK(ioc_info(f, &in));
	REQUIRE_EQ(in.mode, 0600);
	close(f);
	close(kfd);
	close(fd);
	return T_PASS;
}

/* libmemwell passes opts.mode; a local ring has no mode. */
static int case_lib_mode(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
		.count_shift = 6, .name = "perm.lib", .mode = 0604,
	};
	struct memwell_ring_info in;
	struct memwell *mw;

	REQUIRE_EQ(memwell_create_dev(&o, &mw), 0);
	REQUIRE_OK(ioc_info(memwell_fd(mw), &in));
	REQUIRE_EQ(in.mode, 0604);
	/* Root's ring: the others' bits apply to everyone else. */
	REQUIRE_EQ(open_as(&other, "perm.lib", CONS), 0);
	REQUIRE_EQ(open_as(&other, "perm.lib", PROD), EACCES);
	memwell_close(mw);
	o.name = NULL;
	REQUIRE_EQ(memwell_create_local(&o, &mw), -EINVAL);
	o.mode = 01000;
	REQUIRE_EQ(memwell_create_dev(&o, &mw), -EINVAL);
	return T_PASS;
}

/* In a child: a new network namespace, or exit 77 if the kernel has none. */
static void new_netns(void)
{
	if (unshare(CLONE_NEWNET)) {
		if (errno == EINVAL)
			_exit(T_SKIPPED);
		_exit(220);
	}
}

static int wait_child(pid_t pid)
{
	int s;

	if (waitpid(pid, &s, 0) != pid || !WIFEXITED(s))
		return -1;
	return WEXITSTATUS(s);
}

/*
 * A name created in a new network namespace is invisible from the initial
 * one and the other way round; the same name is usable in both.
 */
static int case_netns_names(void)
{
	int fd, fd2, go[2], done[2], st;
	pid_t pid;
	char c;

	REQUIRE_OK(fd = owned_ring("ns.init", 0666, 0));
	REQUIRE_OK(pipe(go));
	REQUIRE_OK(pipe(done));
	REQUIRE_OK(pid = fork());
	if (!pid) {
		int a = dev_open(), b = dev_open(), d = dev_open();

		new_netns();
		REQUIRE_ERRNO(ioc_open(a, "ns.init", CONS), ENOENT);
		REQUIRE_OK(ioc_create(a, "ns.init", 0, 0));	/* same name: its own */
		REQUIRE_OK(ioc_create(b, "ns.child", 0, 0));
		REQUIRE_OK(ioc_open(d, "ns.child", BOTH));
		REQUIRE(write(go[1], "g", 1) == 1);
		REQUIRE(read(done[0], &c, 1) == 1);
		_exit(0);
	}
	close(go[1]);
	close(done[0]);
	if (read(go[0], &c, 1) != 1) {
		st = wait_child(pid);
		if (st == T_SKIPPED)
			T_SKIP("no network namespaces in this kernel (CONFIG_NET_NS)");
		t_diag("child exited %d", st);
		return T_FAIL;
	}
	REQUIRE_OK(fd2 = dev_open());
	REQUIRE_ERRNO(ioc_open(fd2, "ns.child", CONS), ENOENT);
	REQUIRE_OK(ioc_create(fd2, "ns.child", 0, 0));
	REQUIRE_ERRNO(ioc_create(dev_open(), "ns.init", 0, 0), EEXIST);
	REQUIRE(write(done[1], "d", 1) == 1);
	REQUIRE_EQ(wait_child(pid), 0);
	close(fd2);
	close(fd);
	return T_PASS;
}

/*
 * The namespace dies while rings created in it are open elsewhere: the
 * creator's file and one opened by name, passed to us.  The rings keep
 * working, their names are gone with the namespace, and closing them
 * afterwards touches nothing of it (KASAN watches on the debug kernel).
 */
static int case_netns_dies(void)
{
	struct memwell *a, *b;
	int sv[2], fa, fb, st;
	char buf[16];
	pid_t pid;

	REQUIRE_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	REQUIRE_OK(pid = fork());
	if (!pid) {
		int x = dev_open(), y = dev_open(), z = dev_open();

		new_netns();
		REQUIRE_OK(ioc_create(x, "ns.dying", 0, 0));
		REQUIRE_OK(ioc_open(y, "ns.dying", CONS));
		/* A named ring closed in the namespace before it dies, too. */
		REQUIRE_OK(ioc_create(z, "ns.closed", 0, 0));
		close(z);
		REQUIRE_EQ(memwell_send_fd(sv[1], x), 0);
		REQUIRE_EQ(memwell_send_fd(sv[1], y), 0);
		_exit(0);
	}
	close(sv[1]);
	st = wait_child(pid);
	if (st == T_SKIPPED)
		T_SKIP("no network namespaces in this kernel (CONFIG_NET_NS)");
	REQUIRE_EQ(st, 0);
	REQUIRE_OK(fa = memwell_recv_fd(sv[0]));
	REQUIRE_OK(fb = memwell_recv_fd(sv[0]));
	close(sv[0]);
	/*
	 * The namespace is freed by a work item after its last process
	 * exited; give it time, then use and close what it left behind.
	 */
	sleep(2);
	REQUIRE_EQ(memwell_attach_dev_fd(fa, &a), 0);
	REQUIRE_EQ(memwell_attach_dev_fd(fb, &b), 0);
	REQUIRE_EQ(memwell_rec_write(memwell_get_ring(a), "after", 5), 0);
	REQUIRE_EQ(memwell_rec_read(memwell_get_ring(b), buf, sizeof(buf)), 5);
	REQUIRE(!memcmp(buf, "after", 5));
	REQUIRE_ERRNO(ioc_open(dev_open(), "ns.dying", CONS), ENOENT);
	memwell_close(b);
	memwell_close(a);
	return T_PASS;
}

T_MAIN(T_RCASE(device_node), T_RCASE(mode_matrix), T_RCASE(mmap_and_ioctls),
       T_RCASE(cap_ipc_owner), T_RCASE(open_errors), T_RCASE(lib_mode),
       T_RCASE(netns_names), T_RCASE(netns_dies))
