/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A ring the kernel owns: its pages, their two mappings (user space through
 * mmap(), the kernel through one vmap() in which the data pages appear
 * twice), the kernel's private view of it and its wait queue.
 */
#ifndef _MEMWELL_KRING_H
#define _MEMWELL_KRING_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include "memwell_account.h"
#include "memwell_ring.h"

struct memwell_source_ops;

/*
 * memwell.ko's internals that memwell_test.ko uses are exported with
 * EXPORT_SYMBOL_NS_GPL(sym, MEMWELL_NS), and imported with
 * MODULE_IMPORT_NS(MEMWELL_NS): the MEMWELL_INTERNAL namespace, which the
 * public API (memwell_kernel.h, memwell_source.h) is not in.  Kbuild
 * defines MEMWELL_NS, a bare token before 6.13 and a string literal since.
 */

/**
 * struct memwell_kring_mem - a ring's memory
 * @pages: @map_pages entries: page i backs byte i * PAGE_SIZE of the
 *         mapping, so the data pages appear twice; index = mmap page offset
 * @nr_pages: distinct pages allocated (the first @nr_pages entries)
 * @map_pages: entries of @pages (layout.total_size >> PAGE_SHIFT)
 * @base: vmap() of all of @pages: header, control areas, data twice
 */
struct memwell_kring_mem {
	struct page **pages;
	unsigned long nr_pages;
	unsigned long map_pages;
	void *base;
};

/**
 * struct memwell_kring_reg - a ring's name, owner and mode
 * @name: the name given at creation, or empty
 * @node: in its network namespace's name list while @name is not empty
 *        and that namespace lives (memwell_names.c)
 * @uid: owner: filesystem uid of the creating process
 * @gid: and its filesystem gid
 * @mode: permission bits for opening by name (MEMWELL_MODE_MASK)
 */
struct memwell_kring_reg {
	char name[MEMWELL_NAME_LEN];
	struct list_head node;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
};

/**
 * struct memwell_kring_wake - the wake policy for kernel producers
 * @work: the irq_work that wakes sleepers for kernel participants
 * @sides: bit MEMWELL_SIDE_* set for each side @work must wake
 * @lat_timer: the latency bound of the wake policy
 * @lat_armed: @lat_timer is queued (or about to be)
 * @due_pos: records published before this producer position are due
 *           anyway (latency bound, forced wake-up): poll() reports EPOLLIN
 *           until the consumers reserved past it
 * @woken_ns: ktime_get_mono_fast_ns() of the consumers' last wake-up: the
 *            default policy defers a wake-up that follows it closely
 * @never: MEMWELL_WAKE_NEVER; @eager, @watermark and @latency_ns likewise
 * @eager: MEMWELL_WAKE_EAGER: wake at the first commit, never defer
 * @watermark: wake consumers, and report EPOLLIN, only once this many bytes
 *             are ready (at most half the ring)
 * @latency_ns: but at most this long after a commit that did not wake
 */
struct memwell_kring_wake {
	struct irq_work work;
	unsigned long sides;
	struct hrtimer lat_timer;
	atomic_t lat_armed;
	u64 due_pos;
	u64 woken_ns;
	bool never;
	bool eager;
	u64 watermark;
	u64 latency_ns;
};

/**
 * struct memwell_kring_lost - records kernel producers dropped, not yet
 * reported by a MEMWELL_REC_LOST record
 * @recs: records dropped since the last MEMWELL_REC_LOST record
 * @bytes: and their payload bytes
 * @begun: additions to @recs and @bytes begun
 * @ended: and ended: a pair is consistent only when nothing is in flight
 * @state: MEMWELL_LOST_PENDING (drops wait for a report: no producer may
 *         reserve a record before that report) and MEMWELL_LOST_TAKING (a
 *         producer is reserving it), in one word so that a producer reads
 *         both at once (memwell_kernel.c)
 */
struct memwell_kring_lost {
	atomic64_t recs;
	atomic64_t bytes;
	atomic64_t begun;
	atomic64_t ended;
	atomic_t state;
};

/**
 * struct memwell_kring_kern - the ring's kernel endpoints and source
 * @count: kernel endpoints of each side (MEMWELL_SIDE_*) attached now
 * @seen: bit MEMWELL_SIDE_* set, for good, once that side had one: with
 *        @count, the end of the stream (memwell_kring_hup()) is derived,
 *        never a flag that a detach and an attach could set out of order
 * @src_lock: serialises attaching and detaching source instances
 * @src_ops: the kind of @src
 * @src: the attached source instance (memwell_source.h), or NULL
 * @src_charge: the kthreads of @src, charged to the user who attached it
 */
struct memwell_kring_kern {
	atomic_t count[2];
	unsigned long seen;
	struct mutex src_lock;		/* serialises @src */
	const struct memwell_source_ops *src_ops;
	void *src;
	struct memwell_thread_charge src_charge;
};

/**
 * struct memwell_kring_obs - the ring as observers see it (memwell_obs.c)
 * @id: unique while the module is loaded, from 1
 * @node: in the list of every ring, from creation to release
 */
struct memwell_kring_obs {
	u64 id;
	struct list_head node;
};

/**
 * struct memwell_kring - a ring allocated by memwell.ko
 * @ref: one reference per owner (the file that created it, kernel users)
 * @layout: the geometry computed here from the creation request; the
 *          header in shared memory is written from it and never read back
 * @view: the kernel's private view, built from @layout
 * @wq: poll() sleepers of both sides
 * @recover_lock: one memwell_side_recover() at a time
 * @mem: its pages and their mapping in the kernel
 * @stats: the counters, in the header page at MEMWELL_STATS_OFFSET (user
 *         space maps it read-only); updated with atomic64 operations
 * @reg: its name
 * @wake: when kernel producers wake the consumers
 * @lost: drops not reported yet
 * @kern: kernel endpoints and the source instance
 * @charge: what its creator is charged for it (nothing for a ring kernel
 *          code created), until it is freed
 * @obs: its id and place in the list of rings
 */
struct memwell_kring {
	struct kref ref;
	struct memwell_layout layout;
	struct memwell_ring view;
	wait_queue_head_t wq;
	struct mutex recover_lock;	/* serialises memwell_side_recover() */
	struct memwell_kring_mem mem;
	struct memwell_ring_stats *stats;
	struct memwell_kring_reg reg;
	struct memwell_kring_wake wake;
	struct memwell_kring_lost lost;
	struct memwell_kring_kern kern;
	struct memwell_ring_charge charge;
	struct memwell_kring_obs obs;
};

/* Counters of struct memwell_ring_stats, updated in the header page. */
enum memwell_stat {
	MEMWELL_STAT_PRODUCED,
	MEMWELL_STAT_CONSUMED,
	MEMWELL_STAT_DROPPED,
	MEMWELL_STAT_DROPPED_BYTES,
	MEMWELL_STAT_WAKEUPS,
	MEMWELL_STAT_WAKE_IOCTLS,
	MEMWELL_STAT_PRODUCERS,
	MEMWELL_STAT_CONSUMERS,
	MEMWELL_STAT_ERRORS,
};

/* The counter @i of @kr, as an atomic64_t (the header page is ours alone). */
static inline atomic64_t *memwell_stat_ptr(struct memwell_kring *kr,
					   enum memwell_stat i)
{
	u64 *base = &kr->stats->produced;

	return (atomic64_t *)(base + i);
}

static inline void memwell_stat_add(struct memwell_kring *kr,
				    enum memwell_stat i, s64 v)
{
	atomic64_add(v, memwell_stat_ptr(kr, i));
}

/**
 * memwell_kring_hup() - has the kernel side of a ring hung up?
 * @kr: the ring
 * @side: MEMWELL_SIDE_PROD or MEMWELL_SIDE_CONS
 *
 * True once kernel endpoints of @side attached and the last one detached,
 * until another attaches: poll() reports EPOLLHUP.  @seen is read first
 * (acquire, after the attach's fully ordered count increment), so a count
 * of zero read after it is a detach, not an attach not yet counted.
 */
static inline bool memwell_kring_hup(struct memwell_kring *kr, unsigned int side)
{
	/* Acquire: pairs with the increment ordered before set_bit(). */
	return (smp_load_acquire(&kr->kern.seen) & BIT(side)) &&
	       !atomic_read(&kr->kern.count[side]);
}

int memwell_kring_check(const struct memwell_create *c,
			struct memwell_layout *l);
struct memwell_kring *memwell_kring_create(const struct memwell_create *c);
struct memwell_kring *memwell_kring_create_user(const struct memwell_create *c);
struct memwell_kring *memwell_kring_create_failing(const struct memwell_create *c,
						   unsigned long fail_at);
void memwell_kring_get(struct memwell_kring *kr);
void memwell_kring_put(struct memwell_kring *kr);
void memwell_kring_wake(struct memwell_kring *kr, unsigned int side);
void memwell_kring_kick_side(struct memwell_kring *kr, unsigned int side);
void memwell_kring_produced(struct memwell_kring *kr, unsigned int kflags);
void memwell_kring_lat_arm(struct memwell_kring *kr);
int memwell_kring_set_wake(struct memwell_kring *kr,
			   const struct memwell_wake_policy *p);
void memwell_kring_stats(struct memwell_kring *kr, struct memwell_ring_stats *st);
struct memwell_kring *memwell_kring_create_watched(const struct memwell_create *c,
						   void (*published)(struct memwell_kring *kr));

/* memwell_names.c: names per network namespace, owner and mode. */
struct net;
struct user_namespace;
int memwell_names_init(void);
void memwell_names_exit(void);
int memwell_name_check(const char *name);
int memwell_name_add(struct memwell_kring *kr, struct net *net);
void memwell_name_del(struct memwell_kring *kr);
struct memwell_kring *memwell_name_find(struct net *net, const char *name);
struct memwell_kring *memwell_kring_find(const char *name);
int memwell_kring_permission(struct memwell_kring *kr, struct user_namespace *ns,
			     u32 sides);
long memwell_kring_recover(struct memwell_kring *kr, unsigned int side);
void memwell_kring_counts(long *rings, long *pages);

__poll_t memwell_kring_poll(struct memwell_kring *kr, __poll_t want);

/*
 * For the KUnit suites (CONFIG_KUNIT; MEMWELL_NS): the calls at the points
 * where a race can interleave them, to force the order a test needs.
 */
struct memwell_ep;
__poll_t memwell_kring_poll_watched(struct memwell_kring *kr, __poll_t want,
				    void (*looked)(void *arg), void *arg);
__poll_t memwell_kring_poll_decided(struct memwell_kring *kr, __poll_t want,
				    void (*decided)(void *arg), void *arg);
struct memwell_ep *memwell_ep_attach_ring_watched(struct memwell_kring *kr,
						  unsigned int role,
						  void (*counted)(void *arg),
						  void *arg);
void memwell_ep_detach_watched(struct memwell_ep *ep,
			       void (*zeroed)(void *arg), void *arg);

int memwell_kring_mmap(struct memwell_kring *kr, u32 access,
		       struct vm_area_struct *vma);

/* memwell_main.c: the ring of a /dev/memwell file, or NULL. */
struct memwell_kring *memwell_file_kring(struct file *file);
/* And MEMWELL_SIDE_BIT() of the sides that file may take. */
u32 memwell_file_access(struct file *file);

/* memwell_source.c: MEMWELL_IOC_ATTACH and MEMWELL_IOC_DETACH. */
int memwell_source_attach(struct memwell_kring *kr, const struct memwell_source *s);
void memwell_source_detach(struct memwell_kring *kr);

#endif /* _MEMWELL_KRING_H */
