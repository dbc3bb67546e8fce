// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSI decoder (see msi.h for the contract). Layout, Intel SDM vol. 3,
 * 11.11.1 and 11.11.2:
 *   address: 31:20 0xfee, 19:12 destination ID, 3 redirection hint,
 *            2 destination mode (1: logical)
 *   data:    15 trigger mode (1: level), 14 level (1: assert),
 *            10:8 delivery mode, 7:0 vector
 */
#include <linux/types.h>
#include <linux/string.h>
#include "apic_msg.h"
#include "msi.h"

#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_RH		0x8U
#define MSI_ADDR_DM_LOGICAL	0x4U
#define MSI_ADDR_HI_DEST_MASK	0xffffff00U
#define MSI_DATA_TRIGGER_LEVEL	0x8000U
#define MSI_DATA_ASSERT		0x4000U
#define MSI_DATA_DM_SHIFT	8

bool vmrun_msi_decode(u32 address_lo, u32 address_hi, u32 data,
		      struct vmrun_apic_msg *msg)
{
	u8 dm;

	if ((address_lo & VMRUN_MSI_ADDR_MASK) != VMRUN_MSI_ADDR_BASE)
		return false;
	/*
	 * In KVM's x2APIC format address_hi holds destination bits 31:8
	 * from its bit 8 up; anything in its low byte is refused there.
	 */
	if (address_hi & ~MSI_ADDR_HI_DEST_MASK)
		return false;

	memset(msg, 0, sizeof(*msg));
	msg->dest = ((address_lo >> MSI_ADDR_DEST_SHIFT) & 0xff) | address_hi;
	msg->vector = (u8)data;
	dm = (data >> MSI_DATA_DM_SHIFT) & 7;
	/*
	 * The hint asks for delivery to one of the destinations only,
	 * which is what lowest-priority arbitration does; KVM arbitrates
	 * such messages whatever their delivery mode, we name it LOWEST
	 * for the fixed mode only, the others keep their meaning.
	 */
	if ((address_lo & MSI_ADDR_RH) && dm == VMRUN_APIC_DM_FIXED)
		dm = VMRUN_APIC_DM_LOWEST;
	msg->delivery = dm;
	msg->shorthand = VMRUN_APIC_SH_NONE;
	msg->logical = !!(address_lo & MSI_ADDR_DM_LOGICAL);
	msg->level = !!(data & MSI_DATA_TRIGGER_LEVEL);
	/* The level bit means something for level-triggered messages only. */
	msg->assert = msg->level ? !!(data & MSI_DATA_ASSERT) : true;
	return true;
}
