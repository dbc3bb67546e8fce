// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-VM in-kernel I/O buses (see <vmrun/iobus.h>).
 *
 * Each bus is an immutable array of ranges, sorted by address and, among
 * equal addresses, kept in registration order. A vCPU looks a range up
 * under vm->srcu (a handler may sleep); registration builds a new array
 * under vm->io_bus_lock, publishes it and frees the old one after
 * synchronize_srcu(), as memory slots are replaced. Buses are small (a
 * handful of chip ranges and the ioeventfds), and a range that holds an
 * address may start anywhere below it, so a lookup walks the ranges that
 * start at or below the address.
 */
#include <linux/slab.h>
#include <vmrun/core.h>

#include "internal.h"

/* Ranges per bus: as KVM's NR_IOBUS_DEVS, which ioeventfd users know. */
#define VMRUN_IO_BUS_MAX	1000

struct vmrun_io_range {
	u64 addr;
	u32 len;
	struct vmrun_io_device *dev;
};

struct vmrun_io_bus {
	unsigned int nr;
	struct vmrun_io_range range[];
};

static struct vmrun_io_bus *vmrun_io_bus_alloc(unsigned int nr)
{
	struct vmrun_io_bus *bus;

	bus = kzalloc(struct_size(bus, range, nr), GFP_KERNEL_ACCOUNT);
	if (bus)
		bus->nr = nr;
	return bus;
}

int vmrun_io_bus_init(struct vmrun_vm *vm)
{
	int i;

	mutex_init(&vm->io_bus_lock);
	for (i = 0; i < VMRUN_NR_BUSES; i++) {
		struct vmrun_io_bus *bus = vmrun_io_bus_alloc(0);

		if (!bus) {
			while (i--)
				kfree(rcu_dereference_protected(vm->io_bus[i], 1));
			return -ENOMEM;
		}
		RCU_INIT_POINTER(vm->io_bus[i], bus);
	}
	return 0;
}

/* No reader is left: every file that could reach the VM is gone. */
void vmrun_io_bus_destroy(struct vmrun_vm *vm)
{
	int i;

	for (i = 0; i < VMRUN_NR_BUSES; i++)
		kfree(rcu_dereference_protected(vm->io_bus[i], 1));
}

static struct vmrun_io_bus *vmrun_io_bus_locked(struct vmrun_vm *vm,
						enum vmrun_bus which)
{
	return rcu_dereference_protected(vm->io_bus[which],
					 lockdep_is_held(&vm->io_bus_lock));
}

static void vmrun_io_bus_publish(struct vmrun_vm *vm, enum vmrun_bus which,
				 struct vmrun_io_bus *new)
{
	struct vmrun_io_bus *old = vmrun_io_bus_locked(vm, which);

	rcu_assign_pointer(vm->io_bus[which], new);
	synchronize_srcu_expedited(&vm->srcu);
	kfree(old);
}

int vmrun_io_bus_register(struct vmrun_vm *vm, enum vmrun_bus which, u64 addr,
			  u32 len, struct vmrun_io_device *dev)
{
	struct vmrun_io_bus *old, *new;
	unsigned int i;

	if (which >= VMRUN_NR_BUSES || !len || addr + len - 1 < addr)
		return -EINVAL;

	mutex_lock(&vm->io_bus_lock);
	old = vmrun_io_bus_locked(vm, which);
	if (old->nr >= VMRUN_IO_BUS_MAX) {
		mutex_unlock(&vm->io_bus_lock);
		return -ENOSPC;
	}
	new = vmrun_io_bus_alloc(old->nr + 1);
	if (!new) {
		mutex_unlock(&vm->io_bus_lock);
		return -ENOMEM;
	}
	/* After every range that starts at or below @addr: order is kept. */
	for (i = 0; i < old->nr && old->range[i].addr <= addr; i++)
		new->range[i] = old->range[i];
	new->range[i] = (struct vmrun_io_range){ addr, len, dev };
	memcpy(&new->range[i + 1], &old->range[i],
	       (old->nr - i) * sizeof(old->range[0]));
	vmrun_io_bus_publish(vm, which, new);
	mutex_unlock(&vm->io_bus_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_io_bus_register);

void vmrun_io_bus_unregister(struct vmrun_vm *vm, enum vmrun_bus which,
			     struct vmrun_io_device *dev)
{
	struct vmrun_io_bus *old, *new;
	unsigned int i, n, keep = 0;

	if (which >= VMRUN_NR_BUSES)
		return;
	mutex_lock(&vm->io_bus_lock);
	old = vmrun_io_bus_locked(vm, which);
	for (i = 0; i < old->nr; i++)
		keep += old->range[i].dev != dev;
	if (keep == old->nr)
		goto out;
	/*
	 * Unregistering cannot fail: the caller frees the device next. The
	 * new array is smaller than one that was allocated before.
	 */
	new = kzalloc(struct_size(new, range, keep),
		      GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	new->nr = keep;
	for (i = 0, n = 0; i < old->nr; i++)
		if (old->range[i].dev != dev)
			new->range[n++] = old->range[i];
	vmrun_io_bus_publish(vm, which, new);
out:
	mutex_unlock(&vm->io_bus_lock);
}
EXPORT_SYMBOL_GPL(vmrun_io_bus_unregister);

static int vmrun_io_bus_access(struct vmrun_vcpu *vcpu, enum vmrun_bus which,
			       u64 addr, unsigned int len, void *rval,
			       const void *wval)
{
	struct vmrun_vm *vm = vcpu->vm;
	const struct vmrun_io_bus *bus;
	int idx, r = -EOPNOTSUPP;
	unsigned int i, n;

	if (which >= VMRUN_NR_BUSES)
		return -EOPNOTSUPP;
	idx = srcu_read_lock(&vm->srcu);
	bus = srcu_dereference(vm->io_bus[which], &vm->srcu);
	n = bus->nr;
	for (i = 0; i < n && r == -EOPNOTSUPP; i++) {
		const struct vmrun_io_range *rg = &bus->range[i];
		const struct vmrun_io_device_ops *ops = rg->dev->ops;

		if (rg->addr > addr)
			break;
		/* The whole access must fall inside the range. */
		if (addr + len > rg->addr + rg->len)
			continue;
		if (wval)
			r = ops->write ? ops->write(rg->dev, vcpu, addr, len, wval) :
					 -EOPNOTSUPP;
		else
			r = ops->read ? ops->read(rg->dev, vcpu, addr, len, rval) :
					-EOPNOTSUPP;
	}
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

int vmrun_io_bus_read(struct vmrun_vcpu *vcpu, enum vmrun_bus which, u64 addr,
		      unsigned int len, void *val)
{
	return vmrun_io_bus_access(vcpu, which, addr, len, val, NULL);
}
EXPORT_SYMBOL_GPL(vmrun_io_bus_read);

int vmrun_io_bus_write(struct vmrun_vcpu *vcpu, enum vmrun_bus which, u64 addr,
		       unsigned int len, const void *val)
{
	return vmrun_io_bus_access(vcpu, which, addr, len, NULL, val);
}
EXPORT_SYMBOL_GPL(vmrun_io_bus_write);
