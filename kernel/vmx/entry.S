/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VT-x world switch.
 *
 * int vmx_enter_guest(struct kvm_regs *regs, unsigned long launched);
 *
 * Called with interrupts off and the vCPU's VMCS current (see run.c).
 * VM entry loads the guest's RSP, RIP, RFLAGS, control registers, EFER,
 * PAT and segment registers from the VMCS; everything else in struct
 * kvm_regs is loaded and saved here. VM exit comes back to vmx_vmexit
 * (HOST_RIP) with the stack pointer this function wrote to HOST_RSP and
 * RFLAGS 0x2; a VMLAUNCH or VMRESUME that fails falls through to the same
 * place with CF or ZF set, so both paths meet at one point with one stack
 * layout. Returns 0 after a VM exit, 1 when the entry failed.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>

#include "../x86/entry_frame.S"
#include "vmx.h"

	.text
SYM_FUNC_START(vmx_enter_guest)
	VMRUN_ENTRY_SAVE_HOST
	push	%rdi			/* regs, at (%rsp) after the exit */

	mov	$VMX_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lno_entry

	/* ZF from here to the VMLAUNCH/VMRESUME choice: movs keep it. */
	test	%rsi, %rsi
	mov	VMX_REGS_RAX(%rdi), %rax
	mov	VMX_REGS_RBX(%rdi), %rbx
	mov	VMX_REGS_RCX(%rdi), %rcx
	mov	VMX_REGS_RDX(%rdi), %rdx
	mov	VMX_REGS_RSI(%rdi), %rsi
	mov	VMX_REGS_RBP(%rdi), %rbp
	mov	VMX_REGS_R8(%rdi), %r8
	mov	VMX_REGS_R9(%rdi), %r9
	mov	VMX_REGS_R10(%rdi), %r10
	mov	VMX_REGS_R11(%rdi), %r11
	mov	VMX_REGS_R12(%rdi), %r12
	mov	VMX_REGS_R13(%rdi), %r13
	mov	VMX_REGS_R14(%rdi), %r14
	mov	VMX_REGS_R15(%rdi), %r15
	mov	VMX_REGS_RDI(%rdi), %rdi
	jnz	.Lresume
	vmlaunch
	jmp	vmx_vmexit
.Lresume:
	vmresume

SYM_INNER_LABEL(vmx_vmexit, SYM_L_GLOBAL)
	ENDBR
	/* CF or ZF: the entry failed; a VM exit clears both. */
	jbe	.Lfailed

	push	%rax
	mov	8(%rsp), %rax		/* regs */
	mov	%rbx, VMX_REGS_RBX(%rax)
	mov	%rcx, VMX_REGS_RCX(%rax)
	mov	%rdx, VMX_REGS_RDX(%rax)
	mov	%rsi, VMX_REGS_RSI(%rax)
	mov	%rdi, VMX_REGS_RDI(%rax)
	mov	%rbp, VMX_REGS_RBP(%rax)
	mov	%r8, VMX_REGS_R8(%rax)
	mov	%r9, VMX_REGS_R9(%rax)
	mov	%r10, VMX_REGS_R10(%rax)
	mov	%r11, VMX_REGS_R11(%rax)
	mov	%r12, VMX_REGS_R12(%rax)
	mov	%r13, VMX_REGS_R13(%rax)
	mov	%r14, VMX_REGS_R14(%rax)
	mov	%r15, VMX_REGS_R15(%rax)
	pop	VMX_REGS_RAX(%rax)

	/*
	 * Spectre v2: the guest may have trained the return predictors
	 * with its own targets. Where the host's mitigations ask for it,
	 * overwrite the return stack buffer before the first RET.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	xor	%eax, %eax
	jmp	.Lout

.Lfailed:
	mov	$1, %eax
	jmp	.Lout
.Lno_entry:
	mov	$1, %eax
.Lout:
	add	$8, %rsp
	VMRUN_ENTRY_RESTORE_HOST
SYM_FUNC_END(vmx_enter_guest)
