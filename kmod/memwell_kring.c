// SPDX-License-Identifier: GPL-2.0
/*
 * Rings the kernel owns: geometry checks, page allocation, the kernel's
 * double mapping, reference counting and wake-ups.
 *
 * A ring is allocated one page at a time, charged to the creator's memory
 * cgroup.  The page array has one entry per page of the user-visible
 * mapping (struct memwell_ring_info.total_size), so the data pages appear
 * twice in it: vmap() of the array gives the kernel the same contiguous
 * view across the wrap that mmap() gives user space, and the array index
 * of a page is its mmap() page offset.  Mappings take their own page
 * references (vm_insert_pages()), so the pages outlive the ring object if
 * a mapping does.
 *
 * A ring a process creates is charged to its user too (memwell_account.c):
 * counted against max_user_rings, its pages against RLIMIT_MEMLOCK, until
 * the ring object is freed.
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "memwell_kernel.h"
#include "memwell_kring.h"
#include "memwell_obs.h"

/*
 * Ring pages are zeroed (user space must never see old kernel data),
 * charged to the creator's memcg, and a failure is an ordinary -ENOMEM for
 * a user request: no warning, no OOM kill on behalf of one ioctl.
 */
#define MEMWELL_KRING_GFP	(MEMWELL_GFP_USER | __GFP_ZERO)

static unsigned int memwell_max_ring_kib = 256 * 1024;
module_param_named(max_ring_kib, memwell_max_ring_kib, uint, 0644);
MODULE_PARM_DESC(max_ring_kib,
		 "Most memory one ring may allocate, in KiB: header, control areas with their marks, data once (default 256 MiB: every ring of up to 64 MiB of data)");

static atomic_long_t memwell_kring_rings = ATOMIC_LONG_INIT(0);
static atomic_long_t memwell_kring_pages = ATOMIC_LONG_INIT(0);

/**
 * memwell_kring_check() - validate a creation request and compute its layout
 * @c: the request (its @size field is the caller's business)
 * @l: the layout, computed for PAGE_SHIFT, filled on success
 *
 * Return: 0; -EINVAL for a non-zero reserved field or mode bit, unknown flags, both
 * MEMWELL_F_KERNEL_PROD and MEMWELL_F_KERNEL_CONS, a bad name (see
 * memwell_name_check()) or a geometry memwell_layout_compute() refuses; -E2BIG if the ring would
 * allocate more than the max_ring_kib module parameter allows.
 */
int memwell_kring_check(const struct memwell_create *c, struct memwell_layout *l)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(c->reserved); i++)
		if (c->reserved[i])
			return -EINVAL;
	if (c->mode & ~MEMWELL_MODE_MASK || c->reserved1)
		return -EINVAL;
	/* One side belongs to the kernel, not both. */
	if ((c->flags & MEMWELL_F_KERNEL_PROD) && (c->flags & MEMWELL_F_KERNEL_CONS))
		return -EINVAL;
	err = memwell_name_check(c->name);
	if (err)
		return err;
	err = memwell_layout_compute(c->flags, c->block_shift, c->count_shift,
				     PAGE_SHIFT, l);
	if (err)
		return err;
	/* Memory allocated: everything up to the data, plus the data once. */
	if (l->data_offset + l->data_size >
	    (u64)READ_ONCE(memwell_max_ring_kib) << 10)
		return -E2BIG;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_check, MEMWELL_NS);

static void memwell_kring_free_pages(struct memwell_kring *kr)
{
	unsigned long i;

	/* Mapped pages keep the references vm_insert_pages() took. */
	for (i = 0; i < kr->mem.nr_pages; i++)
		put_page(kr->mem.pages[i]);
	kvfree(kr->mem.pages);
}

static int memwell_kring_alloc_pages(struct memwell_kring *kr,
				     unsigned long fail_at)
{
	const struct memwell_layout *l = &kr->layout;
	unsigned long data_first = l->data_offset >> PAGE_SHIFT;
	unsigned long data_pages = l->data_size >> PAGE_SHIFT;
	unsigned long nr = data_first + data_pages;
	unsigned long i;

	kr->mem.map_pages = l->total_size >> PAGE_SHIFT;
	/* A large ring's array is vmalloc()ed: charged, and failing, as the pages. */
	kr->mem.pages = kvcalloc(kr->mem.map_pages, sizeof(*kr->mem.pages),
				 MEMWELL_GFP_USER);
	if (!kr->mem.pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct page *page = i == fail_at ? NULL : alloc_page(MEMWELL_KRING_GFP);

		if (!page)
			return -ENOMEM;
		kr->mem.pages[i] = page;
		if (i >= data_first)
			kr->mem.pages[i + data_pages] = page;
		kr->mem.nr_pages = i + 1;
		/* Up to max_ring_kib of pages: stay preemptible and killable. */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * The irq_work: wake what kernel participants asked for.  In hardirq
 * context, or on PREEMPT_RT in the per-CPU irq_work thread: it is not
 * IRQ_WORK_HARD_IRQ, because wake_up() takes the wait queue's spinlock_t,
 * which sleeps there.
 */
static void memwell_kring_wake_work(struct irq_work *w)
{
	struct memwell_kring *kr = container_of(w, struct memwell_kring, wake.work);
	int s;

	for (s = MEMWELL_SIDE_PROD; s <= MEMWELL_SIDE_CONS; s++) {
		if (test_and_clear_bit(s, &kr->wake.sides)) {
			memwell_stat_add(kr, MEMWELL_STAT_WAKEUPS, 1);
			memwell_kring_wake(kr, s);
		}
	}
}

/**
 * memwell_kring_kick_side() - wake the sleepers of one side, from any context
 * @kr: the ring
 * @side: the side whose poll() sleepers to wake
 *
 * Queues the ring's irq_work, which does the wake-up: callers may hold
 * scheduler locks (a sched_switch probe) or run in hardirq context, also
 * on PREEMPT_RT (irq_work_queue() takes no sleeping lock there either).
 * Callable from any context but NMI; never sleeps, never waits.
 */
void memwell_kring_kick_side(struct memwell_kring *kr, unsigned int side)
{
	set_bit(side, &kr->wake.sides);
	irq_work_queue(&kr->wake.work);
}

/*
 * The view's kick (G): a kernel participant released blocks and saw that
 * side @sleepers announced sleepers.  Never sleeps.
 */
static void memwell_kring_kick(struct memwell_ring *r,
			       unsigned int sleepers)
{
	memwell_kring_kick_side(r->owner, sleepers);
}

/*
 * What the producers published so far is due: poll() reports it whatever
 * the watermark, until the consumers reserved past it.  Only the kernel
 * writes the producer positions of a kernel producer's ring.
 */
static void memwell_kring_set_due(struct memwell_kring *kr)
{
	WRITE_ONCE(kr->wake.due_pos,
		   __memwell_load_acquire(&kr->view.side[MEMWELL_SIDE_PROD]->release_pos));
}

/* The latency bound expired: wake consumers if records wait for them. */
static enum hrtimer_restart memwell_kring_lat_fn(struct hrtimer *t)
{
	struct memwell_kring *kr = container_of(t, struct memwell_kring, wake.lat_timer);

	atomic_set(&kr->wake.lat_armed, 0);
	if (READ_ONCE(kr->wake.never) || !memwell_ready_blocks(&kr->view))
		return HRTIMER_NORESTART;
	/* poll() reports what is ready now, whatever the watermark. */
	memwell_kring_set_due(kr);
	/* Pairs with the (H) of a sleeping consumer, as (G) does. */
	smp_mb();
	if (READ_ONCE(kr->view.side[MEMWELL_SIDE_CONS]->waiters))
		memwell_kring_kick_side(kr, MEMWELL_SIDE_CONS);
	return HRTIMER_NORESTART;
}

/**
 * memwell_kring_lat_arm() - start the latency bound, unless it runs already
 * @kr: the ring
 *
 * Records are ready below the watermark: within latency_ns (if the policy
 * has one) they are due anyway.  Any context but NMI.
 */
void memwell_kring_lat_arm(struct memwell_kring *kr)
{
	u64 lat = READ_ONCE(kr->wake.latency_ns);

	if (lat && !atomic_xchg(&kr->wake.lat_armed, 1))
		hrtimer_start(&kr->wake.lat_timer, ns_to_ktime(lat), HRTIMER_MODE_REL_HARD);
}

/**
 * memwell_kring_produced() - a kernel producer committed: wake per policy
 * @kr: the ring
 * @kflags: MEMWELL_KF_* of the call
 *
 * Adaptive: consumers are woken only when they announced they sleep (the
 * waiters word, (G) of the wake protocol), and then only as the ring's
 * policy (MEMWELL_IOC_SET_WAKE) allows: never, or once watermark bytes are
 * ready; a commit that did not wake starts the latency timer, which wakes
 * at most latency_ns later.  MEMWELL_KF_FORCE_WAKEUP wakes regardless,
 * MEMWELL_KF_NO_WAKEUP defers to the latency timer only.  Any context but
 * NMI.
 */
void memwell_kring_produced(struct memwell_kring *kr, unsigned int kflags)
{
	u64 wm;

	if (kflags & MEMWELL_KF_FORCE_WAKEUP) {
		memwell_kring_set_due(kr);
		memwell_kring_kick_side(kr, MEMWELL_SIDE_CONS);
		return;
	}
	if (READ_ONCE(kr->wake.never))
		return;
	/* (G): our release_pos store before the load of waiters. */
	smp_mb();
	if (!READ_ONCE(kr->view.side[MEMWELL_SIDE_CONS]->waiters))
		return;
	wm = READ_ONCE(kr->wake.watermark);
	if (!(kflags & MEMWELL_KF_NO_WAKEUP) &&
	    (!wm || (memwell_ready_blocks(&kr->view) << kr->layout.block_shift) >= wm)) {
		memwell_kring_kick_side(kr, MEMWELL_SIDE_CONS);
		return;
	}
	memwell_kring_lat_arm(kr);
}

/**
 * memwell_kring_set_wake() - set the ring's wake policy
 * @kr: the ring
 * @p: the policy, checked by the caller (size, flags, reserved)
 *
 * Return: 0.
 */
int memwell_kring_set_wake(struct memwell_kring *kr,
			   const struct memwell_wake_policy *p)
{
	if (p->latency_ns && (p->latency_ns < MEMWELL_WAKE_LATENCY_MIN_NS ||
			      p->latency_ns > MEMWELL_WAKE_LATENCY_MAX_NS))
		return -EINVAL;
	/* A full ring must still wake its consumers: at most half of it. */
	WRITE_ONCE(kr->wake.watermark, min_t(u64, p->watermark,
					     (kr->view.count << kr->layout.block_shift) / 2));
	WRITE_ONCE(kr->wake.latency_ns, p->latency_ns);
	WRITE_ONCE(kr->wake.never, !!(p->flags & MEMWELL_WAKE_NEVER));
	/* Whoever sleeps now must re-evaluate under the new policy. */
	memwell_kring_kick_side(kr, MEMWELL_SIDE_CONS);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_set_wake, MEMWELL_NS);

/**
 * memwell_kring_stats() - a copy of the ring's counters
 * @kr: the ring
 * @st: filled
 */
void memwell_kring_stats(struct memwell_kring *kr, struct memwell_ring_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->produced = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_PRODUCED));
	st->consumed = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_CONSUMED));
	st->dropped = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_DROPPED));
	st->dropped_bytes = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_DROPPED_BYTES));
	st->wakeups = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_WAKEUPS));
	st->wake_ioctls = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_WAKE_IOCTLS));
	st->producers = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_PRODUCERS));
	st->consumers = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_CONSUMERS));
	st->errors = atomic64_read(memwell_stat_ptr(kr, MEMWELL_STAT_ERRORS));
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_stats, MEMWELL_NS);

/*
 * @charge_user: charge the current process's user (a ring a process asks
 * for), or nothing (a ring kernel code creates).
 * @published: if not NULL, called once the name is visible (KUnit).
 */
static struct memwell_kring *memwell_kring_new(const struct memwell_create *c,
					       unsigned long fail_at,
					       bool charge_user,
					       void (*published)(struct memwell_kring *kr))
{
	struct memwell_ring_charge charge = {};
	struct memwell_layout l;
	struct memwell_kring *kr;
	int err;

	err = memwell_kring_check(c, &l);
	if (err)
		return ERR_PTR(err);
	/* Before any allocation: a refused user gets nothing allocated. */
	if (charge_user) {
		err = memwell_account_ring(&charge, (l.data_offset + l.data_size) >>
					   PAGE_SHIFT);
		if (err)
			return ERR_PTR(err);
	}
	kr = kzalloc(sizeof(*kr), MEMWELL_GFP_USER);
	if (!kr) {
		memwell_unaccount_ring(&charge);
		return ERR_PTR(-ENOMEM);
	}
	kr->charge = charge;
	kr->layout = l;
	INIT_LIST_HEAD(&kr->reg.node);
	err = memwell_kring_alloc_pages(kr, fail_at);
	if (err)
		goto err_free_pages;
	err = -ENOMEM;
	if (fail_at == kr->mem.nr_pages)
		goto err_free_pages;
	kr->mem.base = vmap(kr->mem.pages, kr->mem.map_pages, VM_MAP, PAGE_KERNEL);
	if (!kr->mem.base)
		goto err_free_pages;

	/* Shared state from our own layout; the view never reads it back. */
	memwell_ring_format(kr->mem.base, &kr->layout);
	memwell_ring_view(&kr->view, kr->mem.base, &kr->layout,
			  MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) |
			  MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
	kr->view.kick = memwell_kring_kick;
	kr->view.owner = kr;
	/* memwell_stat_ptr() indexes the counters as an array of atomic64_t. */
	BUILD_BUG_ON(sizeof(atomic64_t) != sizeof(u64));
	BUILD_BUG_ON(offsetof(struct memwell_ring_stats, errors) !=
		     MEMWELL_STAT_ERRORS * sizeof(u64));
	BUILD_BUG_ON(MEMWELL_STATS_OFFSET + sizeof(struct memwell_ring_stats) >
		     PAGE_SIZE);
	kr->stats = kr->mem.base + MEMWELL_STATS_OFFSET;
	init_waitqueue_head(&kr->wq);
	mutex_init(&kr->recover_lock);
	mutex_init(&kr->kern.src_lock);
	init_irq_work(&kr->wake.work, memwell_kring_wake_work);
	hrtimer_init(&kr->wake.lat_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	kr->wake.lat_timer.function = memwell_kring_lat_fn;
	/* The owner, as a file's: the filesystem credentials (memwell_names.c). */
	kr->reg.uid = current_fsuid();
	kr->reg.gid = current_fsgid();
	kr->reg.mode = c->mode ? c->mode : MEMWELL_MODE_DEFAULT;
	memcpy(kr->reg.name, c->name, sizeof(kr->reg.name));
	kref_init(&kr->ref);
	memwell_obs_add(kr);
	atomic_long_inc(&memwell_kring_rings);
	atomic_long_add(kr->mem.nr_pages, &memwell_kring_pages);
	/* Last: a lookup may take the ring from the moment its name is seen. */
	err = memwell_name_add(kr, current->nsproxy->net_ns);
	if (err)
		goto err_uncount;
	if (published)
		published(kr);
	return kr;

err_uncount:
	memwell_obs_del(kr);
	atomic_long_sub(kr->mem.nr_pages, &memwell_kring_pages);
	atomic_long_dec(&memwell_kring_rings);
	vunmap(kr->mem.base);
err_free_pages:
	memwell_kring_free_pages(kr);
	memwell_unaccount_ring(&kr->charge);
	kfree(kr);
	return ERR_PTR(err);
}

/**
 * memwell_kring_create() - allocate and format a ring for kernel code
 * @c: the creation request, checked with memwell_kring_check()
 *
 * The ring is charged to no user (its pages still go to the caller's
 * memory cgroup).  May sleep.  The caller owns the one reference of the
 * new ring.
 *
 * Return: the ring, or ERR_PTR() of -EINVAL or -E2BIG (see
 * memwell_kring_check()), -ENOMEM, or -EINTR if a fatal signal arrived
 * while the pages were allocated.
 */
struct memwell_kring *memwell_kring_create(const struct memwell_create *c)
{
	return memwell_kring_new(c, ULONG_MAX, false, NULL);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_create, MEMWELL_NS);

/**
 * memwell_kring_create_user() - allocate a ring a process asked for
 * @c: the creation request, checked with memwell_kring_check()
 *
 * As memwell_kring_create(), and charged to the current process's user
 * until the ring is freed (memwell_account_ring()).
 *
 * Return: as memwell_kring_create(), and ERR_PTR() of -EMFILE (the uid
 * has max_user_rings rings) or -ENOMEM (RLIMIT_MEMLOCK).
 */
struct memwell_kring *memwell_kring_create_user(const struct memwell_create *c)
{
	return memwell_kring_new(c, ULONG_MAX, true, NULL);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_create_user, MEMWELL_NS);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * memwell_kring_create_failing() - memwell_kring_create() with a failure
 * @c: the creation request
 * @fail_at: page allocation that fails (0 = the first); the distinct page
 *           count makes vmap() fail instead
 *
 * For the KUnit suites: every unwinding path of the allocation, and of
 * the charge, which is the current task's user's as for
 * memwell_kring_create_user().
 *
 * Return: as memwell_kring_create_user().
 */
struct memwell_kring *memwell_kring_create_failing(const struct memwell_create *c,
						   unsigned long fail_at)
{
	return memwell_kring_new(c, fail_at, true, NULL);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_create_failing, MEMWELL_NS);

/**
 * memwell_kring_create_watched() - memwell_kring_create(), watched
 * @c: the creation request
 * @published: called right after the ring's name became visible to
 *             lookups, before the ring is returned
 *
 * For the KUnit suite: what a concurrent lookup can see of a new ring.
 *
 * Return: as memwell_kring_create().
 */
struct memwell_kring *memwell_kring_create_watched(const struct memwell_create *c,
						   void (*published)(struct memwell_kring *kr))
{
	return memwell_kring_new(c, ULONG_MAX, false, published);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_create_watched, MEMWELL_NS);
#endif

/**
 * memwell_kring_get() - take a reference on a ring
 * @kr: a ring the caller holds a reference on
 */
void memwell_kring_get(struct memwell_kring *kr)
{
	kref_get(&kr->ref);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_get, MEMWELL_NS);

static void memwell_kring_release(struct kref *ref)
{
	struct memwell_kring *kr = container_of(ref, struct memwell_kring, ref);

	memwell_obs_del(kr);
	memwell_name_del(kr);
	/* Nothing can queue them any more: no participant holds the ring. */
	hrtimer_cancel(&kr->wake.lat_timer);
	irq_work_sync(&kr->wake.work);
	atomic_long_sub(kr->mem.nr_pages, &memwell_kring_pages);
	atomic_long_dec(&memwell_kring_rings);
	vunmap(kr->mem.base);
	memwell_kring_free_pages(kr);
	/* Once: the ring's last reference; mappings held the file until now. */
	memwell_unaccount_ring(&kr->charge);
	kfree(kr);
}

/**
 * memwell_kring_put() - drop a reference on a ring
 * @kr: the ring
 *
 * The last reference unmaps the kernel's view and drops the ring's page
 * references; pages still mapped in user space live on until unmapped.
 * May sleep (vunmap()).
 */
void memwell_kring_put(struct memwell_kring *kr)
{
	kref_put(&kr->ref, memwell_kring_release);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_put, MEMWELL_NS);

/**
 * memwell_kring_recover() - release what dead owners of one side held
 * @kr: the ring
 * @side: the side; the caller vouches that none of its other owners lives
 *
 * Runs memwell_side_recover() (bounded by the block count, whatever user
 * space wrote) and wakes the other side, which may now have work.  May
 * sleep.
 *
 * Return: blocks recovered, or -EIO if the side's positions are corrupt.
 */
long memwell_kring_recover(struct memwell_kring *kr, unsigned int side)
{
	long n;

	mutex_lock(&kr->recover_lock);
	n = memwell_side_recover(&kr->view, side);
	mutex_unlock(&kr->recover_lock);
	if (n > 0)
		memwell_kring_wake(kr, MEMWELL_SIDE_PEER(side));
	return n;
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_recover, MEMWELL_NS);

/**
 * memwell_kring_wake() - wake the poll() sleepers of one side
 * @kr: the ring
 * @side: MEMWELL_SIDE_CONS wakes EPOLLIN waiters, MEMWELL_SIDE_PROD EPOLLOUT waiters
 *
 * Clears the side's waiters word first: a sleeper that wakes up and finds
 * nothing to do announces itself again (H) before it sleeps again.  Wakes
 * unconditionally, whatever the word held: user space may write it.
 * Takes the wait queue's spinlock_t: process context or the irq_work, not
 * hardirq context or a preempt-disabled section on PREEMPT_RT, where it
 * sleeps; elsewhere memwell_kring_kick_side().
 */
void memwell_kring_wake(struct memwell_kring *kr, unsigned int side)
{
	/* A hang-up of the peer's kernel side goes with every wake of this side. */
	__poll_t hup = memwell_kring_hup(kr, MEMWELL_SIDE_PEER(side)) ? EPOLLHUP : 0;

	xchg(&kr->view.side[side]->waiters, 0U);
	if (side == MEMWELL_SIDE_CONS)
		wake_up_interruptible_poll(&kr->wq, EPOLLIN | EPOLLRDNORM | hup);
	else
		wake_up_interruptible_poll(&kr->wq, EPOLLOUT | EPOLLWRNORM | hup);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_wake, MEMWELL_NS);

/**
 * memwell_kring_counts() - rings and pages the module holds now
 * @rings: live ring objects
 * @pages: distinct pages those rings hold references on
 *
 * For the KUnit suite's lifetime and leak checks.
 */
void memwell_kring_counts(long *rings, long *pages)
{
	*rings = atomic_long_read(&memwell_kring_rings);
	*pages = atomic_long_read(&memwell_kring_pages);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_counts, MEMWELL_NS);
