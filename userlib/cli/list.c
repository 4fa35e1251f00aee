// SPDX-License-Identifier: GPL-2.0
/*
 * memwell list: the rings on the system.
 *
 * Two sources, both written by the module (kmod/memwell_obs.c) as blocks
 * of "key:<TAB>value" lines, parsed here by one parser that ignores keys it
 * does not know:
 *   <debugfs>/memwell/rings   every ring; root only (debugfs is 0700, the
 *                             file 0400, and lockdown hides debugfs)
 *   /proc/<pid>/fdinfo/<fd>   the ring of one /dev/memwell file, with the
 *                             sides that file may write and its source;
 *                             the kernel shows it only to callers with
 *                             ptrace read access to <pid>
 * The list is every ring of debugfs when it can be read, with the
 * processes holding each one (from /proc); otherwise the rings reachable
 * through the fds of the processes the caller may inspect.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

#define LIST_DEBUGFS	"/sys/kernel/debug/memwell/rings"

/* The numeric keys, in the order of enum lr_key. */
static const char *const lr_keys[] = {
	"ring_id", "creator_uid", "ring_flags", "block_size", "blocks",
	"ready_blocks", "used_blocks", "kernel_producers", "kernel_consumers",
	"produced", "consumed", "dropped", "dropped_bytes", "lost_pending",
	"errors", "wakeups", "refs",
};
enum lr_key {
	K_ID, K_UID, K_FLAGS, K_BSIZE, K_BLOCKS, K_READY, K_USED, K_KPROD,
	K_KCONS, K_PRODUCED, K_CONSUMED, K_DROPPED, K_DROPPED_BYTES, K_LOST,
	K_ERRORS, K_WAKEUPS, K_REFS, K_NR
};

/* One fd of a process on a ring. */
struct lr_proc {
	int pid;
	int fd;
	char comm[64];		/* raw bytes of /proc/<pid>/comm */
	char sides[32];
};

struct lr_ring {
	unsigned long long v[K_NR];
	bool have[K_NR];
	char name[64];		/* "" when the ring has none */
	char source[64];	/* "" when none or unknown */
	struct lr_proc *procs;
	size_t nprocs;
};

struct lr_list {
	struct lr_ring *rings;
	size_t n;
	bool all;		/* from debugfs: every ring */
	unsigned int hidden;	/* processes whose fds we may not inspect */
};

/* What one block of lines said; @sides and @source only from fdinfo. */
struct lr_block {
	struct lr_ring r;
	char sides[32];
	bool have_sides;
	bool have_source;
};

static void lr_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* One "key:<TAB>value" line into @b; other lines are ignored. */
static void lr_parse_line(struct lr_block *b, char *line)
{
	char *val = strchr(line, ':'), *end;
	unsigned long long v;

	if (!val)
		return;
	*val++ = 0;
	val += strspn(val, "\t ");
	val[strcspn(val, "\n")] = 0;
	if (!strcmp(line, "name")) {
		lr_copy(b->r.name, sizeof(b->r.name), val);
		return;
	}
	if (!strcmp(line, "source")) {
		lr_copy(b->r.source, sizeof(b->r.source), val);
		b->have_source = true;
		return;
	}
	if (!strcmp(line, "sides")) {
		lr_copy(b->sides, sizeof(b->sides), val);
		b->have_sides = true;
		return;
	}
	for (int k = 0; k < K_NR; k++) {
		if (strcmp(line, lr_keys[k]))
			continue;
		errno = 0;
		v = strtoull(val, &end, 0);
		if (*val && !*end && !errno) {
			b->r.v[k] = v;
			b->r.have[k] = true;
		}
		return;
	}
}

static struct lr_ring *lr_find(struct lr_list *l, unsigned long long id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->rings[i].v[K_ID] == id)
			return &l->rings[i];
	return NULL;
}

/* Add what @b says about its ring; fdinfo blocks also add @proc. */
static void lr_merge(struct lr_list *l, struct lr_block *b, const struct lr_proc *proc)
{
	struct lr_ring *r;

	if (!b->r.have[K_ID])
		return;		/* a /dev/memwell file without a ring */
	r = lr_find(l, b->r.v[K_ID]);
	if (!r) {
		r = realloc(l->rings, (l->n + 1) * sizeof(*r));
		if (!r)
			cli_fail(ENOMEM, "out of memory");
		l->rings = r;
		r = &l->rings[l->n++];
		*r = b->r;
		r->procs = NULL;
		r->nprocs = 0;
	} else if (b->have_source) {
		lr_copy(r->source, sizeof(r->source), b->r.source);
	}
	if (proc) {
		struct lr_proc *p = realloc(r->procs, (r->nprocs + 1) * sizeof(*p));

		if (!p)
			cli_fail(ENOMEM, "out of memory");
		r->procs = p;
		p[r->nprocs] = *proc;
		lr_copy(p[r->nprocs].sides, sizeof(p->sides), b->have_sides ? b->sides : "");
		r->nprocs++;
	}
}

/* Every ring in <debugfs>/memwell/rings; 0 or the errno of opening it. */
static int lr_read_debugfs(struct lr_list *l)
{
	FILE *f = fopen(LIST_DEBUGFS, "r");
	struct lr_block b;
	char line[512];

	if (!f)
		return errno;
	memset(&b, 0, sizeof(b));
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '\n') {
			lr_merge(l, &b, NULL);
			memset(&b, 0, sizeof(b));
			continue;
		}
		lr_parse_line(&b, line);
	}
	lr_merge(l, &b, NULL);
	fclose(f);
	l->all = true;
	return 0;
}

/* /proc/<pid>/comm without its newline, raw bytes (a process names itself). */
static void lr_comm(int pid, char *buf, size_t len)
{
	char p[64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/comm", pid);
	buf[0] = 0;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		n = 0;
	else if (buf[n - 1] == '\n')
		n--;
	buf[n] = 0;
}

/* The rings of process @pid's /dev/memwell fds (device number @dev). */
static void lr_scan_pid(struct lr_list *l, int pid, dev_t dev)
{
	struct lr_proc proc = { .pid = pid };
	char p[320], line[512];
	struct dirent *e;
	DIR *d;

	snprintf(p, sizeof(p), "/proc/%d/fd", pid);
	d = opendir(p);
	if (!d) {
		if (errno == EACCES || errno == EPERM)
			l->hidden++;
		return;
	}
	lr_comm(pid, proc.comm, sizeof(proc.comm));
	while ((e = readdir(d))) {
		struct lr_block b;
		struct stat st;
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fd/%s", pid, e->d_name);
		if (stat(p, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != dev)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fdinfo/%s", pid, e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		memset(&b, 0, sizeof(b));
		while (fgets(line, sizeof(line), f))
			lr_parse_line(&b, line);
		fclose(f);
		proc.fd = atoi(e->d_name);
		lr_merge(l, &b, &proc);
	}
	closedir(d);
}

static void lr_scan_proc(struct lr_list *l, dev_t dev)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		cli_fail(errno, "cannot read /proc");
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			lr_scan_pid(l, atoi(e->d_name), dev);
	closedir(d);
}

/* The device number of /dev/memwell, or exit 5 when the module is not there. */
static dev_t lr_dev(void)
{
	const char *path = cli_dev_path();
	unsigned int maj, min;
	struct stat st;
	char buf[32] = "";
	FILE *f;

	if (!stat(path, &st) && S_ISCHR(st.st_mode))
		return st.st_rdev;
	/* The node may be elsewhere or missing; the misc device says its number. */
	f = fopen("/sys/class/misc/memwell/dev", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &maj, &min) == 2) {
			fclose(f);
			return makedev(maj, min);
		}
		fclose(f);
	}
	cli_die_dev(ENOENT, path);
}

static int lr_cmp(const void *a, const void *b)
{
	const struct lr_ring *x = a, *y = b;

	return x->v[K_ID] < y->v[K_ID] ? -1 : x->v[K_ID] > y->v[K_ID];
}

/* Distinct processes holding a fd whose sides include @side. */
static unsigned int lr_users(const struct lr_ring *r, const char *side)
{
	unsigned int n = 0;

	for (size_t i = 0; i < r->nprocs; i++) {
		bool dup = false;

		if (!strstr(r->procs[i].sides, side))
			continue;
		for (size_t k = 0; k < i; k++)
			if (r->procs[k].pid == r->procs[i].pid &&
			    strstr(r->procs[k].sides, side))
				dup = true;
		n += !dup;
	}
	return n;
}

static void lr_flags(const struct lr_ring *r, char *buf, size_t n)
{
	unsigned long long f = r->v[K_FLAGS];

	if (!r->have[K_FLAGS]) {
		lr_copy(buf, n, "-");
		return;
	}
	snprintf(buf, n, "%s%s%s%s%s",
		 f & MEMWELL_F_RECORDS ? "records" : "blocks",
		 f & MEMWELL_F_PROD_MULTI ? ",prod-multi" : "",
		 f & MEMWELL_F_CONS_MULTI ? ",cons-multi" : "",
		 f & MEMWELL_F_KERNEL_PROD ? ",kernel-prod" : "",
		 f & MEMWELL_F_KERNEL_CONS ? ",kernel-cons" : "");
}

static double lr_fill(const struct lr_ring *r)
{
	if (!r->have[K_USED] || !r->have[K_BLOCKS] || !r->v[K_BLOCKS])
		return -1;
	return 100.0 * (double)r->v[K_USED] / (double)r->v[K_BLOCKS];
}

static void lr_json_num(struct cj *j, const struct lr_ring *r, const char *key, int k)
{
	if (r->have[k])
		cj_u64(j, key, r->v[k]);
	else
		cj_null(j, key);
}

static void lr_print_json(const struct lr_list *l)
{
	struct cj j;
	char fl[96];

	cj_begin(&j, stdout);
	cj_str(&j, "cmd", "list");
	cj_str(&j, "scope", l->all ? "all" : "processes");
	cj_u64(&j, "hidden_processes", l->hidden);
	cj_arr(&j, "rings");
	for (size_t i = 0; i < l->n; i++) {
		const struct lr_ring *r = &l->rings[i];
		double fill = lr_fill(r);

		cj_obj(&j, NULL);
		lr_json_num(&j, r, "ring_id", K_ID);
		cj_str(&j, "name", r->name[0] ? r->name : NULL);
		lr_json_num(&j, r, "creator_uid", K_UID);
		lr_flags(r, fl, sizeof(fl));
		cj_str(&j, "flags", r->have[K_FLAGS] ? fl : NULL);
		lr_json_num(&j, r, "block_size", K_BSIZE);
		lr_json_num(&j, r, "blocks", K_BLOCKS);
		lr_json_num(&j, r, "used_blocks", K_USED);
		lr_json_num(&j, r, "ready_blocks", K_READY);
		if (fill < 0)
			cj_null(&j, "fill_percent");
		else
			cj_dbl(&j, "fill_percent", fill, 1);
		lr_json_num(&j, r, "kernel_producers", K_KPROD);
		lr_json_num(&j, r, "kernel_consumers", K_KCONS);
		cj_u64(&j, "user_producers", lr_users(r, "prod"));
		cj_u64(&j, "user_consumers", lr_users(r, "cons"));
		lr_json_num(&j, r, "produced", K_PRODUCED);
		lr_json_num(&j, r, "consumed", K_CONSUMED);
		lr_json_num(&j, r, "dropped", K_DROPPED);
		lr_json_num(&j, r, "dropped_bytes", K_DROPPED_BYTES);
		lr_json_num(&j, r, "lost_pending", K_LOST);
		lr_json_num(&j, r, "errors", K_ERRORS);
		lr_json_num(&j, r, "wakeups", K_WAKEUPS);
		cj_str(&j, "source", r->source[0] ? r->source : NULL);
		cj_arr(&j, "processes");
		for (size_t p = 0; p < r->nprocs; p++) {
			cj_obj(&j, NULL);
			cj_i64(&j, "pid", r->procs[p].pid);
			cj_str(&j, "comm", r->procs[p].comm);
			cj_i64(&j, "fd", r->procs[p].fd);
			cj_str(&j, "sides", r->procs[p].sides[0] ? r->procs[p].sides : NULL);
			cj_obj_end(&j);
		}
		cj_arr_end(&j);
		cj_obj_end(&j);
	}
	cj_arr_end(&j);
	cj_end(&j);
}

/* @s for a table cell: bytes outside printable ASCII as \xNN, '\' as \\. */
static void lr_cell_text(const char *s, char *buf, size_t n)
{
	size_t o = 0;

	for (; *s && o + 5 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			o += (size_t)snprintf(buf + o, n - o, "\\\\");
		else if (c < 0x21 || c > 0x7e)
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = 0;
}

static const char *lr_num(const struct lr_ring *r, int k, char *buf, size_t n)
{
	if (!r->have[k])
		return "-";
	snprintf(buf, n, "%llu", r->v[k]);
	return buf;
}

static void lr_print_table(const struct lr_list *l)
{
	printf("%-4s %-16s %-5s %-24s %8s %6s %6s %8s %5s %5s %5s %5s %9s %6s %-7s %s\n",
	       "ID", "NAME", "UID", "FLAGS", "BLOCKS", "BSIZE", "FILL%", "READY",
	       "KPROD", "KCONS", "UPROD", "UCONS", "DROPPED", "LOST", "SOURCE", "PROCESSES");
	for (size_t i = 0; i < l->n; i++) {
		const struct lr_ring *r = &l->rings[i];
		char b[K_NR][24], fl[96], name[160], fill[16], src[160], cell[160];
		char up[16], uc[16];
		double f = lr_fill(r);

		lr_flags(r, fl, sizeof(fl));
		lr_cell_text(r->name, name, sizeof(name));
		lr_cell_text(r->source, src, sizeof(src));
		if (f < 0)
			lr_copy(fill, sizeof(fill), "-");
		else
			snprintf(fill, sizeof(fill), "%.1f", f);
		snprintf(up, sizeof(up), "%u", lr_users(r, "prod"));
		snprintf(uc, sizeof(uc), "%u", lr_users(r, "cons"));
		printf("%-4s %-16s %-5s %-24s %8s %6s %6s %8s %5s %5s %5s %5s %9s %6s %-7s ",
		       lr_num(r, K_ID, b[K_ID], 24), name[0] ? name : "-",
		       lr_num(r, K_UID, b[K_UID], 24), fl,
		       lr_num(r, K_BLOCKS, b[K_BLOCKS], 24), lr_num(r, K_BSIZE, b[K_BSIZE], 24),
		       fill, lr_num(r, K_READY, b[K_READY], 24),
		       lr_num(r, K_KPROD, b[K_KPROD], 24), lr_num(r, K_KCONS, b[K_KCONS], 24),
		       up, uc, lr_num(r, K_DROPPED, b[K_DROPPED], 24),
		       lr_num(r, K_LOST, b[K_LOST], 24), src[0] ? src : "-");
		if (!r->nprocs)
			fputs("-", stdout);
		for (size_t p = 0; p < r->nprocs; p++) {
			lr_cell_text(r->procs[p].comm, cell, sizeof(cell));
			printf("%s%d/%s:%d(%s)", p ? "," : "", r->procs[p].pid, cell,
			       r->procs[p].fd, r->procs[p].sides[0] ? r->procs[p].sides : "-");
		}
		fputc('\n', stdout);
	}
	if (!l->all)
		printf("# the rings of the processes you may inspect (%u hidden; root sees every ring)\n",
		       l->hidden);
}

static const char list_help[] =
"usage: memwell list [--fdinfo] [--json]\n"
"\n"
"The rings on this system: id, name, creator uid, flags, geometry, fill,\n"
"kernel and user producers and consumers, drops, lost records not yet\n"
"reported, the attached source and the processes holding each ring (pid/\n"
"comm:fd(sides they may write)).  As root, every ring (from\n"
LIST_DEBUGFS "); otherwise, or with --fdinfo, the rings\n"
"reachable through /proc/<pid>/fdinfo of the processes you may inspect\n"
"(ptrace access: your own, unless you are root).  A missing value is '-'\n"
"(null in JSON).\n";

int cmd_list(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "fdinfo", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lr_list l = { 0 };
	bool fdinfo_only = false;
	dev_t dev;
	int c;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'F': fdinfo_only = true; break;
		case 'J': break;
		case 'h': cli_help(list_help);
		default: cli_bad_option(c, argv);
		}
	}
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
	dev = lr_dev();
	/* Not readable (not root, no debugfs, lockdown): the processes' view. */
	if (!fdinfo_only)
		lr_read_debugfs(&l);
	lr_scan_proc(&l, dev);
	qsort(l.rings, l.n, sizeof(*l.rings), lr_cmp);
	if (cli_json)
		lr_print_json(&l);
	else
		lr_print_table(&l);
	for (size_t i = 0; i < l.n; i++)
		free(l.rings[i].procs);
	free(l.rings);
	return 0;
}
