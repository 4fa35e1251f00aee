// SPDX-License-Identifier: GPL-2.0
/*
 * memwell_example: stream a heartbeat record into a ring that a process
 * created with the name given as the ring= parameter (and the flags
 * MEMWELL_F_RECORDS | MEMWELL_F_KERNEL_PROD), ten times a second, from a
 * timer (softirq context).  docs/kernel-api.md walks through it.
 *
 *   insmod memwell_example.ko ring=demo
 *
 * Or by descriptor, the way a driver takes a ring passed to its ioctl: fd=
 * names a /dev/memwell descriptor that insmod itself holds, since module
 * init runs in insmod's process.  The process that created the ring runs
 * insmod with the descriptor inherited (tests/vm/stream_example.c does).
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/timer.h>

#include "memwell_kernel.h"

static char *ring = "demo";
module_param(ring, charp, 0444);
MODULE_PARM_DESC(ring, "name of the ring to stream into");

static int fd = -1;
module_param(fd, int, 0444);
MODULE_PARM_DESC(fd, "or a /dev/memwell descriptor of the loading process");

struct memwell_example_rec {
	u64 time_ns;
	u64 beat;
};

static struct memwell_ep *memwell_example_ep;
static struct timer_list memwell_example_timer;
static u64 memwell_example_beat;

static void memwell_example_tick(struct timer_list *t)
{
	struct memwell_example_rec *r;
	struct memwell_rec rec;

	/* In place: reserve, fill, commit.  A full ring drops and counts it. */
	if (!memwell_ep_reserve(memwell_example_ep, sizeof(*r), &rec)) {
		r = rec.data;
		r->time_ns = ktime_get_ns();
		r->beat = memwell_example_beat;
		memwell_ep_commit(memwell_example_ep, &rec, 0);
	}
	memwell_example_beat++;
	mod_timer(&memwell_example_timer, jiffies + HZ / 10);
}

static int __init memwell_example_init(void)
{
	if (fd >= 0)
		memwell_example_ep = memwell_ep_attach_fd(fd, MEMWELL_SIDE_PROD);
	else
		memwell_example_ep = memwell_ep_attach_name(ring, MEMWELL_SIDE_PROD);
	if (IS_ERR(memwell_example_ep))
		return PTR_ERR(memwell_example_ep);
	timer_setup(&memwell_example_timer, memwell_example_tick, 0);
	mod_timer(&memwell_example_timer, jiffies + HZ / 10);
	return 0;
}

static void __exit memwell_example_exit(void)
{
	/* del_timer_sync() waits for a running tick; it re-arms, so loop. */
	while (del_timer_sync(&memwell_example_timer))
		;
	/* The consumer sees EPOLLHUP once the records are read. */
	memwell_ep_detach(memwell_example_ep);
}

module_init(memwell_example_init);
module_exit(memwell_example_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memwell example: a kernel producer streaming to user space");
