// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU state ioctls of vmrun-svm that KVM_RUN does not need: the x87/SSE
 * state (KVM_GET/SET_FPU), the XSAVE state (KVM_GET/SET_XSAVE), XCR0
 * (KVM_GET/SET_XCRS), MSRs (KVM_GET/SET_MSRS) and, on /dev/vmrun, the list
 * of MSRs those read and write (KVM_GET_MSR_INDEX_LIST).
 *
 * The guest's FPU state is in svm->fpu whenever no KVM_RUN is under way:
 * svm_vcpu_run() swaps it in and back out, and these ioctls, like KVM_RUN,
 * hold vcpu->mutex. They go through the kernel's own conversions between
 * that state and the user ABI (the standard, non-compacted XSAVE layout),
 * which also check what user space hands in (XSAVE header, MXCSR).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/msr-index.h>
#include <vmrun/core.h>

#include "svm.h"

/* As KVM: KVM_GET/SET_MSRS take fewer than this many entries (E2BIG). */
#define SVM_MAX_IO_MSRS	256

/*
 * The XCR0 bits a guest may set, and the components KVM_GET/SET_XSAVE
 * carry: what the host enables, within the guest FPU buffer's features
 * (no dynamic ones, AMX data). PKRU stays out: nothing switches it
 * between host and guest.
 */
u64 svm_supported_xcr0(struct svm_vcpu *svm)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) &
	       svm->fpu.fpstate->user_xfeatures & ~XFEATURE_MASK_PKRU;
}

/*
 * A value XSETBV may load into XCR0 (SDM vol. 1, 13.3): x87 always on,
 * AVX only with SSE, the two MPX components together, the three AVX-512
 * ones together and only with AVX, the two AMX ones together; and nothing
 * beyond svm_supported_xcr0(). Anything else would fault the host's own
 * XSETBV at the next entry.
 */
bool svm_xcr0_valid(struct svm_vcpu *svm, u64 xcr0)
{
	u64 avx512 = xcr0 & XFEATURE_MASK_AVX512;
	u64 xtile = xcr0 & XFEATURE_MASK_XTILE;

	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~svm_supported_xcr0(svm)))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if (!(xcr0 & XFEATURE_MASK_BNDREGS) != !(xcr0 & XFEATURE_MASK_BNDCSR))
		return false;
	if (avx512 && (avx512 != XFEATURE_MASK_AVX512 ||
		       !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	return !xtile || xtile == XFEATURE_MASK_XTILE;
}

/* The guest's FPU state in the user ABI layout, into a zeroed @xs. */
static void svm_fpu_to_uabi(struct svm_vcpu *svm, struct kvm_xsave *xs)
{
	fpu_copy_guest_fpstate_to_uabi(&svm->fpu, xs->region,
				       sizeof(xs->region),
				       svm_supported_xcr0(svm), 0);
}

/* Loads @xs into the guest's FPU state; -EINVAL if the kernel refuses it. */
static int svm_fpu_from_uabi(struct svm_vcpu *svm, struct kvm_xsave *xs)
{
	union fpregs_state *st = (union fpregs_state *)xs->region;
	u32 pkru = 0;	/* PKRU is never in the mask: nothing lands here */

	/* XRSTOR must not see a component XFD disarms (none so far). */
	st->xsave.header.xfeatures &= ~svm->fpu.fpstate->xfd;
	return fpu_copy_uabi_to_guest_fpstate(&svm->fpu, xs->region,
					      svm_supported_xcr0(svm) |
					      XFEATURE_MASK_FPSSE, &pkru);
}

static struct kvm_xsave *svm_xsave_alloc(void)
{
	return kzalloc(sizeof(struct kvm_xsave), GFP_KERNEL_ACCOUNT);
}

/*
 * KVM_GET_FPU: the x87 and SSE registers, MXCSR included (KVM 6.1 leaves
 * it 0). A component in its initial state reads as that state.
 */
long svm_get_fpu(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xs = svm_xsave_alloc();
	struct fxregs_state *fx;
	struct kvm_fpu fpu;
	long r = 0;

	if (!xs)
		return -ENOMEM;
	svm_fpu_to_uabi(to_svm(vcpu), xs);
	fx = (struct fxregs_state *)xs->region;

	memset(&fpu, 0, sizeof(fpu));
	memcpy(fpu.fpr, fx->st_space, sizeof(fpu.fpr));
	fpu.fcw = fx->cwd;
	fpu.fsw = fx->swd;
	fpu.ftwx = fx->twd;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->rip;
	fpu.last_dp = fx->rdp;
	memcpy(fpu.xmm, fx->xmm_space, sizeof(fpu.xmm));
	fpu.mxcsr = fx->mxcsr;
	if (copy_to_user(argp, &fpu, sizeof(fpu)))
		r = -EFAULT;
	kfree(xs);
	return r;
}

/*
 * KVM_SET_FPU: replaces the x87 and SSE registers and MXCSR, keeps the
 * rest (AVX's upper halves...). EINVAL for MXCSR bits the CPU lacks,
 * which KVM 6.1 never looks at.
 */
long svm_set_fpu(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct fxregs_state *fx;
	struct kvm_xsave *xs;
	struct kvm_fpu fpu;
	long r;

	if (copy_from_user(&fpu, argp, sizeof(fpu)))
		return -EFAULT;
	xs = svm_xsave_alloc();
	if (!xs)
		return -ENOMEM;
	svm_fpu_to_uabi(svm, xs);
	fx = (struct fxregs_state *)xs->region;

	memcpy(fx->st_space, fpu.fpr, sizeof(fpu.fpr));
	fx->cwd = fpu.fcw;
	fx->swd = fpu.fsw;
	fx->twd = fpu.ftwx;
	fx->fop = fpu.last_opcode;
	fx->rip = fpu.last_ip;
	fx->rdp = fpu.last_dp;
	memcpy(fx->xmm_space, fpu.xmm, sizeof(fpu.xmm));
	fx->mxcsr = fpu.mxcsr;
	/* Out of their initial state now: XRSTOR must load them. */
	((union fpregs_state *)xs->region)->xsave.header.xfeatures |=
		XFEATURE_MASK_FPSSE;

	r = svm_fpu_from_uabi(svm, xs);
	kfree(xs);
	return r;
}

/* KVM_GET_XSAVE: the standard-format XSAVE image of struct kvm_xsave. */
long svm_get_xsave(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct kvm_xsave *xs;
	long r = 0;

	/* As KVM: larger state (AMX, opted in) needs KVM_GET_XSAVE2. */
	if (svm->fpu.uabi_size > sizeof(*xs))
		return -EINVAL;
	xs = svm_xsave_alloc();
	if (!xs)
		return -ENOMEM;
	svm_fpu_to_uabi(svm, xs);
	if (copy_to_user(argp, xs, sizeof(*xs)))
		r = -EFAULT;
	kfree(xs);
	return r;
}

/*
 * KVM_SET_XSAVE: EINVAL for components beyond svm_supported_xcr0(), a
 * compacted or otherwise bad header, or MXCSR bits the CPU lacks.
 */
long svm_set_xsave(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct kvm_xsave *xs;
	long r;

	if (svm->fpu.uabi_size > sizeof(*xs))
		return -EINVAL;
	xs = kmalloc(sizeof(*xs), GFP_KERNEL_ACCOUNT);
	if (!xs)
		return -ENOMEM;
	if (copy_from_user(xs, argp, sizeof(*xs)))
		r = -EFAULT;
	else
		r = svm_fpu_from_uabi(svm, xs);
	kfree(xs);
	return r;
}

/* KVM_GET_XCRS: XCR0, or no XCR at all on a CPU without XSAVE. */
long svm_get_xcrs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs;

	memset(&xcrs, 0, sizeof(xcrs));
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		xcrs.xcrs[0].value = to_svm(vcpu)->xcr0;
	}
	return copy_to_user(argp, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}

/*
 * KVM_SET_XCRS, as KVM takes it: EINVAL without XSAVE, for flags, for more
 * than KVM_MAX_XCRS entries, or for an XCR0 XSETBV would refuse. The first
 * entry for XCR0 counts; entries for other XCRs are passed over.
 */
long svm_set_xcrs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct kvm_xcrs xcrs;
	u32 i;

	if (copy_from_user(&xcrs, argp, sizeof(xcrs)))
		return -EFAULT;
	if (!boot_cpu_has(X86_FEATURE_XSAVE) || xcrs.flags ||
	    xcrs.nr_xcrs > KVM_MAX_XCRS)
		return -EINVAL;
	for (i = 0; i < xcrs.nr_xcrs; i++) {
		if (xcrs.xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			continue;
		if (!svm_xcr0_valid(svm, xcrs.xcrs[i].value))
			return -EINVAL;
		svm->xcr0 = xcrs.xcrs[i].value;
		break;
	}
	return 0;
}

/*
 * KVM_GET/SET_MSRS: reads or writes the entries in order as the host
 * (svm_msr_read/svm_msr_write with @host set) and returns how many went
 * through, stopping at the first the vCPU refuses. E2BIG for
 * SVM_MAX_IO_MSRS entries or more, EFAULT for a bad pointer.
 */
static long svm_msr_io(struct vmrun_vcpu *vcpu, void __user *argp, bool set)
{
	struct kvm_msrs __user *user = argp;
	struct kvm_msr_entry *e;
	struct kvm_msrs msrs;
	u32 i;
	long r;

	if (copy_from_user(&msrs, user, sizeof(msrs)))
		return -EFAULT;
	if (msrs.nmsrs >= SVM_MAX_IO_MSRS)
		return -E2BIG;
	e = kmalloc_array(msrs.nmsrs, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	if (copy_from_user(e, user->entries, msrs.nmsrs * sizeof(*e))) {
		r = -EFAULT;
		goto out;
	}

	for (i = 0; i < msrs.nmsrs; i++) {
		if (set ? !svm_msr_write(vcpu, e[i].index, e[i].data, true) :
			  !svm_msr_read(vcpu, e[i].index, &e[i].data, true))
			break;
	}
	r = i;
	if (!set && copy_to_user(user->entries, e, msrs.nmsrs * sizeof(*e)))
		r = -EFAULT;
out:
	kfree(e);
	return r;
}

long svm_get_msrs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	return svm_msr_io(vcpu, argp, false);
}

long svm_set_msrs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	return svm_msr_io(vcpu, argp, true);
}

/*
 * The MSRs svm_msr_read() answers for every vCPU, in the order
 * KVM_GET_MSR_INDEX_LIST gives them; svm_msr_read() and svm_msr_write()
 * refuse any other (svm_msr_listed()) unless the in-kernel LAPIC takes it
 * (its x2APIC range and TSC_DEADLINE, which exist only with one). Add an
 * MSR here and to their switches, together.
 */
static const u32 svm_msrs[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_CR_PAT, MSR_IA32_TSC, MSR_TSC_AUX, MSR_IA32_APICBASE,
	MSR_AMD64_NB_CFG, MSR_FAM10H_MMIO_CONF_BASE,
};

bool svm_msr_listed(u32 msr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(svm_msrs); i++)
		if (svm_msrs[i] == msr)
			return true;
	return false;
}

/*
 * KVM_GET_MSR_INDEX_LIST on /dev/vmrun: writes the count back first, then
 * E2BIG if the caller's array is too small for it, as KVM.
 */
long svm_get_msr_index_list(void __user *argp)
{
	struct kvm_msr_list __user *user = argp;
	struct kvm_msr_list list;
	u32 room;

	if (copy_from_user(&list, user, sizeof(list)))
		return -EFAULT;
	room = list.nmsrs;
	list.nmsrs = ARRAY_SIZE(svm_msrs);
	if (copy_to_user(user, &list, sizeof(list)))
		return -EFAULT;
	if (room < list.nmsrs)
		return -E2BIG;
	if (copy_to_user(user->indices, svm_msrs, sizeof(svm_msrs)))
		return -EFAULT;
	return 0;
}
