/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * String port I/O (INS, OUTS, with or without REP) for the x86 backends.
 * The backend decodes what its exit tells it into a struct vmrun_pio_op;
 * this moves the data between guest memory (through the guest's page
 * tables) and the vCPU's port I/O data page, KVM's way: one KVM_EXIT_IO
 * carries up to a page of elements (io.count of them), never crossing a
 * guest page, and a REP instruction with elements left is entered again.
 */
#ifndef VMRUN_X86_PIO_H
#define VMRUN_X86_PIO_H

#include <linux/kvm.h>
#include <vmrun/core.h>

#include "gwalk.h"

struct vmrun_pio_op {
	u16 port;
	u8 size;		/* 1, 2 or 4 */
	bool in;		/* INS (else OUTS) */
	bool rep;
	u8 addr_size;		/* 2, 4 or 8: which of SI/ESI/RSI, CX/... */
	u64 seg_base;		/* ES for INS; DS or the override for OUTS */
	u64 next_rip;
	unsigned int access;	/* VMRUN_GWALK_USER, VMRUN_GWALK_AC */
	struct vmrun_gwalk_paging paging;
};

/* An INS whose data user space is to supply. */
struct vmrun_pio_string {
	u64 gpa[2];		/* where it goes: one page, or two for an */
	u32 len[2];		/* element that crosses a page boundary */
	u32 count;
	struct vmrun_pio_op op;
};

/* Guest RAM for kernel/x86/gwalk.c's walks; @vm: the struct vmrun_vm. */
int vmrun_x86_read_gpa(u64 gpa, void *buf, size_t len, void *vm);

/*
 * Starts one exit of a string instruction. Returns 0 with run->io filled
 * (OUTS data copied to @data, registers advanced; INS registers advance in
 * vmrun_pio_string_complete()), 1 when there is nothing to move (RCX was
 * 0; RIP advanced), or VMRUN_GWALK_PF / VMRUN_GWALK_GP with @fault filled
 * for the caller to inject, or -EFAULT when the guest's tables or data are
 * not guest RAM.
 */
int vmrun_pio_string_begin(struct vmrun_pio_string *ps,
			   const struct vmrun_pio_op *op,
			   struct kvm_regs *regs, struct kvm_run *run,
			   void *data, struct vmrun_vm *vm,
			   struct vmrun_gwalk_result *fault);

/* After an INS exit: stores the data in guest memory, advances RDI/RCX/RIP. */
void vmrun_pio_string_complete(struct vmrun_pio_string *ps,
			       struct kvm_regs *regs, const void *data,
			       struct vmrun_vm *vm);

#endif /* VMRUN_X86_PIO_H */
