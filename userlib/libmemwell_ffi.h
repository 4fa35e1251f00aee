/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libmemwell's fast path out of line, for callers that cannot compile C
 * inline functions: Python (ctypes, cffi), Rust or Go without a C shim,
 * dlopen()/dlsym().  Each memwell_ffi_X() is the inline memwell_X() of the
 * ring core (memwell_ring.h), with the same arguments, results and
 * errors, compiled once into libmemwell.so (version LIBMEMWELL_1.1).
 *
 * C and C++ code should call the inline functions: they cost no call, and
 * the compiler specialises them for constant arguments.  The names differ
 * (unlike liburing-ffi, which exports the inline names themselves from a
 * second library) so that one library serves both and a C reader never
 * wonders which of two same-named functions a call reaches.
 *
 * The structs these take (struct memwell_span, memwell_rec, memwell_batch)
 * are caller-allocated and part of the ABI from this version on: their
 * sizes and field offsets are fixed (checked in memwell_ffi.c).  struct
 * memwell_ring stays opaque: pass the pointer memwell_get_ring() returns.
 */
#ifndef LIBMEMWELL_FFI_H
#define LIBMEMWELL_FFI_H

#include "libmemwell.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Blocks (any ring). */
int memwell_ffi_reserve(struct memwell_ring *r, unsigned int s, __u64 min,
			__u64 max, struct memwell_span *sp);
int memwell_ffi_release(struct memwell_ring *r, unsigned int s,
			const struct memwell_span *sp);
void *memwell_ffi_block(const struct memwell_ring *r, __u64 pos);
__u64 memwell_ffi_block_size(const struct memwell_ring *r);
__u64 memwell_ffi_ready_blocks(const struct memwell_ring *r);
__u64 memwell_ffi_free_blocks(const struct memwell_ring *r);

/* Records, one at a time (MEMWELL_F_RECORDS). */
__u64 memwell_ffi_rec_blocks(const struct memwell_ring *r, __u64 len);
int memwell_ffi_rec_reserve(struct memwell_ring *r, __u64 len,
			    struct memwell_rec *rec);
int memwell_ffi_rec_commit(struct memwell_ring *r, const struct memwell_rec *rec);
int memwell_ffi_rec_discard(struct memwell_ring *r, const struct memwell_rec *rec);
int memwell_ffi_rec_write(struct memwell_ring *r, const void *buf, __u64 len);
int memwell_ffi_rec_peek(struct memwell_ring *r, struct memwell_rec *rec);
int memwell_ffi_rec_release(struct memwell_ring *r, const struct memwell_rec *rec);
long memwell_ffi_rec_read(struct memwell_ring *r, void *buf, __u64 size);

/* Records, many under one reservation. */
int memwell_ffi_batch_reserve(struct memwell_ring *r, __u64 min_blocks,
			      __u64 max_blocks, struct memwell_batch *b);
void *memwell_ffi_batch_put(struct memwell_ring *r, struct memwell_batch *b,
			    __u64 len);
int memwell_ffi_batch_commit(struct memwell_ring *r, struct memwell_batch *b);
int memwell_ffi_batch_take(struct memwell_ring *r, __u32 max_recs,
			   __u64 max_blocks, __u64 max_len, struct memwell_batch *b);
int memwell_ffi_batch_next(const struct memwell_ring *r, struct memwell_batch *b,
			   struct memwell_rec *rec);
int memwell_ffi_batch_release(struct memwell_ring *r, const struct memwell_batch *b);

#ifdef __cplusplus
}
#endif

#endif /* LIBMEMWELL_FFI_H */
