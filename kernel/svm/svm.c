// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmrun-svm.ko: the AMD-V backend. For now it checks that the CPU offers
 * SVM with nested paging and that firmware has not locked SVM off, and
 * registers with the core; enabling SVM per CPU (EFER.SVME, host save
 * area), VMCBs, ASIDs and the world switch come with the AMD-V issue.
 */
#include <linux/module.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <vmrun/backend.h>

/* VM_CR: firmware can disable SVM and lock the choice. */
#define VMRUN_MSR_VM_CR		0xc0010114
#define VMRUN_VM_CR_SVMDIS	BIT_ULL(4)

static const struct vmrun_backend_ops svm_ops = {
	.name = "svm",
	.owner = THIS_MODULE,
};

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
	if (rdmsrl_safe(VMRUN_MSR_VM_CR, &vm_cr) == 0 &&
	    (vm_cr & VMRUN_VM_CR_SVMDIS)) {
		pr_err("vmrun-svm: SVM is disabled by firmware (VM_CR.SVMDIS)\n");
		return -EPERM;
	}
	return 0;
}

static int __init svm_init(void)
{
	int r;

	r = svm_hardware_check();
	if (r)
		return r;
	return vmrun_backend_register(&svm_ops);
}

static void __exit svm_exit(void)
{
	vmrun_backend_unregister(&svm_ops);
}

module_init(svm_init);
module_exit(svm_exit);

MODULE_DESCRIPTION("vmrun AMD-V (SVM) backend");
MODULE_LICENSE("GPL");
