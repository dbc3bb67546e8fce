// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live object counters, readable in debugfs as vmrun/objects ("<name> <n>"
 * lines). The leak tests read them after creating and destroying thousands
 * of objects: every allocation path has its matching decrement.
 *
 * Locking: the counters are atomics; the debugfs entry is created at module
 * load and removed (waiting for readers) at unload.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "internal.h"

static atomic_long_t vmrun_stats[VMRUN_NR_STATS];
static struct dentry *vmrun_debugfs_dir;

static const char *const vmrun_stat_names[VMRUN_NR_STATS] = {
	[VMRUN_STAT_VMS] = "vms",
	[VMRUN_STAT_VCPUS] = "vcpus",
	[VMRUN_STAT_MEMSLOTS] = "memslots",
};

void vmrun_stat_add(enum vmrun_stat stat, long delta)
{
	atomic_long_add(delta, &vmrun_stats[stat]);
}

static int vmrun_objects_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < VMRUN_NR_STATS; i++)
		seq_printf(m, "%s %ld\n", vmrun_stat_names[i],
			   atomic_long_read(&vmrun_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmrun_objects);

void vmrun_stats_init(void)
{
	/* debugfs failures are not fatal: the counters still count. */
	vmrun_debugfs_dir = debugfs_create_dir("vmrun", NULL);
	debugfs_create_file("objects", 0400, vmrun_debugfs_dir, NULL,
			    &vmrun_objects_fops);
}

void vmrun_stats_exit(void)
{
	debugfs_remove_recursive(vmrun_debugfs_dir);
}
