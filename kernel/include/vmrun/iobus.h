/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-VM in-kernel I/O buses: port I/O and MMIO ranges that kernel
 * devices (the IOAPIC, the PIC, the PIT, ioeventfds) answer without an
 * exit to user space. A backend offers every guest port or MMIO access to
 * the bus before it exits; what nobody claims goes to user space as
 * KVM_EXIT_IO or KVM_EXIT_MMIO.
 *
 * Readers (vCPU threads) walk an immutable array under vm->srcu and may
 * sleep in a handler; writers replace the array under vm->slots_lock's
 * sibling, the bus mutex, and wait for readers before freeing the old one
 * (kernel/core/iobus.c).
 */
#ifndef VMRUN_IOBUS_H
#define VMRUN_IOBUS_H

#include <linux/types.h>

struct vmrun_vm;
struct vmrun_vcpu;
struct vmrun_io_device;

enum vmrun_bus {
	VMRUN_BUS_PIO,
	VMRUN_BUS_MMIO,
	VMRUN_NR_BUSES,
};

struct vmrun_io_device_ops {
	/*
	 * Return 0 when the access was handled; -EOPNOTSUPP when it is not
	 * this device's after all (an ioeventfd whose datamatch differs), so
	 * the bus tries the next device and finally user space. @vcpu is the
	 * accessing vCPU.
	 */
	int (*read)(struct vmrun_io_device *dev, struct vmrun_vcpu *vcpu,
		    u64 addr, unsigned int len, void *val);
	int (*write)(struct vmrun_io_device *dev, struct vmrun_vcpu *vcpu,
		     u64 addr, unsigned int len, const void *val);
};

struct vmrun_io_device {
	const struct vmrun_io_device_ops *ops;
};

/*
 * Claims [addr, addr + len) on @bus for @dev. Ranges may overlap (several
 * ioeventfds on one address with different datamatch values); devices are
 * tried in registration order. -ENOSPC past the per-bus limit.
 */
int vmrun_io_bus_register(struct vmrun_vm *vm, enum vmrun_bus bus, u64 addr,
			  u32 len, struct vmrun_io_device *dev);
/* Removes every range of @dev on @bus; returns once no reader sees it. */
void vmrun_io_bus_unregister(struct vmrun_vm *vm, enum vmrun_bus bus,
			     struct vmrun_io_device *dev);

/*
 * From a vCPU thread: 0 if a device handled the access, -EOPNOTSUPP if
 * none did (the backend then exits to user space).
 */
int vmrun_io_bus_read(struct vmrun_vcpu *vcpu, enum vmrun_bus bus, u64 addr,
		      unsigned int len, void *val);
int vmrun_io_bus_write(struct vmrun_vcpu *vcpu, enum vmrun_bus bus, u64 addr,
		       unsigned int len, const void *val);

/* VM lifetime (kernel/core/vm.c). */
int vmrun_io_bus_init(struct vmrun_vm *vm);
void vmrun_io_bus_destroy(struct vmrun_vm *vm);

#endif /* VMRUN_IOBUS_H */
