// SPDX-License-Identifier: GPL-2.0
/*
 * Ring names and their permissions.
 *
 * A name lives in the network namespace of the process that created the
 * ring, where abstract AF_UNIX socket names live too: the same name may
 * exist once in each namespace, and a lookup sees only its own
 * namespace's names.  The IPC namespace would be the natural home, but a
 * module cannot hold one (put_ipc_ns() is not exported), and a pointer or
 * inode number kept without a reference can name a new namespace once the
 * old one is freed.  The network namespace has a per-namespace slot for
 * modules (register_pernet_subsys(), net_generic()) and an exit hook, which
 * unlinks the namespace's names while rings created there may still be
 * open: a ring outlives its name, never the other way round.
 *
 * One mutex guards every namespace's list and every ring's list node, so
 * the exit hook and the release of a ring never race on a node.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "memwell_kring.h"

/* A network namespace's named rings. */
struct memwell_net {
	struct list_head names;
};

static unsigned int memwell_net_id __read_mostly;
static DEFINE_MUTEX(memwell_names_lock);

static int __net_init memwell_net_init(struct net *net)
{
	struct memwell_net *mn = net_generic(net, memwell_net_id);

	INIT_LIST_HEAD(&mn->names);
	return 0;
}

/* The namespace dies: its names go, the rings stay while they are open. */
static void __net_exit memwell_net_exit(struct net *net)
{
	struct memwell_net *mn = net_generic(net, memwell_net_id);
	struct memwell_kring *kr, *tmp;

	mutex_lock(&memwell_names_lock);
	list_for_each_entry_safe(kr, tmp, &mn->names, reg.node)
		list_del_init(&kr->reg.node);
	mutex_unlock(&memwell_names_lock);
}

static struct pernet_operations memwell_net_ops = {
	.init = memwell_net_init,
	.exit = memwell_net_exit,
	.id = &memwell_net_id,
	.size = sizeof(struct memwell_net),
};

/**
 * memwell_names_init() - register the per-namespace name tables
 *
 * Return: 0 or the error of register_pernet_subsys().
 */
int memwell_names_init(void)
{
	return register_pernet_subsys(&memwell_net_ops);
}

/**
 * memwell_names_exit() - unregister them (no ring is left then)
 */
void memwell_names_exit(void)
{
	unregister_pernet_subsys(&memwell_net_ops);
}

/**
 * memwell_name_check() - validate a ring name from struct memwell_create
 * @name: MEMWELL_NAME_LEN bytes
 *
 * Return: 0 for an empty name (all zero) or for 1 to MEMWELL_NAME_LEN - 1
 * characters of [A-Za-z0-9_.-] followed by a NUL and only zero bytes after
 * it; -EINVAL otherwise.
 */
int memwell_name_check(const char *name)
{
	unsigned int i, len = 0;

	while (len < MEMWELL_NAME_LEN && name[len]) {
		char ch = name[len];

		if (!isalnum(ch) && ch != '_' && ch != '.' && ch != '-')
			return -EINVAL;
		len++;
	}
	if (len == MEMWELL_NAME_LEN)
		return -EINVAL;		/* not NUL-terminated */
	for (i = len; i < MEMWELL_NAME_LEN; i++)
		if (name[i])
			return -EINVAL;
	return 0;
}

/**
 * memwell_name_add() - publish a ring's name in a network namespace
 * @kr: the ring, fully initialised: from now on lookups may take it
 * @net: the namespace, alive (the caller's own)
 *
 * Return: 0 (also for an unnamed ring, which is not published), or -EEXIST
 * if a live ring of @net has the name.
 */
int memwell_name_add(struct memwell_kring *kr, struct net *net)
{
	struct memwell_net *mn = net_generic(net, memwell_net_id);
	struct memwell_kring *o;
	int err = 0;

	if (!kr->reg.name[0])
		return 0;
	mutex_lock(&memwell_names_lock);
	list_for_each_entry(o, &mn->names, reg.node) {
		if (!strcmp(o->reg.name, kr->reg.name)) {
			err = -EEXIST;
			goto out;
		}
	}
	list_add(&kr->reg.node, &mn->names);
out:
	mutex_unlock(&memwell_names_lock);
	return err;
}

/**
 * memwell_name_del() - withdraw a ring's name, if it is still published
 * @kr: the ring
 */
void memwell_name_del(struct memwell_kring *kr)
{
	if (!kr->reg.name[0])
		return;
	/* The namespace's exit may have unlinked it: look under the lock. */
	mutex_lock(&memwell_names_lock);
	list_del_init(&kr->reg.node);
	mutex_unlock(&memwell_names_lock);
}

/**
 * memwell_name_find() - look a ring up by name in a network namespace
 * @net: the namespace, alive
 * @name: a NUL-terminated name
 *
 * May sleep.  A ring whose last reference is being dropped is not found.
 *
 * Return: the ring with a new reference, or NULL.
 */
struct memwell_kring *memwell_name_find(struct net *net, const char *name)
{
	struct memwell_net *mn = net_generic(net, memwell_net_id);
	struct memwell_kring *kr, *found = NULL;

	if (!name || !name[0])
		return NULL;
	mutex_lock(&memwell_names_lock);
	list_for_each_entry(kr, &mn->names, reg.node) {
		if (!strncmp(kr->reg.name, name, MEMWELL_NAME_LEN) &&
		    kref_get_unless_zero(&kr->ref)) {
			found = kr;
			break;
		}
	}
	mutex_unlock(&memwell_names_lock);
	return found;
}

/**
 * memwell_kring_find() - look a ring up by name in the initial namespace
 * @name: a NUL-terminated name
 *
 * Kernel code has no namespace of its own: it finds the names that
 * processes of the initial network namespace created.  May sleep.
 *
 * Return: the ring with a new reference, or NULL.
 */
struct memwell_kring *memwell_kring_find(const char *name)
{
	return memwell_name_find(&init_net, name);
}
EXPORT_SYMBOL_NS_GPL(memwell_kring_find, MEMWELL_NS);

/**
 * memwell_kring_permission() - may the current task take sides of a ring?
 * @kr: the ring
 * @ns: the user namespace whose CAP_IPC_OWNER overrides the mode: that of
 *      the network namespace the name was found in
 * @sides: MEMWELL_SIDE_BIT() of the sides wanted, at least one
 *
 * Like a file's permission, on the filesystem credentials: the owner (fsuid
 * equal to the creator's) may take both sides; otherwise the group bits of
 * the ring's mode apply if the creator's fsgid is one of the caller's
 * groups, the other bits if not.  Consuming needs read (it reads the
 * producers' data and control; it writes only its own position, as
 * receiving from a message queue does); producing needs read and write
 * (the producers' writable data mapping shows every record, and no
 * architecture memwell runs on has write-only pages).
 *
 * Return: 0, or -EACCES.
 */
int memwell_kring_permission(struct memwell_kring *kr, struct user_namespace *ns,
			     u32 sides)
{
	umode_t want = 0, granted = kr->reg.mode;

	if (uid_eq(current_fsuid(), kr->reg.uid))
		return 0;
	if (sides & MEMWELL_SIDE_BIT(MEMWELL_SIDE_CONS))
		want |= 04;
	if (sides & MEMWELL_SIDE_BIT(MEMWELL_SIDE_PROD))
		want |= 06;
	if (in_group_p(kr->reg.gid))
		granted >>= 3;
	if (!(want & ~granted & 07) || ns_capable(ns, CAP_IPC_OWNER))
		return 0;
	return -EACCES;
}
