// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two-dimensional paging tables, built on demand from the memory slots.
 * See tdp.h for the model and the locking.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <asm/io.h>
#include <asm/pgtable_types.h>

#include "tdp.h"

#define TDP_LEVELS		4
#define TDP_ENTRIES		512
#define TDP_ADDR_MASK		GENMASK_ULL(51, 12)

/* AMD NPT: ordinary long-mode entries, with U set (NPT walks are user). */
const struct vmrun_tdp_format vmrun_tdp_npt = {
	.table = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER,
	.leaf_read = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED,
	.leaf_write = _PAGE_RW | _PAGE_DIRTY,
	.present = _PAGE_PRESENT,
};
EXPORT_SYMBOL_GPL(vmrun_tdp_npt);

static unsigned int tdp_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (TDP_ENTRIES - 1);
}

static u64 *tdp_table_alloc(struct vmrun_tdp *tdp)
{
	u64 *table = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

	if (table)
		tdp->nr_tables++;
	return table;
}

static u64 *tdp_entry_table(u64 entry)
{
	return phys_to_virt(entry & TDP_ADDR_MASK);
}

int vmrun_tdp_init(struct vmrun_tdp *tdp, const struct vmrun_tdp_format *fmt)
{
	mutex_init(&tdp->lock);
	tdp->fmt = fmt;
	tdp->nr_tables = 0;
	tdp->nr_pinned = 0;
	tdp->root = tdp_table_alloc(tdp);
	return tdp->root ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_GPL(vmrun_tdp_init);

phys_addr_t vmrun_tdp_root_pa(const struct vmrun_tdp *tdp)
{
	return virt_to_phys(tdp->root);
}
EXPORT_SYMBOL_GPL(vmrun_tdp_root_pa);

static void tdp_unpin(struct vmrun_tdp *tdp, u64 leaf)
{
	struct page *page = pfn_to_page((leaf & TDP_ADDR_MASK) >> PAGE_SHIFT);

	/* A writable mapping may have been written: the page is dirty. */
	unpin_user_pages_dirty_lock(&page, 1, leaf & tdp->fmt->leaf_write);
	tdp->nr_pinned--;
}

/* Unpins every leaf below @table and frees the tables, @table included. */
static void tdp_free_table(struct vmrun_tdp *tdp, u64 *table, int level)
{
	int i;

	for (i = 0; i < TDP_ENTRIES; i++) {
		if (!(table[i] & tdp->fmt->present))
			continue;
		if (level == 1)
			tdp_unpin(tdp, table[i]);
		else
			tdp_free_table(tdp, tdp_entry_table(table[i]), level - 1);
	}
	free_page((unsigned long)table);
	tdp->nr_tables--;
}

/* No vCPU may run: only VM destruction calls this. */
void vmrun_tdp_destroy(struct vmrun_tdp *tdp)
{
	if (!tdp->root)
		return;
	tdp_free_table(tdp, tdp->root, TDP_LEVELS);
	tdp->root = NULL;
	WARN_ON_ONCE(tdp->nr_tables || tdp->nr_pinned);
}
EXPORT_SYMBOL_GPL(vmrun_tdp_destroy);

/* The level-1 entry for @gpa, allocating tables on the way. */
static u64 *tdp_walk_alloc(struct vmrun_tdp *tdp, u64 gpa)
{
	u64 *table = tdp->root;
	int level;

	lockdep_assert_held(&tdp->lock);
	for (level = TDP_LEVELS; level > 1; level--) {
		u64 *entry = &table[tdp_index(gpa, level)];

		if (!(*entry & tdp->fmt->present)) {
			u64 *next = tdp_table_alloc(tdp);

			if (!next)
				return NULL;
			*entry = virt_to_phys(next) | tdp->fmt->table;
		}
		table = tdp_entry_table(*entry);
	}
	return &table[tdp_index(gpa, 1)];
}

/* The level-1 entry for @gpa, or NULL if a table on the way is missing. */
static u64 *tdp_walk(struct vmrun_tdp *tdp, u64 gpa)
{
	u64 *table = tdp->root;
	int level;

	for (level = TDP_LEVELS; level > 1; level--) {
		u64 entry = table[tdp_index(gpa, level)];

		if (!(entry & tdp->fmt->present))
			return NULL;
		table = tdp_entry_table(entry);
	}
	return &table[tdp_index(gpa, 1)];
}

int vmrun_tdp_fault(struct vmrun_tdp *tdp, struct vmrun_vm *vm, u64 gpa,
		    bool write)
{
	const struct vmrun_memslot *slot;
	unsigned long hva;
	struct page *page;
	bool writable;
	u64 *leaf;
	int idx, r;

	/*
	 * Hold SRCU until the entry is in: a slot deletion waits for us
	 * before it zaps, so it cannot miss what we install.
	 */
	idx = srcu_read_lock(&vm->srcu);
	slot = vmrun_memslot_find(vmrun_memslots(vm), gpa >> PAGE_SHIFT);
	writable = slot && !(slot->flags & KVM_MEM_READONLY);
	if (!slot || (write && !writable)) {
		r = VMRUN_TDP_MMIO;
		goto out;
	}
	hva = slot->userspace_addr +
	      (((gpa >> PAGE_SHIFT) - slot->base_gfn) << PAGE_SHIFT);

	/*
	 * Map writable slots writable at once: one fault instead of two.
	 * Long-term pins migrate the page out of movable zones first; 6.1
	 * allows FOLL_LONGTERM in the _fast variant only.
	 */
	if (pin_user_pages_fast(hva, 1,
				FOLL_LONGTERM | (writable ? FOLL_WRITE : 0),
				&page) != 1) {
		r = -EFAULT;
		goto out;
	}

	mutex_lock(&tdp->lock);
	tdp->nr_pinned++;
	leaf = tdp_walk_alloc(tdp, gpa);
	if (!leaf) {
		r = -ENOMEM;
	} else if (*leaf & tdp->fmt->present) {
		r = VMRUN_TDP_MAPPED;	/* another vCPU was faster */
	} else {
		*leaf = page_to_phys(page) | tdp->fmt->leaf_read |
			(writable ? tdp->fmt->leaf_write : 0);
		page = NULL;
		r = VMRUN_TDP_MAPPED;
	}
	if (page) {
		tdp->nr_pinned--;
		unpin_user_page(page);
	}
	mutex_unlock(&tdp->lock);
out:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_tdp_fault);

/* Leaves cleared in one pass before the flush that lets us unpin them. */
#define TDP_ZAP_BATCH	64

void vmrun_tdp_zap(struct vmrun_tdp *tdp, u64 gfn, u64 npages,
		   void (*flush)(void *arg), void *arg)
{
	u64 batch[TDP_ZAP_BATCH];
	u64 end = gfn + npages;
	int n, i;

	mutex_lock(&tdp->lock);
	while (gfn < end) {
		for (n = 0; gfn < end && n < TDP_ZAP_BATCH; gfn++) {
			u64 *leaf = tdp_walk(tdp, gfn << PAGE_SHIFT);

			if (!leaf) {
				/* Skip to the next level-1 table. */
				gfn = (gfn | (TDP_ENTRIES - 1));
				continue;
			}
			if (*leaf & tdp->fmt->present) {
				batch[n++] = *leaf;
				WRITE_ONCE(*leaf, 0);
			}
		}
		if (!n)
			continue;
		flush(arg);
		for (i = 0; i < n; i++)
			tdp_unpin(tdp, batch[i]);
	}
	mutex_unlock(&tdp->lock);
}
EXPORT_SYMBOL_GPL(vmrun_tdp_zap);
