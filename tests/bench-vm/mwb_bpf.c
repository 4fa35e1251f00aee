// SPDX-License-Identifier: GPL-2.0
/*
 * bench-vm contender 2: BPF ringbuf, user side.  PRODUCERS threads each
 * run the SIZE program (mwb_bpf.bpf.c) with bpf_prog_test_run_opts() in
 * chunks of up to CHUNK records until they attempted COUNT / PRODUCERS: the
 * producer loop runs in the kernel, in the calling thread's syscall, the
 * way gen's kthread runs in the kernel.  Chunks keep each syscall short
 * (the loop never reschedules) and cost one syscall per CHUNK records.
 * A chunk ends early on a full ring (the record is dropped); the thread
 * then sleeps 75 us, as gen's kthread backs off 50-100 us.
 * This thread consumes with libbpf's ring_buffer__consume() (spin: never
 * sleeps) or ring_buffer__poll(rb, 200) (sleep: epoll_wait()).
 * MWB_STAMP=1: the program stamps each record, the consumer measures its
 * wake-up latency (bench.h); MWB_RATE=N: each producer runs the program
 * for one record at a time, N times a second.
 *
 * usage: mwb_bpf SIZE COUNT spin|sleep [PRODUCERS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "mwb_bpf.skel.h"

#define CHUNK 16384

struct mwb_args {
	__u64 count;
	__u64 seq;
	__u64 dropped;
	__u32 producer;
	__u32 full;
	__u64 submit_flags;
	__u32 header_only;
	__u32 stamp;
};

struct prod {
	pthread_t th;
	int prog_fd;
	__u32 idx;
	__u64 submit_flags;
	__u64 count;
	__u64 dropped;
	int err;
};

static atomic_int running;

static void *producer(void *arg)
{
	struct prod *p = arg;
	struct mwb_args a = { .producer = p->idx, .submit_flags = p->submit_flags,
			      .header_only = (__u32)mwb_header_only,
			      .stamp = (__u32)mwb_stamp() };
	__u64 done = 0, rate = mwb_rate();
	double due = mwb_now();

	mwb_pin(0, 0);		/* this thread: a producer */

	while (done < p->count) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &a, .ctx_size_in = sizeof(a));

		a.count = p->count - done < CHUNK ? p->count - done : CHUNK;
		if (rate) {	/* MWB_RATE: one record at a time, paced */
			double now = mwb_now();

			a.count = 1;
			due += 1.0 / (double)rate;
			if (due > now)
				usleep((useconds_t)((due - now) * 1e6));
		}
		a.full = 0;
		if (bpf_prog_test_run_opts(p->prog_fd, &o)) {
			p->err = errno;
			break;
		}
		done += a.count;	/* attempted */
		if (a.full)
			usleep(75);	/* gen: usleep_range(50, 100) */
	}
	p->dropped = a.dropped;
	atomic_fetch_sub(&running, 1);
	return NULL;
}

static unsigned int rec_size;

/* What the callback updates: the records, and the first one after a poll. */
struct mwb_cons {
	struct mwb_touch t;
	struct mwb_lat *lat;
	int woke;
};

static int on_rec(void *ctx, void *data, size_t len)
{
	struct mwb_cons *c = ctx;

	/* The first record after a poll: its wake-up latency. */
	if (c->woke && mwb_stamp())
		mwb_lat_add(c->lat, data, (unsigned int)len);
	c->woke = 0;
	mwb_touch(&c->t, data, (unsigned int)len, rec_size);
	return 0;
}

int main(int argc, char **argv)
{
	struct mwb_result res = { .contender = "bpf" };
	struct mwb_cons c = { .lat = &res.lat };
	struct prod prods[64];
	struct ring_buffer *rb;
	struct mwb_bpf *skel;
	struct bpf_program *prog;
	__u64 polls = 0;
	unsigned int i;
	int sleep_mode, err;
	double t0;

	if (mwb_args(argc, argv, &res.size, &res.count, &sleep_mode, &res.producers))
		return 2;
	if (sleep_mode > 1) {
		fprintf(stderr, "%s: sleep-wm is memwell's\n", argv[0]);
		return 2;
	}
	res.mode = sleep_mode ? "sleep" : "spin";
	rec_size = res.size;
	switch (res.size) {
	case 16: break;
	case 64: break;
	case 1024: break;
	default:
		fprintf(stderr, "mwb_bpf: sizes 16, 64 or 1024 only\n");
		return 2;
	}
	skel = mwb_bpf__open();
	if (!skel) {
		fprintf(stderr, "mwb_bpf__open failed\n");
		return 1;
	}
	/* Load only the program of this size. */
	bpf_object__for_each_program(prog, skel->obj) {
		char want[32];

		snprintf(want, sizeof(want), "mwb_gen_%u", res.size);
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), want));
	}
	err = mwb_bpf__load(skel);
	if (err) {
		fprintf(stderr, "mwb_bpf__load: %d\n", err);
		return 1;
	}
	prog = res.size == 16 ? skel->progs.mwb_gen_16 :
	       res.size == 64 ? skel->progs.mwb_gen_64 : skel->progs.mwb_gen_1024;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_rec, &c, NULL);
	if (!rb) {
		fprintf(stderr, "ring_buffer__new failed\n");
		return 1;
	}
	res.count = res.count / res.producers * res.producers;
	atomic_store(&running, (int)res.producers);
	t0 = mwb_now();
	for (i = 0; i < res.producers; i++) {
		/* A spinning consumer never sleeps: no wake-ups (memwell: WAKE_NEVER). */
		prods[i] = (struct prod){ .prog_fd = bpf_program__fd(prog), .idx = i,
					  .count = res.count / res.producers,
					  .submit_flags = sleep_mode ? 0 : BPF_RB_NO_WAKEUP };
		if (pthread_create(&prods[i].th, NULL, producer, &prods[i])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (;;) {
		int stopped = atomic_load(&running) == 0;
		int n;

		if (sleep_mode) {
			polls++;
			c.woke = 1;
			n = ring_buffer__poll(rb, 200);
		} else {
			n = ring_buffer__consume(rb);
		}
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "ring_buffer: %d\n", n);
			return 1;
		}
		/* Everything submitted before the producers stopped is drained. */
		if (stopped && ring_buffer__consume(rb) == 0)
			break;
	}
	res.secs = mwb_now() - t0;
	for (i = 0; i < res.producers; i++) {
		pthread_join(prods[i].th, NULL);
		if (prods[i].err) {
			fprintf(stderr, "bpf_prog_test_run_opts: %s\n", strerror(prods[i].err));
			return 1;
		}
		res.dropped += prods[i].dropped;
	}
	res.records = c.t.records;
	res.bad = c.t.bad;
	res.syscalls = polls;
	res.wakeups = (__u64)-1;
	mwb_print(&res);
	ring_buffer__free(rb);
	mwb_bpf__destroy(skel);
	return c.t.bad ? 1 : 0;
}
