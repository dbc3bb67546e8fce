// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmrun.ko: the /dev/vmrun node and its system ioctls (the KVM ABI's
 * /dev/kvm subset). VMs and vCPUs live in vm.c and vcpu.c.
 *
 * No global state here beyond the misc device; the backend pointer has its
 * own lock in backend.c. Open VM and vCPU files pin this module through
 * their file_operations' owner, so unloading is safe at any time.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "internal.h"

static long vmrun_dev_ioctl(struct file *filp, unsigned int ioctl,
			    unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return vmrun_vm_create_fd(arg);
	case KVM_CHECK_EXTENSION:
		return vmrun_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : VMRUN_VCPU_MMAP_PAGES * PAGE_SIZE;
	default: {
		long r = vmrun_backend_dev_ioctl(ioctl, arg);

		return r == -ENOIOCTLCMD ? VMRUN_UNKNOWN_SYS_IOCTL : r;
	}
	}
}

static const struct file_operations vmrun_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vmrun_dev_ioctl,
	.llseek = noop_llseek,
};

/*
 * Root only, like a fresh /dev/kvm before udev rules: packagers grant a
 * group with a udev rule (scripts/60-vmrun.rules).
 */
static struct miscdevice vmrun_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmrun",
	.fops = &vmrun_dev_fops,
	.mode = 0600,
};

static int __init vmrun_init(void)
{
	int r;

	vmrun_stats_init();
	r = misc_register(&vmrun_dev);
	if (r) {
		pr_err("vmrun: cannot register /dev/vmrun: %d\n", r);
		vmrun_stats_exit();
		return r;
	}
	return 0;
}

static void __exit vmrun_exit(void)
{
	misc_deregister(&vmrun_dev);
	vmrun_stats_exit();
}

module_init(vmrun_init);
module_exit(vmrun_exit);

MODULE_DESCRIPTION("vmrun hypervisor core: /dev/vmrun, VMs, vCPUs, memory slots");
MODULE_LICENSE("GPL");
