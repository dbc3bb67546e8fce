// SPDX-License-Identifier: GPL-2.0-only
/* MMIO exits for the x86 backends; see mmio.h. */
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <vmrun/core.h>

#include "mmio.h"

/* struct kvm_regs orders the GPRs by name; the emulator by encoding. */
static void regs_to_emul(const struct kvm_regs *k, struct vmrun_emul_regs *e)
{
	e->gpr[0] = k->rax;
	e->gpr[1] = k->rcx;
	e->gpr[2] = k->rdx;
	e->gpr[3] = k->rbx;
	e->gpr[4] = k->rsp;
	e->gpr[5] = k->rbp;
	e->gpr[6] = k->rsi;
	e->gpr[7] = k->rdi;
	e->gpr[8] = k->r8;
	e->gpr[9] = k->r9;
	e->gpr[10] = k->r10;
	e->gpr[11] = k->r11;
	e->gpr[12] = k->r12;
	e->gpr[13] = k->r13;
	e->gpr[14] = k->r14;
	e->gpr[15] = k->r15;
	e->rip = k->rip;
	e->rflags = k->rflags;
}

static void regs_from_emul(struct kvm_regs *k, const struct vmrun_emul_regs *e)
{
	k->rax = e->gpr[0];
	k->rcx = e->gpr[1];
	k->rdx = e->gpr[2];
	k->rbx = e->gpr[3];
	k->rsp = e->gpr[4];
	k->rbp = e->gpr[5];
	k->rsi = e->gpr[6];
	k->rdi = e->gpr[7];
	k->r8 = e->gpr[8];
	k->r9 = e->gpr[9];
	k->r10 = e->gpr[10];
	k->r11 = e->gpr[11];
	k->r12 = e->gpr[12];
	k->r13 = e->gpr[13];
	k->r14 = e->gpr[14];
	k->r15 = e->gpr[15];
	k->rip = e->rip;
	k->rflags = e->rflags;
}

static void mmio_exit(struct kvm_run *run, u64 gpa, unsigned int len,
		      bool write, u64 value)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &value, len);	/* little endian */
}

int vmrun_mmio_begin(struct vmrun_mmio *m, struct kvm_run *run,
		     const struct kvm_regs *regs, u64 gpa, const u8 *bytes,
		     unsigned int avail, enum vmrun_emul_mode mode)
{
	struct vmrun_emul_regs e;
	int r;

	r = vmrun_emul_decode(&m->insn, bytes, avail, mode);
	if (r)
		return r;
	m->gpa = gpa;
	m->loaded = 0;
	m->write_pending = false;

	if (m->insn.dir == VMRUN_EMUL_WRITE) {
		regs_to_emul(regs, &e);
		mmio_exit(run, gpa, m->insn.size, true,
			  vmrun_emul_store_value(&m->insn, &e, 0));
	} else {
		/* READ, or the read half of a read-modify-write. */
		mmio_exit(run, gpa, m->insn.size, false, 0);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_mmio_begin);

bool vmrun_mmio_complete(struct vmrun_mmio *m, struct kvm_run *run,
			 struct kvm_regs *regs)
{
	struct vmrun_emul_regs e;
	u64 loaded = 0;

	regs_to_emul(regs, &e);
	if (m->insn.dir != VMRUN_EMUL_WRITE && !m->write_pending) {
		memcpy(&loaded, run->mmio.data, m->insn.size);
		m->loaded = loaded;
		if (m->insn.dir == VMRUN_EMUL_RMW) {
			/* The decoder counts CMP, TEST and BT as reads. */
			m->write_pending = true;
			mmio_exit(run, m->gpa, m->insn.size, true,
				  vmrun_emul_store_value(&m->insn, &e, loaded));
			return false;
		}
	}
	vmrun_emul_complete(&m->insn, &e, m->loaded);
	regs_from_emul(regs, &e);
	m->write_pending = false;
	return true;
}
EXPORT_SYMBOL_GPL(vmrun_mmio_complete);

void vmrun_mmio_report(struct kvm_run *run, int err, u64 gpa, u64 rip,
		       const u8 *bytes, unsigned int avail)
{
	u64 insn[2] = { 0, 0 };

	memcpy(insn, bytes, min_t(unsigned int, avail, sizeof(insn)));
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 5;
	run->internal.data[0] = -err;
	run->internal.data[1] = gpa;
	run->internal.data[2] = rip;
	run->internal.data[3] = insn[0];
	run->internal.data[4] = insn[1];
}
EXPORT_SYMBOL_GPL(vmrun_mmio_report);

bool vmrun_mmio_in_kernel(struct vmrun_mmio *m, struct vmrun_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	for (;;) {
		if (run->mmio.is_write)
			r = vmrun_io_bus_write(vcpu, VMRUN_BUS_MMIO,
					       run->mmio.phys_addr,
					       run->mmio.len, run->mmio.data);
		else
			r = vmrun_io_bus_read(vcpu, VMRUN_BUS_MMIO,
					      run->mmio.phys_addr,
					      run->mmio.len, run->mmio.data);
		if (r)
			return false;
		if (vmrun_mmio_complete(m, run, &vcpu->regs))
			return true;
	}
}
EXPORT_SYMBOL_GPL(vmrun_mmio_in_kernel);
