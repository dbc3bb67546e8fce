/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O and MMIO exits to user space for both x86 backends (io.c): an
 * in-kernel device answers the access, or user space does and KVM_RUN
 * finishes the instruction when it comes back. The backend decodes its
 * exit (port, size, direction; the faulting GPA and the instruction bytes)
 * and moves RIP past an IN or OUT; the rest is the same on VT-x and AMD-V.
 * The state lives in the vCPU between exits, under the vCPU's mutex.
 */
#ifndef VMRUN_X86_IO_H
#define VMRUN_X86_IO_H

#include <linux/types.h>

#include "emulate.h"
#include "gwalk.h"
#include "mmio.h"
#include "pio.h"

struct vmrun_vcpu;

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

/*
 * IN or OUT (not the string forms). Returns VMRUN_X86_CONTINUE when an
 * in-kernel device answered it, 0 with run->io filled for user space;
 * either way the caller moves RIP past the instruction.
 */
int vmrun_x86_io_pio(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io,
		     u16 port, unsigned int size, bool in);

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
unsigned int vmrun_x86_fetch_insn(struct vmrun_vcpu *vcpu,
				  const struct vmrun_gwalk_paging *pg,
				  u64 cs_base, unsigned int access,
				  enum vmrun_emul_mode mode, u8 *bytes);

/*
 * An access to a GPA without RAM by the instruction in @bytes (@avail of
 * them, at CS:RIP). Returns VMRUN_X86_CONTINUE when in-kernel devices
 * completed it, 0 for an exit to user space (KVM_EXIT_MMIO, or the
 * internal error of an instruction that cannot be emulated).
 */
int vmrun_x86_io_mmio(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io,
		      u64 gpa, const u8 *bytes, unsigned int avail,
		      enum vmrun_emul_mode mode);

/*
 * KVM_RUN's start: finishes what the last exit to user space left, then
 * honours immediate_exit. Returns VMRUN_X86_CONTINUE to enter the guest,
 * else what KVM_RUN returns at once: 0 when run->mmio describes one more
 * exit (the write half of a read-modify-write), or -EINTR.
 */
int vmrun_x86_io_run_begin(struct vmrun_vcpu *vcpu, struct vmrun_x86_io *io);

#endif /* VMRUN_X86_IO_H */
