/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel APIs that changed between 6.1 and 6.13, which memwell's modules
 * meet.  Keyed on a feature test where the kernel offers one (a macro),
 * else on LINUX_VERSION_CODE (mainline's version), never on a
 * distribution's name: a kernel that backports one of these changes needs
 * a feature test here, not a name check.
 */
#ifndef _MEMWELL_COMPAT_H
#define _MEMWELL_COMPAT_H

#include <linux/export.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/version.h>

/*
 * 6.3 made vma->vm_flags read-only (writers use these, which also check
 * the mmap lock); before, the field was written directly.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * 6.12 turned struct fd into one tagged word read through fd_file(), a
 * macro: test for it rather than for a version, as stable kernels may
 * backport it.
 */
#ifndef fd_file
#define fd_file(f)	((f).file)
#endif

/*
 * no_llseek is NULL in 6.1 and gone in 6.12: file_operations simply
 * leave .llseek unset, which is the same on every kernel memwell supports.
 */

/*
 * Symbol namespaces: the namespace argument of EXPORT_SYMBOL_NS_GPL() and
 * MODULE_IMPORT_NS() is an identifier up to 6.12 and a string literal
 * from 6.13.  Unused today (memwell's exports are not namespaced); a
 * split module that exports into a namespace uses these two.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define MEMWELL_EXPORT_SYMBOL_NS_GPL(sym)	EXPORT_SYMBOL_NS_GPL(sym, MEMWELL)
#define MEMWELL_IMPORT_NS()			MODULE_IMPORT_NS(MEMWELL)
#else
#define MEMWELL_EXPORT_SYMBOL_NS_GPL(sym)	EXPORT_SYMBOL_NS_GPL(sym, "MEMWELL")
#define MEMWELL_IMPORT_NS()			MODULE_IMPORT_NS("MEMWELL")
#endif

#endif /* _MEMWELL_COMPAT_H */
