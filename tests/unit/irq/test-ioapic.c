/* models: ioapic.c */
// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOAPIC model against the 82093AA datasheet (register layout,
 * redirection entries) and KVM's ioapic.c where the ABI shows it
 * (version 0x11, remote IRR handling, KVM_GET/SET_IRQCHIP state).
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <string.h>
#include "unit-irq.h"
#include "ioapic.h"

#define MAX_MSGS 16

struct bus {
	int accept;			/* what deliver() returns */
	unsigned int count;		/* messages seen */
	struct vmrun_apic_msg msgs[MAX_MSGS];
};

static int bus_deliver(void *ctx, const struct vmrun_apic_msg *msg)
{
	struct bus *b = ctx;

	if (b->count < MAX_MSGS)
		b->msgs[b->count] = *msg;
	b->count++;
	return b->accept;
}

static const struct vmrun_ioapic_ops bus_ops = { .deliver = bus_deliver };

static struct vmrun_ioapic io;
static struct bus bus;

static void setup(void)
{
	memset(&bus, 0, sizeof(bus));
	bus.accept = 1;
	vmrun_ioapic_init(&io, &bus_ops, &bus);
}

static u32 rd(u32 sel)
{
	u64 v;

	vmrun_ioapic_mmio_write(&io, VMRUN_IOAPIC_IOREGSEL, 4, sel);
	vmrun_ioapic_mmio_read(&io, VMRUN_IOAPIC_IOWIN, 4, &v);
	return (u32)v;
}

static void wr(u32 sel, u32 val)
{
	vmrun_ioapic_mmio_write(&io, VMRUN_IOAPIC_IOREGSEL, 4, sel);
	vmrun_ioapic_mmio_write(&io, VMRUN_IOAPIC_IOWIN, 4, val);
}

/* As Linux's ioapic_write_entry(): high half first, then low. */
static void program(unsigned int pin, u64 rte)
{
	wr(0x11 + 2 * pin, (u32)(rte >> 32));
	wr(0x10 + 2 * pin, (u32)rte);
}

static u64 entry(unsigned int pin)
{
	return ((u64)rd(0x11 + 2 * pin) << 32) | rd(0x10 + 2 * pin);
}

#define LEVEL	VMRUN_IOAPIC_RTE_LEVEL
#define MASKED	VMRUN_IOAPIC_RTE_MASKED
#define RIRR	VMRUN_IOAPIC_RTE_REMOTE_IRR
#define DEST(d)	((u64)(d) << 56)

static void test_registers(void)
{
	u64 v;
	unsigned int pin;
	bool all_masked = true;

	setup();
	CHECK_EQ(rd(VMRUN_IOAPIC_REG_VER), 0x00170011,
		 "IOAPICVER: max redirection entry 23 in 23:16, version 0x11");
	CHECK_EQ(rd(VMRUN_IOAPIC_REG_ID), 0, "IOAPICID is 0 after reset");
	for (pin = 0; pin < 24; pin++)
		if (entry(pin) != MASKED)
			all_masked = false;
	CHECK(all_masked, "reset: every entry masked, every other bit 0");

	wr(VMRUN_IOAPIC_REG_ID, 0xfa5a5a5a);
	CHECK_EQ(rd(VMRUN_IOAPIC_REG_ID), 0x0a000000,
		 "IOAPICID keeps bits 27:24 only");
	CHECK_EQ(rd(VMRUN_IOAPIC_REG_ARB), 0x0a000000,
		 "IOAPICARB reads the ID (as KVM)");
	wr(VMRUN_IOAPIC_REG_VER, 0);
	CHECK_EQ(rd(VMRUN_IOAPIC_REG_VER), 0x00170011,
		 "IOAPICVER is read-only");
	wr(VMRUN_IOAPIC_REG_ARB, 0x05000000);
	CHECK_EQ(rd(VMRUN_IOAPIC_REG_ID), 0x0a000000,
		 "an IOAPICARB write changes nothing");

	CHECK_EQ(rd(0x03), 0xffffffff, "register 3 (undefined) reads ones");
	CHECK_EQ(rd(0x0f), 0xffffffff, "register 0xf (undefined) reads ones");
	CHECK_EQ(rd(0x40), 0xffffffff,
		 "register 0x40, past entry 23, reads ones");
	CHECK_EQ(rd(0x3f), 0, "register 0x3f is entry 23's high half");

	vmrun_ioapic_mmio_write(&io, VMRUN_IOAPIC_IOREGSEL, 4, 0x1234);
	vmrun_ioapic_mmio_read(&io, VMRUN_IOAPIC_IOREGSEL, 4, &v);
	CHECK_EQ(v, 0x34, "IOREGSEL holds 8 bits");
	vmrun_ioapic_mmio_write(&io, VMRUN_IOAPIC_IOREGSEL, 1, 0x01);
	vmrun_ioapic_mmio_read(&io, VMRUN_IOAPIC_IOWIN, 1, &v);
	CHECK_EQ(v, 0x11, "byte write of IOREGSEL, byte read of IOWIN");
	vmrun_ioapic_mmio_read(&io, VMRUN_IOAPIC_IOWIN, 2, &v);
	CHECK_EQ(v, 0x0011, "16-bit IOWIN read is the low half");
	vmrun_ioapic_mmio_read(&io, VMRUN_IOAPIC_IOWIN, 8, &v);
	CHECK_EQ(v, 0x00170011, "64-bit IOWIN read is zero-extended");

	vmrun_ioapic_mmio_read(&io, 0x20, 4, &v);
	CHECK_EQ(v, 0, "offset 0x20 reads 0");
	vmrun_ioapic_mmio_read(&io, 0x40, 4, &v);
	CHECK_EQ(v, 0, "no EOI register at 0x40 in version 0x11: reads 0");
	CHECK_EQ(vmrun_ioapic_mmio_read(&io, 0x100, 4, &v), -EINVAL,
		 "read outside the 256-byte window is refused");
	CHECK_EQ(vmrun_ioapic_mmio_read(&io, 0x10, 3, &v), -EINVAL,
		 "3-byte read is refused");
	CHECK_EQ(vmrun_ioapic_mmio_write(&io, 0x100, 4, 0), -EINVAL,
		 "write outside the window is refused");
	CHECK_EQ(vmrun_ioapic_mmio_write(&io, 0x10, 0, 0), -EINVAL,
		 "0-byte write is refused");
}

static void test_rte(void)
{
	struct vmrun_apic_msg m;

	setup();
	program(5, DEST(0xa5) | 0xffff0000ULL | LEVEL |
		VMRUN_IOAPIC_RTE_POLARITY | 0x800 | 0x300 | 0x47);
	CHECK_EQ(rd(0x10 + 10), 0xffffab47,
		 "entry low half reads back; delivery status and remote IRR stay 0");
	CHECK_EQ(rd(0x11 + 10), 0xa5000000,
		 "entry high half reads back the destination");
	wr(0x10 + 10, 0x1000 | 0x4000 | 0x8000 | 0x10000 | 0x31);
	CHECK_EQ(rd(0x10 + 10) & 0x5000, 0,
		 "delivery status (12) and remote IRR (14) are read-only");
	wr(0x11 + 10, 0x3c000000);
	CHECK_EQ(rd(0x10 + 10), 0x18031,
		 "writing the high half keeps the low half");

	vmrun_ioapic_rte_to_msg(DEST(0x12) | LEVEL | 0x800 | 0x100 | 0x99, &m);
	CHECK_EQ(m.dest, 0x12, "message dest from entry bits 63:56");
	CHECK_EQ(m.vector, 0x99, "message vector from bits 7:0");
	CHECK_EQ(m.delivery, VMRUN_APIC_DM_LOWEST,
		 "message delivery mode from bits 10:8");
	CHECK(m.logical, "bit 11 set: logical destination");
	CHECK(m.level, "bit 15 set: level trigger");
	CHECK(m.assert, "a pin's message is an assertion");
	CHECK_EQ(m.shorthand, VMRUN_APIC_SH_NONE, "no shorthand");
	vmrun_ioapic_rte_to_msg(DEST(0xff) | 0x700 | 0x00, &m);
	CHECK_EQ(m.delivery, VMRUN_APIC_DM_EXTINT, "ExtINT entry (111)");
	CHECK(!m.logical && !m.level, "physical, edge");
	CHECK_EQ(m.dest, 0xff, "broadcast destination 0xff passes through");
}

static void test_edge(void)
{
	setup();
	program(3, DEST(1) | 0x33);
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 3, true), 1,
		 "edge: rising edge delivers (returns APICs that accepted)");
	CHECK_EQ(bus.count, 1, "edge: one message");
	CHECK(bus.msgs[0].vector == 0x33 && bus.msgs[0].dest == 1 &&
	      !bus.msgs[0].level, "edge: message is the entry's");
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 3, true), 0,
		 "edge: line held high, no new edge: coalesced");
	CHECK_EQ(bus.count, 1, "edge: no message without an edge");
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 3, false), 1,
		 "de-assert returns 1 (as KVM)");
	CHECK_EQ(bus.count, 1, "de-assert sends nothing");
	CHECK_EQ(rd(0x10 + 6) & RIRR, 0, "edge entries never set remote IRR");
	bus.accept = 3;
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 3, true), 3,
		 "edge: second edge delivers; return is the accept count");
	CHECK_EQ(bus.count, 2, "edge: second message");
	vmrun_ioapic_set_pin(&io, 3, false);
	bus.accept = 0;
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 3, true), 0,
		 "edge no APIC accepted: 0");
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 24, true), -EINVAL,
		 "pin 24 does not exist");
}

static void test_level(void)
{
	u32 acked = 0xdead;

	setup();
	program(9, DEST(0) | LEVEL | 0x59);
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 9, true), 1,
		 "level: assertion delivers");
	CHECK(bus.count == 1 && bus.msgs[0].level, "level: one level message");
	CHECK(rd(0x10 + 18) & RIRR,
	      "level: remote IRR set once a local APIC accepted");
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 9, true), 0,
		 "level: asserted again while remote IRR set: coalesced");
	CHECK_EQ(bus.count, 1, "level: nothing sent while remote IRR set");

	vmrun_ioapic_eoi(&io, 0x58, &acked);
	CHECK_EQ(acked, 0, "EOI of another vector acks no pin");
	CHECK(rd(0x10 + 18) & RIRR, "EOI of another vector leaves remote IRR");

	vmrun_ioapic_eoi(&io, 0x59, &acked);
	CHECK_EQ(acked, 1U << 9, "EOI reports the pin acked");
	CHECK_EQ(bus.count, 2,
		 "EOI with the line still asserted re-delivers");
	CHECK(rd(0x10 + 18) & RIRR, "re-delivery sets remote IRR again");

	vmrun_ioapic_set_pin(&io, 9, false);
	vmrun_ioapic_eoi(&io, 0x59, &acked);
	CHECK_EQ(rd(0x10 + 18) & RIRR, 0, "EOI clears remote IRR");
	CHECK_EQ(bus.count, 2, "EOI with the line low delivers nothing");

	bus.accept = 0;
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 9, true), 0,
		 "level: no APIC accepted: 0");
	CHECK_EQ(rd(0x10 + 18) & RIRR, 0,
		 "no taker, no remote IRR (no EOI would ever clear it)");
	bus.accept = 1;
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 9, true), 1,
		 "level: asserted again with remote IRR clear delivers");
	vmrun_ioapic_eoi(&io, 0x59, NULL);
	CHECK_EQ(bus.count, 5, "EOI with acked_pins NULL still works");
}

static void test_eoi_vectors(void)
{
	u32 acked;

	setup();
	program(1, 0x61);			/* edge, same vector */
	program(2, LEVEL | 0x61);
	program(4, LEVEL | MASKED | 0x61);
	program(6, LEVEL | 0x62);
	vmrun_ioapic_set_pin(&io, 2, true);
	vmrun_ioapic_set_pin(&io, 6, true);
	CHECK_EQ(vmrun_ioapic_vector_pins(&io, 0x61), 0x16,
		 "vector_pins: every entry with the vector");
	vmrun_ioapic_eoi(&io, 0x61, &acked);
	CHECK_EQ(acked, 0x16,
		 "EOI acks edge, masked and level pins with the vector (KVM notifies all)");
	CHECK_EQ(rd(0x10 + 12) & RIRR, RIRR,
		 "EOI of another vector leaves pin 6's remote IRR");
	CHECK_EQ(bus.count, 3, "pin 2 re-delivered, pin 6 untouched");
	CHECK_EQ(bus.msgs[2].vector, 0x61, "the re-delivered vector");
}

static void test_masked(void)
{
	struct kvm_ioapic_state st;

	setup();
	program(10, LEVEL | MASKED | 0x7a);
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 10, true), 0,
		 "masked level pin: 0, nothing sent");
	CHECK_EQ(bus.count, 0, "masked: no message");
	vmrun_ioapic_get_state(&io, &st);
	CHECK_EQ(st.irr, 1U << 10, "masked level request is in irr");
	program(10, LEVEL | 0x7a);
	CHECK_EQ(bus.count, 1,
		 "unmasking a still-asserted level pin delivers");
	CHECK(rd(0x10 + 20) & RIRR, "and sets remote IRR");

	program(11, LEVEL | MASKED | 0x7b);
	vmrun_ioapic_set_pin(&io, 11, true);
	vmrun_ioapic_set_pin(&io, 11, false);
	program(11, LEVEL | 0x7b);
	CHECK_EQ(bus.count, 1,
		 "a level request withdrawn while masked is not sent on unmask");

	program(12, MASKED | 0x7c);
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 12, true), 0,
		 "masked edge pin: 0");
	vmrun_ioapic_get_state(&io, &st);
	CHECK_EQ(st.irr & (1U << 12), 1U << 12,
		 "masked edge is reported pending in irr (as KVM)");
	program(12, 0x7c);
	CHECK_EQ(bus.count, 1,
		 "unmasking an edge pin does not send the lost edge (as KVM)");
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 12, true), 0,
		 "edge pin still high: no new edge");
	vmrun_ioapic_set_pin(&io, 12, false);
	CHECK_EQ(vmrun_ioapic_set_pin(&io, 12, true), 1,
		 "next rising edge after unmask delivers");
	vmrun_ioapic_get_state(&io, &st);
	CHECK_EQ(st.irr & (1U << 12), 0, "a delivered edge leaves irr");

	program(13, LEVEL | 0x7d);
	vmrun_ioapic_set_pin(&io, 13, true);
	program(13, LEVEL | MASKED | 0x7d);
	vmrun_ioapic_eoi(&io, 0x7d, NULL);
	CHECK_EQ(bus.count, 3,
		 "EOI of a pin masked meanwhile: remote IRR cleared, not re-sent");
	CHECK_EQ(rd(0x10 + 26) & RIRR, 0, "remote IRR cleared on masked pin");
	program(13, LEVEL | 0x7d);
	CHECK_EQ(bus.count, 4, "unmasked later, the held request goes out");
}

static void test_edge_clears_rirr(void)
{
	setup();
	program(7, LEVEL | 0x87);
	vmrun_ioapic_set_pin(&io, 7, true);
	CHECK(rd(0x10 + 14) & RIRR, "remote IRR set by delivery");
	wr(0x10 + 14, MASKED | 0x87);		/* Linux: edge + masked */
	CHECK_EQ(rd(0x10 + 14) & RIRR, 0,
		 "switching to edge clears remote IRR (Linux's no-EOI-register trick)");
	wr(0x10 + 14, LEVEL | 0x87);
	CHECK_EQ(bus.count, 2,
		 "back to level, unmasked, still asserted: delivered again");
}

static void test_storm(void)
{
	unsigned int i;
	bool deferred_early = false;

	setup();
	program(4, LEVEL | 0x44);
	vmrun_ioapic_set_pin(&io, 4, true);
	for (i = 1; i < VMRUN_IOAPIC_STORM_EOIS; i++) {
		vmrun_ioapic_eoi(&io, 0x44, NULL);
		if (vmrun_ioapic_deferred_pins(&io))
			deferred_early = true;
	}
	CHECK(!deferred_early, "storm: first 9999 EOIs re-deliver at once");
	CHECK_EQ(bus.count, VMRUN_IOAPIC_STORM_EOIS,
		 "storm: one delivery per EOI so far");
	vmrun_ioapic_eoi(&io, 0x44, NULL);
	CHECK_EQ(bus.count, VMRUN_IOAPIC_STORM_EOIS,
		 "storm: the 10000th successive EOI does not re-deliver");
	CHECK_EQ(vmrun_ioapic_deferred_pins(&io), 1U << 4,
		 "storm: pin left to the glue's timer");
	CHECK_EQ(rd(0x10 + 8) & RIRR, 0, "storm: remote IRR clear meanwhile");
	vmrun_ioapic_inject_deferred(&io);
	CHECK_EQ(bus.count, VMRUN_IOAPIC_STORM_EOIS + 1,
		 "storm: the timer re-delivers");
	CHECK_EQ(vmrun_ioapic_deferred_pins(&io), 0, "deferred set emptied");
	vmrun_ioapic_eoi(&io, 0x44, NULL);
	CHECK_EQ(bus.count, VMRUN_IOAPIC_STORM_EOIS + 2,
		 "storm: count restarts, next EOI re-delivers at once");

	vmrun_ioapic_set_pin(&io, 4, false);
	vmrun_ioapic_eoi(&io, 0x44, NULL);
	vmrun_ioapic_set_pin(&io, 4, true);
	for (i = 0; i < VMRUN_IOAPIC_STORM_EOIS - 2; i++)
		vmrun_ioapic_eoi(&io, 0x44, NULL);
	vmrun_ioapic_set_pin(&io, 4, false);
	vmrun_ioapic_eoi(&io, 0x44, NULL);
	vmrun_ioapic_set_pin(&io, 4, true);
	vmrun_ioapic_eoi(&io, 0x44, NULL);
	CHECK_EQ(vmrun_ioapic_deferred_pins(&io), 0,
		 "storm: an EOI that finds the line low restarts the count");

	setup();
	program(4, LEVEL | 0x44);
	vmrun_ioapic_set_pin(&io, 4, true);
	for (i = 0; i < VMRUN_IOAPIC_STORM_EOIS; i++)
		vmrun_ioapic_eoi(&io, 0x44, NULL);
	vmrun_ioapic_set_pin(&io, 4, false);
	i = bus.count;
	vmrun_ioapic_inject_deferred(&io);
	CHECK_EQ(bus.count, i,
		 "storm: the timer sends nothing once the line went low");
}

static void test_state(void)
{
	struct kvm_ioapic_state st, st2;
	struct vmrun_ioapic io2;
	struct bus bus2 = { .accept = 1 };

	setup();
	wr(VMRUN_IOAPIC_REG_ID, 0x02000000);
	program(0, DEST(3) | 0x20);
	program(1, DEST(1) | LEVEL | 0x800 | 0x21);	/* asserted, rIRR */
	program(2, LEVEL | MASKED | 0x22);		/* asserted, masked */
	program(3, MASKED | 0x23);			/* edge while masked */
	vmrun_ioapic_set_pin(&io, 0, true);
	vmrun_ioapic_set_pin(&io, 1, true);
	vmrun_ioapic_set_pin(&io, 2, true);
	vmrun_ioapic_set_pin(&io, 3, true);
	vmrun_ioapic_mmio_write(&io, VMRUN_IOAPIC_IOREGSEL, 4, 0x13);
	vmrun_ioapic_get_state(&io, &st);
	CHECK_EQ(st.base_address, VMRUN_IOAPIC_DEFAULT_BASE,
		 "state: default base 0xfec00000");
	CHECK_EQ(st.ioregsel, 0x13, "state: ioregsel");
	CHECK_EQ(st.id, 2, "state: id is the 4-bit ID");
	CHECK_EQ(st.irr, 0xe,
		 "state: irr = asserted inputs less delivered edges");
	CHECK_EQ(st.redirtbl[1].fields.remote_irr, 1, "state: remote IRR");
	CHECK_EQ(st.redirtbl[1].fields.vector, 0x21, "state: vector field");
	CHECK_EQ(st.redirtbl[1].fields.dest_id, 1, "state: dest_id field");
	CHECK_EQ(st.redirtbl[2].fields.mask, 1, "state: mask field");

	vmrun_ioapic_init(&io2, &bus_ops, &bus2);
	CHECK_EQ(vmrun_ioapic_set_state(&io2, &st), 0, "set_state accepts");
	CHECK_EQ(bus2.count, 0,
		 "set_state: masked and remote-IRR-held requests stay put");
	vmrun_ioapic_get_state(&io2, &st2);
	CHECK(memcmp(&st, &st2, sizeof(st)) == 0,
	      "state round trip: GET after SET gives the same struct");
	vmrun_ioapic_eoi(&io2, 0x21, NULL);
	CHECK_EQ(bus2.count, 1,
		 "restored level pin: EOI re-delivers the still-asserted input");

	memset(&st, 0, sizeof(st));
	st.base_address = VMRUN_IOAPIC_DEFAULT_BASE;
	st.id = 0xf3;
	st.ioregsel = 0x1ff;
	st.irr = 0xff000003;
	st.redirtbl[0].bits = 0x30 | VMRUN_IOAPIC_RTE_DELIVS | RIRR;
	st.redirtbl[1].bits = LEVEL | 0x31;
	memset(&bus2, 0, sizeof(bus2));
	bus2.accept = 1;
	vmrun_ioapic_set_state(&io2, &st);
	vmrun_ioapic_get_state(&io2, &st2);
	CHECK_EQ(st2.id, 3, "set_state keeps 4 ID bits");
	CHECK_EQ(st2.ioregsel, 0xff, "set_state keeps 8 IOREGSEL bits");
	CHECK_EQ(st2.redirtbl[0].bits, 0x30,
		 "set_state clears delivery status, and remote IRR of an edge entry");
	CHECK_EQ(bus2.count, 2,
		 "set_state re-asserts irr: unmasked edge and level pins delivered");
	CHECK_EQ(st2.redirtbl[1].bits, LEVEL | RIRR | 0x31,
		 "delivered level pin got remote IRR");
	CHECK_EQ(st2.irr, 0x2,
		 "irr bits past pin 23 ignored; delivered edge not pending");

	vmrun_ioapic_reset(&io2);
	vmrun_ioapic_get_state(&io2, &st2);
	CHECK(st2.irr == 0 && st2.id == 0 && st2.ioregsel == 0 &&
	      st2.redirtbl[1].bits == MASKED, "reset clears the state");
}

int main(void)
{
	test_registers();
	test_rte();
	test_edge();
	test_level();
	test_eoi_vectors();
	test_masked();
	test_edge_clears_rirr();
	test_storm();
	test_state();
	return DONE();
}
