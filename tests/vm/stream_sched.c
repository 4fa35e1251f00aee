// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * The sched source: a sched_switch probe streams struct memwell_sched_rec
 * records.  They must decode sanely: the right length, a CPU that exists,
 * time never going back on one CPU, NUL-terminated names, and our own
 * context switches (we sleep on purpose) among them.
 */
#include "stream.h"

#include <sys/sysinfo.h>

static int case_decode(void)
{
	struct memwell_ring_stats st;
	struct memwell_rec rec;
	struct st_ring sr;
	__u64 last[64] = { 0 };
	unsigned long n = 0, ours = 0;
	int cpus = get_nprocs_conf(), i;
	pid_t self = getpid();

	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD |
			   MEMWELL_F_PROD_MULTI, 6, 12, NULL), 0);
	REQUIRE_OK(st_attach(&sr, MEMWELL_SRC_SCHED, 0, 0, 0, 0, 0));
	for (i = 0; i < 20; i++) {
		struct pollfd pfd = { .fd = sr.fd, .events = POLLIN };

		usleep(2000);
		REQUIRE_OK(poll(&pfd, 1, 1000));
		while (memwell_rec_peek(sr.r, &rec) == 0) {
			struct memwell_sched_rec s;

			if (rec.flags & MEMWELL_REC_LOST) {
				memwell_rec_release(sr.r, &rec);
				continue;
			}
			REQUIRE_EQ(rec.len, sizeof(s));
			memcpy(&s, rec.data, sizeof(s));
			REQUIRE(s.cpu < (__u32)cpus && s.cpu < 64);
			REQUIRE(s.time_ns >= last[s.cpu]);
			last[s.cpu] = s.time_ns;
			REQUIRE(memchr(s.prev_comm, 0, sizeof(s.prev_comm)));
			REQUIRE(memchr(s.next_comm, 0, sizeof(s.next_comm)));
			REQUIRE(s.prev_pid != s.next_pid);
			ours += s.prev_pid == (__u32)self || s.next_pid == (__u32)self;
			n++;
			memwell_rec_release(sr.r, &rec);
		}
	}
	REQUIRE_OK(ioctl(sr.fd, MEMWELL_IOC_DETACH));
	REQUIRE_OK(st_stats(&sr, &st));
	t_diag("%lu switches, %lu of ours, %llu dropped", n, ours,
	       (unsigned long long)st.dropped);
	REQUIRE(n > 0);
	REQUIRE(ours > 0);
	REQUIRE_EQ(st.producers, 0);
	st_close(&sr);
	return T_PASS;
}

static int case_needs_multi(void)
{
	struct st_ring sr;

	if (get_nprocs_conf() < 2)
		return T_SKIPPED;
	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD, 6, 8,
			   NULL), 0);
	REQUIRE_ERRNO(st_attach(&sr, MEMWELL_SRC_SCHED, 0, 0, 0, 0, 0), EINVAL);
	st_close(&sr);
	return T_PASS;
}

T_MAIN(
	T_RCASE(decode), T_RCASE(needs_multi))
