/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MMIO exits for the x86 backends: the guest touched a guest-physical
 * address with no memory slot (or wrote to a read-only one), the backend
 * fetched the instruction bytes, and this turns the instruction into
 * KVM_EXIT_MMIO exits and completes it when user space comes back.
 *
 * A read takes one exit, a write one; a read-modify-write (AND to a device
 * register, say) a read exit then a write exit, as KVM does. The state
 * lives in the vCPU between exits, under the vCPU's mutex.
 */
#ifndef VMRUN_X86_MMIO_H
#define VMRUN_X86_MMIO_H

#include <linux/kvm.h>
#include "emulate.h"

struct vmrun_mmio {
	struct vmrun_emul_insn insn;
	u64 gpa;
	u64 loaded;		/* what the read exit returned (RMW) */
	bool write_pending;	/* the RMW's write exit is out */
};

/*
 * Decodes @bytes (@avail of them, fetched at CS:RIP) and fills run->mmio
 * for the first exit. Returns 0, or the decoder's -errno (the caller
 * reports KVM_EXIT_INTERNAL_ERROR).
 */
int vmrun_mmio_begin(struct vmrun_mmio *m, struct kvm_run *run,
		     const struct kvm_regs *regs, u64 gpa, const u8 *bytes,
		     unsigned int avail, enum vmrun_emul_mode mode);

/*
 * Called on KVM_RUN after an MMIO exit. Returns true when the instruction
 * is done (registers, flags and RIP updated), false when run->mmio holds
 * one more exit (an RMW's write) for user space.
 */
bool vmrun_mmio_complete(struct vmrun_mmio *m, struct kvm_run *run,
			 struct kvm_regs *regs);

struct vmrun_vcpu;

/*
 * After vmrun_mmio_begin(): offers each access of the instruction to the
 * VM's in-kernel MMIO bus (the LAPIC, the IOAPIC, ioeventfds). Returns
 * true when devices answered them all and the instruction is complete,
 * false when run->mmio describes the first access nobody claimed (the
 * backend exits to user space and completes it on the next KVM_RUN).
 */
bool vmrun_mmio_in_kernel(struct vmrun_mmio *m, struct vmrun_vcpu *vcpu);

/* The internal error report for an instruction that cannot be emulated. */
void vmrun_mmio_report(struct kvm_run *run, int err, u64 gpa, u64 rip,
		       const u8 *bytes, unsigned int avail);

#endif /* VMRUN_X86_MMIO_H */
