// SPDX-License-Identifier: GPL-2.0
/*
 * bench-vm contenders 3 and 4: the classic copying paths.
 *
 * kfifo: /dev/kfifo_bench (kfifo_bench.ko): a kthread kfifo_in()s gen
 *        records, this process read()s them out, 64 KiB at a time.
 * pipe:  a child process builds the same records and write()s each one
 *        into a pipe (1 MiB, F_SETPIPE_SZ); this process read()s them.
 *
 * spin:  O_NONBLOCK reads, retried on EAGAIN (never sleeps).
 * sleep: blocking reads (the consumer sleeps in read()).
 *
 * usage: mwb_classic kfifo|pipe SIZE COUNT spin|sleep
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kfifo_bench_uapi.h"
#include "bench.h"

#define BUF_SIZE (64U << 10)

static unsigned char buf[BUF_SIZE + 65536];

/* Read until EOF; records may straddle reads (pipe), so carry the tail. */
static int consume(int fd, unsigned int size, struct mwb_touch *t, __u64 *reads)
{
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, BUF_SIZE);
		size_t off = 0;

		++*reads;
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("read");
			return -1;
		}
		have += (size_t)n;
		for (; have - off >= size; off += size)
			mwb_touch(t, buf + off, size, size);
		memmove(buf, buf + off, have - off);
		have -= off;
	}
}

static int run_kfifo(struct mwb_result *res, int sleep_mode)
{
	struct kfb_start st = { .record_size = res->size, .count = res->count,
				.flags = mwb_header_only ? KFB_F_HEADER_ONLY : 0 };
	struct kfb_stats s;
	struct mwb_touch t = { 0 };
	__u64 reads = 0;
	double t0;
	int fd = open("/dev/kfifo_bench", O_RDONLY | (sleep_mode ? 0 : O_NONBLOCK));

	if (fd < 0) {
		perror("/dev/kfifo_bench");
		return 1;
	}
	t0 = mwb_now();
	if (ioctl(fd, KFB_IOC_START, &st)) {
		perror("KFB_IOC_START");
		return 1;
	}
	if (mwb_pin_kthreads("kfifo_bench") != 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1)
		fprintf(stderr, "mwb_classic: kfifo_bench kthread not pinned\n");
	if (consume(fd, res->size, &t, &reads))
		return 1;
	res->secs = mwb_now() - t0;
	if (ioctl(fd, KFB_IOC_STATS, &s)) {
		perror("KFB_IOC_STATS");
		return 1;
	}
	close(fd);
	res->records = t.records;
	res->bad = t.bad;
	res->dropped = s.dropped;
	res->syscalls = reads;
	res->wakeups = s.wakeups;
	return 0;
}

static int run_pipe(struct mwb_result *res, int sleep_mode)
{
	struct mwb_touch t = { 0 };
	__u64 reads = 0;
	double t0;
	pid_t pid;
	int p[2], status;

	if (pipe(p)) {
		perror("pipe");
		return 1;
	}
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	t0 = mwb_now();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		unsigned char *rec = malloc(res->size);
		__u64 seq;

		close(p[0]);
		mwb_pin(0, 0);
		for (seq = 0; seq < res->count; seq++) {
			mwb_gen_fill(rec, res->size, seq, 0);
			if (write(p[1], rec, res->size) != (ssize_t)res->size)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	if (!sleep_mode)
		fcntl(p[0], F_SETFL, O_NONBLOCK);
	if (consume(p[0], res->size, &t, &reads))
		return 1;
	res->secs = mwb_now() - t0;
	waitpid(pid, &status, 0);
	close(p[0]);
	res->records = t.records;
	res->bad = t.bad;
	res->syscalls = reads;
	res->wakeups = (__u64)-1;
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct mwb_result res = { 0 };
	int sleep_mode, err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s kfifo|pipe SIZE COUNT spin|sleep\n", argv[0]);
		return 2;
	}
	if (mwb_args(argc - 1, argv + 1, &res.size, &res.count, &sleep_mode, &res.producers))
		return 2;
	res.contender = argv[1];
	if (sleep_mode > 1) {
		fprintf(stderr, "%s: sleep-wm is memwell's\n", argv[0]);
		return 2;
	}
	res.mode = sleep_mode ? "sleep" : "spin";
	if (!strcmp(argv[1], "kfifo"))
		err = run_kfifo(&res, sleep_mode);
	else if (!strcmp(argv[1], "pipe"))
		err = run_pipe(&res, sleep_mode);
	else
		return 2;
	if (!err)
		mwb_print(&res);
	return err || res.bad;
}
