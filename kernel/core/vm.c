// SPDX-License-Identifier: GPL-2.0-only
/*
 * VM objects: creation from /dev/vmrun, the VM file and its ioctls, and
 * teardown when the last reference goes.
 *
 * Lifetime: the VM file holds one reference and every vCPU file another
 * (vcpu.c). vCPU objects are freed with the VM, not with their files, so a
 * vCPU pointer is valid for as long as the VM is. The VM pins its backend
 * module and, through the files' fops owner, this module.
 *
 * Locking: vm->lock protects the vCPU table (vcpu.c); memory slots have
 * their own lock and SRCU (memslot.c). Nothing here needs more than that:
 * creation publishes the VM only once it is complete, and destruction runs
 * when no file can reach it.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <vmrun/backend.h>

#include "internal.h"
#ifdef CONFIG_X86
#include "../irq/irqchip.h"
#endif

/* Frees what vmrun_vm_alloc() made; the backend's part is gone already. */
static void vmrun_vm_free(struct vmrun_vm *vm)
{
	const struct vmrun_backend_ops *ops = vm->ops;
	struct vmrun_memslots *slots;

	/* No reader can remain: every file that could reach the VM is gone. */
	vmrun_io_bus_destroy(vm);
	slots = rcu_dereference_protected(vm->memslots, 1);
	vmrun_stat_add(VMRUN_STAT_MEMSLOTS, -(long)slots->nr);
	kvfree(slots);
	cleanup_srcu_struct(&vm->srcu);

	mmdrop(vm->mm);
	kfree(vm);
	vmrun_stat_add(VMRUN_STAT_VMS, -1);
	vmrun_backend_put(ops);
}

static void vmrun_vm_destroy(struct kref *ref)
{
	struct vmrun_vm *vm = container_of(ref, struct vmrun_vm, ref);
	struct vmrun_vcpu *vcpu;
	unsigned long i;

#ifdef CONFIG_X86
	/*
	 * The PIT and irqfds first: they drive the routing table and the
	 * irqchip, which the vCPUs use.
	 */
	vmrun_irqchip_stop(vm);
	vmrun_irq_vm_destroy(vm);
	vmrun_irqchip_destroy(vm);
#endif
	xa_for_each(&vm->vcpus, i, vcpu)
		vmrun_vcpu_free(vcpu);
	xa_destroy(&vm->vcpus);

	if (vm->ops->vm_destroy)
		vm->ops->vm_destroy(vm);
	vmrun_vm_free(vm);
}

void vmrun_vm_put(struct vmrun_vm *vm)
{
	kref_put(&vm->ref, vmrun_vm_destroy);
}

static int vmrun_vm_release(struct inode *inode, struct file *filp)
{
	vmrun_vm_put(filp->private_data);
	return 0;
}

static long vmrun_vm_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	struct vmrun_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	/* As KVM: a VM belongs to the address space that created it. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return vmrun_vcpu_create(vm, arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mem;

		if (copy_from_user(&mem, argp, sizeof(mem)))
			return -EFAULT;
		return vmrun_set_memory_region(vm, &mem);
	}
	case KVM_CHECK_EXTENSION:
		return vmrun_check_extension(vm, arg);
	default:
		break;
	}
#ifdef CONFIG_X86
	r = vmrun_irqchip_vm_ioctl(vm, ioctl, arg);
	if (r != -ENOIOCTLCMD)
		return r;
	r = vmrun_irq_vm_ioctl(vm, ioctl, arg);
	if (r != -ENOIOCTLCMD)
		return r;
#endif
	if (vm->ops->vm_ioctl) {
		r = vm->ops->vm_ioctl(vm, ioctl, arg);
		if (r != -ENOIOCTLCMD)
			return r;
	}
	return VMRUN_UNKNOWN_VM_IOCTL;
}

static const struct file_operations vmrun_vm_fops = {
	.owner = THIS_MODULE,
	.release = vmrun_vm_release,
	.unlocked_ioctl = vmrun_vm_ioctl,
	.llseek = noop_llseek,
};

static struct vmrun_vm *vmrun_vm_alloc(const struct vmrun_backend_ops *ops)
{
	struct vmrun_memslots *slots;
	struct vmrun_vm *vm;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return NULL;
	slots = vmrun_memslots_alloc_empty();
	if (!slots)
		goto free_vm;
	if (init_srcu_struct(&vm->srcu))
		goto free_slots;
	if (vmrun_io_bus_init(vm))
		goto free_srcu;
#ifdef CONFIG_X86
	if (vmrun_irq_vm_init(vm)) {
		vmrun_io_bus_destroy(vm);
		goto free_srcu;
	}
#endif

	kref_init(&vm->ref);
	vm->ops = ops;
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	xa_init(&vm->vcpus);
	RCU_INIT_POINTER(vm->memslots, slots);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	vmrun_stat_add(VMRUN_STAT_VMS, 1);
	return vm;

free_srcu:
	cleanup_srcu_struct(&vm->srcu);
free_slots:
	kvfree(slots);
free_vm:
	kfree(vm);
	return NULL;
}

/* KVM_CREATE_VM: returns the new VM's fd. */
int vmrun_vm_create_fd(unsigned long type)
{
	const struct vmrun_backend_ops *ops;
	struct vmrun_vm *vm;
	int r;

	/* Type 0 only: no machine types or IPA sizes are offered. */
	if (type)
		return -EINVAL;

	ops = vmrun_backend_get();
	if (!ops)
		return -ENODEV;	/* no backend module loaded */

	vm = vmrun_vm_alloc(ops);
	if (!vm) {
		vmrun_backend_put(ops);
		return -ENOMEM;
	}

	/* A failing vm_init undoes its own work: no vm_destroy follows. */
	r = ops->vm_init ? ops->vm_init(vm) : 0;
	if (r) {
		vmrun_vm_free(vm);
		return r;
	}

	r = anon_inode_getfd("vmrun-vm", &vmrun_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		vmrun_vm_put(vm);
	return r;
}
