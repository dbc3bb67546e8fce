// SPDX-License-Identifier: GPL-2.0-only
/*
 * GSI routing, KVM_IRQ_LINE and KVM_SIGNAL_MSI.
 */
#include <linux/errno.h>
#include <linux/slab.h>
#include <vmrun/core.h>

#include "irqchip.h"
#include "irq.h"

void vmrun_irq_ack_notify(struct vmrun_vm *vm, unsigned int chip,
			  unsigned int pin)
{
}

int vmrun_irq_set_gsi(struct vmrun_vm *vm, u32 gsi, enum vmrun_irq_source src,
		      bool level)
{
	return -EINVAL;
}

int vmrun_irq_vm_init(struct vmrun_vm *vm)
{
	struct vmrun_vm_irq *irq;

	irq = kzalloc(sizeof(*irq), GFP_KERNEL_ACCOUNT);
	if (!irq)
		return -ENOMEM;
	mutex_init(&irq->lock);
	vm->irq = irq;
	return 0;
}

void vmrun_irq_vm_destroy(struct vmrun_vm *vm)
{
	kfree(vm->irq);
	vm->irq = NULL;
}

long vmrun_irq_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			unsigned long arg)
{
	return -ENOIOCTLCMD;
}

long vmrun_irq_check_extension(struct vmrun_vm *vm, long cap)
{
	return 0;
}
