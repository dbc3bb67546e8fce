/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared by the files of vmrun.ko and by nothing else. */
#ifndef VMRUN_CORE_INTERNAL_H
#define VMRUN_CORE_INTERNAL_H

#include <linux/errno.h>
#include <vmrun/core.h>

/*
 * KVM answers an ioctl it does not know with an errno that depends on the
 * fd and the architecture (6.1: kvm_arch_dev_ioctl, kvm_arch_vm_ioctl and
 * kvm_arch_vcpu_ioctl). Clients probe with unknown ioctls, so we match.
 */
#define VMRUN_UNKNOWN_SYS_IOCTL		(-EINVAL)
#ifdef CONFIG_X86
#define VMRUN_UNKNOWN_VM_IOCTL		(-ENOTTY)
#else
#define VMRUN_UNKNOWN_VM_IOCTL		(-EINVAL)
#endif
#define VMRUN_UNKNOWN_VCPU_IOCTL	(-EINVAL)

/* backend.c */
const struct vmrun_backend_ops *vmrun_backend_get(void);
void vmrun_backend_put(const struct vmrun_backend_ops *ops);
long vmrun_backend_check_extension(struct vmrun_vm *vm, long cap);
long vmrun_backend_dev_ioctl(unsigned int ioctl, unsigned long arg);

/* caps.c */
long vmrun_check_extension(struct vmrun_vm *vm, long cap);

/* vm.c */
int vmrun_vm_create_fd(unsigned long type);
void vmrun_vm_put(struct vmrun_vm *vm);

/* vcpu.c */
int vmrun_vcpu_create(struct vmrun_vm *vm, unsigned long id);
void vmrun_vcpu_free(struct vmrun_vcpu *vcpu);

/* memslot.c */
struct vmrun_memslots *vmrun_memslots_alloc_empty(void);
int vmrun_set_memory_region(struct vmrun_vm *vm,
			    const struct kvm_userspace_memory_region *mem);

/* stats.c: live object counts, exported in debugfs for leak tests */
enum vmrun_stat {
	VMRUN_STAT_VMS,
	VMRUN_STAT_VCPUS,
	VMRUN_STAT_MEMSLOTS,
	VMRUN_NR_STATS,
};

void vmrun_stat_add(enum vmrun_stat stat, long delta);
void vmrun_stats_init(void);
void vmrun_stats_exit(void);

#endif /* VMRUN_CORE_INTERNAL_H */
