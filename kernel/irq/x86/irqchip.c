// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel x86 irqchip of a VM: the glue around the device models of
 * this folder. Until KVM_CREATE_IRQCHIP lands here, a VM has none.
 */
#include <linux/errno.h>
#include <vmrun/core.h>

#include "../irqchip.h"

bool vmrun_irqchip_in_kernel(struct vmrun_vm *vm)
{
	return false;
}

unsigned int vmrun_irqchip_nr_pins(unsigned int chip)
{
	switch (chip) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		return 8;
	case KVM_IRQCHIP_IOAPIC:
		return KVM_IOAPIC_NUM_PINS;
	default:
		return 0;
	}
}

int vmrun_irqchip_set_pin(struct vmrun_vm *vm, unsigned int chip,
			  unsigned int pin, enum vmrun_irq_source src,
			  bool level)
{
	return -ENXIO;
}

int vmrun_irqchip_msi(struct vmrun_vm *vm, const struct kvm_msi *msi)
{
	return -ENXIO;
}

void vmrun_irqchip_destroy(struct vmrun_vm *vm)
{
}

long vmrun_irqchip_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			    unsigned long arg)
{
	return -ENOIOCTLCMD;
}
