/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A ring the kernel owns: its pages, their two mappings (user space through
 * mmap(), the kernel through one vmap() in which the data pages appear
 * twice), the kernel's private view of it and its wait queue.
 */
#ifndef _MEMWELL_KRING_H
#define _MEMWELL_KRING_H

#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/wait.h>

#include "memwell_ring.h"

/**
 * struct memwell_kring - a ring allocated by memwell.ko
 * @ref: one reference per owner (the file that created it, kernel users)
 * @layout: the geometry computed here from the creation request; the
 *          header in shared memory is written from it and never read back
 * @view: the kernel's private view, built from @layout
 * @wq: poll() sleepers of both sides
 * @recover_lock: one memwell_side_recover() at a time
 * @pages: @map_pages entries: page i backs byte i * PAGE_SIZE of the
 *         mapping, so the data pages appear twice; index = mmap page offset
 * @nr_pages: distinct pages allocated (the first @nr_pages entries)
 * @map_pages: entries of @pages (layout.total_size >> PAGE_SHIFT)
 * @base: vmap() of all of @pages: header, control areas, data twice
 */
struct memwell_kring {
	struct kref ref;
	struct memwell_layout layout;
	struct memwell_ring view;
	wait_queue_head_t wq;
	struct mutex recover_lock;	/* serialises memwell_side_recover() */
	struct page **pages;
	unsigned long nr_pages;
	unsigned long map_pages;
	void *base;
};

int memwell_kring_check(const struct memwell_create *c,
			struct memwell_layout *l);
struct memwell_kring *memwell_kring_create(const struct memwell_create *c);
struct memwell_kring *memwell_kring_create_failing(const struct memwell_create *c,
						   unsigned long fail_at);
void memwell_kring_get(struct memwell_kring *kr);
void memwell_kring_put(struct memwell_kring *kr);
void memwell_kring_wake(struct memwell_kring *kr, enum memwell_side_id side);
long memwell_kring_recover(struct memwell_kring *kr, enum memwell_side_id side);
void memwell_kring_counts(long *rings, long *pages);

__poll_t memwell_kring_poll(struct memwell_kring *kr, __poll_t want);
int memwell_kring_mmap(struct memwell_kring *kr, struct vm_area_struct *vma);

#endif /* _MEMWELL_KRING_H */
