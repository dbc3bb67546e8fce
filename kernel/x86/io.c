// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port I/O and MMIO exits, the same on VT-x and AMD-V once the backend has
 * decoded its exit (io.h). pio.c and mmio.c do the instruction's work;
 * io.h routes it to an in-kernel device or to user space, inline on the
 * exit path; this file keeps the string forms and the completion when
 * user space comes back.
 */
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <vmrun/core.h>

#include "events.h"
#include "io.h"

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

bool vmrun_x86_io_complete(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io)
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
EXPORT_SYMBOL_GPL(vmrun_x86_io_complete);
