/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmrun-svm internals: per-CPU SVM state, per-VM and per-vCPU state.
 *
 * Locking: per-CPU state is touched only on its own CPU with preemption
 * off, or by the CPU hotplug callbacks for a CPU that is coming or going.
 * A vCPU's state is its own: KVM_RUN and the state ioctls hold vcpu->mutex.
 */
#ifndef VMRUN_SVM_H
#define VMRUN_SVM_H

/* Offsets of the GPRs in struct kvm_regs, for entry.S (checked in run.c). */
#define SVM_REGS_RAX	0
#define SVM_REGS_RBX	8
#define SVM_REGS_RCX	16
#define SVM_REGS_RDX	24
#define SVM_REGS_RSI	32
#define SVM_REGS_RDI	40
#define SVM_REGS_RSP	48
#define SVM_REGS_RBP	56
#define SVM_REGS_R8	64
#define SVM_REGS_R9	72
#define SVM_REGS_R10	80
#define SVM_REGS_R11	88
#define SVM_REGS_R12	96
#define SVM_REGS_R13	104
#define SVM_REGS_R14	112
#define SVM_REGS_R15	120

#ifndef __ASSEMBLY__

#include <linux/types.h>
#include <asm/svm.h>
#include <asm/fpu/api.h>
#include <vmrun/core.h>

#include "../mmu/tdp.h"
#include "../x86/cpuid_abi.h"
#include "../x86/events.h"
#include "../x86/io.h"
#include "../x86/msrs.h"
#include "../x86/vcpu.h"
#include "../x86/xstate.h"

struct svm_cpu {
	struct page *hsave;		/* VM_HSAVE_PA: VMRUN's host state */
	struct page *host_vmcb;		/* VMSAVE/VMLOAD of host state */
	u64 asid_generation;
	u32 next_asid;
	u32 max_asid;
};

struct svm_vm {
	struct vmrun_tdp npt;
	/*
	 * Bumped when the NPT loses entries; a vCPU whose copy is older
	 * flushes its ASID before it enters the guest.
	 */
	atomic64_t tlb_generation;
};

struct svm_vcpu {
	struct vmcb *vmcb;
	unsigned long vmcb_pa;

	/* ASID and TLB bookkeeping (vcpu->cpu: where it last ran). */
	u32 asid;
	u64 asid_generation;
	u64 tlb_generation;

	struct fpu_guest fpu;
	u64 xcr0;
	u64 dr[4];
	u64 apic_base;
	u64 tsc_aux;
	struct vmrun_vcpu_cpuid cpuid;	/* KVM_SET_CPUID2's table */
	bool has_run;			/* KVM_RUN entered the guest once */

	/* Events: pending ones (x86/events.c), the IRET after an NMI. */
	struct vmrun_x86_events ev;
	bool awaiting_iret;		/* its IRET was seen at iret_rip */
	u64 iret_rip;

	struct vmrun_x86_io io;		/* a port I/O or MMIO exit's state */
};

static inline struct svm_vcpu *to_svm(struct vmrun_vcpu *vcpu)
{
	return vcpu->priv;
}

static inline struct svm_vm *to_svm_vm(struct vmrun_vm *vm)
{
	return vm->priv;
}

/* entry.S */
void svm_enter_guest(struct kvm_regs *regs, unsigned long vmcb_pa,
		     unsigned long host_vmcb_pa);

/* svm.c */
extern unsigned long svm_iopm_pa, svm_msrpm_pa;
struct svm_cpu *svm_this_cpu(void);

/* vmcb.c */
void svm_vmcb_reset(struct vmrun_vcpu *vcpu);
long svm_get_sregs(struct vmrun_vcpu *vcpu, void __user *argp);
long svm_set_sregs(struct vmrun_vcpu *vcpu, void __user *argp);
bool svm_guest_state_valid(const struct vmcb_save_area *s);

/* events.c */
void svm_prepare_events(struct vmrun_vcpu *vcpu);
void svm_report_events(struct vmrun_vcpu *vcpu);
void svm_sync_tpr(struct vmrun_vcpu *vcpu);
int svm_exit_vintr(struct vmrun_vcpu *vcpu);
int svm_exit_iret(struct vmrun_vcpu *vcpu);
long svm_get_vcpu_events(struct vmrun_vcpu *vcpu, void __user *argp);
long svm_set_vcpu_events(struct vmrun_vcpu *vcpu, void __user *argp);

/* vmcb.c, for the CPUID and walker state */
void svm_cpuid_state(struct vmrun_vcpu *vcpu, struct vmrun_cpuid_state *st);

/* run.c */
int svm_vcpu_run(struct vmrun_vcpu *vcpu);
extern const struct vmrun_x86_reset_ops svm_reset_ops;
bool svm_msr_read(struct vmrun_vcpu *vcpu, u32 msr, u64 *val, bool host);
bool svm_msr_write(struct vmrun_vcpu *vcpu, u32 msr, u64 val, bool host);
extern const struct vmrun_x86_msr_ops svm_msr_ops;
long svm_get_msr_index_list(void __user *argp);
void svm_flush_vm(struct vmrun_vm *vm);

#endif /* __ASSEMBLY__ */
#endif /* VMRUN_SVM_H */
