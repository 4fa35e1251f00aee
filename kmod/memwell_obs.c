// SPDX-License-Identifier: GPL-2.0
/*
 * Observing rings from outside, as bpftool and /proc/<pid>/fdinfo observe
 * BPF maps and io_urings: every ring carries an id and sits on one list
 * from creation to release, and two read-only views print it as
 * "key:\tvalue" lines.
 *
 *   /proc/<pid>/fdinfo/<fd> of a /dev/memwell file: that ring, plus the
 *	sides this file may write and the source kind attached.  The VFS
 *	lets only a caller with ptrace read access to <pid> read it.
 *   <debugfs>/memwell/rings (mode 0400, root): every ring, one block of
 *	lines each, blocks separated by an empty line.  debugfs itself is
 *	root-only, and the kernel hides it entirely under lockdown.
 *
 * New keys go at the end of a block; readers ignore keys they do not
 * know.  Every value read from shared memory is bounded by the core
 * (memwell_ready_blocks(), memwell_free_blocks() clamp to the count).
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/user_namespace.h>

#include "memwell_kring.h"
#include "memwell_obs.h"
#include "memwell_source.h"

static DEFINE_MUTEX(memwell_obs_lock);	/* protects memwell_obs_rings */
static LIST_HEAD(memwell_obs_rings);
static atomic64_t memwell_obs_next_id = ATOMIC64_INIT(0);
static struct dentry *memwell_obs_dir;

/**
 * memwell_obs_add() - give a new ring its id and list it
 * @kr: the ring, fully built
 */
void memwell_obs_add(struct memwell_kring *kr)
{
	kr->obs.id = atomic64_inc_return(&memwell_obs_next_id);
	mutex_lock(&memwell_obs_lock);
	list_add_tail(&kr->obs.node, &memwell_obs_rings);
	mutex_unlock(&memwell_obs_lock);
}

/**
 * memwell_obs_del() - unlist a ring being released
 * @kr: the ring; memwell_obs_add() was called on it
 *
 * After this no view reads @kr any more.  May sleep.
 */
void memwell_obs_del(struct memwell_kring *kr)
{
	mutex_lock(&memwell_obs_lock);
	list_del(&kr->obs.node);
	mutex_unlock(&memwell_obs_lock);
}

static u64 memwell_obs_stat(struct memwell_kring *kr, enum memwell_stat i)
{
	return atomic64_read(memwell_stat_ptr(kr, i));
}

/* The lines both views print for a ring; the caller keeps @kr alive. */
static void memwell_obs_show_ring(struct seq_file *m, struct memwell_kring *kr)
{
	const struct memwell_layout *l = &kr->layout;
	u64 count = kr->view.count;

	seq_printf(m, "ring_id:\t%llu\n", kr->obs.id);
	seq_printf(m, "name:\t%s\n", kr->reg.name);
	seq_printf(m, "creator_uid:\t%u\n",
		   from_kuid_munged(seq_user_ns(m), kr->reg.uid));
	seq_printf(m, "ring_flags:\t0x%x\n", l->flags);
	seq_printf(m, "block_size:\t%llu\n", 1ULL << l->block_shift);
	seq_printf(m, "blocks:\t%llu\n", count);
	seq_printf(m, "ready_blocks:\t%llu\n", memwell_ready_blocks(&kr->view));
	seq_printf(m, "used_blocks:\t%llu\n", count - memwell_free_blocks(&kr->view));
	seq_printf(m, "kernel_producers:\t%d\n", atomic_read(&kr->kern.count[MEMWELL_SIDE_PROD]));
	seq_printf(m, "kernel_consumers:\t%d\n", atomic_read(&kr->kern.count[MEMWELL_SIDE_CONS]));
	seq_printf(m, "produced:\t%llu\n", memwell_obs_stat(kr, MEMWELL_STAT_PRODUCED));
	seq_printf(m, "consumed:\t%llu\n", memwell_obs_stat(kr, MEMWELL_STAT_CONSUMED));
	seq_printf(m, "dropped:\t%llu\n", memwell_obs_stat(kr, MEMWELL_STAT_DROPPED));
	seq_printf(m, "dropped_bytes:\t%llu\n",
		   memwell_obs_stat(kr, MEMWELL_STAT_DROPPED_BYTES));
	seq_printf(m, "lost_pending:\t%lld\n", (s64)atomic64_read(&kr->lost.recs));
	seq_printf(m, "errors:\t%llu\n", memwell_obs_stat(kr, MEMWELL_STAT_ERRORS));
	seq_printf(m, "wakeups:\t%llu\n", memwell_obs_stat(kr, MEMWELL_STAT_WAKEUPS));
	seq_printf(m, "refs:\t%u\n", kref_read(&kr->ref));
	seq_printf(m, "creator_gid:\t%u\n",
		   from_kgid_munged(seq_user_ns(m), kr->reg.gid));
	seq_printf(m, "mode:\t0%03o\n", kr->reg.mode);
}

/*
 * The sides a holder of a file opened @writable may write: those the file
 * was granted (@access: MEMWELL_SIDE_BIT()s), never the kernel's.
 */
static const char *memwell_obs_sides(bool writable, u32 access, u32 flags)
{
	if (flags & MEMWELL_F_KERNEL_PROD)
		access &= ~MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD);
	if (flags & MEMWELL_F_KERNEL_CONS)
		access &= ~MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS);
	if (!writable || !access)
		return "none";
	if (!(access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD)))
		return "cons";
	if (!(access & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS)))
		return "prod";
	return "prod,cons";
}

/**
 * memwell_obs_show_fdinfo() - the fdinfo lines of a /dev/memwell file
 * @m: the fdinfo seq_file
 * @kr: the file's ring (its reference keeps it valid), or NULL
 * @writable: the file was opened for writing
 * @access: MEMWELL_SIDE_BIT()s of the sides the file was granted
 */
void memwell_obs_show_fdinfo(struct seq_file *m, struct memwell_kring *kr,
			     bool writable, u32 access)
{
	const char *src = "";

	if (!kr) {
		seq_puts(m, "ring_id:\t\n");
		return;
	}
	memwell_obs_show_ring(m, kr);
	seq_printf(m, "sides:\t%s\n", memwell_obs_sides(writable, access, kr->layout.flags));
	/* Detach clears src_ops before the kind's module may go. */
	mutex_lock(&kr->kern.src_lock);
	if (kr->kern.src_ops)
		src = kr->kern.src_ops->name;
	seq_printf(m, "source:\t%s\n", src);
	mutex_unlock(&kr->kern.src_lock);
}

/* Holds memwell_obs_lock from start to stop: a listed ring stays valid. */
static void *memwell_obs_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&memwell_obs_lock);
	return seq_list_start(&memwell_obs_rings, *pos);
}

static void *memwell_obs_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &memwell_obs_rings, pos);
}

static void memwell_obs_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&memwell_obs_lock);
}

/* A listed ring is valid: its release unlists it under the lock first. */
static int memwell_obs_show(struct seq_file *m, void *v)
{
	struct memwell_kring *kr = list_entry(v, struct memwell_kring, obs.node);

	if (v != memwell_obs_rings.next)
		seq_putc(m, '\n');
	memwell_obs_show_ring(m, kr);
	return 0;
}

static const struct seq_operations memwell_obs_sops = {
	.start = memwell_obs_start,
	.next = memwell_obs_next,
	.stop = memwell_obs_stop,
	.show = memwell_obs_show,
};
DEFINE_SEQ_ATTRIBUTE(memwell_obs);

/**
 * memwell_obs_init() - create <debugfs>/memwell/rings
 *
 * Without debugfs there is no system-wide view; fdinfo works regardless.
 */
void memwell_obs_init(void)
{
	memwell_obs_dir = debugfs_create_dir("memwell", NULL);
	debugfs_create_file("rings", 0400, memwell_obs_dir, NULL,
			    &memwell_obs_fops);
}

/**
 * memwell_obs_exit() - remove <debugfs>/memwell
 */
void memwell_obs_exit(void)
{
	debugfs_remove_recursive(memwell_obs_dir);
}
