/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Observing rings from outside: ring ids, /proc/<pid>/fdinfo and
 * <debugfs>/memwell/rings (memwell_obs.c).
 */
#ifndef _MEMWELL_OBS_H
#define _MEMWELL_OBS_H

#include <linux/types.h>

struct memwell_kring;
struct seq_file;

void memwell_obs_add(struct memwell_kring *kr);
void memwell_obs_del(struct memwell_kring *kr);
void memwell_obs_show_fdinfo(struct seq_file *m, struct memwell_kring *kr,
			     bool writable, u32 access);
void memwell_obs_init(void);
void memwell_obs_exit(void);

#endif /* _MEMWELL_OBS_H */
