// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API (memwell_kernel.h): kernel producers and consumers of
 * rings that processes created.  An endpoint holds a reference on its ring
 * and has its own private view of it, with the access bits of its role: a
 * producer view writes only the producer control (and the data), a
 * consumer view only the consumer control.  Everything the kernel reads
 * from the peer's user-writable control goes through the core, which
 * checks every position difference against the private block count: a
 * lying process can corrupt only its own records, never make the kernel
 * touch memory outside the ring.
 *
 * Producer views have no kick: the producer API does (G) itself after a
 * commit, so that the ring's wake policy and the per-call MEMWELL_KF_*
 * flags apply; the wake-up itself is an irq_work (memwell_kring.c).
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "memwell_compat.h"
#include "memwell_kernel.h"
#include "memwell_kring.h"

/**
 * struct memwell_ep - one kernel producer or consumer of a ring
 * @kr: the ring, referenced
 * @view: this endpoint's private view
 * @role: MEMWELL_SIDE_PROD or MEMWELL_SIDE_CONS
 */
struct memwell_ep {
	struct memwell_kring *kr;
	struct memwell_ring view;
	unsigned int role;
};

/**
 * memwell_ep_attach_ring() - attach to a ring the caller holds
 * @kr: the ring: a source kind's (struct memwell_source_ops.start), which
 *      memwell keeps alive until the kind's stop returns; the endpoint
 *      takes its own reference
 * @role: MEMWELL_SIDE_PROD or MEMWELL_SIDE_CONS
 *
 * Process context; may sleep.
 *
 * Return: the endpoint, or ERR_PTR() of -EINVAL (bad role, not a records
 * ring), -EPERM (the ring's flags do not let the kernel take that role:
 * MEMWELL_F_KERNEL_PROD for producers, MEMWELL_F_KERNEL_CONS for
 * consumers), -EBUSY (another kernel endpoint of that role is attached and
 * the side is single-owner) or -ENOMEM.
 */
struct memwell_ep *memwell_ep_attach_ring(struct memwell_kring *kr,
					  unsigned int role)
{
	u32 flags = kr->layout.flags;
	bool prod = role == MEMWELL_SIDE_PROD;
	struct memwell_ep *ep;
	atomic_t *count;

	if (role != MEMWELL_SIDE_PROD && role != MEMWELL_SIDE_CONS)
		return ERR_PTR(-EINVAL);
	if (!(flags & (prod ? MEMWELL_F_KERNEL_PROD : MEMWELL_F_KERNEL_CONS)))
		return ERR_PTR(-EPERM);
	if (!(flags & MEMWELL_F_RECORDS))
		return ERR_PTR(-EINVAL);
	/* On behalf of the process whose ioctl (or fd) attaches it. */
	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		return ERR_PTR(-ENOMEM);
	count = &kr->kern.count[role];
	/*
	 * A single-owner side has one owner: a second one would corrupt it.
	 * It is claimed 0 -> 1 or not at all: a refused attach that counted
	 * itself for a moment would hide the last detach from the end of the
	 * stream (memwell_kring_hup()).  Both are fully ordered.
	 */
	if (flags & (prod ? MEMWELL_F_PROD_MULTI : MEMWELL_F_CONS_MULTI)) {
		atomic_inc_return(count);
	} else if (atomic_cmpxchg(count, 0, 1)) {
		kfree(ep);
		return ERR_PTR(-EBUSY);
	}
	/* After the count: whoever sees the bit sees the count. */
	set_bit(role, &kr->kern.seen);
	memwell_kring_get(kr);
	ep->kr = kr;
	ep->role = role;
	memwell_ring_view(&ep->view, kr->mem.base, &kr->layout, MEMWELL_SIDE_BIT(role));
	if (!prod) {
		/* A consumer arms (H) on an empty ring and kicks producers. */
		ep->view.kick = kr->view.kick;
		ep->view.owner = kr;
	}
	memwell_stat_add(kr, prod ? MEMWELL_STAT_PRODUCERS : MEMWELL_STAT_CONSUMERS, 1);
	return ep;
}
EXPORT_SYMBOL_GPL(memwell_ep_attach_ring);

/**
 * memwell_ep_attach_fd() - attach to the ring of a /dev/memwell file descriptor
 * @fd: a descriptor of the calling process, on which MEMWELL_IOC_CREATE
 *      made a ring
 * @role: MEMWELL_SIDE_PROD or MEMWELL_SIDE_CONS
 *
 * The endpoint holds its own reference on the ring: closing the descriptor
 * does not end it.  The descriptor's file must be allowed to write the
 * side of @role: one that opened a named ring for consuming only does not
 * make a kernel producer.  Process context; may sleep.
 *
 * Return: the endpoint, or ERR_PTR() of -EBADF (no such descriptor),
 * -ENXIO (not a /dev/memwell file with a ring), -EACCES (the file may not
 * write that side), or an error of memwell_ep_attach_ring().
 */
struct memwell_ep *memwell_ep_attach_fd(int fd, unsigned int role)
{
	struct memwell_kring *kr;
	struct memwell_ep *ep;
	struct fd f = fdget(fd);

	if (!fd_file(f))
		return ERR_PTR(-EBADF);
	kr = memwell_file_kring(fd_file(f));
	if (!kr)
		ep = ERR_PTR(-ENXIO);
	else if (role <= MEMWELL_SIDE_CONS &&
		 !(memwell_file_access(fd_file(f)) & MEMWELL_SIDE_BIT(role)))
		ep = ERR_PTR(-EACCES);
	else
		ep = memwell_ep_attach_ring(kr, role);
	fdput(f);
	return ep;
}
EXPORT_SYMBOL_GPL(memwell_ep_attach_fd);

/**
 * memwell_ep_attach_name() - attach to a ring by the name given at creation
 * @name: the name (struct memwell_create.name)
 * @role: MEMWELL_SIDE_PROD or MEMWELL_SIDE_CONS
 *
 * The name is looked up in the initial network namespace: kernel code has
 * no namespace of its own.  The caller's credentials are checked against
 * the ring's owner and mode, as for MEMWELL_IOC_OPEN: a consumer needs
 * read permission, a producer read and write; the owner (same filesystem
 * uid) and CAP_IPC_OWNER pass.  Call it from the path of the process on
 * whose behalf the ring is attached (its ioctl or syscall); kernel threads
 * run with full capabilities.  Process context; may sleep.
 *
 * Return: the endpoint, or ERR_PTR() of -ENOENT (no such ring), -EACCES
 * (credentials), or an error of memwell_ep_attach_ring().
 */
struct memwell_ep *memwell_ep_attach_name(const char *name, unsigned int role)
{
	struct memwell_kring *kr = memwell_kring_find(name);
	struct memwell_ep *ep;

	if (!kr)
		return ERR_PTR(-ENOENT);
	if (role <= MEMWELL_SIDE_CONS &&
	    memwell_kring_permission(kr, &init_user_ns, MEMWELL_SIDE_BIT(role)))
		ep = ERR_PTR(-EACCES);
	else
		ep = memwell_ep_attach_ring(kr, role);
	memwell_kring_put(kr);
	return ep;
}
EXPORT_SYMBOL_GPL(memwell_ep_attach_name);

/*
 * Count a record produced or consumed.  The endpoint of a single-owner side
 * is its only writer (attaching a second one is refused, and processes may
 * not take the kernel's side), so it needs no locked instruction per record;
 * the counter stays an atomic64_t for its readers.
 */
static void memwell_ep_count(struct memwell_ep *ep, enum memwell_stat i)
{
	atomic64_t *c = memwell_stat_ptr(ep->kr, i);

	if (__memwell_side_multi(&ep->view, ep->role))
		atomic64_inc(c);
	else
		atomic64_set(c, atomic64_read(c) + 1);
}

/* struct memwell_kring_lost.state */
#define MEMWELL_LOST_PENDING	0x1
#define MEMWELL_LOST_TAKING	0x2

/*
 * Add to the counts the next MEMWELL_REC_LOST record reports, then say
 * they are pending.  The two counters cannot change together, so each
 * addition is bracketed by @begun and @ended: memwell_lost_take() takes the
 * pair only when no addition overlapped its reading.  Preemption is off,
 * so only an interrupt can keep an addition in flight.  Any context; never
 * waits.
 */
static void memwell_lost_add(struct memwell_kring *kr, u64 recs, u64 bytes)
{
	preempt_disable();
	atomic64_inc(&kr->lost.begun);
	/* Begun before the counts change: pairs with the taker's xchg. */
	smp_mb__after_atomic();
	atomic64_add(recs, &kr->lost.recs);
	atomic64_add(bytes, &kr->lost.bytes);
	/* Counts before ended: pairs with the taker's acquire of ended. */
	smp_mb__before_atomic();
	atomic64_inc(&kr->lost.ended);
	/* Fully ordered: the counts before the word that says they wait. */
	atomic_fetch_or(MEMWELL_LOST_PENDING, &kr->lost.state);
	preempt_enable();
}

/**
 * memwell_ep_drop() - count a record a producer gave up on
 * @ep: a producer endpoint
 * @len: its payload bytes
 *
 * memwell_ep_reserve() counts the records it finds no room for itself; this
 * is for a caller that gives up after -EBUSY.  The next record produced is
 * preceded by a MEMWELL_REC_LOST record.  Any context.
 */
void memwell_ep_drop(struct memwell_ep *ep, u32 len)
{
	struct memwell_kring *kr = ep->kr;

	memwell_lost_add(kr, 1, len);
	memwell_stat_add(kr, MEMWELL_STAT_DROPPED, 1);
	memwell_stat_add(kr, MEMWELL_STAT_DROPPED_BYTES, len);
}
EXPORT_SYMBOL_GPL(memwell_ep_drop);

/**
 * memwell_ep_error() - count a bad record a kernel consumer found
 * @ep: the endpoint
 *
 * struct memwell_ring_stats errors.  Any context.
 */
void memwell_ep_error(struct memwell_ep *ep)
{
	memwell_stat_add(ep->kr, MEMWELL_STAT_ERRORS, 1);
}
EXPORT_SYMBOL_GPL(memwell_ep_error);

/*
 * Take the pair of lost counts, with MEMWELL_LOST_TAKING held, if no
 * memwell_lost_add() overlaps: every addition that had begun had ended
 * (read in that order, so an ended one is also seen begun), and none began
 * before both were taken (an addition seen by either xchg has its begin
 * seen by the re-read, the xchg being a full barrier).  Otherwise the pair
 * stays pending, whole.
 *
 * Return: 0 (*@recs may be 0: nothing was pending) or -EBUSY.
 */
static int memwell_lost_take(struct memwell_kring *kr, u64 *recs, u64 *bytes)
{
	s64 ended = atomic64_read_acquire(&kr->lost.ended);
	s64 begun = atomic64_read(&kr->lost.begun);

	if (begun == ended) {
		*recs = atomic64_xchg(&kr->lost.recs, 0);
		*bytes = atomic64_xchg(&kr->lost.bytes, 0);
		if (atomic64_read(&kr->lost.begun) == begun)
			return 0;
		if (*recs || *bytes)
			memwell_lost_add(kr, *recs, *bytes);
	}
	/* An addition in flight will say pending itself; the earlier ones not. */
	atomic_or(MEMWELL_LOST_PENDING, &kr->lost.state);
	return -EBUSY;
}

/*
 * Records were dropped: the MEMWELL_REC_LOST record that reports them
 * must come before any record reserved after the drops, or a consumer
 * would see the gap before its explanation.  So while drops are pending,
 * no producer reserves a record: one of them (MEMWELL_LOST_TAKING, taken
 * without waiting) takes the counts and reserves their report, and any
 * other gets -EBUSY meanwhile (it retries, or drops its record: counted,
 * reported later).  One word holds both bits, so the check that lets a
 * record through reads them at once: a taker sets TAKING as it clears
 * PENDING, and clears TAKING (release) only after its reservation.
 *
 * Return: 0 (nothing pending, or reported now), -EBUSY, or an error of
 * the LOST record's reservation (the counts stay pending).
 */
static int memwell_flush_lost(struct memwell_ep *ep)
{
	struct memwell_kring *kr = ep->kr;
	struct memwell_rec rec;
	struct memwell_lost *l;
	u64 recs, bytes;
	int state, err;

	/* Acquire: pairs with the release of the last taker. */
	state = atomic_read_acquire(&kr->lost.state);
	if (likely(!state))
		return 0;
	if (state != MEMWELL_LOST_PENDING ||
	    atomic_cmpxchg(&kr->lost.state, MEMWELL_LOST_PENDING,
			   MEMWELL_LOST_TAKING) != MEMWELL_LOST_PENDING)
		return -EBUSY;
	/* Held briefly, by a producer that is not preempted. */
	preempt_disable();
	err = memwell_lost_take(kr, &recs, &bytes);
	if (err || !recs)
		goto out;
	err = memwell_rec_reserve(&ep->view, sizeof(*l), &rec);
	if (err) {
		memwell_lost_add(kr, recs, bytes);
		goto out;
	}
	/* Payloads start 8 bytes into a block of >= 8 bytes: aligned. */
	l = rec.data;
	l->records = recs;
	l->bytes = bytes;
	__memwell_rec_set_hdr(&ep->view, rec.span.pos, rec.len, MEMWELL_REC_LOST);
	err = memwell_release(&ep->view, MEMWELL_SIDE_PROD, &rec.span);
out:
	/* Release: our reservation comes before any that sees the word clear. */
	atomic_fetch_andnot_release(MEMWELL_LOST_TAKING, &kr->lost.state);
	preempt_enable();
	return err;
}

/**
 * memwell_ep_detach() - end an endpoint
 * @ep: the endpoint; nothing may use it any more, and it must hold no
 *      reserved record
 *
 * A producer first reports the records it dropped last, if there is room
 * for the MEMWELL_REC_LOST record (they are in the stats either way).
 * When the last kernel producer of a ring detaches, its pollers see
 * EPOLLHUP (after the records still queued); when the last kernel consumer
 * does, so do the processes producing into it, woken if asleep for room.
 * A new endpoint of that side ends the hang-up.  Drops the endpoint's ring
 * reference, which may free the ring.  Process context; may sleep.
 */
void memwell_ep_detach(struct memwell_ep *ep)
{
	struct memwell_kring *kr = ep->kr;
	bool prod = ep->role == MEMWELL_SIDE_PROD;

	if (prod && atomic_read(&kr->lost.state) && !memwell_flush_lost(ep))
		memwell_kring_produced(kr, 0);
	memwell_stat_add(kr, prod ? MEMWELL_STAT_PRODUCERS : MEMWELL_STAT_CONSUMERS, -1);
	/*
	 * The last of its side: the processes of the other side see EPOLLHUP
	 * (memwell_kring_hup(), derived from the count this makes zero), and
	 * those asleep in poll() wake up to see it.
	 */
	if (atomic_dec_and_test(&kr->kern.count[ep->role]))
		wake_up_interruptible_poll(&kr->wq, EPOLLHUP | (prod ?
					   EPOLLIN | EPOLLRDNORM :
					   EPOLLOUT | EPOLLWRNORM));
	memwell_kring_put(kr);
	kfree(ep);
}
EXPORT_SYMBOL_GPL(memwell_ep_detach);

/*
 * Spans of the processes' side one endpoint call publishes for them at
 * most.  Their marks are user-writable: a hostile or dead process can
 * leave a chain as long as the ring, and a call may be in hardirq context.
 * Past this the call fails as if the ring were full (a producer's record
 * is dropped and counted); the processes' own releases, or poll(), sweep
 * on.
 */
#define MEMWELL_EP_SWEEP_MAX	16U

/*
 * An endpoint may write only its own side, so its own calls cannot publish
 * what the processes of the other side released but left unswept (a sweep
 * stopped at MEMWELL_SWEEP_MAX, or a process killed between its mark and
 * its sweep).  The ring's own view may: sweep the peer's side with it, as
 * poll() does, MEMWELL_EP_SWEEP_MAX spans at most.  Any context but NMI.
 */
static bool memwell_ep_help_peer(struct memwell_ep *ep)
{
	unsigned int peer = MEMWELL_SIDE_PEER(ep->role);

	if (!__memwell_side_multi(&ep->kr->view, peer))
		return false;
	return __memwell_side_sweep_max(&ep->kr->view, peer, MEMWELL_EP_SWEEP_MAX);
}

/**
 * memwell_ep_reserve() - reserve a record in place
 * @ep: a producer endpoint
 * @len: payload bytes, 1 .. memwell_ep_rec_max()
 * @rec: the record: write @len bytes at rec->data, then memwell_ep_commit()
 *       or memwell_ep_discard() it, from the same context, soon
 *
 * If records were dropped before, a MEMWELL_REC_LOST record saying how
 * many goes first: no record reserved after a drop precedes its report.
 * A full ring drops the record: it is counted
 * (struct memwell_ring_stats dropped and dropped_bytes) and reported to
 * the consumers by the next MEMWELL_REC_LOST record.  Any context but NMI;
 * never sleeps or waits.
 *
 * Return: 0; -EAGAIN (full: dropped and counted), -EBUSY (lost races on a
 * multi-owner side, or another producer is reserving the report of earlier
 * drops: retry, or give up with memwell_ep_drop()), -EMSGSIZE
 * (never fits), -EINVAL (not a producer, zero length), -EIO (corrupt
 * consumer positions: nothing was written).
 */
int memwell_ep_reserve(struct memwell_ep *ep, u32 len, struct memwell_rec *rec)
{
	bool helped = false;
	int err;

	if (unlikely(ep->role != MEMWELL_SIDE_PROD))
		return -EINVAL;
	if (unlikely(!len))
		return -EINVAL;
	if (unlikely(len > ep->view.rec_max))
		return -EMSGSIZE;
	/* The peer is helped once a call at most: bounded work. */
	err = memwell_flush_lost(ep);
	if (err == -EAGAIN && memwell_ep_help_peer(ep)) {
		helped = true;
		err = memwell_flush_lost(ep);
	}
	if (!err) {
		err = memwell_rec_reserve(&ep->view, len, rec);
		if (err == -EAGAIN && !helped && memwell_ep_help_peer(ep))
			err = memwell_rec_reserve(&ep->view, len, rec);
	}
	if (err == -EAGAIN)
		memwell_ep_drop(ep, len);
	return err;
}
EXPORT_SYMBOL_GPL(memwell_ep_reserve);

/**
 * memwell_ep_commit() - publish a reserved record
 * @ep: the producer endpoint that reserved it
 * @rec: the record
 * @flags: MEMWELL_KF_*: NO_WAKEUP or FORCE_WAKEUP, or 0 for the ring's
 *         wake policy
 *
 * Consumers asleep in poll() are woken through an irq_work, if the policy
 * says so.  Any context but NMI.
 *
 * Return: 0, or -EINVAL (bad flags, not a producer, a span not held).
 */
int memwell_ep_commit(struct memwell_ep *ep, const struct memwell_rec *rec,
		      unsigned int flags)
{
	int err;

	if (unlikely(ep->role != MEMWELL_SIDE_PROD || (flags & ~MEMWELL_KF_ALL)))
		return -EINVAL;
	err = memwell_rec_commit(&ep->view, rec);
	if (err)
		return err;
	memwell_ep_count(ep, MEMWELL_STAT_PRODUCED);
	memwell_kring_produced(ep->kr, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(memwell_ep_commit);

/**
 * memwell_ep_discard() - give a reserved record back: consumers skip it
 * @ep: the producer endpoint that reserved it
 * @rec: the record
 * @flags: MEMWELL_KF_* as for memwell_ep_commit()
 *
 * Any context but NMI.
 *
 * Return: 0 or -EINVAL.
 */
int memwell_ep_discard(struct memwell_ep *ep, const struct memwell_rec *rec,
		       unsigned int flags)
{
	int err;

	if (unlikely(ep->role != MEMWELL_SIDE_PROD || (flags & ~MEMWELL_KF_ALL)))
		return -EINVAL;
	err = memwell_rec_discard(&ep->view, rec);
	if (!err && (flags & MEMWELL_KF_FORCE_WAKEUP))
		memwell_kring_produced(ep->kr, flags);
	return err;
}
EXPORT_SYMBOL_GPL(memwell_ep_discard);

/**
 * memwell_ep_output() - copy @len bytes in as one record
 * @ep: a producer endpoint
 * @data: the payload
 * @len: its bytes
 * @flags: MEMWELL_KF_* as for memwell_ep_commit()
 *
 * A record that finds no room (-EAGAIN) or loses every reservation race
 * (-EBUSY) is dropped and counted.  Any context but NMI.
 *
 * Return: 0, or an error of memwell_ep_reserve() (the record is dropped).
 */
int memwell_ep_output(struct memwell_ep *ep, const void *data, u32 len,
		      unsigned int flags)
{
	struct memwell_rec rec;
	int err;

	if (unlikely(flags & ~MEMWELL_KF_ALL))
		return -EINVAL;
	err = memwell_ep_reserve(ep, len, &rec);
	if (err == -EBUSY)
		memwell_ep_drop(ep, len);
	if (err)
		return err;
	memcpy(rec.data, data, len);
	return memwell_ep_commit(ep, &rec, flags);
}
EXPORT_SYMBOL_GPL(memwell_ep_output);

/**
 * memwell_ep_peek() - take the next record a process produced
 * @ep: a consumer endpoint
 * @rec: the record, read in place; give it back with memwell_ep_release()
 *
 * rec->len was checked against the ring; the payload itself is
 * user-writable memory: copy what you rely on before checking it.  On an
 * empty ring the consumer side announces it may sleep (see memwell_ep_wait()).
 * Any context but NMI.
 *
 * Return: 0, -EAGAIN (empty), -EBUSY, -EINVAL or -EIO (corrupt producer
 * positions or record headers).
 */
int memwell_ep_peek(struct memwell_ep *ep, struct memwell_rec *rec)
{
	int err;

	if (unlikely(ep->role != MEMWELL_SIDE_CONS))
		return -EINVAL;
	err = memwell_rec_peek(&ep->view, rec);
	if (err == -EAGAIN && memwell_ep_help_peer(ep))
		err = memwell_rec_peek(&ep->view, rec);
	return err;
}
EXPORT_SYMBOL_GPL(memwell_ep_peek);

/**
 * memwell_ep_release() - give a peeked record back to the producers
 * @ep: the consumer endpoint that peeked it
 * @rec: the record
 *
 * Producers asleep in poll() for room are woken through an irq_work.  Any
 * context but NMI.
 *
 * Return: 0 or -EINVAL.
 */
int memwell_ep_release(struct memwell_ep *ep, const struct memwell_rec *rec)
{
	int err;

	if (unlikely(ep->role != MEMWELL_SIDE_CONS))
		return -EINVAL;
	err = memwell_rec_release(&ep->view, rec);
	if (!err)
		memwell_ep_count(ep, MEMWELL_STAT_CONSUMED);
	return err;
}
EXPORT_SYMBOL_GPL(memwell_ep_release);

/*
 * The wait condition of memwell_ep_wait().  Every time it finds nothing it
 * announces the sleeper again (H) before its last look: a wake-up that
 * found nothing (a forced one, or another consumer took the records)
 * cleared the announcement, and a producer only kicks announced sleepers.
 */
static bool memwell_ep_ready(struct memwell_ep *ep)
{
	if (memwell_ready_blocks(&ep->view))
		return true;
	memwell_ep_help_peer(ep);
	if (memwell_ready_blocks(&ep->view))
		return true;
	__memwell_arm(&ep->view, MEMWELL_SIDE_CONS);
	return memwell_ready_blocks(&ep->view) != 0;
}

/**
 * memwell_ep_wait() - sleep until records are ready for a consumer
 * @ep: a consumer endpoint, whose last memwell_ep_peek() gave -EAGAIN
 * @timeout: jiffies at most
 *
 * Process context.  Returns early for a signal or a kthread_stop() wake-up
 * only when @timeout expires: keep it short in a kthread.
 *
 * Return: as wait_event_interruptible_timeout(): > 0 when ready, 0 on
 * timeout, -ERESTARTSYS on a signal.
 */
long memwell_ep_wait(struct memwell_ep *ep, long timeout)
{
	struct memwell_kring *kr = ep->kr;

	return wait_event_interruptible_timeout(kr->wq,
			memwell_ep_ready(ep), timeout);
}
EXPORT_SYMBOL_GPL(memwell_ep_wait);

/**
 * memwell_ep_rec_max() - largest record payload of the endpoint's ring
 * @ep: an endpoint
 *
 * Return: bytes.
 */
u64 memwell_ep_rec_max(const struct memwell_ep *ep)
{
	return ep->view.rec_max;
}
EXPORT_SYMBOL_GPL(memwell_ep_rec_max);
