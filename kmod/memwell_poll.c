// SPDX-License-Identifier: GPL-2.0
/*
 * Readiness of a ring for poll()/select()/epoll, computed from the ring on
 * every call, and the sleeper's half of the wake protocol:
 *
 *   poller about to sleep                     peer releasing blocks
 *   poll_wait(): on kr->wq                    (C)/(F) publish release_pos
 *   (H) waiters = 1; smp_mb()                 (G) smp_mb(); if (waiters)
 *   look at the ring once more                      MEMWELL_IOC_WAKE or kick:
 *                                                   waiters = 0; wake kr->wq
 *
 * (H) here pairs with (G) in __memwell_wake_peer(), the store-buffering
 * pattern with a full barrier on both sides: either the second look sees
 * the peer's new release_pos, or the peer sees waiters != 0 and wakes the
 * queue this poller is already on.  The pollers of one side share one
 * waiters word; a wake clears it and wakes them all, and each one that
 * still finds nothing announces itself again before it sleeps again.
 *
 * Everything read here is user-writable: positions go only through the
 * core's checked helpers (a corrupt difference reads as "not ready"), and
 * the only loop, the sweep, is bounded by MEMWELL_SWEEP_MAX.
 */
#include "memwell_kring.h"

#define MEMWELL_POLL_IN		(EPOLLIN | EPOLLRDNORM)
#define MEMWELL_POLL_OUT	(EPOLLOUT | EPOLLWRNORM)

/*
 * Can side @s reserve anything?  On a multi-owner peer, spans may be
 * released but not yet published (their releaser's sweep stopped at an
 * earlier span, or at MEMWELL_SWEEP_MAX): publish them first, as
 * __memwell_help_peer() does for a reserver.
 */
static bool memwell_kring_can(struct memwell_kring *kr, unsigned int s)
{
	struct memwell_ring *r = &kr->view;
	unsigned int peer = MEMWELL_SIDE_PEER(s);

	if (s == MEMWELL_SIDE_CONS ? memwell_ready_blocks(r) : memwell_free_blocks(r))
		return true;
	if (!__memwell_side_multi(r, peer))
		return false;
	__memwell_side_sweep(r, peer);
	return s == MEMWELL_SIDE_CONS ? memwell_ready_blocks(r) : memwell_free_blocks(r);
}

/*
 * EPOLLIN for a kernel producer's ring with a watermark, as SO_RCVLOWAT for
 * a socket: only once that many bytes are ready, or when what is ready is
 * due anyway (the latency bound expired, a forced wake-up, the producers
 * hung up).  A consumer in an event loop then wakes, and calls, once per
 * watermark, not once per record.  Records are due until the consumers
 * reserved past @due_pos (a position difference: a lying consumer only
 * misleads its own poll()).
 */
static bool memwell_kring_readable(struct memwell_kring *kr)
{
	u64 wm;

	if (!memwell_kring_can(kr, MEMWELL_SIDE_CONS))
		return false;
	if (!(kr->layout.flags & MEMWELL_F_KERNEL_PROD))
		return true;
	wm = READ_ONCE(kr->wake.watermark);
	if (!wm || memwell_kring_hup(kr, MEMWELL_SIDE_PROD))
		return true;
	if ((s64)(READ_ONCE(kr->wake.due_pos) -
		  READ_ONCE(kr->view.side[MEMWELL_SIDE_CONS]->reserve_pos)) > 0)
		return true;
	return (memwell_ready_blocks(&kr->view) << kr->layout.block_shift) >= wm;
}

static __poll_t memwell_kring_mask(struct memwell_kring *kr, __poll_t want)
{
	__poll_t mask = 0;

	if ((want & MEMWELL_POLL_IN) && memwell_kring_readable(kr))
		mask |= MEMWELL_POLL_IN;
	if ((want & MEMWELL_POLL_OUT) && memwell_kring_can(kr, MEMWELL_SIDE_PROD))
		mask |= MEMWELL_POLL_OUT;
	return mask;
}

/*
 * memwell_kring_poll(), calling @looked(@arg) between the first look and
 * the announcement (H): where a release the poller does not see and a (G)
 * that sees no sleeper meet; and @decided(@arg) after the last look.
 */
static __poll_t memwell_kring_poll_look(struct memwell_kring *kr, __poll_t want,
					void (*looked)(void *arg),
					void (*decided)(void *arg), void *arg)
{
	/*
	 * The kernel's side hung up: nothing more will come (producers), or
	 * be taken (consumers).  Read before the looks, and ordered before
	 * them: the last detach makes the count zero after its commits, so
	 * the looks see every record it made; read after them, a detach in
	 * between would be EPOLLHUP over a record they did not see, and the
	 * consumer would stop with it queued.  Still after poll_wait(): the
	 * detach wakes the queue after the count is zero, so a sleeper that
	 * read it too early is woken to read it again.
	 */
	__poll_t hup = (memwell_kring_hup(kr, MEMWELL_SIDE_PROD) ||
			memwell_kring_hup(kr, MEMWELL_SIDE_CONS)) ? EPOLLHUP : 0;
	__poll_t mask, armed = 0;

	smp_rmb();	/* the counts, then the ring; pairs with the detach */
	mask = memwell_kring_mask(kr, want);

	if (looked)
		looked(arg);
	if ((want & MEMWELL_POLL_IN) && !(mask & MEMWELL_POLL_IN)) {
		/* (H) for the consumers; pairs with (G) after a producer release. */
		smp_store_mb(kr->view.side[MEMWELL_SIDE_CONS]->waiters, 1U);
		armed |= MEMWELL_POLL_IN;
	}
	if ((want & MEMWELL_POLL_OUT) && !(mask & MEMWELL_POLL_OUT)) {
		/* (H) for the producers; pairs with (G) after a consumer release. */
		smp_store_mb(kr->view.side[MEMWELL_SIDE_PROD]->waiters, 1U);
		armed |= MEMWELL_POLL_OUT;
	}
	if (armed)
		mask |= memwell_kring_mask(kr, armed);
	/* Records below the watermark: the latency bound starts now. */
	if ((armed & MEMWELL_POLL_IN) && !(mask & MEMWELL_POLL_IN) &&
	    memwell_ready_blocks(&kr->view))
		memwell_kring_lat_arm(kr);
	if (decided)
		decided(arg);
	return mask | hup;
}

/**
 * memwell_kring_poll() - readiness of a ring, arming the wake protocol
 * @kr: the ring
 * @want: events asked for (poll_requested_events())
 *
 * EPOLLIN | EPOLLRDNORM when the consumers can reserve at least one block
 * (on a kernel producer's ring with a watermark: that many bytes, or
 * records due anyway), EPOLLOUT | EPOLLWRNORM when the producers can (on a
 * records ring a record may need more blocks than are free).  For each
 * direction asked for but not ready, the side that would wait (consumers
 * for EPOLLIN, producers for EPOLLOUT) is marked as having sleepers (H),
 * and readiness is computed once more.  The caller must be on kr->wq already
 * (poll_wait()) for a wake after that to reach it.
 *
 * EPOLLHUP once the last kernel producer of the ring detached (records
 * still queued are EPOLLIN as well), or the last kernel consumer (room
 * left is EPOLLOUT as well), until another one attaches.
 *
 * Return: the ready events among EPOLLIN/EPOLLOUT and their RDNORM/WRNORM,
 * and EPOLLHUP.
 */
__poll_t memwell_kring_poll(struct memwell_kring *kr, __poll_t want)
{
	return memwell_kring_poll_look(kr, want, NULL, NULL, NULL);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_poll, MEMWELL_NS);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * memwell_kring_poll_watched() - memwell_kring_poll(), watched
 * @kr: the ring
 * @want: events asked for
 * @looked: called after the first look at the ring, before the sleeper
 *          is announced (H)
 * @arg: for @looked
 *
 * For the KUnit suites: a release that lands between the look and the
 * announcement, the interleaving the second look exists for.
 *
 * Return: as memwell_kring_poll().
 */
__poll_t memwell_kring_poll_watched(struct memwell_kring *kr, __poll_t want,
				    void (*looked)(void *arg), void *arg)
{
	return memwell_kring_poll_look(kr, want, looked, NULL, arg);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_poll_watched, MEMWELL_NS);

/**
 * memwell_kring_poll_decided() - memwell_kring_poll(), watched at its end
 * @kr: the ring
 * @want: events asked for
 * @decided: called after the last look at the ring, before poll returns
 * @arg: for @decided
 *
 * For the KUnit suites: a last detach after the looks, which must not
 * turn into a hang-up over records the looks did not see.
 *
 * Return: as memwell_kring_poll().
 */
__poll_t memwell_kring_poll_decided(struct memwell_kring *kr, __poll_t want,
				    void (*decided)(void *arg), void *arg)
{
	return memwell_kring_poll_look(kr, want, NULL, decided, arg);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_poll_decided, MEMWELL_NS);
#endif
