// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmrun-vmx.ko: the Intel VT-x backend. This file holds the module: the
 * hardware checks and the VMCS controls chosen from the capability MSRs,
 * VMX operation (VMXON) on every CPU for as long as the module is loaded
 * (load, CPU hotplug, suspend/resume, emergency reboot), VPIDs, and the
 * ops table. vmcs.c holds the VMCS
 * and the guest state in it, run.c the run loop and exit handlers, entry.S
 * the world switch.
 *
 * Global state: vmx_cpus (per-CPU, see vmx.h), vmx_caps (written once at
 * load, read-only after), vmx_vpids (under vmx_vpid_lock),
 * vmx_hotplug_state (load/unload only).
 */
#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/syscore_ops.h>
#include <asm/tsc.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/reboot.h>
#include <asm/tlbflush.h>
#include <vmrun/backend.h>

#include "../x86/cpuid.h"
#include "../irq/irqchip.h"
#include "vmx.h"

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpus);
static int vmx_hotplug_state;
struct vmx_caps vmx_caps;

static DECLARE_BITMAP(vmx_vpids, VMX_NR_VPIDS);
static DEFINE_SPINLOCK(vmx_vpid_lock);

struct vmx_cpu *vmx_this_cpu(void)
{
	return this_cpu_ptr(&vmx_cpus);
}

/* VMXON with CR4.VMXE set; false if the CPU refused (VMfail or a fault). */
static bool vmx_vmxon(u64 pa)
{
	u8 failed = 1;

	/* A fault skips the SETNA: failed stays set. */
	asm volatile("1: vmxon %[pa]\n\t"
		     "setna %[failed]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [failed] "+qm"(failed) : [pa] "m"(pa) : "cc", "memory");
	return !failed;
}

/* VMXOFF and CR4.VMXE off, if VMX is on; interrupts off. */
static void vmx_cpu_hw_disable(void)
{
	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	asm volatile("1: vmxoff\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : : "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
}

/* Interrupts off. */
static int vmx_cpu_hw_enable(struct vmx_cpu *vc)
{
	u64 feat;

	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err("vmrun-vmx: VMX is already enabled on CPU %d: another hypervisor (kvm-intel?) owns it\n",
		       smp_processor_id());
		return -EBUSY;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("vmrun-vmx: IA32_FEATURE_CONTROL does not allow VMXON on CPU %d\n",
		       smp_processor_id());
		return -EPERM;
	}
	cr4_set_bits(X86_CR4_VMXE);
	if (!vmx_vmxon(virt_to_phys(vc->vmxon_region))) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err("vmrun-vmx: VMXON failed on CPU %d\n", smp_processor_id());
		return -EIO;
	}
	vc->current_vmcs = NULL;
	return 0;
}

/* CPU hotplug callbacks: run on the CPU in question, may sleep. */
static int vmx_cpu_online(unsigned int cpu)
{
	struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);
	int r;

	INIT_LIST_HEAD(&vc->loaded);
	vc->vmxon_region = (void *)get_zeroed_page(GFP_KERNEL);
	if (!vc->vmxon_region)
		return -ENOMEM;
	*(u32 *)vc->vmxon_region = vmx_caps.revision;

	local_irq_disable();
	r = vmx_cpu_hw_enable(vc);
	local_irq_enable();
	if (r) {
		free_page((unsigned long)vc->vmxon_region);
		vc->vmxon_region = NULL;
	}
	return r;
}

static int vmx_cpu_offline(unsigned int cpu)
{
	struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

	local_irq_disable();
	vmx_vmcs_clear_cpu();
	vmx_cpu_hw_disable();
	local_irq_enable();
	free_page((unsigned long)vc->vmxon_region);
	vc->vmxon_region = NULL;
	return 0;
}

/*
 * Suspend runs on the last CPU standing, the others having gone through
 * the hotplug callbacks; resume comes back on it.
 */
static int vmx_suspend(void)
{
	vmx_vmcs_clear_cpu();
	vmx_cpu_hw_disable();
	return 0;
}

static void vmx_resume(void)
{
	if (vmx_cpu_hw_enable(this_cpu_ptr(&vmx_cpus)))
		pr_err("vmrun-vmx: could not enable VMX again after resume\n");
}

static struct syscore_ops vmx_syscore_ops = {
	.suspend = vmx_suspend,
	.resume = vmx_resume,
};

/*
 * Crash, kexec, emergency reboot: VMX off, whatever it was doing (INIT is
 * blocked in VMX operation). The VMCSs are not cleared: nothing reads
 * them afterwards.
 */
static void vmx_emergency_disable(void)
{
	vmx_cpu_hw_disable();
}

/*
 * A control field's value: @want where the capability MSR allows it, the
 * bits it forces on, and -ENODEV if a bit of @need is not allowed.
 */
static int vmx_adjust(u32 msr, u32 want, u32 need, u32 *out)
{
	u64 cap;

	if (rdmsrl_safe(msr, &cap))
		return -ENODEV;
	*out = (want | (u32)cap) & (u32)(cap >> 32);
	return (*out & need) == need ? 0 : -ENODEV;
}

/*
 * The longest a guest runs between two VM exits. On hardware the host's
 * own interrupts end a guest's run whatever the guest does. Bochs 2.7, our
 * VT-x testbed, recomputes its interrupt mask during VM entry before it
 * counts itself in VMX non-root operation, so a guest entered with IF=0
 * (and a host with IF=0, as here) never exits for the host's timer and
 * holds the CPU for good. The VMX preemption timer ends every run within
 * this bound on any implementation; on hardware it costs one exit per
 * slice, far below the host's own tick rate at the default.
 */
static unsigned int slice_us = 1000;
module_param(slice_us, uint, 0444);
MODULE_PARM_DESC(slice_us,
		 "Longest guest run between VM exits, microseconds, by the VMX preemption timer (0: unbounded)");

static void vmx_setup_slice(void)
{
	u64 misc, ticks;

	vmx_caps.slice = 0;
	if (!slice_us || !tsc_khz || rdmsrl_safe(MSR_IA32_VMX_MISC, &misc) ||
	    !(vmx_caps.pin & PIN_BASED_VMX_PREEMPTION_TIMER)) {
		vmx_caps.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
		return;
	}
	/* The timer counts down at the TSC rate >> IA32_VMX_MISC[4:0]. */
	ticks = ((u64)slice_us * tsc_khz / 1000) >>
		(misc & GENMASK_ULL(4, 0));
	vmx_caps.slice = clamp_t(u64, ticks, 1, U32_MAX);
}

static int vmx_setup_caps(void)
{
	const u32 pin = PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
			PIN_BASED_VIRTUAL_NMIS;
	const u32 proc = CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
			 CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
			 CPU_BASED_USE_TSC_OFFSETTING | CPU_BASED_MWAIT_EXITING |
			 CPU_BASED_MONITOR_EXITING |
			 CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	/* RDTSCP and RDPID: the supported CPUID offers them. */
	const u32 proc2 = SECONDARY_EXEC_ENABLE_EPT |
			  SECONDARY_EXEC_UNRESTRICTED_GUEST |
			  SECONDARY_EXEC_ENABLE_RDTSCP;
	const u32 exit = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_IA32_EFER |
			 VM_EXIT_SAVE_IA32_EFER;
	const u32 entry = VM_ENTRY_LOAD_IA32_EFER;
	bool true_ctls;
	u64 basic, ept;

	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &basic) ||
	    rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept))
		return -ENODEV;
	true_ctls = basic & BIT_ULL(55);
	vmx_caps.revision = basic & 0x7fffffff;
	vmx_caps.ins_outs_info = basic & BIT_ULL(54);
	/* VMCS regions in write-back memory, at most a page. */
	if (((basic >> 50) & 0xf) != 6 || ((basic >> 32) & 0x1fff) > PAGE_SIZE)
		return -ENODEV;

	if (vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
		       MSR_IA32_VMX_PINBASED_CTLS,
		       pin | PIN_BASED_VMX_PREEMPTION_TIMER, pin,
		       &vmx_caps.pin) ||
	    vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
		       MSR_IA32_VMX_PROCBASED_CTLS, proc,
		       proc & ~CPU_BASED_USE_TSC_OFFSETTING, &vmx_caps.proc) ||
	    vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
		       proc2 | SECONDARY_EXEC_ENABLE_VPID |
		       SECONDARY_EXEC_WBINVD_EXITING, proc2, &vmx_caps.proc2) ||
	    vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
		       MSR_IA32_VMX_EXIT_CTLS,
		       exit | VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_PAT,
		       exit, &vmx_caps.exit) ||
	    vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
		       MSR_IA32_VMX_ENTRY_CTLS, entry | VM_ENTRY_LOAD_IA32_PAT,
		       entry, &vmx_caps.entry))
		return -ENODEV;
	/* The interrupt and NMI windows are switched on when needed. */
	if (rdmsrl_safe(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			MSR_IA32_VMX_PROCBASED_CTLS, &basic) ||
	    (~(basic >> 32) & (CPU_BASED_INTR_WINDOW_EXITING |
			       CPU_BASED_NMI_WINDOW_EXITING)))
		return -ENODEV;
	/* CR3 accesses run free with EPT; no other exit we did not ask for. */
	if (vmx_caps.proc & (CPU_BASED_CR3_LOAD_EXITING |
			     CPU_BASED_CR3_STORE_EXITING |
			     CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS))
		return -ENODEV;
	/* PAT is switched as a pair, or not at all. */
	if (!(vmx_caps.exit & VM_EXIT_LOAD_IA32_PAT) ||
	    !(vmx_caps.exit & VM_EXIT_SAVE_IA32_PAT) ||
	    !(vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT)) {
		vmx_caps.exit &= ~(VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_PAT);
		vmx_caps.entry &= ~VM_ENTRY_LOAD_IA32_PAT;
	}
	/* The guest's IA-32e mode is set per entry. */
	vmx_caps.entry &= ~VM_ENTRY_IA32E_MODE;

	/* Four-level EPT in write-back memory, and INVEPT to flush it. */
	if (!(ept & VMX_EPT_PAGE_WALK_4_BIT) || !(ept & VMX_EPTP_WB_BIT) ||
	    !(ept & VMX_EPT_INVEPT_BIT) ||
	    !(ept & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT)))
		return -ENODEV;
	vmx_caps.invept_single = ept & VMX_EPT_EXTENT_CONTEXT_BIT;
	/* VPIDs need INVVPID (bit 32 of the MSR) for nothing here: INVEPT
	 * flushes every VPID's entries of an EPTP. Offered is enough.
	 */
	vmx_caps.vpid = vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_VPID;

	vmx_setup_slice();

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_caps.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_caps.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_caps.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_caps.cr4_fixed1);
	return 0;
}

static int vmx_hardware_check(void)
{
	u64 feat;

	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("vmrun-vmx: this CPU does not offer VT-x (VMX), or firmware disabled it\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("vmrun-vmx: IA32_FEATURE_CONTROL does not allow VMXON outside SMX\n");
		return -EPERM;
	}
	if (vmx_setup_caps()) {
		pr_err("vmrun-vmx: VT-x without EPT, unrestricted guest, RDTSCP and the EFER load/save controls is not supported\n");
		return -ENODEV;
	}
	return 0;
}

/* A VPID for a vCPU, or 0 (none: every entry and exit flushes). */
static u16 vmx_vpid_alloc(void)
{
	unsigned long vpid;

	if (!vmx_caps.vpid)
		return 0;
	spin_lock(&vmx_vpid_lock);
	vpid = find_next_zero_bit(vmx_vpids, VMX_NR_VPIDS, 1);
	if (vpid < VMX_NR_VPIDS)
		__set_bit(vpid, vmx_vpids);
	else
		vpid = 0;
	spin_unlock(&vmx_vpid_lock);
	return vpid;
}

static void vmx_vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpids);
	spin_unlock(&vmx_vpid_lock);
}

static int vmx_vm_init(struct vmrun_vm *vm)
{
	struct vmx_vm *vmx_vm;
	int r;

	vmx_vm = kzalloc(sizeof(*vmx_vm), GFP_KERNEL_ACCOUNT);
	if (!vmx_vm)
		return -ENOMEM;
	r = vmrun_tdp_init(&vmx_vm->ept, &vmrun_tdp_ept, vm, vmx_flush_vm);
	if (r) {
		kfree(vmx_vm);
		return r;
	}
	vmx_vm->eptp = vmrun_tdp_root_pa(&vmx_vm->ept) | VMX_EPTP_MT_WB |
		       VMX_EPTP_PWL_4;
	atomic64_set(&vmx_vm->tlb_generation, 1);
	vm->priv = vmx_vm;
	return 0;
}

static void vmx_vm_destroy(struct vmrun_vm *vm)
{
	struct vmx_vm *vmx_vm = to_vmx_vm(vm);

	vmrun_tdp_destroy(&vmx_vm->ept);
	kfree(vmx_vm);
}

static void vmx_memslot_removed(struct vmrun_vm *vm,
				const struct vmrun_memslot *old)
{
	vmrun_tdp_zap(&to_vmx_vm(vm)->ept, old->base_gfn, old->npages);
}

static int vmx_vcpu_init(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx;
	struct page *page;

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto free_vmx;
	if (!fpu_alloc_guest_fpstate(&vmx->fpu))
		goto free_page;

	vmx->vcpu = vcpu;
	vmx->vmcs = page_address(page);
	vmx->vmcs_pa = page_to_phys(page);
	*(u32 *)vmx->vmcs = vmx_caps.revision;
	vmx->vmcs_cpu = -1;
	vmx->last_cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vmx->vpid = vmx_vpid_alloc();
	vmrun_x86_events_reset(&vmx->ev);
	vcpu->priv = vmx;
	vmx_vmcs_setup(vcpu);
	return 0;

free_page:
	__free_page(page);
free_vmx:
	kfree(vmx);
	return -ENOMEM;
}

static void vmx_vcpu_destroy(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vmcs_clear(vmx);
	vmx_vpid_free(vmx->vpid);
	fpu_free_guest_fpstate(&vmx->fpu);
	vmrun_x86_cpuid_free(&vmx->cpuid);
	__free_page(virt_to_page(vmx->vmcs));
	kfree(vmx);
}

static long vmx_vcpu_ioctl(struct vmrun_vcpu *vcpu, unsigned int ioctl,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	const struct vmrun_x86_vcpu x86 = {
		.fpu = &vmx->fpu,
		.xcr0 = &vmx->xcr0,
		.ev = &vmx->ev,
		.cpuid = &vmx->cpuid,
		.has_run = vmx->has_run,
		.reset = &vmx_reset_ops,
		.msr = &vmx_msr_ops,
		.cpuid_state = vmx_cpuid_state,
	};

	switch (ioctl) {
	case KVM_GET_SREGS:
		return vmx_get_sregs(vcpu, argp);
	case KVM_SET_SREGS:
		return vmx_set_sregs(vcpu, argp);
	case KVM_GET_VCPU_EVENTS:
		return vmx_get_vcpu_events(vcpu, argp);
	case KVM_SET_VCPU_EVENTS:
		return vmx_set_vcpu_events(vcpu, argp);
	default:
		return vmrun_x86_vcpu_ioctl(vcpu, &x86, ioctl, argp);
	}
}

static long vmx_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	return vmrun_x86_dev_ioctl(ioctl, (void __user *)arg,
				   vmx_get_msr_index_list);
}

static const struct vmrun_backend_ops vmx_ops = {
	.name = "vmx",
	.owner = THIS_MODULE,
	.check_extension = vmrun_x86_check_extension,
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_run = vmx_vcpu_run,
	.vcpu_ioctl = vmx_vcpu_ioctl,
	.vm_ioctl = vmrun_x86_vm_ioctl,
	.dev_ioctl = vmx_dev_ioctl,
	.memslot_removed = vmx_memslot_removed,
};

static int __init vmx_init(void)
{
	int r;

	r = vmx_hardware_check();
	if (r)
		return r;

	/* Brings VMX up on every online CPU, or on none. */
	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "vmrun/vmx:online",
			      vmx_cpu_online, vmx_cpu_offline);
	if (r < 0)
		return r;
	vmx_hotplug_state = r;
	register_syscore_ops(&vmx_syscore_ops);
	cpu_emergency_register_virt_callback(vmx_emergency_disable);

	/* run.c switches host state lazily, on a preempt notifier. */
	preempt_notifier_inc();
	r = vmrun_backend_register(&vmx_ops);
	if (r)
		goto unwind;
	return 0;

unwind:
	preempt_notifier_dec();
	cpu_emergency_unregister_virt_callback(vmx_emergency_disable);
	unregister_syscore_ops(&vmx_syscore_ops);
	cpuhp_remove_state(vmx_hotplug_state);
	return r;
}

static void __exit vmx_exit(void)
{
	vmrun_backend_unregister(&vmx_ops);
	preempt_notifier_dec();
	cpu_emergency_unregister_virt_callback(vmx_emergency_disable);
	unregister_syscore_ops(&vmx_syscore_ops);
	cpuhp_remove_state(vmx_hotplug_state);
}

module_init(vmx_init);
module_exit(vmx_exit);

MODULE_DESCRIPTION("vmrun Intel VT-x (VMX) backend");
MODULE_LICENSE("GPL");
