/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between the architecture-neutral interrupt plumbing
 * (routing.c: KVM_SET_GSI_ROUTING, KVM_IRQ_LINE, KVM_SIGNAL_MSI;
 * eventfd.c: KVM_IRQFD, KVM_IOEVENTFD) and an architecture's in-kernel
 * interrupt controller (x86/irqchip.c: LAPIC, IOAPIC, PIC, PIT).
 */
#ifndef VMRUN_IRQ_IRQCHIP_H
#define VMRUN_IRQ_IRQCHIP_H

#include <linux/types.h>
#include <linux/kvm.h>

struct vmrun_vm;

/*
 * Who drives a level line. An input pin's level is the OR of its
 * sources, as in KVM, so user space's KVM_IRQ_LINE and an irqfd never
 * undo each other.
 */
enum vmrun_irq_source {
	VMRUN_IRQ_SRC_USER,		/* KVM_IRQ_LINE, irqfd */
	VMRUN_IRQ_SRC_RESAMPLE,		/* irqfd with KVM_IRQFD_FLAG_RESAMPLE */
	VMRUN_IRQ_SRC_PIT,
	VMRUN_IRQ_NR_SOURCES,
};

/* ---- provided by the architecture's irqchip (x86/irqchip.c) ---- */

/* KVM_CREATE_IRQCHIP has run (and finished) for @vm. */
bool vmrun_irqchip_in_kernel(struct vmrun_vm *vm);

/*
 * Pins of @chip (KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE, _IOAPIC), 0 for a
 * chip that does not exist.
 */
unsigned int vmrun_irqchip_nr_pins(unsigned int chip);

/*
 * Drives input @pin of @chip for @src. Returns what KVM_IRQ_LINE_STATUS
 * reports: > 0 delivered, 0 coalesced (an edge while the last one is
 * still pending, a masked pin), < 0 an error. Callable from any context
 * that may take a spinlock with interrupts off.
 */
int vmrun_irqchip_set_pin(struct vmrun_vm *vm, unsigned int chip,
			  unsigned int pin, enum vmrun_irq_source src,
			  bool level);

/* Delivers one MSI (KVM_SIGNAL_MSI, an MSI route); same returns. */
int vmrun_irqchip_msi(struct vmrun_vm *vm, const struct kvm_msi *msi);

/* The VM's end: frees the irqchip (no vCPU runs any more). */
void vmrun_irqchip_destroy(struct vmrun_vm *vm);
/* KVM_CREATE_IRQCHIP, KVM_GET/SET_IRQCHIP, the PIT; -ENOIOCTLCMD else. */
long vmrun_irqchip_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			    unsigned long arg);

/* ---- provided by routing.c, called by the irqchip ---- */

/*
 * The guest acknowledged (EOI) a level-triggered interrupt that came in
 * on @chip/@pin: resampling irqfds on a GSI routed there fire their
 * resample eventfd. Called without irqchip locks held.
 */
void vmrun_irq_ack_notify(struct vmrun_vm *vm, unsigned int chip,
			  unsigned int pin);

/*
 * Sets GSI @gsi for @src through the routing table (default routing
 * until KVM_SET_GSI_ROUTING): every route of the GSI is driven. Same
 * returns as vmrun_irqchip_set_pin(); -EINVAL for a GSI without routes.
 */
int vmrun_irq_set_gsi(struct vmrun_vm *vm, u32 gsi, enum vmrun_irq_source src,
		      bool level);

/*
 * Installs KVM's default x86 routing: GSI 0-15 to the IOAPIC pin of the
 * same number and to PIC master (0-7) or slave (8-15) pin GSI % 8, GSI
 * 16-23 to the IOAPIC alone. KVM_CREATE_IRQCHIP calls it (process
 * context, may sleep); 0 or -ENOMEM.
 */
int vmrun_irq_default_routing(struct vmrun_vm *vm);

/* ---- VM plumbing (routing.c and eventfd.c), called by kernel/core ---- */

int vmrun_irq_vm_init(struct vmrun_vm *vm);
void vmrun_irq_vm_destroy(struct vmrun_vm *vm);
/* -ENOIOCTLCMD for an ioctl that is not an interrupt ioctl. */
long vmrun_irq_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			unsigned long arg);
/* KVM_CHECK_EXTENSION for what routing.c and eventfd.c implement. */
long vmrun_irq_check_extension(struct vmrun_vm *vm, long cap);

#endif /* VMRUN_IRQ_IRQCHIP_H */
