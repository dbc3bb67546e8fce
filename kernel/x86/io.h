/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O and MMIO exits to user space for both x86 backends (io.c): an
 * in-kernel device answers the access, or user space does and KVM_RUN
 * finishes the instruction when it comes back. The backend decodes its
 * exit (port, size, direction; the faulting GPA and the instruction bytes)
 * and moves RIP past an IN or OUT; the rest is the same on VT-x and AMD-V.
 * The state lives in the vCPU between exits, under the vCPU's mutex.
 *
 * What every such exit runs is inline here, io.c keeps the rest: as calls
 * from the backend's module into vmrun.ko and back, these cost 60 to 80
 * more instructions per port I/O or MMIO round trip in the AMD-V
 * testbed's exit figures (Documentation/benchmarks.md).
 */
#ifndef VMRUN_X86_IO_H
#define VMRUN_X86_IO_H

#include <linux/mm.h>
#include <linux/string.h>
#include <linux/types.h>
#include <vmrun/compat.h>
#include <vmrun/core.h>

#include "emulate.h"
#include "events.h"
#include "gwalk.h"
#include "mmio.h"
#include "pio.h"

/* What KVM_RUN must finish when user space comes back. */
enum vmrun_x86_io_pending {
	VMRUN_X86_IO_NONE,
	VMRUN_X86_IO_PIO_IN,		/* copy the data page into RAX */
	VMRUN_X86_IO_MMIO,		/* complete the instruction in mmio */
	VMRUN_X86_IO_PIO_STRING_IN,	/* store an INS's data in the guest */
};

struct vmrun_x86_io {
	enum vmrun_x86_io_pending pending;
	u8 pio_size;
	struct vmrun_mmio mmio;
	struct vmrun_pio_string pio_string;
};

/* What an IN of @size bytes leaves in RAX, as the CPU does. */
static inline void vmrun_x86_io_set_rax(struct kvm_regs *regs,
					unsigned int size, u32 data)
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

/*
 * IN or OUT (not the string forms). Returns VMRUN_X86_CONTINUE when an
 * in-kernel device answered it, 0 with run->io filled for user space;
 * either way the caller moves RIP past the instruction.
 */
static inline int vmrun_x86_io_pio(struct vmrun_vcpu *vcpu,
				   struct vmrun_x86_io *io, u16 port,
				   unsigned int size, bool in)
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

/*
 * INS or OUTS: vmrun_pio_string_begin() on the vCPU's data page, and its
 * return value; an INS that exits to user space is finished on the next
 * KVM_RUN.
 */
int vmrun_x86_io_pio_string(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io,
			    const struct vmrun_pio_op *op,
			    struct vmrun_gwalk_result *fault);

/*
 * Up to VMRUN_EMUL_MAX_LEN bytes of the instruction at CS:RIP, read through
 * the guest's page tables with the backend's paging state and access bits
 * (neither VT-x nor QEMU's SVM gives the bytes). Returns how many it got.
 */
static inline unsigned int
vmrun_x86_fetch_insn(struct vmrun_vcpu *vcpu,
		     const struct vmrun_gwalk_paging *pg, u64 cs_base,
		     unsigned int access, enum vmrun_emul_mode mode, u8 *bytes)
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

/*
 * An access to a GPA without RAM by the instruction in @bytes (@avail of
 * them, at CS:RIP). Returns VMRUN_X86_CONTINUE when in-kernel devices
 * completed it, 0 for an exit to user space (KVM_EXIT_MMIO, or the
 * internal error of an instruction that cannot be emulated).
 */
static inline int vmrun_x86_io_mmio(struct vmrun_vcpu *vcpu,
				    struct vmrun_x86_io *io, u64 gpa,
				    const u8 *bytes, unsigned int avail,
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

/*
 * What the last exit to user space left to finish: an IN's data, an INS,
 * or an MMIO instruction. Returns false if that needs one more exit (the
 * write half of a read-modify-write), which run->mmio then describes.
 */
bool vmrun_x86_io_complete(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io);

/*
 * KVM_RUN's start: finishes what the last exit to user space left, then
 * honours immediate_exit (as api.rst says, so that user space can complete
 * I/O without running). Returns VMRUN_X86_CONTINUE to enter the guest,
 * else what KVM_RUN returns at once: 0 when run->mmio describes one more
 * exit, or -EINTR (as KVM 6.1; exit_reason stays the last one).
 */
static inline int vmrun_x86_io_run_begin(struct vmrun_vcpu *vcpu,
					 struct vmrun_x86_io *io)
{
	if (io->pending != VMRUN_X86_IO_NONE && !vmrun_x86_io_complete(vcpu, io))
		return 0;
	if (vmrun_immediate_exit(vcpu->run))
		return -EINTR;
	return VMRUN_X86_CONTINUE;
}

#endif /* VMRUN_X86_IO_H */
