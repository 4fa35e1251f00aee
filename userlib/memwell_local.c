// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * Local mode: a ring in a sealed memfd.  The data region is mapped twice,
 * back to back, so every span up to the capacity is contiguous; the ring
 * core never needs to split a record at the wrap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmemwell.h"
#include "memwell_handle.h"

/*
 * Map @l from @fd: reserve the whole range first so the two data mappings
 * can be placed exactly, then map the control pages and the data twice over
 * it.  The memfd holds the data once, at file offset data_offset.
 */
static int memwell_map(int fd, const struct memwell_layout *l, void **out)
{
	unsigned char *base, *p;
	int err;

	base = mmap(NULL, l->total_size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	p = mmap(base, l->data_offset + l->data_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		goto err_unmap;
	p = mmap(base + l->data_offset + l->data_size, l->data_size,
		 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)l->data_offset);
	if (p == MAP_FAILED)
		goto err_unmap;
	*out = base;
	return 0;

err_unmap:
	err = -errno;
	munmap(base, l->total_size);
	return err;
}

int memwell_create_local(const struct memwell_opts *opts, struct memwell **out)
{
	struct memwell_opts o;
	char fdname[64] = "memwell";
	struct memwell_layout l;
	const char *name;
	void *base;
	int fd, err;

	if (!out)
		return -EINVAL;
	err = memwell_opts_get(opts, &o);
	if (err)
		return err;
	/* No kernel takes part in a memfd ring, and nobody opens it by name. */
	if (o.flags & (MEMWELL_F_KERNEL_PROD | MEMWELL_F_KERNEL_CONS) || o.mode)
		return -EINVAL;
	err = memwell_layout_compute(o.flags, o.block_shift,
				     o.count_shift, memwell_page_shift(), &l);
	if (err)
		return err;
	name = memwell_opts_name(&o);
	if (name && snprintf(fdname, sizeof(fdname), "memwell:%s", name) >=
	    (int)sizeof(fdname))
		return -EINVAL;

	fd = memfd_create(fdname, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)(l.data_offset + l.data_size)) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		err = -errno;
		goto err_close;
	}
	err = memwell_map(fd, &l, &base);
	if (err)
		goto err_close;
	memwell_ring_format(base, &l);
	err = memwell_handle_new(fd, MEMWELL_MODE_LOCAL, base, l.total_size,
				 MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS), out);
	if (err)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(base, l.total_size);
err_close:
	close(fd);
	return err;
}

int memwell_attach_fd(int fd, struct memwell **out)
{
	const struct memwell_ring_hdr *h;
	struct memwell_layout l;
	struct stat st;
	void *base;
	int seals, err;

	if (fd < 0 || !out)
		return -EINVAL;
	if (fstat(fd, &st))
		return -errno;
	/* A /dev/memwell fd: the same call attaches either kind of ring. */
	if (S_ISCHR(st.st_mode))
		return memwell_dev_attach(fd, out);
	/*
	 * A peer that could shrink the file would make our accesses fault
	 * (SIGBUS): only rings whose size is sealed are accepted.
	 */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return -errno;
	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
		return -EPERM;
	if ((__u64)st.st_size < sizeof(*h))
		return -EINVAL;

	h = mmap(NULL, sizeof(*h), PROT_READ, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return -errno;
	err = memwell_layout_compute(h->flags, h->block_shift, h->count_shift,
				     h->page_shift, &l);
	munmap((void *)h, sizeof(*h));
	if (err)
		return err;
	if (l.page_shift != memwell_page_shift() ||
	    (__u64)st.st_size < l.data_offset + l.data_size)
		return -EINVAL;

	err = memwell_map(fd, &l, &base);
	if (err)
		return err;
	/* memwell_ring_attach() re-reads and checks the whole header. */
	err = memwell_handle_new(fd, MEMWELL_MODE_LOCAL, base, l.total_size,
				 MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS), out);
	if (err)
		munmap(base, l.total_size);
	return err;
}
