/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One interrupt message on the virtual APIC bus: what an IOAPIC
 * redirection entry, an MSI, a local APIC's ICR write or an LVT entry
 * turns into before a local APIC accepts it. Shared by the device models
 * in this folder (lapic.c, ioapic.c, the MSI decoder) and by the glue
 * that routes messages between them (irqchip.c).
 *
 * The models are plain C with no locking and no kernel services, so that
 * tests/unit/irq can run them on the host; the glue holds the locks.
 */
#ifndef VMRUN_IRQ_X86_APIC_MSG_H
#define VMRUN_IRQ_X86_APIC_MSG_H

#include <linux/types.h>

/* Delivery modes, as ICR/redirection-entry bits 10:8 encode them. */
enum vmrun_apic_dm {
	VMRUN_APIC_DM_FIXED	= 0,
	VMRUN_APIC_DM_LOWEST	= 1,
	VMRUN_APIC_DM_SMI	= 2,
	VMRUN_APIC_DM_NMI	= 4,
	VMRUN_APIC_DM_INIT	= 5,
	VMRUN_APIC_DM_SIPI	= 6,
	VMRUN_APIC_DM_EXTINT	= 7,
};

/* Destination shorthands, ICR bits 19:18. */
enum vmrun_apic_shorthand {
	VMRUN_APIC_SH_NONE	= 0,
	VMRUN_APIC_SH_SELF	= 1,
	VMRUN_APIC_SH_ALL	= 2,	/* including self */
	VMRUN_APIC_SH_OTHERS	= 3,	/* all excluding self */
};

struct vmrun_apic_msg {
	/*
	 * Physical: an APIC ID (0xff, or 0xffffffff in x2APIC mode, is a
	 * broadcast). Logical: a logical destination, matched against each
	 * APIC's LDR/DFR (xAPIC) or cluster/bitmap LDR (x2APIC).
	 */
	u32 dest;
	u8 vector;
	u8 delivery;			/* enum vmrun_apic_dm */
	u8 shorthand;			/* enum vmrun_apic_shorthand */
	bool logical;			/* destination mode */
	bool level;			/* trigger mode: level (else edge) */
	/* Level: asserted. Targets drop an INIT level de-assert message. */
	bool assert;
};

#endif /* VMRUN_IRQ_X86_APIC_MSG_H */
