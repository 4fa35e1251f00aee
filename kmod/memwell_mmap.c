// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of a ring: one region per call, at exactly the offset and size
 * struct memwell_ring_info gives, so each region gets its own permissions
 * (as BPF ringbuf splits its mappings): the header read-only, the control
 * areas and the data read-write, nothing executable, MAP_SHARED only.
 *
 * Pages are inserted with vm_insert_pages(), which takes a reference on
 * each page: a mapping keeps its pages valid after the ring object is
 * gone.  (Never remap_pfn_range() on memory that can be freed while still
 * mapped: io_uring's CVE-2024-0582.)  The mapping also holds the file, so
 * the ring object and the module outlive every mapping anyway.
 */
#include <linux/mm.h>

#include "memwell_compat.h"
#include "memwell_kring.h"

/*
 * Every page is inserted when the region is mapped, so there is nothing to
 * fault in.  Pages dropped from the mapping later (MADV_DONTNEED) stay
 * unmapped: touching them raises SIGBUS; map the region again instead.
 * Having vm_ops at all also keeps the VMA from being taken for anonymous
 * memory.
 */
static vm_fault_t memwell_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct memwell_vm_ops = {
	.fault = memwell_vm_fault,
};

/* Is [pgoff, pgoff + len) exactly the region at @off of @size bytes? */
static bool memwell_region_is(unsigned long pgoff, unsigned long len,
			      u64 off, u64 size)
{
	return pgoff == off >> PAGE_SHIFT && len == size;
}

/**
 * memwell_kring_mmap() - map one region of a ring
 * @kr: the ring
 * @access: MEMWELL_SIDE_BIT() of the sides the mapping file may write
 * @vma: the new mapping; vm_pgoff and its length select the region
 *
 * Return: 0; -EINVAL if the mapping is not MAP_SHARED or is not exactly
 * one region (header: offset 0, hdr_size; producer or consumer control:
 * its offset and size; data: data_offset, 2 * data_size); -EPERM for an
 * executable mapping or a writable mapping of a region user space may not
 * write (the header; on MEMWELL_F_KERNEL_PROD rings the producer control
 * and the data; on MEMWELL_F_KERNEL_CONS rings the consumer control);
 * -EACCES for a writable mapping of a side's region (producers: their
 * control and the data; consumers: their control) by a file that may not
 * write that side (@access); or the error of vm_insert_pages().
 */
int memwell_kring_mmap(struct memwell_kring *kr, u32 access,
		       struct vm_area_struct *vma)
{
	const struct memwell_layout *l = &kr->layout;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long num = len >> PAGE_SHIFT;
	bool header, ro, prod, cons, denied;

	/* MAP_SHARED of a read-only file has VM_MAYSHARE without VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	header = memwell_region_is(pgoff, len, 0, l->prod_offset);
	if (!header &&
	    !memwell_region_is(pgoff, len, l->prod_offset, l->prod_size) &&
	    !memwell_region_is(pgoff, len, l->cons_offset, l->cons_size) &&
	    !memwell_region_is(pgoff, len, l->data_offset, 2 * l->data_size))
		return -EINVAL;
	/* The producers write their control and the data, consumers theirs. */
	prod = memwell_region_is(pgoff, len, l->prod_offset, l->prod_size) ||
	       memwell_region_is(pgoff, len, l->data_offset, 2 * l->data_size);
	cons = memwell_region_is(pgoff, len, l->cons_offset, l->cons_size);
	/* What the kernel alone writes is read-only for processes. */
	ro = header || (prod && (l->flags & MEMWELL_F_KERNEL_PROD)) ||
	     (cons && (l->flags & MEMWELL_F_KERNEL_CONS));
	/* What this file may not write, as a file opened read-only. */
	denied = (prod && !(access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD))) ||
		 (cons && !(access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)));
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (ro && (vma->vm_flags & VM_WRITE))
		return -EPERM;
	if (denied && (vma->vm_flags & VM_WRITE))
		return -EACCES;

	/* mprotect() can never add what was refused here. */
	vm_flags_clear(vma, ro || denied ? VM_MAYEXEC | VM_MAYWRITE : VM_MAYEXEC);
	/* mremap() cannot grow it; core dumps leave it out. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &memwell_vm_ops;

	/* The page array is indexed by mmap page offset; data is in it twice. */
	return vm_insert_pages(vma, vma->vm_start, kr->mem.pages + pgoff, &num);
}
