// SPDX-License-Identifier: GPL-2.0-only
/* The CPUID ioctls for the x86 backends; see cpuid_abi.h. */
#include <linux/export.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>

#include "cpuid_abi.h"

static void host_cpuid(u32 function, u32 index, struct vmrun_cpuid_regs *out,
		       void *opaque)
{
	cpuid_count(function, index, &out->eax, &out->ebx, &out->ecx, &out->edx);
}

long vmrun_x86_get_supported_cpuid(void __user *argp, unsigned int flags)
{
	struct kvm_cpuid2 __user *uc = argp;
	struct vmrun_cpuid_host host = {
		.cpuid = host_cpuid,
		.xcr0 = boot_cpu_has(X86_FEATURE_OSXSAVE) ?
			xgetbv(XCR_XFEATURE_ENABLED_MASK) : 0,
		.flags = flags,
	};
	struct kvm_cpuid_entry2 *entries;
	struct kvm_cpuid2 hdr;
	int n;
	long r = 0;

	if (copy_from_user(&hdr, uc, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < 1)
		return -E2BIG;
	hdr.nent = min_t(u32, hdr.nent, VMRUN_CPUID_MAX_ENTRIES);

	entries = kvcalloc(hdr.nent, sizeof(*entries), GFP_KERNEL_ACCOUNT);
	if (!entries)
		return -ENOMEM;
	n = vmrun_cpuid_supported(&host, entries, hdr.nent);
	if (n < 0) {
		r = n;		/* -E2BIG: the caller's array is too small */
		goto out;
	}
	hdr.nent = n;
	if (copy_to_user(uc->entries, entries, n * sizeof(*entries)) ||
	    copy_to_user(uc, &hdr, sizeof(hdr)))
		r = -EFAULT;
out:
	kvfree(entries);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_x86_get_supported_cpuid);

long vmrun_x86_set_cpuid2(struct vmrun_vcpu_cpuid *c, void __user *argp,
			  bool has_run, const struct vmrun_cpuid_state *state)
{
	struct kvm_cpuid2 __user *uc = argp;
	struct kvm_cpuid_entry2 *entries;
	struct kvm_cpuid2 hdr;
	int r;

	if (copy_from_user(&hdr, uc, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > VMRUN_CPUID_MAX_ENTRIES)
		return -E2BIG;
	entries = NULL;
	if (hdr.nent) {
		/* Charged to the VM owner's cgroup, as all vCPU state. */
		entries = kvmalloc_array(hdr.nent, sizeof(*entries),
					 GFP_KERNEL_ACCOUNT);
		if (!entries)
			return -ENOMEM;
		if (copy_from_user(entries, uc->entries,
				   hdr.nent * sizeof(*entries))) {
			kvfree(entries);
			return -EFAULT;
		}
	}

	r = vmrun_cpuid_check(entries, hdr.nent);
	if (!r && has_run)
		r = vmrun_cpuid_check_equal(entries, hdr.nent, c->entries,
					    c->nent, state);
	if (r) {
		kvfree(entries);
		return r;
	}
	kvfree(c->entries);
	c->entries = entries;
	c->nent = hdr.nent;
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_set_cpuid2);

long vmrun_x86_get_cpuid2(const struct vmrun_vcpu_cpuid *c, void __user *argp,
			  const struct vmrun_cpuid_state *state)
{
	struct kvm_cpuid2 __user *uc = argp;
	struct kvm_cpuid_entry2 *copy;
	struct kvm_cpuid2 hdr;
	long r = 0;

	if (copy_from_user(&hdr, uc, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < c->nent)
		return -E2BIG;
	hdr.nent = c->nent;
	if (c->nent) {
		copy = kvmalloc_array(c->nent, sizeof(*copy), GFP_KERNEL_ACCOUNT);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, c->entries, c->nent * sizeof(*copy));
		/* The bits the vCPU's state sets, as its CPUID would read them. */
		vmrun_cpuid_apply_state(copy, c->nent, state);
		if (copy_to_user(uc->entries, copy, c->nent * sizeof(*copy)))
			r = -EFAULT;
		kvfree(copy);
	}
	if (!r && copy_to_user(uc, &hdr, sizeof(hdr)))
		r = -EFAULT;
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_x86_get_cpuid2);

void vmrun_x86_cpuid_free(struct vmrun_vcpu_cpuid *c)
{
	kvfree(c->entries);
	c->entries = NULL;
	c->nent = 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_cpuid_free);

u8 vmrun_x86_cpuid_maxphyaddr(const struct vmrun_vcpu_cpuid *c)
{
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000008)
			return c->entries[i].eax & 0xff ? : 36;
	return 36;
}
EXPORT_SYMBOL_GPL(vmrun_x86_cpuid_maxphyaddr);

/* The KVM_SET_CPUID2 entry for @function/@index, or NULL. */
static const struct kvm_cpuid_entry2 *
vmrun_x86_cpuid_entry(const struct vmrun_vcpu_cpuid *c, u32 function,
		      u32 index)
{
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == function &&
		    c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

/*
 * The CR4 bits a guest may set (as KVM's kvm_is_valid_cr4), for both
 * backends: the base set, and each feature bit whose CPUID feature the
 * guest's table gives and the host has. Never PKE (nothing switches PKRU),
 * LA57 (the page walker has four levels) or VMXE (no nested
 * virtualization). Guest CR4 writes must be intercepted for this to hold
 * (SVM's CR4 write intercept, VMX's CR4 guest/host mask).
 */
u64 vmrun_x86_guest_cr4_mask(const struct vmrun_vcpu_cpuid *c)
{
	const struct kvm_cpuid_entry2 *l1 = vmrun_x86_cpuid_entry(c, 1, 0);
	const struct kvm_cpuid_entry2 *l7 = vmrun_x86_cpuid_entry(c, 7, 0);
	u64 mask = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		   X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		   X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	/*
	 * Before any KVM_SET_CPUID2, KVM 6.1 limits CR4 by the host alone
	 * (its guest reserved bits are computed from the table when one is
	 * set): an all-ones table stands for that here.
	 */
	static const struct kvm_cpuid_entry2 all = {
		.ebx = ~0U, .ecx = ~0U, .edx = ~0U,
	};

	if (!c->nent) {
		l1 = &all;
		l7 = &all;
	}
	if (l1 && (l1->ecx & BIT(17)) && boot_cpu_has(X86_FEATURE_PCID))
		mask |= X86_CR4_PCIDE;
	if (l1 && (l1->ecx & BIT(26)) && boot_cpu_has(X86_FEATURE_XSAVE))
		mask |= X86_CR4_OSXSAVE;
	if (!l7)
		return mask;
	if ((l7->ebx & BIT(0)) && boot_cpu_has(X86_FEATURE_FSGSBASE))
		mask |= X86_CR4_FSGSBASE;
	if ((l7->ebx & BIT(7)) && boot_cpu_has(X86_FEATURE_SMEP))
		mask |= X86_CR4_SMEP;
	if ((l7->ebx & BIT(20)) && boot_cpu_has(X86_FEATURE_SMAP))
		mask |= X86_CR4_SMAP;
	if ((l7->ecx & BIT(2)) && boot_cpu_has(X86_FEATURE_UMIP))
		mask |= X86_CR4_UMIP;
	return mask;
}
EXPORT_SYMBOL_GPL(vmrun_x86_guest_cr4_mask);
