// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmrun-vmx.ko: the Intel VT-x backend. For now it checks that the CPU
 * offers VMX, that IA32_FEATURE_CONTROL allows VMXON outside SMX, and that
 * EPT and unrestricted guest are available, then registers with the core.
 * VMXON per CPU, VMCSs, EPT, VPID and the world switch come with the VT-x
 * issue.
 */
#include <linux/module.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <vmrun/backend.h>

/* Secondary processor-based controls, allowed-1 half of the MSR. */
#define VMRUN_VMX_SECONDARY_EPT			BIT_ULL(32 + 1)
#define VMRUN_VMX_SECONDARY_UNRESTRICTED	BIT_ULL(32 + 7)
#define VMRUN_VMX_PRIMARY_SECONDARY_CTLS	BIT_ULL(32 + 31)

static const struct vmrun_backend_ops vmx_ops = {
	.name = "vmx",
	.owner = THIS_MODULE,
};

static int vmx_hardware_check(void)
{
	u64 feat, procbased, procbased2;

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
	if (rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS, &procbased) ||
	    !(procbased & VMRUN_VMX_PRIMARY_SECONDARY_CTLS) ||
	    rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &procbased2) ||
	    !(procbased2 & VMRUN_VMX_SECONDARY_EPT) ||
	    !(procbased2 & VMRUN_VMX_SECONDARY_UNRESTRICTED)) {
		pr_err("vmrun-vmx: VT-x without EPT and unrestricted guest is not supported\n");
		return -ENODEV;
	}
	return 0;
}

static int __init vmx_init(void)
{
	int r;

	r = vmx_hardware_check();
	if (r)
		return r;
	return vmrun_backend_register(&vmx_ops);
}

static void __exit vmx_exit(void)
{
	vmrun_backend_unregister(&vmx_ops);
}

module_init(vmx_init);
module_exit(vmx_exit);

MODULE_DESCRIPTION("vmrun Intel VT-x (VMX) backend");
MODULE_LICENSE("GPL");
