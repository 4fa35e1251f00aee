/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wake.pml - Promela model of the wake protocol between a kernel producer
 * and a consumer that sleeps in poll() (docs/wake-protocol.md), with the
 * default wake policy's deferred wake-up (kmod/memwell_kring.c), checked
 * exhaustively with spin by tests/spin/run.sh.
 *
 * What is modelled (C function: proctype)
 *   memwell_kring_produced()   producer: N commits, each (C) publishing one
 *                              record, then (G) and the policy: a
 *                              consumer that announced sleep is woken at
 *                              once (eager, cold, half the ring ready) or
 *                              the wake-up is left to the latency timer
 *                              (memwell_kring_defer(): hot, or the timer
 *                              armed already); which of the two is chosen
 *                              nondeterministically at every commit, so
 *                              every outcome of the clock is covered
 *   memwell_kring_lat_start()  producer: a plain look at lat_armed, then
 *                              the exchange and hrtimer_start()
 *   memwell_kring_lat_fn()     timer: fires at any time once started;
 *                              exchanges lat_armed to 0, looks for ready
 *                              records, then (G) and waiters
 *   memwell_kring_wake_work()  waker: the irq_work; memwell_kring_wake()
 *   + memwell_kring_wake()     clears waiters, then wakes the wait queue
 *   poll() + the ring call     consumer: takes what is published; when
 *                              there is none it polls: poll_wait() (on the
 *                              queue), (H) waiters = 1, one more look,
 *                              then sleeps until a wake reached it
 *                              (pollwake()'s `triggered' remembers a wake
 *                              that came between the look and the sleep)
 *
 * Abstractions: memory is sequentially consistent and each statement is
 * one access to shared memory, so the full barriers (G), (H) and the
 * fully ordered exchanges are what SC gives; the mutants put back the
 * store buffer (TSO) where a barrier is taken away.  Positions count
 * records.  The watermark, MEMWELL_WAKE_NEVER and several consumers are
 * not modelled (docs/wake-protocol.md argues them).
 *
 * Checked: no invalid end state.  The producer and the timer always end
 * or wait for work, so the only way to end badly is a consumer asleep for
 * good with records published and nobody left to wake it: a lost wake-up.
 * The timer is free to fire at any time after it was started, so a
 * deferral may last arbitrarily long in the model; what is checked is that
 * a wake-up always comes, the bound on its delay being the timer's.
 *
 * Mutants (-D switches); each must be caught as an invalid end state:
 *   MUT_TIMER_STORE  the timer clears lat_armed with a plain store, which
 *                    waits in its store buffer past its look at the ring
 *                    (x86 does that): a commit in between sees the timer
 *                    still armed, and the timer does not see the record
 *   MUT_NOARM        a deferred wake-up does not start the timer
 *   MUT_NO_H         the consumer's waiters store without its barrier:
 *                    visible only after its last look at the ring
 */

#ifndef N
#define N	2		/* records the producer commits */
#endif

byte pos = 0;		/* PROD.release_pos */
byte cons = 0;		/* the consumer's position */
bit waiters = 0;	/* CONS.waiters */
bit lat_armed = 0;	/* wake.lat_armed */
bit timer_q = 0;	/* lat_timer started, not yet fired */
bit work_q = 0;		/* the irq_work queued for CONS */
bit onq = 0;		/* the consumer is on kr->wq */
bit triggered = 0;	/* a wake reached it since poll_wait() */

/* memwell_kring_kick_side(CONS): set_bit() and irq_work_queue(). */
inline kick()
{
	work_q = 1
}

proctype producer()
{
	byte i = 0;
	bit old;

	do
	:: i == N -> break
	:: else ->
		pos++;			/* (C), then (G) */
		if
		:: waiters == 0 -> skip
		:: else ->
			if
			:: kick()	/* wake now */
			:: skip ->	/* defer to the timer */
#ifndef MUT_NOARM
				if
				:: lat_armed -> skip
				:: else ->
					d_step { old = lat_armed; lat_armed = 1 };
					if
					:: old == 0 -> timer_q = 1
					:: else -> skip
					fi
				fi
#endif
			fi
		fi;
		i++
	od
}

proctype timer()
{
	bit sb = 0;		/* MUT_TIMER_STORE: lat_armed = 0 buffered */

end:	do
	:: timer_q ->
		timer_q = 0;
#ifdef MUT_TIMER_STORE
		sb = 1;
#else
		lat_armed = 0;	/* atomic_xchg() */
#endif
		if
		:: pos == cons -> skip	/* nothing ready */
		:: else ->
			if	/* (G), then waiters */
			:: waiters -> kick()
			:: else -> skip
			fi
		fi;
		if
		:: sb -> lat_armed = 0; sb = 0	/* the store buffer drains */
		:: else -> skip
		fi
	od
}

proctype waker()
{
end:	do
	:: work_q ->
		work_q = 0;
		waiters = 0;		/* xchg(), before the wake */
		if
		:: onq -> triggered = 1
		:: else -> skip
		fi
	od
}

proctype consumer()
{
	byte seen;

	do
	:: cons == N -> break
	:: else ->
		seen = pos;
		if
		:: seen != cons -> cons = seen	/* took what was published */
		:: else ->
			onq = 1;	/* poll_wait() */
#ifdef MUT_NO_H
			seen = pos;	/* the look passes the buffered store */
			waiters = 1;
#else
			waiters = 1;	/* (H): smp_store_mb() */
			seen = pos;
#endif
			if
			:: seen != cons -> skip	/* EPOLLIN */
			:: else -> triggered == 1	/* asleep until woken */
			fi;
			d_step { onq = 0; triggered = 0 }
		fi
	od
}

init
{
	atomic {
		run producer();
		run timer();
		run waker();
		run consumer()
	}
}
