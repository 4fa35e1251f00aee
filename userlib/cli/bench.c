// SPDX-License-Identifier: GPL-2.0
/*
 * memwell bench: move N records of S bytes from producers to consumers in
 * batches of B, through a memwell ring (device or local mode), a pipe, or
 * a shared-memory ring signalled by eventfds, with threads or processes.
 * Every record is copied in by the producer and copied out by the
 * consumer, whatever the transport.  Syscalls are counted: the library's
 * kicks and waits plus every read/write/poll/sched_yield the bench makes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

static const char bench_help[] =
"usage: memwell bench [options]\n"
"\n"
"Throughput of one transport between producers and consumers in this\n"
"process (threads) or in forked processes (--procs).  Each record is copied\n"
"in and out.  Prints records/s, MB/s, syscalls per 1000 records.\n"
"\n"
"  --transport T       memwell (default: /dev/memwell ring, or --local),\n"
"                      pipe, eventfd (shared-memory ring + eventfd per batch)\n"
"  --procs             producers and consumers are processes (fork)\n"
"  --producers N       (default 1)  --consumers N (default 1): >1 is MPMC,\n"
"                      memwell only\n"
"  --size BYTES        record payload (default 64)\n"
"  --batch N           records per reservation / write (default 16)\n"
"  --count N           records in all (default 1M)\n"
"  --spin              memwell: busy-poll instead of sleeping\n"
"ring:\n"
CLI_RING_HELP
"  --json              one JSON object\n";

enum transport { T_MEMWELL, T_PIPE, T_EVENTFD };

struct worker_out {
	__u64 records;
	__u64 bytes;
	__u64 syscalls;		/* the bench's own */
	__u64 lib_syscalls;	/* the library's kicks + waits */
	__u64 errors;
	__u64 pad[3];
};

struct shared {
	__u64 consumed;		/* records taken, all consumers */
	__u64 go;		/* start flag */
	__u64 ready;		/* workers ready */
	double t_end;
	struct worker_out w[64];
};

struct bench {
	enum transport t;
	bool procs, spin, local;
	unsigned int producers, consumers;
	__u64 size, batch, count;
	struct memwell *mw;
	int pipefd[2];
	int efd_data, efd_space;
	struct shared *sh;
};

struct worker {
	struct bench *b;
	unsigned int idx;	/* into sh->w */
	unsigned int nth;	/* among its kind */
	bool producer;
};

static void start_barrier(struct bench *b)
{
	unsigned int all = b->producers + b->consumers;

	__atomic_fetch_add(&b->sh->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&b->sh->ready, __ATOMIC_ACQUIRE) < all ||
	       !__atomic_load_n(&b->sh->go, __ATOMIC_ACQUIRE))
		sched_yield();
}

static __u64 share_of(__u64 total, unsigned int n, unsigned int i)
{
	return total / n + (i < total % n ? 1 : 0);
}

/* Full or empty without a kernel to sleep in: spin a little, then yield. */
static void backoff(unsigned int *spins, struct worker_out *o)
{
	if (++*spins < 64) {
		__builtin_ia32_pause();
		return;
	}
	o->syscalls++;
	sched_yield();
}

static void memwell_wait_for(struct bench *b, int events, __u64 blocks,
			     unsigned int *spins, struct worker_out *o)
{
	int err;

	if (b->t == T_EVENTFD) {
		__u64 v;

		o->syscalls++;
		if (read(events == MEMWELL_WAIT_READ ? b->efd_data : b->efd_space,
			 &v, sizeof(v)) < 0 && errno != EINTR)
			o->errors++;
		return;
	}
	if (b->spin || b->local) {
		/* local mode has no kernel to sleep in; --spin never sleeps */
		backoff(spins, o);
		return;
	}
	err = memwell_wait_blocks(b->mw, events, blocks, 50);
	if (err < 0 && err != -EINTR)
		o->errors++;
}

static void produce_ring(struct worker *w, struct worker_out *o)
{
	struct bench *b = w->b;
	struct memwell_ring *r = memwell_get_ring(b->mw);
	__u64 todo = share_of(b->count, b->producers, w->nth), seq = 0;
	__u64 rb = memwell_rec_blocks(r, b->size);
	unsigned char *tmpl = calloc(1, b->size);
	unsigned int spins = 0;

	if (!tmpl)
		exit(1);
	memset(tmpl, 0x5a, b->size);
	start_barrier(b);
	while (seq < todo) {
		struct memwell_batch bt = { { 0, 0 }, 0, 0, 0 };
		__u64 n = todo - seq < b->batch ? todo - seq : b->batch;
		int got = memwell_batch_reserve(r, rb, rb * n, &bt);
		void *p;

		if (got == -EAGAIN) {
			memwell_wait_for(b, MEMWELL_WAIT_WRITE, rb, &spins, o);
			continue;
		}
		if (got == -EBUSY)
			continue;
		if (got < 0) {
			o->errors++;
			break;
		}
		spins = 0;
		while ((p = memwell_batch_put(r, &bt, b->size))) {
			memcpy(tmpl, &seq, sizeof(seq) < b->size ? sizeof(seq) : b->size);
			memcpy(p, tmpl, b->size);
			seq++;
			if (bt.records == n)
				break;
		}
		memwell_batch_commit(r, &bt);
		if (b->t == T_EVENTFD) {
			__u64 one = 1;

			o->syscalls++;
			if (write(b->efd_data, &one, sizeof(one)) < 0)
				o->errors++;
		}
	}
	o->records = seq;
	o->bytes = seq * b->size;
	free(tmpl);
}

static void consume_ring(struct worker *w, struct worker_out *o)
{
	struct bench *b = w->b;
	struct memwell_ring *r = memwell_get_ring(b->mw);
	unsigned char *buf = malloc(b->size);
	__u64 next = 0;
	unsigned int spins = 0;
	bool check = b->producers == 1 && b->consumers == 1 && b->size >= 8;

	if (!buf)
		exit(1);
	start_barrier(b);
	while (__atomic_load_n(&b->sh->consumed, __ATOMIC_ACQUIRE) < b->count) {
		struct memwell_batch bt = { { 0, 0 }, 0, 0, 0 };
		struct memwell_rec rec;
		int n = memwell_batch_take(r, (__u32)b->batch, ~0ULL, ~0ULL, &bt);

		if (n == -EAGAIN) {
			memwell_wait_for(b, MEMWELL_WAIT_READ, 1, &spins, o);
			continue;
		}
		if (n == -EBUSY)
			continue;
		if (n < 0) {
			o->errors++;
			break;
		}
		spins = 0;
		while (!memwell_batch_next(r, &bt, &rec)) {
			memcpy(buf, rec.data, rec.len);
			if (check) {
				__u64 s;

				memcpy(&s, buf, sizeof(s));
				if (s != next)
					o->errors++;
				next = s + 1;
			}
			o->records++;
			o->bytes += rec.len;
		}
		memwell_batch_release(r, &bt);
		__atomic_fetch_add(&b->sh->consumed, (__u64)n, __ATOMIC_ACQ_REL);
		if (b->t == T_EVENTFD) {
			__u64 one = 1;

			o->syscalls++;
			if (write(b->efd_space, &one, sizeof(one)) < 0)
				o->errors++;
		}
	}
	free(buf);
}

static void produce_pipe(struct worker *w, struct worker_out *o)
{
	struct bench *b = w->b;
	__u64 todo = b->count, seq = 0;
	unsigned char *buf = calloc(b->batch, b->size);

	if (!buf)
		exit(1);
	memset(buf, 0x5a, b->batch * b->size);
	start_barrier(b);
	while (seq < todo) {
		__u64 n = todo - seq < b->batch ? todo - seq : b->batch;
		size_t len = n * b->size, off = 0;

		for (__u64 i = 0; i < n; i++, seq++)
			if (b->size >= 8)
				memcpy(buf + i * b->size, &seq, sizeof(seq));
		while (off < len) {
			ssize_t k = write(b->pipefd[1], buf + off, len - off);

			o->syscalls++;
			if (k < 0) {
				if (errno == EINTR)
					continue;
				o->errors++;
				goto out;
			}
			off += (size_t)k;
		}
	}
out:
	o->records = seq;
	o->bytes = seq * b->size;
	free(buf);
}

static void consume_pipe(struct worker *w, struct worker_out *o)
{
	struct bench *b = w->b;
	size_t cap = b->batch * b->size;
	unsigned char *buf = malloc(cap);
	__u64 total = b->count * b->size, got = 0;

	(void)w;
	if (!buf)
		exit(1);
	start_barrier(b);
	while (got < total) {
		size_t want = total - got < cap ? (size_t)(total - got) : cap;
		ssize_t k = read(b->pipefd[0], buf, want);

		o->syscalls++;
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			o->errors++;
			break;
		}
		got += (size_t)k;
		__atomic_store_n(&b->sh->consumed, got / b->size, __ATOMIC_RELAXED);
	}
	o->records = got / b->size;
	o->bytes = got;
	free(buf);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct worker_out *o = &w->b->sh->w[w->idx];
	struct memwell_io_stats io0, io1;

	memset(&io0, 0, sizeof(io0));
	memset(&io1, 0, sizeof(io1));
	if (w->b->mw)
		memwell_get_io_stats(w->b->mw, &io0, sizeof(io0));
	if (w->b->t == T_PIPE) {
		if (w->producer)
			produce_pipe(w, o);
		else
			consume_pipe(w, o);
	} else if (w->producer) {
		produce_ring(w, o);
	} else {
		consume_ring(w, o);
	}
	if (w->b->mw && w->b->procs) {
		/* This process's copy of the handle counts only its own calls. */
		memwell_get_io_stats(w->b->mw, &io1, sizeof(io1));
		o->lib_syscalls = io1.syscalls - io0.syscalls;
	}
	if (!w->producer)
		w->b->sh->t_end = cli_now();
	return NULL;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_RING_LONGOPTS,
		{ "transport", required_argument, NULL, 'T' },
		{ "procs", no_argument, NULL, 'P' },
		{ "threads", no_argument, NULL, 'H' },
		{ "producers", required_argument, NULL, 'p' },
		{ "consumers", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 'z' },
		{ "batch", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "spin", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ring_opts o = { .flags = MEMWELL_F_RECORDS, .ring_size = 256 << 10,
				   .block_size = 8 };
	struct bench b = { .t = T_MEMWELL, .producers = 1, .consumers = 1, .size = 64,
			   .batch = 16, .count = 1000000, .pipefd = { -1, -1 } };
	struct worker wk[64];
	pthread_t th[64];
	pid_t pids[64];
	unsigned int nw, i;
	const char *tname = "memwell";
	struct worker_out tot;
	__u64 lib_sys = 0;
	struct memwell_io_stats io;
	double t0, secs;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (cli_ring_opt(&o, c, optarg))
			continue;
		switch (c) {
		case 'T':
			tname = optarg;
			if (!strcmp(optarg, "memwell"))
				b.t = T_MEMWELL;
			else if (!strcmp(optarg, "pipe"))
				b.t = T_PIPE;
			else if (!strcmp(optarg, "eventfd"))
				b.t = T_EVENTFD;
			else
				cli_usage("--transport: '%s' is not memwell, pipe or eventfd", optarg);
			break;
		case 'P': b.procs = true; break;
		case 'H': b.procs = false; break;
		case 'p':
			b.producers = (unsigned int)cli_parse_count("--producers", optarg);
			if (b.producers < 1 || b.producers > 32)
				cli_usage("--producers: %s is not 1..32", optarg);
			break;
		case 'c':
			b.consumers = (unsigned int)cli_parse_count("--consumers", optarg);
			if (b.consumers < 1 || b.consumers > 32)
				cli_usage("--consumers: %s is not 1..32", optarg);
			break;
		case 'z':
			b.size = cli_parse_size("--size", optarg);
			if (!b.size || b.size > 1 << 20)
				cli_usage("--size: %s is not 1..1M", optarg);
			break;
		case 'b':
			b.batch = cli_parse_count("--batch", optarg);
			if (!b.batch || b.batch > 65536)
				cli_usage("--batch: %s is not 1..65536", optarg);
			break;
		case 'n':
			b.count = cli_parse_count("--count", optarg);
			if (!b.count)
				cli_usage("--count: must be at least 1");
			break;
		case 's': b.spin = true; break;
		case 'J': break;
		case 'h': cli_help(bench_help);
		default: cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
	if (b.t != T_MEMWELL && (b.producers > 1 || b.consumers > 1))
		cli_usage("--producers/--consumers > 1 need --transport memwell");
	if (b.producers > 1)
		o.flags |= MEMWELL_F_PROD_MULTI;
	if (b.consumers > 1)
		o.flags |= MEMWELL_F_CONS_MULTI;
	if (!(o.flags & MEMWELL_F_RECORDS))
		cli_usage("bench moves records (not --blocks)");

	b.sh = mmap(NULL, sizeof(*b.sh), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b.sh == MAP_FAILED)
		cli_fail(errno, "mmap failed");
	memset(b.sh, 0, sizeof(*b.sh));
	if (b.t == T_PIPE) {
		if (pipe2(b.pipefd, O_CLOEXEC))
			cli_fail(errno, "pipe failed");
	} else {
		if (b.t == T_EVENTFD) {
			o.local = true;	/* a memfd ring: the eventfds signal */
			b.efd_data = eventfd(0, EFD_CLOEXEC);
			b.efd_space = eventfd(0, EFD_CLOEXEC);
			if (b.efd_data < 0 || b.efd_space < 0)
				cli_fail(errno, "eventfd failed");
		}
		b.local = o.local;
		b.mw = cli_ring_create(&o);
		if (memwell_rec_blocks(memwell_get_ring(b.mw), b.size) * b.batch >
		    memwell_get_ring(b.mw)->count && b.batch > 1)
			cli_usage("--batch %llu x --size %llu does not fit the ring",
				  (unsigned long long)b.batch, (unsigned long long)b.size);
		if (b.size > memwell_get_ring(b.mw)->rec_max)
			cli_usage("--size %llu does not fit the ring", (unsigned long long)b.size);
	}

	nw = b.producers + b.consumers;
	for (i = 0; i < nw; i++) {
		wk[i].b = &b;
		wk[i].idx = i;
		wk[i].producer = i < b.producers;
		wk[i].nth = wk[i].producer ? i : i - b.producers;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nw; i++) {
		if (b.procs) {
			pids[i] = fork();
			if (pids[i] < 0)
				cli_fail(errno, "fork failed");
			if (!pids[i]) {
				worker_main(&wk[i]);
				_exit(0);
			}
		} else if ((errno = pthread_create(&th[i], NULL, worker_main, &wk[i]))) {
			cli_fail(errno, "pthread_create failed");
		}
	}
	while (__atomic_load_n(&b.sh->ready, __ATOMIC_ACQUIRE) < nw)
		usleep(1000);
	t0 = cli_now();
	__atomic_store_n(&b.sh->go, 1, __ATOMIC_RELEASE);
	for (;;) {
		/* The main thread only reports progress. */
		bool done = true;

		for (i = 0; i < nw; i++) {
			if (b.procs) {
				int st;
				pid_t p = pids[i] ? waitpid(pids[i], &st, WNOHANG) : 0;

				if (p == pids[i] && pids[i]) {
					if (!WIFEXITED(st) || WEXITSTATUS(st))
						rc = 1;
					pids[i] = 0;
				}
				if (pids[i])
					done = false;
			} else if (th[i]) {
				if (pthread_tryjoin_np(th[i], NULL) == 0)
					th[i] = 0;
				else
					done = false;
			}
		}
		if (done)
			break;
		if (cli_progress_due()) {
			__u64 n = __atomic_load_n(&b.sh->consumed, __ATOMIC_RELAXED);

			cli_progress("bench %s: %llu/%llu records, %.0f rec/s", tname,
				     (unsigned long long)n, (unsigned long long)b.count,
				     n / (cli_now() - t0));
		}
		usleep(10000);
	}
	cli_progress_end();
	secs = b.sh->t_end - t0;
	if (secs <= 0)
		secs = 1e-9;
	memset(&tot, 0, sizeof(tot));
	for (i = 0; i < nw; i++) {
		if (i >= b.producers) {
			tot.records += b.sh->w[i].records;
			tot.bytes += b.sh->w[i].bytes;
		}
		tot.syscalls += b.sh->w[i].syscalls;
		tot.errors += b.sh->w[i].errors;
		lib_sys += b.sh->w[i].lib_syscalls;
	}
	if (b.mw && !b.procs) {
		memset(&io, 0, sizeof(io));
		memwell_get_io_stats(b.mw, &io, sizeof(io));
		lib_sys = io.syscalls;
	}
	if (tot.records != b.count || tot.errors)
		rc = 1;
	{
		const char *mode = b.t == T_PIPE ? "pipe" : b.t == T_EVENTFD ? "shm+eventfd" :
				   o.local ? "local" : "dev";
		__u64 sys = tot.syscalls + lib_sys;
		double per1k = tot.records ? 1000.0 * (double)sys / (double)tot.records : 0;

		if (cli_json) {
			struct cj j;

			cj_begin(&j, stdout);
			cj_str(&j, "cmd", "bench");
			cj_str(&j, "transport", tname);
			cj_str(&j, "mode", mode);
			cj_bool(&j, "procs", b.procs);
			cj_u64(&j, "producers", b.producers);
			cj_u64(&j, "consumers", b.consumers);
			cj_u64(&j, "size", b.size);
			cj_u64(&j, "batch", b.batch);
			cj_u64(&j, "records", tot.records);
			cj_u64(&j, "bytes", tot.bytes);
			cj_dbl(&j, "seconds", secs, 6);
			cj_dbl(&j, "records_per_s", tot.records / secs, 0);
			cj_dbl(&j, "mb_per_s", tot.bytes / secs / 1e6, 2);
			cj_u64(&j, "syscalls", sys);
			cj_u64(&j, "lib_syscalls", lib_sys);
			cj_dbl(&j, "syscalls_per_1000", per1k, 3);
			cj_u64(&j, "drops", 0);
			cj_u64(&j, "errors", tot.errors);
			cj_bool(&j, "ok", !rc);
			cj_end(&j);
		}
		else
			printf("bench %s (%s, %s, %uP/%uC, %llu B x batch %llu): %llu records in %.3f s: "
			       "%.0f rec/s, %.1f MB/s, %.2f syscalls/1000 rec, %llu errors\n",
			       tname, mode, b.procs ? "processes" : "threads", b.producers,
			       b.consumers, (unsigned long long)b.size, (unsigned long long)b.batch,
			       (unsigned long long)tot.records, secs, tot.records / secs,
			       tot.bytes / secs / 1e6, per1k, (unsigned long long)tot.errors);
	}
	if (rc)
		cli_warn(EIO, "%llu of %llu records arrived, %llu errors",
			 (unsigned long long)tot.records, (unsigned long long)b.count,
			 (unsigned long long)tot.errors);
	memwell_close(b.mw);
	return rc;
}
