// SPDX-License-Identifier: GPL-2.0-only
/*
 * The I/O APIC model (see ioapic.h for the contract).
 *
 * Input levels live in io->level, one bit a pin, whatever the trigger
 * mode: an edge pin delivers when its bit goes from 0 to 1, a level pin
 * whenever it is 1 with remote IRR clear. KVM keeps the same bits in its
 * "irr", and so does the uapi state, less the edges already delivered.
 */
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include "apic_msg.h"
#include "ioapic.h"

static bool rte_is_level(u64 rte)
{
	return rte & VMRUN_IOAPIC_RTE_LEVEL;
}

void vmrun_ioapic_rte_to_msg(u64 rte, struct vmrun_apic_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->dest = (u32)(rte >> VMRUN_IOAPIC_RTE_DEST_SHIFT);
	msg->vector = (u8)(rte & VMRUN_IOAPIC_RTE_VECTOR);
	msg->delivery = (u8)((rte & VMRUN_IOAPIC_RTE_DM_MASK) >>
			     VMRUN_IOAPIC_RTE_DM_SHIFT);
	msg->shorthand = VMRUN_APIC_SH_NONE;
	msg->logical = !!(rte & VMRUN_IOAPIC_RTE_LOGICAL);
	msg->level = rte_is_level(rte);
	/* A pin only sends on assertion; there is no de-assert message. */
	msg->assert = true;
}

/*
 * Sends @pin's entry if it may go out now. Returns how many APICs took
 * it; 0 when masked, waiting for an EOI, or refused everywhere.
 */
static int ioapic_service(struct vmrun_ioapic *io, unsigned int pin)
{
	u64 *rte = &io->redirtbl[pin];
	struct vmrun_apic_msg msg;
	int n;

	if (*rte & VMRUN_IOAPIC_RTE_MASKED)
		return 0;
	if (rte_is_level(*rte) && (*rte & VMRUN_IOAPIC_RTE_REMOTE_IRR))
		return 0;

	vmrun_ioapic_rte_to_msg(*rte, &msg);
	/*
	 * An edge is spent once sent, accepted or not: it is not retried,
	 * and the uapi state stops reporting it as pending.
	 */
	if (!rte_is_level(*rte))
		io->edge_done |= 1U << pin;

	n = io->ops && io->ops->deliver ? io->ops->deliver(io->ctx, &msg) : 0;
	if (n < 0)
		n = 0;
	/*
	 * Remote IRR means "a local APIC holds this interrupt and owes an
	 * EOI": with no taker no EOI will come, and setting it would block
	 * the pin for good.
	 */
	if (n > 0 && rte_is_level(*rte))
		*rte |= VMRUN_IOAPIC_RTE_REMOTE_IRR;
	return n;
}

void vmrun_ioapic_reset(struct vmrun_ioapic *io)
{
	unsigned int i;

	io->base_address = VMRUN_IOAPIC_DEFAULT_BASE;
	io->ioregsel = 0;
	io->id = 0;
	io->level = 0;
	io->edge_done = 0;
	io->deferred = 0;
	for (i = 0; i < VMRUN_IOAPIC_NUM_PINS; i++) {
		io->redirtbl[i] = VMRUN_IOAPIC_RTE_MASKED;
		io->eoi_runs[i] = 0;
	}
}

void vmrun_ioapic_init(struct vmrun_ioapic *io,
		       const struct vmrun_ioapic_ops *ops, void *ctx)
{
	io->ops = ops;
	io->ctx = ctx;
	vmrun_ioapic_reset(io);
}

static u32 ioapic_read_indirect(const struct vmrun_ioapic *io)
{
	u32 sel = io->ioregsel;
	unsigned int pin;
	u64 rte;

	switch (sel) {
	case VMRUN_IOAPIC_REG_ID:
	case VMRUN_IOAPIC_REG_ARB:
		/* KVM answers the arbitration ID with the APIC ID. */
		return (io->id & 0xf) << 24;
	case VMRUN_IOAPIC_REG_VER:
		return ((VMRUN_IOAPIC_NUM_PINS - 1) << 16) |
		       VMRUN_IOAPIC_VERSION;
	}

	/* Registers 3-0xf and past the last entry read all ones, as KVM. */
	if (sel < VMRUN_IOAPIC_REG_REDTBL)
		return 0xffffffff;
	pin = (sel - VMRUN_IOAPIC_REG_REDTBL) / 2;
	if (pin >= VMRUN_IOAPIC_NUM_PINS)
		return 0xffffffff;
	rte = io->redirtbl[pin];
	return (sel & 1) ? (u32)(rte >> 32) : (u32)rte;
}

static void ioapic_write_rte(struct vmrun_ioapic *io, unsigned int pin,
			     bool high, u32 val)
{
	const u64 ro = VMRUN_IOAPIC_RTE_DELIVS | VMRUN_IOAPIC_RTE_REMOTE_IRR;
	u64 old = io->redirtbl[pin];
	u64 rte;

	if (high)
		rte = (old & 0xffffffffULL) | ((u64)val << 32);
	else
		rte = (old & ~0xffffffffULL) | val;
	rte = (rte & ~ro) | (old & ro);

	/*
	 * Linux (and Xen) clear a stuck remote IRR by switching the entry
	 * to edge and back, since a version 0x11 IOAPIC has no EOI
	 * register; KVM honours that, so do we.
	 */
	if (!rte_is_level(rte))
		rte &= ~VMRUN_IOAPIC_RTE_REMOTE_IRR;
	io->redirtbl[pin] = rte;

	/*
	 * A level request that waited behind the mask (or behind remote
	 * IRR, cleared just above) goes out now. Edges do not: KVM drops
	 * an edge that came in masked.
	 */
	if (rte_is_level(rte) && (io->level & (1U << pin)))
		ioapic_service(io, pin);
}

static void ioapic_write_indirect(struct vmrun_ioapic *io, u32 val)
{
	u32 sel = io->ioregsel;
	unsigned int pin;

	switch (sel) {
	case VMRUN_IOAPIC_REG_ID:
		io->id = (val >> 24) & 0xf;
		return;
	case VMRUN_IOAPIC_REG_VER:
	case VMRUN_IOAPIC_REG_ARB:
		return;
	}
	if (sel < VMRUN_IOAPIC_REG_REDTBL)
		return;
	pin = (sel - VMRUN_IOAPIC_REG_REDTBL) / 2;
	if (pin >= VMRUN_IOAPIC_NUM_PINS)
		return;
	ioapic_write_rte(io, pin, sel & 1, val);
}

static bool ioapic_access_ok(u32 offset, unsigned int len)
{
	if (offset >= VMRUN_IOAPIC_MMIO_SIZE)
		return false;
	return len == 1 || len == 2 || len == 4 || len == 8;
}

int vmrun_ioapic_mmio_read(struct vmrun_ioapic *io, u32 offset,
			   unsigned int len, u64 *val)
{
	u32 r = 0;

	*val = 0;
	if (!ioapic_access_ok(offset, len))
		return -EINVAL;

	if (offset == VMRUN_IOAPIC_IOREGSEL)
		r = io->ioregsel;
	else if (offset == VMRUN_IOAPIC_IOWIN)
		r = ioapic_read_indirect(io);

	if (len == 1)
		r &= 0xff;
	else if (len == 2)
		r &= 0xffff;
	*val = r;
	return 0;
}

int vmrun_ioapic_mmio_write(struct vmrun_ioapic *io, u32 offset,
			    unsigned int len, u64 val)
{
	u32 v;

	if (!ioapic_access_ok(offset, len))
		return -EINVAL;

	/* Narrow writes zero-extend, as in KVM; a 64-bit one is cut. */
	if (len == 1)
		v = (u8)val;
	else if (len == 2)
		v = (u16)val;
	else
		v = (u32)val;

	if (offset == VMRUN_IOAPIC_IOREGSEL)
		io->ioregsel = v & 0xff;
	else if (offset == VMRUN_IOAPIC_IOWIN)
		ioapic_write_indirect(io, v);
	return 0;
}

int vmrun_ioapic_set_pin(struct vmrun_ioapic *io, unsigned int pin,
			 bool level)
{
	u32 bit;

	if (pin >= VMRUN_IOAPIC_NUM_PINS)
		return -EINVAL;
	bit = 1U << pin;

	if (!level) {
		io->level &= ~bit;
		return 1;
	}

	if (!rte_is_level(io->redirtbl[pin])) {
		bool was_high = io->level & bit;

		io->level |= bit;
		if (was_high)
			return 0;
		io->edge_done &= ~bit;
		return ioapic_service(io, pin);
	}

	io->level |= bit;
	return ioapic_service(io, pin);
}

void vmrun_ioapic_eoi(struct vmrun_ioapic *io, u8 vector, u32 *acked_pins)
{
	u32 acked = vmrun_ioapic_vector_pins(io, vector);
	unsigned int pin;

	for (pin = 0; pin < VMRUN_IOAPIC_NUM_PINS; pin++) {
		u64 *rte = &io->redirtbl[pin];

		if (!(acked & (1U << pin)) || !rte_is_level(*rte))
			continue;
		*rte &= ~VMRUN_IOAPIC_RTE_REMOTE_IRR;

		if ((*rte & VMRUN_IOAPIC_RTE_MASKED) ||
		    !(io->level & (1U << pin))) {
			io->eoi_runs[pin] = 0;
			continue;
		}
		/*
		 * Still asserted: the guest EOId without quieting the
		 * device (or a new request came). Re-delivering at once
		 * can lock a buggy guest in its handler; real hardware
		 * answers a little later, so after a long run of these the
		 * glue's timer takes over (KVM does the same, 10 ms).
		 */
		if (++io->eoi_runs[pin] >= VMRUN_IOAPIC_STORM_EOIS) {
			io->eoi_runs[pin] = 0;
			io->deferred |= 1U << pin;
			continue;
		}
		ioapic_service(io, pin);
	}

	if (acked_pins)
		*acked_pins = acked;
}

u32 vmrun_ioapic_deferred_pins(const struct vmrun_ioapic *io)
{
	return io->deferred;
}

void vmrun_ioapic_inject_deferred(struct vmrun_ioapic *io)
{
	u32 pins = io->deferred;
	unsigned int pin;

	io->deferred = 0;
	for (pin = 0; pin < VMRUN_IOAPIC_NUM_PINS; pin++) {
		if (!(pins & (1U << pin)) || !(io->level & (1U << pin)))
			continue;
		/* Reprogrammed to edge meanwhile: no level to re-send. */
		if (!rte_is_level(io->redirtbl[pin]))
			continue;
		ioapic_service(io, pin);
	}
}

u32 vmrun_ioapic_vector_pins(const struct vmrun_ioapic *io, u8 vector)
{
	u32 pins = 0;
	unsigned int pin;

	for (pin = 0; pin < VMRUN_IOAPIC_NUM_PINS; pin++)
		if ((u8)(io->redirtbl[pin] & VMRUN_IOAPIC_RTE_VECTOR) == vector)
			pins |= 1U << pin;
	return pins;
}

void vmrun_ioapic_get_state(const struct vmrun_ioapic *io,
			    struct kvm_ioapic_state *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->base_address = io->base_address;
	st->ioregsel = io->ioregsel;
	st->id = io->id;
	st->irr = io->level & ~io->edge_done;
	for (i = 0; i < VMRUN_IOAPIC_NUM_PINS; i++)
		st->redirtbl[i].bits = io->redirtbl[i];
}

int vmrun_ioapic_set_state(struct vmrun_ioapic *io,
			   const struct kvm_ioapic_state *st)
{
	u32 irr = st->irr & ((1U << VMRUN_IOAPIC_NUM_PINS) - 1);
	unsigned int i;

	io->base_address = st->base_address;
	io->ioregsel = st->ioregsel & 0xff;
	io->id = st->id & 0xf;
	io->level = 0;
	io->edge_done = 0;
	io->deferred = 0;
	for (i = 0; i < VMRUN_IOAPIC_NUM_PINS; i++) {
		u64 rte = st->redirtbl[i].bits & ~VMRUN_IOAPIC_RTE_DELIVS;

		if (!rte_is_level(rte))
			rte &= ~VMRUN_IOAPIC_RTE_REMOTE_IRR;
		io->redirtbl[i] = rte;
		io->eoi_runs[i] = 0;
	}

	/*
	 * The inputs come back as fresh assertions, so a pending edge or
	 * an unserved level request reaches the guest after migration.
	 */
	for (i = 0; i < VMRUN_IOAPIC_NUM_PINS; i++)
		if (irr & (1U << i))
			vmrun_ioapic_set_pin(io, i, true);
	return 0;
}
