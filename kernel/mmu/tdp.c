// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two-dimensional paging tables, built on demand from the memory slots and
 * kept in step with the host's page tables by an MMU notifier. See tdp.h
 * for the model and the locking.
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

/*
 * Intel EPT (SDM vol. 3, 29.3.2): read, write and execute bits instead of
 * present; a leaf is write-back memory whatever the guest's PAT says (no
 * device is assigned to a vmrun guest, so no DMA needs the guest's types).
 * Accessed and dirty flags stay off in the EPTP, so no entry needs them.
 */
#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_WB	(6ULL << 3)
#define EPT_IPAT	BIT_ULL(6)

const struct vmrun_tdp_format vmrun_tdp_ept = {
	.table = EPT_R | EPT_W | EPT_X,
	.leaf_read = EPT_R | EPT_X | EPT_MT_WB | EPT_IPAT,
	.leaf_write = EPT_W,
	.present = EPT_R | EPT_W | EPT_X,
};
EXPORT_SYMBOL_GPL(vmrun_tdp_ept);

static unsigned int tdp_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (TDP_ENTRIES - 1);
}

static u64 *tdp_entry_table(u64 entry)
{
	return phys_to_virt(entry & TDP_ADDR_MASK);
}

phys_addr_t vmrun_tdp_root_pa(const struct vmrun_tdp *tdp)
{
	return virt_to_phys(tdp->root);
}
EXPORT_SYMBOL_GPL(vmrun_tdp_root_pa);

/* Frees @table and the tables below it; leaves hold no page reference. */
static void tdp_free_table(struct vmrun_tdp *tdp, u64 *table, int level)
{
	int i;

	for (i = 0; level > 1 && i < TDP_ENTRIES; i++)
		if (table[i] & tdp->fmt->present)
			tdp_free_table(tdp, tdp_entry_table(table[i]), level - 1);
	free_page((unsigned long)table);
	tdp->nr_tables--;
}

/*
 * Clears the leaves of [start, end) below @table, which maps from
 * @table_gfn. Returns whether any was present. Caller holds tdp->lock.
 */
static bool tdp_zap_level(struct vmrun_tdp *tdp, u64 *table, int level,
			  u64 table_gfn, u64 start, u64 end)
{
	u64 span = 1ULL << (9 * (level - 1));	/* frames per entry */
	bool zapped = false;
	int i;

	for (i = 0; i < TDP_ENTRIES; i++) {
		u64 gfn = table_gfn + i * span;

		if (gfn + span <= start || gfn >= end ||
		    !(table[i] & tdp->fmt->present))
			continue;
		if (level == 1) {
			WRITE_ONCE(table[i], 0);
			zapped = true;
		} else {
			zapped |= tdp_zap_level(tdp, tdp_entry_table(table[i]),
						level - 1, gfn, start, end);
		}
	}
	return zapped;
}

static void tdp_zap_locked(struct vmrun_tdp *tdp, u64 start, u64 end)
{
	lockdep_assert_held(&tdp->lock);
	if (tdp_zap_level(tdp, tdp->root, TDP_LEVELS, 0, start, end))
		tdp->flush(tdp->vm);
}

void vmrun_tdp_zap(struct vmrun_tdp *tdp, u64 gfn, u64 npages)
{
	spin_lock(&tdp->lock);
	tdp_zap_locked(tdp, gfn, gfn + npages);
	spin_unlock(&tdp->lock);
}
EXPORT_SYMBOL_GPL(vmrun_tdp_zap);

static struct vmrun_tdp *to_tdp(struct mmu_notifier *mn)
{
	return container_of(mn, struct vmrun_tdp, notifier);
}

/*
 * The host is about to change [range->start, range->end) of the VM's
 * address space: zap what maps it, and hold faults off until the end. Never
 * sleeps, so it serves non-blocking callers (the OOM reaper) too.
 */
static int tdp_invalidate_start(struct mmu_notifier *mn,
				const struct mmu_notifier_range *range)
{
	struct vmrun_tdp *tdp = to_tdp(mn);
	struct vmrun_vm *vm = tdp->vm;
	const struct vmrun_memslots *slots;
	unsigned int i;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	slots = vmrun_memslots(vm);
	spin_lock(&tdp->lock);
	tdp->invalidate_count++;
	for (i = 0; i < slots->nr; i++) {
		const struct vmrun_memslot *s = &slots->slot[i];
		unsigned long hva_end = s->userspace_addr +
					(s->npages << PAGE_SHIFT);
		unsigned long from = max_t(unsigned long, range->start,
					   s->userspace_addr);
		unsigned long to = min(range->end, hva_end);

		if (from >= to)
			continue;
		tdp_zap_locked(tdp,
			       s->base_gfn + ((from - s->userspace_addr) >> PAGE_SHIFT),
			       s->base_gfn + ((to - s->userspace_addr +
					       PAGE_SIZE - 1) >> PAGE_SHIFT));
	}
	spin_unlock(&tdp->lock);
	srcu_read_unlock(&vm->srcu, idx);
	return 0;
}

static void tdp_invalidate_end(struct mmu_notifier *mn,
			       const struct mmu_notifier_range *range)
{
	struct vmrun_tdp *tdp = to_tdp(mn);

	spin_lock(&tdp->lock);
	tdp->invalidate_seq++;
	tdp->invalidate_count--;
	spin_unlock(&tdp->lock);
}

/* The address space is going away: nothing may stay mapped. */
static void tdp_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct vmrun_tdp *tdp = to_tdp(mn);

	spin_lock(&tdp->lock);
	tdp_zap_locked(tdp, 0, ~0ULL);
	tdp->invalidate_seq++;
	spin_unlock(&tdp->lock);
}

static const struct mmu_notifier_ops tdp_notifier_ops = {
	.invalidate_range_start = tdp_invalidate_start,
	.invalidate_range_end = tdp_invalidate_end,
	.release = tdp_release,
};

int vmrun_tdp_init(struct vmrun_tdp *tdp, const struct vmrun_tdp_format *fmt,
		   struct vmrun_vm *vm, void (*flush)(struct vmrun_vm *vm))
{
	int r;

	spin_lock_init(&tdp->lock);
	tdp->fmt = fmt;
	tdp->vm = vm;
	tdp->flush = flush;
	tdp->invalidate_count = 0;
	tdp->invalidate_seq = 0;
	tdp->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!tdp->root)
		return -ENOMEM;
	tdp->nr_tables = 1;

	tdp->notifier.ops = &tdp_notifier_ops;
	r = mmu_notifier_register(&tdp->notifier, vm->mm);
	if (r) {
		free_page((unsigned long)tdp->root);
		tdp->root = NULL;
	}
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_tdp_init);

/* No vCPU may run: only VM destruction calls this. */
void vmrun_tdp_destroy(struct vmrun_tdp *tdp)
{
	if (!tdp->root)
		return;
	mmu_notifier_unregister(&tdp->notifier, tdp->vm->mm);
	tdp_free_table(tdp, tdp->root, TDP_LEVELS);
	tdp->root = NULL;
	WARN_ON_ONCE(tdp->nr_tables);
}
EXPORT_SYMBOL_GPL(vmrun_tdp_destroy);

/* Table pages a fault may need, allocated before the lock is taken. */
struct tdp_prealloc {
	u64 *page[TDP_LEVELS - 1];
	int nr;
};

static int tdp_prealloc_fill(struct tdp_prealloc *pa)
{
	for (pa->nr = 0; pa->nr < TDP_LEVELS - 1; pa->nr++) {
		pa->page[pa->nr] = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!pa->page[pa->nr])
			return -ENOMEM;
	}
	return 0;
}

static void tdp_prealloc_free(struct tdp_prealloc *pa)
{
	while (pa->nr)
		free_page((unsigned long)pa->page[--pa->nr]);
}

/* The level-1 entry for @gpa, making tables from @pa on the way. */
static u64 *tdp_walk_alloc(struct vmrun_tdp *tdp, u64 gpa,
			   struct tdp_prealloc *pa)
{
	u64 *table = tdp->root;
	int level;

	lockdep_assert_held(&tdp->lock);
	for (level = TDP_LEVELS; level > 1; level--) {
		u64 *entry = &table[tdp_index(gpa, level)];

		if (!(*entry & tdp->fmt->present)) {
			u64 *next = pa->page[--pa->nr];

			tdp->nr_tables++;
			WRITE_ONCE(*entry, virt_to_phys(next) | tdp->fmt->table);
		}
		table = tdp_entry_table(*entry);
	}
	return &table[tdp_index(gpa, 1)];
}

int vmrun_tdp_fault(struct vmrun_tdp *tdp, u64 gpa, bool write)
{
	struct vmrun_vm *vm = tdp->vm;
	const struct vmrun_memslot *slot;
	struct tdp_prealloc pa;
	unsigned long hva, seq;
	struct page *page;
	bool writable;
	u64 *leaf;
	int idx, r;

	idx = srcu_read_lock(&vm->srcu);
	slot = vmrun_memslot_find(vmrun_memslots(vm), gpa >> PAGE_SHIFT);
	writable = slot && !(slot->flags & KVM_MEM_READONLY);
	if (!slot || (write && !writable)) {
		r = VMRUN_TDP_MMIO;
		goto out;
	}
	hva = slot->userspace_addr +
	      (((gpa >> PAGE_SHIFT) - slot->base_gfn) << PAGE_SHIFT);

	r = tdp_prealloc_fill(&pa);
	if (r)
		goto free;

	/* Any host change that completes after this read makes us retry. */
	seq = READ_ONCE(tdp->invalidate_seq);
	/* Read it before the page; pairs with the notifier's locked update. */
	smp_rmb();
	/* Map writable slots writable at once: one fault instead of two. */
	if (get_user_pages_fast(hva, 1, writable ? FOLL_WRITE : 0, &page) != 1) {
		r = -EFAULT;
		goto free;
	}

	spin_lock(&tdp->lock);
	r = VMRUN_TDP_MAPPED;	/* installed, or retry the access */
	if (!tdp->invalidate_count && tdp->invalidate_seq == seq) {
		leaf = tdp_walk_alloc(tdp, gpa, &pa);
		if (!(*leaf & tdp->fmt->present))
			WRITE_ONCE(*leaf, page_to_phys(page) |
				   tdp->fmt->leaf_read |
				   (writable ? tdp->fmt->leaf_write : 0));
	}
	spin_unlock(&tdp->lock);
	/* The notifier, not a reference, keeps the mapping valid now. */
	put_page(page);
free:
	tdp_prealloc_free(&pa);
out:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_tdp_fault);
