/* models: msi.c */
// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSI decoder against Intel SDM vol. 3, 11.11 (address and data
 * layout) and KVM's kvm_set_msi_irq() / x2APIC route format.
 */
#include <linux/types.h>
#include <string.h>
#include "unit-irq.h"
#include "msi.h"

struct msi_case {
	const char *what;
	u32 lo, hi, data;
	bool ok;
	u32 dest;
	u8 vector, delivery;
	bool logical, level, assert;
};

static const struct msi_case cases[] = {
	{ "fixed, physical, edge, dest 0 (11.11.1/11.11.2)",
	  0xfee00000, 0, 0x0030, true, 0x00, 0x30, VMRUN_APIC_DM_FIXED,
	  false, false, true },
	{ "destination ID from address bits 19:12 (11.11.1)",
	  0xfee5a000, 0, 0x0041, true, 0x5a, 0x41, VMRUN_APIC_DM_FIXED,
	  false, false, true },
	{ "DM bit 2 selects logical destination mode",
	  0xfee0f00c & ~0x8u, 0, 0x0051, true, 0x0f, 0x51,
	  VMRUN_APIC_DM_FIXED, true, false, true },
	{ "RH bit 3 with fixed delivery -> lowest priority (KVM arbitrates)",
	  0xfee0100c, 0, 0x0061, true, 0x01, 0x61, VMRUN_APIC_DM_LOWEST,
	  true, false, true },
	{ "RH with physical mode keeps DM=physical (KVM reads DM as is)",
	  0xfee02008, 0, 0x0062, true, 0x02, 0x62, VMRUN_APIC_DM_LOWEST,
	  false, false, true },
	{ "lowest priority delivery mode from data bits 10:8",
	  0xfee00000, 0, 0x0171, true, 0, 0x71, VMRUN_APIC_DM_LOWEST,
	  false, false, true },
	{ "SMI delivery mode 010",
	  0xfee00000, 0, 0x0200, true, 0, 0x00, VMRUN_APIC_DM_SMI,
	  false, false, true },
	{ "NMI delivery mode 100, RH does not turn it into lowest",
	  0xfee03008, 0, 0x0402, true, 0x03, 0x02, VMRUN_APIC_DM_NMI,
	  false, false, true },
	{ "INIT delivery mode 101",
	  0xfee00000, 0, 0x0500, true, 0, 0x00, VMRUN_APIC_DM_INIT,
	  false, false, true },
	{ "ExtINT delivery mode 111",
	  0xfee00000, 0, 0x0700, true, 0, 0x00, VMRUN_APIC_DM_EXTINT,
	  false, false, true },
	{ "trigger bit 15 level, level bit 14 assert",
	  0xfee00000, 0, 0xc0a1, true, 0, 0xa1, VMRUN_APIC_DM_FIXED,
	  false, true, true },
	{ "level-triggered with bit 14 clear is a de-assert",
	  0xfee00000, 0, 0x80a2, true, 0, 0xa2, VMRUN_APIC_DM_FIXED,
	  false, true, false },
	{ "edge ignores the level bit (assert anyway, 11.11.2)",
	  0xfee00000, 0, 0x00a3, true, 0, 0xa3, VMRUN_APIC_DM_FIXED,
	  false, false, true },
	{ "data bits 31:16 are ignored",
	  0xfee00000, 0, 0xdead00b4, true, 0, 0xb4, VMRUN_APIC_DM_FIXED,
	  false, false, true },
	{ "xAPIC broadcast dest 0xff passes through",
	  0xfeeff000, 0, 0x00ef, true, 0xff, 0xef, VMRUN_APIC_DM_FIXED,
	  false, false, true },
	{ "address bits 11:4 (reserved / ext dest) are not decoded",
	  0xfee01ff0, 0, 0x0033, true, 0x01, 0x33, VMRUN_APIC_DM_FIXED,
	  false, false, true },
	{ "x2APIC format: address_hi 31:8 are dest 31:8 (KVM X2APIC_API)",
	  0xfee34000, 0x00012300, 0x0044, true, 0x00012334, 0x44,
	  VMRUN_APIC_DM_FIXED, false, false, true },
	{ "x2APIC format broadcast 0xffffffff",
	  0xfeeff000, 0xffffff00, 0x0045, true, 0xffffffff, 0x45,
	  VMRUN_APIC_DM_FIXED, false, false, true },
	{ "address_hi low byte set: refused (KVM kvm_msi_route_invalid)",
	  0xfee00000, 0x00000001, 0x0030, false, 0, 0, 0, false, false, false },
	{ "address below 0xfee00000 is not an interrupt",
	  0xfedff000, 0, 0x0030, false, 0, 0, 0, false, false, false },
	{ "address above 0xfeefffff is not an interrupt",
	  0xfef00000, 0, 0x0030, false, 0, 0, 0, false, false, false },
	{ "address 0 is not an interrupt",
	  0x00000000, 0, 0x0030, false, 0, 0, 0, false, false, false },
	{ "top of the window 0xfeefffff decodes",
	  0xfeefffff & ~0xcu, 0, 0x0030, true, 0xff, 0x30,
	  VMRUN_APIC_DM_FIXED, false, false, true },
};

int main(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct msi_case *c = &cases[i];
		struct vmrun_apic_msg msg;
		bool ok;

		memset(&msg, 0xa5, sizeof(msg));
		ok = vmrun_msi_decode(c->lo, c->hi, c->data, &msg);
		CHECK_EQ(ok, c->ok, "%s: accepted", c->what);
		if (!c->ok) {
			CHECK_EQ(msg.vector, 0xa5,
				 "%s: message left alone", c->what);
			continue;
		}
		CHECK_EQ(msg.dest, c->dest, "%s: dest", c->what);
		CHECK_EQ(msg.vector, c->vector, "%s: vector", c->what);
		CHECK_EQ(msg.delivery, c->delivery, "%s: delivery", c->what);
		CHECK_EQ(msg.logical, c->logical, "%s: dest mode", c->what);
		CHECK_EQ(msg.level, c->level, "%s: trigger", c->what);
		CHECK_EQ(msg.assert, c->assert, "%s: assert", c->what);
		CHECK_EQ(msg.shorthand, VMRUN_APIC_SH_NONE,
			 "%s: no shorthand", c->what);
	}
	return DONE();
}
