// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers the KUnit suites of memwell_test.ko share.
 */
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/wait.h>

#include "memwell_kring.h"
#include "memwell_test_util.h"

/* Sleeps as poll() does: on the queue, then (H), then a look. */
static int memwell_test_sleeper_fn(void *arg)
{
	struct memwell_test_sleeper *s = arg;
	DEFINE_WAIT(wait);
	long left = s->timeout;

	for (;;) {
		__poll_t m;

		prepare_to_wait(&s->kr->wq, &wait, TASK_INTERRUPTIBLE);
		m = memwell_kring_poll(s->kr, s->want);
		if (m) {
			s->mask = m;
			break;
		}
		left = schedule_timeout(left);
		if (!left)
			break;
	}
	finish_wait(&s->kr->wq, &wait);
	complete(&s->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 50);
	return 0;
}

/**
 * memwell_test_sleeper_start() - start a sleeper kthread
 * @s: the sleeper: kr, want and timeout set
 * @name: the kthread's name
 *
 * Return: 0 or the error of kthread_run().
 */
int memwell_test_sleeper_start(struct memwell_test_sleeper *s, const char *name)
{
	struct task_struct *t;

	s->mask = 0;
	init_completion(&s->done);
	t = kthread_run(memwell_test_sleeper_fn, s, "%s", name);
	if (IS_ERR(t))
		return PTR_ERR(t);
	s->task = get_task_struct(t);
	return 0;
}

/**
 * memwell_test_sleeper_stop() - stop a started sleeper and drop its task
 * @s: the sleeper
 */
void memwell_test_sleeper_stop(struct memwell_test_sleeper *s)
{
	kthread_stop(s->task);
	put_task_struct(s->task);
	s->task = NULL;
}
