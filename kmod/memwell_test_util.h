/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the KUnit suites of memwell_test.ko share (memwell_test_util.c).
 */
#ifndef _MEMWELL_TEST_UTIL_H
#define _MEMWELL_TEST_UTIL_H

#include <linux/completion.h>
#include <linux/poll.h>
#include <linux/sched.h>

struct memwell_kring;

/**
 * struct memwell_test_sleeper - a kthread asleep on a ring as poll() sleeps
 * @kr: the ring
 * @want: the events it waits for (EPOLLIN, EPOLLOUT, ...)
 * @timeout: jiffies it waits at most
 * @done: completed once it stopped waiting, woken or timed out
 * @mask: what memwell_kring_poll() gave when it stopped (0: timed out)
 * @task: the kthread, referenced until memwell_test_sleeper_stop()
 */
struct memwell_test_sleeper {
	struct memwell_kring *kr;
	__poll_t want;
	long timeout;
	struct completion done;
	__poll_t mask;
	struct task_struct *task;
};

int memwell_test_sleeper_start(struct memwell_test_sleeper *s, const char *name);
void memwell_test_sleeper_stop(struct memwell_test_sleeper *s);

#endif /* _MEMWELL_TEST_UTIL_H */
