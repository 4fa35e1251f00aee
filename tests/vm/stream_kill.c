// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * A process killed (SIGKILL) while kernel sources stream into its ring:
 * releasing its file stops them; nothing crashes, and the module's
 * reference count falls back (the debug kernel's kmemleak and KASAN watch
 * for the rest).  Also the hold mode run-user-tests.sh uses to check that
 * rmmod is refused while a source is attached:
 *
 *   stream_kill hold-src FILE   ring + gen source, touch FILE, sleep
 */
#include "stream.h"

static int refcnt(void)
{
	char buf[32];
	ssize_t n;
	int fd = open("/sys/module/memwell/refcnt", O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoi(buf);
}

/* Child: stream from @kind/@ctx into a ring we consume now and then. */
static int streamer(__u32 kind, __u32 ctx, int ready)
{
	struct st_ring sr;
	int i;

	if (st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD |
		    MEMWELL_F_PROD_MULTI, 6, 8, NULL))
		return 1;
	if (kind == MEMWELL_SRC_GEN ?
	    st_attach(&sr, kind, ctx, 2, 64, 0, 0) :
	    st_attach(&sr, kind, 0, 0, 0, 0, 0))
		return 1;
	if (write(ready, "x", 1) != 1)
		return 1;
	for (i = 0;; i++) {
		if (i % 2)
			st_drain(&sr, NULL);
		usleep(1000);
	}
}

static int kill_while(__u32 kind, __u32 ctx)
{
	int p[2], before = refcnt();
	double end;
	pid_t pid;
	char c;

	REQUIRE_OK(pipe(p));
	REQUIRE_OK(pid = fork());
	if (!pid) {
		close(p[0]);
		_exit(streamer(kind, ctx, p[1]));
	}
	close(p[1]);
	REQUIRE_EQ(read(p[0], &c, 1), 1);
	usleep(200000);
	REQUIRE_OK(kill(pid, SIGKILL));
	REQUIRE_OK(waitpid(pid, NULL, 0));
	close(p[0]);
	/* The file is released once the process is gone. */
	end = t_now() + 5;
	while (refcnt() != before && t_now() < end)
		usleep(10000);
	REQUIRE_EQ(refcnt(), before);
	return T_PASS;
}

static int case_kill_kthread(void)
{
	return kill_while(MEMWELL_SRC_GEN, MEMWELL_CTX_KTHREAD);
}

static int case_kill_softirq(void)
{
	return kill_while(MEMWELL_SRC_GEN, MEMWELL_CTX_SOFTIRQ);
}

static int case_kill_hardirq(void)
{
	return kill_while(MEMWELL_SRC_GEN, MEMWELL_CTX_HARDIRQ);
}

static int case_kill_sched(void)
{
	return kill_while(MEMWELL_SRC_SCHED, 0);
}

static int hold_src(const char *file)
{
	struct st_ring sr;
	int fd;

	if (st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 6, 8, NULL) ||
	    st_attach(&sr, MEMWELL_SRC_GEN, MEMWELL_CTX_HARDIRQ, 1, 64, 0, 1000))
		return 1;
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return 1;
	close(fd);
	for (;;)
		pause();
}

static const struct t_case cases[] = {
	T_RCASE(kill_kthread), T_RCASE(kill_softirq), T_RCASE(kill_hardirq),
	T_RCASE(kill_sched)
};

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hold-src"))
		return hold_src(argv[2]);
	return t_main(cases, T_ARRAY_SIZE(cases), argc, argv);
}
