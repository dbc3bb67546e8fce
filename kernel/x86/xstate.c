// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's extended state for both x86 backends: the x87/SSE registers
 * (KVM_GET/SET_FPU), the XSAVE image (KVM_GET/SET_XSAVE) and XCR0
 * (KVM_GET/SET_XCRS, and the rule XSETBV exits apply).
 *
 * The state lives in the backend's struct fpu_guest whenever no KVM_RUN is
 * under way (the run loop swaps it in and back out), and the callers hold
 * vcpu->mutex. Everything goes through the kernel's own conversions between
 * that state and the user ABI (the standard, non-compacted XSAVE layout),
 * which also check what user space hands in (XSAVE header, MXCSR).
 */
#include <linux/export.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/kvm.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>

#include "xstate.h"

/*
 * The XCR0 bits a guest may set, and the components KVM_GET/SET_XSAVE
 * carry: what the host enables, within the guest FPU buffer's features
 * (no dynamic ones, AMX data). PKRU stays out: nothing switches it
 * between host and guest.
 */
u64 vmrun_x86_supported_xcr0(const struct fpu_guest *fpu)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) &
	       fpu->fpstate->user_xfeatures & ~XFEATURE_MASK_PKRU;
}
EXPORT_SYMBOL_GPL(vmrun_x86_supported_xcr0);

/*
 * A value XSETBV may load into XCR0 (SDM vol. 1, 13.3): x87 always on,
 * AVX only with SSE, the two MPX components together, the three AVX-512
 * ones together and only with AVX, the two AMX ones together; and nothing
 * beyond vmrun_x86_supported_xcr0(). Anything else would fault the host's own
 * XSETBV at the next entry.
 */
bool vmrun_x86_xcr0_valid(const struct fpu_guest *fpu, u64 xcr0)
{
	u64 avx512 = xcr0 & XFEATURE_MASK_AVX512;
	u64 xtile = xcr0 & XFEATURE_MASK_XTILE;

	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~vmrun_x86_supported_xcr0(fpu)))
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
EXPORT_SYMBOL_GPL(vmrun_x86_xcr0_valid);

/* The guest's FPU state in the user ABI layout, into a zeroed @xs. */
static void xstate_to_uabi(struct fpu_guest *fpu, struct kvm_xsave *xs)
{
	fpu_copy_guest_fpstate_to_uabi(fpu, xs->region,
				       sizeof(xs->region),
				       vmrun_x86_supported_xcr0(fpu), 0);
}

/* Loads @xs into the guest's FPU state; -EINVAL if the kernel refuses it. */
static int xstate_from_uabi(struct fpu_guest *fpu, struct kvm_xsave *xs)
{
	union fpregs_state *st = (union fpregs_state *)xs->region;
	u32 pkru = 0;	/* PKRU is never in the mask: nothing lands here */

	/* XRSTOR must not see a component XFD disarms (none so far). */
	st->xsave.header.xfeatures &= ~fpu->fpstate->xfd;
	return fpu_copy_uabi_to_guest_fpstate(fpu, xs->region,
					      vmrun_x86_supported_xcr0(fpu) |
					      XFEATURE_MASK_FPSSE, &pkru);
}

static struct kvm_xsave *xstate_alloc(void)
{
	return kzalloc(sizeof(struct kvm_xsave), GFP_KERNEL_ACCOUNT);
}

/*
 * KVM_GET_FPU: the x87 and SSE registers, MXCSR included (KVM 6.1 leaves
 * it 0). A component in its initial state reads as that state.
 */
long vmrun_x86_get_fpu(struct fpu_guest *fpu, void __user *argp)
{
	struct kvm_xsave *xs = xstate_alloc();
	struct fxregs_state *fx;
	struct kvm_fpu kf;
	long r = 0;

	if (!xs)
		return -ENOMEM;
	xstate_to_uabi(fpu, xs);
	fx = (struct fxregs_state *)xs->region;

	memset(&kf, 0, sizeof(kf));
	memcpy(kf.fpr, fx->st_space, sizeof(kf.fpr));
	kf.fcw = fx->cwd;
	kf.fsw = fx->swd;
	kf.ftwx = fx->twd;
	kf.last_opcode = fx->fop;
	kf.last_ip = fx->rip;
	kf.last_dp = fx->rdp;
	memcpy(kf.xmm, fx->xmm_space, sizeof(kf.xmm));
	kf.mxcsr = fx->mxcsr;
	if (copy_to_user(argp, &kf, sizeof(kf)))
		r = -EFAULT;
	kfree(xs);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_x86_get_fpu);

/*
 * KVM_SET_FPU: replaces the x87 and SSE registers and MXCSR, keeps the
 * rest (AVX's upper halves...). EINVAL for MXCSR bits the CPU lacks,
 * which KVM 6.1 never looks at.
 */
long vmrun_x86_set_fpu(struct fpu_guest *fpu, void __user *argp)
{
	struct fxregs_state *fx;
	struct kvm_xsave *xs;
	struct kvm_fpu kf;
	long r;

	if (copy_from_user(&kf, argp, sizeof(kf)))
		return -EFAULT;
	xs = xstate_alloc();
	if (!xs)
		return -ENOMEM;
	xstate_to_uabi(fpu, xs);
	fx = (struct fxregs_state *)xs->region;

	memcpy(fx->st_space, kf.fpr, sizeof(kf.fpr));
	fx->cwd = kf.fcw;
	fx->swd = kf.fsw;
	fx->twd = kf.ftwx;
	fx->fop = kf.last_opcode;
	fx->rip = kf.last_ip;
	fx->rdp = kf.last_dp;
	memcpy(fx->xmm_space, kf.xmm, sizeof(kf.xmm));
	fx->mxcsr = kf.mxcsr;
	/* Out of their initial state now: XRSTOR must load them. */
	((union fpregs_state *)xs->region)->xsave.header.xfeatures |=
		XFEATURE_MASK_FPSSE;

	r = xstate_from_uabi(fpu, xs);
	kfree(xs);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_x86_set_fpu);

/* KVM_GET_XSAVE: the standard-format XSAVE image of struct kvm_xsave. */
long vmrun_x86_get_xsave(struct fpu_guest *fpu, void __user *argp)
{
	struct kvm_xsave *xs;
	long r = 0;

	/* As KVM: larger state (AMX, opted in) needs KVM_GET_XSAVE2. */
	if (fpu->uabi_size > sizeof(*xs))
		return -EINVAL;
	xs = xstate_alloc();
	if (!xs)
		return -ENOMEM;
	xstate_to_uabi(fpu, xs);
	if (copy_to_user(argp, xs, sizeof(*xs)))
		r = -EFAULT;
	kfree(xs);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_x86_get_xsave);

/*
 * KVM_SET_XSAVE: EINVAL for components beyond vmrun_x86_supported_xcr0(), a
 * compacted or otherwise bad header, or MXCSR bits the CPU lacks.
 */
long vmrun_x86_set_xsave(struct fpu_guest *fpu, void __user *argp)
{
	struct kvm_xsave *xs;
	long r;

	if (fpu->uabi_size > sizeof(*xs))
		return -EINVAL;
	xs = kmalloc(sizeof(*xs), GFP_KERNEL_ACCOUNT);
	if (!xs)
		return -ENOMEM;
	if (copy_from_user(xs, argp, sizeof(*xs)))
		r = -EFAULT;
	else
		r = xstate_from_uabi(fpu, xs);
	kfree(xs);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_x86_set_xsave);

/* KVM_GET_XCRS: XCR0, or no XCR at all on a CPU without XSAVE. */
long vmrun_x86_get_xcrs(u64 xcr0, void __user *argp)
{
	struct kvm_xcrs xcrs;

	memset(&xcrs, 0, sizeof(xcrs));
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		xcrs.xcrs[0].value = xcr0;
	}
	return copy_to_user(argp, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_get_xcrs);

/*
 * KVM_SET_XCRS, as KVM takes it: EINVAL without XSAVE, for flags, for more
 * than KVM_MAX_XCRS entries, or for an XCR0 XSETBV would refuse. The first
 * entry for XCR0 counts; entries for other XCRs are passed over.
 */
long vmrun_x86_set_xcrs(const struct fpu_guest *fpu, u64 *xcr0,
			void __user *argp)
{
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
		if (!vmrun_x86_xcr0_valid(fpu, xcrs.xcrs[i].value))
			return -EINVAL;
		*xcr0 = xcrs.xcrs[i].value;
		break;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_set_xcrs);
