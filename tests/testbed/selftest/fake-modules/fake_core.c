// SPDX-License-Identifier: GPL-2.0
/*
 * Placeholder "vmrun" core for the testbed's self-test: a misc device
 * /dev/vmrun that answers KVM_GET_API_VERSION and KVM_CHECK_EXTENSION and
 * nothing else, plus knobs to make the harness see trouble on purpose.
 */
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

static bool warn_on_load;
module_param(warn_on_load, bool, 0444);
MODULE_PARM_DESC(warn_on_load, "WARN once while loading (checks the log scanner)");

static bool pin;
module_param(pin, bool, 0444);
MODULE_PARM_DESC(pin, "hold a reference on ourselves so rmmod fails");

static bool wedge;
module_param(wedge, bool, 0444);
MODULE_PARM_DESC(wedge, "spin forever with interrupts off on the last CPU (checks the wedge detection)");

static const char *backend_name;

static int wedge_fn(void *unused)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
	return 0;
}

int vmrun_fake_register_backend(const char *name)
{
	if (backend_name)
		return -EBUSY;
	backend_name = name;
	pr_info("vmrun-fake: backend %s registered\n", name);
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_fake_register_backend);

void vmrun_fake_unregister_backend(void)
{
	pr_info("vmrun-fake: backend %s unregistered\n", backend_name);
	backend_name = NULL;
}
EXPORT_SYMBOL_GPL(vmrun_fake_unregister_backend);

static long fake_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations fake_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = fake_ioctl,
	.compat_ioctl = fake_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice fake_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmrun",
	.fops = &fake_fops,
};

static int __init fake_init(void)
{
	int ret = misc_register(&fake_dev);

	if (ret)
		return ret;
	WARN(warn_on_load, "vmrun-fake: warning on purpose (warn_on_load=1)\n");
	if (pin)
		__module_get(THIS_MODULE);
	if (wedge && num_online_cpus() > 1) {
		struct task_struct *t = kthread_create(wedge_fn, NULL, "vmrun-fake-wedge");

		if (!IS_ERR(t)) {
			kthread_bind(t, num_online_cpus() - 1);
			/* It never returns: keep the module pinned. */
			__module_get(THIS_MODULE);
			wake_up_process(t);
		}
	}
	pr_info("vmrun-fake: core loaded\n");
	return 0;
}

static void __exit fake_exit(void)
{
	misc_deregister(&fake_dev);
	pr_info("vmrun-fake: core unloaded\n");
}

module_init(fake_init);
module_exit(fake_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("testbed self-test placeholder for vmrun.ko");
