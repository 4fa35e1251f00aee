// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * memwell stress tester.
 *
 * Producers write records of pseudo-random length (16..300 bytes), each
 * carrying its producer id, a per-producer sequence number and a checksum
 * of everything else; consumers check every record: intact (length and
 * checksum), never a discarded one, each producer's sequence increasing in
 * every consumer's view, and - through one bitmap per producer in shared
 * memory - every (producer, seq) seen exactly once overall.  APIs are mixed
 * at random: single records (zero-copy and copy), batches, two records held
 * at once (committed / released out of order on multi-owner sides),
 * discards; peek/release, batch take, copy-out read.  A block-mode variant
 * stamps every block the same way.  Producers and consumers are threads,
 * forked processes, or exec'd processes that get the ring only by
 * SCM_RIGHTS (memwell_send_fd/memwell_recv_fd + memwell_attach_fd).
 *
 * Output is TAP, one line per configuration; the exit status is non-zero
 * if any failed.  A watchdog fails a run that makes no progress.  Block
 * configurations move F (default 5) times as many blocks as records.
 *
 *   stress [--quick] [--records N] [--config NAME[,NAME..]] [--list]
 *          [--producers P --consumers C [--blocks] [--procs threads|fork|exec]
 *           [--block-shift B] [--count-shift C]] [--api MASK] [--seed S]
 *          [--block-factor F] [--stall SEC] [--inject KIND]
 *
 * MW_STRESS_RECORDS / MW_STRESS_QUICK in the environment do the same as
 * --records / --quick.  --inject makes a worker misbehave on purpose
 * (corrupt, dup, lose, reorder, poison, stamp) to prove the checks fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MAXP		16
#define MAXC		16
#define REC_MIN		16
#define REC_MAX		300
#define POISON_ID	0xffffffffU

enum { MODE_THREADS, MODE_FORK, MODE_EXEC };

/* Producer and consumer operations (--api is a mask of these). */
enum {
	OP_REC = 1 << 0,	/* rec_reserve / fill / commit, or block reserve */
	OP_WRITE = 1 << 1,	/* rec_write (copy in) */
	OP_BATCH = 1 << 2,	/* batch_reserve / put / commit */
	OP_TWO = 1 << 3,	/* two held at once, out of order when multi */
	OP_DISCARD = 1 << 4,	/* rec_discard of a poison record */
	OP_PEEK = 1 << 5,	/* rec_peek / release */
	OP_TAKE = 1 << 6,	/* batch_take / next / release */
	OP_READ = 1 << 7,	/* rec_read (copy out) */
	OP_ALL = 0xff,
};

enum inject {
	INJ_NONE, INJ_CORRUPT, INJ_DUP, INJ_LOSE, INJ_REORDER, INJ_POISON, INJ_STAMP,
};
static const char *const inject_names[] = {
	"none", "corrupt", "dup", "lose", "reorder", "poison", "stamp",
};

struct cfg {
	const char *name;
	int blocks;		/* block mode, else records */
	int np, nc;
	int mode;
	__u32 bshift, cshift;
};

static const struct cfg default_cfgs[] = {
	{ "rec-1P1C-threads",	0, 1, 1, MODE_THREADS, 4, 14 },
	{ "rec-4P1C-threads",	0, 4, 1, MODE_THREADS, 5, 12 },
	{ "rec-1P4C-threads",	0, 1, 4, MODE_THREADS, 6, 11 },
	{ "rec-4P4C-threads",	0, 4, 4, MODE_THREADS, 4, 13 },
	{ "rec-4P4C-tiny-ring",	0, 4, 4, MODE_THREADS, 3, 9 },
	{ "rec-2P2C-fork",	0, 2, 2, MODE_FORK, 5, 12 },
	{ "rec-2P2C-exec-fdpass", 0, 2, 2, MODE_EXEC, 4, 12 },
	{ "blk-1P1C-threads",	1, 1, 1, MODE_THREADS, 4, 12 },
	{ "blk-4P4C-threads",	1, 4, 4, MODE_THREADS, 5, 10 },
	{ "blk-2P2C-fork",	1, 2, 2, MODE_FORK, 4, 11 },
};
#define NCFGS ((int)(sizeof(default_cfgs) / sizeof(default_cfgs[0])))

struct wstats {
	__u64 ops[8];		/* by OP_ bit */
	__u64 items;		/* records or blocks */
	__u64 eagain, ebusy, yields;
	__u64 pad[4];
};

/* Everything the workers share; in shared memory for processes. */
struct shared {
	__u64 size;
	__u32 np, nc, blocks, api;
	__u32 inject;
	__u32 oversub;
	__u64 total;
	__u64 per_prod[MAXP];
	__u64 bm_off[MAXP];	/* word offset of each producer's bitmap */
	__u64 seed;
	__u64 consumed;		/* items verified, flushed in chunks */
	__u64 produced;
	int stop;
	int failed;
	int done;
	char msg[512];
	struct wstats ps[MAXP], cs[MAXC];
	__u64 bitmap[];
};

/* ---- record and block contents ---- */

static inline __u64 mix64(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline __u64 rng(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline __u32 rec_len(const struct shared *sh, __u32 id, __u64 seq)
{
	return REC_MIN + (__u32)(mix64(sh->seed ^ ((__u64)id << 48) ^ seq) %
				 (REC_MAX - REC_MIN + 1));
}

static inline __u32 csum(const unsigned char *p, __u32 len)
{
	__u64 h = 0x84222325cbf29ce4ULL ^ len, w;
	__u32 i;

	/* Everything but the csum word (bytes 4..7). */
	memcpy(&w, p, 4);
	h = (h ^ (w & 0xffffffffULL)) * 0x100000001b3ULL;
	for (i = 8; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (__u32)(h ^ (h >> 32));
}

/* {id, csum, seq, pattern}: @len >= 16 bytes at @p. */
static inline void stamp(unsigned char *p, __u32 len, __u32 id, __u64 seq)
{
	__u64 s = mix64(((__u64)id << 40) ^ seq ^ 0x5bd1e995ULL) | 1, w;
	__u32 i, c;

	memcpy(p, &id, 4);
	memcpy(p + 8, &seq, 8);
	for (i = 16; i + 8 <= len; i += 8) {
		w = rng(&s);
		memcpy(p + i, &w, 8);
	}
	w = rng(&s);
	for (; i < len; i++, w >>= 8)
		p[i] = (unsigned char)w;
	c = csum(p, len);
	memcpy(p + 4, &c, 4);
}

/* ---- failure, progress ---- */

static int ncpus = 2;

static void fail(struct shared *sh, const char *fmt, ...)
{
	int zero = 0;

	if (__atomic_compare_exchange_n(&sh->failed, &zero, 1, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(sh->msg, sizeof(sh->msg), fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
}

static inline int stopped(const struct shared *sh)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

/* A call found nothing to do, or lost races: retry, yielding now and then. */
static inline void backoff(struct shared *sh, struct wstats *st, int err,
			   unsigned int *fails)
{
	if (err == -EBUSY)
		st->ebusy++;
	else
		st->eagain++;
	if (sh->oversub || !(++*fails & 31)) {
		st->yields++;
		sched_yield();
	}
}

/* ---- verification ---- */

struct checker {
	struct shared *sh;
	struct memwell_ring *r;
	struct wstats *st;
	__u64 last[MAXP];	/* last seq seen of each producer, + 1 */
	__u64 unflushed;
	int id;
	int injected;
};

static int check_item(struct checker *k, const unsigned char *p, __u32 len,
		      int in_ring)
{
	struct shared *sh = k->sh;
	__u32 id, c;
	__u64 seq, bit, old;

	if (sh->inject == INJ_CORRUPT && k->id == 0 && !k->injected &&
	    __atomic_load_n(&sh->consumed, __ATOMIC_RELAXED) + k->unflushed >
	    sh->total / 3) {
		k->injected = 1;	/* one bit flipped "in the ring" */
		((unsigned char *)p)[len - 1] ^= 0x10;
	}
	if (!sh->blocks && (len < REC_MIN || len > REC_MAX)) {
		fail(sh, "consumer %d: record of %u bytes", k->id, len);
		return -1;
	}
	if (in_ring && ((const unsigned char *)p < k->r->data ||
			p + len > k->r->data + 2 * (k->r->count << k->r->block_shift))) {
		fail(sh, "consumer %d: record outside the data mapping", k->id);
		return -1;
	}
	memcpy(&id, p, 4);
	memcpy(&c, p + 4, 4);
	memcpy(&seq, p + 8, 8);
	if (id == POISON_ID) {
		fail(sh, "consumer %d: a discarded record was delivered", k->id);
		return -1;
	}
	if (id >= sh->np || seq >= sh->per_prod[id]) {
		fail(sh, "consumer %d: bad id %u / seq %llu", k->id, id,
		     (unsigned long long)seq);
		return -1;
	}
	if (!sh->blocks && len != rec_len(sh, id, seq)) {
		fail(sh, "consumer %d: producer %u seq %llu: length %u, expected %u",
		     k->id, id, (unsigned long long)seq, len, rec_len(sh, id, seq));
		return -1;
	}
	if (c != csum(p, len)) {
		fail(sh, "consumer %d: producer %u seq %llu: checksum mismatch "
		     "(payload corrupt)", k->id, id, (unsigned long long)seq);
		return -1;
	}
	if (seq < k->last[id]) {
		fail(sh, "consumer %d: producer %u: seq %llu after %llu (order)",
		     k->id, id, (unsigned long long)seq,
		     (unsigned long long)k->last[id] - 1);
		return -1;
	}
	k->last[id] = seq + 1;
	bit = 1ULL << (seq & 63);
	old = __atomic_fetch_or(&sh->bitmap[sh->bm_off[id] + seq / 64], bit,
				__ATOMIC_RELAXED);
	if (old & bit) {
		fail(sh, "consumer %d: producer %u seq %llu seen twice", k->id, id,
		     (unsigned long long)seq);
		return -1;
	}
	k->st->items++;
	if (++k->unflushed >= 256) {
		__atomic_fetch_add(&sh->consumed, k->unflushed, __ATOMIC_RELAXED);
		k->unflushed = 0;
	}
	return 0;
}

/* Flush; true when every item has been consumed (or the run stops). */
static int consumer_finished(struct checker *k)
{
	struct shared *sh = k->sh;

	if (k->unflushed) {
		__atomic_fetch_add(&sh->consumed, k->unflushed, __ATOMIC_RELAXED);
		k->unflushed = 0;
	}
	return stopped(sh) ||
	       __atomic_load_n(&sh->consumed, __ATOMIC_RELAXED) >= sh->total;
}

/* ---- workers ---- */

static __u32 pick_op(__u64 *s, __u32 allowed)
{
	for (;;) {
		__u32 op = 1U << (rng(s) % 8);

		if (op & allowed)
			return op;
	}
}

static void produced(struct shared *sh, struct wstats *st, __u64 n)
{
	st->items += n;
	__atomic_fetch_add(&sh->produced, n, __ATOMIC_RELAXED);
}

static void rec_producer(struct shared *sh, struct memwell_ring *r, int id)
{
	struct wstats *st = &sh->ps[id];
	int multi = __memwell_side_multi(r, MEMWELL_SIDE_PROD);
	__u32 allowed = sh->api & (OP_REC | OP_WRITE | OP_BATCH | OP_TWO | OP_DISCARD);
	__u64 s = mix64(sh->seed + 1000 + (__u64)id) | 1, seq = 0, n = sh->per_prod[id];
	unsigned char buf[REC_MAX];
	unsigned int fails = 0;
	int e, lost = 0;

	if (!allowed)
		allowed = OP_REC;
	while (seq < n && !stopped(sh)) {
		__u32 op = pick_op(&s, allowed);
		struct memwell_rec a = { .len = 0 }, b = { .len = 0 };
		struct memwell_batch bt = { .used = 0 };
		__u32 len = rec_len(sh, (__u32)id, seq);

		if (sh->inject == INJ_LOSE && id == 0 && !lost && seq >= n / 2) {
			lost = 1;
			seq++;		/* skip one: consumers never see it */
			continue;
		}
		switch (op) {
		case OP_REC:
			e = memwell_rec_reserve(r, len, &a);
			if (e)
				break;
			stamp(a.data, len, (__u32)id, seq);
			e = memwell_rec_commit(r, &a);
			if (e) {
				fail(sh, "producer %d: commit: %d", id, e);
				return;
			}
			seq++;
			produced(sh, st, 1);
			break;
		case OP_WRITE:
			stamp(buf, len, (__u32)id, seq);
			e = memwell_rec_write(r, buf, len);
			if (e)
				break;
			seq++;
			produced(sh, st, 1);
			break;
		case OP_BATCH: {
			__u64 minb = memwell_rec_blocks(r, len);
			__u32 want = 1 + (__u32)(rng(&s) % 48), put = 0;
			void *p;

			e = memwell_batch_reserve(r, minb, minb + rng(&s) % 96, &bt);
			if (e < 0)
				break;
			e = 0;
			while (put < want && seq < n &&
			       (p = memwell_batch_put(r, &bt,
						      rec_len(sh, (__u32)id, seq)))) {
				stamp(p, rec_len(sh, (__u32)id, seq), (__u32)id, seq);
				seq++;
				put++;
			}
			if (!put) {
				fail(sh, "producer %d: a batch of %llu blocks took no "
				     "record of %llu blocks", id,
				     (unsigned long long)bt.span.n,
				     (unsigned long long)minb);
				return;
			}
			e = memwell_batch_commit(r, &bt);
			if (e != (int)put) {
				fail(sh, "producer %d: batch commit: %d (put %u)", id, e, put);
				return;
			}
			e = 0;
			produced(sh, st, put);
			break;
		}
		case OP_TWO: {
			__u32 len2;

			if (seq + 1 >= n)
				continue;
			e = memwell_rec_reserve(r, len, &a);
			if (e)
				break;
			stamp(a.data, len, (__u32)id, seq);
			len2 = rec_len(sh, (__u32)id, seq + 1);
			/* Once only: spinning while holding a could wedge the ring. */
			if (memwell_rec_reserve(r, len2, &b)) {
				if ((e = memwell_rec_commit(r, &a))) {
					fail(sh, "producer %d: commit: %d", id, e);
					return;
				}
				seq++;
				produced(sh, st, 1);
				break;
			}
			stamp(b.data, len2, (__u32)id, seq + 1);
			if (multi)
				e = memwell_rec_commit(r, &b) | memwell_rec_commit(r, &a);
			else
				e = memwell_rec_commit(r, &a) | memwell_rec_commit(r, &b);
			if (e) {
				fail(sh, "producer %d: commit of two: %d", id, e);
				return;
			}
			seq += 2;
			produced(sh, st, 2);
			break;
		}
		case OP_DISCARD: {
			__u32 dl = REC_MIN + (__u32)(rng(&s) % (REC_MAX - REC_MIN));

			if (rng(&s) % 8) {	/* rarer than the rest */
				e = 0;
				continue;
			}
			e = memwell_rec_reserve(r, dl, &a);
			if (e)
				break;
			stamp(a.data, dl, POISON_ID, 0);
			if (sh->inject == INJ_POISON && id == 0)
				e = memwell_rec_commit(r, &a);	/* "forgot" to discard */
			else
				e = memwell_rec_discard(r, &a);
			if (e) {
				fail(sh, "producer %d: discard: %d", id, e);
				return;
			}
			break;
		}
		default:
			continue;
		}
		if (e == -EAGAIN || e == -EBUSY) {
			backoff(sh, st, e, &fails);
			continue;
		}
		if (e) {
			fail(sh, "producer %d: op %#x: error %d", id, op, e);
			return;
		}
		st->ops[__builtin_ctz(op)]++;
	}
}

static void rec_consumer(struct shared *sh, struct memwell_ring *r, int id)
{
	struct checker k = { .sh = sh, .r = r, .st = &sh->cs[id], .id = id };
	int multi = __memwell_side_multi(r, MEMWELL_SIDE_CONS);
	__u32 allowed = sh->api & (OP_PEEK | OP_TAKE | OP_READ | OP_TWO);
	__u64 s = mix64(sh->seed + 2000 + (__u64)id) | 1;
	unsigned char buf[REC_MAX + 64];
	unsigned int fails = 0;
	long e;

	if (!allowed)
		allowed = OP_PEEK;
	for (;;) {
		__u32 op = pick_op(&s, allowed);
		struct memwell_rec a = { .len = 0 }, b = { .len = 0 };
		struct memwell_batch bt = { .used = 0 };

		switch (op) {
		case OP_PEEK:
			e = memwell_rec_peek(r, &a);
			if (e)
				break;
			if (check_item(&k, a.data, a.len, 1))
				return;
			if (sh->inject == INJ_DUP && id == 0 && !k.injected &&
			    k.st->items >= 1000) {
				k.injected = 1;	/* the same record counted again */
				memset(k.last, 0, sizeof(k.last));
				if (check_item(&k, a.data, a.len, 1))
					return;
			}
			e = memwell_rec_release(r, &a);
			break;
		case OP_TAKE: {
			int n, got = 0;

			e = n = memwell_batch_take(r, 1 + (__u32)(rng(&s) % 32),
						   r->count, ~0ULL, &bt);
			if (n < 0)
				break;
			while ((e = memwell_batch_next(r, &bt, &a)) == 0) {
				if (check_item(&k, a.data, a.len, 1))
					return;
				got++;
			}
			if (e != -ENOENT || got != n) {
				fail(sh, "consumer %d: batch of %d gave %d records, then %ld",
				     id, n, got, e);
				return;
			}
			e = memwell_batch_release(r, &bt);
			break;
		}
		case OP_READ:
			e = memwell_rec_read(r, buf, sizeof(buf));
			if (e < 0)
				break;
			if (check_item(&k, buf, (__u32)e, 0))
				return;
			e = 0;
			break;
		case OP_TWO:
			e = memwell_rec_peek(r, &a);
			if (e)
				break;
			if (memwell_rec_peek(r, &b)) {
				if (check_item(&k, a.data, a.len, 1))
					return;
				e = memwell_rec_release(r, &a);
				break;
			}
			/*
			 * Swapped, two records of one producer are out of its
			 * order; two of different producers would not be.
			 */
			if (sh->inject == INJ_REORDER && id == 0 && !k.injected &&
			    k.st->items > 1000 && a.len >= 4 && b.len >= 4 &&
			    !memcmp(a.data, b.data, 4)) {
				k.injected = 1;	/* look at them the wrong way round */
				if (check_item(&k, b.data, b.len, 1) ||
				    check_item(&k, a.data, a.len, 1))
					return;
			} else if (check_item(&k, a.data, a.len, 1) ||
				   check_item(&k, b.data, b.len, 1)) {
				return;
			}
			if (multi)
				e = memwell_rec_release(r, &b) | memwell_rec_release(r, &a);
			else
				e = memwell_rec_release(r, &a) | memwell_rec_release(r, &b);
			break;
		default:
			continue;
		}
		if (e == -EAGAIN || e == -EBUSY) {
			if (consumer_finished(&k))
				return;
			backoff(sh, k.st, (int)e, &fails);
			continue;
		}
		if (e) {
			fail(sh, "consumer %d: op %#x: error %ld", id, op, e);
			return;
		}
		k.st->ops[__builtin_ctz(op)]++;
		if (stopped(sh))
			return;
	}
}

static void blk_producer(struct shared *sh, struct memwell_ring *r, int id)
{
	struct wstats *st = &sh->ps[id];
	int multi = __memwell_side_multi(r, MEMWELL_SIDE_PROD);
	__u32 bs = 1U << r->block_shift;
	__u64 s = mix64(sh->seed + 3000 + (__u64)id) | 1, seq = 0, n = sh->per_prod[id];
	unsigned int fails = 0;
	int lost = 0;

	while (seq < n && !stopped(sh)) {
		struct memwell_span a, b;
		__u64 want = 1 + rng(&s) % 64, i;
		int two = (sh->api & OP_TWO) && !(rng(&s) % 4), e;

		if (sh->inject == INJ_LOSE && id == 0 && !lost && seq >= n / 2) {
			lost = 1;
			seq++;
			produced(sh, st, 1);	/* claimed, never written */
			continue;
		}
		if (want > n - seq)
			want = n - seq;
		e = memwell_reserve(r, MEMWELL_SIDE_PROD, 1, want, &a);
		if (e == -EAGAIN || e == -EBUSY) {
			backoff(sh, st, e, &fails);
			continue;
		}
		if (e < 0) {
			fail(sh, "producer %d: reserve: %d", id, e);
			return;
		}
		for (i = 0; i < a.n; i++)
			stamp(memwell_block(r, a.pos + i), bs, (__u32)id, seq++);
		b.n = 0;
		if (two && seq < n &&
		    memwell_reserve(r, MEMWELL_SIDE_PROD, 1, n - seq < 8 ? n - seq : 8, &b) > 0)
			for (i = 0; i < b.n; i++)
				stamp(memwell_block(r, b.pos + i), bs, (__u32)id, seq++);
		if (sh->inject == INJ_STAMP && id == 0 && !lost && seq > n / 2) {
			lost = 1;	/* one bit of one block flipped */
			((unsigned char *)memwell_block(r, a.pos))[bs - 1] ^= 1;
		}
		if (b.n && multi)
			e = memwell_release(r, MEMWELL_SIDE_PROD, &b) |
			    memwell_release(r, MEMWELL_SIDE_PROD, &a);
		else
			e = memwell_release(r, MEMWELL_SIDE_PROD, &a) |
			    (b.n ? memwell_release(r, MEMWELL_SIDE_PROD, &b) : 0);
		if (e) {
			fail(sh, "producer %d: release: %d", id, e);
			return;
		}
		st->ops[__builtin_ctz(b.n ? OP_TWO : OP_REC)]++;
		produced(sh, st, a.n + b.n);
	}
}

static void blk_consumer(struct shared *sh, struct memwell_ring *r, int id)
{
	struct checker k = { .sh = sh, .r = r, .st = &sh->cs[id], .id = id };
	int multi = __memwell_side_multi(r, MEMWELL_SIDE_CONS);
	__u32 bs = 1U << r->block_shift;
	__u64 s = mix64(sh->seed + 4000 + (__u64)id) | 1;
	unsigned int fails = 0;

	for (;;) {
		struct memwell_span a, b;
		__u64 i;
		int two = (sh->api & OP_TWO) && !(rng(&s) % 4), e;

		e = memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 1 + rng(&s) % 64, &a);
		if (e == -EAGAIN || e == -EBUSY) {
			if (consumer_finished(&k))
				return;
			backoff(sh, k.st, e, &fails);
			continue;
		}
		if (e < 0) {
			fail(sh, "consumer %d: reserve: %d", id, e);
			return;
		}
		for (i = 0; i < a.n; i++)
			if (check_item(&k, memwell_block(r, a.pos + i), bs, 1))
				return;
		b.n = 0;
		if (two && memwell_reserve(r, MEMWELL_SIDE_CONS, 1, 8, &b) > 0)
			for (i = 0; i < b.n; i++)
				if (check_item(&k, memwell_block(r, b.pos + i), bs, 1))
					return;
		if (b.n && multi)
			e = memwell_release(r, MEMWELL_SIDE_CONS, &b) |
			    memwell_release(r, MEMWELL_SIDE_CONS, &a);
		else
			e = memwell_release(r, MEMWELL_SIDE_CONS, &a) |
			    (b.n ? memwell_release(r, MEMWELL_SIDE_CONS, &b) : 0);
		if (e) {
			fail(sh, "consumer %d: release: %d", id, e);
			return;
		}
		k.st->ops[__builtin_ctz(b.n ? OP_TWO : OP_REC)]++;
		if (stopped(sh))
			return;
	}
}

static void run_role(struct shared *sh, struct memwell_ring *r, int cons, int id)
{
	if (sh->blocks)
		(cons ? blk_consumer : blk_producer)(sh, r, id);
	else
		(cons ? rec_consumer : rec_producer)(sh, r, id);
	__atomic_fetch_add(&sh->done, 1, __ATOMIC_RELEASE);
}

struct thr {
	struct shared *sh;
	struct memwell_ring *r;
	int cons, id;
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;

	run_role(t->sh, t->r, t->cons, t->id);
	return NULL;
}

/* ---- one configuration ---- */

struct opts {
	__u64 records;
	__u64 block_factor;
	__u64 seed;
	__u32 api;
	int stall;
	int inject;
	int verbose;
};

static struct shared *shared_new(const struct cfg *c, const struct opts *o,
				 __u64 total, int *fdp)
{
	__u64 words = 0, size;
	struct shared *sh;
	int i, fd = -1;

	for (i = 0; i < c->np; i++)
		words += (total / (__u64)c->np + 1) / 64 + 1;
	size = (sizeof(*sh) + words * 8 + 4095) & ~4095ULL;
	if (fdp) {	/* exec'd children map it from a memfd */
		fd = memfd_create("memwell-stress", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)size))
			return NULL;
		sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	} else {
		sh = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	}
	if (sh == MAP_FAILED)
		return NULL;
	memset(sh, 0, sizeof(*sh));
	sh->size = size;
	sh->np = (__u32)c->np;
	sh->nc = (__u32)c->nc;
	sh->blocks = (__u32)c->blocks;
	sh->api = o->api;
	sh->inject = (__u32)o->inject;
	sh->oversub = c->np + c->nc > ncpus;
	sh->seed = o->seed;
	sh->total = total;
	words = 0;
	for (i = 0; i < c->np; i++) {
		sh->per_prod[i] = total / (__u64)c->np + ((__u64)i < total % (__u64)c->np);
		sh->bm_off[i] = words;
		words += sh->per_prod[i] / 64 + 1;
	}
	if (fdp)
		*fdp = fd;
	return sh;
}

/* Every bit of every producer's bitmap set, and nothing past its count. */
static int check_bitmaps(struct shared *sh)
{
	__u32 p;

	for (p = 0; p < sh->np; p++) {
		__u64 n = sh->per_prod[p], i, missing = 0, first = ~0ULL;

		for (i = 0; i < n; i++)
			if (!(sh->bitmap[sh->bm_off[p] + i / 64] & (1ULL << (i & 63)))) {
				if (first == ~0ULL)
					first = i;
				missing++;
			}
		if (missing) {
			printf("# producer %u: %llu of %llu never consumed (first: seq %llu)\n",
			       p, (unsigned long long)missing, (unsigned long long)n,
			       (unsigned long long)first);
			return -1;
		}
	}
	return 0;
}

static void dump_ring(struct memwell_ring *r)
{
	struct memwell_side *ps = r->side[MEMWELL_SIDE_PROD], *cs = r->side[MEMWELL_SIDE_CONS];

#define LD(x) ((unsigned long long)__atomic_load_n(&(x), __ATOMIC_RELAXED))
	printf("# ring: prod reserve %llu release %llu limit %llu | "
	       "cons reserve %llu release %llu limit %llu\n",
	       LD(ps->reserve_pos), LD(ps->release_pos), LD(ps->limit_cache),
	       LD(cs->reserve_pos), LD(cs->release_pos), LD(cs->limit_cache));
#undef LD
}

static pid_t spawn(const struct cfg *c, struct shared *sh, struct memwell *mw,
		   int shfd, int cons, int id)
{
	int sv[2] = { -1, -1 };
	pid_t pid;

	if (c->mode == MODE_EXEC &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (c->mode == MODE_FORK) {
			run_role(sh, memwell_get_ring(mw), cons, id);
			_exit(__atomic_load_n(&sh->failed, __ATOMIC_RELAXED) ? 1 : 0);
		} else {
			char a1[16], a2[16], a3[16];
			int s = dup(sv[1]);	/* survives exec */

			snprintf(a1, sizeof(a1), "%d", cons);
			snprintf(a2, sizeof(a2), "%d", id);
			snprintf(a3, sizeof(a3), "%d", s);
			execl("/proc/self/exe", "stress", "--child", a1, a2, a3,
			      (char *)NULL);
			_exit(127);
		}
	}
	if (c->mode == MODE_EXEC) {
		close(sv[1]);
		if (memwell_send_fd(sv[0], memwell_fd(mw)) ||
		    memwell_send_fd(sv[0], shfd)) {
			close(sv[0]);
			kill(pid, SIGKILL);
			return -1;
		}
		close(sv[0]);
	}
	return pid;
}

/* Exec'd child: everything comes over the socket. */
static int child_main(int cons, int id, int sock)
{
	struct memwell *mw = NULL;
	struct shared *sh;
	struct stat st;
	int rfd = memwell_recv_fd(sock), sfd = memwell_recv_fd(sock), err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(sock);
	if (rfd < 0 || sfd < 0 || fstat(sfd, &st))
		return 10;
	sh = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	if (sh == MAP_FAILED)
		return 11;
	err = memwell_attach_fd(rfd, &mw);
	if (err) {
		fail(sh, "exec'd %s %d: memwell_attach_fd: %d",
		     cons ? "consumer" : "producer", id, err);
		return 12;
	}
	run_role(sh, memwell_get_ring(mw), cons, id);
	err = __atomic_load_n(&sh->failed, __ATOMIC_RELAXED) ? 1 : 0;
	memwell_close(mw);
	return err;
}

static int run_cfg(const struct cfg *c, const struct opts *o, int tapn)
{
	struct memwell_opts mo = { .size = sizeof(mo) };
	struct memwell *mw = NULL;
	struct memwell_ring *r;
	struct shared *sh;
	int shfd = -1, i, err, nw = c->np + c->nc, ok;
	struct thr thr[MAXP + MAXC];
	pthread_t th[MAXP + MAXC];
	pid_t pids[MAXP + MAXC];
	double t0, t1, last_t;
	__u64 last = ~0ULL;

	if (c->np < 1 || c->np > MAXP || c->nc < 1 || c->nc > MAXC) {
		t_diag("%s: bad configuration", c->name);
		t_report(tapn, T_FAIL, c->name, -1);
		return 1;
	}
	mo.flags = (c->blocks ? 0 : MEMWELL_F_RECORDS) |
		   (c->np > 1 ? MEMWELL_F_PROD_MULTI : 0) |
		   (c->nc > 1 ? MEMWELL_F_CONS_MULTI : 0);
	mo.block_shift = c->bshift;
	mo.count_shift = c->cshift;
	if (c->blocks && c->bshift < 4) {
		t_diag("%s: block mode needs 16-byte blocks", c->name);
		t_report(tapn, T_FAIL, c->name, -1);
		return 1;
	}
	err = memwell_create_local(&mo, &mw);
	if (err) {
		t_diag("%s: memwell_create_local: %d", c->name, err);
		t_report(tapn, T_FAIL, c->name, -1);
		return 1;
	}
	r = memwell_get_ring(mw);
	if (!c->blocks && r->rec_max < REC_MAX) {
		t_diag("%s: ring too small for %d-byte records", c->name, REC_MAX);
		t_report(tapn, T_FAIL, c->name, -1);
		memwell_close(mw);
		return 1;
	}
	/* Blocks are cheap: block mode moves block_factor times as many. */
	sh = shared_new(c, o, o->records * (c->blocks ? o->block_factor : 1),
			c->mode == MODE_EXEC ? &shfd : NULL);
	if (!sh) {
		t_diag("%s: no shared memory", c->name);
		t_report(tapn, T_FAIL, c->name, -1);
		memwell_close(mw);
		return 1;
	}

	t0 = t_now();
	for (i = 0; i < nw; i++) {
		int cons = i >= c->np, id = cons ? i - c->np : i;

		if (c->mode == MODE_THREADS) {
			thr[i] = (struct thr){ sh, r, cons, id };
			if (pthread_create(&th[i], NULL, thread_main, &thr[i])) {
				fail(sh, "pthread_create failed");
				break;
			}
		} else {
			pids[i] = spawn(c, sh, mw, shfd, cons, id);
			if (pids[i] < 0) {
				fail(sh, "spawning %d failed", i);
				break;
			}
		}
	}
	nw = i;		/* workers started */

	/* Watchdog: progress or bust. */
	last_t = t_now();
	while (__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) < (int)nw) {
		__u64 p = __atomic_load_n(&sh->produced, __ATOMIC_RELAXED) +
			  __atomic_load_n(&sh->consumed, __ATOMIC_RELAXED);
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (p != last) {
			last = p;
			last_t = t_now();
		} else if (t_now() - last_t > o->stall && !stopped(sh)) {
			fail(sh, "no progress for %d s (produced %llu, consumed %llu of %llu)",
			     o->stall,
			     (unsigned long long)__atomic_load_n(&sh->produced, __ATOMIC_RELAXED),
			     (unsigned long long)__atomic_load_n(&sh->consumed, __ATOMIC_RELAXED),
			     (unsigned long long)sh->total);
			dump_ring(r);
		}
		if (c->mode != MODE_THREADS) {	/* a child that died */
			for (i = 0; i < nw; i++) {
				int st;

				if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
					pids[i] = 0;
					if (!WIFEXITED(st) || WEXITSTATUS(st))
						fail(sh, "worker process %d exited with status %#x",
						     i, st);
				}
			}
			if (stopped(sh) && t_now() - last_t > o->stall + 10)
				break;	/* stuck despite stop: kill below */
		}
	}
	if (c->mode == MODE_THREADS) {
		for (i = 0; i < nw; i++)
			pthread_join(th[i], NULL);
	} else {
		for (i = 0; i < nw; i++) {
			int st;

			if (pids[i] <= 0)
				continue;
			if (stopped(sh))
				kill(pids[i], SIGKILL);
			if (waitpid(pids[i], &st, 0) == pids[i] && !stopped(sh) &&
			    (!WIFEXITED(st) || WEXITSTATUS(st)))
				fail(sh, "worker process %d exited with status %#x", i, st);
		}
	}
	t1 = t_now();

	/* Final checks: everything consumed once, the ring empty and settled. */
	if (!sh->failed) {
		__u64 cons = 0, prod = 0;

		for (i = 0; i < c->nc; i++)
			cons += sh->cs[i].items;
		for (i = 0; i < c->np; i++)
			prod += sh->ps[i].items;
		if (prod != sh->total || cons != sh->total)
			fail(sh, "produced %llu, consumed %llu, expected %llu",
			     (unsigned long long)prod, (unsigned long long)cons,
			     (unsigned long long)sh->total);
		else if (check_bitmaps(sh))
			fail(sh, "records lost");
		while (__memwell_side_multi(r, MEMWELL_SIDE_PROD) &&
		       __memwell_side_sweep(r, MEMWELL_SIDE_PROD))
			;
		while (__memwell_side_multi(r, MEMWELL_SIDE_CONS) &&
		       __memwell_side_sweep(r, MEMWELL_SIDE_CONS))
			;
		if (!sh->failed && (memwell_ready_blocks(r) ||
				    r->side[MEMWELL_SIDE_PROD]->release_pos !=
				    r->side[MEMWELL_SIDE_PROD]->reserve_pos ||
				    r->side[MEMWELL_SIDE_CONS]->release_pos !=
				    r->side[MEMWELL_SIDE_CONS]->reserve_pos ||
				    memwell_free_blocks(r) != r->count)) {
			dump_ring(r);
			fail(sh, "ring not empty and settled at the end");
		}
	}

	ok = !sh->failed;
	if (!ok)
		check_bitmaps(sh);	/* says what went missing, if anything */
	{
		__u64 eag = 0, busy = 0, yl = 0, ops[8] = { 0 };
		int j;

		for (i = 0; i < c->np; i++) {
			eag += sh->ps[i].eagain;
			busy += sh->ps[i].ebusy;
			yl += sh->ps[i].yields;
			for (j = 0; j < 8; j++)
				ops[j] += sh->ps[i].ops[j];
		}
		for (i = 0; i < c->nc; i++) {
			eag += sh->cs[i].eagain;
			busy += sh->cs[i].ebusy;
			yl += sh->cs[i].yields;
			for (j = 0; j < 8; j++)
				ops[j] += sh->cs[i].ops[j];
		}
		printf("# %s: %llu %s, %dP%dC %s, %llu x %u B ring, %.2f s, %.2f M/s; "
		       "ops rec %llu write %llu batch %llu two %llu discard %llu "
		       "peek %llu take %llu read %llu; EAGAIN %llu EBUSY %llu yields %llu\n",
		       c->name, (unsigned long long)sh->total,
		       c->blocks ? "blocks" : "records", c->np, c->nc,
		       c->mode == MODE_THREADS ? "threads" :
		       c->mode == MODE_FORK ? "fork" : "exec+fdpass",
		       (unsigned long long)r->count, 1U << r->block_shift, t1 - t0,
		       (double)sh->total / (t1 - t0) / 1e6,
		       (unsigned long long)ops[0], (unsigned long long)ops[1],
		       (unsigned long long)ops[2], (unsigned long long)ops[3],
		       (unsigned long long)ops[4], (unsigned long long)ops[5],
		       (unsigned long long)ops[6], (unsigned long long)ops[7],
		       (unsigned long long)eag, (unsigned long long)busy,
		       (unsigned long long)yl);
	}
	if (!ok)
		t_diag("%s: FAILED: %s", c->name, sh->msg);
	t_report(tapn, ok ? T_PASS : T_FAIL, c->name, -1);
	munmap(sh, sh->size);
	if (shfd >= 0)
		close(shfd);
	memwell_close(mw);
	return ok ? 0 : 1;
}

/* --config takes comma-separated parts of names: "1P1C,fork". */
static int selected(const char *sel, const char *name)
{
	char buf[256], *tok, *save = NULL;

	if (!sel)
		return 1;
	snprintf(buf, sizeof(buf), "%s", sel);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strstr(name, tok))
			return 1;
	return 0;
}

static void usage(void)
{
	int i;

	fprintf(stderr,
		"usage: stress [--quick] [--records N] [--config NAME[,NAME..]] [--list]\n"
		"              [--producers P --consumers C [--blocks] [--procs threads|fork|exec]\n"
		"               [--block-shift B] [--count-shift C]] [--api MASK] [--seed S]\n"
		"              [--block-factor F (block mode moves F x records blocks)]\n"
		"              [--stall SEC] [--inject corrupt|dup|lose|reorder|poison|stamp]\n"
		"configurations:");
	for (i = 0; i < NCFGS; i++)
		fprintf(stderr, " %s", default_cfgs[i].name);
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "records", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "list", no_argument, NULL, 'l' },
		{ "producers", required_argument, NULL, 'P' },
		{ "consumers", required_argument, NULL, 'C' },
		{ "blocks", no_argument, NULL, 'b' },
		{ "procs", required_argument, NULL, 'm' },
		{ "block-shift", required_argument, NULL, 'B' },
		{ "count-shift", required_argument, NULL, 'S' },
		{ "api", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 's' },
		{ "block-factor", required_argument, NULL, 'f' },
		{ "stall", required_argument, NULL, 't' },
		{ "inject", required_argument, NULL, 'i' },
		{ "child", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .records = 10000000, .block_factor = 5, .seed = 0,
			  .api = OP_ALL, .stall = 60 };
	struct cfg custom = { "custom", 0, 0, 0, MODE_THREADS, 5, 12 };
	const char *sel = NULL;
	int opt, i, n = 0, bad = 0, quick = 0, child = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	ncpus = cpus > 0 ? (int)cpus : 1;
	if (getenv("MW_STRESS_QUICK"))
		quick = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'q': quick = 1; break;
		case 'n': o.records = strtoull(optarg, NULL, 0); break;
		case 'c': sel = optarg; break;
		case 'l':
			for (i = 0; i < NCFGS; i++)
				printf("%s\n", default_cfgs[i].name);
			return 0;
		case 'P': custom.np = atoi(optarg); break;
		case 'C': custom.nc = atoi(optarg); break;
		case 'b': custom.blocks = 1; break;
		case 'm':
			custom.mode = !strcmp(optarg, "fork") ? MODE_FORK :
				      !strcmp(optarg, "exec") ? MODE_EXEC : MODE_THREADS;
			break;
		case 'B': custom.bshift = (__u32)atoi(optarg); break;
		case 'S': custom.cshift = (__u32)atoi(optarg); break;
		case 'a': o.api = (__u32)strtoul(optarg, NULL, 0); break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'f': o.block_factor = strtoull(optarg, NULL, 0) ?: 1; break;
		case 't': o.stall = atoi(optarg); break;
		case 'i':
			for (i = 0; i < (int)(sizeof(inject_names) / sizeof(inject_names[0])); i++)
				if (!strcmp(optarg, inject_names[i]))
					o.inject = i;
			if (!o.inject) {
				usage();
				return 2;
			}
			break;
		case 'x': child = 1; break;
		default:
			usage();
			return 2;
		}
	}
	if (child) {
		if (argc - optind != 3)
			return 2;
		return child_main(atoi(argv[optind]), atoi(argv[optind + 1]),
				  atoi(argv[optind + 2]));
	}
	if (quick)
		o.records = 200000;
	if (getenv("MW_STRESS_RECORDS"))
		o.records = strtoull(getenv("MW_STRESS_RECORDS"), NULL, 0);
	if (!o.seed)
		o.seed = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# stress: %llu records (x%llu blocks) per configuration, seed %#llx, "
	       "%d cpus\n", (unsigned long long)o.records,
	       (unsigned long long)o.block_factor, (unsigned long long)o.seed, ncpus);

	if (custom.np || custom.nc) {
		printf("1..1\n");
		return run_cfg(&custom, &o, 1);
	}
	for (i = 0; i < NCFGS; i++)
		if (selected(sel, default_cfgs[i].name))
			n++;
	if (!n) {
		usage();
		return 2;
	}
	printf("1..%d\n", n);
	n = 0;
	for (i = 0; i < NCFGS; i++)
		if (selected(sel, default_cfgs[i].name))
			bad += run_cfg(&default_cfgs[i], &o, ++n);
	if (bad)
		printf("# %d of %d configurations failed\n", bad, n);
	return bad ? 1 : 0;
}
