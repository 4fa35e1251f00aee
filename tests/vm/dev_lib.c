// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * libmemwell's device mode: creation and attach errors, one API for both
 * modes, attaching an fd twice, fork, the wait helper (timeouts, wakeups,
 * EINTR, no syscall when ready) and the syscall counters: a kick only when
 * a peer announced it sleeps, none while nobody does.
 */
#define _GNU_SOURCE

#include "harness.h"

static struct memwell *dev_new(__u32 flags, __u32 bs, __u32 cs)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = flags, .block_shift = bs, .count_shift = cs,
	};
	struct memwell *mw = NULL;
	int err = memwell_create_dev(&o, &mw);

	if (err)
		t_diag("memwell_create_dev: %d (%s)", err, strerror(-err));
	return err ? NULL : mw;
}

static struct memwell_io_stats stats(const struct memwell *mw)
{
	struct memwell_io_stats st;

	memset(&st, 0xff, sizeof(st));
	memwell_get_io_stats(mw, &st, sizeof(st));
	return st;
}

static int case_no_device(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
		.count_shift = 8,
	};
	struct memwell *mw;

	setenv("MEMWELL_DEV", "/nonexistent/memwell", 1);
	REQUIRE_EQ(memwell_create_dev(&o, &mw), -ENOENT);
	setenv("MEMWELL_DEV", "/dev/null", 1);
	REQUIRE_EQ(memwell_create_dev(&o, &mw), -ENOTTY);
	unsetenv("MEMWELL_DEV");
	return T_PASS;
}

static int case_bad_opts(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
		.count_shift = 8,
	};
	struct memwell *mw;

	REQUIRE_EQ(memwell_create_dev(NULL, &mw), -EINVAL);
	REQUIRE_EQ(memwell_create_dev(&o, NULL), -EINVAL);
	/* Shorter than the first version of the struct (libbpf's rule). */
	o.size = MEMWELL_OPTS_SIZE_MIN - 1;
	REQUIRE_EQ(memwell_create_dev(&o, &mw), -EINVAL);
	o.size = sizeof(o);
	o.block_shift = 2;
	REQUIRE_EQ(memwell_create_dev(&o, &mw), -EINVAL);
	o.block_shift = 6;
	o.flags = 0x80;
	REQUIRE_EQ(memwell_create_dev(&o, &mw), -EINVAL);
	o.flags = 0;
	o.block_shift = 16;
	o.count_shift = 20;			/* 64 GiB */
	REQUIRE_EQ(memwell_create_dev(&o, &mw), -E2BIG);
	return T_PASS;
}

static int case_attach_errors(void)
{
	struct memwell *mw;
	int fd, mfd;

	REQUIRE_EQ(memwell_attach_dev_fd(-1, &mw), -EINVAL);
	REQUIRE_OK(fd = open(t_dev_path(), O_RDWR | O_CLOEXEC));
	/* An fd without a ring. */
	REQUIRE_EQ(memwell_attach_dev_fd(fd, &mw), -ENXIO);
	REQUIRE_EQ(memwell_attach_fd(fd, &mw), -ENXIO);
	/* On failure the caller keeps its fd. */
	REQUIRE_OK(fcntl(fd, F_GETFD));
	REQUIRE_OK(close(fd));
	/* Not a memwell device at all. */
	REQUIRE_OK(mfd = memfd_create("x", MFD_CLOEXEC));
	REQUIRE_EQ(memwell_attach_dev_fd(mfd, &mw), -ENOTTY);
	REQUIRE_OK(close(mfd));
	REQUIRE_OK(fd = open("/dev/null", O_RDWR | O_CLOEXEC));
	REQUIRE_EQ(memwell_attach_fd(fd, &mw), -ENOTTY);
	REQUIRE_OK(close(fd));
	return T_PASS;
}

/* What any program does with a ring, whatever its mode. */
static int use_ring(struct memwell *mw)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	struct memwell_batch b = { { 0, 0 }, 0, 0, 0 };
	struct memwell_rec rec = { NULL, 0, 0, { 0, 0 } };
	char buf[64];
	int i, n;

	REQUIRE(memwell_fd(mw) >= 0);
	for (i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "record %d", i);
		REQUIRE_EQ(memwell_rec_write(r, buf, strlen(buf) + 1), 0);
		memset(buf, 0, sizeof(buf));
		REQUIRE(memwell_rec_read(r, buf, sizeof(buf)) > 0);
		REQUIRE(!strncmp(buf, "record ", 7) && atoi(buf + 7) == i);
	}
	REQUIRE(memwell_batch_reserve(r, 4, 64, &b) >= 4);
	for (i = 0; i < 3; i++) {
		char *p = memwell_batch_put(r, &b, 8);

		REQUIRE(p);
		memcpy(p, "batched", 8);
	}
	REQUIRE_EQ(memwell_batch_commit(r, &b), 3);
	n = memwell_batch_take(r, 16, r->count, 64, &b);
	REQUIRE_EQ(n, 3);
	while (!memwell_batch_next(r, &b, &rec))
		REQUIRE(rec.len == 8 && !memcmp(rec.data, "batched", 8));
	REQUIRE_EQ(memwell_batch_release(r, &b), 0);
	REQUIRE_EQ(memwell_rec_read(r, buf, sizeof(buf)), -EAGAIN);
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_READ, 0), 0);
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_WRITE, 0), MEMWELL_WAIT_WRITE);
	return T_PASS;
}

static int case_same_api(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI,
		.block_shift = 5, .count_shift = 9,
	};
	struct memwell *mw;
	struct stat st;

	REQUIRE_EQ(memwell_create_local(&o, &mw), 0);
	REQUIRE_EQ(use_ring(mw), T_PASS);
	memwell_close(mw);
	REQUIRE_EQ(memwell_create_dev(&o, &mw), 0);
	REQUIRE_EQ(use_ring(mw), T_PASS);
	REQUIRE_OK(fstat(memwell_fd(mw), &st));
	REQUIRE(S_ISCHR(st.st_mode));
	memwell_close(mw);
	return T_PASS;
}

/* A second handle on the same ring, in the same process. */
static int case_attach_twice(void)
{
	struct memwell *a, *b;
	char buf[8];
	int fd;

	REQUIRE((a = dev_new(MEMWELL_F_RECORDS, 6, 8)));
	REQUIRE_OK(fd = dup(memwell_fd(a)));
	REQUIRE_EQ(memwell_attach_dev_fd(fd, &b), 0);
	REQUIRE(memwell_get_ring(a)->data != memwell_get_ring(b)->data);
	REQUIRE_EQ(memwell_rec_write(memwell_get_ring(a), "hello", 6), 0);
	REQUIRE_EQ(memwell_rec_read(memwell_get_ring(b), buf, sizeof(buf)), 6);
	REQUIRE(!strcmp(buf, "hello"));
	memwell_close(b);
	REQUIRE_EQ(memwell_rec_write(memwell_get_ring(a), "again", 6), 0);
	REQUIRE_EQ(memwell_rec_read(memwell_get_ring(a), buf, sizeof(buf)), 6);
	memwell_close(a);
	memwell_close(NULL);
	return T_PASS;
}

/* A kick only when the peer side announced a sleeper; none otherwise. */
static int case_kick_accounting(void)
{
	struct memwell *mw;
	struct memwell_ring *r;
	struct memwell_io_stats st;
	char buf[64];
	int i, n;

	REQUIRE((mw = dev_new(MEMWELL_F_RECORDS, 6, 6)));	/* 64 blocks */
	r = memwell_get_ring(mw);
	for (i = 0; i < 1000; i++) {
		REQUIRE_EQ(memwell_rec_write(r, "abc", 3), 0);
		REQUIRE_EQ(memwell_rec_read(r, buf, sizeof(buf)), 3);
	}
	st = stats(mw);
	REQUIRE_EQ(st.syscalls, 0);
	REQUIRE_EQ(st.kicks, 0);
	/* An empty read announces the consumers (H)... */
	REQUIRE_EQ(memwell_rec_read(r, buf, sizeof(buf)), -EAGAIN);
	REQUIRE_EQ(r->side[MEMWELL_SIDE_CONS]->waiters, 1);
	/* ... so the next release kicks once, and the kernel clears the word. */
	REQUIRE_EQ(memwell_rec_write(r, "abc", 3), 0);
	st = stats(mw);
	REQUIRE_EQ(st.kicks, 1);
	REQUIRE_EQ(st.kick_errors, 0);
	REQUIRE_EQ(r->side[MEMWELL_SIDE_CONS]->waiters, 0);
	for (i = 0; i < 20; i++)
		REQUIRE_EQ(memwell_rec_write(r, "abc", 3), 0);
	REQUIRE_EQ(stats(mw).kicks, 1);
	/* The same for a producer that finds the ring full. */
	n = 21;
	while (memwell_rec_write(r, "abc", 3) == 0)
		n++;
	REQUIRE_EQ(n, 64);
	REQUIRE_EQ(r->side[MEMWELL_SIDE_PROD]->waiters, 1);
	REQUIRE_EQ(memwell_rec_read(r, buf, sizeof(buf)), 3);
	REQUIRE_EQ(stats(mw).kicks, 2);
	REQUIRE_EQ(r->side[MEMWELL_SIDE_PROD]->waiters, 0);
	while (memwell_rec_read(r, buf, sizeof(buf)) == 3)
		n--;
	REQUIRE_EQ(n, 1);
	/* That last -EAGAIN armed the consumers again: one more kick. */
	REQUIRE_EQ(memwell_rec_write(r, "abc", 3), 0);
	st = stats(mw);
	REQUIRE_EQ(st.kicks, 3);
	REQUIRE_EQ(st.waits, 0);
	REQUIRE_EQ(st.syscalls, 3);
	/* Partial copies of the statistics. */
	memset(&st, 0xee, sizeof(st));
	REQUIRE_EQ(memwell_get_io_stats(mw, &st, sizeof(__u64)), 0);
	REQUIRE_EQ(st.kicks, 3);
	REQUIRE_EQ(st.kick_errors, (long long)0xeeeeeeeeeeeeeeeeULL);
	REQUIRE_EQ(memwell_get_io_stats(NULL, &st, sizeof(st)), -EINVAL);
	memwell_close(mw);
	return T_PASS;
}

static int case_wait_timeout(void)
{
	struct memwell *mw;
	double t;
	int n;

	REQUIRE((mw = dev_new(MEMWELL_F_RECORDS, 6, 6)));
	REQUIRE_EQ(memwell_wait(mw, 0, 10), -EINVAL);
	REQUIRE_EQ(memwell_wait(mw, 4, 10), -EINVAL);
	REQUIRE_EQ(memwell_wait(NULL, MEMWELL_WAIT_READ, 10), -EINVAL);
	/* Ready or zero timeout: answered without a syscall. */
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_READ, 0), 0);
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_WRITE, 1000), MEMWELL_WAIT_WRITE);
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_READ | MEMWELL_WAIT_WRITE, -1),
		   MEMWELL_WAIT_WRITE);
	REQUIRE_EQ(stats(mw).waits, 0);
	t = t_now();
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_READ, 200), 0);
	t = t_now() - t;
	REQUIRE(t > 0.15 && t < 3.0);
	REQUIRE_EQ(stats(mw).waits, 1);
	/* poll() announced the consumers: the kernel set the word. */
	REQUIRE_EQ(memwell_get_ring(mw)->side[MEMWELL_SIDE_CONS]->waiters, 1);
	/* Full: a producer's wait times out too. */
	while (memwell_rec_write(memwell_get_ring(mw), "x", 1) == 0)
		;
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_WRITE, 50), 0);
	n = memwell_wait(mw, MEMWELL_WAIT_READ | MEMWELL_WAIT_WRITE, 50);
	REQUIRE_EQ(n, MEMWELL_WAIT_READ);
	memwell_close(mw);
	return T_PASS;
}

static struct memwell *g_mw;

static int sleeper(void *arg)
{
	double t = t_now();
	int n = memwell_wait(g_mw, MEMWELL_WAIT_READ, 10000);

	(void)arg;
	t = t_now() - t;
	if (n != MEMWELL_WAIT_READ || t > 8) {
		t_diag("sleeper: %d after %.3f s", n, t);
		return T_FAIL;
	}
	return T_PASS;
}

/* A sleeping consumer is woken by the producer's kick. */
static int case_wait_wakes(void)
{
	pid_t pid[3];
	int i;

	REQUIRE((g_mw = dev_new(MEMWELL_F_RECORDS, 6, 6)));
	/* Three sleepers on the same side: one kick wakes them all. */
	for (i = 0; i < 3; i++)
		REQUIRE((pid[i] = t_fork(sleeper, NULL)) > 0);
	/* Until every sleeper announced itself (it also needs to be asleep). */
	for (i = 0; i < 1000 && !memwell_get_ring(g_mw)->side[MEMWELL_SIDE_CONS]->waiters; i++)
		usleep(1000);
	usleep(300000);
	REQUIRE_EQ(memwell_rec_write(memwell_get_ring(g_mw), "wake", 4), 0);
	REQUIRE_EQ(stats(g_mw).kicks, 1);
	for (i = 0; i < 3; i++)
		REQUIRE_EQ(t_reap(pid[i], "sleeper"), T_PASS);
	memwell_close(g_mw);
	return T_PASS;
}

static int release_later(void *arg)
{
	char buf[64];
	int i;

	(void)arg;
	usleep(200000);
	for (i = 0; i < 4; i++)
		if (memwell_rec_read(memwell_get_ring(g_mw), buf, sizeof(buf)) != 3)
			return T_FAIL;
	return T_PASS;
}

/* Waiting for room for a record of several blocks. */
static int case_wait_blocks(void)
{
	struct memwell_ring *r;
	double t;
	pid_t pid;
	int n = 0;

	REQUIRE((g_mw = dev_new(MEMWELL_F_RECORDS, 6, 6)));	/* 64 blocks */
	r = memwell_get_ring(g_mw);
	REQUIRE_EQ(memwell_wait_blocks(g_mw, MEMWELL_WAIT_WRITE, 65, 10), -EMSGSIZE);
	REQUIRE_EQ(memwell_wait_blocks(g_mw, MEMWELL_WAIT_WRITE, 64, 10), MEMWELL_WAIT_WRITE);
	REQUIRE_EQ(memwell_wait_blocks(g_mw, MEMWELL_WAIT_READ, 0, 0), 0);
	while (n < 62 && memwell_rec_write(r, "abc", 3) == 0)
		n++;
	REQUIRE_EQ(n, 62);
	/* Two free blocks: writable for poll(), not for a 4-block record. */
	REQUIRE_EQ(memwell_wait(g_mw, MEMWELL_WAIT_WRITE, 10), MEMWELL_WAIT_WRITE);
	REQUIRE_EQ(memwell_wait_blocks(g_mw, MEMWELL_WAIT_READ, 62, 10), MEMWELL_WAIT_READ);
	t = t_now();
	REQUIRE_EQ(memwell_wait_blocks(g_mw, MEMWELL_WAIT_WRITE, 4, 100), 0);
	t = t_now() - t;
	REQUIRE(t > 0.08 && t < 3);
	/* A consumer frees four blocks after 200 ms. */
	REQUIRE((pid = t_fork(release_later, NULL)) > 0);
	t = t_now();
	REQUIRE_EQ(memwell_wait_blocks(g_mw, MEMWELL_WAIT_WRITE, 4, 5000), MEMWELL_WAIT_WRITE);
	t = t_now() - t;
	REQUIRE(t > 0.1 && t < 4);
	REQUIRE(memwell_free_blocks(r) >= 4);
	REQUIRE_EQ(t_reap(pid, "consumer"), T_PASS);
	/* Full: the wait sleeps in poll() and a release wakes it. */
	while (memwell_rec_write(r, "abc", 3) == 0)
		;
	REQUIRE_EQ(memwell_free_blocks(r), 0);
	REQUIRE((pid = t_fork(release_later, NULL)) > 0);
	REQUIRE_EQ(memwell_wait_blocks(g_mw, MEMWELL_WAIT_WRITE, 3, 5000), MEMWELL_WAIT_WRITE);
	REQUIRE_EQ(t_reap(pid, "consumer"), T_PASS);
	memwell_close(g_mw);
	return T_PASS;
}

static void on_signal(int sig)
{
	(void)sig;
}

static int poke_parent(void *arg)
{
	(void)arg;
	usleep(100000);
	kill(getppid(), SIGUSR1);
	return T_PASS;
}

static int case_wait_eintr(void)
{
	struct sigaction sa;
	struct memwell *mw;
	double t;
	pid_t pid;

	REQUIRE((mw = dev_new(MEMWELL_F_RECORDS, 6, 6)));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* SA_RESTART or not, poll() never restarts */
	sa.sa_flags = SA_RESTART;
	REQUIRE_OK(sigaction(SIGUSR1, &sa, NULL));
	REQUIRE((pid = t_fork(poke_parent, NULL)) > 0);
	t = t_now();
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_READ, 5000), -EINTR);
	REQUIRE(t_now() - t < 4);
	REQUIRE_EQ(t_reap(pid, "poker"), T_PASS);
	memwell_close(mw);
	return T_PASS;
}

static int case_local_wait(void)
{
	struct memwell_opts o = {
		.size = sizeof(o), .flags = MEMWELL_F_RECORDS, .block_shift = 6,
		.count_shift = 8,
	};
	struct memwell *mw;

	REQUIRE_EQ(memwell_create_local(&o, &mw), 0);
	REQUIRE(!memwell_get_ring(mw)->kick);
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_READ, 0), 0);
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_READ, 10), -EOPNOTSUPP);
	REQUIRE_EQ(memwell_wait(mw, MEMWELL_WAIT_WRITE, 10), MEMWELL_WAIT_WRITE);
	REQUIRE_EQ(stats(mw).syscalls, 0);
	memwell_close(mw);
	return T_PASS;
}

/* After fork() the child keeps using the parent's handle. */
static int fork_writer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 2000; i++) {
		int err;

		while ((err = memwell_rec_write(memwell_get_ring(g_mw), &i, sizeof(i))) == -EAGAIN)
			if (memwell_wait(g_mw, MEMWELL_WAIT_WRITE, 5000) <= 0)
				return T_FAIL;
		if (err)
			return T_FAIL;
	}
	memwell_close(g_mw);
	return T_PASS;
}

static int case_fork_handle(void)
{
	pid_t pid;
	int i, v, n;

	REQUIRE((g_mw = dev_new(MEMWELL_F_RECORDS, 4, 8)));
	REQUIRE((pid = t_fork(fork_writer, NULL)) > 0);
	for (i = 0; i < 2000; i++) {
		while ((n = (int)memwell_rec_read(memwell_get_ring(g_mw), &v, sizeof(v))) == -EAGAIN)
			REQUIRE(memwell_wait(g_mw, MEMWELL_WAIT_READ, 5000) > 0);
		REQUIRE_EQ(n, sizeof(v));
		REQUIRE_EQ(v, i);
	}
	REQUIRE_EQ(t_reap(pid, "writer"), T_PASS);
	/* The child's memwell_close() did not take the parent's ring away. */
	REQUIRE_EQ(memwell_rec_write(memwell_get_ring(g_mw), &i, sizeof(i)), 0);
	REQUIRE_EQ(memwell_rec_read(memwell_get_ring(g_mw), &v, sizeof(v)), sizeof(v));
	memwell_close(g_mw);
	return T_PASS;
}

T_MAIN(
	T_RCASE(no_device), T_RCASE(bad_opts), T_RCASE(attach_errors),
	T_RCASE(same_api), T_RCASE(attach_twice), T_RCASE(kick_accounting),
	T_RCASE(wait_timeout), T_RCASE(wait_wakes), T_RCASE(wait_blocks),
	T_RCASE(wait_eintr), T_RCASE(local_wait), T_RCASE(fork_handle))
