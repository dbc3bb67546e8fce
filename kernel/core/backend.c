// SPDX-License-Identifier: GPL-2.0-only
/*
 * Backend registration. One backend at a time; it is published under
 * vmrun_backend_lock, and a VM pins the backend's module for its whole life.
 *
 * Locking: vmrun_backend_lock protects vmrun_backend. Calling a backend hook
 * while holding it is safe without a module reference: the backend's exit
 * path unregisters under the same lock before its code goes away.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <vmrun/backend.h>

#include "internal.h"

static DEFINE_MUTEX(vmrun_backend_lock);
static const struct vmrun_backend_ops *vmrun_backend;

int vmrun_backend_register(const struct vmrun_backend_ops *ops)
{
	int r = 0;

	if (!ops || !ops->name)
		return -EINVAL;

	mutex_lock(&vmrun_backend_lock);
	if (vmrun_backend) {
		pr_err("vmrun: cannot register backend %s: %s is already registered\n",
		       ops->name, vmrun_backend->name);
		r = -EBUSY;
	} else {
		vmrun_backend = ops;
		pr_info("vmrun: backend %s registered\n", ops->name);
	}
	mutex_unlock(&vmrun_backend_lock);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_backend_register);

void vmrun_backend_unregister(const struct vmrun_backend_ops *ops)
{
	mutex_lock(&vmrun_backend_lock);
	if (vmrun_backend == ops) {
		vmrun_backend = NULL;
		pr_info("vmrun: backend %s unregistered\n", ops->name);
	}
	mutex_unlock(&vmrun_backend_lock);
}
EXPORT_SYMBOL_GPL(vmrun_backend_unregister);

/* Returns the backend with its module pinned, or NULL when there is none. */
const struct vmrun_backend_ops *vmrun_backend_get(void)
{
	const struct vmrun_backend_ops *ops;

	mutex_lock(&vmrun_backend_lock);
	ops = vmrun_backend;
	if (ops && !try_module_get(ops->owner))
		ops = NULL;	/* its module is on the way out */
	mutex_unlock(&vmrun_backend_lock);
	return ops;
}

void vmrun_backend_put(const struct vmrun_backend_ops *ops)
{
	module_put(ops->owner);
}

/* A /dev/vmrun ioctl for the backend, its module pinned for the call. */
long vmrun_backend_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	const struct vmrun_backend_ops *ops = vmrun_backend_get();
	long r = -ENOIOCTLCMD;

	if (!ops)
		return r;
	if (ops->dev_ioctl)
		r = ops->dev_ioctl(ioctl, arg);
	vmrun_backend_put(ops);
	return r;
}

/* For /dev/vmrun, where no VM pins the backend. */
long vmrun_backend_check_extension(struct vmrun_vm *vm, long cap)
{
	const struct vmrun_backend_ops *ops;
	long r = 0;

	if (vm) {
		ops = vm->ops;
		return ops->check_extension ? ops->check_extension(vm, cap) : 0;
	}

	mutex_lock(&vmrun_backend_lock);
	ops = vmrun_backend;
	if (ops && ops->check_extension)
		r = ops->check_extension(NULL, cap);
	mutex_unlock(&vmrun_backend_lock);
	return r;
}
