// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN for VT-x: entering the guest, and handling its exits.
 *
 * The guest's general registers live in the core's struct kvm_regs between
 * runs (entry.S loads and saves them there); RSP, RIP and RFLAGS are
 * copied to and from the VMCS around each entry. CR2, the debug
 * registers and the SYSCALL MSRs, which VT-x does not switch, are switched
 * here with interrupts off.
 *
 * TLBs: the guest's translations are tagged with the EPTP (and the vCPU's
 * VPID). A vCPU runs INVEPT for its EPTP before it enters on a CPU other
 * than the one it entered on last, when the VM's EPT lost entries since
 * its last entry (vmx_flush_vm bumps the VM's TLB generation and waits out
 * vCPUs that are in the guest), and when its paging state was set from
 * outside (KVM_SET_SREGS, an emulated CR4 write).
 */
#include <linux/hw_breakpoint.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/desc.h>
#include <asm/hw_breakpoint.h>
#include <asm/msr-index.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/traps.h>
#include <vmrun/core.h>

#include "../irq/irqchip.h"
#include "vmx.h"

static_assert(offsetof(struct kvm_regs, rax) == VMX_REGS_RAX);
static_assert(offsetof(struct kvm_regs, rbx) == VMX_REGS_RBX);
static_assert(offsetof(struct kvm_regs, rcx) == VMX_REGS_RCX);
static_assert(offsetof(struct kvm_regs, rdx) == VMX_REGS_RDX);
static_assert(offsetof(struct kvm_regs, rsi) == VMX_REGS_RSI);
static_assert(offsetof(struct kvm_regs, rdi) == VMX_REGS_RDI);
static_assert(offsetof(struct kvm_regs, rbp) == VMX_REGS_RBP);
static_assert(offsetof(struct kvm_regs, r8) == VMX_REGS_R8);
static_assert(offsetof(struct kvm_regs, r15) == VMX_REGS_R15);
static_assert(VMX_HOST_RSP == HOST_RSP);

/* Leave the guest and continue the run loop; 0 returns to user space. */
#define VMX_CONTINUE	VMRUN_X86_CONTINUE

/* Interruption types (VM-entry and exit interruption information). */

/* What the last exit left for the handlers. */
struct vmx_exit {
	u32 reason;		/* VM_EXIT_REASON, or the VM-instruction error */
	bool vm_fail;		/* VMLAUNCH/VMRESUME itself failed */
	u64 qual;
	u32 len;		/* VM_EXIT_INSTRUCTION_LEN */
	u32 intr_info;
};

static const u32 vmx_swap_msrs[VMX_NR_SWAP] = {
	[VMX_SWAP_STAR] = MSR_STAR,
	[VMX_SWAP_LSTAR] = MSR_LSTAR,
	[VMX_SWAP_CSTAR] = MSR_CSTAR,
	[VMX_SWAP_SFMASK] = MSR_SYSCALL_MASK,
	[VMX_SWAP_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[VMX_SWAP_TSC_AUX] = MSR_TSC_AUX,
};

static void vmx_kick(void *unused)
{
	/* The IPI itself did the work: it made the vCPU exit. */
}

/*
 * Makes every vCPU of @vm flush its TLB before it enters the guest again,
 * and waits until none is still inside. Called under the EPT's spinlock.
 */
void vmx_flush_vm(struct vmrun_vm *vm)
{
	struct vmrun_vcpu *vcpu;
	unsigned long i;

	atomic64_inc(&to_vmx_vm(vm)->tlb_generation);
	/*
	 * Pairs with the barrier in vmx_enter_exit(): the vCPU sees the new
	 * generation, or we see it in the guest and kick it.
	 */
	smp_mb();
	xa_for_each(&vm->vcpus, i, vcpu)
		if (READ_ONCE(vcpu->in_guest))
			smp_call_function_single(READ_ONCE(vcpu->cpu), vmx_kick,
						 NULL, 1);
}

static void vmx_invept(u64 eptp)
{
	struct {
		u64 eptp, reserved;
	} desc = { eptp, 0 };
	unsigned long type = vmx_caps.invept_single ? VMX_EPT_EXTENT_CONTEXT :
			     VMX_EPT_EXTENT_GLOBAL;

	asm volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static void vmx_save_host_segs(struct vmx_host_segs *h)
{
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	store_ldt(h->ldt);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	/* Host selectors must have RPL and TI clear: else reload after. */
	__vmx_vmwrite(HOST_FS_SELECTOR, h->fs & 7 ? 0 : h->fs);
	__vmx_vmwrite(HOST_GS_SELECTOR, h->gs & 7 ? 0 : h->gs);
	__vmx_vmwrite(HOST_FS_BASE, h->fs_base);
}

static void vmx_load_host_segs(const struct vmx_host_segs *h)
{
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	if (h->fs & 7) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs & 7)
		load_gs_index(h->gs);	/* KERNEL_GS_BASE comes back after */
	if (h->ldt)
		asm volatile("lldt %w0" : : "q"(h->ldt));
	/* VM exit leaves the GDT limit at 0xffff and the TSS limit at 0x67. */
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
}

/*
 * The host state VM exit does not restore (segment selectors, FS base, the
 * syscall MSRs and KERNEL_GS_BASE, the GDT and TSS limits) matters only
 * once this task leaves the kernel or another task runs here: it is
 * switched lazily, as KVM does. The guest's goes in before the first
 * entry of a KVM_RUN; the host's comes back when the task is scheduled
 * out (the preempt notifier) or KVM_RUN returns. Interrupts off.
 */
static void vmx_load_guest_state(struct vmx_vcpu *vmx)
{
	int i;

	if (vmx->guest_state_loaded)
		return;
	vmx_save_host_segs(&vmx->host_segs);
	for (i = 0; i < VMX_NR_SWAP; i++) {
		rdmsrl(vmx_swap_msrs[i], vmx->host_msr[i]);
		if (vmx->swap_msr[i] != vmx->host_msr[i])
			wrmsrl(vmx_swap_msrs[i], vmx->swap_msr[i]);
	}
	vmx->guest_state_loaded = true;
}

static void vmx_put_guest_state(struct vmx_vcpu *vmx)
{
	int i;

	if (!vmx->guest_state_loaded)
		return;
	vmx_load_host_segs(&vmx->host_segs);
	/* SWAPGS in the guest changes KERNEL_GS_BASE without an exit. */
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->swap_msr[VMX_SWAP_KERNEL_GS_BASE]);
	for (i = 0; i < VMX_NR_SWAP; i++)
		if (vmx->swap_msr[i] != vmx->host_msr[i])
			wrmsrl(vmx_swap_msrs[i], vmx->host_msr[i]);
	vmx->guest_state_loaded = false;
}

static void vmx_sched_in(struct preempt_notifier *pn, int cpu)
{
}

static void vmx_sched_out(struct preempt_notifier *pn,
			  struct task_struct *next)
{
	vmx_put_guest_state(container_of(pn, struct vmx_vcpu, preempt));
}

static struct preempt_ops vmx_preempt_ops = {
	.sched_in = vmx_sched_in,
	.sched_out = vmx_sched_out,
};

/*
 * A swapped MSR's current value: in the CPU while the guest's state is
 * loaded there, else in swap_msr[].
 */
static u64 vmx_swap_msr_read(struct vmx_vcpu *vmx, int swap)
{
	u64 val;

	preempt_disable();
	if (vmx->guest_state_loaded)
		rdmsrl(vmx_swap_msrs[swap], val);
	else
		val = vmx->swap_msr[swap];
	preempt_enable();
	return val;
}

static void vmx_swap_msr_write(struct vmx_vcpu *vmx, int swap, u64 val)
{
	preempt_disable();
	vmx->swap_msr[swap] = val;
	if (vmx->guest_state_loaded)
		wrmsrl(vmx_swap_msrs[swap], val);
	preempt_enable();
}

/*
 * One VM entry, with everything the host needs back around it. Returns
 * false without entering when a request, a signal or the scheduler came
 * first.
 */
static bool vmx_enter_exit(struct vmrun_vcpu *vcpu, struct vmx_exit *ex)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_vm *vmx_vm = to_vmx_vm(vcpu->vm);
	u64 spec_ctrl = 0, host_xcr0 = 0, gen;
	int cpu, fail;

	preempt_disable();
	vmx_vmcs_load(vmx);
	/* Interrupts stay off until the exit is done: a pending host
	 * interrupt makes the guest exit at once.
	 */
	local_irq_disable();
	cpu = smp_processor_id();
	WRITE_ONCE(vcpu->cpu, cpu);
	WRITE_ONCE(vcpu->in_guest, true);
	/* Pairs with vmx_flush_vm() and vmrun_vcpu_kick(). */
	if (vmrun_vcpu_entry_cancelled(vcpu)) {
		WRITE_ONCE(vcpu->in_guest, false);
		local_irq_enable();
		preempt_enable();
		return false;
	}
	gen = atomic64_read(&vmx_vm->tlb_generation);
	if (vmx->last_cpu != cpu || vmx->tlb_generation != gen ||
	    vmx->flush_pending) {
		vmx_invept(vmx_vm->eptp);
		vmx->last_cpu = cpu;
		vmx->tlb_generation = gen;
		vmx->flush_pending = false;
	}

	vmx_host_state_entry(vmx);
	__vmx_vmwrite(GUEST_RIP, vcpu->regs.rip);
	__vmx_vmwrite(GUEST_RSP, vcpu->regs.rsp);
	__vmx_vmwrite(GUEST_RFLAGS, vcpu->regs.rflags | X86_EFLAGS_FIXED);
	if (vmx_caps.slice)
		__vmx_vmwrite(VMX_PREEMPTION_TIMER_VALUE, vmx_caps.slice);
	vmx_load_guest_state(vmx);

	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (vmx->xcr0 != host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx->xcr0);
	}
	set_debugreg(vmx->dr[0], 0);
	set_debugreg(vmx->dr[1], 1);
	set_debugreg(vmx->dr[2], 2);
	set_debugreg(vmx->dr[3], 3);
	set_debugreg(vmx->dr6, 6);
	if (read_cr2() != vmx->guest_cr2)
		write_cr2(vmx->guest_cr2);
	if (boot_cpu_has(X86_FEATURE_KERNEL_IBRS))
		rdmsrl(MSR_IA32_SPEC_CTRL, spec_ctrl);

	fail = vmx_enter_guest(&vcpu->regs, vmx->launched);

	/* Legacy IBRS protects the host only once written after the exit. */
	if (boot_cpu_has(X86_FEATURE_KERNEL_IBRS))
		native_wrmsrl(MSR_IA32_SPEC_CTRL, spec_ctrl);
	vmx->guest_cr2 = read_cr2();
	get_debugreg(vmx->dr[0], 0);
	get_debugreg(vmx->dr[1], 1);
	get_debugreg(vmx->dr[2], 2);
	get_debugreg(vmx->dr[3], 3);
	get_debugreg(vmx->dr6, 6);
	set_debugreg(DR6_RESERVED, 6);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (host_xcr0 && vmx->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
	WRITE_ONCE(vcpu->in_guest, false);

	memset(ex, 0, sizeof(*ex));
	if (fail) {
		ex->vm_fail = true;
		ex->reason = __vmx_vmread(VM_INSTRUCTION_ERROR);
	} else {
		ex->reason = __vmx_vmread(VM_EXIT_REASON);
		if (!(ex->reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			vmx->launched = true;
		ex->qual = __vmx_vmread(EXIT_QUALIFICATION);
		ex->len = __vmx_vmread(VM_EXIT_INSTRUCTION_LEN);
		ex->intr_info = __vmx_vmread(VM_EXIT_INTR_INFO);
		vcpu->regs.rip = __vmx_vmread(GUEST_RIP);
		vcpu->regs.rsp = __vmx_vmread(GUEST_RSP);
		vcpu->regs.rflags = __vmx_vmread(GUEST_RFLAGS);

		/* The host's NMI or machine check: its handler runs now. */
		if ((u16)ex->reason == EXIT_REASON_EXCEPTION_NMI &&
		    (ex->intr_info & INTR_INFO_VALID_MASK)) {
			if (VMX_INTR_TYPE(ex->intr_info) == VMX_TYPE_NMI)
				asm volatile("int $2");
			else if ((ex->intr_info & 0xff) == MC_VECTOR)
				asm volatile("int $0x12");
		}
	}
	local_irq_enable();
	preempt_enable();
	return true;
}

/* An event whose delivery the exit interrupted is delivered again. */
static void vmx_reinject(struct vmx_vcpu *vmx, const struct vmx_exit *ex)
{
	u32 info = vmx_vmcs_read(vmx, IDT_VECTORING_INFO_FIELD);
	u32 type = VMX_INTR_TYPE(info);

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmx_vmcs_write(vmx, VM_ENTRY_EXCEPTION_ERROR_CODE,
			       vmx_vmcs_read(vmx, IDT_VECTORING_ERROR_CODE));
	if (type == VMX_TYPE_SOFT_INTR || type == VMX_TYPE_PRIV_SOFT_EXC ||
	    type == VMX_TYPE_SOFT_EXC)
		vmx_vmcs_write(vmx, VM_ENTRY_INSTRUCTION_LEN, ex->len);
	/* Vector, type and deliver-error-code; bit 12 is undefined here. */
	vmx_vmcs_write(vmx, VM_ENTRY_INTR_INFO_FIELD,
		       info & (VECTORING_INFO_VALID_MASK |
			       VECTORING_INFO_DELIVER_CODE_MASK | 0x7ff));
}

static bool vmx_protected(struct vmx_vcpu *vmx)
{
	return vmx_vmcs_read(vmx, GUEST_CR0) & X86_CR0_PE;
}

static void vmx_inject(struct vmx_vcpu *vmx, u8 vector, bool has_error)
{
	u32 info = vector | (VMX_TYPE_HW_EXCEPTION << 8) | INTR_INFO_VALID_MASK;

	/* Real mode pushes no error code; VM entry insists. */
	if (has_error && vmx_protected(vmx)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmx_vmcs_write(vmx, VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
	}
	vmx_vmcs_write(vmx, VM_ENTRY_INTR_INFO_FIELD, info);
}

/* Past the exiting instruction; a STI or MOV SS shadow ends with it. */
static void vmx_skip(struct vmrun_vcpu *vcpu, const struct vmx_exit *ex)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 intr = vmx_vmcs_read(vmx, GUEST_INTERRUPTIBILITY_INFO);

	vcpu->regs.rip += ex->len;
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmx_vmcs_write(vmx, GUEST_INTERRUPTIBILITY_INFO,
			       intr & ~(GUEST_INTR_STATE_STI |
					GUEST_INTR_STATE_MOV_SS));
}

static int vmx_internal_error(struct vmrun_vcpu *vcpu, u32 suberror,
			      const struct vmx_exit *ex)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 4;
	run->internal.data[0] = ex->reason;
	run->internal.data[1] = ex->qual;
	run->internal.data[2] = ex->intr_info;
	run->internal.data[3] = vcpu->regs.rip;
	return 0;
}

static enum vmrun_emul_mode vmx_cpu_mode(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 cs_ar = vmx_vmcs_read(vmx, GUEST_CS_AR_BYTES);

	return vmrun_emul_cpu_mode(vmx_protected(vmx),
				   vcpu->regs.rflags & X86_EFLAGS_VM,
				   vmx_vmcs_read(vmx, GUEST_IA32_EFER) & EFER_LMA,
				   cs_ar & BIT(13), cs_ar & BIT(14));
}

/* The guest's paging state, for kernel/x86/gwalk.c. */
static void vmx_paging(struct vmx_vcpu *vmx, struct vmrun_gwalk_paging *pg)
{
	pg->cr0 = vmx_guest_cr0(vmx);
	pg->cr3 = vmx_vmcs_read(vmx, GUEST_CR3);
	pg->cr4 = vmx_vmcs_read(vmx, CR4_READ_SHADOW);
	pg->efer = vmx_vmcs_read(vmx, GUEST_IA32_EFER);
	pg->maxphyaddr = vmrun_x86_cpuid_maxphyaddr(&vmx->cpuid);
	pg->gbpages = boot_cpu_has(X86_FEATURE_GBPAGES);
}

/* Access bits of a data access at the vCPU's privilege level. */
static unsigned int vmx_access(struct vmrun_vcpu *vcpu)
{
	u32 ss_ar = vmx_vmcs_read(to_vmx(vcpu), GUEST_SS_AR_BYTES);

	return (((ss_ar >> 5) & 3) == 3 ? VMRUN_GWALK_USER : 0) |
	       (vcpu->regs.rflags & X86_EFLAGS_AC ? VMRUN_GWALK_AC : 0);
}

/* Up to VMRUN_EMUL_MAX_LEN bytes at CS:RIP; returns how many it got. */
static unsigned int vmx_fetch_insn(struct vmrun_vcpu *vcpu,
				   enum vmrun_emul_mode mode, u8 *bytes)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmrun_gwalk_paging pg;

	vmx_paging(vmx, &pg);
	return vmrun_x86_fetch_insn(vcpu, &pg,
				    vmx_vmcs_read(vmx, GUEST_CS_BASE),
				    vmx_access(vcpu), mode, bytes);
}

static void vmx_inject_fault(struct vmx_vcpu *vmx, int kind,
			     const struct vmrun_gwalk_result *res)
{
	if (kind == VMRUN_GWALK_PF) {
		vmx->guest_cr2 = res->fault_la;
		vmx_inject(vmx, PF_VECTOR, true);
		vmx_vmcs_write(vmx, VM_ENTRY_EXCEPTION_ERROR_CODE,
			       res->error_code);
	} else {
		vmx_inject(vmx, GP_VECTOR, true);
	}
}

/* INS/OUTS, REP or not: kernel/x86/pio.c moves the data. */
static int vmx_exit_io_string(struct vmrun_vcpu *vcpu,
			      const struct vmx_exit *ex, unsigned int size,
			      bool in)
{
	/* The segment registers in instruction-information order. */
	static const unsigned long seg_bases[] = {
		GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE, GUEST_DS_BASE,
		GUEST_FS_BASE, GUEST_GS_BASE,
	};
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	enum vmrun_emul_mode mode = vmx_cpu_mode(vcpu);
	struct vmrun_gwalk_result fault;
	struct vmrun_pio_op op = {
		.port = ex->qual >> 16,
		.size = size,
		.in = in,
		.rep = ex->qual & BIT(5),
		.next_rip = vcpu->regs.rip + ex->len,
		.access = vmx_access(vcpu),
	};
	unsigned int seg;
	u32 info;
	int r;

	if (!vmx_caps.ins_outs_info)
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, ex);
	info = vmx_vmcs_read(vmx, VMX_INSTRUCTION_INFO);
	op.addr_size = 2 << ((info >> 7) & 7);
	seg = in ? 0 : (info >> 15) & 7;	/* INS writes ES:rDI */
	if (op.addr_size > 8 || seg >= ARRAY_SIZE(seg_bases))
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, ex);
	/* In 64-bit mode only FS and GS have a base. */
	if (mode == VMRUN_EMUL_MODE64 && seg != 4 && seg != 5)
		op.seg_base = 0;
	else
		op.seg_base = vmx_vmcs_read(vmx, seg_bases[seg]);
	vmx_paging(vmx, &op.paging);

	r = vmrun_x86_io_pio_string(vcpu, &vmx->io, &op, &fault);
	if (r == 1)
		return VMX_CONTINUE;	/* a zero count: nothing moved */
	if (r == VMRUN_GWALK_PF || r == VMRUN_GWALK_GP) {
		vmx_inject_fault(vmx, r, &fault);
		return VMX_CONTINUE;
	}
	if (r < 0)
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, ex);
	return 0;
}

static int vmx_exit_io(struct vmrun_vcpu *vcpu, const struct vmx_exit *ex)
{
	unsigned int size = (ex->qual & 7) + 1;
	bool in = ex->qual & BIT(3);
	int r;

	if (ex->qual & BIT(4))
		return vmx_exit_io_string(vcpu, ex, size, in);

	r = vmrun_x86_io_pio(vcpu, &to_vmx(vcpu)->io, ex->qual >> 16, size,
			     in);
	vmx_skip(vcpu, ex);
	return r;
}

static int vmx_exit_mmio(struct vmrun_vcpu *vcpu, u64 gpa)
{
	enum vmrun_emul_mode mode = vmx_cpu_mode(vcpu);
	u8 bytes[VMRUN_EMUL_MAX_LEN];
	unsigned int n;

	n = vmx_fetch_insn(vcpu, mode, bytes);
	return vmrun_x86_io_mmio(vcpu, &to_vmx(vcpu)->io, gpa, bytes, n, mode);
}

/* EPT violation: map guest RAM, or emulate the MMIO access. */
static int vmx_exit_ept(struct vmrun_vcpu *vcpu, const struct vmx_exit *ex)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 gpa = vmx_vmcs_read(vmx, GUEST_PHYSICAL_ADDRESS);
	bool write = ex->qual & EPT_VIOLATION_ACC_WRITE;
	int r;

	r = vmrun_tdp_fault(&to_vmx_vm(vcpu->vm)->ept, gpa, write);
	if (r < 0)
		return r;	/* the slot's memory is gone: KVM_RUN fails */
	if (r == VMRUN_TDP_MAPPED)
		return VMX_CONTINUE;
	/* Code in MMIO, or MMIO met while delivering an event: not emulated. */
	if ((ex->qual & EPT_VIOLATION_ACC_INSTR) ||
	    (vmx_vmcs_read(vmx, IDT_VECTORING_INFO_FIELD) &
	     VECTORING_INFO_VALID_MASK))
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, ex);
	return vmx_exit_mmio(vcpu, gpa);
}

/*
 * CPUID answers from the table user space set with KVM_SET_CPUID2, by
 * KVM's rules (kernel/x86/cpuid.c); with none set, every leaf reads 0.
 */
static int vmx_exit_cpuid(struct vmrun_vcpu *vcpu, const struct vmx_exit *ex)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmrun_cpuid_state st;
	struct vmrun_cpuid_regs out;

	vmx_cpuid_state(vcpu, &st);
	vmrun_cpuid_lookup(vmx->cpuid.entries, vmx->cpuid.nent,
			   vcpu->regs.rax, vcpu->regs.rcx, &st, &out);
	vcpu->regs.rax = out.eax;
	vcpu->regs.rbx = out.ebx;
	vcpu->regs.rcx = out.ecx;
	vcpu->regs.rdx = out.edx;
	vmx_skip(vcpu, ex);
	return VMX_CONTINUE;
}

/* The GPR a register number of an exit qualification names. */
static u64 *vmx_gpr(struct vmrun_vcpu *vcpu, unsigned int n)
{
	u64 *gprs[16] = {
		&vcpu->regs.rax, &vcpu->regs.rcx, &vcpu->regs.rdx,
		&vcpu->regs.rbx, &vcpu->regs.rsp, &vcpu->regs.rbp,
		&vcpu->regs.rsi, &vcpu->regs.rdi, &vcpu->regs.r8,
		&vcpu->regs.r9, &vcpu->regs.r10, &vcpu->regs.r11,
		&vcpu->regs.r12, &vcpu->regs.r13, &vcpu->regs.r14,
		&vcpu->regs.r15,
	};

	return gprs[n & 15];
}

#define VMX_PDPTR(i)	(GUEST_PDPTR0 + 2 * (i))

/* PAE paging (not long mode) takes its PDPTEs from the VMCS with EPT. */
static void vmx_load_pdptrs(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 cr0 = vmx_vmcs_read(vmx, GUEST_CR0);
	u64 cr4 = vmx_vmcs_read(vmx, GUEST_CR4);
	u64 pdpte[4] = { 0 };
	int i;

	vmx->load_pdptrs = false;
	if (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE) ||
	    (vmx_vmcs_read(vmx, GUEST_IA32_EFER) & EFER_LMA))
		return;
	/* Not guest RAM: not present, and the guest faults as it goes. */
	if (vmrun_guest_read(vcpu->vm, vmx_vmcs_read(vmx, GUEST_CR3) & 0xffffffe0,
			     pdpte, sizeof(pdpte)) != sizeof(pdpte))
		memset(pdpte, 0, sizeof(pdpte));
	for (i = 0; i < 4; i++)
		vmx_vmcs_write(vmx, VMX_PDPTR(i), pdpte[i]);
}

/*
 * MOV to CR0 that changes NE, the one bit the host owns; the rest of the
 * write is done here too, long mode's LMA included.
 */
static int vmx_write_cr0(struct vmrun_vcpu *vcpu, u64 val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 old = vmx_guest_cr0(vmx);
	u64 efer = vmx_vmcs_read(vmx, GUEST_IA32_EFER);
	u64 cr4 = vmx_vmcs_read(vmx, CR4_READ_SHADOW);

	val = (u32)val | X86_CR0_ET;
	if (((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
	    ((val & X86_CR0_PG) && !(val & X86_CR0_PE)))
		return -EINVAL;
	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(cr4 & X86_CR4_PAE))
			return -EINVAL;
		vmx_set_efer(vmx, efer | EFER_LMA);
	} else if ((old & X86_CR0_PG) && !(val & X86_CR0_PG) &&
		   (efer & EFER_LMA)) {
		vmx_set_efer(vmx, efer & ~EFER_LMA);
	}
	vmx_vmcs_write(vmx, CR0_READ_SHADOW, val);
	vmx_vmcs_write(vmx, GUEST_CR0, val | X86_CR0_NE);
	vmx->flush_pending = true;
	vmx->load_pdptrs = true;
	return 0;
}

/*
 * MOV to CR4: the guest sets only the bits its CPUID offers and the SDM's
 * rules hold (as svm_exit_write_cr4()); #GP otherwise.
 */
static int vmx_write_cr4(struct vmrun_vcpu *vcpu, u64 val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 old = vmx_vmcs_read(vmx, CR4_READ_SHADOW);
	u64 efer = vmx_vmcs_read(vmx, GUEST_IA32_EFER);

	if ((val & ~vmrun_x86_guest_cr4_mask(&vmx->cpuid)) ||
	    ((efer & EFER_LMA) && !(val & X86_CR4_PAE)) ||
	    ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	     (!(efer & EFER_LMA) || (vmx_vmcs_read(vmx, GUEST_CR3) & 0xfff))))
		return -EINVAL;
	vmx_vmcs_write(vmx, CR4_READ_SHADOW, val);
	vmx_vmcs_write(vmx, GUEST_CR4, val | X86_CR4_VMXE);
	/* A paging bit changed: the guest's TLB goes, as the SDM says. */
	if ((old ^ val) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE |
			   X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP))
		vmx->flush_pending = true;
	vmx->load_pdptrs = true;
	return 0;
}

static int vmx_exit_cr(struct vmrun_vcpu *vcpu, const struct vmx_exit *ex)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned int cr = ex->qual & 15, type = (ex->qual >> 4) & 3;
	u64 *reg = vmx_gpr(vcpu, ex->qual >> 8);
	u64 val = *reg;
	int r = 0;

	if (vmx_cpu_mode(vcpu) != VMRUN_EMUL_MODE64)
		val = (u32)val;
	if (type == 0 && cr == 0) {
		r = vmx_write_cr0(vcpu, val);
	} else if (type == 0 && cr == 4) {
		r = vmx_write_cr4(vcpu, val);
	} else if (type == 0 && cr == 8) {
		if (val & ~0xfULL)
			r = -EINVAL;
		else if (vcpu->apic)
			vmrun_irqchip_set_cr8(vcpu, val);
		else
			vmx->cr8 = val;
	} else if (type == 1 && cr == 8) {
		*reg = vcpu->apic ? vmrun_irqchip_get_cr8(vcpu) : vmx->cr8;
	} else {
		return vmx_internal_error(vcpu,
					  KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					  ex);
	}
	if (r) {
		vmx_inject(vmx, GP_VECTOR, true);
		return VMX_CONTINUE;
	}
	vmx_skip(vcpu, ex);
	return VMX_CONTINUE;
}

/* MSRs kept in the VMCS, and where. */
static unsigned long vmx_msr_field(u32 msr)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS:
		return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return GUEST_SYSENTER_EIP;
	case MSR_FS_BASE:
		return GUEST_FS_BASE;
	case MSR_GS_BASE:
		return GUEST_GS_BASE;
	default:
		return 0;
	}
}

static int vmx_swap_index(u32 msr)
{
	int i;

	for (i = 0; i < VMX_NR_SWAP; i++)
		if (vmx_swap_msrs[i] == msr)
			return i;
	return -1;
}

/*
 * The MSRs vmx_msr_read() answers for every vCPU, in the order
 * KVM_GET_MSR_INDEX_LIST gives them; vmx_msr_read() and vmx_msr_write()
 * refuse any other unless the in-kernel LAPIC takes it (its x2APIC range
 * and TSC_DEADLINE). PAT stays last: it is there only where VM entry and
 * exit switch it. Add an MSR here and to their switches, together.
 */
static const u32 vmx_msrs[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_TSC, MSR_TSC_AUX, MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE,
	MSR_IA32_UCODE_REV, MSR_IA32_CR_PAT,
};

/*
 * Intel MSRs Linux reads without a fault handler on an Intel CPU (the
 * boot decompressor's verify_cpu and early_init_intel): MISC_ENABLE
 * starts as KVM's (VMX_MISC_ENABLE_RESET) and keeps what is written; the
 * microcode revision reads as KVM's default and ignores writes (the guest
 * writes 0 before the CPUID that latches it).
 */
#define VMX_UCODE_REV		0x100000000ULL

static u32 vmx_nr_msrs(void)
{
	return ARRAY_SIZE(vmx_msrs) -
	       !(vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT);
}

long vmx_get_msr_index_list(void __user *argp)
{
	return vmrun_x86_msr_index_list(argp, vmx_msrs, vmx_nr_msrs());
}

/*
 * RDMSR, and KVM_GET_MSRS with @host set: false if the MSR does not exist
 * (the guest gets #GP).
 */
static bool vmx_msr_read(struct vmrun_vcpu *vcpu, u32 msr, u64 *val,
			 bool host)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long field = vmx_msr_field(msr);
	int swap = vmx_swap_index(msr);
	int r = vmrun_irqchip_msr_read(vcpu, msr, val);

	if (r != -ENOENT)
		return !r;
	if (!vmrun_x86_msr_in(vmx_msrs, vmx_nr_msrs(), msr))
		return false;

	if (field) {
		*val = vmx_vmcs_read(vmx, field);
		return true;
	}
	if (swap >= 0) {
		*val = vmx_swap_msr_read(vmx, swap);
		return true;
	}
	switch (msr) {
	case MSR_EFER:
		*val = vmx_vmcs_read(vmx, GUEST_IA32_EFER);
		return true;
	case MSR_IA32_CR_PAT:
		if (!(vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT))
			return false;
		*val = vmx_vmcs_read(vmx, GUEST_IA32_PAT);
		return true;
	case MSR_IA32_TSC:
		*val = rdtsc() + vmx_vmcs_read(vmx, TSC_OFFSET);
		return true;
	case MSR_IA32_APICBASE:
		*val = vmx->apic_base;
		return true;
	case MSR_IA32_MISC_ENABLE:
		*val = vmx->misc_enable;
		return true;
	case MSR_IA32_UCODE_REV:
		*val = VMX_UCODE_REV;
		return true;
	default:
		return false;
	}
}

/* EFER bits a guest may set: those of the features vmrun runs guests with. */
#define VMX_GUEST_EFER	(EFER_SCE | EFER_LME | EFER_NX)

/*
 * WRMSR, and KVM_SET_MSRS with @host set (which may write what the guest
 * may not, as KVM's host_initiated): false means #GP.
 */
static bool vmx_msr_write(struct vmrun_vcpu *vcpu, u32 msr, u64 val,
			  bool host)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long field = vmx_msr_field(msr);
	int swap = vmx_swap_index(msr);
	bool canonical = vmrun_x86_canonical(val);
	int r = vmrun_irqchip_msr_write(vcpu, msr, val,
					rdtsc() + vmx_vmcs_read(vmx, TSC_OFFSET),
					host);
	u64 efer;

	if (r != -ENOENT)
		return !r;
	if (!vmrun_x86_msr_in(vmx_msrs, vmx_nr_msrs(), msr))
		return false;

	if (field) {
		if (msr != MSR_IA32_SYSENTER_CS && !canonical)
			return false;
		vmx_vmcs_write(vmx, field, val);
		return true;
	}
	if (swap >= 0) {
		/* The address MSRs must be canonical, or WRMSR faults. */
		if ((swap == VMX_SWAP_LSTAR || swap == VMX_SWAP_CSTAR ||
		     swap == VMX_SWAP_KERNEL_GS_BASE) && !canonical)
			return false;
		/* TSC_AUX has 32 bits: WRMSR would fault on the others. */
		if (swap == VMX_SWAP_TSC_AUX && (val >> 32))
			return false;
		vmx_swap_msr_write(vmx, swap, val);
		return true;
	}
	switch (msr) {
	case MSR_EFER:
		efer = vmx_vmcs_read(vmx, GUEST_IA32_EFER);
		if (val & ~(VMX_GUEST_EFER | EFER_LMA))
			return false;
		/* LME cannot change while paging is on. */
		if (((val ^ efer) & EFER_LME) &&
		    (vmx_guest_cr0(vmx) & X86_CR0_PG))
			return false;
		/* LMA follows CR0.PG: the guest cannot write it. */
		vmx_set_efer(vmx, (val & VMX_GUEST_EFER) | (efer & EFER_LMA));
		return true;
	case MSR_IA32_CR_PAT:
		if (!(vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT) ||
		    !vmrun_x86_pat_valid(val))
			return false;
		vmx_vmcs_write(vmx, GUEST_IA32_PAT, val);
		return true;
	case MSR_IA32_TSC:
		vmx_vmcs_write(vmx, TSC_OFFSET, val - rdtsc());
		return true;
	case MSR_IA32_APICBASE:
		vmx->apic_base = val;
		return true;
	case MSR_IA32_MISC_ENABLE:
		vmx->misc_enable = val;
		return true;
	case MSR_IA32_UCODE_REV:
		return true;
	default:
		return false;
	}
}

const struct vmrun_x86_msr_ops vmx_msr_ops = {
	.read = vmx_msr_read,
	.write = vmx_msr_write,
};

static int vmx_exit_msr(struct vmrun_vcpu *vcpu, const struct vmx_exit *ex,
			bool write)
{
	u32 msr = vcpu->regs.rcx;
	u64 val;

	if (write) {
		val = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;
		if (!vmx_msr_write(vcpu, msr, val, false)) {
			vmx_inject(to_vmx(vcpu), GP_VECTOR, true);
			return VMX_CONTINUE;
		}
	} else {
		if (!vmx_msr_read(vcpu, msr, &val, false)) {
			vmx_inject(to_vmx(vcpu), GP_VECTOR, true);
			return VMX_CONTINUE;
		}
		vcpu->regs.rax = (u32)val;
		vcpu->regs.rdx = val >> 32;
	}
	vmx_skip(vcpu, ex);
	return VMX_CONTINUE;
}

/*
 * A VMCS that VM entry refused, or whose guest triple-faulted: with this
 * parameter set, its state and the last exits go to the kernel log (KVM's
 * parameter of the same name covers the first case).
 */
static bool dump_invalid_vmcs;
module_param(dump_invalid_vmcs, bool, 0644);
MODULE_PARM_DESC(dump_invalid_vmcs, "log the state of a VMCS that VM entry refused");

static void vmx_dump_vmcs(struct vmrun_vcpu *vcpu, u32 reason)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned int i;

	if (!READ_ONCE(dump_invalid_vmcs))
		return;
	pr_info_ratelimited("vmrun-vmx: vCPU %u: exit or entry failure %x: cr0 %lx cr3 %lx cr4 %lx efer %lx rip %llx rflags %llx entry %lx event %lx\n",
			    vcpu->id, reason, vmx_vmcs_read(vmx, GUEST_CR0),
			    vmx_vmcs_read(vmx, GUEST_CR3),
			    vmx_vmcs_read(vmx, GUEST_CR4),
			    vmx_vmcs_read(vmx, GUEST_IA32_EFER),
			    vcpu->regs.rip, vcpu->regs.rflags,
			    vmx_vmcs_read(vmx, VM_ENTRY_CONTROLS),
			    vmx_vmcs_read(vmx, VM_ENTRY_INTR_INFO_FIELD));
	pr_info_ratelimited("vmrun-vmx:   cs %lx/%lx/%lx/%lx ss %lx/%lx tr %lx/%lx ldtr %lx intr %lx activity %lx\n",
			    vmx_vmcs_read(vmx, GUEST_CS_SELECTOR),
			    vmx_vmcs_read(vmx, GUEST_CS_AR_BYTES),
			    vmx_vmcs_read(vmx, GUEST_CS_BASE),
			    vmx_vmcs_read(vmx, GUEST_CS_LIMIT),
			    vmx_vmcs_read(vmx, GUEST_SS_SELECTOR),
			    vmx_vmcs_read(vmx, GUEST_SS_AR_BYTES),
			    vmx_vmcs_read(vmx, GUEST_TR_SELECTOR),
			    vmx_vmcs_read(vmx, GUEST_TR_AR_BYTES),
			    vmx_vmcs_read(vmx, GUEST_LDTR_AR_BYTES),
			    vmx_vmcs_read(vmx, GUEST_INTERRUPTIBILITY_INFO),
			    vmx_vmcs_read(vmx, GUEST_ACTIVITY_STATE));
	for (i = 0; i < ARRAY_SIZE(vmx->recent); i++) {
		unsigned int n = (vmx->recent_next + i) % ARRAY_SIZE(vmx->recent);

		pr_info_ratelimited("vmrun-vmx:   exit %u at rip %llx rax %llx rcx %llx\n",
				    vmx->recent[n].reason, vmx->recent[n].rip,
				    vmx->recent[n].rax, vmx->recent[n].rcx);
	}
}

static int vmx_exit_xsetbv(struct vmrun_vcpu *vcpu, const struct vmx_exit *ex)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 val = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;
	u32 ss_ar = vmx_vmcs_read(vmx, GUEST_SS_AR_BYTES);

	/* XCR0 only, from CPL 0, by the rules of vmrun_x86_xcr0_valid(). */
	if ((u32)vcpu->regs.rcx != XCR_XFEATURE_ENABLED_MASK ||
	    ((ss_ar >> 5) & 3) != 0 || !vmrun_x86_xcr0_valid(&vmx->fpu, val)) {
		vmx_inject(vmx, GP_VECTOR, true);
		return VMX_CONTINUE;
	}
	vmx->xcr0 = val;
	vmx_skip(vcpu, ex);
	return VMX_CONTINUE;
}

static int vmx_fail_entry(struct vmrun_vcpu *vcpu, u64 reason)
{
	struct kvm_run *run = vcpu->run;

	vmx_dump_vmcs(vcpu, reason);
	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason;
	run->fail_entry.cpu = READ_ONCE(vcpu->cpu);
	return 0;
}

static int vmx_handle_exit(struct vmrun_vcpu *vcpu, const struct vmx_exit *ex)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;

	if (ex->vm_fail)
		return vmx_fail_entry(vcpu, ex->reason);
	if (ex->reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		return vmx_fail_entry(vcpu, ex->reason);

	vmx_reinject(vmx, ex);

	switch ((u16)ex->reason) {
	case EXIT_REASON_EXCEPTION_NMI:
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		return VMX_CONTINUE;	/* the host took it (enter_exit) */
	case EXIT_REASON_PREEMPTION_TIMER:
		return VMX_CONTINUE;	/* the slice ended (vmx.c, slice_us) */
	case EXIT_REASON_TRIPLE_FAULT:
		vmx_dump_vmcs(vcpu, ex->reason);
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 0;
	case EXIT_REASON_HLT:
		vmx_skip(vcpu, ex);
		if (vcpu->apic) {
			/* The in-kernel irqchip wakes it: wait in the run loop. */
			vcpu->mp_state = KVM_MP_STATE_HALTED;
			return VMX_CONTINUE;
		}
		run->exit_reason = KVM_EXIT_HLT;
		return 0;
	case EXIT_REASON_INTERRUPT_WINDOW:
		return vmx_exit_intr_window(vcpu);
	case EXIT_REASON_NMI_WINDOW:
		return vmx_exit_nmi_window(vcpu);
	case EXIT_REASON_IO_INSTRUCTION:
		return vmx_exit_io(vcpu, ex);
	case EXIT_REASON_EPT_VIOLATION:
		return vmx_exit_ept(vcpu, ex);
	case EXIT_REASON_EPT_MISCONFIG:
		/*
		 * kernel/mmu never writes a misconfigured entry (no MMIO
		 * caching in the EPT): one means an EPT bug. The VM stops with
		 * an internal error; the host is untouched.
		 */
		pr_warn_ratelimited("vmrun-vmx: vCPU %u: EPT misconfiguration at GPA %lx\n",
				    vcpu->id,
				    vmx_vmcs_read(to_vmx(vcpu), GUEST_PHYSICAL_ADDRESS));
		return vmx_internal_error(vcpu,
					  KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					  ex);
	case EXIT_REASON_CPUID:
		return vmx_exit_cpuid(vcpu, ex);
	case EXIT_REASON_CR_ACCESS:
		return vmx_exit_cr(vcpu, ex);
	case EXIT_REASON_MSR_READ:
		return vmx_exit_msr(vcpu, ex, false);
	case EXIT_REASON_MSR_WRITE:
		return vmx_exit_msr(vcpu, ex, true);
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		/* Caches are coherent for the guest: nothing to write back. */
		vmx_skip(vcpu, ex);
		return VMX_CONTINUE;
	case EXIT_REASON_XSETBV:
		return vmx_exit_xsetbv(vcpu, ex);
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_MONITOR_INSTRUCTION:
		/* No nested VMX, no hypercalls, no MONITOR/MWAIT. */
		vmx_inject(vmx, UD_VECTOR, false);
		return VMX_CONTINUE;
	default:
		return vmx_internal_error(vcpu,
					  KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					  ex);
	}
}

/* INIT: the state after RESET but for the TSC, which runs on (SDM 9.1). */
static void vmx_init_reset(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 tsc_offset = vmx_vmcs_read(vmx, TSC_OFFSET);
	u64 misc_enable = vmx->misc_enable;

	vmx_reset(vcpu);
	vmx_vmcs_write(vmx, TSC_OFFSET, tsc_offset);
	vmx->misc_enable = misc_enable;		/* as KVM: RESET only */
	memset(&vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->regs.rip = 0xfff0;
	vcpu->regs.rflags = 0x2;
}

/* SIPI: real mode at vector << 12, CS:IP = (vector << 8):0. */
static void vmx_sipi(struct vmrun_vcpu *vcpu, u8 vector)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vmcs_write(vmx, GUEST_CS_SELECTOR, vector << 8);
	vmx_vmcs_write(vmx, GUEST_CS_BASE, (u64)vector << 12);
	vcpu->regs.rip = 0;
}

const struct vmrun_x86_reset_ops vmx_reset_ops = {
	.init = vmx_init_reset,
	.sipi = vmx_sipi,
};

int vmx_vcpu_run(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;
	struct vmx_exit ex;
	int r;

	r = vmrun_x86_io_run_begin(vcpu, &vmx->io);
	if (r != VMX_CONTINUE) {
		vmx_report_events(vcpu);
		return r;
	}

	fpu_swap_kvm_fpstate(&vmx->fpu, true);
	preempt_notifier_init(&vmx->preempt, &vmx_preempt_ops);
	preempt_disable();
	preempt_notifier_register(&vmx->preempt);
	preempt_enable();
	do {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		cond_resched();
		if (vcpu->apic) {
			r = vmrun_x86_irqchip_events(vcpu, &vmx->ev,
						     &vmx_reset_ops);
			if (r != VMX_CONTINUE)
				break;
		} else {
			/* Only the in-kernel irqchip makes requests. */
			clear_bit(VMRUN_REQ_EVENT, &vcpu->requests);
		}
		vmx_prepare_events(vcpu);
		if (vmx->load_pdptrs)
			vmx_load_pdptrs(vcpu);
		vmx->has_run = true;
		if (!vmx_enter_exit(vcpu, &ex)) {
			r = VMX_CONTINUE;	/* a request or signal came first */
			continue;
		}
		vmx_sync_events(vcpu);
		vmx->recent[vmx->recent_next].reason = ex.reason;
		vmx->recent[vmx->recent_next].rip = vcpu->regs.rip;
		vmx->recent[vmx->recent_next].rax = vcpu->regs.rax;
		vmx->recent[vmx->recent_next].rcx = vcpu->regs.rcx;
		vmx->recent_next = (vmx->recent_next + 1) % ARRAY_SIZE(vmx->recent);
		r = vmx_handle_exit(vcpu, &ex);
	} while (r == VMX_CONTINUE);
	preempt_disable();
	preempt_notifier_unregister(&vmx->preempt);
	vmx_put_guest_state(vmx);
	preempt_enable();
	fpu_swap_kvm_fpstate(&vmx->fpu, false);
	vmx_report_events(vcpu);
	return r;
}
