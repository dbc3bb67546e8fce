// SPDX-License-Identifier: GPL-2.0-only
/* String port I/O for the x86 backends; see pio.h. */
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>

#include "pio.h"

int vmrun_x86_read_gpa(u64 gpa, void *buf, size_t len, void *vm)
{
	return vmrun_guest_read(vm, gpa, buf, len) == len ? 0 : -EFAULT;
}
EXPORT_SYMBOL_GPL(vmrun_x86_read_gpa);

static u64 addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (8 * addr_size)) - 1;
}

/*
 * Writes @val to a register as an instruction with @addr_size addressing
 * does: 16 bits keep the rest, 32 bits clear the upper half.
 */
static void set_sized(u64 *reg, u64 val, u8 addr_size)
{
	if (addr_size == 2)
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
	else
		*reg = val & addr_mask(addr_size);
}

/* Advances the index register and the count past @n elements. */
static void pio_advance(const struct vmrun_pio_op *op, struct kvm_regs *regs,
			u64 *index, u32 n)
{
	s64 step = (regs->rflags & X86_EFLAGS_DF) ? -(s64)op->size : op->size;
	u64 mask = addr_mask(op->addr_size);

	set_sized(index, (*index & mask) + step * n, op->addr_size);
	if (op->rep)
		set_sized(&regs->rcx, (regs->rcx & mask) - n, op->addr_size);
	if (!op->rep || !(regs->rcx & mask))
		regs->rip = op->next_rip;
	/* else RIP stays: the instruction runs again for what is left */
}

/*
 * How many elements one exit moves: what is left, at most a page of data,
 * and never past the end of the guest page (one element when moving
 * backwards, DF = 1, or when the first element straddles pages).
 */
static u32 pio_batch(const struct vmrun_pio_op *op, u64 count, u64 la,
		     bool backwards)
{
	u64 room = PAGE_SIZE - offset_in_page(la);

	if (backwards || room < op->size)
		return 1;
	return min3(count, (u64)(PAGE_SIZE / op->size), room / op->size);
}

int vmrun_pio_string_begin(struct vmrun_pio_string *ps,
			   const struct vmrun_pio_op *op,
			   struct kvm_regs *regs, struct kvm_run *run,
			   void *data, struct vmrun_vm *vm,
			   struct vmrun_gwalk_result *fault)
{
	u64 mask = addr_mask(op->addr_size);
	u64 count = op->rep ? regs->rcx & mask : 1;
	u64 *index = op->in ? &regs->rdi : &regs->rsi;
	bool backwards = regs->rflags & X86_EFLAGS_DF;
	u64 la = op->seg_base + (*index & mask);
	unsigned int access = op->access;
	u32 n, bytes;
	int r;

	if (!count) {
		regs->rip = op->next_rip;
		return 1;
	}
	if (op->addr_size != 8)
		la = (u32)la;
	n = pio_batch(op, count, la, backwards);
	bytes = n * op->size;

	if (op->in) {
		/* Translate now, so a fault is raised before any exit. */
		r = vmrun_gwalk_translate(&op->paging, la,
					  access | VMRUN_GWALK_WRITE,
					  vmrun_x86_read_gpa, vm, fault);
		if (r)
			return r < 0 ? -EFAULT : r;
		ps->gpa[0] = fault->gpa;
		ps->len[0] = min_t(u32, bytes, PAGE_SIZE - offset_in_page(la));
		ps->len[1] = bytes - ps->len[0];
		if (ps->len[1]) {
			r = vmrun_gwalk_translate(&op->paging, la + ps->len[0],
						  access | VMRUN_GWALK_WRITE,
						  vmrun_x86_read_gpa, vm, fault);
			if (r)
				return r < 0 ? -EFAULT : r;
			ps->gpa[1] = fault->gpa;
		}
		ps->count = n;
		ps->op = *op;
	} else {
		r = vmrun_gwalk_read(&op->paging, la, data, bytes, access,
				     vmrun_x86_read_gpa, vm, fault);
		if (r)
			return r < 0 ? -EFAULT : r;
		pio_advance(op, regs, index, n);
	}

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = op->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = op->size;
	run->io.port = op->port;
	run->io.count = n;
	run->io.data_offset = PAGE_SIZE;	/* the vCPU's second page */
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_pio_string_begin);

void vmrun_pio_string_complete(struct vmrun_pio_string *ps,
			       struct kvm_regs *regs, const void *data,
			       struct vmrun_vm *vm)
{
	u32 n = ps->count, bytes, first;

	/*
	 * User space may have lowered RCX meanwhile (KVM_SET_REGS): as KVM,
	 * consume only the elements RCX still asks for, never more.
	 */
	if (ps->op.rep)
		n = min_t(u64, n, regs->rcx & addr_mask(ps->op.addr_size));
	bytes = n * ps->op.size;
	first = min(bytes, ps->len[0]);
	/*
	 * Where the exit's translation pointed: this vCPU has not run since,
	 * and guest RAM that is no longer mapped is skipped, not faulted.
	 */
	vmrun_guest_write(vm, ps->gpa[0], data, first);
	if (bytes > first)
		vmrun_guest_write(vm, ps->gpa[1], data + first, bytes - first);
	pio_advance(&ps->op, regs, &regs->rdi, n);
}
EXPORT_SYMBOL_GPL(vmrun_pio_string_complete);
