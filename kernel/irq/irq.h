/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of kernel/irq's routing.c and eventfd.c: the GSI routing
 * table, irqfds and ioeventfds of one VM (vm->irq).
 */
#ifndef VMRUN_IRQ_IRQ_H
#define VMRUN_IRQ_IRQ_H

#include <linux/mutex.h>
#include <linux/list.h>

struct vmrun_vm_irq {
	struct mutex lock;
};

#endif /* VMRUN_IRQ_IRQ_H */
