/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two-dimensional paging: the 4-level tables (AMD NPT, Intel EPT) that map a
 * VM's guest-physical addresses to host pages, built on demand from the
 * memory slots. The table walk is shared; only the entry bits differ, and
 * those come from a struct vmrun_tdp_format.
 *
 * Guest pages are not pinned. A fault takes a reference on the page of the
 * slot's user mapping just long enough to install the entry; from then on
 * an MMU notifier on the VM's address space keeps the tables honest: when
 * the host unmaps, migrates, reclaims or write-protects (fork) a range, the
 * entries that map it are zapped and every vCPU flushes its TLB before it
 * enters the guest again, as KVM does.
 *
 * Locking: tdp->lock, a spinlock so that the notifier never sleeps (the OOM
 * reaper calls it where it must not), protects the tables,
 * invalidate_count and invalidate_seq; faults allocate table pages and
 * look the page up before they take it. A fault
 * reads the sequence before it looks the page up and checks it again under
 * the lock, so a page the host took away in between is never installed.
 */
#ifndef VMRUN_MMU_TDP_H
#define VMRUN_MMU_TDP_H

#include <linux/mmu_notifier.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <vmrun/core.h>

struct vmrun_tdp_format {
	u64 table;		/* bits of an entry that points to a table */
	u64 leaf_read;		/* bits of a readable 4K leaf (exec allowed) */
	u64 leaf_write;		/* added for a writable leaf */
	u64 present;		/* an entry is in use iff one of these is set */
};

extern const struct vmrun_tdp_format vmrun_tdp_npt;
extern const struct vmrun_tdp_format vmrun_tdp_ept;

struct vmrun_tdp {
	spinlock_t lock;		/* tables, invalidate_* */
	const struct vmrun_tdp_format *fmt;
	u64 *root;			/* the PML4 */
	unsigned long nr_tables;

	struct vmrun_vm *vm;
	/*
	 * Makes every vCPU drop cached translations before it enters the
	 * guest again, and waits until none is still inside.
	 */
	void (*flush)(struct vmrun_vm *vm);
	struct mmu_notifier notifier;
	unsigned long invalidate_count;	/* host changes in progress */
	unsigned long invalidate_seq;	/* host changes completed */
};

enum vmrun_tdp_fault {
	VMRUN_TDP_MAPPED,	/* retry the access */
	VMRUN_TDP_MMIO,		/* no slot, or a write to a read-only slot */
};

/* Called from the VM's own process: registers on its address space. */
int vmrun_tdp_init(struct vmrun_tdp *tdp, const struct vmrun_tdp_format *fmt,
		   struct vmrun_vm *vm, void (*flush)(struct vmrun_vm *vm));
void vmrun_tdp_destroy(struct vmrun_tdp *tdp);
phys_addr_t vmrun_tdp_root_pa(const struct vmrun_tdp *tdp);

/*
 * Maps the page of @gpa from the VM's slots. Returns a vmrun_tdp_fault, or
 * a negative errno (-EFAULT when the slot's user memory is not there).
 */
int vmrun_tdp_fault(struct vmrun_tdp *tdp, u64 gpa, bool write);

/* Removes the mappings of [gfn, gfn + npages) and flushes the vCPUs. */
void vmrun_tdp_zap(struct vmrun_tdp *tdp, u64 gfn, u64 npages);

#endif /* VMRUN_MMU_TDP_H */
