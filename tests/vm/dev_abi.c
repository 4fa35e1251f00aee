// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * The /dev/memwell ABI with raw syscalls, bad inputs first: every ioctl
 * error, every mmap rule, mprotect/mremap on the mappings, the lifetime of
 * a ring across close(), munmap() and fork(), and a control area full of
 * garbage (the kernel reads it in poll(); KASAN and UBSAN watch).
 * docs/device-abi.md is the specification these cases check.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/ioctl.h>

#include "harness.h"

static long g_page;

static int dev_open(void)
{
	int fd = open(t_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		t_diag("open %s: %s", t_dev_path(), strerror(errno));
	return fd;
}

static int dev_create(int fd, __u32 flags, __u32 bs, __u32 cs)
{
	struct memwell_create c = {
		.size = sizeof(c), .flags = flags, .block_shift = bs, .count_shift = cs,
	};

	return ioctl(fd, MEMWELL_IOC_CREATE, &c);
}

static int dev_info(int fd, struct memwell_ring_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, MEMWELL_IOC_INFO, info);
}

/* A created ring with its info; -1 on failure (diagnosed). */
static int dev_ring(__u32 flags, __u32 bs, __u32 cs, struct memwell_ring_info *info)
{
	int fd = dev_open();

	if (fd < 0)
		return -1;
	if (dev_create(fd, flags, bs, cs) || dev_info(fd, info)) {
		t_diag("create/info: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void *map_at(void *addr, size_t len, int prot, int flags, int fd, __u64 off)
{
	return mmap(addr, len, prot, flags | (addr ? MAP_FIXED : 0), fd, (off_t)off);
}

/*
 * Map every region of @fd's ring into one reserved range, like libmemwell
 * does; NULL on failure.
 */
static unsigned char *map_ring(int fd, const struct memwell_ring_info *in)
{
	const int rw = PROT_READ | PROT_WRITE;
	unsigned char *b;

	b = mmap(NULL, in->total_size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	if (map_at(b, in->hdr_size, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ||
	    map_at(b + in->prod_offset, in->prod_size, rw, MAP_SHARED, fd,
		   in->prod_offset) == MAP_FAILED ||
	    map_at(b + in->cons_offset, in->cons_size, rw, MAP_SHARED, fd,
		   in->cons_offset) == MAP_FAILED ||
	    map_at(b + in->data_offset, 2 * in->data_size, rw, MAP_SHARED, fd,
		   in->data_offset) == MAP_FAILED) {
		t_diag("map_ring: %s", strerror(errno));
		munmap(b, in->total_size);
		return NULL;
	}
	return b;
}

static int case_open_close(void)
{
	int fd, fd2;

	REQUIRE_OK(fd = dev_open());
	REQUIRE_OK(fd2 = dev_open());
	REQUIRE(fd != fd2);
	REQUIRE_OK(close(fd));
	REQUIRE_OK(close(fd2));
	/* Not seekable, no read/write. */
	REQUIRE_OK(fd = dev_open());
	REQUIRE_ERRNO(lseek(fd, 0, SEEK_SET), ESPIPE);
	REQUIRE_OK(close(fd));
	return T_PASS;
}

/* Before MEMWELL_IOC_CREATE there is nothing to see, map or wake. */
static int case_no_ring(void)
{
	struct memwell_ring_info info;
	struct pollfd p;
	int fd;

	REQUIRE_OK(fd = dev_open());
	REQUIRE_ERRNO(dev_info(fd, &info), ENXIO);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_WAKE, MEMWELL_SIDE_CONS), ENXIO);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_WAKE, MEMWELL_SIDE_PROD), ENXIO);
	REQUIRE_ERRNO(mmap(NULL, (size_t)g_page, PROT_READ, MAP_SHARED, fd, 0), ENXIO);
	REQUIRE_ERRNO(mmap(NULL, (size_t)g_page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   g_page), ENXIO);
	/* poll: an error at once, never a sleep that nothing can end. */
	p.fd = fd;
	p.events = POLLIN | POLLOUT;
	REQUIRE_EQ(poll(&p, 1, 1000), 1);
	REQUIRE(p.revents & POLLERR);
	REQUIRE_OK(close(fd));
	return T_PASS;
}

static int case_create_bad_geometry(void)
{
	static const struct { __u32 flags, bs, cs; } bad[] = {
		{ 0, MEMWELL_BLOCK_SHIFT_MIN - 1, 10 },	/* block too small */
		{ 0, MEMWELL_BLOCK_SHIFT_MAX + 1, 4 },	/* block too large */
		{ 0, 6, MEMWELL_COUNT_SHIFT_MIN - 1 },	/* one block */
		{ 0, 3, MEMWELL_COUNT_SHIFT_MAX + 1 },	/* count too large */
		{ 0, 3, 8 },				/* data < one page */
		{ 0, 16, 21 },				/* data > 64 GiB */
		{ 0, 0, 0 },
		{ 0, ~0U, ~0U },
		{ 0, 32 + 6, 10 },			/* shifts mod 32 look fine */
		{ 0, 6, 32 + 10 },
		{ MEMWELL_F_RECORDS, 16, 16 },		/* records ring > 2 GiB */
		{ MEMWELL_F_ALL + 1, 6, 10 },		/* unknown flag */
		{ 1U << 31, 6, 10 },
	};
	size_t i;
	int fd;

	REQUIRE_OK(fd = dev_open());
	for (i = 0; i < T_ARRAY_SIZE(bad); i++) {
		errno = 0;
		if (dev_create(fd, bad[i].flags, bad[i].bs, bad[i].cs) != -1 ||
		    errno != EINVAL) {
			t_diag("flags %#x block_shift %u count_shift %u: errno %d (%s), "
			       "expected EINVAL", bad[i].flags, bad[i].bs, bad[i].cs,
			       errno, strerror(errno));
			return T_FAIL;
		}
	}
	/* None of that created anything: a good request still works. */
	REQUIRE_OK(dev_create(fd, 0, 6, 10));
	REQUIRE_OK(close(fd));
	return T_PASS;
}

static int case_create_bad_struct(void)
{
	struct {
		struct memwell_create c;
		__u64 tail[2];
	} big;
	struct memwell_create c;
	unsigned int i;
	int fd;

	REQUIRE_OK(fd = dev_open());
	/* Every reserved word must be zero. */
	for (i = 0; i < T_ARRAY_SIZE(c.reserved); i++) {
		memset(&c, 0, sizeof(c));
		c.size = sizeof(c);
		c.block_shift = 6;
		c.count_shift = 10;
		c.reserved[i] = 1ULL << (i * 9);
		REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, &c), EINVAL);
	}
	/* The size field: too small, zero, huge. */
	memset(&c, 0, sizeof(c));
	c.block_shift = 6;
	c.count_shift = 10;
	c.size = 0;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, &c), EINVAL);
	c.size = MEMWELL_CREATE_SIZE_VER0 - 1;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, &c), EINVAL);
	c.size = 1U << 20;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, &c), E2BIG);
	/* A larger struct (a newer library): its tail must be zero. */
	memset(&big, 0, sizeof(big));
	big.c.size = sizeof(big);
	big.c.block_shift = 6;
	big.c.count_shift = 10;
	big.tail[1] = 1;
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, &big), E2BIG);
	/* Bad pointers. */
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, NULL), EFAULT);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_CREATE, (void *)16), EFAULT);
	/* ... and none of it created a ring. */
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_WAKE, MEMWELL_SIDE_CONS), ENXIO);
	/* A larger struct with a zero tail is accepted. */
	big.tail[1] = 0;
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_CREATE, &big));
	REQUIRE_OK(close(fd));
	return T_PASS;
}

static int case_create_too_big(void)
{
	int fd;

	REQUIRE_OK(fd = dev_open());
	/* 64 GiB of data: a valid geometry beyond the device's limit. */
	REQUIRE_ERRNO(dev_create(fd, 0, 16, 20), E2BIG);
	REQUIRE_ERRNO(dev_create(fd, MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI,
				 3, 30), E2BIG);
	REQUIRE_ERRNO(dev_create(fd, MEMWELL_F_RECORDS, 15, 16), E2BIG);	/* 2 GiB */
	REQUIRE_OK(close(fd));
	return T_PASS;
}

static int case_create_twice(void)
{
	int fd;

	REQUIRE_OK(fd = dev_open());
	REQUIRE_OK(dev_create(fd, MEMWELL_F_RECORDS, 6, 8));
	REQUIRE_ERRNO(dev_create(fd, MEMWELL_F_RECORDS, 6, 8), EBUSY);
	REQUIRE_ERRNO(dev_create(fd, 0, 16, 30), EBUSY);
	REQUIRE_OK(close(fd));
	return T_PASS;
}

static int case_bad_ioctls(void)
{
	struct memwell_ring_info info;
	int fd;

	REQUIRE_OK(fd = dev_open());
	/* Unknown commands, before and after CREATE. */
	REQUIRE_ERRNO(ioctl(fd, _IO(MEMWELL_IOC_MAGIC, 0)), ENOTTY);
	REQUIRE_ERRNO(ioctl(fd, _IO(MEMWELL_IOC_MAGIC, 99), 0), ENOTTY);
	REQUIRE_OK(dev_create(fd, MEMWELL_F_RECORDS, 6, 8));
	REQUIRE_ERRNO(ioctl(fd, _IO(MEMWELL_IOC_MAGIC, 0xff)), ENOTTY);
	REQUIRE_ERRNO(ioctl(fd, _IOR('T', 1, int), &info), ENOTTY);
	/* Known numbers with the wrong direction are other commands. */
	REQUIRE_ERRNO(ioctl(fd, _IOR(MEMWELL_IOC_MAGIC, 1, __u64), &info), ENOTTY);
	REQUIRE_ERRNO(ioctl(fd, _IOW(MEMWELL_IOC_MAGIC, 2, struct memwell_ring_info),
			    &info), ENOTTY);
	REQUIRE_ERRNO(ioctl(fd, _IOW(MEMWELL_IOC_MAGIC, 3, int), 0), ENOTTY);
	REQUIRE_ERRNO(ioctl(fd, _IOWR(MEMWELL_IOC_MAGIC, 5, struct memwell_ring_stats),
			    &info), ENOTTY);
	/* WAKE takes a side. */
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_WAKE, MEMWELL_SIDE_PROD));
	REQUIRE_OK(ioctl(fd, MEMWELL_IOC_WAKE, MEMWELL_SIDE_CONS));
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_WAKE, 2UL), EINVAL);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_WAKE, ~0UL), EINVAL);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_WAKE, 1UL << 32), EINVAL);
	/* INFO with a bad pointer. */
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_INFO, NULL), EFAULT);
	REQUIRE_OK(close(fd));
	return T_PASS;
}

/*
 * Callers built against an older or a newer uapi header: the command
 * number encodes their struct's size, which the module ignores on input
 * (the struct says its own size) and honours on output.
 */
static int case_ioctl_sizes(void)
{
	struct {
		struct memwell_create c;
		__u64 tail[2];
	} big;
	struct {
		struct memwell_ring_info in;
		__u64 tail[2];
	} bigi;
	struct {
		struct memwell_ring_stats st;
		__u64 tail[2];
	} bigs;
	unsigned char small[16 + 8];
	struct memwell_ring_info in;
	unsigned int i;
	int fd;

	/* CREATE numbered with a larger struct, zero tail: a newer caller. */
	REQUIRE_OK(fd = dev_open());
	memset(&big, 0, sizeof(big));
	big.c.size = sizeof(big);
	big.c.flags = MEMWELL_F_RECORDS;
	big.c.block_shift = 6;
	big.c.count_shift = 8;
	big.tail[0] = 1;
	REQUIRE_ERRNO(ioctl(fd, _IOW(MEMWELL_IOC_MAGIC, 1, big), &big), E2BIG);
	big.tail[0] = 0;
	REQUIRE_OK(ioctl(fd, _IOW(MEMWELL_IOC_MAGIC, 1, big), &big));
	REQUIRE_OK(close(fd));
	/* ... numbered with a smaller struct: the size field rules. */
	REQUIRE_OK(fd = dev_open());
	big.c.size = sizeof(big.c);
	REQUIRE_OK(ioctl(fd, _IOW(MEMWELL_IOC_MAGIC, 1, __u64), &big.c));
	REQUIRE_OK(dev_info(fd, &in));
	/* INFO to a newer caller: what the module knows, then zeroes. */
	memset(&bigi, 0xa5, sizeof(bigi));
	REQUIRE_OK(ioctl(fd, _IOR(MEMWELL_IOC_MAGIC, 2, bigi), &bigi));
	REQUIRE(!memcmp(&bigi.in, &in, sizeof(in)));
	for (i = 0; i < T_ARRAY_SIZE(bigi.tail); i++)
		REQUIRE_EQ(bigi.tail[i], 0);
	/* ... to an older caller: only the part it has room for. */
	memset(small, 0xa5, sizeof(small));
	REQUIRE_OK(ioctl(fd, _IOR(MEMWELL_IOC_MAGIC, 2, char[16]), small));
	REQUIRE(!memcmp(small, &in, 16));
	for (i = 16; i < sizeof(small); i++)
		REQUIRE_EQ(small[i], 0xa5);
	/* STATS likewise. */
	memset(&bigs, 0xa5, sizeof(bigs));
	REQUIRE_OK(ioctl(fd, _IOR(MEMWELL_IOC_MAGIC, 5, bigs), &bigs));
	REQUIRE_EQ(bigs.st.producers, 0);
	REQUIRE_EQ(bigs.tail[1], 0);
	memset(small, 0xa5, sizeof(small));
	REQUIRE_OK(ioctl(fd, _IOR(MEMWELL_IOC_MAGIC, 5, char[16]), small));
	REQUIRE_EQ(small[16], 0xa5);
	REQUIRE_OK(close(fd));
	return T_PASS;
}

static int case_info_and_header(void)
{
	static const struct { __u32 flags, bs, cs; } geo[] = {
		{ 0, 3, 9 },
		{ MEMWELL_F_RECORDS, 6, 10 },
		{ MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI, 4, 12 },
		{ MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI | MEMWELL_F_RECORDS, 3, 14 },
		{ MEMWELL_F_CONS_MULTI, 16, 4 },
	};
	size_t i;

	for (i = 0; i < T_ARRAY_SIZE(geo); i++) {
		struct memwell_ring_info in;
		struct memwell_layout l;
		const struct memwell_ring_hdr *h;
		unsigned char *b;
		int fd = dev_ring(geo[i].flags, geo[i].bs, geo[i].cs, &in);

		REQUIRE(fd >= 0);
		REQUIRE_EQ(memwell_layout_compute(geo[i].flags, geo[i].bs, geo[i].cs,
						  (__u32)__builtin_ctzl((unsigned long)g_page),
						  &l), 0);
		REQUIRE_EQ(in.size, sizeof(in));
		REQUIRE_EQ(in.flags, geo[i].flags);
		REQUIRE_EQ(in.block_shift, geo[i].bs);
		REQUIRE_EQ(in.count_shift, geo[i].cs);
		REQUIRE_EQ(in.hdr_offset, 0);
		REQUIRE_EQ(in.hdr_size, l.prod_offset);
		REQUIRE_EQ(in.prod_offset, l.prod_offset);
		REQUIRE_EQ(in.prod_size, l.prod_size);
		REQUIRE_EQ(in.cons_offset, l.cons_offset);
		REQUIRE_EQ(in.cons_size, l.cons_size);
		REQUIRE_EQ(in.data_offset, l.data_offset);
		REQUIRE_EQ(in.data_size, l.data_size);
		REQUIRE_EQ(in.total_size, l.total_size);
		REQUIRE_EQ(in.access, MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) |
			   MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS));
		REQUIRE_EQ(in.mode, MEMWELL_MODE_DEFAULT);
		REQUIRE(!in.reserved[0] && !in.reserved[1] && !in.reserved[2]);
		b = map_ring(fd, &in);
		REQUIRE(b);
		h = (const void *)b;
		REQUIRE_EQ(h->magic, MEMWELL_MAGIC);
		REQUIRE_EQ(h->abi_version, MEMWELL_ABI_VERSION);
		REQUIRE_EQ(h->flags, geo[i].flags);
		REQUIRE_EQ(h->block_shift, geo[i].bs);
		REQUIRE_EQ(h->count_shift, geo[i].cs);
		REQUIRE_EQ(h->prod_offset, l.prod_offset);
		REQUIRE_EQ(h->cons_offset, l.cons_offset);
		REQUIRE_EQ(h->data_offset, l.data_offset);
		REQUIRE_EQ(h->total_size, l.total_size);
		{
			struct memwell_ring r;

			REQUIRE_EQ(memwell_ring_attach(&r, b, in.total_size,
						       MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) |
						       MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)), 0);
			/* A new ring: zeroed control areas, empty, all free. */
			REQUIRE_EQ(memwell_ready_blocks(&r), 0);
			REQUIRE_EQ(memwell_free_blocks(&r), r.count);
			REQUIRE_EQ(r.side[MEMWELL_SIDE_PROD]->waiters, 0);
			REQUIRE_EQ(r.side[MEMWELL_SIDE_CONS]->waiters, 0);
		}
		REQUIRE_OK(munmap(b, in.total_size));
		REQUIRE_OK(close(fd));
	}
	return T_PASS;
}

/* The data is mapped twice: a write at i shows at data_size + i. */
static int case_double_map(void)
{
	struct memwell_ring_info in;
	unsigned char *b, *d;
	__u64 i;
	int fd = dev_ring(0, 12, 3, &in);	/* 8 pages of data */

	REQUIRE(fd >= 0);
	REQUIRE((b = map_ring(fd, &in)));
	d = b + in.data_offset;
	/* Fresh pages are zeroed: no old kernel data. */
	for (i = 0; i < 2 * in.data_size; i++)
		REQUIRE_EQ(d[i], 0);
	for (i = 0; i < in.data_size; i += 8)
		*(__u64 *)(d + i) = i * 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < in.data_size; i += 8)
		REQUIRE_EQ(*(__u64 *)(d + in.data_size + i), i * 0x9e3779b97f4a7c15ULL);
	d[2 * in.data_size - 1] = 0xa5;
	REQUIRE_EQ(d[in.data_size - 1], 0xa5);
	REQUIRE_OK(munmap(b, in.total_size));
	REQUIRE_OK(close(fd));
	return T_PASS;
}

static int case_mmap_rules(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct memwell_ring_info in;
	size_t pg = (size_t)g_page;
	void *p;
	int fd = dev_ring(MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI, 6, 10, &in);

	REQUIRE(fd >= 0);
	REQUIRE(in.prod_size > pg);	/* marks: room to get the length wrong */
	/* MAP_PRIVATE is refused for every region. */
	REQUIRE_ERRNO(mmap(NULL, in.hdr_size, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, in.prod_size, rw, MAP_PRIVATE, fd,
			   (off_t)in.prod_offset), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, 2 * in.data_size, PROT_READ, MAP_PRIVATE, fd,
			   (off_t)in.data_offset), EINVAL);
	/* Wrong offsets: inside a region, between, past the end. */
	REQUIRE_ERRNO(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd,
			   (off_t)(in.prod_offset + pg)), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, in.data_size, rw, MAP_SHARED, fd,
			   (off_t)(in.data_offset + in.data_size)), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, pg, rw, MAP_SHARED, fd, (off_t)in.total_size), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, pg, rw, MAP_SHARED, fd,
			   (off_t)(in.total_size + (1ULL << 30))), EINVAL);
	/* Wrong lengths: short, long, the whole ring in one mapping. */
	REQUIRE_ERRNO(mmap(NULL, in.prod_size - pg, rw, MAP_SHARED, fd,
			   (off_t)in.prod_offset), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, in.cons_size + pg, rw, MAP_SHARED, fd,
			   (off_t)in.cons_offset), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, in.data_size, rw, MAP_SHARED, fd,
			   (off_t)in.data_offset), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, 2 * in.data_size + pg, rw, MAP_SHARED, fd,
			   (off_t)in.data_offset), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	REQUIRE_ERRNO(mmap(NULL, in.total_size, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	/* Never executable. */
	REQUIRE_ERRNO(mmap(NULL, in.hdr_size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0),
		      EPERM);
	REQUIRE_ERRNO(mmap(NULL, in.prod_size, rw | PROT_EXEC, MAP_SHARED, fd,
			   (off_t)in.prod_offset), EPERM);
	REQUIRE_ERRNO(mmap(NULL, 2 * in.data_size, PROT_READ | PROT_EXEC, MAP_SHARED, fd,
			   (off_t)in.data_offset), EPERM);
	/* The header is read-only. */
	REQUIRE_ERRNO(mmap(NULL, in.hdr_size, rw, MAP_SHARED, fd, 0), EPERM);
	REQUIRE_ERRNO(mmap(NULL, in.hdr_size, PROT_WRITE, MAP_SHARED, fd, 0), EPERM);
	/* ... also after the fact. */
	p = mmap(NULL, in.hdr_size, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE_ERRNO(mprotect(p, in.hdr_size, rw), EACCES);
	REQUIRE_ERRNO(mprotect(p, in.hdr_size, PROT_READ | PROT_EXEC), EACCES);
	REQUIRE_EQ(*(const __u32 *)p, MEMWELL_MAGIC);
	REQUIRE_OK(munmap(p, in.hdr_size));
	/* Control and data: mapped read-only is fine, never executable later. */
	p = mmap(NULL, in.cons_size, PROT_READ, MAP_SHARED, fd, (off_t)in.cons_offset);
	REQUIRE(p != MAP_FAILED);
	REQUIRE_OK(mprotect(p, in.cons_size, rw));
	REQUIRE_ERRNO(mprotect(p, in.cons_size, PROT_READ | PROT_EXEC), EACCES);
	REQUIRE_OK(munmap(p, in.cons_size));
	p = mmap(NULL, 2 * in.data_size, rw, MAP_SHARED, fd, (off_t)in.data_offset);
	REQUIRE(p != MAP_FAILED);
	REQUIRE_ERRNO(mprotect(p, pg, rw | PROT_EXEC), EACCES);
	REQUIRE_OK(munmap(p, 2 * in.data_size));
	/* Zero length is the kernel's generic EINVAL. */
	REQUIRE_ERRNO(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	/* A region may be mapped many times; all the maps see the same pages. */
	{
		unsigned char *a = mmap(NULL, in.prod_size, rw, MAP_SHARED, fd,
					(off_t)in.prod_offset);
		unsigned char *c = mmap(NULL, in.prod_size, rw, MAP_SHARED, fd,
					(off_t)in.prod_offset);

		REQUIRE(a != MAP_FAILED && c != MAP_FAILED && a != c);
		a[in.prod_size - 1] = 0x5a;
		REQUIRE_EQ(c[in.prod_size - 1], 0x5a);
		a[in.prod_size - 1] = 0;
		REQUIRE_OK(munmap(a, in.prod_size));
		REQUIRE_OK(munmap(c, in.prod_size));
	}
	REQUIRE_OK(close(fd));
	return T_PASS;
}

/*
 * A file opened read-only may observe a ring but not change it: every
 * mutating ioctl is EBADF.  Such a file has no ring of its own; one it
 * shares through a read-only reopen of a ring's fd gets a new, empty file.
 */
static int case_rdonly_open(void)
{
	struct memwell_ring_info in;
	struct memwell_wake_policy wp = { .size = sizeof(wp) };
	struct memwell_source src = { .size = sizeof(src) };
	char path[64];
	int fd = open(t_dev_path(), O_RDONLY | O_CLOEXEC);
	int rw;

	REQUIRE_OK(fd);
	REQUIRE_ERRNO(dev_create(fd, MEMWELL_F_RECORDS, 6, 8), EBADF);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_WAKE, MEMWELL_SIDE_CONS), EBADF);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_RECOVER, MEMWELL_SIDE_CONS), EBADF);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_SET_WAKE, &wp), EBADF);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_ATTACH, &src), EBADF);
	REQUIRE_ERRNO(ioctl(fd, MEMWELL_IOC_DETACH), EBADF);
	REQUIRE_ERRNO(dev_info(fd, &in), ENXIO);
	REQUIRE_OK(close(fd));
	/* A read-only reopen of a ring's fd is a new file, without the ring. */
	REQUIRE_OK(rw = dev_open());
	REQUIRE_OK(dev_create(rw, MEMWELL_F_RECORDS, 6, 8));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", rw);
	REQUIRE_OK(fd = open(path, O_RDONLY | O_CLOEXEC));
	REQUIRE_ERRNO(dev_info(fd, &in), ENXIO);
	REQUIRE_OK(close(fd));
	REQUIRE_OK(close(rw));
	return T_PASS;
}

static int case_mremap(void)
{
	struct memwell_ring_info in;
	size_t pg = (size_t)g_page;
	unsigned char *p, *q;
	int fd = dev_ring(MEMWELL_F_RECORDS, 6, 10, &in);

	REQUIRE(fd >= 0);
	p = mmap(NULL, 2 * in.data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)in.data_offset);
	REQUIRE(p != MAP_FAILED);
	/* Growing any region fails, in place or moving. */
	REQUIRE_ERRNO(mremap(p, 2 * in.data_size, 2 * in.data_size + pg, 0), EFAULT);
	REQUIRE_ERRNO(mremap(p, 2 * in.data_size, 4 * in.data_size, MREMAP_MAYMOVE),
		      EFAULT);
	q = mmap(NULL, in.hdr_size, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(q != MAP_FAILED);
	REQUIRE_ERRNO(mremap(q, in.hdr_size, in.hdr_size + pg, MREMAP_MAYMOVE), EFAULT);
	REQUIRE_OK(munmap(q, in.hdr_size));
	/* Moving without growing keeps the pages (onto a range we own). */
	p[5] = 42;
	q = mmap(NULL, 2 * in.data_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(q != MAP_FAILED);
	q = mremap(p, 2 * in.data_size, 2 * in.data_size, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	REQUIRE(q != MAP_FAILED);
	REQUIRE_EQ(q[5], 42);
	REQUIRE_EQ(q[in.data_size + 5], 42);
	/* Shrinking drops the tail only. */
	q = mremap(q, 2 * in.data_size, in.data_size, 0);
	REQUIRE(q != MAP_FAILED);
	REQUIRE_EQ(q[5], 42);
	REQUIRE_OK(munmap(q, in.data_size));
	REQUIRE_OK(close(fd));
	return T_PASS;
}

/* Partial munmap splits a mapping: both halves must keep their pages. */
static int case_partial_unmap(void)
{
	struct memwell_ring_info in;
	size_t pg = (size_t)g_page;
	unsigned char *p;
	int fd = dev_ring(0, 12, 4, &in);	/* 16 pages of data, 32 mapped */

	REQUIRE(fd >= 0);
	p = mmap(NULL, 2 * in.data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)in.data_offset);
	REQUIRE(p != MAP_FAILED);
	memset(p, 0x11, in.data_size);
	REQUIRE_OK(munmap(p + 3 * pg, 2 * pg));		/* split in three */
	REQUIRE_OK(close(fd));				/* the mappings hold it */
	REQUIRE_EQ(p[0], 0x11);
	REQUIRE_EQ(p[2 * in.data_size - 1], 0x11);
	p[in.data_size + 3 * pg] = 0x22;		/* second copy of a hole */
	REQUIRE_OK(munmap(p, 3 * pg));
	REQUIRE_EQ(p[in.data_size + 3 * pg], 0x22);
	REQUIRE_OK(mprotect(p + 5 * pg, pg, PROT_READ));	/* split again */
	REQUIRE_EQ(p[5 * pg], 0x11);
	REQUIRE_OK(munmap(p + 5 * pg, 2 * in.data_size - 5 * pg));
	return T_PASS;
}

/* Records written and read back through a raw mapping. */
static int ring_roundtrip(struct memwell_ring *r, unsigned int n, __u64 seed)
{
	unsigned int i;
	char buf[256];

	for (i = 0; i < n; i++) {
		__u64 len = 1 + (seed + i) % 200;

		t_fill(buf, len, seed + i);
		REQUIRE_EQ(memwell_rec_write(r, buf, len), 0);
		memset(buf, 0, sizeof(buf));
		REQUIRE_EQ(memwell_rec_read(r, buf, sizeof(buf)), (long)len);
		REQUIRE_EQ(!t_check(buf, len, seed + i), 0);
	}
	return T_PASS;
}

/* The mapping outlives the fd: the ring keeps working, then goes away. */
static int case_close_while_mapped(void)
{
	struct memwell_ring_info in;
	struct memwell_ring r;
	unsigned char *b;
	int fd = dev_ring(MEMWELL_F_RECORDS | MEMWELL_F_PROD_MULTI, 5, 10, &in);

	REQUIRE(fd >= 0);
	REQUIRE((b = map_ring(fd, &in)));
	REQUIRE_OK(close(fd));
	REQUIRE_EQ(memwell_ring_attach(&r, b, in.total_size,
				       MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)), 0);
	/* No kick: nobody could sleep on a closed fd anyway. */
	REQUIRE_EQ(ring_roundtrip(&r, 3000, 1), T_PASS);
	REQUIRE_OK(munmap(b, in.total_size));
	/* Many rings closed while mapped: kmemleak must find nothing after. */
	for (int i = 0; i < 20; i++) {
		fd = dev_ring(MEMWELL_F_RECORDS, 6, 8 + (i % 4), &in);
		REQUIRE(fd >= 0);
		REQUIRE((b = map_ring(fd, &in)));
		if (i & 1) {
			REQUIRE_OK(close(fd));
			REQUIRE_OK(munmap(b, in.total_size));
		} else {
			REQUIRE_OK(munmap(b, in.total_size));
			REQUIRE_OK(close(fd));
		}
	}
	return T_PASS;
}

/* Mappings and the fd are inherited: the child uses the ring. */
static int case_fork_child(void)
{
	struct memwell_ring_info in;
	struct memwell_ring r;
	unsigned char *b;
	pid_t pid;
	int i, fd = dev_ring(MEMWELL_F_RECORDS, 6, 8, &in);

	REQUIRE(fd >= 0);
	REQUIRE((b = map_ring(fd, &in)));
	REQUIRE_EQ(memwell_ring_attach(&r, b, in.total_size,
				       MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD) | MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)), 0);
	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		/* Child: write 100 records; the parent's munmap/close don't matter. */
		for (i = 0; i < 100; i++) {
			__u64 v = (__u64)i;

			while (memwell_rec_write(&r, &v, sizeof(v)) == -EAGAIN)
				usleep(100);
		}
		_exit(0);
	}
	REQUIRE_EQ(t_reap(pid, "child"), T_PASS);
	for (i = 0; i < 100; i++) {
		__u64 v = ~0ULL;

		REQUIRE_EQ(memwell_rec_read(&r, &v, sizeof(v)), 8);
		REQUIRE_EQ(v, i);
	}
	REQUIRE_EQ(memwell_rec_read(&r, NULL, 0), -EAGAIN);
	/* A child that outlives the parent's mapping and fd. */
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		usleep(200000);
		_exit(ring_roundtrip(&r, 500, 9));
	}
	REQUIRE_OK(munmap(b, in.total_size));
	REQUIRE_OK(close(fd));
	REQUIRE_EQ(t_reap(pid, "child"), T_PASS);
	return T_PASS;
}

/* Garbage in the control areas: the kernel reads them in poll(). */
static int case_garbage_control(void)
{
	struct memwell_ring_info in;
	unsigned char *b;
	__u64 seed = 0xdeadbeef;
	int i, j, fd = dev_ring(MEMWELL_F_PROD_MULTI | MEMWELL_F_CONS_MULTI |
					 MEMWELL_F_RECORDS, 3, 9, &in);

	REQUIRE(fd >= 0);
	REQUIRE((b = map_ring(fd, &in)));
	for (i = 0; i < 300; i++) {
		__u64 *p = (__u64 *)(b + in.prod_offset);
		__u64 *c = (__u64 *)(b + in.cons_offset);
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

		/* Positions, caches, waiters and marks: random or extreme. */
		for (j = 0; j < 40; j++) {
			__u64 v = t_rand_r(&seed);
			__u64 pick = v % 5;
			__u64 val = pick == 0 ? 0 : pick == 1 ? ~0ULL :
				    pick == 2 ? 1ULL << 63 : pick == 3 ? v >> 40 : v;
			__u64 word = (v >> 8) % (in.prod_size / 8);

			if (j & 1)
				p[word % (in.prod_size / 8)] = val;
			else
				c[word % (in.cons_size / 8)] = val;
		}
		REQUIRE(poll(&pfd, 1, 0) >= 0);
		REQUIRE_OK(ioctl(fd, MEMWELL_IOC_WAKE, MEMWELL_SIDE_PROD));
		REQUIRE_OK(ioctl(fd, MEMWELL_IOC_WAKE, MEMWELL_SIDE_CONS));
	}
	/* Long runs of current marks: the kernel's sweep must stay bounded. */
	{
		__u64 *pm = (__u64 *)(b + in.prod_offset + MEMWELL_SIDE_SIZE);
		__u64 count = 1ULL << in.count_shift;
		struct memwell_side *ps = (void *)(b + in.prod_offset);
		struct memwell_side *cs = (void *)(b + in.cons_offset);
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
		__u64 k;

		ps->release_pos = 0;
		ps->reserve_pos = count;
		cs->release_pos = 0;
		cs->reserve_pos = 0;
		for (k = 0; k < count; k++)
			pm[k] = k + 1;
		REQUIRE(poll(&pfd, 1, 0) >= 0);
	}
	REQUIRE_OK(munmap(b, in.total_size));
	REQUIRE_OK(close(fd));
	return T_PASS;
}

/* Two fds are two rings. */
static int case_independent_rings(void)
{
	struct memwell_ring_info in1, in2;
	struct memwell_ring r1, r2;
	unsigned char *b1, *b2;
	int fd1 = dev_ring(MEMWELL_F_RECORDS, 6, 8, &in1);
	int fd2 = dev_ring(MEMWELL_F_RECORDS, 6, 8, &in2);
	char c;

	REQUIRE(fd1 >= 0 && fd2 >= 0);
	REQUIRE((b1 = map_ring(fd1, &in1)) && (b2 = map_ring(fd2, &in2)));
	REQUIRE_EQ(memwell_ring_attach(&r1, b1, in1.total_size, 3), 0);
	REQUIRE_EQ(memwell_ring_attach(&r2, b2, in2.total_size, 3), 0);
	REQUIRE_EQ(memwell_rec_write(&r1, "x", 1), 0);
	REQUIRE_EQ(memwell_rec_read(&r2, &c, 1), -EAGAIN);
	REQUIRE_EQ(memwell_rec_read(&r1, &c, 1), 1);
	REQUIRE_OK(munmap(b1, in1.total_size));
	REQUIRE_OK(munmap(b2, in2.total_size));
	REQUIRE_OK(close(fd1));
	REQUIRE_OK(close(fd2));
	return T_PASS;
}

/* Two processes race CREATE on one shared file: exactly one ring. */
static int case_create_race(void)
{
	volatile int *go = t_shared(4096);
	int i;

	for (i = 0; i < 40; i++) {
		int fd = dev_open(), st, mine, ok = 0;
		pid_t pid;

		REQUIRE(fd >= 0);
		*go = 0;
		fflush(stdout);
		pid = fork();
		REQUIRE(pid >= 0);
		if (!pid) {
			while (!*go)
				;
			_exit(dev_create(fd, MEMWELL_F_RECORDS, 6, 8 + (i & 3)) ? errno : 0);
		}
		*go = 1;
		mine = dev_create(fd, MEMWELL_F_RECORDS, 6, 8 + (i & 3)) ? errno : 0;
		REQUIRE(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
		ok = (mine == 0) + (WEXITSTATUS(st) == 0);
		if (ok != 1 || (mine && mine != EBUSY) ||
		    (WEXITSTATUS(st) && WEXITSTATUS(st) != EBUSY)) {
			t_diag("race %d: parent %d, child %d", i, mine, WEXITSTATUS(st));
			return T_FAIL;
		}
		REQUIRE_OK(close(fd));
	}
	return T_PASS;
}

/* A 64 MiB ring: allocated, mapped, touched at both ends, freed. */
static int case_big_ring(void)
{
	struct memwell_ring_info in;
	unsigned char *d;
	int fd = dev_ring(MEMWELL_F_RECORDS | MEMWELL_F_CONS_MULTI, 10, 16, &in);

	REQUIRE(fd >= 0);
	REQUIRE_EQ(in.data_size, 64ULL << 20);
	d = mmap(NULL, 2 * in.data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)in.data_offset);
	REQUIRE(d != MAP_FAILED);
	d[0] = 1;
	d[in.data_size - 1] = 2;
	REQUIRE_EQ(d[in.data_size], 1);
	REQUIRE_EQ(d[2 * in.data_size - 1], 2);
	REQUIRE_OK(munmap(d, 2 * in.data_size));
	REQUIRE_OK(close(fd));
	return T_PASS;
}

/* The max_ring_kib module parameter caps each ring. */
static int case_max_ring_kib(void)
{
	const char *path = "/sys/module/memwell/parameters/max_ring_kib";
	char old[32] = "";
	ssize_t n;
	int pfd, fd, ok;

	pfd = open(path, O_RDWR);
	if (pfd < 0) {
		t_diag("%s: %s", path, strerror(errno));
		return T_SKIPPED;
	}
	n = read(pfd, old, sizeof(old) - 1);
	REQUIRE(n > 0);
	REQUIRE_OK(pwrite(pfd, "64\n", 3, 0));
	REQUIRE_OK(fd = dev_open());
	/* 64 KiB of data + header + two control pages > 64 KiB. */
	errno = 0;
	ok = dev_create(fd, 0, 6, 10) == -1 && errno == E2BIG;
	if (ok)
		ok = dev_create(fd, 0, 6, 9) == 0;	/* 32 KiB + 3 pages fits */
	pwrite(pfd, old, (size_t)n, 0);
	close(pfd);
	close(fd);
	REQUIRE(ok);
	return T_PASS;
}

/* Pages dropped with MADV_DONTNEED are not faulted back in: SIGBUS. */
static int case_dontneed_sigbus(void)
{
	struct memwell_ring_info in;
	unsigned char *d;
	pid_t pid;
	int st, fd = dev_ring(0, 12, 2, &in);

	REQUIRE(fd >= 0);
	d = mmap(NULL, 2 * in.data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)in.data_offset);
	REQUIRE(d != MAP_FAILED);
	d[0] = 7;
	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		if (madvise(d, (size_t)g_page, MADV_DONTNEED))
			_exit(2);
		if (d[(size_t)g_page] != 0 || d[in.data_size] != 7)
			_exit(3);	/* the other pages are still there */
		*(volatile unsigned char *)d = 1;
		_exit(4);		/* no SIGBUS */
	}
	REQUIRE(waitpid(pid, &st, 0) == pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGBUS) {
		t_diag("child status %#x, expected SIGBUS", st);
		return T_FAIL;
	}
	/* The parent's mapping never lost the page. */
	REQUIRE_EQ(d[0], 7);
	REQUIRE_OK(munmap(d, 2 * in.data_size));
	REQUIRE_OK(close(fd));
	return T_PASS;
}

/* /proc/self/mem (FOLL_FORCE) cannot write the read-only header either. */
static int case_proc_mem_header(void)
{
	struct memwell_ring_info in;
	__u32 magic = 0, evil = 0x41414141;
	void *h;
	int fd = dev_ring(MEMWELL_F_RECORDS, 6, 8, &in), mfd;

	REQUIRE(fd >= 0);
	h = mmap(NULL, in.hdr_size, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(h != MAP_FAILED);
	REQUIRE_OK(mfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC));
	REQUIRE_EQ(pread(mfd, &magic, sizeof(magic), (off_t)(uintptr_t)h), sizeof(magic));
	REQUIRE_EQ(magic, MEMWELL_MAGIC);
	errno = 0;
	REQUIRE(pwrite(mfd, &evil, sizeof(evil), (off_t)(uintptr_t)h) < 0);
	t_diag("write to the header through /proc/self/mem: %s", strerror(errno));
	REQUIRE_EQ(*(volatile __u32 *)h, MEMWELL_MAGIC);
	REQUIRE_OK(close(mfd));
	REQUIRE_OK(munmap(h, in.hdr_size));
	REQUIRE_OK(close(fd));
	return T_PASS;
}

static const struct t_case cases[] = {
	T_RCASE(open_close), T_RCASE(no_ring), T_RCASE(create_bad_geometry),
	T_RCASE(create_bad_struct), T_RCASE(create_too_big), T_RCASE(create_twice),
	T_RCASE(bad_ioctls), T_RCASE(ioctl_sizes), T_RCASE(info_and_header),
	T_RCASE(double_map), T_RCASE(mmap_rules), T_RCASE(rdonly_open), T_RCASE(mremap),
	T_RCASE(partial_unmap), T_RCASE(close_while_mapped), T_RCASE(fork_child),
	T_RCASE(garbage_control), T_RCASE(independent_rings), T_RCASE(create_race),
	T_RCASE(big_ring), T_RCASE(max_ring_kib), T_RCASE(dontneed_sigbus),
	T_RCASE(proc_mem_header)
};

int main(int argc, char **argv)
{
	g_page = sysconf(_SC_PAGESIZE);
	return t_main(cases, T_ARRAY_SIZE(cases), argc, argv);
}
