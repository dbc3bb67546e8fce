// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmrun-arm64.ko: the arm64 backend. vmrun runs its hypervisor code in the
 * host kernel at EL2, which needs VHE (the kernel itself booted at EL2 with
 * HCR_EL2.E2H set). For now this checks that, and registers with the core;
 * stage-2 tables, the vGICv3, timers and the world switch come with the
 * arm64 issue.
 */
#include <linux/module.h>
#include <asm/virt.h>
#include <vmrun/backend.h>

static const struct vmrun_backend_ops arm64_ops = {
	.name = "arm64",
	.owner = THIS_MODULE,
};

static int __init arm64_backend_init(void)
{
	if (!is_kernel_in_hyp_mode()) {
		pr_err("vmrun-arm64: the kernel does not run at EL2 with VHE; vmrun needs it\n");
		return -ENODEV;
	}
	return vmrun_backend_register(&arm64_ops);
}

static void __exit arm64_backend_exit(void)
{
	vmrun_backend_unregister(&arm64_ops);
}

module_init(arm64_backend_init);
module_exit(arm64_backend_exit);

MODULE_DESCRIPTION("vmrun arm64 (EL2, VHE) backend");
MODULE_LICENSE("GPL");
