// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Device mode: a ring allocated by the kernel behind /dev/memwell.  The
 * fast path is the same inline core as in local mode; the kernel is only
 * entered to create and map the ring, to sleep in poll() and, when a peer
 * announced that it sleeps, to wake it (MEMWELL_IOC_WAKE).  See
 * docs/device-abi.md and docs/wake-protocol.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmemwell.h"
#include "memwell_handle.h"

/*
 * (G)'s kick: wake the sleepers of side @sleepers.  Called from the release
 * fast path, possibly by many threads at once; leaves errno alone.
 */
static void memwell_dev_kick(struct memwell_ring *r, unsigned int sleepers)
{
	struct memwell *mw = (struct memwell *)r->owner;
	int saved = errno;

	__atomic_fetch_add(&mw->kicks, 1, __ATOMIC_RELAXED);
	if (ioctl(mw->fd, MEMWELL_IOC_WAKE, (unsigned long)sleepers))
		__atomic_fetch_add(&mw->kick_errors, 1, __ATOMIC_RELAXED);
	errno = saved;
}

/* The kernel's layout must be exactly the one the ring core computes. */
static int memwell_dev_layout(const struct memwell_ring_info *in,
			      struct memwell_layout *l)
{
	int err = memwell_layout_compute(in->flags, in->block_shift,
					 in->count_shift, memwell_page_shift(), l);

	if (err)
		return -EPROTO;
	if (in->hdr_offset != 0 || in->hdr_size != l->prod_offset ||
	    in->prod_offset != l->prod_offset || in->prod_size != l->prod_size ||
	    in->cons_offset != l->cons_offset || in->cons_size != l->cons_size ||
	    in->data_offset != l->data_offset || in->data_size != l->data_size ||
	    in->total_size != l->total_size)
		return -EPROTO;
	return 0;
}

static int memwell_dev_map_region(unsigned char *base, int fd, __u64 off,
				  __u64 len, int prot)
{
	void *p = mmap(base + off, len, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)off);

	return p == MAP_FAILED ? -errno : 0;
}

/*
 * The control pages this process may write.  On a ring where only kernel
 * code produces (or consumes), processes are consumers (producers) only,
 * and the kernel maps the other side's control area (and, for kernel
 * producers, the data) read-only.
 */
static __u32 memwell_dev_access(__u32 flags)
{
	__u32 access = MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS);

	if (flags & MEMWELL_F_KERNEL_PROD)
		access &= ~MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD);
	if (flags & MEMWELL_F_KERNEL_CONS)
		access &= ~MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS);
	return access;
}

/*
 * Reserve one contiguous range, then map each region over it at its
 * offset, as the device requires: the header read-only, the control areas
 * read-write where this process may write them, the data (which the
 * kernel maps twice) read-write unless only the kernel produces.
 */
static int memwell_dev_map(int fd, const struct memwell_layout *l, __u32 access,
			   void **out)
{
	const int rw = PROT_READ | PROT_WRITE;
	int prod = (access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD)) ? rw : PROT_READ;
	int cons = (access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)) ? rw : PROT_READ;
	unsigned char *base;
	int err;

	base = mmap(NULL, l->total_size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	err = memwell_dev_map_region(base, fd, 0, l->prod_offset, PROT_READ);
	if (!err)
		err = memwell_dev_map_region(base, fd, l->prod_offset, l->prod_size, prod);
	if (!err)
		err = memwell_dev_map_region(base, fd, l->cons_offset, l->cons_size, cons);
	if (!err)
		err = memwell_dev_map_region(base, fd, l->data_offset,
					     2 * l->data_size, prod);
	if (err) {
		munmap(base, l->total_size);
		return err;
	}
	*out = base;
	return 0;
}

int memwell_dev_attach(int fd, struct memwell **out)
{
	struct memwell_ring_info info;
	struct memwell_layout l;
	struct memwell *mw;
	void *base = NULL;
	__u32 access;
	int err;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(fd, MEMWELL_IOC_INFO, &info))
		return -errno;
	err = memwell_dev_layout(&info, &l);
	if (err)
		return err;
	access = memwell_dev_access(l.flags);
	/* A file that opened a named ring may write the sides it was granted. */
	if (info.access)
		access &= info.access;
	err = memwell_dev_map(fd, &l, access, &base);
	if (err)
		return err;
	/* memwell_ring_attach() reads the header once and checks it all. */
	err = memwell_handle_new(fd, MEMWELL_MODE_DEV, base, l.total_size, access, &mw);
	if (err) {
		munmap(base, l.total_size);
		return err;
	}
	mw->ring.kick = memwell_dev_kick;
	mw->ring.owner = mw;
	*out = mw;
	return 0;
}

int memwell_attach_dev_fd(int fd, struct memwell **out)
{
	if (fd < 0 || !out)
		return -EINVAL;
	return memwell_dev_attach(fd, out);
}

static const char *memwell_dev_path(void)
{
	const char *p = secure_getenv("MEMWELL_DEV");

	return p && *p ? p : MEMWELL_DEV_PATH;
}

int memwell_create_dev(const struct memwell_opts *opts, struct memwell **out)
{
	struct memwell_opts o;
	const char *name;
	struct memwell_create c;
	int fd, err;

	if (!out)
		return -EINVAL;
	err = memwell_opts_get(opts, &o);
	if (err)
		return err;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = o.flags;
	c.block_shift = o.block_shift;
	c.count_shift = o.count_shift;
	c.mode = o.mode;
	name = memwell_opts_name(&o);
	if (name) {
		if (strlen(name) >= sizeof(c.name))
			return -EINVAL;
		memcpy(c.name, name, strlen(name));	/* the rest stays zero */
	}
	fd = open(memwell_dev_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, MEMWELL_IOC_CREATE, &c)) {
		err = -errno;
		goto err_close;
	}
	err = memwell_dev_attach(fd, out);
	if (err)
		goto err_close;
	return 0;

err_close:
	close(fd);
	return err;
}

int memwell_get_stats(const struct memwell *mw, struct memwell_ring_stats *st)
{
	const __u64 *src;
	__u64 *dst = (__u64 *)st;
	size_t i;

	if (!mw || !st)
		return -EINVAL;
	if (mw->mode != MEMWELL_MODE_DEV)
		return -EOPNOTSUPP;
	/* The kernel keeps them in the read-only header page: no syscall. */
	src = (const __u64 *)((const unsigned char *)mw->map + MEMWELL_STATS_OFFSET);
	for (i = 0; i < sizeof(*st) / sizeof(__u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return 0;
}

int memwell_set_wake(struct memwell *mw, __u32 flags, __u64 watermark,
		     __u64 latency_ns)
{
	struct memwell_wake_policy p;

	if (!mw)
		return -EINVAL;
	if (mw->mode != MEMWELL_MODE_DEV)
		return -EOPNOTSUPP;
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.flags = flags;
	p.watermark = watermark;
	p.latency_ns = latency_ns;
	return ioctl(mw->fd, MEMWELL_IOC_SET_WAKE, &p) ? -errno : 0;
}
