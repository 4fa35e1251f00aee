// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user charges (memwell_account.h).  Ring pages are unmovable kernel
 * memory that shows in no process's RSS, and source kthreads count in no
 * RLIMIT_NPROC: both are charged here to the user who asked for them, and
 * uncharged exactly once, by whoever drops the ring's or the instance's
 * last reference.
 *
 * Ring pages go to user->locked_vm against the caller's RLIMIT_MEMLOCK,
 * unless it has CAP_IPC_LOCK (in the initial user namespace), the rule of
 * io_uring's rings and AF_XDP's umems: -ENOMEM when over, as theirs.
 *
 * Ring and kthread counts live in a small per-uid object, created on the
 * first charge and freed with the last.  Over max_user_rings is -EMFILE
 * (as inotify's max_user_instances: too many of the caller's objects);
 * over max_user_kthreads is -EAGAIN (as fork() over RLIMIT_NPROC).  These
 * counts bind every uid, root too: they are the administrator's bound on
 * what the module starts, and capabilities do not lift them.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/export.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/user_namespace.h>

#include "memwell_account.h"

static unsigned int memwell_max_user_rings = 1024;
module_param_named(max_user_rings, memwell_max_user_rings, uint, 0644);
MODULE_PARM_DESC(max_user_rings,
		 "Most rings one uid may have at once, root included; more: EMFILE (default 1024)");

static unsigned int memwell_max_user_kthreads = 64;
module_param_named(max_user_kthreads, memwell_max_user_kthreads, uint, 0644);
MODULE_PARM_DESC(max_user_kthreads,
		 "Most kthreads source kinds may run for one uid at once (gen producers, sinks), root included; more: EAGAIN (default 64)");

/**
 * struct memwell_user - what one uid holds now
 * @node: in memwell_users
 * @uid: the uid
 * @ref: one per ring and per source instance charged to it
 * @rings: rings it created that are not freed yet
 * @threads: kthreads running (or starting) for its source instances
 */
struct memwell_user {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_long_t rings;
	atomic_long_t threads;
};

static DEFINE_HASHTABLE(memwell_users, 6);
static DEFINE_SPINLOCK(memwell_users_lock);	/* guards memwell_users */

static struct memwell_user *memwell_user_find(kuid_t uid)
{
	struct memwell_user *u;

	hash_for_each_possible(memwell_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* The object of @uid with a new reference, created if need be; or NULL. */
static struct memwell_user *memwell_user_get(kuid_t uid)
{
	struct memwell_user *u, *fresh;

	spin_lock(&memwell_users_lock);
	u = memwell_user_find(uid);
	if (u)
		refcount_inc(&u->ref);
	spin_unlock(&memwell_users_lock);
	if (u)
		return u;

	fresh = kzalloc(sizeof(*fresh), MEMWELL_GFP_USER);
	if (!fresh)
		return NULL;
	fresh->uid = uid;
	refcount_set(&fresh->ref, 1);
	spin_lock(&memwell_users_lock);
	/* Another charge of the same uid may have added it meanwhile. */
	u = memwell_user_find(uid);
	if (u) {
		refcount_inc(&u->ref);
	} else {
		hash_add(memwell_users, &fresh->node, __kuid_val(uid));
		u = fresh;
		fresh = NULL;
	}
	spin_unlock(&memwell_users_lock);
	kfree(fresh);
	return u;
}

/* Under the lock: a lookup never revives an object on its way out. */
static void memwell_user_put(struct memwell_user *u)
{
	bool last;

	spin_lock(&memwell_users_lock);
	last = refcount_dec_and_test(&u->ref);
	if (last)
		hash_del(&u->node);
	spin_unlock(&memwell_users_lock);
	if (last)
		kfree(u);
}

/* Add @n to @count unless that takes it over @max (read once by the caller). */
static bool memwell_count_add(atomic_long_t *count, long n, long max)
{
	long cur = atomic_long_read(count);

	do {
		/* A lowered limit leaves cur > max: refuse, never wrap. */
		if (cur > max || n > max - cur)
			return false;
	} while (!atomic_long_try_cmpxchg(count, &cur, cur + n));
	return true;
}

/* Charge @pages to @user->locked_vm within the caller's RLIMIT_MEMLOCK. */
static int memwell_lock_pages(struct user_struct *user, unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	long cur = atomic_long_read(&user->locked_vm);

	do {
		if ((unsigned long)cur > limit || pages > limit - cur)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, cur + pages));
	return 0;
}

/**
 * memwell_account_ring() - charge a ring the current process creates
 * @ch: filled on success; memwell_unaccount_ring() undoes it
 * @pages: the distinct pages the ring will allocate
 *
 * Counts the ring for the caller's uid against max_user_rings, then
 * charges @pages to its user->locked_vm against RLIMIT_MEMLOCK unless it
 * has CAP_IPC_LOCK.  May sleep.
 *
 * Return: 0; -EMFILE over max_user_rings; -ENOMEM over RLIMIT_MEMLOCK or
 * when the per-uid object cannot be allocated.  Nothing is charged on error.
 */
int memwell_account_ring(struct memwell_ring_charge *ch, unsigned long pages)
{
	struct user_struct *user = current_user();
	struct memwell_user *u;
	int err;

	memset(ch, 0, sizeof(*ch));
	u = memwell_user_get(current_uid());
	if (!u)
		return -ENOMEM;
	if (!memwell_count_add(&u->rings, 1, READ_ONCE(memwell_max_user_rings))) {
		err = -EMFILE;
		goto err_put;
	}
	/* As capable(), without an audit record for those who lack it. */
	if (!ns_capable_noaudit(&init_user_ns, CAP_IPC_LOCK)) {
		err = memwell_lock_pages(user, pages);
		if (err)
			goto err_uncount;
		ch->locked_user = get_uid(user);
		ch->locked_pages = pages;
	}
	ch->owner = u;
	return 0;

err_uncount:
	atomic_long_dec(&u->rings);
err_put:
	memwell_user_put(u);
	return err;
}

/**
 * memwell_unaccount_ring() - undo memwell_account_ring()
 * @ch: the charge; cleared, so a second call does nothing
 *
 * Never sleeps.
 */
void memwell_unaccount_ring(struct memwell_ring_charge *ch)
{
	if (ch->locked_user) {
		atomic_long_sub(ch->locked_pages, &ch->locked_user->locked_vm);
		free_uid(ch->locked_user);
	}
	if (ch->owner) {
		atomic_long_dec(&ch->owner->rings);
		memwell_user_put(ch->owner);
	}
	memset(ch, 0, sizeof(*ch));
}

/**
 * memwell_account_threads() - charge the kthreads of a source instance
 * @ch: filled on success; memwell_unaccount_threads() undoes it
 * @threads: kthreads the instance starts (0: nothing is charged)
 *
 * Counts them for the current process's uid against max_user_kthreads.
 * May sleep.
 *
 * Return: 0; -EAGAIN over max_user_kthreads; -ENOMEM when the per-uid
 * object cannot be allocated.
 */
int memwell_account_threads(struct memwell_thread_charge *ch,
			    unsigned int threads)
{
	struct memwell_user *u;

	memset(ch, 0, sizeof(*ch));
	if (!threads)
		return 0;
	u = memwell_user_get(current_uid());
	if (!u)
		return -ENOMEM;
	if (!memwell_count_add(&u->threads, threads,
			       READ_ONCE(memwell_max_user_kthreads))) {
		memwell_user_put(u);
		return -EAGAIN;
	}
	ch->owner = u;
	ch->threads = threads;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(memwell_account_threads, MEMWELL_NS);

/**
 * memwell_unaccount_threads() - undo memwell_account_threads()
 * @ch: the charge; cleared, so a second call does nothing
 *
 * Call it once the instance's kthreads have exited.  Never sleeps.
 */
void memwell_unaccount_threads(struct memwell_thread_charge *ch)
{
	if (ch->owner) {
		atomic_long_sub(ch->threads, &ch->owner->threads);
		memwell_user_put(ch->owner);
	}
	memset(ch, 0, sizeof(*ch));
}
EXPORT_SYMBOL_NS_GPL(memwell_unaccount_threads, MEMWELL_NS);

/**
 * memwell_account_counts() - what a uid is charged now
 * @uid: the uid
 * @rings: its rings
 * @threads: its source kthreads
 * @users: uids charged anything at all
 *
 * For the KUnit suite's leak checks.
 */
void memwell_account_counts(kuid_t uid, long *rings, long *threads, long *users)
{
	struct memwell_user *u;
	unsigned int bkt;

	*rings = 0;
	*threads = 0;
	*users = 0;
	spin_lock(&memwell_users_lock);
	u = memwell_user_find(uid);
	if (u) {
		*rings = atomic_long_read(&u->rings);
		*threads = atomic_long_read(&u->threads);
	}
	hash_for_each(memwell_users, bkt, u, node)
		(*users)++;
	spin_unlock(&memwell_users_lock);
}
EXPORT_SYMBOL_NS_GPL(memwell_account_counts, MEMWELL_NS);
