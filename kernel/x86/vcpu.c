// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU ioctls that are the same on VT-x and AMD-V once the backend says
 * where its state is (struct vmrun_x86_vcpu): KVM_INTERRUPT, KVM_NMI,
 * KVM_GET/SET_CPUID2, KVM_GET/SET_MP_STATE, the FPU, XSAVE and XCR
 * ioctls and KVM_GET/SET_MSRS; and the capabilities both claim. The
 * backend answers the rest (SREGS, VCPU_EVENTS) from its hardware state.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kvm.h>
#include <asm/cpufeature.h>

#include "vcpu.h"
#include "xstate.h"

long vmrun_x86_vcpu_ioctl(struct vmrun_vcpu *vcpu,
			  const struct vmrun_x86_vcpu *x86, unsigned int ioctl,
			  void __user *argp)
{
	struct vmrun_cpuid_state st;
	long r;

	switch (ioctl) {
	case KVM_INTERRUPT:
		return vmrun_x86_ioctl_interrupt(vcpu, x86->ev, argp);
	case KVM_NMI:
		return vmrun_x86_ioctl_nmi(x86->ev);
	case KVM_SET_CPUID2:
		x86->cpuid_state(vcpu, &st);
		r = vmrun_x86_set_cpuid2(x86->cpuid, argp, x86->has_run, &st);
		if (!r)
			vmrun_x86_cpuid_applied(vcpu, x86->cpuid);
		return r;
	case KVM_GET_CPUID2:
		x86->cpuid_state(vcpu, &st);
		return vmrun_x86_get_cpuid2(x86->cpuid, argp, &st);
	case KVM_GET_MP_STATE:
		return vmrun_x86_get_mp_state(vcpu, x86->ev, x86->reset, argp);
	case KVM_SET_MP_STATE:
		return vmrun_x86_set_mp_state(vcpu, argp);
	case KVM_GET_FPU:
		return vmrun_x86_get_fpu(x86->fpu, argp);
	case KVM_SET_FPU:
		return vmrun_x86_set_fpu(x86->fpu, argp);
	case KVM_GET_XSAVE:
		return vmrun_x86_get_xsave(x86->fpu, argp);
	case KVM_SET_XSAVE:
		return vmrun_x86_set_xsave(x86->fpu, argp);
	case KVM_GET_XCRS:
		return vmrun_x86_get_xcrs(*x86->xcr0, argp);
	case KVM_SET_XCRS:
		return vmrun_x86_set_xcrs(x86->fpu, x86->xcr0, argp);
	case KVM_GET_MSRS:
		return vmrun_x86_msrs_ioctl(vcpu, argp, false, x86->msr);
	case KVM_SET_MSRS:
		return vmrun_x86_msrs_ioctl(vcpu, argp, true, x86->msr);
	default:
		return -ENOIOCTLCMD;
	}
}
EXPORT_SYMBOL_GPL(vmrun_x86_vcpu_ioctl);

/* What vmrun-svm and vmrun-vmx both claim (each backend may add more). */
long vmrun_x86_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_INTR_SHADOW:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_IRQCHIP:		/* kernel/irq/x86 with either backend */
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_XSAVE:		/* KVM_GET/SET_XSAVE, with XSAVE or not */
		return 1;
	case KVM_CAP_XCRS:
		return boot_cpu_has(X86_FEATURE_XSAVE);
	default:
		return 0;
	}
}
EXPORT_SYMBOL_GPL(vmrun_x86_check_extension);
