/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A boot sector that prints every CPUID leaf of the CPU it boots on to
 * COM1, one line a leaf and subleaf:
 *
 *   LEAF SUBLEAF EAX EBX ECX EDX       (eight hex digits each)
 *
 * for the basic, hypervisor (0x40000000) and extended (0x80000000)
 * ranges up to the maximum each reports, with subleaves for the leaves
 * that have them. Before that it sets CR4.OSXSAVE and XCR0 to every state
 * component CPUID.0DH:EDX:EAX reports, as a host kernel does, so that the
 * XSAVE leaf shows the sizes a host sees. It ends with "END" and halts.
 *
 * tests/unit/cpuid-record.sh boots it under the testbed's emulators; see
 * the comment there.
 */
	.code16
	.text
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7c00, %sp
	cld
	movw	$0x3fb, %dx		/* COM1: 8 data bits, no parity */
	movb	$3, %al
	outb	%al, %dx

	movl	$1, %eax
	cpuid
	btl	$26, %ecx		/* XSAVE */
	jnc	1f
	movl	%cr4, %eax
	orl	$0x40000, %eax		/* CR4.OSXSAVE */
	movl	%eax, %cr4
	movl	$0xd, %eax
	xorl	%ecx, %ecx
	cpuid
	xorl	%ecx, %ecx
	xsetbv
1:
	xorl	%esi, %esi
	call	range
	movl	$0x40000000, %esi
	call	range
	movl	$0x80000000, %esi
	call	range

	movb	$'E', %dl
	call	putc
	movb	$'N', %dl
	call	putc
	movb	$'D', %dl
	call	putc
	movb	$'\n', %dl
	call	putc
	movb	$0, %al			/* QEMU's isa-debug-exit, if present */
	outb	%al, $0xf4
2:	hlt
	jmp	2b

/* Every leaf from %esi to the maximum CPUID(%esi) reports. */
range:
	movl	%esi, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%eax, %edi
	subl	%esi, %eax
	cmpl	$0xff, %eax		/* no such range: the first leaf only */
	jbe	leaf
	movl	%esi, %edi
leaf:
	movl	$1, nsub		/* subleaves: 1 unless listed */
	movw	$subleaves, %bx
7:	movl	(%bx), %eax
	orl	%eax, %eax
	jz	8f
	cmpl	%esi, %eax
	jne	9f
	movl	4(%bx), %eax
	movl	%eax, nsub
9:	addw	$8, %bx
	jmp	7b
8:	xorl	%ebp, %ebp
sub:
	movl	%esi, %eax
	movl	%ebp, %ecx
	cpuid
	pushl	%edx
	pushl	%ecx
	pushl	%ebx
	pushl	%eax
	pushl	%ebp
	pushl	%esi
	movw	$6, %cx
10:	popl	%eax
	pushw	%cx
	call	hex8
	popw	%cx
	movb	$' ', %dl
	cmpw	$1, %cx
	jne	11f
	movb	$'\n', %dl
11:	call	putc
	loop	10b
	incl	%ebp
	cmpl	nsub, %ebp
	jb	sub
	incl	%esi
	cmpl	%edi, %esi
	jbe	leaf
	ret

/* %eax as eight hex digits. */
hex8:
	movw	$8, %cx
13:	roll	$4, %eax
	movb	%al, %dl
	andb	$0xf, %dl
	addb	$'0', %dl
	cmpb	$'9', %dl
	jbe	14f
	addb	$('a' - '9' - 1), %dl
14:	call	putc
	loop	13b
	ret

/* The character in %dl to COM1, when it can take it. */
putc:
	pushw	%ax
	pushw	%dx
	movw	$0x3fd, %dx
6:	inb	%dx, %al
	testb	$0x20, %al
	jz	6b
	popw	%ax
	pushw	%ax
	movw	$0x3f8, %dx
	outb	%al, %dx
	popw	%dx
	popw	%ax
	ret

nsub:
	.long	0
/* Leaves with subleaves, and how many of them to print. */
subleaves:
	.long	0x4, 8, 0x7, 4, 0xb, 4, 0xd, 32, 0xf, 4, 0x10, 4, 0x12, 4
	.long	0x14, 4, 0x17, 4, 0x18, 8, 0x1d, 2, 0x1f, 6
	.long	0x8000001d, 8, 0x80000020, 4, 0x80000026, 4, 0

	.org	510
	.byte	0x55, 0xaa
