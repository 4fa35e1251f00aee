// SPDX-License-Identifier: GPL-2.0
/*
 * memwell stream: a kernel-to-user records ring (MEMWELL_F_KERNEL_PROD) on
 * /dev/memwell, a kernel source attached with MEMWELL_IOC_ATTACH (its
 * module loaded first if it is not), and this process consuming in a
 * level-triggered epoll loop.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "memwell_gen.h"
#include "memwell_sched.h"

static const char stream_help[] =
"usage: memwell stream [options]\n"
"\n"
"Create a kernel-to-user records ring on /dev/memwell, attach a kernel\n"
"source to it and consume in an epoll loop until the source is done.\n"
"\n"
"source:\n"
"  --source gen|sched  synthetic records (default) or context switches\n"
"  --size BYTES        gen record payload (default 64, >= 16)\n"
"  --count N           gen records per producer (default 100k; 0: endless)\n"
"  --rate N            gen records/s per producer (default 0: flat out)\n"
"  --producers N       gen producers (default 1)\n"
"  --context C         kthread (default), softirq or hardirq\n"
"  --header-only       gen writes each record's header only (the payload\n"
"                      stands for data a device put in place)\n"
"output (one of):\n"
"  --verify            count, check gen seq per producer, pattern and check (default)\n"
"  --hexdump           every record in hex\n"
"  --decode            every record as one text line (sched, gen, lost)\n"
"limits:\n"
"  --records N         stop after N records\n"
"  --duration SEC      stop after SEC seconds\n"
"  --stat              print the ring's stat after the run\n"
"  --watermark BYTES   wake policy: wake when BYTES are ready\n"
"  --latency-us US     ... but at most US after a commit\n"
"ring:\n"
"  --ring-size SIZE    (default 1M)   --block-size SIZE (default 8)\n"
"  --name NAME         name the ring\n"
"  --json              one JSON object at the end\n"
"\n"
"The source's module (memwell_gen.ko, memwell_sched.ko) is loaded if it\n"
"is not, as root, from $MEMWELL_MODULE_DIR, ./ or the module tree.  gen\n"
"needs CAP_SYS_ADMIN, sched CAP_PERFMON or CAP_SYS_ADMIN.\n"
"\n"
"Exit 0 when every record arrived intact or is accounted for as lost,\n"
"1 on a verification error, 3 if the kernel source is not available.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct stream_state {
	unsigned int producers;
	__u64 *next_seq;
	__u64 records, bytes, gen_ok;
	__u64 lost_recs, lost_bytes, lost_marks;
	__u64 seq_gaps, seq_errors, check_errors, bad_records;
	bool header_only;	/* MEMWELL_GEN_F_HEADER_ONLY: no payload to check */
	int mode;		/* 0 verify, 1 hexdump, 2 decode */
	unsigned int kind;
};

static void hexdump(const unsigned char *p, __u32 len)
{
	for (__u32 off = 0; off < len; off += 16) {
		char asc[17];
		__u32 i;

		printf("  %06x ", off);
		for (i = 0; i < 16; i++) {
			if (off + i < len) {
				printf(" %02x", p[off + i]);
				asc[i] = isprint(p[off + i]) ? (char)p[off + i] : '.';
			} else {
				printf("   ");
				asc[i] = ' ';
			}
		}
		asc[16] = 0;
		printf("  |%s|\n", asc);
	}
}

static const char *task_state(__u32 s)
{
	/* prev_state as TASK_* bits (0: running, i.e. preempted). */
	if (s == 0)
		return "R";
	if (s & 0x1) return "S";
	if (s & 0x2) return "D";
	if (s & 0x4) return "T";
	if (s & 0x8) return "t";
	if (s & 0x10) return "X";
	if (s & 0x20) return "Z";
	if (s & 0x40) return "P";
	if (s & 0x80) return "I";
	return "?";
}

static void on_record(struct stream_state *st, const struct memwell_rec *rec)
{
	const unsigned char *p = rec->data;

	if (rec->flags & MEMWELL_REC_LOST) {
		struct memwell_lost l = { 0, 0 };

		memcpy(&l, p, rec->len < sizeof(l) ? rec->len : sizeof(l));
		st->lost_marks++;
		st->lost_recs += l.records;
		st->lost_bytes += l.bytes;
		if (st->mode == 2)
			printf("LOST %llu records (%llu bytes)\n",
			       (unsigned long long)l.records, (unsigned long long)l.bytes);
		else if (st->mode == 1)
			printf("record LOST len %u: %llu records, %llu bytes lost\n", rec->len,
			       (unsigned long long)l.records, (unsigned long long)l.bytes);
		return;
	}
	st->records++;
	st->bytes += rec->len;
	if (st->mode == 1) {
		printf("record %llu len %u\n", (unsigned long long)st->records - 1, rec->len);
		hexdump(p, rec->len);
		return;
	}
	if (st->kind == MEMWELL_SRC_SCHED) {
		struct memwell_sched_rec s;

		if (rec->len < sizeof(s)) {
			st->bad_records++;
			return;
		}
		if (st->mode == 2) {
			memcpy(&s, p, sizeof(s));
			s.prev_comm[15] = s.next_comm[15] = 0;
			printf("%llu.%09llu cpu%u %s[%u] %s -> %s[%u]\n",
			       (unsigned long long)(s.time_ns / 1000000000ULL),
			       (unsigned long long)(s.time_ns % 1000000000ULL), s.cpu,
			       s.prev_comm, s.prev_pid, task_state(s.prev_state),
			       s.next_comm, s.next_pid);
		}
		return;
	}
	/* gen */
	{
		struct memwell_gen_rec g;
		bool ck_ok;
		/*
		 * The payload is the memwell_gen_byte() pattern and check its
		 * memwell_gen_check() (uapi/memwell.h); with
		 * MEMWELL_GEN_F_HEADER_ONLY the kernel writes neither and check is 0.
		 */
		int bad = memwell_gen_verify(p, rec->len, st->header_only ?
					     MEMWELL_GEN_F_HEADER_ONLY : 0, &g, NULL);

		if (bad == MEMWELL_GEN_BAD_SHORT || g.producer >= st->producers) {
			st->bad_records++;
			return;
		}
		ck_ok = !bad;
		if (!ck_ok)
			st->check_errors++;
		if (g.seq < st->next_seq[g.producer])
			st->seq_errors++;
		else if (g.seq > st->next_seq[g.producer])
			st->seq_gaps += g.seq - st->next_seq[g.producer];
		if (g.seq >= st->next_seq[g.producer])
			st->next_seq[g.producer] = g.seq + 1;
		if (ck_ok)
			st->gen_ok++;
		if (st->mode == 2)
			printf("gen producer %u seq %llu len %u check %08x %s\n", g.producer,
			       (unsigned long long)g.seq, rec->len, g.check,
			       ck_ok ? "ok" : "BAD");
	}
}

int cmd_stream(int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_RING_LONGOPTS,
		{ "source", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'z' },
		{ "count", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "producers", required_argument, NULL, 'p' },
		{ "context", required_argument, NULL, 'x' },
		{ "header-only", no_argument, NULL, 'H' },
		{ "verify", no_argument, NULL, 'V' },
		{ "hexdump", no_argument, NULL, 'X' },
		{ "decode", no_argument, NULL, 'D' },
		{ "records", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 't' },
		{ "stat", no_argument, NULL, 'S' },
		{ "watermark", required_argument, NULL, 'w' },
		{ "latency-us", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ring_opts o = { .flags = MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD,
				   .ring_size = 1 << 20, .block_size = 8 };
	struct memwell_source src = { .size = sizeof(src), .kind = MEMWELL_SRC_GEN,
				      .context = MEMWELL_CTX_KTHREAD, .producers = 1,
				      .record_size = 64, .count = 100000 };
	struct memwell_wake_policy wp = { .size = sizeof(wp) };
	struct stream_state st = { .header_only = false };
	unsigned long long max_records = 0, v;
	struct memwell_ring_stats ks;
	struct memwell_io_stats io;
	struct epoll_event ev;
	struct memwell *mw;
	struct memwell_ring *r;
	bool show_stat = false, set_wake = false, have_ks = false, count_set = false;
	double duration = 0, t0, t1, last_data;
	__u64 epolls = 0, expected;
	const char *ctx_name = "kthread";
	int c, ep, err, rc = 0;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (cli_ring_opt(&o, c, optarg))
			continue;
		switch (c) {
		case 's':
			if (!strcmp(optarg, "gen"))
				src.kind = MEMWELL_SRC_GEN;
			else if (!strcmp(optarg, "sched"))
				src.kind = MEMWELL_SRC_SCHED;
			else
				cli_usage("--source: '%s' is not gen or sched", optarg);
			break;
		case 'z':
			v = cli_parse_size("--size", optarg);
			if (v < sizeof(struct memwell_gen_rec) || v > 1U << 30)
				cli_usage("--size: %llu is not %zu..1G", v,
					  sizeof(struct memwell_gen_rec));
			src.record_size = (__u32)v;
			break;
		case 'c': src.count = cli_parse_count("--count", optarg); count_set = true; break;
		case 'r': src.rate = cli_parse_count("--rate", optarg); break;
		case 'p':
			v = cli_parse_count("--producers", optarg);
			if (!v || v > 1024)
				cli_usage("--producers: %llu is not 1..1024", v);
			src.producers = (__u32)v;
			break;
		case 'x':
			ctx_name = optarg;
			if (!strcmp(optarg, "kthread"))
				src.context = MEMWELL_CTX_KTHREAD;
			else if (!strcmp(optarg, "softirq"))
				src.context = MEMWELL_CTX_SOFTIRQ;
			else if (!strcmp(optarg, "hardirq"))
				src.context = MEMWELL_CTX_HARDIRQ;
			else
				cli_usage("--context: '%s' is not kthread, softirq or hardirq", optarg);
			break;
		case 'H':
			src.flags |= MEMWELL_GEN_F_HEADER_ONLY;
			st.header_only = true;
			break;
		case 'V': st.mode = 0; break;
		case 'X': st.mode = 1; break;
		case 'D': st.mode = 2; break;
		case 'n': max_records = cli_parse_count("--records", optarg); break;
		case 't': duration = cli_parse_seconds("--duration", optarg); break;
		case 'S': show_stat = true; break;
		case 'w': wp.watermark = cli_parse_size("--watermark", optarg); set_wake = true; break;
		case 'l': wp.latency_ns = cli_parse_count("--latency-us", optarg) * 1000; set_wake = true; break;
		case 'J': break;
		case 'h': cli_help(stream_help);
		default: cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
	if (o.local)
		cli_usage("kernel sources need a device ring (not --local)");
	if (!(o.flags & MEMWELL_F_RECORDS))
		cli_usage("kernel sources produce records (not --blocks)");
	if (src.kind == MEMWELL_SRC_SCHED) {
		/*
		 * The sched source runs until detached, on every CPU (a
		 * multi-owner producer side); it takes no gen parameters.
		 */
		src.count = 0;
		src.record_size = 0;
		src.producers = 0;
		src.context = 0;
		src.rate = 0;
		o.flags |= MEMWELL_F_PROD_MULTI;
		if (count_set)
			cli_usage("--count is for gen; use --records or --duration for sched");
		if (src.flags)
			cli_usage("--header-only is for gen");
		if (!max_records && !duration)
			max_records = 20;
	}
	/* Kernel producers on several CPUs reserve concurrently. */
	if (src.producers > 1)
		o.flags |= MEMWELL_F_PROD_MULTI;
	st.kind = src.kind;
	st.producers = src.producers ? src.producers : 1;
	st.next_seq = calloc(st.producers, sizeof(*st.next_seq));
	if (!st.next_seq)
		cli_fail(ENOMEM, "out of memory");
	expected = src.count * src.producers;

	mw = cli_ring_create(&o);
	r = memwell_get_ring(mw);
	if (src.record_size > r->rec_max)
		cli_usage("--size %u does not fit a ring whose largest record is %llu B",
			  src.record_size, (unsigned long long)r->rec_max);
	if (set_wake && ioctl(memwell_fd(mw), MEMWELL_IOC_SET_WAKE, &wp)) {
		err = errno;
		cli_die(err == ENOTTY ? CLI_EXIT_UNSUPPORTED : CLI_EXIT_FAIL, err,
			"MEMWELL_IOC_SET_WAKE failed%s",
			err == ENOTTY ? ": the loaded memwell.ko has no wake policy" : "");
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		cli_fail(errno, "epoll_create1 failed");
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, memwell_fd(mw), &ev))
		cli_fail(errno, "epoll_ctl on the ring failed");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	t0 = cli_now();
	err = ioctl(memwell_fd(mw), MEMWELL_IOC_ATTACH, &src) ? errno : 0;
	if (err == ENOENT) {
		/* No module registered the kind: load it, then try again. */
		const char *kind = src.kind == MEMWELL_SRC_SCHED ? "sched" : "gen";
		int lerr = cli_source_load(kind);

		if (lerr == -EPERM)
			cli_die(CLI_EXIT_UNSUPPORTED, ENOENT,
				"the %s source is not loaded: load memwell_%s.ko as root "
				"(memwell load)", kind, kind);
		if (lerr == -ENOENT)
			cli_die(CLI_EXIT_UNSUPPORTED, ENOENT,
				"the %s source is not loaded and no memwell_%s.ko was found "
				"($MEMWELL_MODULE_DIR, ./ or the module tree)", kind, kind);
		if (lerr && lerr != -EEXIST)
			cli_fail(-lerr, "loading memwell_%s.ko failed (see dmesg)", kind);
		t0 = cli_now();
		err = ioctl(memwell_fd(mw), MEMWELL_IOC_ATTACH, &src) ? errno : 0;
	}
	if (err) {
		if (err == ENOTTY)
			cli_die(CLI_EXIT_UNSUPPORTED, err,
				"kernel sources are not available: the loaded memwell.ko has no MEMWELL_IOC_ATTACH");
		if (err == EOPNOTSUPP || err == ENOSYS || err == ENODEV || err == ENOENT)
			cli_die(CLI_EXIT_UNSUPPORTED, err,
				"the %s source (context %s) is not available in this kernel",
				src.kind == MEMWELL_SRC_SCHED ? "sched" : "gen", ctx_name);
		if (err == EPERM && geteuid() != 0)
			cli_fail(err, "the %s source needs %s",
				 src.kind == MEMWELL_SRC_SCHED ? "sched" : "gen",
				 src.kind == MEMWELL_SRC_SCHED ?
				 "CAP_PERFMON or CAP_SYS_ADMIN (perf's privilege)" :
				 "CAP_SYS_ADMIN (root)");
		cli_fail(err, "MEMWELL_IOC_ATTACH (%s, %u producers, %u B, context %s) failed",
			 src.kind == MEMWELL_SRC_SCHED ? "sched" : "gen", src.producers,
			 src.record_size, ctx_name);
	}
	last_data = t0;
	for (;;) {
		struct memwell_batch b = { { 0, 0 }, 0, 0, 0 };
		struct memwell_rec rec;
		int n = memwell_batch_take(r, 256, ~0ULL, ~0ULL, &b);

		if (n > 0) {
			while (!memwell_batch_next(r, &b, &rec)) {
				on_record(&st, &rec);
				if (max_records && st.records >= max_records)
					break;
			}
			memwell_batch_release(r, &b);
			last_data = cli_now();
			if (max_records && st.records >= max_records)
				break;
			if (expected && st.records + st.lost_recs >= expected)
				break;
			if (cli_progress_due())
				cli_progress("stream: %llu records, %.0f rec/s, %llu lost",
					     (unsigned long long)st.records,
					     st.records / (cli_now() - t0),
					     (unsigned long long)st.lost_recs);
			continue;
		}
		if (n == -EBUSY)
			continue;
		if (n != -EAGAIN)
			cli_fail(-n, "reading the ring failed");
		if (stop)
			break;
		if (duration && cli_now() - t0 >= duration)
			break;
		/* Drained: sleep in epoll until the kernel wakes us. */
		epolls++;
		n = epoll_wait(ep, &ev, 1, 200);
		if (n < 0 && errno != EINTR)
			cli_fail(errno, "epoll_wait failed");
		if (n == 0 && expected) {
			/*
			 * Idle: a source whose last records were dropped leaves
			 * no LOST mark behind them; the kernel's counters tell.
			 */
			memset(&ks, 0, sizeof(ks));
			if (!ioctl(memwell_fd(mw), MEMWELL_IOC_STATS, &ks) &&
			    ks.produced + ks.dropped >= expected && !memwell_ready_blocks(r))
				break;
			if (cli_now() - last_data > 10) {
				cli_warn(ETIMEDOUT, "no records for 10 s: %llu of %llu arrived",
					 (unsigned long long)(st.records + st.lost_recs),
					 (unsigned long long)expected);
				rc = 1;
				break;
			}
		}
	}
	t1 = cli_now();
	cli_progress_end();
	if (ioctl(memwell_fd(mw), MEMWELL_IOC_DETACH, 0))
		cli_warn(errno, "MEMWELL_IOC_DETACH failed");
	memset(&ks, 0, sizeof(ks));
	if (!ioctl(memwell_fd(mw), MEMWELL_IOC_STATS, &ks))
		have_ks = true;
	memwell_get_io_stats(mw, &io, sizeof(io));

	if (st.kind == MEMWELL_SRC_GEN && st.mode == 0) {
		if (st.seq_errors || st.check_errors || st.bad_records)
			rc = 1;
		/* Every gap must be a drop (a LOST mark, or counted by the kernel). */
		__u64 drops = have_ks && ks.dropped > st.lost_recs ? ks.dropped : st.lost_recs;

		if (st.seq_gaps > drops)
			rc = 1;
	}
	{
		double secs = t1 - t0 > 0 ? t1 - t0 : 1e-9;
		__u64 sys = epolls + io.syscalls;
		double per1k = st.records ? 1000.0 * (double)sys / (double)st.records : 0;
		const char *alg = st.header_only ? "header-only" : "fnv1a32";

		if (cli_json) {
			struct cj j;

			cj_begin(&j, stdout);
			cj_str(&j, "cmd", "stream");
			cj_str(&j, "source", st.kind == MEMWELL_SRC_SCHED ? "sched" : "gen");
			cj_str(&j, "context", ctx_name);
			cj_u64(&j, "producers", src.producers);
			cj_u64(&j, "size", src.record_size);
			cj_u64(&j, "records", st.records);
			cj_u64(&j, "bytes", st.bytes);
			cj_dbl(&j, "seconds", secs, 6);
			cj_dbl(&j, "records_per_s", st.records / secs, 0);
			cj_dbl(&j, "mb_per_s", st.bytes / secs / 1e6, 2);
			cj_u64(&j, "syscalls", sys);
			cj_u64(&j, "epoll_waits", epolls);
			cj_dbl(&j, "syscalls_per_1000", per1k, 3);
			cj_u64(&j, "lost", st.lost_recs);
			cj_u64(&j, "lost_marks", st.lost_marks);
			cj_u64(&j, "seq_gaps", st.seq_gaps);
			cj_u64(&j, "seq_errors", st.seq_errors);
			cj_u64(&j, "check_errors", st.check_errors);
			cj_str(&j, "check", alg);
			cj_u64(&j, "bad_records", st.bad_records);
			/* No kernel counters: null, never a made-up number. */
			if (have_ks) {
				cj_u64(&j, "drops", ks.dropped);
				cj_u64(&j, "kernel_produced", ks.produced);
				cj_u64(&j, "kernel_wakeups", ks.wakeups);
			} else {
				cj_null(&j, "drops");
				cj_null(&j, "kernel_produced");
				cj_null(&j, "kernel_wakeups");
			}
			cj_bool(&j, "ok", !rc);
			cj_end(&j);
		} else if (st.mode != 1 || st.records) {
			fprintf(st.mode ? stderr : stdout,
				"stream %s: %llu records, %llu B in %.3f s: %.0f rec/s, %.1f MB/s, "
				"%.2f syscalls/1000 rec (%llu epoll_wait, %llu lib)\n",
				st.kind == MEMWELL_SRC_SCHED ? "sched" : "gen",
				(unsigned long long)st.records, (unsigned long long)st.bytes, secs,
				st.records / secs, st.bytes / secs / 1e6, per1k,
				(unsigned long long)epolls, (unsigned long long)io.syscalls);
			if (st.kind == MEMWELL_SRC_GEN)
				fprintf(st.mode ? stderr : stdout,
					"  verify: %llu intact, seq gaps %llu, seq errors %llu, "
					"checksum (%s) errors %llu, bad %llu\n",
					(unsigned long long)st.gen_ok, (unsigned long long)st.seq_gaps,
					(unsigned long long)st.seq_errors, alg,
					(unsigned long long)st.check_errors,
					(unsigned long long)st.bad_records);
			fprintf(st.mode ? stderr : stdout,
				"  lost: %llu records (%llu B) in %llu LOST marks\n",
				(unsigned long long)st.lost_recs, (unsigned long long)st.lost_bytes,
				(unsigned long long)st.lost_marks);
			if (have_ks)
				fprintf(st.mode ? stderr : stdout,
					"  kernel: produced %llu dropped %llu wakeups %llu\n",
					(unsigned long long)ks.produced, (unsigned long long)ks.dropped,
					(unsigned long long)ks.wakeups);
			else
				fprintf(st.mode ? stderr : stdout, "  kernel: no counters (MEMWELL_IOC_STATS)\n");
		}
	}
	if (show_stat)
		cli_ring_stat(mw, "stream");
	close(ep);
	memwell_close(mw);
	free(st.next_seq);
	return rc;
}
