// SPDX-License-Identifier: GPL-2.0
/* memwell: lock-free zero-copy rings shared by processes and the kernel. */
#include <linux/module.h>

#include "memwell_core.h"

static int __init memwell_init(void)
{
	return memwell_core_selftest();
}

static void __exit memwell_exit(void)
{
}

module_init(memwell_init);
module_exit(memwell_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memwell: lock-free zero-copy rings for processes and the kernel");
