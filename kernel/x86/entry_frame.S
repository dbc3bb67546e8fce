/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The frame both world switches (svm/entry.S, vmx/entry.S) build around
 * the guest: the host's callee-saved registers, and on the way out no
 * guest value left in a scratch register the host might speculate on.
 * What happens between is what each instruction set forces. Included by
 * both; not an object of its own (assembler macros, which checkpatch
 * reads as C in a header).
 */
#ifndef VMRUN_X86_ENTRY_FRAME_S
#define VMRUN_X86_ENTRY_FRAME_S

/* The guest overwrites every general-purpose register. */
.macro VMRUN_ENTRY_SAVE_HOST
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
.endm

/*
 * Leaves no guest value in a register the host might speculate on, then
 * returns to the caller with %eax as it stands.
 */
.macro VMRUN_ENTRY_RESTORE_HOST
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
.endm

#endif /* VMRUN_X86_ENTRY_FRAME_S */
