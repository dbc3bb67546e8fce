// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU ioctls that are the same on VT-x and AMD-V once the backend says
 * where its state is (struct vmrun_x86_vcpu): KVM_INTERRUPT, KVM_NMI,
 * KVM_GET/SET_CPUID2, KVM_GET/SET_MP_STATE, the FPU, XSAVE and XCR
 * ioctls and KVM_GET/SET_MSRS; the VM and /dev/vmrun ioctls and the
 * capabilities both answer alike. The backend answers the rest (SREGS,
 * VCPU_EVENTS) from its hardware state.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <vmrun/core.h>

#include "cpuid.h"
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

/*
 * KVM_SET_SREGS: KVM 6.1 refuses what no CPU could be in
 * (kvm_is_valid_sregs): long mode without PAE or LMA, LMA or a 64-bit CS
 * outside long mode, CR4 bits the guest's CPU lacks. The backend passes
 * the EFER bits its entry takes without a check of its own. An interrupt
 * comes with KVM_INTERRUPT, so none can be pending in the bitmap. Anything
 * else the hardware dislikes fails at entry instead.
 */
bool vmrun_x86_sregs_valid(const struct kvm_sregs *sregs, u64 cr4_mask,
			   u64 efer_mask)
{
	unsigned int i;

	if ((sregs->efer & EFER_LME) && (sregs->cr0 & X86_CR0_PG)) {
		if (!(sregs->cr4 & X86_CR4_PAE) || !(sregs->efer & EFER_LMA))
			return false;
		if (sregs->cr3 >> boot_cpu_data.x86_phys_bits)
			return false;
	} else if ((sregs->efer & EFER_LMA) || sregs->cs.l) {
		return false;
	}
	/* CR0: no upper half, no NW without CD, no PG without PE. */
	if ((sregs->cr0 >> 32) ||
	    ((sregs->cr0 & X86_CR0_NW) && !(sregs->cr0 & X86_CR0_CD)) ||
	    ((sregs->cr0 & X86_CR0_PG) && !(sregs->cr0 & X86_CR0_PE)))
		return false;
	if ((sregs->efer & ~efer_mask) || (sregs->cr4 & ~cr4_mask))
		return false;
	for (i = 0; i < ARRAY_SIZE(sregs->interrupt_bitmap); i++)
		if (sregs->interrupt_bitmap[i])
			return false;
	return true;
}
EXPORT_SYMBOL_GPL(vmrun_x86_sregs_valid);

/*
 * /dev/vmrun ioctls. The supported CPUID is the in-kernel irqchip's
 * (x2APIC, TSC deadline; no MTRRs yet); each backend lists its own MSRs.
 */
long vmrun_x86_dev_ioctl(unsigned int ioctl, void __user *argp,
			 long (*msr_index_list)(void __user *argp))
{
	switch (ioctl) {
	case KVM_GET_SUPPORTED_CPUID:
		return vmrun_x86_get_supported_cpuid(argp, VMRUN_CPUID_IRQCHIP);
	case KVM_GET_MSR_INDEX_LIST:
		return msr_index_list(argp);
	default:
		return -ENOIOCTLCMD;
	}
}
EXPORT_SYMBOL_GPL(vmrun_x86_dev_ioctl);

/*
 * The addresses VT-x needs for real mode without unrestricted guest.
 * vmrun-vmx requires unrestricted guest and SVM runs real mode as it is,
 * so both only check them as KVM does, for clients that always set them.
 */
long vmrun_x86_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			unsigned long arg)
{
	u64 addr;
	long r;

	switch (ioctl) {
	case KVM_SET_TSS_ADDR:
		/* Three pages below 4 GiB. */
		return arg > (unsigned int)(-3 * PAGE_SIZE) ? -EINVAL : 0;
	case KVM_SET_IDENTITY_MAP_ADDR:
		mutex_lock(&vm->lock);
		if (vm->nr_vcpus)
			r = -EINVAL;	/* only before the first vCPU */
		else if (copy_from_user(&addr, (void __user *)arg, sizeof(addr)))
			r = -EFAULT;
		else
			r = 0;
		mutex_unlock(&vm->lock);
		return r;
	default:
		return -ENOIOCTLCMD;
	}
}
EXPORT_SYMBOL_GPL(vmrun_x86_vm_ioctl);

/* What vmrun-svm and vmrun-vmx both claim, with or without a VM. */
long vmrun_x86_check_extension(struct vmrun_vm *vm, long cap)
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
