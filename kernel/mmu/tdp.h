/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two-dimensional paging: the 4-level tables (AMD NPT, Intel EPT) that map a
 * VM's guest-physical addresses to host pages, built on demand from the
 * memory slots. The table walk and the page bookkeeping are shared; only the
 * entry bits differ, and those come from a struct vmrun_tdp_format.
 *
 * Guest pages are pinned (pin_user_pages) while mapped, and unpinned when
 * their entry is zapped, only after every vCPU has left the guest and will
 * flush its TLB before re-entering (the backend's flush callback).
 *
 * Locking: tdp->lock (a mutex: faulting pins pages, which may sleep)
 * protects the tables. Faults pin the page before taking it.
 */
#ifndef VMRUN_MMU_TDP_H
#define VMRUN_MMU_TDP_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <vmrun/core.h>

struct vmrun_tdp_format {
	u64 table;		/* bits of an entry that points to a table */
	u64 leaf_read;		/* bits of a readable 4K leaf (exec allowed) */
	u64 leaf_write;		/* added for a writable leaf */
	u64 present;		/* an entry is in use iff one of these is set */
};

extern const struct vmrun_tdp_format vmrun_tdp_npt;

struct vmrun_tdp {
	struct mutex lock;		/* the tables and the counts */
	const struct vmrun_tdp_format *fmt;
	u64 *root;		/* the PML4 */
	unsigned long nr_tables;	/* for the leak counters */
	unsigned long nr_pinned;
};

enum vmrun_tdp_fault {
	VMRUN_TDP_MAPPED,	/* retry the access */
	VMRUN_TDP_MMIO,		/* no slot, or a write to a read-only slot */
};

int vmrun_tdp_init(struct vmrun_tdp *tdp, const struct vmrun_tdp_format *fmt);
void vmrun_tdp_destroy(struct vmrun_tdp *tdp);
phys_addr_t vmrun_tdp_root_pa(const struct vmrun_tdp *tdp);

/*
 * Maps the page of @gpa from @vm's slots. Returns a vmrun_tdp_fault, or a
 * negative errno (-EFAULT when the slot's user memory cannot be pinned).
 */
int vmrun_tdp_fault(struct vmrun_tdp *tdp, struct vmrun_vm *vm, u64 gpa,
		    bool write);

/*
 * Removes the mappings of [gfn, gfn + npages). @flush must make every vCPU
 * of the VM drop its cached translations before it enters the guest again,
 * and wait until none is still in the guest; the pages are unpinned after.
 */
void vmrun_tdp_zap(struct vmrun_tdp *tdp, u64 gfn, u64 npages,
		   void (*flush)(void *arg), void *arg);

#endif /* VMRUN_MMU_TDP_H */
