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
 */
#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "memwell_kring.h"

/*
 * Ring pages are zeroed (user space must never see old kernel data),
 * charged to the creator's memcg, and a failure is an ordinary -ENOMEM for
 * a user request: no warning, no OOM kill on behalf of one ioctl.
 */
#define MEMWELL_KRING_GFP	(GFP_KERNEL_ACCOUNT | __GFP_ZERO | \
				 __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

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
 * Return: 0; -EINVAL for a non-zero reserved field, unknown flags or a
 * geometry memwell_layout_compute() refuses; -E2BIG if the ring would
 * allocate more than the max_ring_kib module parameter allows.
 */
int memwell_kring_check(const struct memwell_create *c, struct memwell_layout *l)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(c->reserved); i++)
		if (c->reserved[i])
			return -EINVAL;
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
EXPORT_SYMBOL_GPL(memwell_kring_check);

static void memwell_kring_free_pages(struct memwell_kring *kr)
{
	unsigned long i;

	/* Mapped pages keep the references vm_insert_pages() took. */
	for (i = 0; i < kr->nr_pages; i++)
		put_page(kr->pages[i]);
	kvfree(kr->pages);
}

static int memwell_kring_alloc_pages(struct memwell_kring *kr,
				     unsigned long fail_at)
{
	const struct memwell_layout *l = &kr->layout;
	unsigned long data_first = l->data_offset >> PAGE_SHIFT;
	unsigned long data_pages = l->data_size >> PAGE_SHIFT;
	unsigned long nr = data_first + data_pages;
	unsigned long i;

	kr->map_pages = l->total_size >> PAGE_SHIFT;
	kr->pages = kvcalloc(kr->map_pages, sizeof(*kr->pages),
			     GFP_KERNEL_ACCOUNT);
	if (!kr->pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct page *page = i == fail_at ? NULL : alloc_page(MEMWELL_KRING_GFP);

		if (!page)
			return -ENOMEM;
		kr->pages[i] = page;
		if (i >= data_first)
			kr->pages[i + data_pages] = page;
		kr->nr_pages = i + 1;
		/* Up to max_ring_kib of pages: stay preemptible and killable. */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * The view's kick (G): a kernel participant released blocks and saw that
 * side @sleepers announced sleepers.  Never sleeps.
 */
static void memwell_kring_kick(struct memwell_ring *r,
			       enum memwell_side_id sleepers)
{
	memwell_kring_wake(r->owner, sleepers);
}

static struct memwell_kring *memwell_kring_new(const struct memwell_create *c,
					       unsigned long fail_at)
{
	struct memwell_layout l;
	struct memwell_kring *kr;
	int err;

	err = memwell_kring_check(c, &l);
	if (err)
		return ERR_PTR(err);
	kr = kzalloc(sizeof(*kr), GFP_KERNEL_ACCOUNT);
	if (!kr)
		return ERR_PTR(-ENOMEM);
	kr->layout = l;
	err = memwell_kring_alloc_pages(kr, fail_at);
	if (err)
		goto err_free_pages;
	err = -ENOMEM;
	if (fail_at == kr->nr_pages)
		goto err_free_pages;
	kr->base = vmap(kr->pages, kr->map_pages, VM_MAP, PAGE_KERNEL);
	if (!kr->base)
		goto err_free_pages;

	/* Shared state from our own layout; the view never reads it back. */
	memwell_ring_format(kr->base, &kr->layout);
	memwell_ring_view(&kr->view, kr->base, &kr->layout,
			  MEMWELL_ACCESS_PROD | MEMWELL_ACCESS_CONS);
	kr->view.kick = memwell_kring_kick;
	kr->view.owner = kr;
	init_waitqueue_head(&kr->wq);
	mutex_init(&kr->recover_lock);
	kref_init(&kr->ref);
	atomic_long_inc(&memwell_kring_rings);
	atomic_long_add(kr->nr_pages, &memwell_kring_pages);
	return kr;

err_free_pages:
	memwell_kring_free_pages(kr);
	kfree(kr);
	return ERR_PTR(err);
}

/**
 * memwell_kring_create() - allocate and format a ring
 * @c: the creation request, checked with memwell_kring_check()
 *
 * May sleep.  The caller owns the one reference of the new ring.
 *
 * Return: the ring, or ERR_PTR() of -EINVAL or -E2BIG (see
 * memwell_kring_check()), -ENOMEM, or -EINTR if a fatal signal arrived
 * while the pages were allocated.
 */
struct memwell_kring *memwell_kring_create(const struct memwell_create *c)
{
	return memwell_kring_new(c, ULONG_MAX);
}
EXPORT_SYMBOL_GPL(memwell_kring_create);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * memwell_kring_create_failing() - memwell_kring_create() with a failure
 * @c: the creation request
 * @fail_at: page allocation that fails (0 = the first); the distinct page
 *           count makes vmap() fail instead
 *
 * For the KUnit suite: every unwinding path of the allocation.
 *
 * Return: as memwell_kring_create().
 */
struct memwell_kring *memwell_kring_create_failing(const struct memwell_create *c,
						   unsigned long fail_at)
{
	return memwell_kring_new(c, fail_at);
}
EXPORT_SYMBOL_GPL(memwell_kring_create_failing);
#endif

/**
 * memwell_kring_get() - take a reference on a ring
 * @kr: a ring the caller holds a reference on
 */
void memwell_kring_get(struct memwell_kring *kr)
{
	kref_get(&kr->ref);
}
EXPORT_SYMBOL_GPL(memwell_kring_get);

static void memwell_kring_release(struct kref *ref)
{
	struct memwell_kring *kr = container_of(ref, struct memwell_kring, ref);

	atomic_long_sub(kr->nr_pages, &memwell_kring_pages);
	atomic_long_dec(&memwell_kring_rings);
	vunmap(kr->base);
	memwell_kring_free_pages(kr);
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
EXPORT_SYMBOL_GPL(memwell_kring_put);

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
long memwell_kring_recover(struct memwell_kring *kr, enum memwell_side_id side)
{
	long n;

	mutex_lock(&kr->recover_lock);
	n = memwell_side_recover(&kr->view, side);
	mutex_unlock(&kr->recover_lock);
	if (n > 0)
		memwell_kring_wake(kr, side == MEMWELL_PROD ? MEMWELL_CONS :
				   MEMWELL_PROD);
	return n;
}
EXPORT_SYMBOL_GPL(memwell_kring_recover);

/**
 * memwell_kring_wake() - wake the poll() sleepers of one side
 * @kr: the ring
 * @side: MEMWELL_CONS wakes EPOLLIN waiters, MEMWELL_PROD EPOLLOUT waiters
 *
 * Clears the side's waiters word first: a sleeper that wakes up and finds
 * nothing to do announces itself again (H) before it sleeps again.  Wakes
 * unconditionally, whatever the word held: user space may write it.
 * Callable from any context but NMI.
 */
void memwell_kring_wake(struct memwell_kring *kr, enum memwell_side_id side)
{
	xchg(&kr->view.side[side]->waiters, 0U);
	if (side == MEMWELL_CONS)
		wake_up_interruptible_poll(&kr->wq, EPOLLIN | EPOLLRDNORM);
	else
		wake_up_interruptible_poll(&kr->wq, EPOLLOUT | EPOLLWRNORM);
}
EXPORT_SYMBOL_GPL(memwell_kring_wake);

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
EXPORT_SYMBOL_GPL(memwell_kring_counts);
