// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * The fast path out of line (libmemwell_ffi.h): each function is one call
 * of the inline ring core, so there is exactly one implementation and the
 * exported behaviour cannot drift from what C callers inline.
 */
#include "libmemwell_ffi.h"

/*
 * The caller-allocated structs are ABI for foreign callers, who mirror
 * them by hand (bindings/python/memwell.py): a change here must be a new
 * symbol version, not a silent move.
 */
#define MEMWELL_FFI_LAYOUT(type, field, off) \
	__memwell_static_assert(offsetof(struct type, field) == (off), \
				#type "." #field " is at byte " #off)
__memwell_static_assert(sizeof(struct memwell_span) == 16, "memwell_span: 16 bytes");
MEMWELL_FFI_LAYOUT(memwell_span, pos, 0);
MEMWELL_FFI_LAYOUT(memwell_span, n, 8);
__memwell_static_assert(sizeof(struct memwell_rec) == 32, "memwell_rec: 32 bytes");
MEMWELL_FFI_LAYOUT(memwell_rec, data, 0);
MEMWELL_FFI_LAYOUT(memwell_rec, len, 8);
MEMWELL_FFI_LAYOUT(memwell_rec, flags, 12);
MEMWELL_FFI_LAYOUT(memwell_rec, span, 16);
__memwell_static_assert(sizeof(struct memwell_batch) == 32, "memwell_batch: 32 bytes");
MEMWELL_FFI_LAYOUT(memwell_batch, span, 0);
MEMWELL_FFI_LAYOUT(memwell_batch, used, 16);
MEMWELL_FFI_LAYOUT(memwell_batch, records, 24);
#undef MEMWELL_FFI_LAYOUT

int memwell_ffi_reserve(struct memwell_ring *r, unsigned int s, __u64 min,
			__u64 max, struct memwell_span *sp)
{
	return memwell_reserve(r, s, min, max, sp);
}

int memwell_ffi_release(struct memwell_ring *r, unsigned int s,
			const struct memwell_span *sp)
{
	return memwell_release(r, s, sp);
}

void *memwell_ffi_block(const struct memwell_ring *r, __u64 pos)
{
	return memwell_block(r, pos);
}

__u64 memwell_ffi_block_size(const struct memwell_ring *r)
{
	return memwell_block_size(r);
}

__u64 memwell_ffi_ready_blocks(const struct memwell_ring *r)
{
	return memwell_ready_blocks(r);
}

__u64 memwell_ffi_free_blocks(const struct memwell_ring *r)
{
	return memwell_free_blocks(r);
}

__u64 memwell_ffi_rec_blocks(const struct memwell_ring *r, __u64 len)
{
	return memwell_rec_blocks(r, len);
}

int memwell_ffi_rec_reserve(struct memwell_ring *r, __u64 len,
			    struct memwell_rec *rec)
{
	return memwell_rec_reserve(r, len, rec);
}

int memwell_ffi_rec_commit(struct memwell_ring *r, const struct memwell_rec *rec)
{
	return memwell_rec_commit(r, rec);
}

int memwell_ffi_rec_discard(struct memwell_ring *r, const struct memwell_rec *rec)
{
	return memwell_rec_discard(r, rec);
}

int memwell_ffi_rec_write(struct memwell_ring *r, const void *buf, __u64 len)
{
	return memwell_rec_write(r, buf, len);
}

int memwell_ffi_rec_peek(struct memwell_ring *r, struct memwell_rec *rec)
{
	return memwell_rec_peek(r, rec);
}

int memwell_ffi_rec_release(struct memwell_ring *r, const struct memwell_rec *rec)
{
	return memwell_rec_release(r, rec);
}

long memwell_ffi_rec_read(struct memwell_ring *r, void *buf, __u64 size)
{
	return memwell_rec_read(r, buf, size);
}

int memwell_ffi_batch_reserve(struct memwell_ring *r, __u64 min_blocks,
			      __u64 max_blocks, struct memwell_batch *b)
{
	return memwell_batch_reserve(r, min_blocks, max_blocks, b);
}

void *memwell_ffi_batch_put(struct memwell_ring *r, struct memwell_batch *b,
			    __u64 len)
{
	return memwell_batch_put(r, b, len);
}

int memwell_ffi_batch_commit(struct memwell_ring *r, struct memwell_batch *b)
{
	return memwell_batch_commit(r, b);
}

int memwell_ffi_batch_take(struct memwell_ring *r, __u32 max_recs,
			   __u64 max_blocks, __u64 max_len, struct memwell_batch *b)
{
	return memwell_batch_take(r, max_recs, max_blocks, max_len, b);
}

int memwell_ffi_batch_next(const struct memwell_ring *r, struct memwell_batch *b,
			   struct memwell_rec *rec)
{
	return memwell_batch_next(r, b, rec);
}

int memwell_ffi_batch_release(struct memwell_ring *r, const struct memwell_batch *b)
{
	return memwell_batch_release(r, b);
}
