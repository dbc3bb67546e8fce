// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VMCS of a vCPU: where it is active (VMPTRLD, VMCLEAR when the vCPU
 * moves or its CPU goes down), its controls and host state, its reset
 * state, and the special registers (KVM_GET/SET_SREGS) that live in it.
 *
 * CR0 and CR4 as the guest sees them are the read shadows. The CPU needs
 * CR0.NE and CR4.VMXE set in VMX operation, so those are host-owned bits
 * (guest/host masks): CR0.NE is forced on, and all of CR4 is host-owned,
 * so every guest write to CR4 exits and is checked against the guest's
 * CPUID (run.c), as on SVM.
 */
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include <asm/desc.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <vmrun/core.h>

#include "../irq/irqchip.h"
#include "vmx.h"

/* VMCS segment access rights (SDM vol. 3, 24.4.1). */
#define VAR_TYPE(a)	((a) & 0xf)
#define VAR_S		BIT(4)
#define VAR_DPL(a)	(((a) >> 5) & 3)
#define VAR_P		BIT(7)
#define VAR_AVL		BIT(12)
#define VAR_L		BIT(13)
#define VAR_DB		BIT(14)
#define VAR_G		BIT(15)
#define VAR_UNUSABLE	BIT(16)

#define VMX_RESET_CR0	(X86_CR0_NW | X86_CR0_CD | X86_CR0_ET)
#define VMX_RESET_PAT	0x0007040600070406ULL
#define VMX_RESET_DR6	0xffff0ff0ULL
#define VMX_RESET_DR7	0x400ULL

/* Guest segment fields, in the VMCS's order: ES CS SS DS FS GS LDTR TR. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

static unsigned long seg_sel(int s)
{
	return GUEST_ES_SELECTOR + 2 * s;
}

static unsigned long seg_limit(int s)
{
	return GUEST_ES_LIMIT + 2 * s;
}

static unsigned long seg_ar(int s)
{
	return GUEST_ES_AR_BYTES + 2 * s;
}

static unsigned long seg_base(int s)
{
	return GUEST_ES_BASE + 2 * s;
}

/* Make @vmx's VMCS active, but not current, on nothing: IPI target. */
static void vmx_vmcs_clear_here(void *arg)
{
	struct vmx_vcpu *vmx = arg;
	struct vmx_cpu *vc = vmx_this_cpu();

	if (READ_ONCE(vmx->vmcs_cpu) != smp_processor_id())
		return;		/* the CPU went down and cleared it already */
	asm volatile("vmclear %0" : : "m"(vmx->vmcs_pa) : "cc", "memory");
	if (vc->current_vmcs == vmx)
		vc->current_vmcs = NULL;
	list_del_init(&vmx->loaded_link);
	vmx->launched = false;
	/* Everything above before the VMCS is seen free. */
	smp_wmb();
	WRITE_ONCE(vmx->vmcs_cpu, -1);
}

/* Every VMCS active on this CPU: it goes down. Interrupts off. */
void vmx_vmcs_clear_cpu(void)
{
	struct vmx_cpu *vc = vmx_this_cpu();
	struct vmx_vcpu *vmx, *tmp;

	if (!vc->vmxon_region)
		return;
	list_for_each_entry_safe(vmx, tmp, &vc->loaded, loaded_link)
		vmx_vmcs_clear_here(vmx);
	vc->current_vmcs = NULL;
}

/* The VMCS is active nowhere afterwards (vCPU destruction). */
void vmx_vmcs_clear(struct vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->vmcs_cpu);

	/* An offline CPU cleared it on its way down. */
	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vmcs_clear_here, vmx, 1);
}

/* Host state that differs between CPUs; interrupts off, VMCS current. */
static void vmx_host_state_cpu(void)
{
	struct desc_ptr gdt, idt;
	struct ldttss_desc *tss;
	unsigned long tr_base;
	u64 msr;

	native_store_gdt(&gdt);
	store_idt(&idt);
	tss = (struct ldttss_desc *)(gdt.address + GDT_ENTRY_TSS * 8);
	tr_base = tss->base0 | ((unsigned long)tss->base1 << 16) |
		  ((unsigned long)tss->base2 << 24) |
		  ((unsigned long)tss->base3 << 32);
	__vmx_vmwrite(HOST_GDTR_BASE, gdt.address);
	__vmx_vmwrite(HOST_IDTR_BASE, idt.address);
	__vmx_vmwrite(HOST_TR_BASE, tr_base);
	rdmsrl(MSR_GS_BASE, msr);
	__vmx_vmwrite(HOST_GS_BASE, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	__vmx_vmwrite(HOST_IA32_SYSENTER_ESP, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	__vmx_vmwrite(HOST_IA32_SYSENTER_EIP, msr);
}

/*
 * Makes @vmx's VMCS current on this CPU, clearing it on the CPU it was
 * active on before. Preemption off, interrupts on.
 */
void vmx_vmcs_load(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = vmx_this_cpu();
	int cpu = smp_processor_id();
	int old = READ_ONCE(vmx->vmcs_cpu);
	unsigned long flags;

	if (old != cpu) {
		if (old >= 0)
			smp_call_function_single(old, vmx_vmcs_clear_here, vmx, 1);
		/* Pairs with the smp_wmb() of the clear. */
		smp_rmb();
		local_irq_save(flags);
		list_add(&vmx->loaded_link, &vc->loaded);
		WRITE_ONCE(vmx->vmcs_cpu, cpu);
		vmx->host_cpu_state = false;
		local_irq_restore(flags);
	}
	if (vc->current_vmcs != vmx) {
		asm volatile("vmptrld %0" : : "m"(vmx->vmcs_pa) : "cc", "memory");
		vc->current_vmcs = vmx;
	}
	if (!vmx->host_cpu_state) {
		local_irq_save(flags);
		vmx_host_state_cpu();
		local_irq_restore(flags);
		vmx->host_cpu_state = true;
	}
}

unsigned long vmx_vmcs_read(struct vmx_vcpu *vmx, unsigned long field)
{
	unsigned long val;

	preempt_disable();
	vmx_vmcs_load(vmx);
	val = __vmx_vmread(field);
	preempt_enable();
	return val;
}

void vmx_vmcs_write(struct vmx_vcpu *vmx, unsigned long field,
		    unsigned long val)
{
	preempt_disable();
	vmx_vmcs_load(vmx);
	__vmx_vmwrite(field, val);
	preempt_enable();
}

/*
 * Host state that may change between entries on one CPU (the task's page
 * tables, CR4's per-task bits). Interrupts off, VMCS current.
 */
void vmx_host_state_entry(struct vmx_vcpu *vmx)
{
	unsigned long cr3 = __read_cr3(), cr4 = __read_cr4();

	if (cr3 != vmx->host_cr3) {
		__vmx_vmwrite(HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	if (cr4 != vmx->host_cr4) {
		__vmx_vmwrite(HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
}

/* Guest EFER, and the IA-32e mode entry control that must match LMA. */
void vmx_set_efer(struct vmx_vcpu *vmx, u64 efer)
{
	u32 entry = vmx_caps.entry;

	if (efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	vmx_vmcs_write(vmx, GUEST_IA32_EFER, efer);
	vmx_vmcs_write(vmx, VM_ENTRY_CONTROLS, entry);
}

static void vmx_seg_set(struct vmx_vcpu *vmx, int s, u16 sel, u64 base,
			u32 limit, u32 ar)
{
	vmx_vmcs_write(vmx, seg_sel(s), sel);
	vmx_vmcs_write(vmx, seg_base(s), base);
	vmx_vmcs_write(vmx, seg_limit(s), limit);
	vmx_vmcs_write(vmx, seg_ar(s), ar);
}

/* CR0 as the guest sees it: its own bits, and NE from the shadow. */
u64 vmx_guest_cr0(struct vmx_vcpu *vmx)
{
	return (vmx_vmcs_read(vmx, GUEST_CR0) & ~X86_CR0_NE) |
	       (vmx_vmcs_read(vmx, CR0_READ_SHADOW) & X86_CR0_NE);
}

static void vmx_set_cr0(struct vmx_vcpu *vmx, u64 cr0)
{
	vmx_vmcs_write(vmx, CR0_READ_SHADOW, cr0);
	vmx_vmcs_write(vmx, GUEST_CR0, cr0 | X86_CR0_NE);
}

static void vmx_set_cr4(struct vmx_vcpu *vmx, u64 cr4)
{
	vmx_vmcs_write(vmx, CR4_READ_SHADOW, cr4);
	vmx_vmcs_write(vmx, GUEST_CR4, cr4 | X86_CR4_VMXE);
}

/* The state after RESET (SDM vol. 3, 10.1.1), as KVM reports it. */
void vmx_reset(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_seg_set(vmx, SEG_CS, 0xf000, 0xffff0000, 0xffff, VAR_P | VAR_S | 0xb);
	vmx_seg_set(vmx, SEG_DS, 0, 0, 0xffff, VAR_P | VAR_S | 0x3);
	vmx_seg_set(vmx, SEG_ES, 0, 0, 0xffff, VAR_P | VAR_S | 0x3);
	vmx_seg_set(vmx, SEG_FS, 0, 0, 0xffff, VAR_P | VAR_S | 0x3);
	vmx_seg_set(vmx, SEG_GS, 0, 0, 0xffff, VAR_P | VAR_S | 0x3);
	vmx_seg_set(vmx, SEG_SS, 0, 0, 0xffff, VAR_P | VAR_S | 0x3);
	vmx_seg_set(vmx, SEG_LDTR, 0, 0, 0xffff, VAR_P | 0x2);
	vmx_seg_set(vmx, SEG_TR, 0, 0, 0xffff, VAR_P | 0xb);
	vmx_vmcs_write(vmx, GUEST_GDTR_BASE, 0);
	vmx_vmcs_write(vmx, GUEST_GDTR_LIMIT, 0xffff);
	vmx_vmcs_write(vmx, GUEST_IDTR_BASE, 0);
	vmx_vmcs_write(vmx, GUEST_IDTR_LIMIT, 0xffff);
	vmx_set_cr0(vmx, VMX_RESET_CR0);
	vmx_set_cr4(vmx, 0);
	vmx_vmcs_write(vmx, GUEST_CR3, 0);
	vmx_set_efer(vmx, 0);
	vmx_vmcs_write(vmx, GUEST_DR7, VMX_RESET_DR7);
	vmx_vmcs_write(vmx, GUEST_IA32_DEBUGCTL, 0);
	if (vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT)
		vmx_vmcs_write(vmx, GUEST_IA32_PAT, VMX_RESET_PAT);
	vmx_vmcs_write(vmx, GUEST_SYSENTER_CS, 0);
	vmx_vmcs_write(vmx, GUEST_SYSENTER_ESP, 0);
	vmx_vmcs_write(vmx, GUEST_SYSENTER_EIP, 0);
	vmx_vmcs_write(vmx, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmx_vmcs_write(vmx, GUEST_INTERRUPTIBILITY_INFO, 0);
	vmx_vmcs_write(vmx, GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmx_vmcs_write(vmx, VM_ENTRY_INTR_INFO_FIELD, 0);
	/* The guest's TSC starts at 0 when the vCPU is made. */
	vmx_vmcs_write(vmx, TSC_OFFSET, -rdtsc());

	/* No window is open after RESET or INIT. */
	vmx->proc &= ~(CPU_BASED_INTR_WINDOW_EXITING |
		       CPU_BASED_NMI_WINDOW_EXITING);
	vmx_vmcs_write(vmx, CPU_BASED_VM_EXEC_CONTROL, vmx->proc);

	memset(vmx->dr, 0, sizeof(vmx->dr));
	vmx->dr6 = VMX_RESET_DR6;
	vmx->xcr0 = XFEATURE_MASK_FP;
	memset(vmx->swap_msr, 0, sizeof(vmx->swap_msr));
	vmx->misc_enable = VMX_MISC_ENABLE_RESET;
	vmx->cr8 = 0;
	vmx->guest_cr2 = 0;
	vmx->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			 (vcpu->idx == 0 ? MSR_IA32_APICBASE_BSP : 0);
	vmx->flush_pending = true;
	vmx->load_pdptrs = false;
}

/* Controls and constant host state; then the reset state. */
void vmx_vmcs_setup(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 proc2 = vmx_caps.proc2;
	u64 msr;

	/* A fresh VMCS region is cleared before its first VMPTRLD. */
	asm volatile("vmclear %0" : : "m"(vmx->vmcs_pa) : "cc", "memory");
	if (!vmx->vpid)
		proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;

	preempt_disable();
	vmx_vmcs_load(vmx);
	__vmx_vmwrite(PIN_BASED_VM_EXEC_CONTROL, vmx_caps.pin);
	vmx->proc = vmx_caps.proc;
	__vmx_vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmx->proc);
	__vmx_vmwrite(SECONDARY_VM_EXEC_CONTROL, proc2);
	__vmx_vmwrite(VM_EXIT_CONTROLS, vmx_caps.exit);
	__vmx_vmwrite(VM_ENTRY_CONTROLS, vmx_caps.entry);
	/* Machine checks belong to the host. */
	__vmx_vmwrite(EXCEPTION_BITMAP, BIT(MC_VECTOR));
	__vmx_vmwrite(PAGE_FAULT_ERROR_CODE_MASK, 0);
	__vmx_vmwrite(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	__vmx_vmwrite(CR3_TARGET_COUNT, 0);
	__vmx_vmwrite(VM_EXIT_MSR_STORE_COUNT, 0);
	__vmx_vmwrite(VM_EXIT_MSR_LOAD_COUNT, 0);
	__vmx_vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 0);
	__vmx_vmwrite(VMCS_LINK_POINTER, -1UL);
	__vmx_vmwrite(EPT_POINTER, to_vmx_vm(vcpu->vm)->eptp);
	if (vmx->vpid)
		__vmx_vmwrite(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	__vmx_vmwrite(CR0_GUEST_HOST_MASK, X86_CR0_NE);
	__vmx_vmwrite(CR4_GUEST_HOST_MASK, ~0UL);

	/* Host state that is the same on every CPU and for every task. */
	__vmx_vmwrite(HOST_CR0, read_cr0());
	__vmx_vmwrite(HOST_CS_SELECTOR, __KERNEL_CS);
	__vmx_vmwrite(HOST_SS_SELECTOR, __KERNEL_DS);
	__vmx_vmwrite(HOST_DS_SELECTOR, 0);
	__vmx_vmwrite(HOST_ES_SELECTOR, 0);
	__vmx_vmwrite(HOST_FS_SELECTOR, 0);
	__vmx_vmwrite(HOST_GS_SELECTOR, 0);
	__vmx_vmwrite(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	__vmx_vmwrite(HOST_RIP, (unsigned long)vmx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	__vmx_vmwrite(HOST_IA32_SYSENTER_CS, msr);
	rdmsrl(MSR_EFER, msr);
	__vmx_vmwrite(HOST_IA32_EFER, msr);
	if (vmx_caps.exit & VM_EXIT_LOAD_IA32_PAT) {
		rdmsrl(MSR_IA32_CR_PAT, msr);
		__vmx_vmwrite(HOST_IA32_PAT, msr);
	}
	vmx->host_cr3 = 0;
	vmx->host_cr4 = 0;
	preempt_enable();

	vmx_reset(vcpu);
}

static void seg_to_kvm(struct vmx_vcpu *vmx, int s, struct kvm_segment *k)
{
	u32 ar = vmx_vmcs_read(vmx, seg_ar(s));

	memset(k, 0, sizeof(*k));
	k->base = vmx_vmcs_read(vmx, seg_base(s));
	k->limit = vmx_vmcs_read(vmx, seg_limit(s));
	k->selector = vmx_vmcs_read(vmx, seg_sel(s));
	k->type = VAR_TYPE(ar);
	k->s = !!(ar & VAR_S);
	k->dpl = VAR_DPL(ar);
	k->present = !!(ar & VAR_P);
	k->avl = !!(ar & VAR_AVL);
	k->l = !!(ar & VAR_L);
	k->db = !!(ar & VAR_DB);
	k->g = !!(ar & VAR_G);
	k->unusable = !!(ar & VAR_UNUSABLE);
}

static void seg_from_kvm(struct vmx_vcpu *vmx, int s,
			 const struct kvm_segment *k)
{
	u32 ar;

	if (k->unusable || !k->present)
		ar = VAR_UNUSABLE;
	else
		ar = (k->type & 0xf) | (k->s ? VAR_S : 0) | ((k->dpl & 3) << 5) |
		     VAR_P | (k->avl ? VAR_AVL : 0) | (k->l ? VAR_L : 0) |
		     (k->db ? VAR_DB : 0) | (k->g ? VAR_G : 0);
	vmx_seg_set(vmx, s, k->selector, k->base, k->limit, ar);
}

/* Where each VMCS segment sits in struct kvm_sregs, in KVM's order. */
static const struct {
	int seg;
	size_t offset;
} vmx_sregs_segs[] = {
	{ SEG_CS, offsetof(struct kvm_sregs, cs) },
	{ SEG_DS, offsetof(struct kvm_sregs, ds) },
	{ SEG_ES, offsetof(struct kvm_sregs, es) },
	{ SEG_FS, offsetof(struct kvm_sregs, fs) },
	{ SEG_GS, offsetof(struct kvm_sregs, gs) },
	{ SEG_SS, offsetof(struct kvm_sregs, ss) },
	{ SEG_TR, offsetof(struct kvm_sregs, tr) },
	{ SEG_LDTR, offsetof(struct kvm_sregs, ldt) },
};

static struct kvm_segment *vmx_sregs_seg(struct kvm_sregs *sregs,
					 unsigned int i)
{
	return (void *)sregs + vmx_sregs_segs[i].offset;
}

long vmx_get_sregs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_sregs sregs;
	unsigned int i;

	memset(&sregs, 0, sizeof(sregs));
	for (i = 0; i < ARRAY_SIZE(vmx_sregs_segs); i++)
		seg_to_kvm(vmx, vmx_sregs_segs[i].seg,
			   vmx_sregs_seg(&sregs, i));
	sregs.gdt.base = vmx_vmcs_read(vmx, GUEST_GDTR_BASE);
	sregs.gdt.limit = vmx_vmcs_read(vmx, GUEST_GDTR_LIMIT);
	sregs.idt.base = vmx_vmcs_read(vmx, GUEST_IDTR_BASE);
	sregs.idt.limit = vmx_vmcs_read(vmx, GUEST_IDTR_LIMIT);
	sregs.cr0 = vmx_guest_cr0(vmx);
	sregs.cr2 = vmx->guest_cr2;
	sregs.cr3 = vmx_vmcs_read(vmx, GUEST_CR3);
	sregs.cr4 = vmx_vmcs_read(vmx, CR4_READ_SHADOW);
	sregs.cr8 = vmx->cr8;
	sregs.efer = vmx_vmcs_read(vmx, GUEST_IA32_EFER);
	sregs.apic_base = vmx->apic_base;
	if (vcpu->apic) {
		sregs.cr8 = vmrun_irqchip_get_cr8(vcpu);
		vmrun_irqchip_msr_read(vcpu, MSR_IA32_APICBASE, &sregs.apic_base);
	}

	return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

long vmx_set_sregs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_sregs sregs;
	unsigned int i;

	if (copy_from_user(&sregs, argp, sizeof(sregs)))
		return -EFAULT;
	/* EFER bits the guest may have; the CPU would refuse the others. */
	if (!vmrun_x86_sregs_valid(&sregs,
				   vmrun_x86_guest_cr4_mask(&vmx->cpuid),
				   EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(vmx_sregs_segs); i++)
		seg_from_kvm(vmx, vmx_sregs_segs[i].seg,
			     vmx_sregs_seg(&sregs, i));
	vmx_vmcs_write(vmx, GUEST_GDTR_BASE, sregs.gdt.base);
	vmx_vmcs_write(vmx, GUEST_GDTR_LIMIT, sregs.gdt.limit);
	vmx_vmcs_write(vmx, GUEST_IDTR_BASE, sregs.idt.base);
	vmx_vmcs_write(vmx, GUEST_IDTR_LIMIT, sregs.idt.limit);
	vmx_set_cr0(vmx, sregs.cr0);
	vmx->guest_cr2 = sregs.cr2;
	vmx_vmcs_write(vmx, GUEST_CR3, sregs.cr3);
	vmx_set_cr4(vmx, sregs.cr4);
	vmx_set_efer(vmx, sregs.efer);
	vmx->cr8 = sregs.cr8 & 0xf;
	vmx->apic_base = sregs.apic_base;
	if (vcpu->apic) {
		/* As KVM: the LAPIC takes both; a bad base is refused. */
		if (vmrun_irqchip_msr_write(vcpu, MSR_IA32_APICBASE,
					    sregs.apic_base, 0, true))
			return -EINVAL;
		vmrun_irqchip_set_cr8(vcpu, sregs.cr8);
	}
	/* New paging state: drop the guest's TLB, reload PAE's PDPTEs. */
	vmx->flush_pending = true;
	vmx->load_pdptrs = true;
	return 0;
}

/* What CPUID's state-dependent bits follow on this vCPU. */
void vmx_cpuid_state(struct vmrun_vcpu *vcpu, struct vmrun_cpuid_state *st)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	st->cr4 = vmx_vmcs_read(vmx, CR4_READ_SHADOW);
	st->xcr0 = vmx->xcr0;
	st->apic_base = vmx->apic_base;
	if (vcpu->apic)
		vmrun_irqchip_msr_read(vcpu, MSR_IA32_APICBASE, &st->apic_base);
	st->apic_id = vcpu->id;
}
