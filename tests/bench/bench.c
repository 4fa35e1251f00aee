// SPDX-License-Identifier: GPL-2.0
/*
 * memwell benchmark driver: records/s and GB/s of memwell against peers,
 * for 8 B, 64 B, 1 KiB and 16 KiB records, SPSC (1 producer, 1 consumer)
 * and MPMC (2 producers, 2 consumers), one record at a time and 16 per
 * batch.  This is a benchmark, not a test: it fails only when a transport
 * loses or corrupts records.
 *
 * The host moves the two vCPUs around and throughput changes several-fold
 * with it, so only ratios measured close together mean anything: every
 * repetition runs every cell, and within a cell every contender back to
 * back (round-robin, the starting contender rotating per repetition).
 * Each figure is the min / median / max over the repetitions; ratios are
 * given as median / median and per repetition (same cell, same rep).
 *
 * Threads: SPSC pins the producer to the first CPU and the consumer to the
 * second, and a side with nothing to do spins (pause).  MPMC pins producer
 * i and consumer i to CPU i (two threads per CPU: oversubscribed), and a
 * side with nothing to do calls sched_yield().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAXCONT 32U

static const struct bench_contender *contenders[MAXCONT] = {
	&bench_memwell_b8,
	&bench_memwell_b16,
	&bench_memwell_b64,
	&bench_lamport,
	&bench_boost,
	&bench_boost_bytes,
	&bench_ck,
	&bench_pipe,
	&bench_socketpair,
};
#define NBUILTIN 9U
static unsigned int NCONT = NBUILTIN;

static const unsigned int sizes[] = { 8, 64, 1024, 16384 };
#define NSIZES 4U
#define NCELLS (2U * NSIZES * 2U)	/* mode x size x batching */
#define MAXREPS 64U

struct cell {
	int mpmc;
	unsigned int size;
	unsigned int batch;
};

struct result {
	double rate[MAXREPS];
	int ok[MAXREPS];
	int runs;
	int bad;
};

static struct opts {
	unsigned int reps;
	double secs;
	unsigned int gap_ms;
	uint64_t ring_bytes;
	const char *filter;
	const char *csv;
	int quick;
	int mode;		/* 0: both, else BENCH_SPSC or BENCH_MPMC */
	int batching;		/* 0: both, 1: one at a time, 16: batched */
	unsigned int size;	/* 0: all sizes */
} opt = {
	.reps = 7,
	.secs = 0.3,
	.gap_ms = 70,
	.ring_bytes = 512 * 1024,
};

static int cpus[2];
static int ncpus;
static struct result results[NCELLS][MAXCONT];
static FILE *csv;

static struct cell cell_of(unsigned int i)
{
	struct cell c;

	c.mpmc = i / (NSIZES * 2);
	c.size = sizes[(i / 2) % NSIZES];
	c.batch = (i % 2) ? BENCH_BATCH : 1;
	return c;
}

/* Is @name one of the comma-separated names in @list? */
static int name_in_list(const char *name, const char *list)
{
	size_t n = strlen(name);

	while (*list) {
		size_t m = strcspn(list, ",");

		if (m == n && !strncmp(name, list, n))
			return 1;
		list += m + (list[m] == ',');
	}
	return 0;
}

static int cont_runs(const struct bench_contender *k, const struct cell *c)
{
	if (!(k->modes & (c->mpmc ? BENCH_MPMC : BENCH_SPSC)))
		return 0;
	if ((opt.mode && opt.mode != (int)(c->mpmc ? BENCH_MPMC : BENCH_SPSC)) ||
	    (opt.batching && opt.batching != (int)c->batch) ||
	    (opt.size && opt.size != c->size))
		return 0;
	if (opt.filter && !name_in_list(k->name, opt.filter) &&
	    strncmp(k->family, "memwell", 7))
		return 0;
	return 1;
}

static int is_memwell(const struct bench_contender *k)
{
	return !strcmp(k->family, "memwell");
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct thr_arg {
	struct bench_thr t;
	const struct bench_contender *k;
};

static void *thr_main(void *p)
{
	struct thr_arg *a = p;
	struct bench_thr *t = &a->t;
	struct bench_shared *sh = t->sh;
	struct bench_slot *slot;

	pin(t->cpu);
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&sh->go, __ATOMIC_ACQUIRE))
		sched_yield();
	if (t->is_prod) {
		a->k->producer(t);
		slot = &sh->prod[t->idx];
		slot->waits = t->waits;
		__atomic_store_n(&slot->count, t->count, __ATOMIC_RELAXED);
		slot->end_ns = bench_now();
		__atomic_add_fetch(&sh->prod_done, 1, __ATOMIC_RELEASE);
	} else {
		a->k->consumer(t);
		slot = &sh->cons[t->idx];
		slot->end_ns = bench_now();
		slot->sum = t->sum;
		slot->errors = t->errors;
		slot->waits = t->waits;
		__atomic_store_n(&slot->count, t->count, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* One measurement: returns records/s, or a negative value on failure. */
static double run_one(const struct bench_contender *k, const struct cell *c,
		      uint64_t *records, double *secs, uint64_t waits[2])
{
	struct bench_cfg cfg;
	struct bench_shared *sh;
	struct thr_arg *args;
	pthread_t tids[2 * BENCH_MAXT];
	uint64_t prod = 0, cons = 0, sum = 0, want = 0, errors = 0, end = 0;
	unsigned int i, n;
	size_t bufsz;
	double rate = -1;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.size = c->size;
	cfg.batch = c->batch;
	cfg.mpmc = c->mpmc;
	cfg.nprod = c->mpmc ? 2 : 1;
	cfg.ncons = c->mpmc ? 2 : 1;
	cfg.param = k->param;
	cfg.ring_bytes = opt.ring_bytes;
	n = cfg.nprod + cfg.ncons;

	sh = aligned_alloc(128, sizeof(*sh));
	args = calloc(n, sizeof(*args));
	if (!sh || !args) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memset(sh, 0, sizeof(*sh));
	sh->cfg = &cfg;
	err = k->setup(sh);
	if (err) {
		fprintf(stderr, "%s: setup failed: %s\n", k->name, strerror(-err));
		free(sh);
		free(args);
		return -1;
	}

	bufsz = BENCH_BATCH * ((size_t)c->size + 8) + 64;
	for (i = 0; i < n; i++) {
		struct bench_thr *t = &args[i].t;

		args[i].k = k;
		t->sh = sh;
		t->is_prod = i < cfg.nprod;
		t->idx = t->is_prod ? i : i - cfg.nprod;
		t->size = c->size;
		t->batch = c->batch;
		t->mpmc = c->mpmc;
		if (c->mpmc)
			t->cpu = cpus[t->idx % ncpus];
		else
			t->cpu = cpus[(t->is_prod ? 0 : 1) % ncpus];
		t->tag = t->is_prod ? (uint64_t)t->idx << BENCH_SEQ_BITS : 0;
		t->src = aligned_alloc(64, (bufsz + 63) & ~(size_t)63);
		t->dst = aligned_alloc(64, (bufsz + 63) & ~(size_t)63);
		if (!t->src || !t->dst) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		memset(t->src, 0xa5, bufsz);
		memset(t->dst, 0, bufsz);
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&tids[i], NULL, thr_main, &args[i])) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
	while (__atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE) < (int)n)
		sched_yield();
	sh->t0_ns = bench_now();
	__atomic_store_n(&sh->deadline_ns, sh->t0_ns + (uint64_t)(opt.secs * 1e9),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		pthread_join(tids[i], NULL);

	for (i = 0; i < cfg.nprod; i++) {
		uint64_t p = sh->prod[i].count;

		prod += p;
		want += p ? p * (p - 1) / 2 : 0;
		if (sh->prod[i].end_ns > end)
			end = sh->prod[i].end_ns;
	}
	for (i = 0; i < cfg.ncons; i++) {
		cons += sh->cons[i].count;
		sum += sh->cons[i].sum;
		errors += sh->cons[i].errors;
		if (sh->cons[i].end_ns > end)
			end = sh->cons[i].end_ns;
	}
	waits[0] = waits[1] = 0;
	for (i = 0; i < cfg.nprod; i++)
		waits[0] += sh->prod[i].waits;
	for (i = 0; i < cfg.ncons; i++)
		waits[1] += sh->cons[i].waits;
	*records = cons;
	*secs = (double)(end - sh->t0_ns) / 1e9;
	if (sh->fail || errors || prod != cons || sum != want || !cons)
		fprintf(stderr,
			"%s %s %u B batch %u: FAILED fail=%d errors=%llu produced=%llu consumed=%llu sum %s\n",
			k->name, c->mpmc ? "MPMC" : "SPSC", c->size, c->batch,
			sh->fail, (unsigned long long)errors,
			(unsigned long long)prod, (unsigned long long)cons,
			sum == want ? "ok" : "WRONG");
	else
		rate = (double)cons / *secs;

	k->teardown(sh);
	for (i = 0; i < n; i++) {
		free(args[i].t.src);
		free(args[i].t.dst);
	}
	free(args);
	free(sh);
	return rate;
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats {
	double min, med, max;
	int n;
};

static struct stats stats_of(const double *v, int n)
{
	double s[MAXREPS];
	struct stats st = { 0, 0, 0, n };

	if (!n)
		return st;
	memcpy(s, v, (size_t)n * sizeof(double));
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return st;
}

static struct stats result_stats(const struct result *r)
{
	double v[MAXREPS];
	int i, n = 0;

	for (i = 0; i < r->runs; i++)
		if (r->ok[i])
			v[n++] = r->rate[i];
	return stats_of(v, n);
}

/* Per-repetition ratios a / b over the repetitions where both ran. */
static struct stats ratio_stats(const struct result *a, const struct result *b)
{
	double v[MAXREPS];
	int i, n = 0;

	for (i = 0; i < a->runs && i < b->runs; i++)
		if (a->ok[i] && b->ok[i] && b->rate[i] > 0)
			v[n++] = a->rate[i] / b->rate[i];
	return stats_of(v, n);
}

/* The memwell block size with the best median in a cell, or -1. */
static int best_memwell(unsigned int ci)
{
	double best = -1;
	int bi = -1;
	unsigned int k;

	for (k = 0; k < NCONT; k++) {
		struct stats st;

		if (!is_memwell(contenders[k]) || results[ci][k].bad)
			continue;
		st = result_stats(&results[ci][k]);
		if (st.n && st.med > best) {
			best = st.med;
			bi = (int)k;
		}
	}
	return bi;
}

static int find_cont(const char *family)
{
	unsigned int k;

	for (k = 0; k < NCONT; k++)
		if (!strcmp(contenders[k]->name, family))
			return (int)k;
	return -1;
}

static unsigned int cell_index(int mpmc, unsigned int size, unsigned int batch)
{
	unsigned int s;

	for (s = 0; s < NSIZES; s++)
		if (sizes[s] == size)
			break;
	return (unsigned int)mpmc * NSIZES * 2 + s * 2 + (batch > 1);
}

static const char *fmt_rate(double r, char *buf, size_t n)
{
	if (r >= 1e6)
		snprintf(buf, n, "%.2f M", r / 1e6);
	else
		snprintf(buf, n, "%.1f k", r / 1e3);
	return buf;
}

static const char *size_name(unsigned int size, char *buf, size_t n)
{
	if (size >= 1024)
		snprintf(buf, n, "%u KiB", size / 1024);
	else
		snprintf(buf, n, "%u B", size);
	return buf;
}

static void print_cell(unsigned int ci)
{
	struct cell c = cell_of(ci);
	int best = best_memwell(ci);
	char b1[32], b2[32], b3[32], sz[16];
	unsigned int k, any = 0;

	for (k = 0; k < NCONT; k++)
		any |= results[ci][k].runs;
	if (!any)
		return;
	printf("\n%s %s, %s, %s\n", c.mpmc ? "MPMC 2P2C" : "SPSC 1P1C",
	       size_name(c.size, sz, sizeof(sz)),
	       c.batch > 1 ? "batched (16 records per batch)" : "one record at a time",
	       c.mpmc ? "yield when idle" : "spin when idle");
	printf("  %-13s %11s %11s %11s %9s %8s  %s\n", "contender", "min rec/s",
	       "median", "max", "GB/s med", "mw/peer", "per-rep mw/peer min/med/max");
	for (k = 0; k < NCONT; k++) {
		const struct result *r = &results[ci][k];
		struct stats st;

		if (!r->runs)
			continue;
		st = result_stats(r);
		printf("  %-12s%c ", contenders[k]->name, (int)k == best ? '*' : ' ');
		if (r->bad || !st.n) {
			printf("%11s\n", "FAILED");
			continue;
		}
		printf("%11s %11s %11s %9.2f", fmt_rate(st.min, b1, sizeof(b1)),
		       fmt_rate(st.med, b2, sizeof(b2)), fmt_rate(st.max, b3, sizeof(b3)),
		       st.med * c.size / 1e9);
		if (best >= 0 && !is_memwell(contenders[k])) {
			struct stats mw = result_stats(&results[ci][best]);
			struct stats rr = ratio_stats(&results[ci][best], r);

			printf(" %7.2fx  %.2f / %.2f / %.2f", mw.med / st.med,
			       rr.min, rr.med, rr.max);
		}
		printf("\n");
	}
}

struct verdicts {
	int total;
	int missed;
	int na;
};

/* Target: best memwell of cell a >= factor x contender of cell b. */
static void target(struct verdicts *v, const char *what, unsigned int ca,
		   unsigned int cb, const char *peer, double factor)
{
	int best = best_memwell(ca), p = find_cont(peer);
	struct stats mw, ps, rr;
	double ratio;

	v->total++;
	if (best < 0 || p < 0 || !results[cb][p].runs) {
		printf("  %-64s n/a (not measured)\n", what);
		v->na++;
		return;
	}
	mw = result_stats(&results[ca][best]);
	ps = result_stats(&results[cb][p]);
	if (results[cb][p].bad || !ps.n || !mw.n) {
		printf("  %-64s n/a (a measurement FAILED)\n", what);
		v->missed++;
		return;
	}
	rr = ratio_stats(&results[ca][best], &results[cb][p]);
	ratio = mw.med / ps.med;
	printf("  %-64s %6.2fx (per rep %.2f/%.2f/%.2f) %-11s %s\n", what, ratio,
	       rr.min, rr.med, rr.max, contenders[best]->name,
	       ratio >= factor ? "PASS" : "MISS");
	if (ratio < factor)
		v->missed++;
}

static const char *verdict(const struct verdicts *v)
{
	if (v->missed)
		return "MISS";
	return v->na == v->total ? "n/a" : "PASS";
}

/* The peer among @names with the best median in cell @ci, or NULL. */
static const char *best_peer(unsigned int ci, const char *const *names, unsigned int n)
{
	const char *bn = NULL;
	double best = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		int p = find_cont(names[i]);
		struct stats st;

		if (p < 0 || !results[ci][p].runs || results[ci][p].bad)
			continue;
		st = result_stats(&results[ci][p]);
		if (st.n && st.med > best) {
			best = st.med;
			bn = names[i];
		}
	}
	return bn;
}

/*
 * The host targets as restated by issue 10: SPSC >= 1.0x the best of
 * Lamport, Boost and ck_ring at 8, 64 and 1024 B, one at a time and
 * batched; MPMC >= 1.0x ck_ring in every cell under SCHED_OTHER, where
 * a thread can be preempted mid-operation, and >= 0.8x under SCHED_FIFO.
 */
static void print_targets_restated(void)
{
	static const char *const spsc_peers[] = { "lamport", "boost", "ck_ring" };
	static const unsigned int spsc_sizes[] = { 8, 64, 1024 };
	const bool fifo = sched_getscheduler(0) == SCHED_FIFO;
	const double mpmc_factor = fifo ? 0.8 : 1.0;
	struct verdicts v5 = { 0, 0, 0 }, v6 = { 0, 0, 0 };
	char what[128], sz[16];
	unsigned int s, b;

	printf("\nTargets restated (issue 10; ratio of medians; best memwell block size per cell)\n");
	for (s = 0; s < sizeof(spsc_sizes) / sizeof(spsc_sizes[0]); s++)
		for (b = 1; b <= BENCH_BATCH; b += BENCH_BATCH - 1) {
			unsigned int ci = cell_index(0, spsc_sizes[s], b);
			const char *peer = best_peer(ci, spsc_peers, 3);

			snprintf(what, sizeof(what), "S1 SPSC %s %s: memwell >= 1.0x best peer (%s)",
				 size_name(spsc_sizes[s], sz, sizeof(sz)),
				 b > 1 ? "batched" : "one", peer ? peer : "none");
			target(&v5, what, ci, ci, peer ? peer : "", 1.0);
		}
	printf("  => S1 %s (%d of %d cells missed)\n", verdict(&v5), v5.missed,
	       v5.total - v5.na);
	for (s = 0; s < NSIZES; s++)
		for (b = 1; b <= BENCH_BATCH; b += BENCH_BATCH - 1) {
			snprintf(what, sizeof(what), "M1 MPMC %s %s: memwell >= %.1fx ck_ring (%s)",
				 size_name(sizes[s], sz, sizeof(sz)),
				 b > 1 ? "batched" : "one", mpmc_factor,
				 fifo ? "SCHED_FIFO" : "SCHED_OTHER");
			target(&v6, what, cell_index(1, sizes[s], b),
			       cell_index(1, sizes[s], b), "ck_ring", mpmc_factor);
		}
	printf("  => M1 %s (%d of %d cells missed)\n", verdict(&v6), v6.missed,
	       v6.total - v6.na);
}

static void print_targets(void)
{
	struct verdicts v1 = { 0, 0, 0 }, v2 = { 0, 0, 0 }, v3 = { 0, 0, 0 },
			v4 = { 0, 0, 0 };
	char what[96], sz[16];
	unsigned int s, b;
	int m;

	printf("\nTargets (ratio of medians; best memwell block size per cell)\n");
	target(&v1, "T1 SPSC 64 B one-at-a-time: memwell >= 1.0x boost",
	       cell_index(0, 64, 1), cell_index(0, 64, 1), "boost", 1.0);
	printf("  => T1 %s\n", verdict(&v1));
	target(&v2, "T2 SPSC 64 B batched: memwell >= 3x boost one-at-a-time",
	       cell_index(0, 64, 16), cell_index(0, 64, 1), "boost", 3.0);
	printf("  => T2 %s\n", verdict(&v2));
	for (s = 0; s < NSIZES; s++)
		for (b = 1; b <= BENCH_BATCH; b += BENCH_BATCH - 1) {
			snprintf(what, sizeof(what), "T3 MPMC %s %s: memwell >= 1.0x ck_ring",
				 size_name(sizes[s], sz, sizeof(sz)),
				 b > 1 ? "batched" : "one");
			target(&v3, what, cell_index(1, sizes[s], b),
			       cell_index(1, sizes[s], b), "ck_ring", 1.0);
		}
	printf("  => T3 %s (%d of %d cells missed)\n", verdict(&v3), v3.missed,
	       v3.total - v3.na);
	/*
	 * The target as restated in issue 10: where a pipe's syscall carries
	 * one small record.  From 1 KiB on both copy at memcpy speed, and a
	 * batched pipe amortises its syscall (docs/benchmarks.md, T4).
	 */
	for (m = 0; m < 2; m++)
		for (s = 0; s < NSIZES; s++) {
			if (sizes[s] > 64)
				continue;
			snprintf(what, sizeof(what), "T4 %s %s one: memwell >= 10x pipe",
				 m ? "MPMC" : "SPSC", size_name(sizes[s], sz, sizeof(sz)));
			target(&v4, what, cell_index(m, sizes[s], 1),
			       cell_index(m, sizes[s], 1), "pipe", 10.0);
		}
	printf("  => T4 (>= 10x pipe for records up to 64 B one at a time) %s"
	       " (%d of %d cells missed)\n", verdict(&v4), v4.missed, v4.total - v4.na);
}

static void print_header(void)
{
	struct utsname u;
	char model[256] = "?", line[512];
	time_t now = time(NULL);
	FILE *f = fopen("/proc/cpuinfo", "r");
	int pol = sched_getscheduler(0);
	struct sched_param sp;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10)) {
				char *p = strchr(line, ':');

				if (p) {
					snprintf(model, sizeof(model), "%s", p + 2);
					model[strcspn(model, "\n")] = 0;
				}
				break;
			}
		fclose(f);
	}
	uname(&u);
	sched_getparam(0, &sp);
	printf("memwell benchmark  %s", ctime(&now));
	printf("machine: %ld CPUs online, %s, kernel %s\n", sysconf(_SC_NPROCESSORS_ONLN),
	       model, u.release);
	printf("cpus used: %d,%d  policy: %s prio %d\n", cpus[0], cpus[ncpus > 1],
	       pol == SCHED_FIFO ? "SCHED_FIFO" : pol == SCHED_RR ? "SCHED_RR" : "SCHED_OTHER",
	       sp.sched_priority);
	printf("ring %llu KiB, %u repetitions x %.2f s per measurement, %u ms gap%s\n",
	       (unsigned long long)(opt.ring_bytes / 1024), opt.reps, opt.secs,
	       opt.gap_ms, opt.quick ? "  (QUICK: smoke run, figures meaningless)" : "");
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--quick] [--reps N] [--secs S] [--gap-ms MS] [--ring-kib K]\n"
		"          [--filter NAME,...] [--mode spsc|mpmc] [--batch 1|16] [--size BYTES]\n"
		"          [--csv FILE]\n"
		"--filter, --mode, --batch and --size restrict the run (memwell always runs).\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int rep, ci, j, failures = 0;
	cpu_set_t set;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--quick")) {
			opt.quick = 1;
			opt.reps = 2;
			opt.secs = 0.01;
			opt.gap_ms = 2;
		} else if (!strcmp(a, "--reps") && i + 1 < argc) {
			opt.reps = (unsigned int)atoi(argv[++i]);
		} else if (!strcmp(a, "--secs") && i + 1 < argc) {
			opt.secs = atof(argv[++i]);
		} else if (!strcmp(a, "--gap-ms") && i + 1 < argc) {
			opt.gap_ms = (unsigned int)atoi(argv[++i]);
		} else if (!strcmp(a, "--ring-kib") && i + 1 < argc) {
			opt.ring_bytes = (uint64_t)atoll(argv[++i]) * 1024;
		} else if (!strcmp(a, "--filter") && i + 1 < argc) {
			opt.filter = argv[++i];
		} else if (!strcmp(a, "--mode") && i + 1 < argc) {
			i++;
			opt.mode = !strcmp(argv[i], "spsc") ? (int)BENCH_SPSC :
				   !strcmp(argv[i], "mpmc") ? (int)BENCH_MPMC : -1;
			if (opt.mode < 0)
				usage(argv[0]);
		} else if (!strcmp(a, "--batch") && i + 1 < argc) {
			opt.batching = atoi(argv[++i]);
			if (opt.batching != 1 && opt.batching != (int)BENCH_BATCH)
				usage(argv[0]);
		} else if (!strcmp(a, "--size") && i + 1 < argc) {
			opt.size = (unsigned int)atoi(argv[++i]);
		} else if (!strcmp(a, "--csv") && i + 1 < argc) {
			opt.csv = argv[++i];
		} else {
			usage(argv[0]);
		}
	}
	if (!opt.reps || opt.reps > MAXREPS || opt.secs <= 0 ||
	    opt.ring_bytes < 65536 || (opt.ring_bytes & (opt.ring_bytes - 1)))
		usage(argv[0]);

	if (&bench_extra_count && bench_extra_contenders)
		for (j = 0; j < bench_extra_count && NCONT < MAXCONT; j++)
			contenders[NCONT++] = bench_extra_contenders[j];

	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	for (i = 0; i < CPU_SETSIZE && ncpus < 2; i++)
		if (CPU_ISSET(i, &set))
			cpus[ncpus++] = i;
	if (ncpus < 2) {
		fprintf(stderr, "warning: only one CPU available, threads share it\n");
		cpus[1] = cpus[0];
	}
	if (opt.csv) {
		csv = fopen(opt.csv, "w");
		if (!csv) {
			perror(opt.csv);
			return 2;
		}
		fprintf(csv, "rep,mode,size,batch,contender,records,seconds,rate,prod_waits,cons_waits\n");
	}
	print_header();
	fflush(stdout);

	for (rep = 0; rep < opt.reps; rep++) {
		fprintf(stderr, "repetition %u/%u\n", rep + 1, opt.reps);
		for (ci = 0; ci < NCELLS; ci++) {
			struct cell c = cell_of(ci);

			for (j = 0; j < NCONT; j++) {
				unsigned int k = (j + rep + ci) % NCONT;
				struct result *r = &results[ci][k];
				uint64_t records = 0, waits[2] = { 0, 0 };
				double secs = 0, rate;

				if (!cont_runs(contenders[k], &c) || r->bad)
					continue;
				rate = run_one(contenders[k], &c, &records, &secs, waits);
				r->rate[r->runs] = rate;
				r->ok[r->runs] = rate > 0;
				r->runs++;
				if (rate <= 0) {
					r->bad = 1;
					failures++;
				}
				if (csv)
					fprintf(csv, "%u,%s,%u,%u,%s,%llu,%.6f,%.1f,%llu,%llu\n",
						rep, c.mpmc ? "mpmc" : "spsc", c.size, c.batch,
						contenders[k]->name,
						(unsigned long long)records, secs, rate,
						(unsigned long long)waits[0],
						(unsigned long long)waits[1]);
				if (opt.gap_ms)
					usleep(opt.gap_ms * 1000);
			}
		}
	}
	if (csv)
		fclose(csv);

	printf("\nrec/s = records per second (payload of the given size); GB/s = payload "
	       "bytes only.\n* = memwell block size with the best median in the cell; "
	       "mw/peer uses it.\n");
	for (ci = 0; ci < NCELLS; ci++)
		print_cell(ci);
	print_targets();
	print_targets_restated();
	if (failures)
		printf("\n%u measurement(s) FAILED: a transport lost or corrupted records\n",
		       failures);
	return failures ? 1 : 0;
}
