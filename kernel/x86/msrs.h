/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM_GET/SET_MSRS and KVM_GET_MSR_INDEX_LIST for both x86 backends
 * (msrs.c). Each backend keeps its own table of the MSRs it answers and
 * its own read and write; these carry the ioctls' loop and checks.
 */
#ifndef VMRUN_X86_MSRS_H
#define VMRUN_X86_MSRS_H

#include <linux/compiler_types.h>
#include <linux/types.h>

struct vmrun_vcpu;

/* RDMSR/WRMSR of the backend; @host: KVM_GET/SET_MSRS. false: #GP. */
struct vmrun_x86_msr_ops {
	bool (*read)(struct vmrun_vcpu *vcpu, u32 msr, u64 *val, bool host);
	bool (*write)(struct vmrun_vcpu *vcpu, u32 msr, u64 val, bool host);
};

long vmrun_x86_msrs_ioctl(struct vmrun_vcpu *vcpu, void __user *argp,
			  bool set, const struct vmrun_x86_msr_ops *ops);
long vmrun_x86_msr_index_list(void __user *argp, const u32 *msrs, u32 n);
bool vmrun_x86_msr_in(const u32 *msrs, u32 n, u32 msr);

/* Each of PAT's eight entries a memory type: 0, 1, 4, 5, 6 or 7. */
static inline bool vmrun_x86_pat_valid(u64 pat)
{
	u64 bit1 = pat & 0x0202020202020202ULL;
	u64 bit2 = pat & 0x0404040404040404ULL;

	/* Types 8 and up, and 2 and 3 (bit 1 without bit 2), are reserved. */
	return !(pat & 0xf8f8f8f8f8f8f8f8ULL) && !(bit1 & ~(bit2 >> 1));
}

/* An address WRMSR accepts for a base or entry-point MSR (48-bit VA). */
static inline bool vmrun_x86_canonical(u64 addr)
{
	return (s64)(addr << 16) >> 16 == (s64)addr;
}

#endif /* VMRUN_X86_MSRS_H */
