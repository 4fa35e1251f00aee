// SPDX-License-Identifier: GPL-2.0
/*
 * memwell: lock-free zero-copy rings shared by processes and the kernel.
 *
 * /dev/memwell: open() gives a file with no ring; MEMWELL_IOC_CREATE
 * gives it a new one, or MEMWELL_IOC_OPEN a named one (once);
 * MEMWELL_IOC_INFO says where its regions are for mmap(); poll() sleeps on
 * it; MEMWELL_IOC_WAKE wakes the sleepers of one side.  The file holds one
 * reference on its ring, dropped when the file is released, which is after
 * the last mapping is gone (a mapping holds the file) and which keeps the
 * module loaded until then (fops.owner).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "memwell_kring.h"
#include "memwell_obs.h"

/**
 * struct memwell_file - what a /dev/memwell file holds once it has a ring
 * @kr: the ring, referenced
 * @access: MEMWELL_SIDE_BIT() of the sides this file may write: both for
 *          the file that created the ring, the granted ones for a file
 *          that opened it by name
 * @creator: this file created the ring: it alone may configure it (wake
 *           policy, kernel sources)
 */
struct memwell_file {
	struct memwell_kring *kr;
	u32 access;
	bool creator;
};

#define MEMWELL_SIDES_BOTH	(MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | \
				 MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS))

/* The file's ring state, or NULL; set once, by CREATE or OPEN (a cmpxchg). */
static struct memwell_file *memwell_file_get(struct file *file)
{
	/* Pairs with the cmpxchg() publishing it. */
	return smp_load_acquire(&file->private_data);
}

/* The file's ring, or NULL. */
static struct memwell_kring *memwell_file_ring(struct file *file)
{
	struct memwell_file *mf = memwell_file_get(file);

	return mf ? mf->kr : NULL;
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

/**
 * memwell_file_access() - the sides a /dev/memwell file may write
 * @file: a file for which memwell_file_kring() gave a ring
 *
 * Return: MEMWELL_SIDE_BIT() of each side, or 0 for any other file.
 */
u32 memwell_file_access(struct file *file)
{
	struct memwell_file *mf;

	if (file->f_op != &memwell_fops)
		return 0;
	mf = memwell_file_get(file);
	return mf ? mf->access : 0;
}

static int memwell_fop_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the struct miscdevice here: no ring yet. */
	file->private_data = NULL;
	return nonseekable_open(inode, file);
}

static int memwell_fop_release(struct inode *inode, struct file *file)
{
	struct memwell_file *mf = file->private_data;

	if (mf) {
		/* Source instances live as long as their creator's file at most. */
		if (mf->creator)
			memwell_source_detach(mf->kr);
		memwell_kring_put(mf->kr);
		kfree(mf);
	}
	return 0;
}

/* Give @file the ring @kr (a reference the caller passes on), once. */
static int memwell_file_set(struct file *file, struct memwell_kring *kr,
			    u32 access, bool creator)
{
	struct memwell_file *mf = kmalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);

	if (!mf) {
		memwell_kring_put(kr);
		return -ENOMEM;
	}
	mf->kr = kr;
	mf->access = access;
	mf->creator = creator;
	/* A concurrent CREATE or OPEN on the same file may have won. */
	if (cmpxchg(&file->private_data, NULL, mf)) {
		kfree(mf);
		memwell_kring_put(kr);
		return -EBUSY;
	}
	return 0;
}

/*
 * Like copy_struct_from_user() callers: the struct says its own size, at
 * least the first version's (-EINVAL), at most a page (-E2BIG); bytes
 * beyond the known struct must be zero (-E2BIG), fields beyond the
 * caller's are zero.
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
	if (usize < MEMWELL_CREATE_SIZE_VER0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	err = copy_struct_from_user(&c, sizeof(c), uarg, usize);
	if (err)
		return err;
	kr = memwell_kring_create_user(&c);
	if (IS_ERR(kr))
		return PTR_ERR(kr);
	return memwell_file_set(file, kr, MEMWELL_SIDES_BOTH, true);
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
	info.access = memwell_file_get(file)->access;
	info.mode = kr->reg.mode;
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
	/* Releasing a side's reservations is that side's business. */
	if (!(memwell_file_get(file)->access & MEMWELL_SIDE_BIT(side)))
		return -EACCES;
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
	if (!memwell_file_get(file)->creator)
		return -EACCES;
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
	if (!memwell_file_get(file)->creator)
		return -EACCES;
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
	if (!memwell_file_get(file)->creator)
		return -EACCES;
	memwell_source_detach(kr);
	return 0;
}

/*
 * MEMWELL_IOC_OPEN: the named ring of the caller's network namespace, for
 * the sides the ring's owner and mode grant the caller.  Nothing is left
 * behind on failure: the file stays without a ring.
 */
static long memwell_ioctl_open(struct file *file, void __user *uarg)
{
	struct net *net = current->nsproxy->net_ns;
	struct memwell_kring *kr;
	struct memwell_open o;
	unsigned int i;
	int err;

	if (READ_ONCE(file->private_data))
		return -EBUSY;
	err = memwell_copy_sized(&o, sizeof(o), uarg);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(o.reserved); i++)
		if (o.reserved[i])
			return -EINVAL;
	if (!o.sides || (o.sides & ~MEMWELL_SIDES_BOTH) || !o.name[0] ||
	    memwell_name_check(o.name))
		return -EINVAL;
	kr = memwell_name_find(net, o.name);
	if (!kr)
		return -ENOENT;
	err = memwell_kring_permission(kr, net->user_ns, o.sides);
	/* Processes never take a side that only the kernel writes. */
	if (!err && (((o.sides & MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD)) &&
		      (kr->layout.flags & MEMWELL_F_KERNEL_PROD)) ||
		     ((o.sides & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)) &&
		      (kr->layout.flags & MEMWELL_F_KERNEL_CONS))))
		err = -EPERM;
	if (err) {
		memwell_kring_put(kr);
		return err;
	}
	return memwell_file_set(file, kr, o.sides, false);
}

/* The command of number @nr as this module defines it, or 0. */
static unsigned int memwell_ioc_cmd(unsigned int nr)
{
	static const unsigned int cmds[] = {
		MEMWELL_IOC_CREATE, MEMWELL_IOC_INFO, MEMWELL_IOC_WAKE,
		MEMWELL_IOC_RECOVER, MEMWELL_IOC_STATS, MEMWELL_IOC_SET_WAKE,
		MEMWELL_IOC_ATTACH, MEMWELL_IOC_DETACH, MEMWELL_IOC_OPEN,
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
	case MEMWELL_IOC_OPEN:
		return memwell_ioctl_open(file, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int memwell_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct memwell_file *mf = memwell_file_get(file);

	if (!mf)
		return -ENXIO;
	return memwell_kring_mmap(mf->kr, mf->access, vma);
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
				file->f_mode & FMODE_WRITE,
				memwell_file_access(file));
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
 * Mode 0600, root only, unless udev says otherwise: the shipped rule
 * (dist/udev/60-memwell.rules) opens it to the memwell group.  Every open
 * file may allocate kernel memory and map it, so who may open the device
 * is the administrator's choice (docs/security.md).
 */
static struct miscdevice memwell_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "memwell",
	.fops = &memwell_fops,
	.mode = 0600,
};

static int __init memwell_init(void)
{
	int err = memwell_names_init();

	if (err)
		return err;
	err = misc_register(&memwell_misc);
	if (err) {
		memwell_names_exit();
		return err;
	}
	memwell_obs_init();
	return 0;
}

static void __exit memwell_exit(void)
{
	memwell_obs_exit();
	misc_deregister(&memwell_misc);
	memwell_names_exit();
}

module_init(memwell_init);
module_exit(memwell_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memwell: lock-free zero-copy rings for processes and the kernel");
/* The project version: the top-level VERSION file, passed by Kbuild. */
MODULE_VERSION(MEMWELL_VERSION);
