/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between the vmrun core and a CPU-family backend
 * (vmrun-svm, vmrun-vmx, vmrun-arm64), in the shape of NetBSD NVMM's
 * machine-dependent ops: the core owns files, objects, memory slots and
 * the KVM ABI; a backend only does what the hardware forces on it.
 *
 * Exactly one backend is registered at a time. Every VM takes a reference
 * on the backend's module, so a backend cannot unload while any VM (or a
 * vCPU file of one) is open, and vmrun_backend_unregister() never races a
 * live VM. Every hook is optional; a missing one means "nothing to do", or
 * for vcpu_run, that KVM_RUN is not offered (-EOPNOTSUPP).
 */
#ifndef VMRUN_BACKEND_H
#define VMRUN_BACKEND_H

#include <linux/module.h>
#include <vmrun/core.h>

struct vmrun_backend_ops {
	const char *name;
	struct module *owner;

	/*
	 * Architecture capabilities beyond the core's generic ones; @vm is
	 * NULL when asked on /dev/vmrun. Return 0 for anything not offered.
	 */
	long (*check_extension)(struct vmrun_vm *vm, long cap);

	int (*vm_init)(struct vmrun_vm *vm);
	void (*vm_destroy)(struct vmrun_vm *vm);
	int (*vcpu_init)(struct vmrun_vcpu *vcpu);
	void (*vcpu_destroy)(struct vmrun_vcpu *vcpu);

	/* KVM_RUN, called with vcpu->mutex held. */
	int (*vcpu_run)(struct vmrun_vcpu *vcpu);
	/*
	 * vCPU ioctls the core does not answer itself (vcpu->mutex held);
	 * -ENOIOCTLCMD for one the backend does not know either.
	 */
	long (*vcpu_ioctl)(struct vmrun_vcpu *vcpu, unsigned int ioctl,
			   unsigned long arg);

	/*
	 * /dev/vmrun ioctls the core does not answer itself (the supported
	 * CPUID, say); -ENOIOCTLCMD likewise. The module is pinned meanwhile.
	 */
	long (*dev_ioctl)(unsigned int ioctl, unsigned long arg);

	/* VM ioctls the core does not answer itself; -ENOIOCTLCMD likewise. */
	long (*vm_ioctl)(struct vmrun_vm *vm, unsigned int ioctl,
			 unsigned long arg);

	/*
	 * A slot was deleted or moved: nothing may map its old range any
	 * more. Called under vm->slots_lock once no SRCU reader can still
	 * see the old slot; vCPUs may be running.
	 */
	void (*memslot_removed)(struct vmrun_vm *vm,
				const struct vmrun_memslot *old);
};

int vmrun_backend_register(const struct vmrun_backend_ops *ops);
void vmrun_backend_unregister(const struct vmrun_backend_ops *ops);

#endif /* VMRUN_BACKEND_H */
