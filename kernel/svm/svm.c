// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmrun-svm.ko: the AMD-V backend. This file holds the module: the hardware
 * checks, SVM enabled on every CPU for as long as the module is loaded
 * (load, CPU hotplug, suspend/resume, emergency reboot), the I/O and MSR
 * permission maps, and the ops table. vmcb.c holds the guest state, run.c
 * the run loop and exit handlers, entry.S the world switch.
 *
 * Global state: svm_cpus (per-CPU, see svm.h), svm_iopm and svm_msrpm
 * (written once at load, read-only after), svm_hotplug_state (load/unload
 * only).
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/syscore_ops.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/reboot.h>
#include <vmrun/backend.h>

#include "../irq/irqchip.h"
#include "../x86/cpuid.h"
#include "svm.h"

/* VM_CR: firmware can disable SVM and lock the choice. */
#define SVM_MSR_VM_CR		0xc0010114
#define SVM_VM_CR_SVMDIS	BIT_ULL(4)

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);
static int svm_hotplug_state;

/* Intercept every port and every MSR: what the guest may touch is decided
 * in the exit handlers. One copy serves all vCPUs.
 */
#define SVM_IOPM_ORDER	2	/* 12 KiB used */
#define SVM_MSRPM_ORDER	1	/* 8 KiB */
unsigned long svm_iopm_pa, svm_msrpm_pa;
static struct page *svm_iopm, *svm_msrpm;

struct svm_cpu *svm_this_cpu(void)
{
	return this_cpu_ptr(&svm_cpus);
}

static void svm_cpu_hw_disable(void)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		/* GIF may be clear if we crashed in the world switch. */
		asm volatile("stgi");
		wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	}
}

static int svm_cpu_hw_enable(struct svm_cpu *sd)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("vmrun-svm: SVM is already enabled on CPU %d: another hypervisor (kvm-amd?) owns it\n",
		       smp_processor_id());
		return -EBUSY;
	}
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sd->hsave));
	return 0;
}

/* CPU hotplug callbacks: run on the CPU in question, may sleep. */
static int svm_cpu_online(unsigned int cpu)
{
	struct svm_cpu *sd = per_cpu_ptr(&svm_cpus, cpu);
	int r;

	sd->hsave = alloc_page(GFP_KERNEL | __GFP_ZERO);
	sd->host_vmcb = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!sd->hsave || !sd->host_vmcb) {
		r = -ENOMEM;
		goto free;
	}
	sd->max_asid = cpuid_ebx(SVM_CPUID_FUNC) - 1;
	sd->next_asid = sd->max_asid + 1;	/* first use starts a generation */
	sd->asid_generation = 1;

	local_irq_disable();
	r = svm_cpu_hw_enable(sd);
	local_irq_enable();
	if (!r)
		return 0;
free:
	if (sd->hsave)
		__free_page(sd->hsave);
	if (sd->host_vmcb)
		__free_page(sd->host_vmcb);
	sd->hsave = NULL;
	sd->host_vmcb = NULL;
	return r;
}

static int svm_cpu_offline(unsigned int cpu)
{
	struct svm_cpu *sd = per_cpu_ptr(&svm_cpus, cpu);

	local_irq_disable();
	svm_cpu_hw_disable();
	local_irq_enable();
	__free_page(sd->hsave);
	__free_page(sd->host_vmcb);
	sd->hsave = NULL;
	sd->host_vmcb = NULL;
	return 0;
}

/*
 * Suspend runs on the last CPU standing, the others having gone through
 * the hotplug callbacks; resume comes back on it.
 */
static int svm_suspend(void)
{
	svm_cpu_hw_disable();
	return 0;
}

static void svm_resume(void)
{
	if (svm_cpu_hw_enable(this_cpu_ptr(&svm_cpus)))
		pr_err("vmrun-svm: could not enable SVM again after resume\n");
}

static struct syscore_ops svm_syscore_ops = {
	.suspend = svm_suspend,
	.resume = svm_resume,
};

/* Crash, kexec, emergency reboot: SVM off, whatever it was doing. */
static void svm_emergency_disable(void)
{
	svm_cpu_hw_disable();
}

static int svm_hardware_check(void)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("vmrun-svm: this CPU does not offer AMD-V (SVM)\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_NPT)) {
		pr_err("vmrun-svm: this CPU offers SVM without nested paging; vmrun needs NPT\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(SVM_MSR_VM_CR, &vm_cr) == 0 &&
	    (vm_cr & SVM_VM_CR_SVMDIS)) {
		pr_err("vmrun-svm: SVM is disabled by firmware (VM_CR.SVMDIS)\n");
		return -EPERM;
	}
	return 0;
}

static int svm_permission_maps_alloc(void)
{
	svm_iopm = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm_msrpm = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm) {
		if (svm_iopm)
			__free_pages(svm_iopm, SVM_IOPM_ORDER);
		if (svm_msrpm)
			__free_pages(svm_msrpm, SVM_MSRPM_ORDER);
		return -ENOMEM;
	}
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(svm_msrpm), 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	svm_iopm_pa = page_to_phys(svm_iopm);
	svm_msrpm_pa = page_to_phys(svm_msrpm);
	return 0;
}

static void svm_permission_maps_free(void)
{
	__free_pages(svm_iopm, SVM_IOPM_ORDER);
	__free_pages(svm_msrpm, SVM_MSRPM_ORDER);
}

static int svm_vm_init(struct vmrun_vm *vm)
{
	struct svm_vm *svm_vm;
	int r;

	svm_vm = kzalloc(sizeof(*svm_vm), GFP_KERNEL_ACCOUNT);
	if (!svm_vm)
		return -ENOMEM;
	r = vmrun_tdp_init(&svm_vm->npt, &vmrun_tdp_npt, vm, svm_flush_vm);
	if (r) {
		kfree(svm_vm);
		return r;
	}
	atomic64_set(&svm_vm->tlb_generation, 1);
	vm->priv = svm_vm;
	return 0;
}

static void svm_vm_destroy(struct vmrun_vm *vm)
{
	struct svm_vm *svm_vm = to_svm_vm(vm);

	vmrun_tdp_destroy(&svm_vm->npt);
	kfree(svm_vm);
}

static void svm_memslot_removed(struct vmrun_vm *vm,
				const struct vmrun_memslot *old)
{
	vmrun_tdp_zap(&to_svm_vm(vm)->npt, old->base_gfn, old->npages);
}

static int svm_vcpu_init(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm;
	struct page *page;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto free_svm;
	if (!fpu_alloc_guest_fpstate(&svm->fpu))
		goto free_page;

	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	vmrun_x86_events_reset(&svm->ev);
	vcpu->priv = svm;
	svm_vmcb_reset(vcpu);
	return 0;

free_page:
	__free_page(page);
free_svm:
	kfree(svm);
	return -ENOMEM;
}

static void svm_vcpu_destroy(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	fpu_free_guest_fpstate(&svm->fpu);
	vmrun_x86_cpuid_free(&svm->cpuid);
	__free_page(virt_to_page(svm->vmcb));
	kfree(svm);
}

static long svm_vcpu_ioctl(struct vmrun_vcpu *vcpu, unsigned int ioctl,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct svm_vcpu *svm = to_svm(vcpu);
	const struct vmrun_x86_vcpu x86 = {
		.fpu = &svm->fpu,
		.xcr0 = &svm->xcr0,
		.ev = &svm->ev,
		.cpuid = &svm->cpuid,
		.has_run = svm->has_run,
		.reset = &svm_reset_ops,
		.msr = &svm_msr_ops,
		.cpuid_state = svm_cpuid_state,
	};

	switch (ioctl) {
	case KVM_GET_SREGS:
		return svm_get_sregs(vcpu, argp);
	case KVM_SET_SREGS:
		return svm_set_sregs(vcpu, argp);
	case KVM_GET_VCPU_EVENTS:
		return svm_get_vcpu_events(vcpu, argp);
	case KVM_SET_VCPU_EVENTS:
		return svm_set_vcpu_events(vcpu, argp);
	default:
		return vmrun_x86_vcpu_ioctl(vcpu, &x86, ioctl, argp);
	}
}

static long svm_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	return vmrun_x86_dev_ioctl(ioctl, (void __user *)arg,
				   svm_get_msr_index_list);
}

static const struct vmrun_backend_ops svm_ops = {
	.name = "svm",
	.owner = THIS_MODULE,
	.check_extension = vmrun_x86_check_extension,
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vcpu_init = svm_vcpu_init,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_run = svm_vcpu_run,
	.vcpu_ioctl = svm_vcpu_ioctl,
	.vm_ioctl = vmrun_x86_vm_ioctl,
	.dev_ioctl = svm_dev_ioctl,
	.memslot_removed = svm_memslot_removed,
};

static int __init svm_init(void)
{
	int r;

	r = svm_hardware_check();
	if (r)
		return r;
	r = svm_permission_maps_alloc();
	if (r)
		return r;

	/* Brings SVM up on every online CPU, or on none. */
	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "vmrun/svm:online",
			      svm_cpu_online, svm_cpu_offline);
	if (r < 0)
		goto free_maps;
	svm_hotplug_state = r;
	register_syscore_ops(&svm_syscore_ops);
	cpu_emergency_register_virt_callback(svm_emergency_disable);

	r = vmrun_backend_register(&svm_ops);
	if (r)
		goto unwind;
	return 0;

unwind:
	cpu_emergency_unregister_virt_callback(svm_emergency_disable);
	unregister_syscore_ops(&svm_syscore_ops);
	cpuhp_remove_state(svm_hotplug_state);
free_maps:
	svm_permission_maps_free();
	return r;
}

static void __exit svm_exit(void)
{
	vmrun_backend_unregister(&svm_ops);
	cpu_emergency_unregister_virt_callback(svm_emergency_disable);
	unregister_syscore_ops(&svm_syscore_ops);
	cpuhp_remove_state(svm_hotplug_state);
	svm_permission_maps_free();
}

module_init(svm_init);
module_exit(svm_exit);

MODULE_DESCRIPTION("vmrun AMD-V (SVM) backend");
MODULE_LICENSE("GPL");
