// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET/SET_MSRS and KVM_GET_MSR_INDEX_LIST, the same on both x86
 * backends but for the MSRs each one answers (its table, its read and
 * write, given by the caller).
 */
#include <linux/export.h>
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "msrs.h"

/* As KVM: KVM_GET/SET_MSRS take fewer than this many entries (E2BIG). */
#define VMRUN_MAX_IO_MSRS	256

/*
 * Reads or writes the entries in order as the host and returns how many
 * went through, stopping at the first the vCPU refuses. E2BIG for
 * VMRUN_MAX_IO_MSRS entries or more, EFAULT for a bad pointer.
 */
long vmrun_x86_msrs_ioctl(struct vmrun_vcpu *vcpu, void __user *argp,
			  bool set, const struct vmrun_x86_msr_ops *ops)
{
	struct kvm_msrs __user *user = argp;
	struct kvm_msr_entry *e;
	struct kvm_msrs msrs;
	u32 i;
	long r;

	if (copy_from_user(&msrs, user, sizeof(msrs)))
		return -EFAULT;
	if (msrs.nmsrs >= VMRUN_MAX_IO_MSRS)
		return -E2BIG;
	e = kmalloc_array(msrs.nmsrs, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	if (copy_from_user(e, user->entries, msrs.nmsrs * sizeof(*e))) {
		r = -EFAULT;
		goto out;
	}

	for (i = 0; i < msrs.nmsrs; i++) {
		if (set ? !ops->write(vcpu, e[i].index, e[i].data, true) :
			  !ops->read(vcpu, e[i].index, &e[i].data, true))
			break;
	}
	r = i;
	if (!set && copy_to_user(user->entries, e, msrs.nmsrs * sizeof(*e)))
		r = -EFAULT;
out:
	kfree(e);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_x86_msrs_ioctl);

/*
 * KVM_GET_MSR_INDEX_LIST on /dev/vmrun: writes the count back first, then
 * E2BIG if the caller's array is too small for it, as KVM.
 */
long vmrun_x86_msr_index_list(void __user *argp, const u32 *msrs, u32 n)
{
	struct kvm_msr_list __user *user = argp;
	struct kvm_msr_list list;
	u32 room;

	if (copy_from_user(&list, user, sizeof(list)))
		return -EFAULT;
	room = list.nmsrs;
	list.nmsrs = n;
	if (copy_to_user(user, &list, sizeof(list)))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	if (copy_to_user(user->indices, msrs, n * sizeof(*msrs)))
		return -EFAULT;
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_msr_index_list);

bool vmrun_x86_msr_in(const u32 *msrs, u32 n, u32 msr)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (msrs[i] == msr)
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(vmrun_x86_msr_in);
