/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The one place where the ring core meets its world.  The core
 * (memwell_ring.h) is compiled unmodified in the kernel and in user space;
 * it uses only what this shim names: types, errno values, memcpy, static
 * assertions and the kernel's memory-ordering primitives.  In user space those map onto the
 * GCC/Clang __atomic builtins (C11 model), which ThreadSanitizer
 * understands; in the kernel they are the kernel's own.
 */
#ifndef _MEMWELL_SHIM_H
#define _MEMWELL_SHIM_H

#ifdef __KERNEL__

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>

#define __memwell_read_once(p)		READ_ONCE(*(p))
#define __memwell_write_once(p, v)	WRITE_ONCE(*(p), (v))
/* Acquire/release pairs are documented at each use in memwell_ring.h. */
#define __memwell_load_acquire(p)	smp_load_acquire(p)
/* Release: see memwell_ring.h, (C) and the limit cache. */
#define __memwell_store_release(p, v)	smp_store_release((p), (v))
/* Store, then a full barrier: the store is ordered before any later load. */
#define __memwell_store_mb(p, v)	smp_store_mb(*(p), (v)) /* (E), (H) */
/* A load that follows a full barrier (store_mb or cmpxchg) in program order. */
#define __memwell_load_sc(p)		READ_ONCE(*(p))
/* Fully ordered compare-and-swap; on failure *(oldp) gets the current value. */
#define __memwell_cmpxchg(p, oldp, v)	try_cmpxchg((p), (oldp), (v))
#define __memwell_memcpy(d, s, n)	memcpy((d), (s), (n))
/* Full barrier of the wake protocol: (G) in memwell_ring.h. */
#define __memwell_smp_mb()		smp_mb()
/* The fast path is inlined whole: calls cost more than the work. */
#define __memwell_hot			__always_inline
/* Compile-time checks of the layout claims (memwell_layout.h). */
#define __memwell_static_assert(e, msg)	static_assert(e, msg)
/* Where the core differs by world: __memwell_publish_ordered(). */
#define __MEMWELL_KERNEL		1

#else /* user space */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/cdefs.h>
#include <linux/types.h>

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#define __memwell_read_once(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define __memwell_write_once(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define __memwell_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define __memwell_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
/*
 * The kernel's smp_store_mb() is an xchg on x86; an exchange is also what
 * makes the store-buffering pattern of the sweep (docs/ring-protocol.md)
 * correct in the C11 model, together with __memwell_load_sc().
 */
#define __memwell_store_mb(p, v)	\
	((void)__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST))
#define __memwell_load_sc(p)		__atomic_load_n((p), __ATOMIC_SEQ_CST)
#define __memwell_cmpxchg(p, oldp, v)	\
	__atomic_compare_exchange_n((p), (oldp), (v), false, \
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define __memwell_memcpy(d, s, n)	memcpy((d), (s), (n))
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define __SANITIZE_THREAD__ 1	/* clang's spelling of gcc's macro */
#endif
#endif
#if defined(__SANITIZE_THREAD__)
/*
 * ThreadSanitizer does not support fences (gcc warns under -Werror): a
 * sequentially consistent read-modify-write is a full barrier as well.
 */
static inline void __memwell_smp_mb(void)
{
	int word = 0;

	__atomic_fetch_add(&word, 0, __ATOMIC_SEQ_CST);
}
#else
#define __memwell_smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
/* glibc's <sys/cdefs.h> provides __always_inline, as the kernel does. */
#define __memwell_hot			__always_inline
/* <assert.h> has static_assert in C11 and C++, as the kernel does. */
#define __memwell_static_assert(e, msg)	static_assert(e, msg)
#define __MEMWELL_KERNEL		0

#endif /* __KERNEL__ */
#endif /* _MEMWELL_SHIM_H */
