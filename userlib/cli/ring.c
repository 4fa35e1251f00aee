// SPDX-License-Identifier: GPL-2.0
/*
 * memwell create / stat, and the ring options and ring creation shared by
 * the other subcommands.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

const char *cli_dev_path(void)
{
	const char *p = getenv("MEMWELL_DEV");

	return p && *p ? p : MEMWELL_DEV_PATH;
}

bool cli_ring_opt(struct cli_ring_opts *o, int c, const char *arg)
{
	switch (c) {
	case 0x1000: o->local = true; return true;
	case 0x1001: o->local = false; return true;
	case 0x1002: o->ring_size = cli_parse_size("--ring-size", arg); return true;
	case 0x1003: o->block_size = cli_parse_size("--block-size", arg); return true;
	case 0x1004:
		if (strlen(arg) >= MEMWELL_NAME_LEN || !*arg ||
		    strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(arg))
			cli_usage("--name: '%s' is not 1-%d characters of [A-Za-z0-9_.-]",
				  arg, MEMWELL_NAME_LEN - 1);
		strcpy(o->name, arg);
		return true;
	case 0x1005: o->flags |= MEMWELL_F_PROD_MULTI; return true;
	case 0x1006: o->flags |= MEMWELL_F_CONS_MULTI; return true;
	case 0x1007: o->flags &= ~MEMWELL_F_RECORDS; return true;
	case 0x1008: {
		char *end;
		unsigned long m = strtoul(arg, &end, 8);

		if (!*arg || *end || m > MEMWELL_MODE_MASK)
			cli_usage("--mode: '%s' is not octal permission bits (0-0777)", arg);
		o->mode = (__u32)m;
		return true;
	}
	}
	return false;
}

void cli_ring_geometry(const struct cli_ring_opts *o, __u32 *block_shift,
		       __u32 *count_shift)
{
	unsigned int bs = cli_log2_exact("--block-size", o->block_size);
	unsigned int ds = cli_log2_exact("--ring-size", o->ring_size);

	if (bs < MEMWELL_BLOCK_SHIFT_MIN || bs > MEMWELL_BLOCK_SHIFT_MAX)
		cli_usage("--block-size: %llu is outside %u..%u", o->block_size,
			  1U << MEMWELL_BLOCK_SHIFT_MIN, 1U << MEMWELL_BLOCK_SHIFT_MAX);
	if (ds < MEMWELL_DATA_SHIFT_MIN || ds > MEMWELL_DATA_SHIFT_MAX)
		cli_usage("--ring-size: %llu is outside 4K..64G", o->ring_size);
	if (ds - bs < MEMWELL_COUNT_SHIFT_MIN || ds - bs > MEMWELL_COUNT_SHIFT_MAX)
		cli_usage("--ring-size/--block-size: %llu blocks is outside %u..%u",
			  o->ring_size / o->block_size, 1U << MEMWELL_COUNT_SHIFT_MIN,
			  1U << MEMWELL_COUNT_SHIFT_MAX);
	*block_shift = bs;
	*count_shift = ds - bs;
}

struct memwell *cli_ring_create(const struct cli_ring_opts *o)
{
	struct memwell_opts mo = { .size = sizeof(mo), .flags = o->flags };
	struct memwell_create c;
	struct memwell *mw;
	const char *path;
	int fd, err;

	cli_ring_geometry(o, &mo.block_shift, &mo.count_shift);
	if (o->local) {
		if (o->name[0] || o->mode)
			cli_usage("--name and --mode need a device ring (not --local)");
		if (o->flags & (MEMWELL_F_KERNEL_PROD | MEMWELL_F_KERNEL_CONS))
			cli_usage("kernel producers/consumers need a device ring (not --local)");
		err = memwell_create_local(&mo, &mw);
		if (err)
			cli_fail(-err, "creating a local ring failed");
		return mw;
	}
	path = cli_dev_path();
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		cli_die_dev(errno, path);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = mo.flags;
	c.block_shift = mo.block_shift;
	c.count_shift = mo.count_shift;
	memcpy(c.name, o->name, sizeof(c.name));
	c.mode = o->mode;
	if (ioctl(fd, MEMWELL_IOC_CREATE, &c)) {
		err = errno;
		if (err == EEXIST)
			cli_fail(err, "a ring named '%s' exists already", o->name);
		if (err == E2BIG || err == ENOMEM)
			cli_fail(err, "ring of %llu bytes is too large for the device",
				 o->ring_size);
		if (err == EINVAL && (o->name[0] || (o->flags & (MEMWELL_F_KERNEL_PROD |
							       MEMWELL_F_KERNEL_CONS))))
			cli_die(CLI_EXIT_UNSUPPORTED, err,
				"the loaded memwell.ko refused flags 0x%x%s%s (kernel streaming not available?)",
				o->flags, o->name[0] ? " with name " : "", o->name);
		cli_fail(err, "MEMWELL_IOC_CREATE refused the geometry or flags");
	}
	err = memwell_attach_dev_fd(fd, &mw);
	if (err) {
		close(fd);
		cli_fail(-err, "mapping the ring of %s failed", path);
	}
	return mw;
}

static void flags_text(__u32 f, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s%s",
		 f & MEMWELL_F_RECORDS ? "records" : "blocks",
		 f & MEMWELL_F_PROD_MULTI ? ",prod-multi" : "",
		 f & MEMWELL_F_CONS_MULTI ? ",cons-multi" : "",
		 f & MEMWELL_F_KERNEL_PROD ? ",kernel-prod" : "",
		 f & MEMWELL_F_KERNEL_CONS ? ",kernel-cons" : "",
		 "");
}

void cli_ring_stat(struct memwell *mw, const char *label)
{
	struct memwell_ring *r = memwell_get_ring(mw);
	struct memwell_side *p = r->side[MEMWELL_SIDE_PROD], *c = r->side[MEMWELL_SIDE_CONS];
	__u64 p_res = __atomic_load_n(&p->reserve_pos, __ATOMIC_ACQUIRE);
	__u64 p_rel = __atomic_load_n(&p->release_pos, __ATOMIC_ACQUIRE);
	__u64 c_res = __atomic_load_n(&c->reserve_pos, __ATOMIC_ACQUIRE);
	__u64 c_rel = __atomic_load_n(&c->release_pos, __ATOMIC_ACQUIRE);
	__u32 p_wait = __atomic_load_n(&p->waiters, __ATOMIC_RELAXED);
	__u32 c_wait = __atomic_load_n(&c->waiters, __ATOMIC_RELAXED);
	struct memwell_io_stats io;
	struct memwell_ring_stats ks;
	bool have_ks = false;
	int ks_err = 0;
	char fl[96];
	__u64 fill = p_rel - c_rel;

	memset(&io, 0, sizeof(io));
	memwell_get_io_stats(mw, &io, sizeof(io));
	memset(&ks, 0, sizeof(ks));
	/* Local rings have no kernel counters; a memfd says ENOTTY too. */
	if (ioctl(memwell_fd(mw), MEMWELL_IOC_STATS, &ks) == 0)
		have_ks = true;
	else
		ks_err = errno;
	flags_text(r->flags, fl, sizeof(fl));
	if (fill > r->count)
		fill = r->count;

	if (cli_json) {
		struct cj j;

		cj_begin(&j, stdout);
		cj_str(&j, "cmd", "stat");
		cj_str(&j, "ring", label);
		cj_str(&j, "flags", fl);
		cj_u64(&j, "block_size", 1ULL << r->block_shift);
		cj_u64(&j, "blocks", r->count);
		cj_u64(&j, "capacity", r->count << r->block_shift);
		cj_u64(&j, "rec_max", r->rec_max);
		cj_u64(&j, "prod_reserve", p_res);
		cj_u64(&j, "prod_release", p_rel);
		cj_u64(&j, "cons_reserve", c_res);
		cj_u64(&j, "cons_release", c_rel);
		cj_u64(&j, "fill_blocks", fill);
		cj_u64(&j, "prod_waiters", p_wait);
		cj_u64(&j, "cons_waiters", c_wait);
		cj_u64(&j, "kicks", io.kicks);
		cj_u64(&j, "waits", io.waits);
		cj_u64(&j, "syscalls", io.syscalls);
		if (have_ks) {
			cj_obj(&j, "kernel");
			cj_u64(&j, "produced", ks.produced);
			cj_u64(&j, "consumed", ks.consumed);
			cj_u64(&j, "dropped", ks.dropped);
			cj_u64(&j, "dropped_bytes", ks.dropped_bytes);
			cj_u64(&j, "wakeups", ks.wakeups);
			cj_u64(&j, "wake_ioctls", ks.wake_ioctls);
			cj_u64(&j, "producers", ks.producers);
			cj_u64(&j, "consumers", ks.consumers);
			cj_obj_end(&j);
		} else {
			cj_null(&j, "kernel");
		}
		cj_end(&j);
		return;
	}
	printf("ring %s: %s, %llu blocks of %llu B = %llu B, largest record %llu B\n",
	       label, fl, (unsigned long long)r->count, 1ULL << r->block_shift,
	       (unsigned long long)r->count << r->block_shift,
	       (unsigned long long)r->rec_max);
	printf("  producers: reserve %llu release %llu waiters %u\n",
	       (unsigned long long)p_res, (unsigned long long)p_rel, p_wait);
	printf("  consumers: reserve %llu release %llu waiters %u\n",
	       (unsigned long long)c_res, (unsigned long long)c_rel, c_wait);
	printf("  fill: %llu of %llu blocks (%.1f%%)\n", (unsigned long long)fill,
	       (unsigned long long)r->count, 100.0 * (double)fill / (double)r->count);
	printf("  this process: %llu kicks, %llu waits (%llu syscalls)\n",
	       (unsigned long long)io.kicks, (unsigned long long)io.waits,
	       (unsigned long long)io.syscalls);
	if (have_ks)
		printf("  kernel: produced %llu consumed %llu dropped %llu (%llu B) wakeups %llu "
		       "wake ioctls %llu, attached %llu producers %llu consumers\n",
		       (unsigned long long)ks.produced, (unsigned long long)ks.consumed,
		       (unsigned long long)ks.dropped, (unsigned long long)ks.dropped_bytes,
		       (unsigned long long)ks.wakeups, (unsigned long long)ks.wake_ioctls,
		       (unsigned long long)ks.producers, (unsigned long long)ks.consumers);
	else
		printf("  kernel: no counters (%s)\n", cli_errname(ks_err));
}

/* ---- create ---- */

static const char create_help[] =
"usage: memwell create [ring options] [--json] [-- CMD [ARG...]]\n"
"\n"
"Create a ring and print its layout.  A ring lives only while its fd is\n"
"open, so with CMD the ring is held while CMD runs: CMD inherits the ring's\n"
"fd, whose number is in $MEMWELL_FD (e.g. 'memwell create -- memwell stat').\n"
"Exit status: CMD's, or 0.\n"
"\n"
CLI_RING_HELP
"  --blocks            a blocks ring instead of a records ring\n"
"  --kernel-prod       only kernel code produces (kernel-to-user)\n"
"  --kernel-cons       only kernel code consumes\n"
"  --dry-run           check the geometry and print the layout; no ring\n";

int cmd_create(int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_RING_LONGOPTS,
		{ "kernel-prod", no_argument, NULL, 'P' },
		{ "kernel-cons", no_argument, NULL, 'C' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ring_opts o = { .flags = MEMWELL_F_RECORDS, .ring_size = 1 << 20,
				   .block_size = 64 };
	struct memwell_layout l;
	struct memwell *mw = NULL;
	bool dry = false;
	__u32 bs, cs;
	char fl[96], fdtxt[32] = "";
	int c, err;

	while ((c = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
		if (cli_ring_opt(&o, c, optarg))
			continue;
		switch (c) {
		case 'P': o.flags |= MEMWELL_F_KERNEL_PROD; break;
		case 'C': o.flags |= MEMWELL_F_KERNEL_CONS; break;
		case 'n': dry = true; break;
		case 'J': break;
		case 'h': cli_help(create_help);
		default: cli_bad_option(c, argv);
		}
	}
	cli_ring_geometry(&o, &bs, &cs);
	err = memwell_layout_compute(o.flags, bs, cs,
				     (__u32)__builtin_ctzl((unsigned long)sysconf(_SC_PAGESIZE)), &l);
	if (err)
		cli_fail(-err, "geometry rejected: %llu B blocks x %llu",
			 o.block_size, o.ring_size / o.block_size);
	if (!dry)
		mw = cli_ring_create(&o);
	flags_text(o.flags, fl, sizeof(fl));
	if (mw)
		snprintf(fdtxt, sizeof(fdtxt), ", fd %d", memwell_fd(mw));
	if (cli_json) {
		struct cj j;

		cj_begin(&j, stdout);
		cj_str(&j, "cmd", "create");
		cj_str(&j, "mode", dry ? "none" : o.local ? "local" : "dev");
		cj_str(&j, "flags", fl);
		cj_str(&j, "name", o.name[0] ? o.name : NULL);
		cj_u64(&j, "block_size", 1ULL << bs);
		cj_u64(&j, "blocks", 1ULL << cs);
		cj_u64(&j, "prod_offset", l.prod_offset);
		cj_u64(&j, "prod_size", l.prod_size);
		cj_u64(&j, "cons_offset", l.cons_offset);
		cj_u64(&j, "cons_size", l.cons_size);
		cj_u64(&j, "data_offset", l.data_offset);
		cj_u64(&j, "data_size", l.data_size);
		cj_u64(&j, "total_size", l.total_size);
		if (mw)
			cj_i64(&j, "fd", memwell_fd(mw));
		else
			cj_null(&j, "fd");
		cj_end(&j);
	}
	else
		printf("%s ring (%s%s%s): %llu blocks of %llu B\n"
		       "  header    0x%08llx +0x%llx (read-only)\n"
		       "  producers 0x%08llx +0x%llx\n"
		       "  consumers 0x%08llx +0x%llx\n"
		       "  data      0x%08llx +0x%llx, mapped twice\n"
		       "  mapping   0x%llx bytes%s\n",
		       dry ? "checked" : o.local ? "local" : "device", fl,
		       o.name[0] ? ", name " : "", o.name, 1ULL << cs, 1ULL << bs,
		       0ULL, (unsigned long long)l.prod_offset,
		       (unsigned long long)l.prod_offset, (unsigned long long)l.prod_size,
		       (unsigned long long)l.cons_offset, (unsigned long long)l.cons_size,
		       (unsigned long long)l.data_offset, (unsigned long long)l.data_size,
		       (unsigned long long)l.total_size, fdtxt);
	if (optind < argc && mw) {
		char fdbuf[16];
		pid_t pid;
		int st, fd = memwell_fd(mw);

		fflush(stdout);
		/* Let CMD inherit the fd: clear FD_CLOEXEC. */
		fcntl(fd, F_SETFD, 0);
		snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
		setenv("MEMWELL_FD", fdbuf, 1);
		pid = fork();
		if (pid < 0)
			cli_fail(errno, "fork failed");
		if (!pid) {
			execvp(argv[optind], argv + optind);
			cli_fail(errno, "cannot run '%s'", argv[optind]);
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				cli_fail(errno, "waitpid failed");
		memwell_close(mw);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	} else if (optind < argc) {
		cli_usage("--dry-run cannot run a command");
	}
	memwell_close(mw);
	return 0;
}

/* ---- stat ---- */

static const char stat_help[] =
"usage: memwell stat [--fd N] [--json]\n"
"\n"
"Geometry, positions, fill, waiters, this process's syscalls and the\n"
"kernel's counters (drops, wake-ups) of a ring whose fd this process holds:\n"
"--fd N, default $MEMWELL_FD (set by 'memwell create -- CMD').  Rings have\n"
"no global names to look up, so a ring is always reached through its fd;\n"
"'memwell stream --stat' prints the stats of the ring it streams.\n";

int cmd_stat(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "fd", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fds = getenv("MEMWELL_FD");
	struct memwell *mw;
	unsigned long long fd;
	int c, err;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'f': fds = optarg; break;
		case 'J': break;
		case 'h': cli_help(stat_help);
		default: cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
	if (!fds)
		cli_die(CLI_EXIT_USAGE, EBADF, "no ring: give --fd N, or run under 'memwell create -- memwell stat'");
	fd = cli_parse_count("--fd", fds);
	if (fd > 1 << 20 || fcntl((int)fd, F_GETFD) < 0)
		cli_fail(EBADF, "fd %llu is not open", fd);
	/* The handle takes the fd; keep the caller's. */
	c = fcntl((int)fd, F_DUPFD_CLOEXEC, 3);
	if (c < 0)
		cli_fail(errno, "dup of fd %llu failed", fd);
	err = memwell_attach_fd(c, &mw);
	if (err) {
		close(c);
		cli_fail(-err, "fd %llu is not a memwell ring", fd);
	}
	cli_ring_stat(mw, fds);
	memwell_close(mw);
	return 0;
}
