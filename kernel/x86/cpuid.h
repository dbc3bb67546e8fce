/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmrun's CPUID policy, shared by the SVM and VMX backends: the table that
 * KVM_GET_SUPPORTED_CPUID returns, what the guest's CPUID instruction reads
 * from the table that KVM_SET_CPUID2 set, and the checks KVM_SET_CPUID2
 * makes. See README.md in this folder for the feature policy.
 *
 * Only <linux/types.h>, <linux/errno.h> and the uapi <linux/kvm.h> are
 * used, so that tests/unit builds the same cpuid.c on the host with a small
 * shim and the system's uapi headers.
 */
#ifndef VMRUN_X86_CPUID_H
#define VMRUN_X86_CPUID_H

#include <linux/types.h>
#include <linux/kvm.h>

/* KVM's KVM_MAX_CPUID_ENTRIES: the most entries KVM_SET_CPUID2 takes. */
#define VMRUN_CPUID_MAX_ENTRIES	256

/* One CPUID result. */
struct vmrun_cpuid_regs {
	u32 eax;
	u32 ebx;
	u32 ecx;
	u32 edx;
};

/*
 * Runs CPUID with EAX = function and ECX = index on the host and stores
 * what it returns in out. The backends call cpuid_count(); tests/unit
 * feeds recorded CPUs. Only leaves within the ranges the host reports
 * (CPUID.0:EAX, CPUID.80000000H:EAX) are asked for.
 */
typedef void (*vmrun_cpuid_host_fn)(u32 function, u32 index,
				    struct vmrun_cpuid_regs *out,
				    void *opaque);

/* What vmrun_cpuid_supported() needs to know about the host and vmrun. */
struct vmrun_cpuid_host {
	vmrun_cpuid_host_fn cpuid;
	void *opaque;
	u64 xcr0;		/* the host's XCR0 (XGETBV(0)); 0 when the host
				 * kernel has not set CR4.OSXSAVE
				 */
	unsigned int flags;	/* VMRUN_CPUID_* below */
};

/*
 * The in-kernel irqchip is there: a local APIC with x2APIC mode and the
 * TSC-deadline timer, emulated by vmrun (APIC, X2APIC, TSC_DEADLINE, ARAT).
 */
#define VMRUN_CPUID_IRQCHIP	0x1
/* The backend implements the MTRR MSRs (MTRR). */
#define VMRUN_CPUID_MTRR	0x2

/*
 * Fills entries (room for max of them) with the table that
 * KVM_GET_SUPPORTED_CPUID returns, in KVM's order: the basic leaves, the
 * extended leaves, then vmrun's hypervisor leaf. Returns the number of
 * entries, or -E2BIG if max is too small (KVM's answer; KVM_GET_SUPPORTED_
 * CPUID also says -E2BIG for nent = 0 and caps nent at 256 before asking).
 */
int vmrun_cpuid_supported(const struct vmrun_cpuid_host *host,
			  struct kvm_cpuid_entry2 *entries, unsigned int max);

/*
 * The vCPU state that CPUID reports: bits that follow control registers,
 * XCR0, IA32_APIC_BASE, and the vCPU's initial APIC ID.
 */
struct vmrun_cpuid_state {
	u64 cr4;		/* OSXSAVE (bit 18) and PKE (bit 22) */
	u64 xcr0;		/* the sizes in CPUID.0DH.0:EBX and .1:EBX */
	u64 apic_base;		/* IA32_APIC_BASE: EN (bit 11) */
	u32 apic_id;		/* the initial APIC ID: the vCPU id given to
				 * KVM_CREATE_VCPU, which KVM makes the APIC ID
				 */
};

/*
 * What CPUID with EAX = function and ECX = index returns in the guest,
 * given the KVM_SET_CPUID2 table (entries, nent) and the vCPU state, with
 * KVM 6.1's rules for what the table lacks (see README.md). Returns true if
 * an entry for function and index was found, false if the result came from
 * the out-of-range rule or is all zeros (KVM's "exact" for its tracepoint).
 */
bool vmrun_cpuid_lookup(const struct kvm_cpuid_entry2 *entries, u32 nent,
			u32 function, u32 index,
			const struct vmrun_cpuid_state *state,
			struct vmrun_cpuid_regs *out);

/*
 * Writes the state's bits into the table itself, as KVM keeps its copy
 * (for KVM_GET_CPUID2): afterwards each entry holds what
 * vmrun_cpuid_lookup() returns for it.
 */
void vmrun_cpuid_apply_state(struct kvm_cpuid_entry2 *entries, u32 nent,
			     const struct vmrun_cpuid_state *state);

/*
 * Checks a KVM_SET_CPUID2 table as KVM 6.1 does. nent is checked before
 * any entry is looked at (entries may be NULL then). Returns 0 or:
 *   -E2BIG	more than VMRUN_CPUID_MAX_ENTRIES entries
 *   -EINVAL	CPUID.80000008H:EAX[15:8] (linear address bits) is neither
 *		0, 48 nor 57
 *   -EPERM	CPUID.0DH.0 offers XTILE_DATA (XCR0 bit 18), which needs
 *		dynamic FPU state (KVM says -EPERM to a process that has
 *		no permission for it; vmrun never gives one)
 */
int vmrun_cpuid_check(const struct kvm_cpuid_entry2 *entries, u32 nent);

/*
 * After the vCPU's first KVM_RUN, KVM 6.1 takes KVM_SET_CPUID2 only if the
 * new table is the one it has: the same count and, entry by entry, the
 * same function, index, flags and registers, each side read with the
 * state's bits applied. Returns 0 or -EINVAL.
 */
int vmrun_cpuid_check_equal(const struct kvm_cpuid_entry2 *entries, u32 nent,
			    const struct kvm_cpuid_entry2 *cur, u32 cur_nent,
			    const struct vmrun_cpuid_state *state);

#endif /* VMRUN_X86_CPUID_H */
