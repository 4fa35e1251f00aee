// SPDX-License-Identifier: GPL-2.0
/*
 * bench-vm contender 1: memwell.  A kernel-to-user records ring on
 * /dev/memwell (MEMWELL_F_KERNEL_PROD, 1 MiB of 8-byte blocks), the
 * gen source (memwell_gen.ko) in kthread context producing COUNT records per
 * producer flat out, consumed here through the mapping in batches
 * (memwell_batch_take/next/release), as `memwell stream` does.
 *
 * The gen source produces one record per reservation and commit
 * (MEMWELL_GEN_F_SINGLE), or with MWB_GEN=batch in the environment rounds
 * of records as one batch each (memwell_ep_batch_*(): one reservation,
 * one commit and one wake check per round), reported as "memwell-b".
 *
 * spin:  the consumer never sleeps (retries memwell_batch_take()) and sets
 *        MEMWELL_WAKE_NEVER, so the producer never wakes it.
 * sleep: when drained it sleeps in epoll_wait() until the kernel wakes it
 *        (the default policy: at once if it was not woken moments ago,
 *        else within MEMWELL_WAKE_DEFER_NS, with all that came meanwhile).
 * sleep-wm: the same, with the ring's wake policy set to wake it once a
 *        quarter of the ring is ready or at most 1 ms after a record that
 *        did not wake it (MEMWELL_IOC_SET_WAKE): fewer, larger batches.
 * sleep-eager: the same with MEMWELL_WAKE_EAGER: woken at the first
 *        commit after it slept (the default before the deferred wake-up).
 *
 * MWB_STAMP=1: wake-up latencies (bench.h); MWB_RATE=N: N records/s.
 *
 * usage: mwb_memwell SIZE COUNT spin|sleep|sleep-wm|sleep-eager [PRODUCERS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libmemwell.h"
#include "bench.h"

int main(int argc, char **argv)
{
	struct memwell_opts o = { .size = sizeof(o),
				  .flags = MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD,
				  .block_shift = 3, .count_shift = 17 };
	struct memwell_source src = { .size = sizeof(src), .kind = MEMWELL_SRC_GEN,
				      .context = MEMWELL_CTX_KTHREAD };
	struct mwb_result res = { .contender = "memwell" };
	struct memwell_ring_stats ks;
	struct memwell_io_stats io;
	struct mwb_touch t = { 0 };
	struct epoll_event ev;
	struct memwell_ring *r;
	struct memwell *mw;
	__u64 expected, epolls = 0, lost = 0, empty = 0;
	double t0, deadline;
	int sleep_mode, err, ep, woke = 0;
	static const char *const modes[] = { "spin", "sleep", "sleep-wm", "sleep-eager" };

	if (mwb_args(argc, argv, &res.size, &res.count, &sleep_mode, &res.producers))
		return 2;
	res.mode = modes[sleep_mode];
	src.record_size = res.size;
	src.flags = mwb_header_only ? MEMWELL_GEN_F_HEADER_ONLY : 0;
	if (getenv("MWB_GEN") && !strcmp(getenv("MWB_GEN"), "batch"))
		res.contender = "memwell-b";
	else
		src.flags |= MEMWELL_GEN_F_SINGLE;
	if (mwb_stamp())
		src.flags |= MEMWELL_GEN_F_STAMP;
	src.rate = mwb_rate();
	src.count = res.count / res.producers;
	src.producers = res.producers;
	expected = src.count * src.producers;
	res.count = expected;
	/* The scaling series runs every producer count on a multi-producer ring. */
	if (getenv("MWB_MULTI") || res.producers > 1)
		o.flags |= MEMWELL_F_PROD_MULTI;

	err = memwell_create_dev(&o, &mw);
	if (err) {
		fprintf(stderr, "memwell_create_dev: %s\n", strerror(-err));
		return 1;
	}
	r = memwell_get_ring(mw);
	/*
	 * A spinning consumer never sleeps: it says so, and the kernel
	 * producer never wakes it (BPF's producer submits with
	 * BPF_RB_NO_WAKEUP in this mode).  sleep-wm: a quarter of the ring
	 * or 1 ms, whichever comes first.
	 */
	if (sleep_mode != 1) {
		if (sleep_mode == 3)
			err = memwell_set_wake(mw, MEMWELL_WAKE_EAGER, 0, 0);
		else if (sleep_mode)
			err = memwell_set_wake(mw, 0, (1ULL << (o.block_shift + o.count_shift)) / 4,
					       1000000);
		else
			err = memwell_set_wake(mw, MEMWELL_WAKE_NEVER, 0, 0);
		if (err) {
			fprintf(stderr, "memwell_set_wake: %s\n", strerror(-err));
			return 1;
		}
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, memwell_fd(mw), &ev)) {
		perror("epoll");
		return 1;
	}

	t0 = mwb_now();
	deadline = t0 + 60;
	if (ioctl(memwell_fd(mw), MEMWELL_IOC_ATTACH, &src)) {
		perror("MEMWELL_IOC_ATTACH");
		return 1;
	}
	if (mwb_pin_kthreads("memwell_gen/") != (int)src.producers &&
	    sysconf(_SC_NPROCESSORS_ONLN) > 1)
		fprintf(stderr, "mwb_memwell: not every gen kthread pinned\n");
	for (;;) {
		struct memwell_batch b = { { 0, 0 }, 0, 0, 0 };
		struct memwell_rec rec;
		int n = memwell_batch_take(r, 256, ~0ULL, ~0ULL, &b);

		if (n > 0) {
			while (!memwell_batch_next(r, &b, &rec)) {
				if (rec.flags & MEMWELL_REC_LOST) {
					struct memwell_lost l;

					memcpy(&l, rec.data, sizeof(l));
					lost += l.records;
					continue;
				}
				/* The first record after a wait: its wake-up latency. */
				if (woke && mwb_stamp())
					mwb_lat_add(&res.lat, rec.data, rec.len);
				woke = 0;
				mwb_touch(&t, rec.data, rec.len, res.size);
			}
			memwell_batch_release(r, &b);
			if (t.records + lost >= expected)
				break;
			continue;
		}
		if (n == -EBUSY)
			continue;
		if (n != -EAGAIN) {
			fprintf(stderr, "memwell_batch_take: %s\n", strerror(-n));
			return 1;
		}
		/*
		 * Drained: done once the kernel made or dropped everything.
		 * A spinning consumer looks at the kernel's counters (a line
		 * the producer writes per record) only every 256th empty poll.
		 */
		if (!sleep_mode && ++empty % 256)
			continue;
		memwell_get_stats(mw, &ks);
		if (ks.produced + ks.dropped >= expected && !memwell_ready_blocks(r))
			break;
		if (mwb_now() > deadline) {
			fprintf(stderr, "mwb_memwell: timeout\n");
			return 1;
		}
		if (sleep_mode) {
			epolls++;
			if (epoll_wait(ep, &ev, 1, 200) < 0 && errno != EINTR) {
				perror("epoll_wait");
				return 1;
			}
			woke = 1;
		}
	}
	res.secs = mwb_now() - t0;
	memwell_get_stats(mw, &ks);
	memwell_get_io_stats(mw, &io, sizeof(io));
	ioctl(memwell_fd(mw), MEMWELL_IOC_DETACH, 0);
	res.records = t.records;
	res.bad = t.bad;
	res.dropped = ks.dropped;
	res.syscalls = epolls + io.syscalls;
	res.wakeups = ks.wakeups;
	mwb_print(&res);
	close(ep);
	memwell_close(mw);
	return t.bad ? 1 : 0;
}
