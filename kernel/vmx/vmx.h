/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmrun-vmx internals: per-CPU VMX state, per-VM and per-vCPU state.
 *
 * VMCS residency: a vCPU's VMCS is active on at most one CPU
 * (vmx->vmcs_cpu, -1 when on none) and sits on that CPU's list of loaded
 * VMCSs. Only that CPU changes its list or clears the VMCS, with
 * interrupts off: another CPU asks it by IPI (vmx_vmcs_load() when the
 * vCPU moves, vCPU destruction), the hotplug and suspend paths clear
 * every VMCS of a CPU that goes down. vmx_vmcs_read()/_write() make the
 * vCPU's VMCS current on this CPU first, so they work anywhere in process
 * context with vcpu->mutex held.
 */
#ifndef VMRUN_VMX_H
#define VMRUN_VMX_H

/* Offsets of the GPRs in struct kvm_regs, for entry.S (checked in run.c). */
#define VMX_REGS_RAX	0
#define VMX_REGS_RBX	8
#define VMX_REGS_RCX	16
#define VMX_REGS_RDX	24
#define VMX_REGS_RSI	32
#define VMX_REGS_RDI	40
#define VMX_REGS_RBP	56
#define VMX_REGS_R8	64
#define VMX_REGS_R9	72
#define VMX_REGS_R10	80
#define VMX_REGS_R11	88
#define VMX_REGS_R12	96
#define VMX_REGS_R13	104
#define VMX_REGS_R14	112
#define VMX_REGS_R15	120

/* The VMCS field encoding of HOST_RSP, for entry.S (checked in run.c). */
#define VMX_HOST_RSP	0x6c14

#ifndef __ASSEMBLY__

#include <linux/list.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <asm/fpu/api.h>
#include <asm/vmx.h>
#include <vmrun/core.h>

#include "../mmu/tdp.h"
#include "../x86/cpuid_abi.h"
#include "../x86/events.h"
#include "../x86/io.h"
#include "../x86/msrs.h"
#include "../x86/vcpu.h"
#include "../x86/xstate.h"

/* IA32_MISC_ENABLE after RESET, as KVM: no BTS, no PEBS. */
#define VMX_MISC_ENABLE_RESET	(MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)

/* Interruption types of the VM-entry/exit interruption-information fields. */
#define VMX_INTR_TYPE(info)	(((info) >> 8) & 7)
#define VMX_TYPE_EXT_INTR	0
#define VMX_TYPE_NMI		2
#define VMX_TYPE_HW_EXCEPTION	3
#define VMX_TYPE_SOFT_INTR	4
#define VMX_TYPE_PRIV_SOFT_EXC	5
#define VMX_TYPE_SOFT_EXC	6

struct vmx_vcpu;

struct vmx_cpu {
	void *vmxon_region;		/* NULL while VMX is off here */
	struct vmx_vcpu *current_vmcs;	/* the VMCS VMPTRLD made current */
	struct list_head loaded;	/* VMCSs active on this CPU */
};

/* What the module found at load: controls and capabilities. */
struct vmx_caps {
	u32 revision;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool vpid;			/* VPID and INVVPID offered */
	bool invept_single;		/* else all-context */
	bool ins_outs_info;		/* instruction info for INS/OUTS */
	u32 slice;			/* preemption timer per entry, 0: off */
};

extern struct vmx_caps vmx_caps;

struct vmx_vm {
	struct vmrun_tdp ept;
	u64 eptp;
	/*
	 * Bumped when the EPT loses entries; a vCPU whose copy is older
	 * runs INVEPT before it enters the guest again.
	 */
	atomic64_t tlb_generation;
};

/* MSRs VT-x does not switch: the guest's are loaded around each entry. */
enum {
	VMX_SWAP_STAR,
	VMX_SWAP_LSTAR,
	VMX_SWAP_CSTAR,
	VMX_SWAP_SFMASK,
	VMX_SWAP_KERNEL_GS_BASE,
	VMX_SWAP_TSC_AUX,
	VMX_NR_SWAP,
};

/* Host segment state VM exit does not bring back. */
struct vmx_host_segs {
	u16 ds, es, fs, gs, ldt;
	unsigned long fs_base;
};

struct vmx_vcpu {
	struct vmrun_vcpu *vcpu;
	void *vmcs;
	u64 vmcs_pa;
	int vmcs_cpu;			/* where it is active, or -1 */
	struct list_head loaded_link;	/* on that CPU's list */
	bool launched;			/* VMRESUME, not VMLAUNCH */
	bool host_cpu_state;		/* per-CPU host fields written */
	u16 vpid;			/* 0: none */

	/* TLB bookkeeping: where the vCPU last entered, and what it saw. */
	int last_cpu;
	u64 tlb_generation;
	bool flush_pending;		/* guest TLB state changed under it */
	bool load_pdptrs;		/* PAE paging set from outside */

	/* Host values last written to the VMCS, to skip equal writes. */
	unsigned long host_cr3, host_cr4;

	u32 proc;			/* CPU_BASED_VM_EXEC_CONTROL now */

	struct fpu_guest fpu;
	u64 xcr0;
	u64 dr[4];
	u64 dr6;
	u64 guest_cr2;			/* VT-x does not switch CR2 */
	u64 swap_msr[VMX_NR_SWAP];	/* the guest's, while not loaded */

	/* Lazily switched host state (run.c, vmx_load_guest_state()). */
	bool guest_state_loaded;	/* on this CPU, until put back */
	struct vmx_host_segs host_segs;
	u64 host_msr[VMX_NR_SWAP];
	struct preempt_notifier preempt;
	u64 apic_base;
	u64 misc_enable;		/* IA32_MISC_ENABLE */
	u64 cr8;
	struct vmrun_vcpu_cpuid cpuid;	/* KVM_SET_CPUID2's table */
	bool has_run;

	struct vmrun_x86_events ev;	/* pending events (x86/events.c) */

	/* The last exits (reason, RIP), for dump_invalid_vmcs's report. */
	struct {
		u32 reason;
		u64 rip, rax, rcx;	/* RAX/RCX as the exit found them */
	} recent[4];
	u8 recent_next;

	struct vmrun_x86_io io;		/* a port I/O or MMIO exit's state */
};

static inline struct vmx_vcpu *to_vmx(struct vmrun_vcpu *vcpu)
{
	return vcpu->priv;
}

static inline struct vmx_vm *to_vmx_vm(struct vmrun_vm *vm)
{
	return vm->priv;
}

/* Raw VMREAD/VMWRITE: the VMCS must be current on this CPU. */
static __always_inline unsigned long __vmx_vmread(unsigned long field)
{
	unsigned long val;

	asm volatile("vmread %1, %0" : "=r"(val) : "r"(field) : "cc");
	return val;
}

static __always_inline void __vmx_vmwrite(unsigned long field,
					  unsigned long val)
{
	asm volatile("vmwrite %1, %0" : : "r"(field), "rm"(val) : "cc");
}

/* entry.S: 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed. */
int vmx_enter_guest(struct kvm_regs *regs, unsigned long launched);
void vmx_vmexit(void);

/* vmx.c */
struct vmx_cpu *vmx_this_cpu(void);

/* vmcs.c */
void vmx_vmcs_load(struct vmx_vcpu *vmx);
void vmx_vmcs_clear(struct vmx_vcpu *vmx);
void vmx_vmcs_clear_cpu(void);
unsigned long vmx_vmcs_read(struct vmx_vcpu *vmx, unsigned long field);
void vmx_vmcs_write(struct vmx_vcpu *vmx, unsigned long field,
		    unsigned long val);
void vmx_vmcs_setup(struct vmrun_vcpu *vcpu);
void vmx_reset(struct vmrun_vcpu *vcpu);
void vmx_host_state_entry(struct vmx_vcpu *vmx);
void vmx_set_efer(struct vmx_vcpu *vmx, u64 efer);
u64 vmx_guest_cr0(struct vmx_vcpu *vmx);
long vmx_get_sregs(struct vmrun_vcpu *vcpu, void __user *argp);
long vmx_set_sregs(struct vmrun_vcpu *vcpu, void __user *argp);
void vmx_cpuid_state(struct vmrun_vcpu *vcpu, struct vmrun_cpuid_state *st);

/* run.c */
int vmx_vcpu_run(struct vmrun_vcpu *vcpu);
void vmx_flush_vm(struct vmrun_vm *vm);
extern const struct vmrun_x86_msr_ops vmx_msr_ops;
extern const struct vmrun_x86_reset_ops vmx_reset_ops;
long vmx_get_msr_index_list(void __user *argp);

/* events.c */
void vmx_prepare_events(struct vmrun_vcpu *vcpu);
void vmx_sync_events(struct vmrun_vcpu *vcpu);
void vmx_report_events(struct vmrun_vcpu *vcpu);
int vmx_exit_intr_window(struct vmrun_vcpu *vcpu);
int vmx_exit_nmi_window(struct vmrun_vcpu *vcpu);
long vmx_get_vcpu_events(struct vmrun_vcpu *vcpu, void __user *argp);
long vmx_set_vcpu_events(struct vmrun_vcpu *vcpu, void __user *argp);

#endif /* __ASSEMBLY__ */
#endif /* VMRUN_VMX_H */
