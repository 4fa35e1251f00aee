/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the user programs of `make bench-vm`: the record every
 * contender produces (struct memwell_gen_rec, then the memwell_gen_byte()
 * pattern, checked with memwell_gen_check()), a clock, and the one JSON
 * line each run prints.
 *
 * Placement: the consumer runs on CPU 0 and every producer (kthread, BPF
 * producer thread, pipe writer) on the other CPUs, so that no contender's
 * producer shares a CPU with its spinning consumer by the scheduler's
 * chance.  With one CPU nothing is pinned.
 *
 * MWB_FILL=header in the environment: producers write only the header
 * (gen's MEMWELL_GEN_F_HEADER_ONLY), the payload standing for data a
 * device put in place; a copying transport still moves the whole record.
 *
 * MWB_STAMP=1 (header fill, records of 24 B and up): the payload starts
 * with the CLOCK_MONOTONIC time of the commit, and a sleeping consumer
 * measures its wake-up latency: for each return from its wait that
 * delivers records, the time from the commit of the first (oldest) of
 * them to the consumer reading it.  MWB_RATE=N: each producer makes N
 * records a second instead of flat out (lone records: every one finds the
 * consumer asleep).
 */
#ifndef MWB_BENCH_H
#define MWB_BENCH_H

#include <dirent.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memwell.h"
#include "memwell_gen.h"

static inline double mwb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU 0 for the consumer (@consumer), the others for producers. */
static inline int mwb_cpus(cpu_set_t *set, int consumer)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), i;

	CPU_ZERO(set);
	if (n < 2)
		return -1;
	for (i = consumer ? 0 : 1; i < (consumer ? 1 : n) && i < CPU_SETSIZE; i++)
		CPU_SET(i, set);
	return 0;
}

/* Pin task @pid (0: the caller) to the consumer's or the producers' CPUs. */
static inline void mwb_pin(pid_t pid, int consumer)
{
	cpu_set_t set;

	if (!mwb_cpus(&set, consumer) && sched_setaffinity(pid, sizeof(set), &set))
		perror("sched_setaffinity");
}

/*
 * Pin the kernel threads whose name starts with @prefix (a producer the
 * kernel started for us: "memwell_gen/", "kfifo_bench") to the producers'
 * CPUs.  They are younger than we are: only larger pids are looked at, to
 * keep the time this takes out of the measurement.  Returns how many.
 */
static inline int mwb_pin_kthreads(const char *prefix)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d))) {
		char path[64], comm[64] = "";
		int pid = atoi(e->d_name);
		FILE *f;

		if (pid <= getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, prefix, strlen(prefix))) {
			mwb_pin(pid, 0);
			found++;
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* MWB_FILL=header: set by mwb_args(). */
static int mwb_header_only;

/* What a gen producer writes: header, pattern, checksum of the pattern. */
static inline void mwb_gen_fill(void *buf, unsigned int size, __u64 seq, __u32 producer)
{
	struct memwell_gen_rec *h = buf;

	h->seq = seq;
	h->producer = producer;
	h->check = mwb_header_only ? 0 :
		   memwell_gen_fill(h + 1, size - sizeof(*h), seq, producer);
}

/* What every consumer does with a record: look at its header. */
struct mwb_touch {
	__u64 records;
	__u64 seq_sum;
	__u64 bad;
};

static inline void mwb_touch(struct mwb_touch *t, const void *rec, unsigned int len,
			     unsigned int size)
{
	const struct memwell_gen_rec *h = rec;

	t->records++;
	if (len != size) {
		t->bad++;
		return;
	}
	t->seq_sum += h->seq;
}

/* Wake-up latencies in ns, a sample per wake-up (MWB_STAMP). */
struct mwb_lat {
	__u64 *v;
	size_t n, cap;
};

static inline __u64 mwb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* The stamp at the start of a stamped record's payload. */
static inline void mwb_lat_add(struct mwb_lat *l, const void *rec, unsigned int len)
{
	__u64 stamp, now = mwb_now_ns();

	if (len < sizeof(struct memwell_gen_rec) + sizeof(stamp))
		return;
	memcpy(&stamp, (const unsigned char *)rec + sizeof(struct memwell_gen_rec),
	       sizeof(stamp));
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		__u64 *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = now > stamp ? now - stamp : 0;
}

static int mwb_u64_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Percentile @p (0..100) in ns, or -1 without samples. */
static inline double mwb_lat_pct(struct mwb_lat *l, double p)
{
	size_t i;

	if (!l->n)
		return -1;
	qsort(l->v, l->n, sizeof(*l->v), mwb_u64_cmp);
	i = (size_t)(p / 100 * (double)(l->n - 1) + 0.5);
	return (double)l->v[i];
}

/* MWB_STAMP and MWB_RATE from the environment. */
static inline int mwb_stamp(void)
{
	const char *e = getenv("MWB_STAMP");

	return e && *e == '1';
}

static inline __u64 mwb_rate(void)
{
	const char *e = getenv("MWB_RATE");

	return e ? strtoull(e, NULL, 0) : 0;
}

struct mwb_result {
	const char *contender;
	const char *mode;	/* spin or sleep */
	unsigned int size, producers;
	__u64 count;		/* records attempted (all producers) */
	__u64 records;		/* records consumed */
	__u64 dropped;		/* records the producer dropped (ring full) */
	__u64 syscalls;		/* consumer syscalls in the measured loop */
	__u64 wakeups;		/* kernel wake-ups of the consumer (-1: unknown) */
	__u64 bad;
	double secs;
	struct mwb_lat lat;	/* wake-up latencies (MWB_STAMP) */
};

/* Prints one JSON line (sorts the latency samples). */
static inline void mwb_print(struct mwb_result *r)
{
	double s = r->secs > 0 ? r->secs : 1e-9;
	struct mwb_lat *lat = &r->lat;

	printf("{\"contender\":\"%s\",\"mode\":\"%s\",\"fill\":\"%s\","
	       "\"size\":%u,\"producers\":%u,"
	       "\"count\":%llu,\"records\":%llu,\"dropped\":%llu,\"secs\":%.6f,"
	       "\"records_per_s\":%.0f,\"syscalls\":%llu,\"syscalls_per_rec\":%.6f,"
	       "\"wakeups\":%lld,\"wakeups_per_rec\":%.6f,\"bad\":%llu,"
	       "\"rate\":%llu,\"lat_n\":%zu,\"lat_p50_us\":%.1f,\"lat_p99_us\":%.1f}\n",
	       r->contender, r->mode, mwb_header_only ? "header" : "pattern",
	       r->size, r->producers,
	       (unsigned long long)r->count, (unsigned long long)r->records,
	       (unsigned long long)r->dropped, r->secs, r->records / s,
	       (unsigned long long)r->syscalls,
	       r->records ? (double)r->syscalls / r->records : 0,
	       (long long)r->wakeups,
	       r->records && r->wakeups != (__u64)-1 ? (double)r->wakeups / r->records : -1,
	       (unsigned long long)r->bad, (unsigned long long)mwb_rate(), lat->n,
	       lat->n ? mwb_lat_pct(lat, 50) / 1e3 : -1, lat->n ? mwb_lat_pct(lat, 99) / 1e3 : -1);
	fflush(stdout);
}

/* argv: SIZE COUNT spin|sleep|sleep-wm|sleep-eager [PRODUCERS] */
static inline int mwb_args(int argc, char **argv, unsigned int *size, __u64 *count,
			   int *sleep, unsigned int *producers)
{
	const char *fill;

	if (argc < 4) {
		fprintf(stderr, "usage: %s SIZE COUNT spin|sleep|sleep-wm|sleep-eager [PRODUCERS]\n",
			argv[0]);
		return -1;
	}
	*size = (unsigned int)strtoul(argv[1], NULL, 0);
	*count = strtoull(argv[2], NULL, 0);
	/*
	 * 1: sleep; memwell's other wake policies (mwb_memwell): 2: sleep-wm,
	 * the watermark; 3: sleep-eager, MEMWELL_WAKE_EAGER (the default
	 * before the deferred wake-up)
	 */
	*sleep = !strcmp(argv[3], "sleep") ? 1 : !strcmp(argv[3], "sleep-wm") ? 2 :
		 !strcmp(argv[3], "sleep-eager") ? 3 : 0;
	*producers = argc > 4 ? (unsigned int)strtoul(argv[4], NULL, 0) : 1;
	mwb_pin(0, 1);		/* the consumer; producers pin themselves */
	fill = getenv("MWB_FILL");
	mwb_header_only = fill && !strcmp(fill, "header");
	if (fill && !mwb_header_only && strcmp(fill, "pattern")) {
		fprintf(stderr, "%s: MWB_FILL is pattern or header\n", argv[0]);
		return -1;
	}
	if (mwb_stamp() && (!mwb_header_only || *size < sizeof(struct memwell_gen_rec) + 8)) {
		fprintf(stderr, "%s: MWB_STAMP needs MWB_FILL=header and 24 B records\n", argv[0]);
		return -1;
	}
	if (*size < sizeof(struct memwell_gen_rec) || *size > 65536 || !*count ||
	    !*producers || *producers > 64 || (!*sleep && strcmp(argv[3], "spin"))) {
		fprintf(stderr, "%s: bad arguments\n", argv[0]);
		return -1;
	}
	return 0;
}

#endif /* MWB_BENCH_H */
