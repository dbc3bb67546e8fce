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
struct vmrun_vcpu;

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

/*
 * The VM's end, in two steps around vmrun_irq_vm_destroy(): stop the
 * irqchip's own sources (the PIT, which drives GSI 0 through the routing
 * table), then, once no irqfd can drive a pin, free it. No vCPU runs.
 */
void vmrun_irqchip_stop(struct vmrun_vm *vm);
void vmrun_irqchip_destroy(struct vmrun_vm *vm);
/* KVM_CREATE_IRQCHIP, KVM_GET/SET_IRQCHIP, the PIT; -ENOIOCTLCMD else. */
long vmrun_irqchip_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			    unsigned long arg);

#ifdef CONFIG_X86
/*
 * ---- for the x86 backends (x86/irqchip.c) ----
 * All of these run in the vCPU's own thread (KVM_RUN or a vCPU ioctl)
 * unless said otherwise, and do nothing for a vCPU without an in-kernel
 * LAPIC (vcpu->apic NULL: no KVM_CREATE_IRQCHIP).
 */

/* Core: a vCPU is created (after the backend's vcpu_init) or freed. */
int vmrun_irqchip_vcpu_create(struct vmrun_vcpu *vcpu);
void vmrun_irqchip_vcpu_free(struct vmrun_vcpu *vcpu);

/*
 * Before each entry: runs expired LAPIC timers and re-arms them. Call
 * after clearing VMRUN_REQ_EVENT, before looking for interrupts.
 */
void vmrun_irqchip_vcpu_prepare(struct vmrun_vcpu *vcpu);

/* An external interrupt (LAPIC or the PIC's ExtINT) waits for the CPU. */
bool vmrun_irqchip_irq_pending(struct vmrun_vcpu *vcpu);
/* Interrupt acknowledge: the vector to inject, or -1 if none is left. */
int vmrun_irqchip_irq_ack(struct vmrun_vcpu *vcpu);
/* NMIs accepted by the LAPIC since the last call. */
unsigned int vmrun_irqchip_take_nmis(struct vmrun_vcpu *vcpu);
/* An INIT came: true once, the LAPIC already INIT-reset. */
bool vmrun_irqchip_take_init(struct vmrun_vcpu *vcpu);
/* A SIPI came while waiting for one: true once, with its vector. */
bool vmrun_irqchip_take_sipi(struct vmrun_vcpu *vcpu, u8 *vector);
/*
 * A halted vCPU has something to take: an NMI, INIT or SIPI, or, when
 * @interruptible (RFLAGS.IF), an interrupt. An expired timer shows up as
 * VMRUN_REQ_EVENT instead, and as an interrupt once prepared.
 */
bool vmrun_irqchip_wakeup(struct vmrun_vcpu *vcpu, bool interruptible);

/*
 * MSRs the irqchip owns: IA32_APIC_BASE, x2APIC 0x800-0x8ff, and
 * IA32_TSC_DEADLINE (@guest_tsc: the guest's TSC now). 0 handled,
 * -EINVAL for #GP, -ENOENT if the MSR is not the irqchip's.
 */
int vmrun_irqchip_msr_read(struct vmrun_vcpu *vcpu, u32 msr, u64 *val);
int vmrun_irqchip_msr_write(struct vmrun_vcpu *vcpu, u32 msr, u64 val,
			    u64 guest_tsc, bool host_initiated);
/* CR8 <-> TPR[7:4], for a backend that keeps a virtual TPR. */
u8 vmrun_irqchip_get_cr8(struct vmrun_vcpu *vcpu);
void vmrun_irqchip_set_cr8(struct vmrun_vcpu *vcpu, u8 cr8);
/* CPUID offers x2APIC (KVM_SET_CPUID2): IA32_APIC_BASE.EXTD may be set. */
void vmrun_irqchip_set_x2apic_allowed(struct vmrun_vcpu *vcpu, bool allowed);
/* KVM_GET_LAPIC, KVM_SET_LAPIC; -ENOIOCTLCMD for other ioctls. */
long vmrun_irqchip_vcpu_ioctl(struct vmrun_vcpu *vcpu, unsigned int ioctl,
			      unsigned long arg);
#endif

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
