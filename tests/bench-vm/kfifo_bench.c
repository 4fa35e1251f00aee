// SPDX-License-Identifier: GPL-2.0
/*
 * kfifo_bench: the classic kernel-to-user path, for `make bench-vm` only.
 * KFB_IOC_START starts a kthread that builds COUNT gen records (struct
 * memwell_gen_rec layout, same pattern and checksum as memwell's gen
 * source) and kfifo_in()s them into a 1 MiB kfifo, waking the reader's
 * waitqueue when someone sleeps on it; on a full kfifo it drops the
 * record and backs off 50-100 us, as gen does.  read() copies whole
 * records out with kfifo_to_user(); it blocks while the kfifo is empty
 * (unless O_NONBLOCK) and returns 0 once the producer is done and the
 * kfifo drained.  One open file at a time.
 */
#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kfifo.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "kfifo_bench_uapi.h"

#define KFB_FIFO_SIZE	BIT(20)

struct kfb_gen_rec {
	u64 seq;
	u32 producer;
	u32 check;
};

static struct {
	struct mutex lock;		/* open/start/release */
	bool busy;
	struct kfifo fifo;
	wait_queue_head_t wq;
	struct task_struct *task;
	u32 size;
	u32 flags;
	u64 count;
	u64 produced, dropped, wakeups;
	bool done;
	u8 *scratch;
} kfb;

/*
 * A gen record, built in the scratch buffer that kfifo_in() copies from;
 * with KFB_F_HEADER_ONLY the payload is what the buffer holds (data put
 * there by a device, say): the whole record is still copied twice.
 */
static void kfb_fill(u8 *buf, u32 size, u64 seq)
{
	struct kfb_gen_rec *h = (struct kfb_gen_rec *)buf;
	u8 *p = buf + sizeof(*h);
	u32 i, n = size - sizeof(*h), c = 2166136261U;

	if (kfb.flags & KFB_F_HEADER_ONLY) {
		c = 0;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		u8 v = (u8)(seq * 7 + i);

		p[i] = v;
		c = (c ^ v) * 16777619U;
	}
	h->seq = seq;
	h->producer = 0;
	h->check = c;
}

static int kfb_thread(void *arg)
{
	u64 seq;

	for (seq = 0; seq < kfb.count && !kthread_should_stop(); seq++) {
		if (kfifo_avail(&kfb.fifo) < kfb.size) {
			WRITE_ONCE(kfb.dropped, kfb.dropped + 1);
			usleep_range(50, 100);
			continue;
		}
		kfb_fill(kfb.scratch, kfb.size, seq);
		kfifo_in(&kfb.fifo, kfb.scratch, kfb.size);
		WRITE_ONCE(kfb.produced, kfb.produced + 1);
		if (wq_has_sleeper(&kfb.wq)) {
			WRITE_ONCE(kfb.wakeups, kfb.wakeups + 1);
			wake_up_interruptible(&kfb.wq);
		}
		cond_resched();
	}
	smp_wmb();	/* the last record before done */
	WRITE_ONCE(kfb.done, true);
	wake_up_interruptible(&kfb.wq);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int kfb_open(struct inode *inode, struct file *file)
{
	int err = 0;

	mutex_lock(&kfb.lock);
	if (kfb.busy)
		err = -EBUSY;
	else
		kfb.busy = true;
	mutex_unlock(&kfb.lock);
	return err;
}

static void kfb_stop(void)
{
	if (kfb.task) {
		kthread_stop(kfb.task);
		put_task_struct(kfb.task);
		kfb.task = NULL;
		kfifo_free(&kfb.fifo);
		kfree(kfb.scratch);
		kfb.scratch = NULL;
	}
}

static int kfb_release(struct inode *inode, struct file *file)
{
	mutex_lock(&kfb.lock);
	kfb_stop();
	kfb.busy = false;
	mutex_unlock(&kfb.lock);
	return 0;
}

static bool kfb_readable(void)
{
	return !kfifo_is_empty(&kfb.fifo) || READ_ONCE(kfb.done);
}

static ssize_t kfb_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	unsigned int copied, n;
	int err;

	if (!kfb.task)
		return -EINVAL;
	while (kfifo_is_empty(&kfb.fifo)) {
		if (READ_ONCE(kfb.done)) {
			smp_rmb();	/* pairs with the producer's before done */
			if (kfifo_is_empty(&kfb.fifo))
				return 0;
			break;
		}
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(kfb.wq, kfb_readable());
		if (err)
			return err;
	}
	n = min_t(size_t, len, kfifo_len(&kfb.fifo));
	n -= n % kfb.size;
	if (!n)
		return -EINVAL;	/* buffer smaller than a record */
	err = kfifo_to_user(&kfb.fifo, buf, n, &copied);
	return err ? err : copied;
}

static long kfb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kfb_start st;
	struct kfb_stats s;
	int err = 0;

	switch (cmd) {
	case KFB_IOC_START:
		if (copy_from_user(&st, (void __user *)arg, sizeof(st)))
			return -EFAULT;
		if (st.record_size < sizeof(struct kfb_gen_rec) || st.record_size > 4096 ||
		    (st.flags & ~KFB_F_HEADER_ONLY))
			return -EINVAL;
		mutex_lock(&kfb.lock);
		if (kfb.task) {
			err = -EBUSY;
			goto out;
		}
		err = kfifo_alloc(&kfb.fifo, KFB_FIFO_SIZE, GFP_KERNEL);
		if (err)
			goto out;
		kfb.scratch = kmalloc(st.record_size, GFP_KERNEL);
		if (!kfb.scratch) {
			kfifo_free(&kfb.fifo);
			err = -ENOMEM;
			goto out;
		}
		kfb.size = st.record_size;
		kfb.flags = st.flags;
		kfb.count = st.count;
		kfb.produced = 0;
		kfb.dropped = 0;
		kfb.wakeups = 0;
		kfb.done = false;
		kfb.task = kthread_create(kfb_thread, NULL, "kfifo_bench");
		if (IS_ERR(kfb.task)) {
			err = PTR_ERR(kfb.task);
			kfb.task = NULL;
			kfifo_free(&kfb.fifo);
			kfree(kfb.scratch);
			kfb.scratch = NULL;
			goto out;
		}
		get_task_struct(kfb.task);
		wake_up_process(kfb.task);
out:
		mutex_unlock(&kfb.lock);
		return err;
	case KFB_IOC_STATS:
		s.produced = READ_ONCE(kfb.produced);
		s.dropped = READ_ONCE(kfb.dropped);
		s.wakeups = READ_ONCE(kfb.wakeups);
		s.done = READ_ONCE(kfb.done);
		return copy_to_user((void __user *)arg, &s, sizeof(s)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kfb_fops = {
	.owner = THIS_MODULE,
	.open = kfb_open,
	.release = kfb_release,
	.read = kfb_read,
	.unlocked_ioctl = kfb_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice kfb_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kfifo_bench",
	.fops = &kfb_fops,
};

static int __init kfb_init(void)
{
	mutex_init(&kfb.lock);
	init_waitqueue_head(&kfb.wq);
	return misc_register(&kfb_misc);
}

static void __exit kfb_exit(void)
{
	misc_deregister(&kfb_misc);
}

module_init(kfb_init);
module_exit(kfb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kfifo + read() baseline for memwell's bench-vm");
