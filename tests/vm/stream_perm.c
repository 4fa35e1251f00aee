// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * What the kernel alone writes, processes map read-only: on a
 * MEMWELL_F_KERNEL_PROD ring the producer control and the data, on a
 * MEMWELL_F_KERNEL_CONS ring the consumer control (PROT_WRITE: EPERM;
 * mprotect() cannot add it later: EACCES).  Both flags: EINVAL.  Plus the
 * checks of names, MEMWELL_IOC_RECOVER on a kernel side, SET_WAKE and
 * ATTACH arguments, and the privileges of the source kinds: gen and sink
 * need CAP_SYS_ADMIN, sched perfmon_capable(); a kind no module
 * registered gives ENOENT.
 *
 *   stream_perm expect-attach gen|sched|sink ERRNO|0
 *       attach that kind to a fresh ring, exit 0 if ATTACH gave ERRNO
 *       (run-user-tests.sh, with a kind's module unloaded)
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/syscall.h>

#include "stream.h"

static int ring_fd(__u32 flags, const char *name, size_t name_len)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = flags, .block_shift = 6,
		.count_shift = 8,
	};
	int fd = open(t_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (name)
		memcpy(c.name, name, name_len);
	if (ioctl(fd, MEMWELL_IOC_CREATE, &c)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int check_map(int fd, __u64 off, __u64 len, int writable)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	if (writable) {
		REQUIRE(p != MAP_FAILED);
		munmap(p, len);
	} else {
		REQUIRE(p == MAP_FAILED);
		REQUIRE_ERRNO(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				   fd, (off_t)off), EPERM);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
		REQUIRE(p != MAP_FAILED);
		REQUIRE_ERRNO(mprotect(p, len, PROT_READ | PROT_WRITE), EACCES);
		munmap(p, len);
	}
	return T_PASS;
}

static int check_ring(__u32 flags, int prod_w, int cons_w, int data_w)
{
	struct memwell_ring_info in = { .size = sizeof(in) };
	int fd = ring_fd(flags, NULL, 0);

	REQUIRE(fd >= 0);
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_INFO, &in));
	REQUIRE_EQ(check_map(fd, 0, in.hdr_size, 0), T_PASS);
	REQUIRE_EQ(check_map(fd, in.prod_offset, in.prod_size, prod_w), T_PASS);
	REQUIRE_EQ(check_map(fd, in.cons_offset, in.cons_size, cons_w), T_PASS);
	REQUIRE_EQ(check_map(fd, in.data_offset, 2 * in.data_size, data_w), T_PASS);
	close(fd);
	return T_PASS;
}

static int case_kernel_prod(void)
{
	return check_ring(MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 0, 1, 0);
}

static int case_kernel_cons(void)
{
	return check_ring(MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_CONS, 1, 0, 1);
}

static int case_plain(void)
{
	return check_ring(MEMWELL_F_RECORDS, 1, 1, 1);
}

static int case_both_flags(void)
{
	REQUIRE_ERRNO(ring_fd(MEMWELL_F_KERNEL_PROD | MEMWELL_F_KERNEL_CONS, NULL, 0),
		      EINVAL);
	return T_PASS;
}

static int case_recover_kernel_side(void)
{
	int fd = ring_fd(MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, NULL, 0);

	REQUIRE(fd >= 0);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_RECOVER, MEMWELL_SIDE_PROD), EPERM);
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_RECOVER, MEMWELL_SIDE_CONS));
	close(fd);
	return T_PASS;
}

static int case_names(void)
{
	char full[MEMWELL_NAME_LEN];
	int a, b;

	REQUIRE_OK(a = ring_fd(MEMWELL_F_RECORDS, "stream.perm-1", 14));
	REQUIRE_ERRNO(ring_fd(MEMWELL_F_RECORDS, "stream.perm-1", 14), EEXIST);
	REQUIRE_ERRNO(ring_fd(MEMWELL_F_RECORDS, "no spaces", 10), EINVAL);
	REQUIRE_ERRNO(ring_fd(MEMWELL_F_RECORDS, "ab\0cd", 6), EINVAL);
	memset(full, 'a', sizeof(full));
	REQUIRE_ERRNO(ring_fd(MEMWELL_F_RECORDS, full, sizeof(full)), EINVAL);
	close(a);
	/* The name is free again once the ring is gone. */
	REQUIRE_OK(b = ring_fd(MEMWELL_F_RECORDS, "stream.perm-1", 14));
	close(b);
	return T_PASS;
}

static int case_ioctl_args(void)
{
	struct memwell_wake_policy w = { .size = sizeof(w) };
	struct memwell_source s = {
		.size = sizeof(s), .kind = MEMWELL_SRC_GEN, .producers = 1,
		.record_size = 64, .count = 10,
	};
	struct memwell_ring_stats st;
	int fd = ring_fd(MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, NULL, 0);
	int plain = ring_fd(MEMWELL_F_RECORDS, NULL, 0);

	REQUIRE(fd >= 0 && plain >= 0);
	w.flags = 4;	/* unknown */
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_SET_WAKE, &w), EINVAL);
	w.flags = MEMWELL_WAKE_NEVER | MEMWELL_WAKE_EAGER;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_SET_WAKE, &w), EINVAL);
	w.flags = 0;
	w.reserved[1] = 1;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_SET_WAKE, &w), EINVAL);
	w.reserved[1] = 0;
	w.size = 8;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_SET_WAKE, &w), EINVAL);
	w.size = sizeof(w);
	w.watermark = 4096;
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_SET_WAKE, &w));

	REQUIRE_ERRNO(ioctl(plain, MEMWELL_IOC_ATTACH, &s), EPERM);
	s.producers = 2;	/* single-owner producer side */
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_ATTACH, &s), EINVAL);
	s.producers = 1000;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_ATTACH, &s), E2BIG);
	s.producers = 1;
	s.record_size = 1 << 20;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_ATTACH, &s), E2BIG);
	s.record_size = 64;
	s.reserved[0] = 1;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_ATTACH, &s), EINVAL);
	s.reserved[0] = 0;
	s.flags = ~MEMWELL_GEN_F_ALL;	/* gen knows only the bits of MEMWELL_GEN_F_ALL */
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_ATTACH, &s), EINVAL);
	s.flags = 0;
	s.kind = MEMWELL_SRC_SINK;	/* needs MEMWELL_F_KERNEL_CONS */
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_ATTACH, &s), EPERM);
	s.kind = MEMWELL_SRC_GEN;
	s.flags = MEMWELL_GEN_F_HEADER_ONLY;
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_ATTACH, &s));
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_ATTACH, &s), EBUSY);
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_DETACH));
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_DETACH));
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_STATS, &st));
	REQUIRE_EQ(st.producers, 0);
	close(fd);
	close(plain);
	return T_PASS;
}

/* ATTACH @kind with the parameters it takes on a ring made for it; -errno. */
static int attach_kind(__u32 kind)
{
	__u32 flags = MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI;
	int fd, err = 0;

	flags |= kind == MEMWELL_SRC_SINK ? MEMWELL_F_KERNEL_CONS : MEMWELL_F_KERNEL_PROD;
	fd = ring_fd(flags, NULL, 0);
	if (fd < 0)
		return -errno;
	if (kind == MEMWELL_SRC_GEN ?
	    st_attach_fd(fd, kind, MEMWELL_CTX_KTHREAD, 1, 64, 10, 0) :
	    st_attach_fd(fd, kind, 0, 0, 0, 0, 0))
		err = -errno;
	else if (ioctl(fd, MEMWELL_IOC_DETACH))
		err = -errno;
	close(fd);
	return err;
}

/* In a child with @uid (if not 0) and then only the capabilities @caps. */
static int child_attach(uid_t uid, int set_caps, __u64 caps, __u32 kind)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1000;
	if (!pid) {
		struct __user_cap_header_struct h = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct d[2] = { { 0 } };

		if (uid && (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
			_exit(200);
		d[0].effective = d[0].permitted = (__u32)caps;
		d[1].effective = d[1].permitted = (__u32)(caps >> 32);
		if (set_caps && syscall(SYS_capset, &h, d))
			_exit(201);
		_exit(-attach_kind(kind));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1001;
	return -WEXITSTATUS(st);
}

/* gen and sink need CAP_SYS_ADMIN, sched perfmon_capable(): nobody has either. */
static int case_privileges(void)
{
	REQUIRE_EQ(child_attach(65534, 0, 0, MEMWELL_SRC_GEN), -EPERM);
	REQUIRE_EQ(child_attach(65534, 0, 0, MEMWELL_SRC_SCHED), -EPERM);
	REQUIRE_EQ(child_attach(65534, 0, 0, MEMWELL_SRC_SINK), -EPERM);
	/* Root without CAP_SYS_ADMIN or CAP_PERFMON neither. */
	REQUIRE_EQ(child_attach(0, 1, 1ULL << CAP_NET_ADMIN, MEMWELL_SRC_GEN), -EPERM);
	REQUIRE_EQ(child_attach(0, 1, 1ULL << CAP_NET_ADMIN, MEMWELL_SRC_SCHED), -EPERM);
	/* Root may. */
	REQUIRE_EQ(attach_kind(MEMWELL_SRC_GEN), 0);
	REQUIRE_EQ(attach_kind(MEMWELL_SRC_SCHED), 0);
	REQUIRE_EQ(attach_kind(MEMWELL_SRC_SINK), 0);
	return T_PASS;
}

/* CAP_PERFMON is what perf needs to observe others: enough for sched alone. */
static int case_perfmon(void)
{
	__u64 perfmon = 1ULL << 38;	/* CAP_PERFMON, newer than some headers */

	REQUIRE_EQ(child_attach(0, 1, perfmon, MEMWELL_SRC_SCHED), 0);
	REQUIRE_EQ(child_attach(0, 1, perfmon, MEMWELL_SRC_GEN), -EPERM);
	REQUIRE_EQ(child_attach(0, 1, perfmon, MEMWELL_SRC_SINK), -EPERM);
	REQUIRE_EQ(child_attach(0, 1, 1ULL << CAP_SYS_ADMIN, MEMWELL_SRC_SCHED), 0);
	return T_PASS;
}

/* No module registered kind 0 or 9: ENOENT, whatever the caller. */
static int case_unknown_kind(void)
{
	REQUIRE_EQ(attach_kind(0), -ENOENT);
	REQUIRE_EQ(attach_kind(9), -ENOENT);
	REQUIRE_EQ(child_attach(65534, 0, 0, 9), -ENOENT);
	return T_PASS;
}

static const struct t_case cases[] = {
	T_RCASE(kernel_prod), T_RCASE(kernel_cons), T_RCASE(plain), T_RCASE(both_flags),
	T_RCASE(recover_kernel_side), T_RCASE(names), T_RCASE(ioctl_args),
	T_RCASE(privileges), T_RCASE(perfmon), T_RCASE(unknown_kind)
};

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "expect-attach")) {
		__u32 kind = !strcmp(argv[2], "gen") ? MEMWELL_SRC_GEN :
			     !strcmp(argv[2], "sched") ? MEMWELL_SRC_SCHED :
			     MEMWELL_SRC_SINK;
		int want = !strcmp(argv[3], "ENOENT") ? -ENOENT :
			   !strcmp(argv[3], "EPERM") ? -EPERM : 0;
		int err = attach_kind(kind);

		printf("ATTACH %s: %s\n", argv[2], err ? strerror(-err) : "ok");
		return err == want ? 0 : 1;
	}
	return t_main(cases, T_ARRAY_SIZE(cases), argc, argv);
}
