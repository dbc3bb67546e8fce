/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPUID ioctls of the KVM ABI for the x86 backends: the supported
 * table on /dev/vmrun, and a vCPU's own table (KVM_SET_CPUID2 and
 * KVM_GET_CPUID2), on top of the policy in cpuid.c.
 */
#ifndef VMRUN_X86_CPUID_ABI_H
#define VMRUN_X86_CPUID_ABI_H

#include "cpuid.h"

/* A vCPU's table; nent 0 until user space sets one. */
struct vmrun_vcpu_cpuid {
	struct kvm_cpuid_entry2 *entries;
	u32 nent;
};

/* Capability flags for the supported table: VMRUN_CPUID_IRQCHIP, ... */
long vmrun_x86_get_supported_cpuid(void __user *argp, unsigned int flags);

/*
 * KVM_SET_CPUID2. After the vCPU has run, only the same table is accepted
 * (EINVAL otherwise), as KVM 6.1 does.
 */
long vmrun_x86_set_cpuid2(struct vmrun_vcpu_cpuid *c, void __user *argp,
			  bool has_run, const struct vmrun_cpuid_state *state);
long vmrun_x86_get_cpuid2(const struct vmrun_vcpu_cpuid *c, void __user *argp,
			  const struct vmrun_cpuid_state *state);
void vmrun_x86_cpuid_free(struct vmrun_vcpu_cpuid *c);

/* The guest's MAXPHYADDR from its table (CPUID.80000008H), 36 without. */
u8 vmrun_x86_cpuid_maxphyaddr(const struct vmrun_vcpu_cpuid *c);

/* The CR4 bits the guest's table (and the host) allow. */
u64 vmrun_x86_guest_cr4_mask(const struct vmrun_vcpu_cpuid *c);

#endif /* VMRUN_X86_CPUID_ABI_H */
