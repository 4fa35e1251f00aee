/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * memwell ring core: lock-free block reservation and variable-length
 * records over the layout of memwell.h.  The same source is compiled in
 * the kernel (memwell.ko) and in user space (libmemwell); memwell_shim.h
 * maps its few primitives onto each world.  Include this header; it pulls
 * in the parts, one job each:
 *
 *   memwell_layout.h   private view, layout compute/view/format/attach
 *   memwell_blocks.h   reserve, release, sweep, recover, wake hooks, poll
 *   memwell_records.h  one record at a time
 *   memwell_batch.h    many records under one reservation
 *
 * The public API, all static inline (names with __memwell_ are internal):
 *
 *   function                what it does                     errors
 *   memwell_layout_compute  where a ring's regions go         -EINVAL
 *   memwell_ring_format     initialise a new ring's header    -
 *   memwell_ring_view       a view of a trusted layout        -
 *   memwell_ring_attach     validate a header, build a view   -EINVAL -EMSGSIZE
 *   memwell_block           address of the block at a pos     -
 *   memwell_block_size      bytes per block                   -
 *   memwell_reserve         claim min..max blocks of a side   A B M I P E
 *   memwell_release         hand a span to the other side     -EINVAL -EPERM
 *   memwell_side_recover    release what dead owners held     -EIO
 *   memwell_ready_blocks    blocks consumers may take now     -
 *   memwell_free_blocks     blocks producers may take now     -
 *   memwell_rec_blocks      blocks a record of len occupies   -
 *   memwell_rec_reserve     room for one record               A B M I P E
 *   memwell_rec_commit      publish it                        -EINVAL -EPERM
 *   memwell_rec_discard     give it back, consumers skip it   -EINVAL -EPERM
 *   memwell_rec_write       reserve + copy in + commit        A B M I P E
 *   memwell_rec_peek        take the next record              A B I P E
 *   memwell_rec_release     give a peeked record back         -EINVAL -EPERM
 *   memwell_rec_read        peek + copy out + release         A B M I P E
 *   memwell_batch_reserve   blocks for many records           A B M I P E
 *   memwell_batch_put       room for one more record          NULL: no room
 *   memwell_batch_commit    publish every record put          -EINVAL -EPERM
 *   memwell_batch_take      take up to n records              A B M I P E
 *   memwell_batch_next      walk a taken batch                -ENOENT -EIO
 *   memwell_batch_release   give a taken batch back           -EINVAL -EPERM
 *
 * Every call is bounded: a full ring, an empty ring or lost races return a
 * negative errno at once and never wait for another participant.
 *
 *   A -EAGAIN   nothing to do now: the ring was seen full (producer) or
 *               empty (consumer) after a fresh look at the peer's position
 *   B -EBUSY    multi-owner side only: MEMWELL_CAS_TRIES reservations by
 *               other owners won the race during this call; retry at once
 *   M -EMSGSIZE the request can never fit (larger than the ring, or a
 *               record larger than the caller's buffer)
 *   I -EINVAL   bad argument (zero length, wrong mode, span not held)
 *   P -EPERM    this participant may not act on that side (only the kernel
 *               produces or consumes on this ring)
 *   E -EIO      the shared state is corrupt: a position or record header in
 *               shared memory is out of range.  Nothing outside the ring
 *               was touched.
 *
 * Shared state is never trusted to decide where memory is touched: every
 * position difference is checked against the private block count, every
 * block index is masked, and no loop bound is read from shared memory.
 * The protocol and its barrier pairing are in docs/ring-protocol.md and
 * docs/wake-protocol.md; the labels (A) to (H) in the parts refer to them.
 */
#ifndef _MEMWELL_RING_H
#define _MEMWELL_RING_H

#include "memwell_layout.h"
#include "memwell_blocks.h"
#include "memwell_records.h"
#include "memwell_batch.h"

#endif /* _MEMWELL_RING_H */
