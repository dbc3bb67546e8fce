/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The I/O APIC model: an 82093AA-style IOAPIC with 24 pins, as KVM
 * presents it to guests (version 0x11, so no EOI register: remote IRR is
 * cleared by the local APICs' EOI broadcast, vmrun_ioapic_eoi()).
 *
 * Plain C: no locking, no allocation, no kernel services. The glue
 * (irqchip.c) calls every function below with the IOAPIC lock held, and
 * ops->deliver runs under that lock.
 */
#ifndef VMRUN_IRQ_X86_IOAPIC_H
#define VMRUN_IRQ_X86_IOAPIC_H

#include <linux/types.h>
#include <linux/kvm.h>
#include "apic_msg.h"

#define VMRUN_IOAPIC_NUM_PINS		24
#define VMRUN_IOAPIC_VERSION		0x11
#define VMRUN_IOAPIC_DEFAULT_BASE	0xfec00000ULL
/* The MMIO window the glue registers at base_address. */
#define VMRUN_IOAPIC_MMIO_SIZE		0x100

/* Offsets in the MMIO window. */
#define VMRUN_IOAPIC_IOREGSEL		0x00
#define VMRUN_IOAPIC_IOWIN		0x10

/* Indirect registers (IOREGSEL values). */
#define VMRUN_IOAPIC_REG_ID		0x00
#define VMRUN_IOAPIC_REG_VER		0x01
#define VMRUN_IOAPIC_REG_ARB		0x02
#define VMRUN_IOAPIC_REG_REDTBL		0x10	/* pin n: 0x10 + 2n (low), +1 (high) */

/* Redirection entry bits. */
#define VMRUN_IOAPIC_RTE_VECTOR		0xffULL
#define VMRUN_IOAPIC_RTE_DM_SHIFT	8
#define VMRUN_IOAPIC_RTE_DM_MASK	0x700ULL
#define VMRUN_IOAPIC_RTE_LOGICAL	0x800ULL
#define VMRUN_IOAPIC_RTE_DELIVS		0x1000ULL	/* read-only */
#define VMRUN_IOAPIC_RTE_POLARITY	0x2000ULL
#define VMRUN_IOAPIC_RTE_REMOTE_IRR	0x4000ULL	/* read-only */
#define VMRUN_IOAPIC_RTE_LEVEL		0x8000ULL
#define VMRUN_IOAPIC_RTE_MASKED		0x10000ULL
#define VMRUN_IOAPIC_RTE_DEST_SHIFT	56

/*
 * Successive EOIs that each find a level pin still asserted and deliver
 * it again, after which the next re-delivery is left to the glue's timer
 * (vmrun_ioapic_inject_deferred()). KVM uses the same count.
 */
#define VMRUN_IOAPIC_STORM_EOIS		10000

struct vmrun_ioapic_ops {
	/*
	 * Deliver one message to the local APICs; returns how many accepted
	 * it (>= 0). Called with the IOAPIC lock held.
	 */
	int (*deliver)(void *ctx, const struct vmrun_apic_msg *msg);
};

struct vmrun_ioapic {
	u64 base_address;		/* guest-physical; reported, kept */
	u32 ioregsel;			/* 8 bits, as written */
	u32 id;				/* IOAPIC ID, bits 27:24 of reg 0 */
	u32 level;			/* input level of each pin */
	/* edge pins whose current assertion has gone out (or was lost) */
	u32 edge_done;
	u32 deferred;			/* level pins left to the storm timer */
	u64 redirtbl[VMRUN_IOAPIC_NUM_PINS];
	u32 eoi_runs[VMRUN_IOAPIC_NUM_PINS];	/* successive EOI re-deliveries */
	const struct vmrun_ioapic_ops *ops;
	void *ctx;
};

/* Sets @io up with its callbacks and resets it. */
void vmrun_ioapic_init(struct vmrun_ioapic *io,
		       const struct vmrun_ioapic_ops *ops, void *ctx);

/*
 * The state after reset (and at KVM_CREATE_IRQCHIP): every pin masked,
 * every other entry bit 0, ID 0, IOREGSEL 0, no input asserted, base at
 * VMRUN_IOAPIC_DEFAULT_BASE.
 */
void vmrun_ioapic_reset(struct vmrun_ioapic *io);

/*
 * MMIO read of @len bytes (1, 2, 4 or 8) at @offset from base_address
 * (0 .. VMRUN_IOAPIC_MMIO_SIZE - 1). IOREGSEL and IOWIN read their 32-bit
 * value, zero-extended for len 8 and truncated to the low @len bytes
 * otherwise; every other offset reads 0 (as KVM). Returns 0, or -EINVAL
 * for a bad @len or an offset outside the window (*val is then 0).
 */
int vmrun_ioapic_mmio_read(struct vmrun_ioapic *io, u32 offset,
			   unsigned int len, u64 *val);

/*
 * MMIO write of @len bytes (1, 2, 4 or 8; 8 writes only the low 32 bits,
 * as KVM) at @offset. A write to IOREGSEL keeps its low 8 bits; IOWIN
 * writes the selected register: the ID (bits 27:24), a redirection
 * entry half (delivery status and remote IRR are read-only; remote IRR
 * is cleared when the entry is edge-triggered). Unmasking a level pin
 * that is still asserted, with remote IRR clear, delivers it (through
 * ops->deliver, before returning). Returns 0 or -EINVAL as the read.
 */
int vmrun_ioapic_mmio_write(struct vmrun_ioapic *io, u32 offset,
			    unsigned int len, u64 val);

/*
 * Input @pin (0-23) goes to @level (true: asserted; polarity is the
 * caller's business, as in KVM: the bit is kept, not applied).
 * Edge pins deliver on a rising edge; level pins deliver while asserted
 * and remote IRR is clear, and set remote IRR when an APIC accepted.
 * A masked pin keeps its input level: a level pin delivers when unmasked
 * if still asserted; an edge that came in masked is lost, as in KVM.
 * Returns > 0 delivered (the number of APICs that accepted), 0 coalesced
 * (edge while the line is already high, level pin with remote IRR set,
 * no APIC accepted) or masked, 1 for a de-assertion (as KVM), -EINVAL for
 * a bad pin.
 */
int vmrun_ioapic_set_pin(struct vmrun_ioapic *io, unsigned int pin,
			 bool level);

/*
 * A local APIC broadcast the EOI of level-triggered @vector. Each
 * level pin programmed with @vector gets remote IRR cleared and, still
 * asserted and unmasked, is delivered again; after
 * VMRUN_IOAPIC_STORM_EOIS such re-deliveries in a row a pin is put in
 * the deferred set instead (see vmrun_ioapic_deferred_pins()).
 * *@acked_pins (may be NULL) receives the pins programmed with @vector,
 * whatever their trigger mode (KVM notifies them all): the glue calls
 * vmrun_irq_ack_notify() for each after dropping the IOAPIC lock.
 */
void vmrun_ioapic_eoi(struct vmrun_ioapic *io, u8 vector, u32 *acked_pins);

/*
 * The pins whose re-delivery an EOI deferred to stop an interrupt storm
 * (a guest that EOIs without silencing its device). When non-zero after
 * vmrun_ioapic_eoi(), the glue arms a timer (KVM: 10 ms) that calls
 * vmrun_ioapic_inject_deferred(); a real IOAPIC also re-delivers late,
 * so a buggy guest still makes progress.
 */
u32 vmrun_ioapic_deferred_pins(const struct vmrun_ioapic *io);

/*
 * Delivers every deferred pin that is still asserted, unmasked, level
 * and with remote IRR clear, and empties the deferred set.
 */
void vmrun_ioapic_inject_deferred(struct vmrun_ioapic *io);

/*
 * Pins whose redirection entry holds @vector (any trigger mode, masked
 * or not): lets the glue decide whether an EOI concerns the IOAPIC.
 */
u32 vmrun_ioapic_vector_pins(const struct vmrun_ioapic *io, u8 vector);

/* A redirection entry as the message it sends on the APIC bus. */
void vmrun_ioapic_rte_to_msg(u64 rte, struct vmrun_apic_msg *msg);

/*
 * KVM_GET_IRQCHIP (KVM_IRQCHIP_IOAPIC). irr is the pending inputs: level
 * pins asserted, and edge pins asserted whose edge has not gone out
 * (masked when it came), as KVM reports them.
 */
void vmrun_ioapic_get_state(const struct vmrun_ioapic *io,
			    struct kvm_ioapic_state *st);

/*
 * KVM_SET_IRQCHIP (KVM_IRQCHIP_IOAPIC). Keeps base_address as given;
 * IOREGSEL to 8 bits, ID to 4 bits, delivery status cleared, remote IRR
 * cleared in edge entries. Every pin of st->irr is then asserted as by
 * vmrun_ioapic_set_pin() (so an unmasked one is delivered now, through
 * ops->deliver, as in KVM). Storm counters and the deferred set are
 * cleared. Returns 0 (nothing in the struct can be refused).
 */
int vmrun_ioapic_set_state(struct vmrun_ioapic *io,
			   const struct kvm_ioapic_state *st);

#endif /* VMRUN_IRQ_X86_IOAPIC_H */
