// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "memwell_account": the per-user charges of memwell_account.c
 * seen from inside.  A ring a process creates counts for its uid and, without
 * CAP_IPC_LOCK, its pages go to user->locked_vm, both until the last
 * reference goes; a ring kernel code creates is charged nothing; every
 * unwinding path of a failed creation leaves no charge; kthread charges
 * stop at max_user_kthreads and return to zero.  Part of memwell_test.ko.
 */
#include <kunit/test.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched/user.h>

#include "memwell_kring.h"

struct memwell_account_snap {
	long rings, threads, users, locked;
};

static void memwell_account_snap(struct memwell_account_snap *s)
{
	memwell_account_counts(current_uid(), &s->rings, &s->threads, &s->users);
	s->locked = atomic_long_read(&current_user()->locked_vm);
}

static const struct memwell_create memwell_account_req = {
	.size = sizeof(struct memwell_create), .flags = MEMWELL_F_RECORDS,
	.block_shift = 12, .count_shift = 4,
};

/*
 * The test's kthread runs as root with every capability: without
 * CAP_IPC_LOCK its rings are charged to root's locked_vm, as anyone's.
 */
static const struct cred *memwell_account_drop_ipc_lock(struct kunit *test)
{
	struct cred *c = prepare_creds();
	const struct cred *old;

	KUNIT_ASSERT_NOT_NULL(test, c);
	cap_lower(c->cap_effective, CAP_IPC_LOCK);
	old = override_creds(c);
	put_cred(c);
	return old;
}

static void memwell_account_test_ring(struct kunit *test)
{
	struct memwell_account_snap s0, s;
	struct memwell_kring *kr;

	memwell_account_snap(&s0);
	/* Kernel code's ring: nobody is charged. */
	kr = memwell_kring_create(&memwell_account_req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.rings, s0.rings);
	KUNIT_EXPECT_NULL(test, kr->charge.owner);
	memwell_kring_put(kr);

	/* A process's ring, with CAP_IPC_LOCK: counted, its pages not charged. */
	kr = memwell_kring_create_user(&memwell_account_req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.rings, s0.rings + 1);
	KUNIT_EXPECT_EQ(test, s.locked, s0.locked);
	KUNIT_EXPECT_NULL(test, kr->charge.locked_user);
	memwell_kring_put(kr);
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.rings, s0.rings);
	KUNIT_EXPECT_EQ(test, s.users, s0.users);
}

static void memwell_account_test_locked(struct kunit *test)
{
	const struct cred *old = memwell_account_drop_ipc_lock(test);
	struct memwell_account_snap s0, s;
	struct memwell_kring *kr;

	memwell_account_snap(&s0);
	kr = memwell_kring_create_user(&memwell_account_req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kr);
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.rings, s0.rings + 1);
	KUNIT_EXPECT_EQ(test, s.locked, s0.locked + (long)kr->mem.nr_pages);
	KUNIT_EXPECT_EQ(test, kr->charge.locked_pages, kr->mem.nr_pages);
	/* Another holder (a mapping's file, an endpoint) keeps the charge. */
	memwell_kring_get(kr);
	memwell_kring_put(kr);
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.locked, s0.locked + (long)kr->mem.nr_pages);
	memwell_kring_put(kr);
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.rings, s0.rings);
	KUNIT_EXPECT_EQ(test, s.locked, s0.locked);
	KUNIT_EXPECT_EQ(test, s.users, s0.users);
	revert_creds(old);
}

/* Each allocation failing in turn: the charge is undone every time. */
static void memwell_account_test_unwind(struct kunit *test)
{
	const struct cred *old = memwell_account_drop_ipc_lock(test);
	struct memwell_account_snap s0, s;
	struct memwell_kring *kr;
	unsigned long i;

	memwell_account_snap(&s0);
	for (i = 0; i <= 16 + 3; i++) {	/* every page, then vmap() */
		kr = memwell_kring_create_failing(&memwell_account_req, i);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(kr), (long)-ENOMEM,
				    "fail_at %lu", i);
		if (!IS_ERR(kr))
			memwell_kring_put(kr);
		memwell_account_snap(&s);
		KUNIT_EXPECT_EQ_MSG(test, s.rings, s0.rings, "fail_at %lu", i);
		KUNIT_EXPECT_EQ_MSG(test, s.locked, s0.locked, "fail_at %lu", i);
	}
	KUNIT_EXPECT_EQ(test, s.users, s0.users);
	revert_creds(old);
}

static void memwell_account_test_threads(struct kunit *test)
{
	struct memwell_account_snap s0, s;
	struct memwell_thread_charge a, b;

	memwell_account_snap(&s0);
	KUNIT_ASSERT_EQ(test, memwell_account_threads(&a, 3), 0);
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.threads, s0.threads + 3);
	/* Far over any limit: refused, nothing charged. */
	KUNIT_EXPECT_EQ(test, memwell_account_threads(&b, UINT_MAX / 2), -EAGAIN);
	KUNIT_EXPECT_NULL(test, b.owner);
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.threads, s0.threads + 3);
	/* None: no charge, no per-uid object. */
	KUNIT_EXPECT_EQ(test, memwell_account_threads(&b, 0), 0);
	KUNIT_EXPECT_NULL(test, b.owner);
	memwell_unaccount_threads(&a);
	memwell_unaccount_threads(&a);	/* a second call does nothing */
	memwell_account_snap(&s);
	KUNIT_EXPECT_EQ(test, s.threads, s0.threads);
	KUNIT_EXPECT_EQ(test, s.users, s0.users);
}

static struct kunit_case memwell_account_test_cases[] = {
	KUNIT_CASE(memwell_account_test_ring),
	KUNIT_CASE(memwell_account_test_locked),
	KUNIT_CASE(memwell_account_test_unwind),
	KUNIT_CASE(memwell_account_test_threads),
	{}
};

static struct kunit_suite memwell_account_test_suite = {
	.name = "memwell_account",
	.test_cases = memwell_account_test_cases,
};

kunit_test_suite(memwell_account_test_suite);
