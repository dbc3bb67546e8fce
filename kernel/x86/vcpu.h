/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU, VM and /dev/vmrun ioctls and capabilities both x86 backends
 * answer the same way (vcpu.c), the vCPU ones from the parts of their vCPU
 * named in struct vmrun_x86_vcpu.
 */
#ifndef VMRUN_X86_VCPU_H
#define VMRUN_X86_VCPU_H

#include <linux/compiler_types.h>
#include <linux/types.h>
#include <asm/fpu/api.h>

#include "cpuid_abi.h"
#include "events.h"
#include "msrs.h"

struct kvm_sregs;
struct vmrun_vcpu;
struct vmrun_vm;

/* Where a backend keeps what these ioctls read and write. */
struct vmrun_x86_vcpu {
	struct fpu_guest *fpu;
	u64 *xcr0;
	struct vmrun_x86_events *ev;
	struct vmrun_vcpu_cpuid *cpuid;
	bool has_run;			/* KVM_RUN entered the guest once */
	const struct vmrun_x86_reset_ops *reset;
	const struct vmrun_x86_msr_ops *msr;
	/* The state CPUID's dynamic bits follow (CR4, XCR0, APIC). */
	void (*cpuid_state)(struct vmrun_vcpu *vcpu,
			    struct vmrun_cpuid_state *st);
};

long vmrun_x86_vcpu_ioctl(struct vmrun_vcpu *vcpu,
			  const struct vmrun_x86_vcpu *x86, unsigned int ioctl,
			  void __user *argp);
bool vmrun_x86_sregs_valid(const struct kvm_sregs *sregs, u64 cr4_mask,
			   u64 efer_mask);
long vmrun_x86_dev_ioctl(unsigned int ioctl, void __user *argp,
			 long (*msr_index_list)(void __user *argp));
long vmrun_x86_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			unsigned long arg);
long vmrun_x86_check_extension(struct vmrun_vm *vm, long cap);

#endif /* VMRUN_X86_VCPU_H */
