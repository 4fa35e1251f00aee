/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MEMWELL_CORE_H
#define _MEMWELL_CORE_H

#include "memwell_ring.h"

int memwell_core_layout(u32 flags, u32 block_shift, u32 count_shift,
			struct memwell_layout *l);
int memwell_core_selftest(void);

#endif /* _MEMWELL_CORE_H */
