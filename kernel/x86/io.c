// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port I/O and MMIO exits, the same on VT-x and AMD-V once the backend has
 * decoded its exit (io.h). pio.c and mmio.c do the instruction's work;
 * this routes it to an in-kernel device or to user space, and finishes it
 * when user space comes back.
 */
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <vmrun/compat.h>
#include <vmrun/core.h>

#include "events.h"
#include "io.h"

/* What an IN of @size bytes leaves in RAX, as the CPU does. */
static void vmrun_x86_io_set_rax(struct kvm_regs *regs, unsigned int size,
				 u32 data)
{
	switch (size) {
	case 1:
		regs->rax = (regs->rax & ~0xffULL) | (u8)data;
		break;
	case 2:
		regs->rax = (regs->rax & ~0xffffULL) | (u16)data;
		break;
	default:	/* a 32-bit result clears the upper half */
		regs->rax = data;
		break;
	}
}

int vmrun_x86_io_pio(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io,
		     u16 port, unsigned int size, bool in)
{
	struct kvm_run *run = vcpu->run;
	u32 data = 0;

	/* An in-kernel device (PIC, PIT, an ioeventfd) may answer it. */
	if (in && !vmrun_io_bus_read(vcpu, VMRUN_BUS_PIO, port, size, &data)) {
		vmrun_x86_io_set_rax(&vcpu->regs, size, data);
		return VMRUN_X86_CONTINUE;
	}
	if (!in && !vmrun_io_bus_write(vcpu, VMRUN_BUS_PIO, port, size,
				       &vcpu->regs.rax))
		return VMRUN_X86_CONTINUE;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = PAGE_SIZE;	/* the vCPU's second mmap page */
	if (in) {
		io->pending = VMRUN_X86_IO_PIO_IN;
		io->pio_size = size;
	} else {
		memcpy(page_address(vcpu->mmap_pages[1]), &vcpu->regs.rax, size);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_io_pio);

int vmrun_x86_io_pio_string(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io,
			    const struct vmrun_pio_op *op,
			    struct vmrun_gwalk_result *fault)
{
	int r;

	r = vmrun_pio_string_begin(&io->pio_string, op, &vcpu->regs,
				   vcpu->run, page_address(vcpu->mmap_pages[1]),
				   vcpu->vm, fault);
	if (!r && op->in)
		io->pending = VMRUN_X86_IO_PIO_STRING_IN;
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_x86_io_pio_string);

unsigned int vmrun_x86_fetch_insn(struct vmrun_vcpu *vcpu,
				  const struct vmrun_gwalk_paging *pg,
				  u64 cs_base, unsigned int access,
				  enum vmrun_emul_mode mode, u8 *bytes)
{
	struct vmrun_gwalk_result res;
	u64 linear = vcpu->regs.rip;

	if (mode != VMRUN_EMUL_MODE64)
		linear = (u32)(linear + cs_base);
	vmrun_gwalk_read(pg, linear, bytes, VMRUN_EMUL_MAX_LEN,
			 VMRUN_GWALK_FETCH | access, vmrun_x86_read_gpa,
			 vcpu->vm, &res);
	return res.copied;
}
EXPORT_SYMBOL_GPL(vmrun_x86_fetch_insn);

int vmrun_x86_io_mmio(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io,
		      u64 gpa, const u8 *bytes, unsigned int avail,
		      enum vmrun_emul_mode mode)
{
	int r;

	r = vmrun_mmio_begin(&io->mmio, vcpu->run, &vcpu->regs, gpa, bytes,
			     avail, mode);
	if (r) {
		vmrun_mmio_report(vcpu->run, r, gpa, vcpu->regs.rip, bytes,
				  avail);
		return 0;
	}
	io->pending = VMRUN_X86_IO_MMIO;

	/* An in-kernel device may answer it all; else user space does. */
	if (!vmrun_mmio_in_kernel(&io->mmio, vcpu))
		return 0;
	io->pending = VMRUN_X86_IO_NONE;
	return VMRUN_X86_CONTINUE;
}
EXPORT_SYMBOL_GPL(vmrun_x86_io_mmio);

/* Returns false if that needs one more exit, which run->mmio describes. */
static bool vmrun_x86_io_complete(struct vmrun_vcpu *vcpu,
				  struct vmrun_x86_io *io)
{
	u32 data = 0;

	switch (io->pending) {
	case VMRUN_X86_IO_MMIO:
		if (!vmrun_mmio_complete(&io->mmio, vcpu->run, &vcpu->regs))
			return false;
		break;
	case VMRUN_X86_IO_PIO_STRING_IN:
		vmrun_pio_string_complete(&io->pio_string, &vcpu->regs,
					  page_address(vcpu->mmap_pages[1]),
					  vcpu->vm);
		break;
	case VMRUN_X86_IO_PIO_IN:
		memcpy(&data, page_address(vcpu->mmap_pages[1]), io->pio_size);
		vmrun_x86_io_set_rax(&vcpu->regs, io->pio_size, data);
		break;
	case VMRUN_X86_IO_NONE:
		break;
	}
	io->pending = VMRUN_X86_IO_NONE;
	return true;
}

int vmrun_x86_io_run_begin(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io)
{
	/* As api.rst says: finish the last exit first, then honour
	 * immediate_exit, so user space can complete I/O without running.
	 */
	if (!vmrun_x86_io_complete(vcpu, io))
		return 0;
	/* As KVM 6.1: -EINTR, and exit_reason stays the last one. */
	if (vmrun_immediate_exit(vcpu->run))
		return -EINTR;
	return VMRUN_X86_CONTINUE;
}
EXPORT_SYMBOL_GPL(vmrun_x86_io_run_begin);
