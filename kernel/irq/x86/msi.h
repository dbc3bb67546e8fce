/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MSI decoder: a message-signalled interrupt (Intel SDM vol. 3,
 * 11.11), as KVM_SIGNAL_MSI and MSI routes carry it, turned into the
 * message a local APIC accepts.
 */
#ifndef VMRUN_IRQ_X86_MSI_H
#define VMRUN_IRQ_X86_MSI_H

#include <linux/types.h>
#include "apic_msg.h"

#define VMRUN_MSI_ADDR_BASE		0xfee00000U
#define VMRUN_MSI_ADDR_MASK		0xfff00000U

/*
 * Decodes one MSI into *@msg. Returns false (and leaves *@msg alone) for
 * an address_lo outside 0xfee00000-0xfeefffff, and for an address_hi
 * with any of bits 7:0 set, which KVM refuses in x2APIC-format routes.
 *
 * Destination: address_lo bits 19:12, plus address_hi bits 31:8 as
 * destination bits 31:8. That is KVM's x2APIC format
 * (KVM_CAP_X2APIC_API with KVM_X2APIC_API_USE_32BIT_IDS); a glue whose
 * VM has not enabled that format must pass 0 for @address_hi, as KVM
 * then ignores it. The 15-bit "extended destination ID" of address_lo
 * bits 11:5 is not decoded (KVM leaves it to user space too).
 *
 * Destination mode from address bit 2 (KVM reads it whatever the
 * redirection hint); redirection hint (bit 3) turns fixed delivery into
 * lowest priority, as KVM arbitrates it; vector, delivery mode and
 * trigger (bit 15) from data; assert is data bit 14 for level
 * messages and true for edge ones (SDM: the level bit is ignored for
 * edge). Shorthand is none.
 */
bool vmrun_msi_decode(u32 address_lo, u32 address_hi, u32 data,
		      struct vmrun_apic_msg *msg);

#endif /* VMRUN_IRQ_X86_MSI_H */
