// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN for SVM: entering the guest, and handling its exits.
 *
 * The guest's general registers live in the core's struct kvm_regs between
 * runs (entry.S loads and saves them there); RAX, RSP, RIP and RFLAGS are
 * copied to and from the VMCB around each VMRUN.
 *
 * TLBs: each vCPU has an ASID on the CPU it last ran on. A vCPU takes a new
 * ASID when it moves, when its CPU starts a new ASID generation (all ASIDs
 * flushed), or when the VM's NPT lost entries since its last entry
 * (svm_flush_vm bumps the VM's TLB generation and waits out vCPUs that are
 * in the guest).
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/hw_breakpoint.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/hw_breakpoint.h>
#include <asm/msr-index.h>
#include <asm/trap_pf.h>
#include <asm/traps.h>
#include <vmrun/core.h>

#include "../irq/irqchip.h"
#include "svm.h"

static_assert(offsetof(struct kvm_regs, rax) == SVM_REGS_RAX);
static_assert(offsetof(struct kvm_regs, rbx) == SVM_REGS_RBX);
static_assert(offsetof(struct kvm_regs, rcx) == SVM_REGS_RCX);
static_assert(offsetof(struct kvm_regs, rdx) == SVM_REGS_RDX);
static_assert(offsetof(struct kvm_regs, rsi) == SVM_REGS_RSI);
static_assert(offsetof(struct kvm_regs, rdi) == SVM_REGS_RDI);
static_assert(offsetof(struct kvm_regs, rsp) == SVM_REGS_RSP);
static_assert(offsetof(struct kvm_regs, rbp) == SVM_REGS_RBP);
static_assert(offsetof(struct kvm_regs, r8) == SVM_REGS_R8);
static_assert(offsetof(struct kvm_regs, r15) == SVM_REGS_R15);

/* Leave the guest and continue the run loop; 0 returns to user space. */
#define SVM_CONTINUE	VMRUN_X86_CONTINUE

static void svm_kick(void *unused)
{
	/* The IPI itself did the work: it made the vCPU exit. */
}

/*
 * Makes every vCPU of @vm flush its TLB before it enters the guest again,
 * and waits until none is still inside. Called under the NPT's spinlock.
 */
void svm_flush_vm(struct vmrun_vm *vm)
{
	struct vmrun_vcpu *vcpu;
	unsigned long i;

	atomic64_inc(&to_svm_vm(vm)->tlb_generation);
	/*
	 * Pairs with the barrier in svm_enter_exit(): the vCPU sees the new
	 * generation, or we see it in the guest and kick it.
	 */
	smp_mb();
	xa_for_each(&vm->vcpus, i, vcpu)
		if (READ_ONCE(vcpu->in_guest))
			smp_call_function_single(READ_ONCE(vcpu->cpu), svm_kick,
						 NULL, 1);
}

static void svm_new_asid(struct svm_vcpu *svm, struct svm_cpu *sd)
{
	if (sd->next_asid > sd->max_asid) {
		sd->asid_generation++;
		sd->next_asid = 1;	/* ASID 0 is the host's */
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	svm->asid_generation = sd->asid_generation;
	svm->asid = sd->next_asid++;
	svm->vmcb->control.asid = svm->asid;
}

static void svm_set_debugregs(const u64 *dr)
{
	set_debugreg(dr[0], 0);
	set_debugreg(dr[1], 1);
	set_debugreg(dr[2], 2);
	set_debugreg(dr[3], 3);
}

/*
 * One VMRUN, with everything the host needs back around it. Returns false
 * without entering when a request, a signal or the scheduler came first.
 */
static bool svm_enter_exit(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct svm_cpu *sd;
	u64 host_xcr0 = 0;
	bool moved;
	int cpu;

	/* Interrupts stay off until the exit is done: no preemption, no
	 * migration, and a pending host interrupt exits the guest at once.
	 */
	local_irq_disable();
	cpu = smp_processor_id();
	sd = svm_this_cpu();

	moved = vcpu->cpu != cpu;
	WRITE_ONCE(vcpu->cpu, cpu);
	WRITE_ONCE(vcpu->in_guest, true);
	/* Pairs with svm_flush_vm() and vmrun_vcpu_kick(). */
	if (vmrun_vcpu_entry_cancelled(vcpu)) {
		WRITE_ONCE(vcpu->in_guest, false);
		local_irq_enable();
		return false;
	}
	if (moved || !svm->asid || svm->asid_generation != sd->asid_generation ||
	    svm->tlb_generation != atomic64_read(&to_svm_vm(vcpu->vm)->tlb_generation)) {
		svm->tlb_generation = atomic64_read(&to_svm_vm(vcpu->vm)->tlb_generation);
		svm_new_asid(svm, sd);
	}

	vmcb->save.rax = vcpu->regs.rax;
	vmcb->save.rsp = vcpu->regs.rsp;
	vmcb->save.rip = vcpu->regs.rip;
	vmcb->save.rflags = vcpu->regs.rflags;
	vmcb->control.clean = 0;	/* no VMCB state caching yet */

	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (svm->xcr0 != host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, svm->xcr0);
	}
	svm_set_debugregs(svm->dr);

	asm volatile("clgi" ::: "memory");
	raw_local_irq_enable();		/* see entry.S: GIF still holds them */
	svm_enter_guest(&vcpu->regs, svm->vmcb_pa, page_to_phys(sd->host_vmcb));
	raw_local_irq_disable();

	/* The guest may write its debug registers without an exit. */
	get_debugreg(svm->dr[0], 0);
	get_debugreg(svm->dr[1], 1);
	get_debugreg(svm->dr[2], 2);
	get_debugreg(svm->dr[3], 3);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (host_xcr0 && svm->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
	WRITE_ONCE(vcpu->in_guest, false);
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	asm volatile("stgi" ::: "memory");

	vcpu->regs.rax = vmcb->save.rax;
	vcpu->regs.rsp = vmcb->save.rsp;
	vcpu->regs.rip = vmcb->save.rip;
	vcpu->regs.rflags = vmcb->save.rflags;
	local_irq_enable();
	return true;
}

static void svm_inject(struct svm_vcpu *svm, u8 vector, bool has_error)
{
	svm->vmcb->control.event_inj = vector | SVM_EVTINJ_TYPE_EXEPT |
				       SVM_EVTINJ_VALID |
				       (has_error ? SVM_EVTINJ_VALID_ERR : 0);
	svm->vmcb->control.event_inj_err = 0;
}

/*
 * Advances RIP past the exiting instruction: NRIP save gives its end; a CPU
 * without it (QEMU's SVM) leaves us the instruction's architectural length.
 */
static void svm_skip(struct vmrun_vcpu *vcpu, unsigned int len)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (boot_cpu_has(X86_FEATURE_NRIPS) && svm->vmcb->control.next_rip)
		vcpu->regs.rip = svm->vmcb->control.next_rip;
	else
		vcpu->regs.rip += len;
}

static int svm_internal_error(struct vmrun_vcpu *vcpu, u32 suberror)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 4;
	run->internal.data[0] = c->exit_code;
	run->internal.data[1] = c->exit_info_1;
	run->internal.data[2] = c->exit_info_2;
	run->internal.data[3] = vcpu->regs.rip;
	return 0;
}

static enum vmrun_emul_mode svm_cpu_mode(struct vmcb_save_area *s,
					 u64 rflags)
{
	return vmrun_emul_cpu_mode(s->cr0 & X86_CR0_PE, rflags & X86_EFLAGS_VM,
				   s->efer & EFER_LMA, s->cs.attrib & SVM_SELECTOR_L_MASK,
				   s->cs.attrib & SVM_SELECTOR_DB_MASK);
}

/* The guest's paging state, for kernel/x86/gwalk.c. */
static void svm_paging(struct svm_vcpu *svm, struct vmrun_gwalk_paging *pg)
{
	struct vmcb_save_area *s = &svm->vmcb->save;

	pg->cr0 = s->cr0;
	pg->cr3 = s->cr3;
	pg->cr4 = s->cr4;
	pg->efer = s->efer;
	pg->maxphyaddr = vmrun_x86_cpuid_maxphyaddr(&svm->cpuid);
	pg->gbpages = boot_cpu_has(X86_FEATURE_GBPAGES);
}

/* Access bits of a data access at the vCPU's privilege level. */
static unsigned int svm_access(struct vmrun_vcpu *vcpu)
{
	return (to_svm(vcpu)->vmcb->save.cpl == 3 ? VMRUN_GWALK_USER : 0) |
	       (vcpu->regs.rflags & X86_EFLAGS_AC ? VMRUN_GWALK_AC : 0);
}

/*
 * Fetches up to VMRUN_EMUL_MAX_LEN bytes at CS:RIP through the guest's
 * page tables. QEMU's SVM has no decode assists, so the hypervisor reads
 * the guest's instruction itself. Returns how many bytes it got.
 */
static unsigned int svm_fetch_insn(struct vmrun_vcpu *vcpu,
				   enum vmrun_emul_mode mode, u8 *bytes)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmrun_gwalk_paging pg;

	svm_paging(svm, &pg);
	return vmrun_x86_fetch_insn(vcpu, &pg, svm->vmcb->save.cs.base,
				    svm_access(vcpu), mode, bytes);
}

static void svm_inject_fault(struct svm_vcpu *svm, int kind,
			     const struct vmrun_gwalk_result *res)
{
	if (kind == VMRUN_GWALK_PF) {
		svm->vmcb->save.cr2 = res->fault_la;
		svm_inject(svm, PF_VECTOR, true);
		svm->vmcb->control.event_inj_err = res->error_code;
	} else {
		svm_inject(svm, GP_VECTOR, true);
	}
}

/* The segment a segment-override prefix byte names, or NULL. */
static const struct vmcb_seg *svm_seg_override(const struct vmcb_save_area *s,
					       u8 prefix)
{
	switch (prefix) {
	case 0x26:
		return &s->es;
	case 0x2e:
		return &s->cs;
	case 0x36:
		return &s->ss;
	case 0x3e:
		return &s->ds;
	case 0x64:
		return &s->fs;
	case 0x65:
		return &s->gs;
	default:
		return NULL;
	}
}

/*
 * What the prefixes of a string port instruction change: the segment of an
 * OUTS (DS unless overridden) and the address size (0x67). The exit has
 * fields for both, but only with decode assists for the segment, and
 * QEMU's SVM leaves the address size clear: read them from the code.
 */
static void svm_string_prefixes(struct vmrun_vcpu *vcpu,
				enum vmrun_emul_mode mode, u64 *seg_base,
				u8 *addr_size)
{
	const struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;
	const struct vmcb_seg *seg = &s->ds, *over;
	u8 bytes[VMRUN_EMUL_MAX_LEN];
	bool addr_override = false;
	unsigned int n, i;

	n = svm_fetch_insn(vcpu, mode, bytes);
	for (i = 0; i < n; i++) {
		over = svm_seg_override(s, bytes[i]);
		if (over)
			seg = over;
		else if (bytes[i] == 0x67)
			addr_override = true;
		else if (bytes[i] != 0x66 && bytes[i] != 0xf0 &&
			 bytes[i] != 0xf2 && bytes[i] != 0xf3)
			break;	/* the opcode, or REX before it */
	}
	/* In 64-bit mode only FS and GS have a base. */
	if (mode == VMRUN_EMUL_MODE64 && seg != &s->fs && seg != &s->gs)
		*seg_base = 0;
	else
		*seg_base = seg->base;

	switch (mode) {
	case VMRUN_EMUL_MODE16:
		*addr_size = addr_override ? 4 : 2;
		break;
	case VMRUN_EMUL_MODE32:
		*addr_size = addr_override ? 2 : 4;
		break;
	default:
		*addr_size = addr_override ? 4 : 8;
		break;
	}
}

/* INS/OUTS, REP or not: kernel/x86/pio.c moves the data. */
static int svm_exit_io_string(struct vmrun_vcpu *vcpu, u32 info,
			      unsigned int size, bool in)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;
	enum vmrun_emul_mode mode = svm_cpu_mode(s, vcpu->regs.rflags);
	struct vmrun_gwalk_result fault;
	struct vmrun_pio_op op = {
		.port = info >> 16,
		.size = size,
		.in = in,
		.rep = info & SVM_IOIO_REP_MASK,
		.next_rip = svm->vmcb->control.exit_info_2,
		.access = svm_access(vcpu),
	};
	int r;

	svm_string_prefixes(vcpu, mode, &op.seg_base, &op.addr_size);
	if (in)		/* INS writes ES:rDI; no override applies */
		op.seg_base = mode == VMRUN_EMUL_MODE64 ? 0 : s->es.base;
	svm_paging(svm, &op.paging);

	r = vmrun_x86_io_pio_string(vcpu, &svm->io, &op, &fault);
	if (r == 1)
		return SVM_CONTINUE;	/* a zero count: nothing moved */
	if (r == VMRUN_GWALK_PF || r == VMRUN_GWALK_GP) {
		svm_inject_fault(svm, r, &fault);
		return SVM_CONTINUE;
	}
	if (r < 0)
		return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	return 0;
}

static int svm_exit_io(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u32 info = svm->vmcb->control.exit_info_1;
	unsigned int size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	bool in = info & SVM_IOIO_TYPE_MASK;
	int r;

	if (info & SVM_IOIO_STR_MASK)
		return svm_exit_io_string(vcpu, info, size, in);

	r = vmrun_x86_io_pio(vcpu, &svm->io, info >> 16, size, in);
	/* EXITINFO2 holds the next RIP for IOIO, NRIP save or not. */
	vcpu->regs.rip = svm->vmcb->control.exit_info_2;
	return r;
}

static int svm_exit_mmio(struct vmrun_vcpu *vcpu, u64 gpa)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	enum vmrun_emul_mode mode = svm_cpu_mode(&svm->vmcb->save,
						 vcpu->regs.rflags);
	u8 bytes[VMRUN_EMUL_MAX_LEN];
	unsigned int n;

	n = svm_fetch_insn(vcpu, mode, bytes);
	return vmrun_x86_io_mmio(vcpu, &svm->io, gpa, bytes, n, mode);
}

static int svm_exit_npf(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 gpa = svm->vmcb->control.exit_info_2;
	bool write = svm->vmcb->control.exit_info_1 & X86_PF_WRITE;
	int r;

	r = vmrun_tdp_fault(&to_svm_vm(vcpu->vm)->npt, gpa, write);
	if (r < 0)
		return r;	/* the slot's memory is gone: KVM_RUN fails */
	if (r == VMRUN_TDP_MAPPED)
		return SVM_CONTINUE;
	if (svm->vmcb->control.exit_info_1 & X86_PF_INSTR)
		return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	return svm_exit_mmio(vcpu, gpa);
}

/*
 * CPUID answers from the table user space set with KVM_SET_CPUID2, by
 * KVM's rules (kernel/x86/cpuid.c); with none set, every leaf reads 0.
 */
static int svm_exit_cpuid(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmrun_cpuid_state st;
	struct vmrun_cpuid_regs out;

	svm_cpuid_state(vcpu, &st);
	vmrun_cpuid_lookup(svm->cpuid.entries, svm->cpuid.nent,
			   vcpu->regs.rax, vcpu->regs.rcx, &st, &out);
	vcpu->regs.rax = out.eax;
	vcpu->regs.rbx = out.ebx;
	vcpu->regs.rcx = out.ecx;
	vcpu->regs.rdx = out.edx;
	svm_skip(vcpu, 2);
	return SVM_CONTINUE;
}

/*
 * The MSRs svm_msr_read() answers for every vCPU, in the order
 * KVM_GET_MSR_INDEX_LIST gives them; svm_msr_read() and svm_msr_write()
 * refuse any other unless the in-kernel LAPIC takes it (its x2APIC range
 * and TSC_DEADLINE, which exist only with one). Add an MSR here and to
 * their switches, together.
 */
static const u32 svm_msrs[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_CR_PAT, MSR_IA32_TSC, MSR_TSC_AUX, MSR_IA32_APICBASE,
	MSR_AMD64_NB_CFG, MSR_FAM10H_MMIO_CONF_BASE,
};

static bool svm_msr_listed(u32 msr)
{
	return vmrun_x86_msr_in(svm_msrs, ARRAY_SIZE(svm_msrs), msr);
}

long svm_get_msr_index_list(void __user *argp)
{
	return vmrun_x86_msr_index_list(argp, svm_msrs, ARRAY_SIZE(svm_msrs));
}

/* MSRs kept in the VMCB (VMSAVE/VMLOAD state) or in the vCPU. */
static u64 *svm_msr_slot(struct svm_vcpu *svm, u32 msr)
{
	struct vmcb_save_area *s = &svm->vmcb->save;

	switch (msr) {
	case MSR_STAR:
		return &s->star;
	case MSR_LSTAR:
		return &s->lstar;
	case MSR_CSTAR:
		return &s->cstar;
	case MSR_SYSCALL_MASK:
		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &s->kernel_gs_base;
	case MSR_IA32_SYSENTER_CS:
		return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:
		return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &s->sysenter_eip;
	case MSR_FS_BASE:
		return &s->fs.base;
	case MSR_GS_BASE:
		return &s->gs.base;
	case MSR_IA32_CR_PAT:
		return &s->g_pat;
	case MSR_TSC_AUX:
		return &svm->tsc_aux;
	default:
		return NULL;
	}
}

/* EFER bits a guest may set: those of the features vmrun runs guests with. */
#define SVM_GUEST_EFER	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/*
 * RDMSR, and KVM_GET_MSRS with @host set: false if the MSR does not exist
 * (the guest gets #GP).
 */
bool svm_msr_read(struct vmrun_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 *slot = svm_msr_slot(svm, msr);
	int r = vmrun_irqchip_msr_read(vcpu, msr, val);

	if (r != -ENOENT)
		return !r;
	if (!svm_msr_listed(msr))
		return false;	/* KVM_GET_MSR_INDEX_LIST names them all */

	if (slot) {
		*val = *slot;
		return true;
	}
	switch (msr) {
	case MSR_EFER:
		*val = svm->vmcb->save.efer & ~EFER_SVME;
		return true;
	case MSR_IA32_TSC:
		*val = rdtsc() + svm->vmcb->control.tsc_offset;
		return true;
	case MSR_AMD64_NB_CFG:
	case MSR_FAM10H_MMIO_CONF_BASE:
		/*
		 * Northbridge set-up Linux reads without a fault handler on
		 * AMD family 0x10 and later: no MMIO config window, nothing
		 * to configure. Reads 0, writes are dropped, as in KVM.
		 */
		*val = 0;
		return true;
	case MSR_IA32_APICBASE:
		*val = svm->apic_base;
		return true;
	default:
		return false;
	}
}

/*
 * WRMSR, and KVM_SET_MSRS with @host set (which may write what the guest
 * may not, as KVM's host_initiated): false means #GP.
 */
bool svm_msr_write(struct vmrun_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 *slot = svm_msr_slot(svm, msr);
	int r = vmrun_irqchip_msr_write(vcpu, msr, val,
					rdtsc() + svm->vmcb->control.tsc_offset,
					host);

	if (r != -ENOENT)
		return !r;
	if (!svm_msr_listed(msr))
		return false;

	if (msr == MSR_IA32_CR_PAT && !vmrun_x86_pat_valid(val))
		return false;	/* VMRUN would refuse it */
	if (slot) {
		/* A canonical address for the base and syscall MSRs. */
		if (msr != MSR_IA32_CR_PAT && msr != MSR_TSC_AUX &&
		    msr != MSR_IA32_SYSENTER_CS && msr != MSR_STAR &&
		    msr != MSR_SYSCALL_MASK &&
		    !vmrun_x86_canonical(val))
			return false;
		*slot = val;
		return true;
	}
	switch (msr) {
	case MSR_EFER:
		if (val & ~SVM_GUEST_EFER)
			return false;
		/* LMA follows CR0.PG: the guest cannot write it. */
		svm->vmcb->save.efer = (val & ~EFER_LMA) |
				       (svm->vmcb->save.efer & EFER_LMA) |
				       EFER_SVME;
		return true;
	case MSR_IA32_TSC:
		svm->vmcb->control.tsc_offset = val - rdtsc();
		return true;
	case MSR_AMD64_NB_CFG:
	case MSR_FAM10H_MMIO_CONF_BASE:
		return true;
	default:
		return false;
	}
}

const struct vmrun_x86_msr_ops svm_msr_ops = {
	.read = svm_msr_read,
	.write = svm_msr_write,
};

static int svm_exit_msr(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u32 msr = vcpu->regs.rcx;
	u64 val;

	if (svm->vmcb->control.exit_info_1) {
		val = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;
		if (!svm_msr_write(vcpu, msr, val, false)) {
			svm_inject(svm, GP_VECTOR, true);
			return SVM_CONTINUE;
		}
	} else {
		if (!svm_msr_read(vcpu, msr, &val, false)) {
			svm_inject(svm, GP_VECTOR, true);
			return SVM_CONTINUE;
		}
		vcpu->regs.rax = (u32)val;
		vcpu->regs.rdx = val >> 32;
	}
	svm_skip(vcpu, 2);
	return SVM_CONTINUE;
}

static int svm_exit_xsetbv(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 val = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;

	/* XCR0 only, from CPL 0, by the rules of vmrun_x86_xcr0_valid(). */
	if ((u32)vcpu->regs.rcx != XCR_XFEATURE_ENABLED_MASK ||
	    svm->vmcb->save.cpl != 0 || !vmrun_x86_xcr0_valid(&svm->fpu, val)) {
		svm_inject(svm, GP_VECTOR, true);
		return SVM_CONTINUE;
	}
	svm->xcr0 = val;
	svm_skip(vcpu, 3);
	return SVM_CONTINUE;
}

/* The GPR a ModRM r/m field (with REX.B) names, in struct kvm_regs. */
static u64 *svm_gpr(struct vmrun_vcpu *vcpu, unsigned int n)
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

/*
 * MOV to CR4, intercepted so that the guest sets only the bits its CPUID
 * offers (vmrun_x86_guest_cr4_mask()) and the SDM's rules hold; #GP otherwise.
 * Decode assists name the source register; without them (QEMU's SVM)
 * the instruction is read: legacy prefixes, REX, 0F 22 /r.
 */
static int svm_exit_write_cr4(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;
	enum vmrun_emul_mode mode = svm_cpu_mode(s, vcpu->regs.rflags);
	u64 info = svm->vmcb->control.exit_info_1, old = s->cr4, val;
	u8 bytes[VMRUN_EMUL_MAX_LEN];
	unsigned int n, i = 0, rex = 0, len, gpr;

	if ((info & BIT_ULL(63)) && boot_cpu_has(X86_FEATURE_NRIPS)) {
		gpr = info & 0xf;
		len = 0;	/* next_rip has it */
	} else {
		n = svm_fetch_insn(vcpu, mode, bytes);
		while (i < n && (bytes[i] == 0x66 || bytes[i] == 0x67 ||
				 bytes[i] == 0xf2 || bytes[i] == 0xf3 ||
				 svm_seg_override(s, bytes[i])))
			i++;
		if (mode == VMRUN_EMUL_MODE64 && i < n && (bytes[i] & 0xf0) == 0x40)
			rex = bytes[i++];
		if (i + 3 > n || bytes[i] != 0x0f || bytes[i + 1] != 0x22 ||
		    ((bytes[i + 2] >> 3) & 7) != 4)
			return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
		gpr = (bytes[i + 2] & 7) | (rex & 1 ? 8 : 0);
		len = i + 3;
	}
	val = *svm_gpr(vcpu, gpr);
	if (mode != VMRUN_EMUL_MODE64)
		val = (u32)val;

	if ((val & ~vmrun_x86_guest_cr4_mask(&svm->cpuid)) ||
	    /* Long mode needs PAE; PCIDE needs long mode and PCID 0. */
	    ((s->efer & EFER_LMA) && !(val & X86_CR4_PAE)) ||
	    ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	     (!(s->efer & EFER_LMA) || (s->cr3 & 0xfff)))) {
		svm_inject(svm, GP_VECTOR, true);
		return SVM_CONTINUE;
	}
	/* A paging bit changed: the guest's TLB goes, as the SDM says. */
	if ((old ^ val) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE |
			   X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP))
		svm->asid = 0;
	s->cr4 = val;
	svm_skip(vcpu, len);
	return SVM_CONTINUE;
}

/*
 * The length of the instruction at RIP of a WBINVD exit: WBINVD (0F 09),
 * WBNOINVD (F3 0F 09), any legacy prefixes before them, and INVD
 * (0F 08), which QEMU's SVM reports with the WBINVD exit code too.
 */
static unsigned int svm_wbinvd_len(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	enum vmrun_emul_mode mode = svm_cpu_mode(&svm->vmcb->save,
						 vcpu->regs.rflags);
	u8 bytes[VMRUN_EMUL_MAX_LEN];
	unsigned int n, i = 0;

	if (boot_cpu_has(X86_FEATURE_NRIPS))
		return 2;	/* svm_skip() takes next_rip */
	n = svm_fetch_insn(vcpu, mode, bytes);
	while (i < n && (bytes[i] == 0x66 || bytes[i] == 0x67 ||
			 bytes[i] == 0xf0 || bytes[i] == 0xf2 ||
			 bytes[i] == 0xf3 ||
			 svm_seg_override(&svm->vmcb->save, bytes[i])))
		i++;
	if (mode == VMRUN_EMUL_MODE64 && i < n && (bytes[i] & 0xf0) == 0x40)
		i++;	/* REX */
	if (i + 2 <= n && bytes[i] == 0x0f &&
	    (bytes[i + 1] == 0x09 || bytes[i + 1] == 0x08))
		return i + 2;
	return 2;
}

static int svm_exit_rdtscp(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 tsc = rdtsc() + svm->vmcb->control.tsc_offset;

	vcpu->regs.rax = (u32)tsc;
	vcpu->regs.rdx = tsc >> 32;
	vcpu->regs.rcx = (u32)svm->tsc_aux;
	svm_skip(vcpu, 3);
	return SVM_CONTINUE;
}

/*
 * A VMCB that VMRUN refused (or that vmrun's own checks refused before
 * VMRUN would have): with this parameter set, its state goes to the
 * kernel log, as KVM's parameter of the same name does.
 */
static bool dump_invalid_vmcb;
module_param(dump_invalid_vmcb, bool, 0644);
MODULE_PARM_DESC(dump_invalid_vmcb, "log the state of a VMCB that VMRUN refused");

static void svm_dump_vmcb(struct vmrun_vcpu *vcpu, const char *who)
{
	const struct vmcb *v = to_svm(vcpu)->vmcb;
	const struct vmcb_save_area *s = &v->save;
	const struct vmcb_control_area *c = &v->control;

	if (!READ_ONCE(dump_invalid_vmcb))
		return;
	pr_info_ratelimited("vmrun-svm: vCPU %u: %s refused the VMCB: cr0 %llx cr3 %llx cr4 %llx efer %llx dr6 %llx dr7 %llx rip %llx rflags %llx\n",
			    vcpu->id, who, s->cr0, s->cr3, s->cr4, s->efer,
			    s->dr6, s->dr7, s->rip, s->rflags);
	pr_info_ratelimited("vmrun-svm:   cs %x/%x/%llx ss %x/%x tr %x/%x event_inj %x/%x int_ctl %x int_state %x asid %u tlb_ctl %x\n",
			    s->cs.selector, s->cs.attrib, s->cs.base,
			    s->ss.selector, s->ss.attrib, s->tr.selector,
			    s->tr.attrib, c->event_inj, c->event_inj_err,
			    c->int_ctl, c->int_state, c->asid, c->tlb_ctl);
}

static int svm_handle_exit(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct kvm_run *run = vcpu->run;
	/*
	 * The low half names the exit: QEMU writes VMEXIT_INVALID (-1) with
	 * the upper half clear, hardware with it set; KVM compares 32 bits.
	 */
	u32 code = c->exit_code;

	/* An event whose delivery the exit interrupted is delivered again. */
	c->event_inj = 0;
	if (c->exit_int_info & SVM_EXITINTINFO_VALID) {
		c->event_inj = c->exit_int_info;
		c->event_inj_err = c->exit_int_info_err;
	}

	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		return SVM_CONTINUE;	/* the host took it after STGI */
	case SVM_EXIT_EXCP_BASE + MC_VECTOR:
		/* The machine check was the host's: let its handler see it. */
		asm volatile("int $0x12");
		return SVM_CONTINUE;
	case SVM_EXIT_VINTR:
		return svm_exit_vintr(vcpu);
	case SVM_EXIT_IRET:
		return svm_exit_iret(vcpu);
	case SVM_EXIT_HLT:
		svm_skip(vcpu, 1);
		if (vcpu->apic) {
			/* The in-kernel irqchip wakes it: wait here. */
			c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
			vcpu->mp_state = KVM_MP_STATE_HALTED;
			return SVM_CONTINUE;
		}
		run->exit_reason = KVM_EXIT_HLT;
		return 0;
	case SVM_EXIT_IOIO:
		return svm_exit_io(vcpu);
	case SVM_EXIT_NPF:
		return svm_exit_npf(vcpu);
	case SVM_EXIT_CPUID:
		return svm_exit_cpuid(vcpu);
	case SVM_EXIT_MSR:
		return svm_exit_msr(vcpu);
	case SVM_EXIT_XSETBV:
		return svm_exit_xsetbv(vcpu);
	case SVM_EXIT_RDTSCP:
		return svm_exit_rdtscp(vcpu);
	case SVM_EXIT_WRITE_CR4:
		return svm_exit_write_cr4(vcpu);
	case SVM_EXIT_INVD:
		/* Caches are coherent for the guest: nothing to write back. */
		svm_skip(vcpu, 2);
		return SVM_CONTINUE;
	case SVM_EXIT_WBINVD:
		/* WBNOINVD (F3 0F 09) exits as WBINVD (0F 09): mind its prefix. */
		svm_skip(vcpu, svm_wbinvd_len(vcpu));
		return SVM_CONTINUE;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMMCALL:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		/* No nested SVM, no hypercalls, no MONITOR/MWAIT. */
		svm_inject(svm, UD_VECTOR, false);
		return SVM_CONTINUE;
	case SVM_EXIT_SHUTDOWN:
		/* The VMCB is undefined after a shutdown: start afresh. */
		svm_vmcb_reset(vcpu);
		vcpu->regs.rip = 0xfff0;
		vcpu->regs.rflags = 0x2;
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 0;
	case (u32)SVM_EXIT_ERR:
		svm_dump_vmcb(vcpu, "VMRUN");
		/* The VMCB's 32-bit exit code, 0xffffffff, as KVM reports it. */
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = c->exit_code;
		run->fail_entry.cpu = vcpu->cpu;
		return 0;
	default:
		return svm_internal_error(vcpu,
					  KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
	}
}

/* INIT: the state a CPU has after RESET, but for what INIT keeps. */
static void svm_init_reset(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u64 tsc_offset = svm->vmcb->control.tsc_offset;

	svm_vmcb_reset(vcpu);
	/* The TSC runs on through INIT (SDM 9.1). */
	svm->vmcb->control.tsc_offset = tsc_offset;
	memset(&vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->regs.rip = 0xfff0;
	vcpu->regs.rflags = 0x2;
	svm->awaiting_iret = false;
}

/* SIPI: real mode at vector << 12, CS:IP = (vector << 8):0. */
static void svm_sipi(struct vmrun_vcpu *vcpu, u8 vector)
{
	struct vmcb_seg *cs = &to_svm(vcpu)->vmcb->save.cs;

	cs->selector = vector << 8;
	cs->base = (u64)vector << 12;
	vcpu->regs.rip = 0;
}

const struct vmrun_x86_reset_ops svm_reset_ops = {
	.init = svm_init_reset,
	.sipi = svm_sipi,
};

int svm_vcpu_run(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct kvm_run *run = vcpu->run;
	int r;

	r = vmrun_x86_io_run_begin(vcpu, &svm->io);
	if (r != SVM_CONTINUE) {
		svm_report_events(vcpu);
		return r;
	}

	fpu_swap_kvm_fpstate(&svm->fpu, true);
	do {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		cond_resched();
		if (!svm_guest_state_valid(&svm->vmcb->save)) {
			svm_dump_vmcb(vcpu, "vmrun's check");
			/* What VMRUN answers: VMEXIT_INVALID. */
			run->exit_reason = KVM_EXIT_FAIL_ENTRY;
			run->fail_entry.hardware_entry_failure_reason =
				(u32)SVM_EXIT_ERR;
			run->fail_entry.cpu = raw_smp_processor_id();
			r = 0;
			break;
		}
		if (vcpu->apic) {
			r = vmrun_x86_irqchip_events(vcpu, &svm->ev,
						     &svm_reset_ops);
			if (r != SVM_CONTINUE)
				break;
		}
		svm_prepare_events(vcpu);
		svm->has_run = true;
		if (!svm_enter_exit(vcpu)) {
			r = SVM_CONTINUE;	/* a request or signal came first */
			continue;
		}
		svm_sync_tpr(vcpu);
		r = svm_handle_exit(vcpu);
	} while (r == SVM_CONTINUE);
	fpu_swap_kvm_fpstate(&svm->fpu, false);
	svm_report_events(vcpu);
	return r;
}
