/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of kernel/irq's routing.c and eventfd.c: the GSI routing
 * table, the irqfds and the ioeventfds of one VM (vm->irq).
 *
 * Locking:
 *   lock          (mutex) serialises KVM_SET_GSI_ROUTING, irqfd assign and
 *                 deassign, and the ioeventfd list.
 *   srcu          guards readers of routing and of every resampler list:
 *                 they may run in atomic context (an eventfd wakeup, an
 *                 EOI), so neither vm->slots_lock nor vm->srcu, whose
 *                 readers sleep for long, is used for them.
 *   irqfds_lock   (spinlock, taken with interrupts off) guards the irqfd
 *                 list, because an eventfd's EPOLLHUP wakeup removes from
 *                 it with the eventfd's wait-queue lock held.
 *   resample_lock (mutex) serialises changes to the resampler lists.
 */
#ifndef VMRUN_IRQ_IRQ_H
#define VMRUN_IRQ_IRQ_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/kvm.h>

#include "irqchip.h"

/* KVM's limit, which is also the bound on a GSI's number. */
#define VMRUN_MAX_IRQ_ROUTES	4096

/* One route of a GSI: a chip input pin or an MSI message. */
struct vmrun_irq_route {
	u32 type;			/* KVM_IRQ_ROUTING_IRQCHIP or _MSI */
	union {
		struct {
			u32 chip;
			u32 pin;
		} irqchip;
		struct kvm_msi msi;
	};
};

/*
 * An immutable routing table, replaced as a whole. The routes of GSI g
 * are route[start[g]] up to route[start[g + 1]]: a GSI has at most one
 * route per chip, or a single MSI route.
 */
struct vmrun_irq_routing {
	u32 nr_gsis;			/* highest routed GSI + 1 */
	u32 nr_routes;
	u32 *start;			/* nr_gsis + 1 entries, after route[] */
	struct vmrun_irq_route route[];
};

/* Every resampling irqfd of one GSI: they share one level source. */
struct vmrun_irq_resampler {
	struct list_head link;		/* vmrun_vm_irq.resamplers, SRCU */
	struct list_head irqfds;	/* vmrun_irqfd.resample_link, SRCU */
	u32 gsi;
};

struct vmrun_vm_irq {
	struct vmrun_vm *vm;
	struct mutex lock;		/* routing writers, irqfd/ioeventfd lists */
	struct srcu_struct srcu;
	struct vmrun_irq_routing __rcu *routing;	/* NULL: none yet */

	spinlock_t irqfds_lock;	/* irqfds; taken in eventfd wakeups */
	struct list_head irqfds;	/* active irqfds */
	struct workqueue_struct *cleanup_wq;	/* irqfd shutdown */

	struct mutex resample_lock;	/* resampler list writers */
	struct list_head resamplers;

	struct list_head ioeventfds;	/* under lock */
};

/* routing.c */
long vmrun_irq_routing_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			     unsigned long arg);
void vmrun_irq_routing_free(struct vmrun_vm_irq *irq);
/*
 * vmrun_irq_set_gsi() for a caller that cannot sleep (an eventfd wakeup):
 * -EWOULDBLOCK, with nothing injected, when a route of @gsi has to be
 * delivered from a context that may sleep.
 */
int vmrun_irq_set_gsi_atomic(struct vmrun_vm *vm, u32 gsi,
			     enum vmrun_irq_source src, bool level);

/* eventfd.c */
int vmrun_irq_eventfd_init(struct vmrun_vm_irq *irq);
void vmrun_irq_eventfd_destroy(struct vmrun_vm_irq *irq);
long vmrun_irq_eventfd_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			     unsigned long arg);
/*
 * The guest acknowledged the level interrupt of @rs's GSI: deassert the
 * resample source, signal every resamplefd. Inside irq->srcu.
 */
void vmrun_irq_resample(struct vmrun_vm_irq *irq,
			struct vmrun_irq_resampler *rs);

#endif /* VMRUN_IRQ_IRQ_H */
