// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VMCB of a vCPU: its reset state, and the special registers
 * (KVM_GET/SET_SREGS) that live in it.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/tlbflush.h>
#include <vmrun/core.h>

#include "../irq/irqchip.h"
#include "svm.h"

/* VMCB segment attribute bits (APM vol. 2, 15.5.1). */
#define SEG_TYPE(a)	((a) & 0xf)
#define SEG_S		BIT(4)
#define SEG_DPL(a)	(((a) >> 5) & 3)
#define SEG_P		BIT(7)
#define SEG_AVL		BIT(8)
#define SEG_L		BIT(9)
#define SEG_DB		BIT(10)
#define SEG_G		BIT(11)

#define SEG_DATA_RW_ACCESSED	(SEG_P | SEG_S | 0x3)
#define SEG_CODE_RX_ACCESSED	(SEG_P | SEG_S | 0xb)
#define SEG_LDT			(SEG_P | 0x2)
#define SEG_TSS16_BUSY		(SEG_P | 0x3)

#define SVM_RESET_CR0	(X86_CR0_NW | X86_CR0_CD | X86_CR0_ET)
#define SVM_RESET_PAT	0x0007040600070406ULL
#define SVM_RESET_DR6	0xffff0ff0ULL
#define SVM_RESET_DR7	0x400ULL

static void vmcb_set_intercept(struct vmcb_control_area *c, unsigned int bit)
{
	c->intercepts[bit / 32] |= BIT(bit % 32);
}

static void vmcb_seg_set(struct vmcb_seg *seg, u16 sel, u64 base, u32 limit,
			 u16 attrib)
{
	seg->selector = sel;
	seg->base = base;
	seg->limit = limit;
	seg->attrib = attrib;
}

/* The state after RESET (APM vol. 2, 14.1.3), as KVM reports it. */
void svm_vmcb_reset(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct vmcb_save_area *s = &svm->vmcb->save;
	static const unsigned int intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_CPUID,
		INTERCEPT_INVD, INTERCEPT_HLT, INTERCEPT_INVLPGA,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN,
		INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
		INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
		INTERCEPT_SKINIT, INTERCEPT_RDTSCP, INTERCEPT_WBINVD,
		INTERCEPT_MONITOR, INTERCEPT_MWAIT, INTERCEPT_XSETBV,
	};
	unsigned int i;

	memset(svm->vmcb, 0, PAGE_SIZE);
	/* The VMCB lost its ASID: the next entry takes a fresh one. */
	svm->asid = 0;

	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		vmcb_set_intercept(c, intercepts[i]);
	/* CR4 bits follow the guest's CPUID: every write is checked. */
	vmcb_set_intercept(c, INTERCEPT_CR4_WRITE);
	/* Machine checks belong to the host. */
	vmcb_set_intercept(c, INTERCEPT_EXCEPTION_OFFSET + MC_VECTOR);
	c->iopm_base_pa = svm_iopm_pa;
	c->msrpm_base_pa = svm_msrpm_pa;
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = vmrun_tdp_root_pa(&to_svm_vm(vcpu->vm)->npt);
	/* The guest's TSC starts at 0 when the vCPU is made. */
	c->tsc_offset = -rdtsc();

	vmcb_seg_set(&s->cs, 0xf000, 0xffff0000, 0xffff, SEG_CODE_RX_ACCESSED);
	vmcb_seg_set(&s->ds, 0, 0, 0xffff, SEG_DATA_RW_ACCESSED);
	vmcb_seg_set(&s->es, 0, 0, 0xffff, SEG_DATA_RW_ACCESSED);
	vmcb_seg_set(&s->fs, 0, 0, 0xffff, SEG_DATA_RW_ACCESSED);
	vmcb_seg_set(&s->gs, 0, 0, 0xffff, SEG_DATA_RW_ACCESSED);
	vmcb_seg_set(&s->ss, 0, 0, 0xffff, SEG_DATA_RW_ACCESSED);
	vmcb_seg_set(&s->ldtr, 0, 0, 0xffff, SEG_LDT);
	vmcb_seg_set(&s->tr, 0, 0, 0xffff, SEG_TSS16_BUSY);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->efer = EFER_SVME;	/* VMRUN requires it; the guest never sees it */
	s->cr0 = SVM_RESET_CR0;
	s->dr6 = SVM_RESET_DR6;
	s->dr7 = SVM_RESET_DR7;
	s->g_pat = SVM_RESET_PAT;

	svm->xcr0 = XFEATURE_MASK_FP;
	svm->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			 (vcpu->idx == 0 ? MSR_IA32_APICBASE_BSP : 0);
	memset(svm->dr, 0, sizeof(svm->dr));
}

static void seg_to_kvm(const struct vmcb_seg *seg, struct kvm_segment *k)
{
	u16 a = seg->attrib;

	memset(k, 0, sizeof(*k));
	k->base = seg->base;
	k->limit = seg->limit;
	k->selector = seg->selector;
	k->type = SEG_TYPE(a);
	k->s = !!(a & SEG_S);
	k->dpl = SEG_DPL(a);
	k->present = !!(a & SEG_P);
	k->avl = !!(a & SEG_AVL);
	k->l = !!(a & SEG_L);
	k->db = !!(a & SEG_DB);
	k->g = !!(a & SEG_G);
	k->unusable = !k->present;
}

static void seg_from_kvm(struct vmcb_seg *seg, const struct kvm_segment *k)
{
	seg->base = k->base;
	seg->limit = k->limit;
	seg->selector = k->selector;
	if (k->unusable || !k->present) {
		seg->attrib = 0;
		return;
	}
	seg->attrib = (k->type & 0xf) | (k->s ? SEG_S : 0) |
		      ((k->dpl & 3) << 5) | SEG_P | (k->avl ? SEG_AVL : 0) |
		      (k->l ? SEG_L : 0) | (k->db ? SEG_DB : 0) |
		      (k->g ? SEG_G : 0);
}

long svm_get_sregs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;
	struct kvm_sregs sregs;

	memset(&sregs, 0, sizeof(sregs));
	seg_to_kvm(&s->cs, &sregs.cs);
	seg_to_kvm(&s->ds, &sregs.ds);
	seg_to_kvm(&s->es, &sregs.es);
	seg_to_kvm(&s->fs, &sregs.fs);
	seg_to_kvm(&s->gs, &sregs.gs);
	seg_to_kvm(&s->ss, &sregs.ss);
	seg_to_kvm(&s->tr, &sregs.tr);
	seg_to_kvm(&s->ldtr, &sregs.ldt);
	sregs.gdt.base = s->gdtr.base;
	sregs.gdt.limit = s->gdtr.limit;
	sregs.idt.base = s->idtr.base;
	sregs.idt.limit = s->idtr.limit;
	sregs.cr0 = s->cr0;
	sregs.cr2 = s->cr2;
	sregs.cr3 = s->cr3;
	sregs.cr4 = s->cr4;
	sregs.cr8 = svm->vmcb->control.int_ctl & V_TPR_MASK;
	sregs.efer = s->efer & ~EFER_SVME;
	sregs.apic_base = svm->apic_base;
	if (vcpu->apic) {
		sregs.cr8 = vmrun_irqchip_get_cr8(vcpu);
		vmrun_irqchip_msr_read(vcpu, MSR_IA32_APICBASE, &sregs.apic_base);
	}

	return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

/* EFER bits a VMRUN accepts; the rest must be zero (APM 15.5.1). */
#define SVM_EFER_DEFINED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | \
				 EFER_SVME | EFER_LMSLE | EFER_FFXSR | BIT(15))

/*
 * The consistency checks VMRUN makes on the guest state (APM vol. 2,
 * 15.5.1), made here first: user space can set EFER with KVM_SET_SREGS
 * as KVM allows, and a CPU must then refuse the entry. QEMU's SVM does
 * not check them all, and a guest it runs in such a state can wedge the
 * host CPU; so vmrun refuses it itself, with the exit the hardware gives.
 */
bool svm_guest_state_valid(const struct vmcb_save_area *s)
{
	bool long_paging = (s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG);

	if (!(s->efer & EFER_SVME) || (s->efer & ~SVM_EFER_DEFINED))
		return false;
	if ((s->cr0 >> 32) ||
	    ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)))
		return false;
	if (long_paging && (!(s->cr4 & X86_CR4_PAE) ||
			    !(s->cr0 & X86_CR0_PE)))
		return false;
	if (long_paging && (s->cr4 & X86_CR4_PAE) &&
	    (s->cs.attrib & SEG_L) && (s->cs.attrib & SEG_DB))
		return false;
	if ((s->dr6 >> 32) || (s->dr7 >> 32))
		return false;
	return true;
}

long svm_set_sregs(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;
	struct kvm_sregs sregs;

	if (copy_from_user(&sregs, argp, sizeof(sregs)))
		return -EFAULT;
	/* Any EFER: svm_guest_state_valid() refuses a bad one at entry. */
	if (!vmrun_x86_sregs_valid(&sregs,
				   vmrun_x86_guest_cr4_mask(&svm->cpuid), ~0ULL))
		return -EINVAL;

	seg_from_kvm(&s->cs, &sregs.cs);
	seg_from_kvm(&s->ds, &sregs.ds);
	seg_from_kvm(&s->es, &sregs.es);
	seg_from_kvm(&s->fs, &sregs.fs);
	seg_from_kvm(&s->gs, &sregs.gs);
	seg_from_kvm(&s->ss, &sregs.ss);
	seg_from_kvm(&s->tr, &sregs.tr);
	seg_from_kvm(&s->ldtr, &sregs.ldt);
	s->cpl = SEG_DPL(s->cs.attrib);
	s->gdtr.base = sregs.gdt.base;
	s->gdtr.limit = sregs.gdt.limit;
	s->idtr.base = sregs.idt.base;
	s->idtr.limit = sregs.idt.limit;
	s->cr0 = sregs.cr0;
	s->cr2 = sregs.cr2;
	s->cr3 = sregs.cr3;
	if (s->cr4 != sregs.cr4)
		svm->asid = 0;	/* paging bits may change: a fresh ASID */
	s->cr4 = sregs.cr4;
	s->efer = sregs.efer | EFER_SVME;
	svm->vmcb->control.int_ctl = (svm->vmcb->control.int_ctl & ~V_TPR_MASK) |
				     (sregs.cr8 & V_TPR_MASK);
	svm->apic_base = sregs.apic_base;
	if (vcpu->apic) {
		/* As KVM: the LAPIC takes both; a bad base is refused. */
		if (vmrun_irqchip_msr_write(vcpu, MSR_IA32_APICBASE,
					    sregs.apic_base, 0, true))
			return -EINVAL;
		vmrun_irqchip_set_cr8(vcpu, sregs.cr8);
	}
	return 0;
}

/* What CPUID's state-dependent bits follow on this vCPU. */
void svm_cpuid_state(struct vmrun_vcpu *vcpu, struct vmrun_cpuid_state *st)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	st->cr4 = svm->vmcb->save.cr4;
	st->xcr0 = svm->xcr0;
	st->apic_base = svm->apic_base;
	if (vcpu->apic)
		vmrun_irqchip_msr_read(vcpu, MSR_IA32_APICBASE, &st->apic_base);
	st->apic_id = vcpu->id;
}
