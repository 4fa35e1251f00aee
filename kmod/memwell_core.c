// SPDX-License-Identifier: GPL-2.0
/*
 * The ring core, instantiated in the kernel.  memwell_ring.h is the same
 * source libmemwell inlines in user space; this file is where the kernel
 * compiles it, so that it can never drift into user-only code.
 */
#include <linux/mm.h>

#include "memwell_core.h"

int memwell_core_layout(u32 flags, u32 block_shift, u32 count_shift,
			struct memwell_layout *l)
{
	return memwell_layout_compute(flags, block_shift, count_shift,
				      PAGE_SHIFT, l);
}

int memwell_core_selftest(void)
{
	static u64 mem[(PAGE_SIZE * 8) / sizeof(u64)];
	struct memwell_layout l;
	struct memwell_ring r;
	struct memwell_rec rec;
	int err;

	/* A one-page records ring: the sizes must fit the static buffer. */
	err = memwell_core_layout(MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI,
				  3, PAGE_SHIFT - 3, &l);
	if (err)
		return err;
	if (l.total_size > sizeof(mem))
		return -E2BIG;
	memwell_ring_format(mem, &l);
	/* No second mapping here: keep the record inside the first one. */
	memwell_ring_view(&r, mem, &l, MEMWELL_ACCESS_PROD | MEMWELL_ACCESS_CONS);
	err = memwell_rec_write(&r, "memwell", 7);
	if (err)
		return err;
	err = memwell_rec_peek(&r, &rec);
	if (err)
		return err;
	if (rec.len != 7 || memcmp(rec.data, "memwell", 7))
		return -EIO;
	return memwell_rec_release(&r, &rec);
}
