// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_CHECK_EXTENSION. Only what works is reported: the generic answers
 * below are features the core implements itself; everything that needs the
 * hardware is the backend's to claim.
 */
#include <linux/cpumask.h>
#include <linux/minmax.h>

#include "internal.h"
#ifdef CONFIG_X86
#include "../irq/irqchip.h"
#endif

long vmrun_check_extension(struct vmrun_vm *vm, long cap)
{
#ifdef CONFIG_X86
	long r;
#endif

	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:	/* size 0 deletes a slot */
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:		/* adjacent slots are fine */
	case KVM_CAP_CHECK_EXTENSION_VM:
		return 1;
	case KVM_CAP_NR_MEMSLOTS:
		return VMRUN_MAX_MEMSLOTS;
	case KVM_CAP_NR_VCPUS:
		return min_t(unsigned int, num_online_cpus(), VMRUN_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
		return VMRUN_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return VMRUN_MAX_VCPU_IDS;
	default:
		break;
	}
#ifdef CONFIG_X86
	r = vmrun_irq_check_extension(vm, cap);
	if (r)
		return r;
#endif
	return vmrun_backend_check_extension(vm, cap);
}
