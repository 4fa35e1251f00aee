// SPDX-License-Identifier: GPL-2.0
/*
 * bench-vm contender 2: BPF ringbuf.  BPF_PROG_TYPE_SYSCALL programs
 * (SEC("syscall"), run with bpf_prog_test_run_opts()) that bpf_loop()
 * args->count times: bpf_ringbuf_reserve() one gen record (struct
 * memwell_gen_rec, the memwell_gen_byte() pattern, the FNV-1a check),
 * fill it (or only its header, MWB_FILL=header), bpf_ringbuf_submit() it
 * with adaptive wake-up (flags 0), or none (BPF_RB_NO_WAKEUP) when the
 * consumer spins and never sleeps.  With args->stamp (header fill, 64 B
 * and up) the payload starts with the CLOCK_MONOTONIC time of the submit,
 * as gen's MEMWELL_GEN_F_STAMP, for the wake-up latency.  A full
 * ring drops the record (its sequence number is used, as gen does) and
 * ends the loop, so that the caller backs off 50-100 us before the next
 * chunk, as gen's kthread does (usleep_range(50, 100) on a full ring).
 * One program per record size: the verifier wants a constant size.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} rb SEC(".maps");

struct mwb_args {
	__u64 count;		/* in: records to attempt */
	__u64 seq;		/* in/out: next sequence number */
	__u64 dropped;		/* out: added to */
	__u32 producer;
	__u32 full;		/* out: the loop stopped on a full ring */
	__u64 submit_flags;	/* in: BPF_RB_NO_WAKEUP for a spinning consumer */
	__u32 header_only;	/* in: write the header alone (MWB_FILL=header) */
	__u32 stamp;		/* in: payload starts with bpf_ktime_get_ns() (MWB_STAMP) */
};

struct mwb_loop {
	__u64 seq;
	__u64 dropped;
	__u64 submit_flags;
	__u32 producer;
	__u32 header_only;
	__u32 stamp;
};

struct mwb_rec {
	__u64 seq;
	__u32 producer;
	__u32 check;
	__u8 payload[];
};

#define MWB_GEN(SZ)							\
static long mwb_cb_##SZ(__u32 i, void *c)				\
{									\
	struct mwb_loop *l = c;						\
	struct mwb_rec *h = bpf_ringbuf_reserve(&rb, SZ, 0);		\
	__u32 j, ck = 2166136261U;					\
	__u8 base;							\
									\
	if (!h) {							\
		l->dropped++;						\
		l->seq++;						\
		return 1;						\
	}								\
	base = (__u8)(l->seq * 7 + l->producer * 131);			\
	if (l->header_only)						\
		ck = 0;							\
	else								\
		for (j = 0; j < (SZ) - 16; j++) {			\
			__u8 b = (__u8)(base + j);			\
									\
			h->payload[j] = b;				\
			ck = (ck ^ b) * 16777619U;			\
		}							\
	h->seq = l->seq;						\
	h->producer = l->producer;					\
	h->check = ck;							\
	if ((SZ) >= 24 && l->stamp)					\
		*(__u64 *)h->payload = bpf_ktime_get_ns();		\
	l->seq++;							\
	bpf_ringbuf_submit(h, l->submit_flags);				\
	return 0;							\
}									\
									\
SEC("syscall")								\
int mwb_gen_##SZ(struct mwb_args *a)					\
{									\
	struct mwb_loop l = { .seq = a->seq, .producer = a->producer,	\
			      .submit_flags = a->submit_flags,		\
			      .header_only = a->header_only,		\
			      .stamp = a->stamp };			\
									\
	long n = bpf_loop(a->count, mwb_cb_##SZ, &l, 0);		\
									\
	a->full = n > 0 && (__u64)n < a->count;				\
	if (n > 0)							\
		a->count = n;	/* attempted */				\
	a->seq = l.seq;							\
	a->dropped += l.dropped;					\
	return 0;							\
}

MWB_GEN(16)
MWB_GEN(64)
MWB_GEN(1024)
