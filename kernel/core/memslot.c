// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory slots: KVM_SET_USER_MEMORY_REGION with the rules of api.rst and the
 * errnos of KVM 6.1, and the lookup the MMU uses on guest faults.
 *
 * A VM's slots are an immutable array sorted by guest frame number. An
 * update builds a new array under vm->slots_lock, publishes it, waits for
 * SRCU readers of the old one and frees it. Readers (fault paths, which may
 * sleep) hold vm->srcu and never block writers for long.
 */
#include <linux/bsearch.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <vmrun/backend.h>
#ifdef CONFIG_X86
#include <asm/processor.h>
#endif

#include "internal.h"

/* One address space: vmrun offers no SMM (KVM_CAP_MULTI_ADDRESS_SPACE). */
#define VMRUN_ADDRESS_SPACES	1

/*
 * How many guest frames nested paging can map, and the errno KVM 6.1 gives
 * a slot that reaches beyond (its kvm_arch_prepare_memory_region()).
 */
#ifdef CONFIG_X86
/*
 * The host's MAXPHYADDR from CPUID, not x86_phys_bits: SME and MKTME take
 * key bits out of the latter that NPT/EPT still treat as address bits.
 */
static u64 vmrun_gfn_limit(void)
{
	unsigned int bits = 36;

	if (boot_cpu_data.extended_cpuid_level >= 0x80000008)
		bits = cpuid_eax(0x80000008) & 0xff;
	/* vmrun's nested tables have 4 levels: 48 bits of guest address. */
	return 1ULL << (min(bits, 48U) - PAGE_SHIFT);
}

#define VMRUN_GPA_RANGE_ERRNO	(-EINVAL)
#else
/* arm64: a type-0 VM has a 40-bit IPA space. */
static u64 vmrun_gfn_limit(void)
{
	return 1ULL << (40 - PAGE_SHIFT);
}

#define VMRUN_GPA_RANGE_ERRNO	(-EFAULT)
#endif

static struct vmrun_memslots *vmrun_memslots_alloc(unsigned int nr)
{
	struct vmrun_memslots *slots;

	slots = kvzalloc(struct_size(slots, slot, nr), GFP_KERNEL_ACCOUNT);
	if (slots)
		slots->nr = nr;
	return slots;
}

struct vmrun_memslots *vmrun_memslots_alloc_empty(void)
{
	return vmrun_memslots_alloc(0);
}

static int vmrun_memslot_cmp_gfn(const void *key, const void *elt)
{
	u64 gfn = *(const u64 *)key;
	const struct vmrun_memslot *slot = elt;

	if (gfn < slot->base_gfn)
		return -1;
	if (gfn - slot->base_gfn >= slot->npages)
		return 1;
	return 0;
}

const struct vmrun_memslot *vmrun_memslot_find(const struct vmrun_memslots *slots,
					       u64 gfn)
{
	return bsearch(&gfn, slots->slot, slots->nr, sizeof(slots->slot[0]),
		       vmrun_memslot_cmp_gfn);
}
EXPORT_SYMBOL_GPL(vmrun_memslot_find);

/*
 * Copies between @buf and guest-physical memory through the slots' user
 * mappings (writes only to writable slots); the caller is a thread of the
 * VM's process. Stops at the first byte that is not guest RAM and returns
 * how many were copied.
 */
static unsigned long vmrun_guest_copy(struct vmrun_vm *vm, u64 gpa, void *buf,
				      unsigned long len, bool write)
{
	unsigned long done = 0;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	while (done < len) {
		const struct vmrun_memslot *slot;
		void __user *hva;
		unsigned long chunk, left;

		slot = vmrun_memslot_find(vmrun_memslots(vm), gpa >> PAGE_SHIFT);
		if (!slot || (write && (slot->flags & KVM_MEM_READONLY)))
			break;
		chunk = min_t(unsigned long, len - done,
			      PAGE_SIZE - offset_in_page(gpa));
		hva = (void __user *)(unsigned long)(slot->userspace_addr +
			(((gpa >> PAGE_SHIFT) - slot->base_gfn) << PAGE_SHIFT) +
			offset_in_page(gpa));
		left = write ? copy_to_user(hva, buf + done, chunk) :
			       copy_from_user(buf + done, hva, chunk);
		if (left)
			break;
		done += chunk;
		gpa += chunk;
	}
	srcu_read_unlock(&vm->srcu, idx);
	return done;
}

unsigned long vmrun_guest_read(struct vmrun_vm *vm, u64 gpa, void *buf,
			       unsigned long len)
{
	return vmrun_guest_copy(vm, gpa, buf, len, false);
}
EXPORT_SYMBOL_GPL(vmrun_guest_read);

/* What the hypervisor stores on the guest's behalf (string port input). */
unsigned long vmrun_guest_write(struct vmrun_vm *vm, u64 gpa, const void *buf,
				unsigned long len)
{
	return vmrun_guest_copy(vm, gpa, (void *)buf, len, true);
}
EXPORT_SYMBOL_GPL(vmrun_guest_write);

static const struct vmrun_memslot *
vmrun_memslot_by_id(const struct vmrun_memslots *slots, u16 id)
{
	unsigned int i;

	for (i = 0; i < slots->nr; i++)
		if (slots->slot[i].id == id)
			return &slots->slot[i];
	return NULL;
}

/* Does [gfn, gfn + npages) meet any slot other than @id? */
static bool vmrun_memslot_overlaps(const struct vmrun_memslots *slots, u16 id,
				   u64 gfn, u64 npages)
{
	unsigned int i;

	for (i = 0; i < slots->nr; i++) {
		const struct vmrun_memslot *s = &slots->slot[i];

		if (s->id != id && gfn < s->base_gfn + s->npages &&
		    s->base_gfn < gfn + npages)
			return true;
	}
	return false;
}

/*
 * Makes the array that replaces @old: @old without the slot @drop (if
 * any), plus @add (if any) at its place in gfn order.
 */
static struct vmrun_memslots *
vmrun_memslots_rebuild(const struct vmrun_memslots *old,
		       const struct vmrun_memslot *drop,
		       const struct vmrun_memslot *add)
{
	unsigned int nr = old->nr - (drop ? 1 : 0) + (add ? 1 : 0);
	struct vmrun_memslots *new;
	unsigned int i, n = 0;

	new = vmrun_memslots_alloc(nr);
	if (!new)
		return NULL;
	for (i = 0; i < old->nr; i++) {
		const struct vmrun_memslot *s = &old->slot[i];

		if (s == drop)
			continue;
		if (add && add->base_gfn < s->base_gfn) {
			new->slot[n++] = *add;
			add = NULL;
		}
		new->slot[n++] = *s;
	}
	if (add)
		new->slot[n++] = *add;
	return new;
}

/*
 * Publishes @new. @removed, if any, is the slot (in the old array) whose
 * range goes away, by deletion or move: once no reader can see the old
 * array, the backend unmaps that range.
 */
static void vmrun_memslots_replace(struct vmrun_vm *vm,
				   struct vmrun_memslots *new,
				   const struct vmrun_memslot *removed)
{
	struct vmrun_memslots *old = vmrun_memslots(vm);

	vmrun_stat_add(VMRUN_STAT_MEMSLOTS, (long)new->nr - (long)old->nr);
	rcu_assign_pointer(vm->memslots, new);
	synchronize_srcu(&vm->srcu);
	if (removed && vm->ops->memslot_removed)
		vm->ops->memslot_removed(vm, removed);
	kvfree(old);
}

/* The checks that need no slot state, in KVM 6.1's order. */
static int vmrun_memory_region_check(struct vmrun_vm *vm,
				     const struct kvm_userspace_memory_region *mem)
{
	u32 valid_flags = 0;

	if (vmrun_check_extension(vm, KVM_CAP_READONLY_MEM))
		valid_flags |= KVM_MEM_READONLY;
	if (mem->flags & ~valid_flags)
		return -EINVAL;	/* includes dirty logging: not offered yet */

	if (!PAGE_ALIGNED(mem->memory_size) ||
	    mem->memory_size != (unsigned long)mem->memory_size)
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->guest_phys_addr))
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->userspace_addr) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;
	if ((mem->slot >> 16) >= VMRUN_ADDRESS_SPACES ||
	    (u16)mem->slot >= VMRUN_MAX_MEMSLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > VMRUN_MEMSLOT_MAX_PAGES)
		return -EINVAL;
	return 0;
}

static int vmrun_memory_region_update(struct vmrun_vm *vm,
				      const struct kvm_userspace_memory_region *mem)
{
	const struct vmrun_memslots *slots = vmrun_memslots(vm);
	struct vmrun_memslot new = {
		.id = (u16)mem->slot,
		.base_gfn = mem->guest_phys_addr >> PAGE_SHIFT,
		.npages = mem->memory_size >> PAGE_SHIFT,
		.userspace_addr = mem->userspace_addr,
		.flags = mem->flags,
	};
	const struct vmrun_memslot *old = vmrun_memslot_by_id(slots, new.id);
	const struct vmrun_memslot *removed = NULL;	/* range to unmap */
	struct vmrun_memslots *next;

	if (!new.npages) {			/* delete */
		if (!old)
			return -EINVAL;
		removed = old;
		next = vmrun_memslots_rebuild(slots, old, NULL);
	} else if (!old) {			/* create */
		if (vmrun_memslot_overlaps(slots, new.id, new.base_gfn, new.npages))
			return -EEXIST;
		if (new.base_gfn + new.npages > vmrun_gfn_limit())
			return VMRUN_GPA_RANGE_ERRNO;
		next = vmrun_memslots_rebuild(slots, NULL, &new);
	} else {				/* move, or change flags */
		/* Resizing, remapping and toggling read-only are refused. */
		if (new.userspace_addr != old->userspace_addr ||
		    new.npages != old->npages ||
		    ((new.flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (new.base_gfn == old->base_gfn && new.flags == old->flags)
			return 0;
		if (new.base_gfn != old->base_gfn) {
			if (vmrun_memslot_overlaps(slots, new.id, new.base_gfn,
						   new.npages))
				return -EEXIST;
			if (new.base_gfn + new.npages > vmrun_gfn_limit())
				return VMRUN_GPA_RANGE_ERRNO;
			removed = old;
		}
		next = vmrun_memslots_rebuild(slots, old, &new);
	}
	if (!next)
		return -ENOMEM;

	vmrun_memslots_replace(vm, next, removed);
	return 0;
}

int vmrun_set_memory_region(struct vmrun_vm *vm,
			    const struct kvm_userspace_memory_region *mem)
{
	int r;

	r = vmrun_memory_region_check(vm, mem);
	if (r)
		return r;

	mutex_lock(&vm->slots_lock);
	r = vmrun_memory_region_update(vm, mem);
	mutex_unlock(&vm->slots_lock);
	return r;
}
