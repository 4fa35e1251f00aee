// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Sharing a local ring: memwell_attach_fd() (seals, header checks, the same
 * data through two handles), memwell_send_fd()/memwell_recv_fd() to a forked
 * and to an exec'd process, and start order (the doubly-mapped queue lost
 * data when the reader started first; Koi raced a second opener).
 */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/socket.h>

#include "harness.h"

/* A copy of a fresh ring's memfd contents in a new memfd, sealed as asked. */
static int ring_image(__u32 flags, int seals, unsigned int mfd_flags, __u64 *size)
{
	struct memwell *mw = t_ring(flags, 6, 10);
	struct stat st;
	void *buf;
	int fd;

	REQUIRE(fstat(memwell_fd(mw), &st) == 0);
	buf = malloc((size_t)st.st_size);
	REQUIRE(buf);
	REQUIRE(pread(memwell_fd(mw), buf, (size_t)st.st_size, 0) == st.st_size);
	memwell_close(mw);
	fd = memfd_create("image", MFD_CLOEXEC | mfd_flags);
	REQUIRE(fd >= 0);
	REQUIRE(pwrite(fd, buf, (size_t)st.st_size, 0) == st.st_size);
	if (seals)
		REQUIRE(fcntl(fd, F_ADD_SEALS, seals) == 0);
	free(buf);
	*size = (__u64)st.st_size;
	return fd;
}

static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void attach_unsealed(void)
{
	static const int seals[] = { 0, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_SEAL,
				     F_SEAL_WRITE };
	struct memwell *mw = (struct memwell *)0x1;
	unsigned int i;
	__u64 size;
	int fd;

	for (i = 0; i < sizeof(seals) / sizeof(seals[0]); i++) {
		fd = ring_image(MEMWELL_F_RECORDS, seals[i], MFD_ALLOW_SEALING, &size);
		CHECK_EQ(memwell_attach_fd(fd, &mw), -EPERM);
		CHECK(fd_open(fd));	/* not taken over on failure */
		close(fd);
	}
	/* Without MFD_ALLOW_SEALING a memfd can never be sealed. */
	fd = ring_image(MEMWELL_F_RECORDS, 0, 0, &size);
	CHECK_EQ(memwell_attach_fd(fd, &mw), -EPERM);
	close(fd);
	CHECK(mw == (struct memwell *)0x1);
	/* With both size seals it attaches. */
	fd = ring_image(MEMWELL_F_RECORDS, F_SEAL_SHRINK | F_SEAL_GROW,
			MFD_ALLOW_SEALING, &size);
	CHECK_EQ(memwell_attach_fd(fd, &mw), 0);
	if (mw != (struct memwell *)0x1)
		memwell_close(mw);
}

/* Sealed memfd whose header is patched at @off with @len bytes of @val. */
static int patched(__u64 off, __u64 val, unsigned int len, __u64 trunc)
{
	__u64 size;
	int fd = ring_image(T_F_LOCAL, 0, MFD_ALLOW_SEALING, &size);

	REQUIRE(pwrite(fd, &val, len, (off_t)off) == (ssize_t)len);
	if (trunc != ~0ULL)
		REQUIRE(ftruncate(fd, (off_t)trunc) == 0);
	REQUIRE(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	return fd;
}

#define OFF(f) ((__u64)__builtin_offsetof(struct memwell_ring_hdr, f))

static void attach_bad_header(void)
{
	struct {
		const char *what;
		__u64 off, val;
		unsigned int len;
		__u64 trunc;
	} bad[] = {
		{ "magic", OFF(magic), 0x12345678, 4, ~0ULL },
		{ "version", OFF(abi_version), 2, 4, ~0ULL },
		{ "flags", OFF(flags), 1U << 9, 4, ~0ULL },
		{ "block_shift", OFF(block_shift), 2, 4, ~0ULL },
		{ "block_shift+1", OFF(block_shift), 7, 4, ~0ULL },
		{ "count_shift", OFF(count_shift), 31, 4, ~0ULL },
		{ "count_shift+8", OFF(count_shift), 18, 4, ~0ULL },	/* file too small */
		{ "page_shift", OFF(page_shift), t_page_shift() + 1, 4, ~0ULL },
		{ "prod_offset", OFF(prod_offset), 8192 + 4096, 8, ~0ULL },
		{ "data_offset", OFF(data_offset), 0, 8, ~0ULL },
		{ "total_size", OFF(total_size), 1, 8, ~0ULL },
		{ "reserved[0]", OFF(reserved[0]), 1, 8, ~0ULL },
		{ "reserved[9]", OFF(reserved[9]), 1, 8, ~0ULL },
		{ "file truncated", OFF(magic), MEMWELL_MAGIC, 4, 4096 },
		{ "file one page short", OFF(magic), MEMWELL_MAGIC, 4, 1 },
		{ "empty file", OFF(magic), MEMWELL_MAGIC, 4, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct memwell *mw = NULL;
		__u64 trunc = bad[i].trunc;
		int fd, err;

		if (trunc == 1) {	/* one page less than the ring */
			__u64 size;
			int f = ring_image(T_F_LOCAL, 0, MFD_ALLOW_SEALING, &size);

			close(f);
			trunc = size - 4096;
		}
		fd = patched(bad[i].off, bad[i].val, bad[i].len, trunc);
		err = memwell_attach_fd(fd, &mw);
		if (err != -EINVAL) {
			t_diag("%s: attach gave %d, expected -EINVAL", bad[i].what, err);
			t_failed = 1;
			if (!err)
				memwell_close(mw);
		}
		CHECK(fd_open(fd));
		close(fd);
	}
}

static void attach_bad_fd(void)
{
	struct memwell *mw = NULL;
	int p[2], fd, ro;
	FILE *f;
	char path[64];
	__u64 size;

	CHECK_EQ(memwell_attach_fd(-1, &mw), -EINVAL);
	fd = ring_image(T_F_LOCAL, F_SEAL_SHRINK | F_SEAL_GROW,
			MFD_ALLOW_SEALING, &size);
	CHECK_EQ(memwell_attach_fd(fd, NULL), -EINVAL);
	/* A read-only fd of a good ring: mapping it writable fails cleanly. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	REQUIRE(ro >= 0);
	CHECK(memwell_attach_fd(ro, &mw) < 0);
	close(ro);
	close(fd);
	CHECK_EQ(memwell_attach_fd(fd, &mw), -EBADF);	/* closed */
	REQUIRE(pipe(p) == 0);
	CHECK(memwell_attach_fd(p[0], &mw) < 0);
	close(p[0]);
	close(p[1]);
	f = tmpfile();
	if (f) {
		CHECK(memwell_attach_fd(fileno(f), &mw) < 0);
		fclose(f);
	}
}

/* Two handles on one ring see the same data, both ways, through both maps. */
static void attach_valid_two_handles(void)
{
	static const __u32 fl[] = { MEMWELL_F_RECORDS, T_F_LOCAL, 0 };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct memwell *a = t_ring(fl[i], 6, 8), *b = NULL;
		struct memwell_ring *ra = memwell_get_ring(a), *rb;
		int fd = dup(memwell_fd(a)), n;

		REQUIRE(fd >= 0);
		REQUIRE_EQ(memwell_attach_fd(fd, &b), 0);
		CHECK_EQ(memwell_fd(b), fd);
		rb = memwell_get_ring(b);
		CHECK(ra->data != rb->data);
		CHECK_EQ(rb->count, ra->count);
		CHECK_EQ(rb->flags, ra->flags);
		CHECK_EQ(rb->rec_max, ra->rec_max);
		CHECK_EQ(rb->block_shift, ra->block_shift);
		CHECK_EQ(rb->access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
		if (fl[i] & MEMWELL_F_RECORDS) {
			for (n = 0; n < 100; n++) {
				CHECK_EQ(t_put(ra, 1 + (__u64)n * 13, (__u64)n), 0);
				CHECK_EQ(t_get(rb, 1 + (__u64)n * 13, (__u64)n), 0);
				CHECK_EQ(t_put(rb, 1 + (__u64)n * 7, (__u64)n + 1000), 0);
				CHECK_EQ(t_get(ra, 1 + (__u64)n * 7, (__u64)n + 1000), 0);
			}
		} else {
			struct memwell_span sp;

			REQUIRE_EQ(memwell_reserve(ra, MEMWELL_SIDE_PROD, 256, 256, &sp), 256);
			t_fill(memwell_block(ra, sp.pos), 256 * 64, 5);
			REQUIRE_EQ(memwell_release(ra, MEMWELL_SIDE_PROD, &sp), 0);
			REQUIRE_EQ(memwell_reserve(rb, MEMWELL_SIDE_CONS, 1, 256, &sp), 256);
			CHECK(t_check(memwell_block(rb, sp.pos), 256 * 64, 5));
			CHECK(t_check(rb->data + t_data_size(rb), 256 * 64, 5));
			REQUIRE_EQ(memwell_release(rb, MEMWELL_SIDE_CONS, &sp), 0);
		}
		CHECK_EQ(memwell_free_blocks(ra), 256);
		CHECK_EQ(memwell_free_blocks(rb), 256);
		/* Closing one handle leaves the other working. */
		memwell_close(a);
		if (fl[i] & MEMWELL_F_RECORDS) {
			CHECK_EQ(t_put(rb, 99, 99), 0);
			CHECK_EQ(t_get(rb, 99, 99), 0);
		}
		memwell_close(b);
		CHECK(!fd_open(fd));	/* the handle owned it */
	}
}

/* Start order does not matter: attach before or after data is written. */
static void start_order(void)
{
	struct memwell *a = t_ring(MEMWELL_F_RECORDS, 6, 8), *b = NULL, *c = NULL;
	struct memwell_ring *ra = memwell_get_ring(a);

	REQUIRE_EQ(memwell_attach_fd(dup(memwell_fd(a)), &b), 0);	/* reader first */
	CHECK_EQ(t_get(memwell_get_ring(b), 1, 1), -EAGAIN);
	CHECK_EQ(t_put(ra, 10, 1), 0);
	CHECK_EQ(t_put(ra, 20, 2), 0);
	CHECK_EQ(t_get(memwell_get_ring(b), 10, 1), 0);
	REQUIRE_EQ(memwell_attach_fd(dup(memwell_fd(a)), &c), 0);	/* reader late */
	CHECK_EQ(t_get(memwell_get_ring(c), 20, 2), 0);
	CHECK_EQ(t_get(ra, 1, 1), -EAGAIN);
	memwell_close(c);
	memwell_close(b);
	memwell_close(a);
}

static void fd_passing_errors(void)
{
	int sv[2], fd;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK_EQ(memwell_send_fd(sv[0], -1), -EBADF);
	/* Plain data, no descriptor. */
	REQUIRE(write(sv[0], "x", 1) == 1);
	CHECK_EQ(memwell_recv_fd(sv[1]), -EPROTO);
	/* A descriptor comes with CLOEXEC set. */
	CHECK_EQ(memwell_send_fd(sv[0], 0), 0);
	fd = memwell_recv_fd(sv[1]);
	CHECK(fd > 2);
	if (fd > 2) {
		CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	}
	/* Peer gone. */
	close(sv[0]);
	CHECK_EQ(memwell_recv_fd(sv[1]), -ECONNRESET);
	CHECK(memwell_send_fd(sv[1], 0) < 0);
	close(sv[1]);
	CHECK(memwell_send_fd(0x7fff, 0) < 0);
	CHECK(memwell_recv_fd(0x7fff) < 0);
}

/* Consumer role of a process that got the ring fd over a socket. */
static int child_consume(int sock, int n)
{
	struct memwell *mw = NULL, *back = NULL;
	int fd = memwell_recv_fd(sock), i, err;

	if (fd < 0)
		return 10;
	err = memwell_attach_fd(fd, &mw);
	if (err)
		return 11;
	for (i = 0; i < n; ) {
		int e = t_get(memwell_get_ring(mw), 1 + (__u64)i % 500, (__u64)i);

		if (e == -EAGAIN)
			continue;
		if (e)
			return 12;
		i++;
	}
	/* Answer on a ring of our own, sent back the same way. */
	back = t_ring(MEMWELL_F_RECORDS, 6, 8);
	if (t_put(memwell_get_ring(back), 42, 4242) ||
	    memwell_send_fd(sock, memwell_fd(back)))
		return 13;
	/* Wait for the parent to have read it before going away. */
	if (read(sock, &err, 1) != 1)
		return 14;
	memwell_close(back);
	memwell_close(mw);
	return 0;
}

static void fd_passing_parent(int sock, pid_t pid, int n)
{
	struct memwell *mw = t_ring(MEMWELL_F_RECORDS, 6, 12), *back = NULL;
	struct memwell_ring *r = memwell_get_ring(mw);
	int i, st, fd;

	REQUIRE_EQ(memwell_send_fd(sock, memwell_fd(mw)), 0);
	for (i = 0; i < n; ) {
		int e = t_put(r, 1 + (__u64)i % 500, (__u64)i);

		if (e == -EAGAIN)
			continue;
		REQUIRE_EQ(e, 0);
		i++;
	}
	fd = memwell_recv_fd(sock);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_EQ(memwell_attach_fd(fd, &back), 0);
		if (back) {
			CHECK_EQ(t_get(memwell_get_ring(back), 42, 4242), 0);
			memwell_close(back);
		}
	}
	CHECK(write(sock, "k", 1) == 1);
	REQUIRE(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	memwell_close(mw);
}

/* The child is forked before the ring exists: it gets it only by SCM_RIGHTS. */
static void fd_passing_fork(void)
{
	int sv[2];
	pid_t pid;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		_exit(child_consume(sv[1], 20000));
	}
	close(sv[1]);
	fd_passing_parent(sv[0], pid, 20000);
	close(sv[0]);
}

/* An unrelated program (this binary, exec'd) attaches the ring it is sent. */
static void fd_passing_exec(void)
{
	int sv[2];
	char arg[16];
	pid_t pid;

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		int s = dup(sv[1]);	/* without CLOEXEC: survives exec */

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(arg, sizeof(arg), "%d", s);
		execl("/proc/self/exe", "test_share", "--consume", arg, "20000",
		      (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	fd_passing_parent(sv[0], pid, 20000);
	close(sv[0]);
}

static const struct t_case cases[] = {
	T_CASE(attach_unsealed), T_CASE(attach_bad_header), T_CASE(attach_bad_fd),
	T_CASE(attach_valid_two_handles), T_CASE(start_order),
	T_CASE(fd_passing_errors), T_CASE(fd_passing_fork), T_CASE(fd_passing_exec)
};

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--consume"))
		return child_consume(atoi(argv[2]), atoi(argv[3]));
	return t_main(cases, T_ARRAY_SIZE(cases), argc, argv);
}
