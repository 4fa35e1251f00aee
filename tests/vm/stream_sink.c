// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * The sink: a kernel consumer on a MEMWELL_F_KERNEL_CONS ring verifies the
 * gen records a process produces (sequence per producer, checksum) and
 * counts them in the stats (consumed, errors).  The process waits for room
 * with poll(POLLOUT): the sink's releases wake it.
 */
#include "stream.h"

#define SINK_RECORDS	4000

static int produce(struct st_ring *sr, __u64 seq, __u32 len, int corrupt)
{
	struct memwell_rec rec;
	int err;

	for (;;) {
		struct pollfd pfd = { .fd = sr->fd, .events = POLLOUT };

		err = memwell_rec_reserve(sr->r, len, &rec);
		if (err != -EAGAIN)
			break;
		if (poll(&pfd, 1, 5000) == 0) {
			t_diag("no room for 5 s: lost wakeup?");
			return -ETIMEDOUT;
		}
	}
	if (err)
		return err;
	st_gen_fill(rec.data, len, seq, 0);
	if (corrupt)
		((__u8 *)rec.data)[len - 1] ^= 0xff;
	return memwell_rec_commit(sr->r, &rec);
}

static int wait_consumed(struct st_ring *sr, __u64 want, struct memwell_ring_stats *st)
{
	double end = t_now() + 20;

	do {
		if (st_stats(sr, st))
			return -1;
		if (st->consumed >= want)
			return 0;
		usleep(10000);
	} while (t_now() < end);
	return -1;
}

static int case_verify(void)
{
	struct memwell_ring_stats st;
	struct st_ring sr;
	__u64 i;

	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_CONS, 7, 6,
			   NULL), 0);
	REQUIRE_OK(st_attach(&sr, MEMWELL_SRC_SINK, 0, 0, 0, 0, 0));
	for (i = 0; i < SINK_RECORDS; i++)
		REQUIRE_EQ(produce(&sr, i, 24 + (__u32)(i % 90), 0), 0);
	REQUIRE_OK(wait_consumed(&sr, SINK_RECORDS, &st));
	REQUIRE_EQ(st.consumed, SINK_RECORDS);
	REQUIRE_EQ(st.errors, 0);
	REQUIRE_EQ(st.consumers, 1);
	REQUIRE_EQ(st_hdr_stats(&sr)->consumed, SINK_RECORDS);

	/* A bad checksum and a skipped sequence number are both counted. */
	REQUIRE_EQ(produce(&sr, i++, 64, 1), 0);
	REQUIRE_EQ(produce(&sr, i + 5, 64, 0), 0);
	REQUIRE_OK(wait_consumed(&sr, SINK_RECORDS + 2, &st));
	REQUIRE_EQ(st.errors, 2);
	REQUIRE_OK(ioctl(sr.fd, MEMWELL_IOC_DETACH));
	REQUIRE_OK(st_stats(&sr, &st));
	REQUIRE_EQ(st.consumers, 0);
	st_close(&sr);
	return T_PASS;
}

/* A process may not consume a sink's ring: its consumer control is read-only. */
static int case_cons_readonly(void)
{
	struct st_ring sr;

	REQUIRE_EQ(st_open(&sr, MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_CONS, 7, 6,
			   NULL), 0);
	/* The raw mmap ABI: the device refuses a writable mapping. */
	REQUIRE_ERRNO(mmap(NULL, sr.in.cons_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   sr.fd, (off_t)sr.in.cons_offset), EPERM);
	st_close(&sr);
	return T_PASS;
}

T_MAIN(
	T_RCASE(verify), T_RCASE(cons_readonly))
