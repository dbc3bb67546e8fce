/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SVM world switch.
 *
 * void svm_enter_guest(struct kvm_regs *regs, unsigned long vmcb_pa,
 *                      unsigned long host_vmcb_pa);
 *
 * Called with GIF clear and IF set (see run.c). VMRUN itself switches RAX, RSP,
 * RIP, RFLAGS, the control registers, EFER and the segment registers'
 * visible parts; VMLOAD/VMSAVE switch FS, GS, TR, LDTR (hidden parts too),
 * KERNEL_GS_BASE and the SYSCALL/SYSENTER MSRs. Everything else in
 * struct kvm_regs is loaded and saved here.
 *
 * Physical interrupts must end the guest: VMRUN takes the host's IF as the
 * physical interrupt mask, so the caller sets IF first, while GIF (clear)
 * keeps interrupts pending in the host until its STGI. Not STI right before
 * VMRUN: some AMD CPUs carry the STI shadow into the guest's state when an
 * event delivered during VMRUN causes a #VMEXIT. Between the
 * #VMEXIT and the host VMLOAD, GS still holds the guest's base: nothing
 * here may touch per-CPU data.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <vmrun/compat.h>

#include "../x86/entry_frame.S"
#include "svm.h"

/* Stack slots below the saved callee-saved registers. */
#define SLOT_VMCB	0
#define SLOT_HOST_VMCB	8
#define SLOT_REGS	16

	.text
SYM_FUNC_START(svm_enter_guest)
	VMRUN_ENTRY_SAVE_HOST
	push	%rdi			/* SLOT_REGS */
	push	%rdx			/* SLOT_HOST_VMCB */
	push	%rsi			/* SLOT_VMCB */

	/* Host state that VMRUN does not keep, then the guest's. */
	mov	%rdx, %rax
	vmsave	%rax
	mov	%rsi, %rax
	vmload	%rax

	mov	SVM_REGS_RBX(%rdi), %rbx
	mov	SVM_REGS_RCX(%rdi), %rcx
	mov	SVM_REGS_RDX(%rdi), %rdx
	mov	SVM_REGS_RSI(%rdi), %rsi
	mov	SVM_REGS_RBP(%rdi), %rbp
	mov	SVM_REGS_R8(%rdi), %r8
	mov	SVM_REGS_R9(%rdi), %r9
	mov	SVM_REGS_R10(%rdi), %r10
	mov	SVM_REGS_R11(%rdi), %r11
	mov	SVM_REGS_R12(%rdi), %r12
	mov	SVM_REGS_R13(%rdi), %r13
	mov	SVM_REGS_R14(%rdi), %r14
	mov	SVM_REGS_R15(%rdi), %r15
	mov	SVM_REGS_RDI(%rdi), %rdi

	vmrun	%rax

	/* RAX and RSP are the host's again (VMRUN saved them). */
	vmsave	%rax
	mov	SLOT_REGS(%rsp), %rax
	mov	%rbx, SVM_REGS_RBX(%rax)
	mov	%rcx, SVM_REGS_RCX(%rax)
	mov	%rdx, SVM_REGS_RDX(%rax)
	mov	%rsi, SVM_REGS_RSI(%rax)
	mov	%rdi, SVM_REGS_RDI(%rax)
	mov	%rbp, SVM_REGS_RBP(%rax)
	mov	%r8, SVM_REGS_R8(%rax)
	mov	%r9, SVM_REGS_R9(%rax)
	mov	%r10, SVM_REGS_R10(%rax)
	mov	%r11, SVM_REGS_R11(%rax)
	mov	%r12, SVM_REGS_R12(%rax)
	mov	%r13, SVM_REGS_R13(%rax)
	mov	%r14, SVM_REGS_R14(%rax)
	mov	%r15, SVM_REGS_R15(%rax)

	mov	SLOT_HOST_VMCB(%rsp), %rax
	vmload	%rax

	/*
	 * Spectre v2 and retbleed: the guest may have trained the return
	 * predictors with its own targets. Where the host's mitigations
	 * ask for it, overwrite the return stack buffer and untrain returns
	 * before the first RET, as KVM does after its VMRUN.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	VMRUN_UNTRAIN_RET_VM
	add	$24, %rsp
	VMRUN_ENTRY_RESTORE_HOST
SYM_FUNC_END(svm_enter_guest)
