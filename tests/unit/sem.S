/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The instructions of the execution tests (exec.c), assembled here so that
 * their bytes are the assembler's, not hand-written. Each "insn NAME, MODE,
 * TEXT" puts TEXT's bytes in .rodata and a record { name, bytes, length,
 * mode } in the table sem_insns..sem_insns_end that exec.c looks names up in.
 */
	.macro insn name, mode, text:vararg
	.pushsection .rodata.sem_bytes, "a"
	.code\mode
.Lb_\name:
	\text
.Le_\name:
	.code64
	.popsection
	.pushsection .rodata.sem_names, "aMS", @progbits, 1
.Ln_\name:
	.asciz "\name"
	.popsection
	.pushsection .data.rel.ro.sem_insns, "aw"
	.balign 8
	.quad .Ln_\name, .Lb_\name
	.long .Le_\name - .Lb_\name, \mode
	.popsection
	.endm

	.pushsection .data.rel.ro.sem_insns, "aw"
	.balign 8
	.globl sem_insns
sem_insns:
	.popsection

/* 64-bit: stores of every size, from every kind of byte register */
	insn st8_al, 64, movb %al, (%rbx)
	insn st8_ah, 64, movb %ah, (%rbx)
	insn st8_bh, 64, movb %bh, 0x10(%rax)
	insn st8_sil, 64, movb %sil, (%rbx)
	insn st8_r9b, 64, movb %r9b, (%rbx)
	insn st16, 64, movw %ax, (%rbx)
	insn st16_r10w, 64, movw %r10w, (%rbx)
	insn st32, 64, movl %eax, (%rbx)
	insn st64, 64, movq %rax, (%rbx)
	insn st64_r15, 64, movq %r15, 0x12345678(%r8,%r9,4)
	insn st8_imm, 64, movb $0x80, (%rax)
	insn st16_imm, 64, movw $0x8001, (%rax)
	insn st32_imm, 64, movl $0x89abcdef, (%rax)
	insn st64_imm_neg, 64, movq $-2, (%rax)
	insn st64_imm_pos, 64, movq $0x7fffffff, (%rax)
	insn st_moffs64, 64, movabs %rax, 0x1122334455667788
	insn st_moffs32_fs, 64, movabs %eax, %fs:0x10

/* 64-bit: loads and the partial register rules */
	insn ld8_al, 64, movb (%rbx), %al
	insn ld8_ah, 64, movb (%rbx), %ah
	insn ld8_dh, 64, movb (%rbx), %dh
	insn ld8_sil, 64, movb (%rbx), %sil
	insn ld8_r10b, 64, movb (%rbx), %r10b
	insn ld16, 64, movw (%rbx), %cx
	insn ld32, 64, movl (%rbx), %edx
	insn ld32_r13d, 64, movl (%rbx), %r13d
	insn ld64, 64, movq (%rbx), %r11
	insn ld_moffs8, 64, movabs 0x1122334455667788, %al
	insn ld_rip, 64, movl 0x10(%rip), %esi
	insn ld_gs, 64, movq %gs:0x28, %rax
	insn ld_es_ignored, 64, movl %es:8(%rdx), %eax

/* 64-bit: zero and sign extension */
	insn movzbw, 64, movzbw (%rbx), %ax
	insn movzbl, 64, movzbl (%rbx), %eax
	insn movzbq, 64, movzbq (%rbx), %r8
	insn movzwl, 64, movzwl (%rbx), %ecx
	insn movzwq, 64, movzwq (%rbx), %rcx
	insn movsbw, 64, movsbw (%rbx), %ax
	insn movsbl, 64, movsbl (%rbx), %eax
	insn movsbq, 64, movsbq (%rbx), %rdi
	insn movswl, 64, movswl (%rbx), %esi
	insn movswq, 64, movswq (%rbx), %r14
	insn movslq, 64, movslq (%rbx), %rdx

/* 64-bit: the ALU group */
	insn add32_mr, 64, addl %ecx, (%rbx)
	insn add8_imm, 64, addb $1, (%rax)
	insn sub16_rm, 64, subw (%rbx), %dx
	insn cmp64_imm8, 64, cmpq $-1, (%rax)
	insn cmp8_rm_bh, 64, cmpb (%rbx), %bh
	insn lock_or32, 64, lock orl $0x80, (%rax)
	insn xor8_ah, 64, xorb %ah, (%rbx)
	insn and64_rm, 64, andq (%rbx), %r12
	insn adc32_imm0, 64, adcl $0, (%rax)
	insn sbb8_cl, 64, sbbb %cl, (%rbx)
	insn sub64_imm8, 64, subq $-1, (%rax)
	insn and32_imm32, 64, andl $0xfff0, (%rax)
	insn or16_rm, 64, orw (%rbx), %si
	insn add32_rm, 64, addl (%rbx), %r9d
	insn test32_imm, 64, testl $0x80000000, (%rax)
	insn test8_cl, 64, testb %cl, (%rbx)
	insn test64_rm, 64, testq %rdx, (%rbx)

/* 64-bit: XCHG and the bit tests */
	insn xchg32, 64, xchgl %ecx, (%rbx)
	insn xchg8_ah, 64, xchgb %ah, (%rbx)
	insn xchg64_lock, 64, lock xchgq %r8, (%rbx)
	insn bt32_imm, 64, btl $5, (%rax)
	insn bt64_reg, 64, btq %rcx, (%rbx)
	insn bts16_imm, 64, btsw $17, (%rax)
	insn btr32_reg_neg, 64, btrl %ecx, (%rbx)
	insn btc64_imm, 64, lock btcq $63, (%rax)

/* 64-bit: STOS */
	insn stosb, 64, stosb
	insn stosq, 64, stosq
	insn rep_stosl, 64, rep stosl
	insn addr32_rep_stosw, 64, addr32 rep stosw

/* 32-bit */
	insn p32_ld8_ah, 32, movb (%ebx), %ah
	insn p32_ld32, 32, movl (%ebx), %eax
	insn p32_st16, 32, movw %ax, (%ebx)
	insn p32_add_imm, 32, addl $1, (%eax)
	insn p32_moffs, 32, mov 0x12345678, %eax
	insn p32_movzbl, 32, movzbl (%ebx), %ecx
	insn p32_movsbw, 32, movsbw (%ebx), %cx
	insn p32_stosl, 32, stosl
	insn p32_sib, 32, movl %edx, 0x80(%esp,%edi,8)
	insn p32_addr16, 32, movl (%bx,%si), %eax

/* 16-bit */
	insn r16_ld16, 16, movw (%bx,%si), %ax
	insn r16_ld32, 16, movl (%bx), %eax
	insn r16_st8_ah, 16, movb %ah, 2(%bp)
	insn r16_sub_imm8, 16, subw $-3, (%di)
	insn r16_rep_stosb, 16, rep stosb
	insn r16_moffs, 16, mov 0x1234, %al
	insn r16_movsbl, 16, movsbl (%si), %edx
	insn r16_addr32, 16, movw %dx, 0x10(%eax,%ecx,2)

	.pushsection .data.rel.ro.sem_insns, "aw"
	.globl sem_insns_end
sem_insns_end:
	.popsection

	.section .note.GNU-stack, "", @progbits
