// SPDX-License-Identifier: GPL-2.0
/*
 * memwell: lock-free zero-copy rings shared by processes and the kernel.
 *
 * /dev/memwell: open() gives a file with no ring; MEMWELL_IOC_CREATE
 * gives it one (once); MEMWELL_IOC_INFO says where its regions are for
 * mmap(); poll() sleeps on it; MEMWELL_IOC_WAKE wakes the sleepers of one
 * side.  The file holds one reference on its ring, dropped when the file
 * is released, which is after the last mapping is gone (a mapping holds
 * the file) and which keeps the module loaded until then (fops.owner).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "memwell_kring.h"
#include "memwell_obs.h"

/* The file's ring, or NULL; set once by MEMWELL_IOC_CREATE (a cmpxchg). */
static struct memwell_kring *memwell_file_ring(struct file *file)
{
	/* Pairs with the cmpxchg() publishing a formatted ring. */
	return smp_load_acquire(&file->private_data);
}

static const struct file_operations memwell_fops;

/**
 * memwell_file_kring() - the ring of a /dev/memwell file
 * @file: any file
 *
 * Return: the ring (the file's reference: valid while the file is), or
 * NULL for another kind of file or a file without a ring.
 */
struct memwell_kring *memwell_file_kring(struct file *file)
{
	if (file->f_op != &memwell_fops)
		return NULL;
	return memwell_file_ring(file);
}

static int memwell_fop_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the struct miscdevice here: no ring yet. */
	file->private_data = NULL;
	return nonseekable_open(inode, file);
}

static int memwell_fop_release(struct inode *inode, struct file *file)
{
	struct memwell_kring *kr = file->private_data;

	if (kr) {
		/* Source instances live as long as the file at most. */
		memwell_source_detach(kr);
		memwell_kring_put(kr);
	}
	return 0;
}

/*
 * Like copy_struct_from_user() callers: the struct says its own size, at
 * least the known one (-EINVAL), at most a page (-E2BIG); bytes beyond the
 * known struct must be zero (-E2BIG).
 */
static long memwell_ioctl_create(struct file *file, void __user *uarg)
{
	struct memwell_create c;
	struct memwell_kring *kr;
	u32 usize;
	int err;

	if (READ_ONCE(file->private_data))
		return -EBUSY;
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < sizeof(c))
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	err = copy_struct_from_user(&c, sizeof(c), uarg, usize);
	if (err)
		return err;
	kr = memwell_kring_create(&c);
	if (IS_ERR(kr))
		return PTR_ERR(kr);
	/* A concurrent CREATE on the same file may have won. */
	if (cmpxchg(&file->private_data, NULL, kr)) {
		memwell_kring_put(kr);
		return -EBUSY;
	}
	return 0;
}

/*
 * Copy @ksize bytes of a struct out to a caller whose struct, by the size
 * its command number encodes, is @usize bytes: an older caller gets the
 * part it knows, a newer one zeroes for the fields this module does not.
 */
static int memwell_copy_out(void __user *uarg, size_t usize, const void *src,
			    size_t ksize)
{
	if (copy_to_user(uarg, src, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(uarg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static long memwell_ioctl_info(struct file *file, void __user *uarg,
			       size_t usize)
{
	struct memwell_kring *kr = memwell_file_ring(file);
	struct memwell_ring_info info;
	const struct memwell_layout *l;

	if (!kr)
		return -ENXIO;
	l = &kr->layout;
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.flags = l->flags;
	info.block_shift = l->block_shift;
	info.count_shift = l->count_shift;
	info.hdr_offset = 0;
	info.hdr_size = l->prod_offset;
	info.prod_offset = l->prod_offset;
	info.prod_size = l->prod_size;
	info.cons_offset = l->cons_offset;
	info.cons_size = l->cons_size;
	info.data_offset = l->data_offset;
	info.data_size = l->data_size;
	info.total_size = l->total_size;
	return memwell_copy_out(uarg, usize, &info, sizeof(info));
}

static long memwell_ioctl_wake(struct file *file, unsigned long side)
{
	struct memwell_kring *kr = memwell_file_ring(file);

	if (!kr)
		return -ENXIO;
	memwell_stat_add(kr, MEMWELL_STAT_WAKE_IOCTLS, 1);
	if (side != MEMWELL_SIDE_PROD && side != MEMWELL_SIDE_CONS)
		return -EINVAL;
	memwell_kring_wake(kr, side);
	return 0;
}

static long memwell_ioctl_recover(struct file *file, unsigned long side)
{
	struct memwell_kring *kr = memwell_file_ring(file);

	if (!kr)
		return -ENXIO;
	if (side != MEMWELL_SIDE_PROD && side != MEMWELL_SIDE_CONS)
		return -EINVAL;
	/* A side the kernel owns is never recovered from user space. */
	if (kr->layout.flags & (side == MEMWELL_SIDE_PROD ? MEMWELL_F_KERNEL_PROD :
				MEMWELL_F_KERNEL_CONS))
		return -EPERM;
	return memwell_kring_recover(kr, side);
}

/*
 * Copy a struct that starts with its own __u32 size: at least @known bytes
 * (-EINVAL), at most a page (-E2BIG), zero beyond what we know (-E2BIG).
 */
static int memwell_copy_sized(void *dst, size_t known, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < known)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, known, uarg, usize);
}

static long memwell_ioctl_stats(struct file *file, void __user *uarg,
				size_t usize)
{
	struct memwell_kring *kr = memwell_file_ring(file);
	struct memwell_ring_stats st;

	if (!kr)
		return -ENXIO;
	memwell_kring_stats(kr, &st);
	return memwell_copy_out(uarg, usize, &st, sizeof(st));
}

static long memwell_ioctl_set_wake(struct file *file, void __user *uarg)
{
	struct memwell_kring *kr = memwell_file_ring(file);
	struct memwell_wake_policy p;
	unsigned int i;
	int err;

	if (!kr)
		return -ENXIO;
	err = memwell_copy_sized(&p, sizeof(p), uarg);
	if (err)
		return err;
	if (p.flags & ~MEMWELL_WAKE_NEVER)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(p.reserved); i++)
		if (p.reserved[i])
			return -EINVAL;
	return memwell_kring_set_wake(kr, &p);
}

static long memwell_ioctl_attach(struct file *file, void __user *uarg)
{
	struct memwell_kring *kr = memwell_file_ring(file);
	struct memwell_source s;
	int err;

	if (!kr)
		return -ENXIO;
	err = memwell_copy_sized(&s, sizeof(s), uarg);
	if (err)
		return err;
	return memwell_source_attach(kr, &s);
}

static long memwell_ioctl_detach(struct file *file)
{
	struct memwell_kring *kr = memwell_file_ring(file);

	if (!kr)
		return -ENXIO;
	memwell_source_detach(kr);
	return 0;
}

/* The command of number @nr as this module defines it, or 0. */
static unsigned int memwell_ioc_cmd(unsigned int nr)
{
	static const unsigned int cmds[] = {
		MEMWELL_IOC_CREATE, MEMWELL_IOC_INFO, MEMWELL_IOC_WAKE,
		MEMWELL_IOC_RECOVER, MEMWELL_IOC_STATS, MEMWELL_IOC_SET_WAKE,
		MEMWELL_IOC_ATTACH, MEMWELL_IOC_DETACH,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (_IOC_NR(cmds[i]) == nr)
			return cmds[i];
	return 0;
}

/*
 * Commands are matched on type, number and direction, never on the size
 * the number encodes: a struct that carries its own size says how much to
 * read, and output structs are copied to the size the caller was built
 * with.  So a caller built against an older or newer uapi header works
 * with this module (the kernel's rule for extensible structs).
 */
static long memwell_fop_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	unsigned int kcmd = memwell_ioc_cmd(_IOC_NR(cmd));
	size_t usize = _IOC_SIZE(cmd);

	/* Type, number and direction must match; only the size may differ. */
	if (!kcmd || (cmd & ~IOCSIZE_MASK) != (kcmd & ~IOCSIZE_MASK))
		return -ENOTTY;
	/*
	 * Only INFO and STATS observe; everything else changes the ring or
	 * what runs on it, which a file opened for reading may not do.
	 */
	if (kcmd != MEMWELL_IOC_INFO && kcmd != MEMWELL_IOC_STATS &&
	    !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	switch (kcmd) {
	case MEMWELL_IOC_CREATE:
		return memwell_ioctl_create(file, (void __user *)arg);
	case MEMWELL_IOC_INFO:
		return memwell_ioctl_info(file, (void __user *)arg, usize);
	case MEMWELL_IOC_WAKE:
		return memwell_ioctl_wake(file, arg);
	case MEMWELL_IOC_RECOVER:
		return memwell_ioctl_recover(file, arg);
	case MEMWELL_IOC_STATS:
		return memwell_ioctl_stats(file, (void __user *)arg, usize);
	case MEMWELL_IOC_SET_WAKE:
		return memwell_ioctl_set_wake(file, (void __user *)arg);
	case MEMWELL_IOC_ATTACH:
		return memwell_ioctl_attach(file, (void __user *)arg);
	case MEMWELL_IOC_DETACH:
		return memwell_ioctl_detach(file);
	default:
		return -ENOTTY;
	}
}

static int memwell_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct memwell_kring *kr = memwell_file_ring(file);

	if (!kr)
		return -ENXIO;
	return memwell_kring_mmap(kr, vma);
}

/*
 * No ring: EPOLLERR at once, without a wait queue, so that registering
 * the file with epoll before MEMWELL_IOC_CREATE fails loudly instead of
 * never waking.
 */
static __poll_t memwell_fop_poll(struct file *file, poll_table *wait)
{
	struct memwell_kring *kr = memwell_file_ring(file);

	if (!kr)
		return EPOLLERR;
	poll_wait(file, &kr->wq, wait);
	return memwell_kring_poll(kr, poll_requested_events(wait));
}

/* /proc/<pid>/fdinfo/<fd>: the ring as memwell_obs.c prints it. */
static void memwell_fop_show_fdinfo(struct seq_file *m, struct file *file)
{
	memwell_obs_show_fdinfo(m, memwell_file_ring(file),
				file->f_mode & FMODE_WRITE);
}

static const struct file_operations memwell_fops = {
	.owner = THIS_MODULE,
	.open = memwell_fop_open,
	.release = memwell_fop_release,
	.unlocked_ioctl = memwell_fop_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = memwell_fop_mmap,
	.poll = memwell_fop_poll,
	.show_fdinfo = memwell_fop_show_fdinfo,
};

/*
 * Mode 0666: this is a test device, and opening it grants nothing shared.
 * A ring exists only behind the file that created it (it reaches other
 * processes only by passing or inheriting that file; its optional name is
 * for kernel code, which checks the creator's credentials), its
 * memory is charged to its creator's memory cgroup, and max_ring_kib caps
 * each ring.
 */
static struct miscdevice memwell_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "memwell",
	.fops = &memwell_fops,
	.mode = 0666,
};

static int __init memwell_init(void)
{
	int err = misc_register(&memwell_misc);

	if (!err)
		memwell_obs_init();
	return err;
}

static void __exit memwell_exit(void)
{
	memwell_obs_exit();
	misc_deregister(&memwell_misc);
}

module_init(memwell_init);
module_exit(memwell_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memwell: lock-free zero-copy rings for processes and the kernel");
/* The project version: the top-level VERSION file, passed by Kbuild. */
MODULE_VERSION(MEMWELL_VERSION);
