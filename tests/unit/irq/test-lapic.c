/* models: lapic.c */
// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the local APIC model (kernel/irq/x86/lapic.c).
 * References: Intel SDM vol. 3 ch. 11 ("SDM 11.x"), the x2APIC spec, and
 * KVM 6.1 arch/x86/kvm/lapic.c where the ABI exposes its behaviour.
 */
#include <errno.h>
#include <string.h>

#include "lapic.h"
#include "unit-irq.h"

#define T0 1000000000ULL	/* a monotonic "now" far from 0 */

static struct vmrun_lapic_fx fx;

static struct vmrun_lapic_clock at(u64 ns)
{
	struct vmrun_lapic_clock c = { .ns = ns, .tsc = ns * 3, .tsc_khz = 3000000 };

	return c;
}

static u32 rd(const struct vmrun_lapic *l, u32 off, u64 ns)
{
	struct vmrun_lapic_clock c = at(ns);
	u32 v = 0xdeadbeef;

	vmrun_lapic_mmio_read(l, off, 4, &v, &c);
	return v;
}

static void wr(struct vmrun_lapic *l, u32 off, u32 val, u64 ns)
{
	struct vmrun_lapic_clock c = at(ns);

	vmrun_lapic_mmio_write(l, off, 4, &val, &c, &fx);
}

static int msr_rd(const struct vmrun_lapic *l, u32 msr, u64 *v)
{
	struct vmrun_lapic_clock c = at(T0);

	return vmrun_lapic_msr_read(l, msr, v, &c);
}

static int msr_wr(struct vmrun_lapic *l, u32 msr, u64 v)
{
	struct vmrun_lapic_clock c = at(T0);

	return vmrun_lapic_msr_write(l, msr, v, &c, &fx);
}

static bool fire(struct vmrun_lapic *l, u64 ns)
{
	struct vmrun_lapic_clock c = at(ns);

	return vmrun_lapic_timer_expired(l, &c, &fx);
}

static void enabled_apic(struct vmrun_lapic *l, u32 id, bool bsp)
{
	vmrun_lapic_reset(l, id, bsp);
	wr(l, VMRUN_APIC_SPIV, 0x1ff, T0);
}

static bool in_reg(const struct vmrun_lapic *l, u32 base, u8 vec)
{
	return rd(l, base + (vec >> 5) * 0x10, T0) & (1u << (vec & 31));
}

static bool give(struct vmrun_lapic *l, u8 dm, u8 vec, bool level, bool assert)
{
	struct vmrun_apic_msg m = {
		.vector = vec, .delivery = dm, .level = level, .assert = assert,
	};

	return vmrun_lapic_accept(l, &m, &fx);
}

static void to_x2apic(struct vmrun_lapic *l)
{
	int r = vmrun_lapic_set_base(l, vmrun_lapic_get_base(l) |
				     VMRUN_APIC_BASE_EXTD, 46, false, &fx);

	CHECK_EQ(r, 0, "x2apic: xAPIC -> x2APIC is legal (SDM 11.12.5)");
}

static void test_reset(void)
{
	struct vmrun_lapic bsp, ap;
	static const u32 lvts[] = {
		VMRUN_APIC_LVTT, VMRUN_APIC_LVTTHMR, VMRUN_APIC_LVTPC,
		VMRUN_APIC_LVT1, VMRUN_APIC_LVTERR,
	};
	unsigned int i;

	vmrun_lapic_reset(&bsp, 0, true);
	vmrun_lapic_reset(&ap, 3, false);
	CHECK_EQ(vmrun_lapic_get_base(&bsp), 0xfee00900,
		 "reset: BSP APIC_BASE = fee00000 | EN | BSP (SDM 11.4.4)");
	CHECK_EQ(vmrun_lapic_get_base(&ap), 0xfee00800,
		 "reset: AP APIC_BASE = fee00000 | EN");
	CHECK_EQ(rd(&ap, VMRUN_APIC_ID, T0), 3u << 24,
		 "reset: xAPIC ID = vcpu_id in bits 31:24");
	CHECK_EQ(vmrun_lapic_id(&ap), 3, "reset: vmrun_lapic_id = vcpu_id");
	CHECK_EQ(rd(&ap, VMRUN_APIC_LVR, T0), 0x50014,
		 "reset: version 0x14, max LVT 5 (KVM 6.1 without CMCI)");
	for (i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		CHECK_EQ(rd(&ap, lvts[i], T0), 0x10000,
			 "reset: LVT %#x masked (SDM 11.4.7.1)", lvts[i]);
	CHECK_EQ(rd(&ap, VMRUN_APIC_LVT0, T0), 0x10000, "reset: AP LVT0 masked");
	CHECK_EQ(rd(&bsp, VMRUN_APIC_LVT0, T0), 0x700,
		 "reset: BSP LVT0 = unmasked ExtINT (KVM LINT0_REENABLED quirk)");
	CHECK_EQ(rd(&ap, VMRUN_APIC_DFR, T0), 0xffffffff, "reset: DFR all ones (flat)");
	CHECK_EQ(rd(&ap, VMRUN_APIC_SPIV, T0), 0xff,
		 "reset: SPIV 0xff, software disabled");
	CHECK(!vmrun_lapic_sw_enabled(&ap), "reset: software disabled");
	CHECK(vmrun_lapic_hw_enabled(&ap), "reset: hardware enabled");
	CHECK(!vmrun_lapic_x2apic_mode(&ap), "reset: xAPIC mode");
	CHECK_EQ(rd(&ap, VMRUN_APIC_TPR, T0), 0, "reset: TPR 0");
	CHECK_EQ(rd(&ap, VMRUN_APIC_PPR, T0), 0, "reset: PPR 0");
	CHECK_EQ(rd(&ap, VMRUN_APIC_LDR, T0), 0, "reset: LDR 0");
	CHECK_EQ(rd(&ap, VMRUN_APIC_TDCR, T0), 0, "reset: TDCR 0 (divide by 2)");
	CHECK_EQ(rd(&ap, VMRUN_APIC_TMICT, T0), 0, "reset: TMICT 0");
	CHECK_EQ(rd(&ap, VMRUN_APIC_ESR, T0), 0, "reset: ESR 0");
	CHECK_EQ(rd(&ap, VMRUN_APIC_IRR + 0x70, T0), 0, "reset: IRR clear");
	CHECK_EQ(vmrun_lapic_timer_deadline(&ap), 0, "reset: timer not armed");
	CHECK(vmrun_lapic_accepts_pic(&bsp), "reset: BSP passes the PIC (virtual wire)");
	CHECK(!vmrun_lapic_accepts_pic(&ap), "reset: AP with LVT0 masked refuses the PIC");
	CHECK_EQ(vmrun_lapic_pending_vector(&ap), -1, "reset: nothing pending");
	CHECK(!vmrun_lapic_event_pending(&ap), "reset: no events");
	CHECK(!vmrun_lapic_waiting_for_sipi(&ap),
	      "reset: AP does not wait for SIPI before an INIT (KVM UNINITIALIZED)");
	CHECK(vmrun_lapic_mmio_match(&ap, 0xfee00000) &&
	      vmrun_lapic_mmio_match(&ap, 0xfee00fff) &&
	      !vmrun_lapic_mmio_match(&ap, 0xfee01000) &&
	      !vmrun_lapic_mmio_match(&ap, 0xfedfffff),
	      "reset: MMIO window is the 4 KiB at fee00000");
}

static void test_mmio_access(void)
{
	struct vmrun_lapic l;
	struct vmrun_lapic_clock c = at(T0);
	u8 b[8];
	u16 h;
	u32 v;

	enabled_apic(&l, 0x12, false);
	memset(b, 0xaa, sizeof(b));
	vmrun_lapic_mmio_read(&l, VMRUN_APIC_ID + 3, 1, b, &c);
	CHECK_EQ(b[0], 0x12, "mmio: 1-byte read of ID byte 3 (KVM allows 1/2 byte reads)");
	vmrun_lapic_mmio_read(&l, VMRUN_APIC_LVR + 2, 2, &h, &c);
	CHECK_EQ(h, 5, "mmio: 2-byte read of LVR bits 31:16 = max LVT");
	memset(b, 0xaa, sizeof(b));
	vmrun_lapic_mmio_read(&l, VMRUN_APIC_ID + 3, 2, b, &c);
	CHECK(b[0] == 0 && b[1] == 0,
	      "mmio: read crossing the 32-bit register reads zeros (KVM)");
	memset(b, 0xaa, sizeof(b));
	vmrun_lapic_mmio_read(&l, VMRUN_APIC_LVR, 8, b, &c);
	CHECK(!memcmp(b, "\0\0\0\0\0\0\0\0", 8), "mmio: 8-byte read reads zeros (SDM 11.4.1: 32-bit only)");
	CHECK_EQ(rd(&l, VMRUN_APIC_LVR + 4, T0), 0, "mmio: bytes 4-15 of a slot read 0");
	CHECK_EQ(rd(&l, VMRUN_APIC_EOI, T0), 0, "mmio: write-only EOI reads 0");
	CHECK_EQ(rd(&l, 0x40, T0), 0, "mmio: reserved 0x40 reads 0");
	CHECK_EQ(rd(&l, VMRUN_APIC_APR, T0), 0, "mmio: ARBPRI reads 0 as KVM");
	CHECK_EQ(rd(&l, VMRUN_APIC_SELF_IPI, T0), 0, "mmio: SELF_IPI is not in the xAPIC page");
	CHECK_EQ(rd(&l, 0x800, T0), 0, "mmio: beyond 0x3f0 reads 0");
	CHECK_EQ(vmrun_lapic_mmio_read(&l, 0, 3, b, &c), -EINVAL, "mmio: len 3 is a caller error");
	CHECK_EQ(vmrun_lapic_mmio_read(&l, 0xffe, 4, b, &c), -EINVAL, "mmio: past the page is a caller error");

	h = 0x50;
	vmrun_lapic_mmio_write(&l, VMRUN_APIC_TPR, 2, &h, &c, &fx);
	CHECK_EQ(rd(&l, VMRUN_APIC_TPR, T0), 0, "mmio: 2-byte write dropped (SDM 11.4.1, KVM)");
	v = 0x50;
	vmrun_lapic_mmio_write(&l, VMRUN_APIC_TPR + 4, 4, &v, &c, &fx);
	CHECK_EQ(rd(&l, VMRUN_APIC_TPR, T0), 0, "mmio: unaligned 4-byte write dropped");
	wr(&l, VMRUN_APIC_TPR, 0x1ff, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_TPR, T0), 0xff, "mmio: TPR keeps bits 7:0");
	wr(&l, VMRUN_APIC_TPR, 0, T0);
	wr(&l, VMRUN_APIC_LVR, 0, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_LVR, T0), 0x50014, "mmio: LVR is read-only");
	wr(&l, VMRUN_APIC_PPR, 0x80, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_PPR, T0), 0, "mmio: PPR is read-only");
	wr(&l, VMRUN_APIC_ID, 0x07abcdef, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_ID, T0), 0x07000000, "mmio: xAPIC ID writable, bits 31:24");
	CHECK_EQ(vmrun_lapic_id(&l), 7, "mmio: new xAPIC ID used");
	wr(&l, VMRUN_APIC_LDR, 0x12345678, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_LDR, T0), 0x12000000, "mmio: LDR keeps bits 31:24");
	wr(&l, VMRUN_APIC_DFR, 0x0, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_DFR, T0), 0x0fffffff, "mmio: DFR bits 27:0 read 1");
	wr(&l, VMRUN_APIC_SPIV, 0xffffffff, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_SPIV, T0), 0x3ff,
		 "mmio: SPIV keeps vector/enable/focus, no EOI suppression bit 12");
	wr(&l, VMRUN_APIC_LVT0, 0xffffffff, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_LVT0, T0), 0x1a7ff,
		 "mmio: LINT0 writable bits (delivery status, remote IRR read-only)");
	wr(&l, VMRUN_APIC_LVTERR, 0xffffffff, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_LVTERR, T0), 0x100ff, "mmio: LVT error writable bits");
	wr(&l, VMRUN_APIC_LVTPC, 0xffffffff, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_LVTPC, T0), 0x107ff, "mmio: LVT PMC writable bits");
	wr(&l, VMRUN_APIC_LVTT, 0xffffffff & ~0x40000u, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_LVTT, T0), 0x300ff, "mmio: LVT timer writable bits");
	wr(&l, VMRUN_APIC_TDCR, 0xffffffff, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_TDCR, T0), 0xb, "mmio: TDCR keeps bits 3,1:0");
	wr(&l, VMRUN_APIC_ICR2, 0x12345678, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_ICR2, T0), 0x12000000, "mmio: ICR2 keeps bits 31:24");
	wr(&l, VMRUN_APIC_TMCCT, 5, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0), 0, "mmio: TMCCT is read-only");
	wr(&l, VMRUN_APIC_IRR, 0xffffffff, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_IRR, T0), 0, "mmio: IRR is read-only");

	/* software disable masks the LVTs and keeps them masked */
	wr(&l, VMRUN_APIC_LVT1, 0x400, T0);
	wr(&l, VMRUN_APIC_SPIV, 0xff, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_LVT1, T0), 0x10400,
		 "mmio: software disable sets every LVT mask (SDM 11.4.7.2)");
	wr(&l, VMRUN_APIC_LVT1, 0x400, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_LVT1, T0), 0x10400,
		 "mmio: LVT mask cannot be cleared while software disabled");

	/* in x2APIC mode the page is a hole */
	to_x2apic(&l);
	CHECK_EQ(rd(&l, VMRUN_APIC_LVR, T0), 0xffffffff,
		 "mmio: x2APIC mode: MMIO reads all ones (KVM MMIO hole quirk)");
	wr(&l, VMRUN_APIC_TPR, 0x40, T0);
	CHECK_EQ(vmrun_lapic_get_cr8(&l), 0, "mmio: x2APIC mode: MMIO writes dropped");
}

static void test_x2apic_msrs(void)
{
	struct vmrun_lapic l;
	u64 v = 0;
	unsigned int i;
	static const u32 no_read[] = {
		0x801, 0x809 /* ARBPRI */, 0x80b /* EOI */, 0x80c /* RRD */,
		0x80e /* DFR */, 0x82f /* CMCI */, 0x831 /* ICR2 */,
		0x83f /* SELF_IPI */, 0x840, 0x8ff,
	};
	static const u32 no_write[] = {
		0x802 /* ID */, 0x803 /* LVR */, 0x809, 0x80a /* PPR */,
		0x80d /* LDR */, 0x80e, 0x810 /* ISR */, 0x818 /* TMR */,
		0x820 /* IRR */, 0x82f, 0x831, 0x839 /* TMCCT */, 0x801, 0x840,
	};

	enabled_apic(&l, 0x23, false);
	CHECK_EQ(msr_rd(&l, 0x802, &v), -EINVAL, "x2apic: RDMSR in xAPIC mode is #GP");
	CHECK_EQ(msr_wr(&l, 0x808, 0), -EINVAL, "x2apic: WRMSR in xAPIC mode is #GP");
	to_x2apic(&l);
	CHECK(vmrun_lapic_x2apic_mode(&l), "x2apic: mode on");
	CHECK_EQ(msr_rd(&l, 0x802, &v), 0, "x2apic: ID readable");
	CHECK_EQ(v, 0x23, "x2apic: x2APIC ID = vcpu_id, 32-bit");
	CHECK_EQ(msr_rd(&l, 0x80d, &v), 0, "x2apic: LDR readable");
	CHECK_EQ(v, (2u << 16) | (1u << 3),
		 "x2apic: LDR = cluster(id>>4)<<16 | 1<<(id&15) (SDM 11.12.10.2)");
	CHECK_EQ(msr_rd(&l, 0x803, &v), 0, "x2apic: version readable");
	CHECK_EQ(v, 0x50014, "x2apic: version as in xAPIC");
	CHECK_EQ(msr_rd(&l, 0x80f, &v), 0, "x2apic: SPIV readable");
	CHECK_EQ(v, 0x1ff, "x2apic: SPIV kept across the switch");
	for (i = 0; i < sizeof(no_read) / sizeof(no_read[0]); i++)
		CHECK_EQ(msr_rd(&l, no_read[i], &v), -EINVAL,
			 "x2apic: RDMSR %#x is #GP (SDM table 11-6)", no_read[i]);
	for (i = 0; i < sizeof(no_write) / sizeof(no_write[0]); i++)
		CHECK_EQ(msr_wr(&l, no_write[i], 0), -EINVAL,
			 "x2apic: WRMSR %#x is #GP (read-only or reserved)", no_write[i]);
	CHECK_EQ(msr_wr(&l, 0x80b, 1), -EINVAL, "x2apic: non-zero EOI write is #GP");
	CHECK_EQ(msr_wr(&l, 0x80b, 0), 0, "x2apic: zero EOI write is fine");
	CHECK_EQ(msr_wr(&l, 0x828, 1), -EINVAL, "x2apic: non-zero ESR write is #GP");
	CHECK_EQ(msr_wr(&l, 0x828, 0), 0, "x2apic: zero ESR write is fine");
	CHECK_EQ(msr_wr(&l, 0x808, 1ULL << 32), -EINVAL,
		 "x2apic: bits 63:32 set in TPR is #GP");
	CHECK_EQ(msr_wr(&l, 0x808, 0x70), 0, "x2apic: TPR write");
	CHECK_EQ(vmrun_lapic_get_cr8(&l), 7, "x2apic: TPR write reaches CR8");
	CHECK_EQ(msr_rd(&l, 0x80a, &v), 0, "x2apic: PPR readable");
	CHECK_EQ(v, 0x70, "x2apic: PPR follows TPR");
	CHECK_EQ(msr_wr(&l, 0x835, 0x420), 0, "x2apic: LINT0 write");
	CHECK_EQ(msr_rd(&l, 0x835, &v), 0, "x2apic: LINT0 read");
	CHECK_EQ(v, 0x420, "x2apic: LINT0 round trip");
	CHECK_EQ(msr_rd(&l, 0x7ff, &v), -EINVAL, "x2apic: below the range is refused");
	CHECK_EQ(msr_rd(&l, 0x900, &v), -EINVAL, "x2apic: above the range is refused");
}

static const u8 prio_vectors[16] = {
	0x10, 0x2f, 0x31, 0x45, 0x4a, 0x58, 0x61, 0x77,
	0x80, 0x9c, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xff,
};

static void test_priority(void)
{
	struct vmrun_lapic l;
	int i, v;

	enabled_apic(&l, 1, false);
	for (i = 0; i < 16; i++)
		CHECK(give(&l, VMRUN_APIC_DM_FIXED, prio_vectors[i], false, false),
		      "prio: fixed vector %#x accepted", prio_vectors[i]);
	for (i = 15; i >= 0; i--) {
		CHECK_EQ(vmrun_lapic_pending_vector(&l), prio_vectors[i],
			 "prio: highest IRR vector %#x is next (SDM 11.8.3)", prio_vectors[i]);
		v = vmrun_lapic_ack(&l);
		CHECK_EQ(v, prio_vectors[i], "prio: ack returns %#x", prio_vectors[i]);
		CHECK(in_reg(&l, VMRUN_APIC_ISR, v) && !in_reg(&l, VMRUN_APIC_IRR, v),
		      "prio: ack moves %#x from IRR to ISR", v);
		CHECK_EQ(rd(&l, VMRUN_APIC_PPR, T0), prio_vectors[i] & 0xf0,
			 "prio: PPR = class of ISR %#x (SDM 11.8.3.1)", v);
		if (i)
			CHECK_EQ(vmrun_lapic_pending_vector(&l), -1,
				 "prio: %#x waits while %#x is in service (same or lower class)",
				 prio_vectors[i - 1], v);
		wr(&l, VMRUN_APIC_EOI, 0, T0);
	}
	CHECK_EQ(rd(&l, VMRUN_APIC_ISR + 0x70, T0) | rd(&l, VMRUN_APIC_ISR + 0x20, T0), 0,
		 "prio: EOIs empty the ISR");
	CHECK_EQ(rd(&l, VMRUN_APIC_PPR, T0), 0, "prio: PPR back to 0");

	/* nesting: only a higher class interrupts an in-service vector */
	give(&l, VMRUN_APIC_DM_FIXED, 0x40, false, false);
	vmrun_lapic_ack(&l);
	give(&l, VMRUN_APIC_DM_FIXED, 0x4f, false, false);
	CHECK_EQ(vmrun_lapic_pending_vector(&l), -1, "prio: 0x4f blocked by in-service 0x40");
	give(&l, VMRUN_APIC_DM_FIXED, 0x50, false, false);
	CHECK_EQ(vmrun_lapic_ack(&l), 0x50, "prio: 0x50 nests over in-service 0x40");
	CHECK_EQ(rd(&l, VMRUN_APIC_PPR, T0), 0x50, "prio: PPR 0x50 while nested");
	wr(&l, VMRUN_APIC_EOI, 0, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_PPR, T0), 0x40, "prio: EOI of 0x50 leaves PPR 0x40");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), -1, "prio: 0x4f still blocked");
	wr(&l, VMRUN_APIC_EOI, 0, T0);
	CHECK(fx.kick, "prio: EOI unblocking 0x4f kicks");
	CHECK_EQ(vmrun_lapic_ack(&l), 0x4f, "prio: 0x4f after EOI of 0x40");
	wr(&l, VMRUN_APIC_EOI, 0, T0);

	/* TPR blocks classes at or below it */
	wr(&l, VMRUN_APIC_TPR, 0x55, T0);
	give(&l, VMRUN_APIC_DM_FIXED, 0x5f, false, false);
	CHECK_EQ(vmrun_lapic_pending_vector(&l), -1,
		 "prio: TPR 0x55 blocks class 5 (vector 0x5f)");
	CHECK_EQ(vmrun_lapic_ack(&l), -1, "prio: ack with nothing deliverable is -1");
	give(&l, VMRUN_APIC_DM_FIXED, 0x60, false, false);
	CHECK_EQ(vmrun_lapic_pending_vector(&l), 0x60, "prio: TPR 0x55 passes class 6");
	CHECK_EQ(vmrun_lapic_ack(&l), 0x60, "prio: ack 0x60");
	CHECK_EQ(rd(&l, VMRUN_APIC_PPR, T0), 0x60, "prio: PPR = ISR class when above TPR");
	wr(&l, VMRUN_APIC_EOI, 0, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_PPR, T0), 0x55, "prio: PPR = TPR (with low bits) after EOI");
	vmrun_lapic_set_cr8(&l, 2, &fx);
	CHECK_EQ(rd(&l, VMRUN_APIC_TPR, T0), 0x20, "prio: CR8 write sets TPR[7:4]");
	CHECK(fx.kick, "prio: lowering CR8 unmasked 0x5f: kick");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), 0x5f, "prio: 0x5f deliverable under TPR 0x20");
	CHECK_EQ(vmrun_lapic_get_cr8(&l), 2, "prio: CR8 reads TPR[7:4]");
	vmrun_lapic_set_cr8(&l, 0xf, &fx);
	CHECK(!fx.kick, "prio: raising CR8 does not kick");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), -1, "prio: CR8 15 blocks everything");

	/* arbitration priority for lowest-priority delivery */
	vmrun_lapic_set_cr8(&l, 2, &fx);
	CHECK_EQ(vmrun_lapic_arb_prio(&l), 0x50,
		 "prio: ArbPR = IRR class 5 above TPR 0x20 (SDM 11.6.2.4)");
	vmrun_lapic_set_cr8(&l, 7, &fx);
	CHECK_EQ(vmrun_lapic_arb_prio(&l), 0x70, "prio: ArbPR = TPR when TPR is higher");
	wr(&l, VMRUN_APIC_SPIV, 0xff, T0);
	CHECK_EQ(vmrun_lapic_arb_prio(&l), 0xff, "prio: disabled APIC never wins arbitration");
}

static void test_eoi_accept(void)
{
	struct vmrun_lapic l;

	enabled_apic(&l, 2, false);
	CHECK(give(&l, VMRUN_APIC_DM_FIXED, 0x41, true, true), "accept: level fixed accepted");
	CHECK(fx.kick, "accept: deliverable interrupt kicks");
	CHECK(in_reg(&l, VMRUN_APIC_TMR, 0x41), "accept: level sets TMR (SDM 11.5.5)");
	CHECK(give(&l, VMRUN_APIC_DM_LOWEST, 0x42, false, true), "accept: lowest-priority accepted");
	CHECK(!in_reg(&l, VMRUN_APIC_TMR, 0x42), "accept: edge leaves TMR clear");
	CHECK(!give(&l, VMRUN_APIC_DM_FIXED, 0x43, true, false),
	      "accept: level de-assert of fixed is dropped");
	CHECK(!in_reg(&l, VMRUN_APIC_IRR, 0x43), "accept: de-assert sets no IRR");

	CHECK_EQ(vmrun_lapic_ack(&l), 0x42, "eoi: ack 0x42 first");
	vmrun_lapic_eoi(&l, &fx);
	CHECK_EQ(fx.eoi_vector, -1, "eoi: edge vector: no IOAPIC EOI");
	CHECK_EQ(vmrun_lapic_ack(&l), 0x41, "eoi: ack 0x41");
	wr(&l, VMRUN_APIC_EOI, 0x12345, T0);
	CHECK_EQ(fx.eoi_vector, 0x41, "eoi: TMR vector broadcast to IOAPIC (any value in xAPIC)");
	CHECK(!in_reg(&l, VMRUN_APIC_ISR, 0x41), "eoi: ISR bit cleared");
	wr(&l, VMRUN_APIC_EOI, 0, T0);
	CHECK_EQ(fx.eoi_vector, -1, "eoi: empty ISR is a no-op");
	give(&l, VMRUN_APIC_DM_FIXED, 0x41, false, false);
	CHECK(!in_reg(&l, VMRUN_APIC_TMR, 0x41), "accept: edge re-accept clears TMR");
	vmrun_lapic_ack(&l);

	/* x2APIC EOI MSR */
	give(&l, VMRUN_APIC_DM_FIXED, 0x88, true, true);
	vmrun_lapic_ack(&l);
	vmrun_lapic_eoi(&l, &fx);
	CHECK_EQ(fx.eoi_vector, 0x88, "eoi: EOI clears the highest ISR (0x88 over 0x41)");
	CHECK(in_reg(&l, VMRUN_APIC_ISR, 0x41), "eoi: lower ISR 0x41 stays in service");
	vmrun_lapic_eoi(&l, &fx);
	CHECK_EQ(fx.eoi_vector, -1, "eoi: then 0x41 (edge) with no broadcast");
	to_x2apic(&l);
	give(&l, VMRUN_APIC_DM_FIXED, 0x99, true, true);
	vmrun_lapic_ack(&l);
	CHECK_EQ(msr_wr(&l, 0x80b, 0), 0, "eoi: x2APIC EOI MSR");
	CHECK_EQ(fx.eoi_vector, 0x99, "eoi: x2APIC EOI of level vector broadcasts it");

	/* illegal vectors and ESR */
	enabled_apic(&l, 2, false);
	CHECK(!give(&l, VMRUN_APIC_DM_FIXED, 0x0e, false, false),
	      "accept: vector 14 is illegal (SDM 11.5.2)");
	CHECK(!in_reg(&l, VMRUN_APIC_IRR, 0x0e), "accept: illegal vector sets no IRR");
	CHECK_EQ(rd(&l, VMRUN_APIC_ESR, T0), 0, "esr: error not visible before an ESR write");
	wr(&l, VMRUN_APIC_ESR, 0, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_ESR, T0), 0x40,
		 "esr: write latches receive illegal vector (SDM 11.5.3)");
	wr(&l, VMRUN_APIC_ESR, 0, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_ESR, T0), 0, "esr: next write clears it");
	wr(&l, VMRUN_APIC_LVTERR, 0xe3, T0);
	give(&l, VMRUN_APIC_DM_FIXED, 0x01, false, false);
	CHECK_EQ(vmrun_lapic_pending_vector(&l), 0xe3,
		 "esr: unmasked LVT error raises its vector on an error");
	CHECK(fx.kick, "esr: error interrupt kicks");

	/* what a software-disabled APIC takes (SDM 11.4.7.2) */
	vmrun_lapic_reset(&l, 2, false);
	CHECK(!give(&l, VMRUN_APIC_DM_FIXED, 0x50, false, false),
	      "sw-disabled: fixed dropped");
	CHECK(!give(&l, VMRUN_APIC_DM_LOWEST, 0x50, false, false),
	      "sw-disabled: lowest priority dropped");
	CHECK(give(&l, VMRUN_APIC_DM_NMI, 0, false, false), "sw-disabled: NMI accepted");
	CHECK(fx.kick, "accept: NMI kicks");
	CHECK(give(&l, VMRUN_APIC_DM_NMI, 0, false, false), "accept: second NMI counted");
	CHECK(vmrun_lapic_event_pending(&l), "accept: NMI is a pending event");
	CHECK_EQ(vmrun_lapic_take_nmis(&l), 2, "accept: two NMIs counted");
	CHECK_EQ(vmrun_lapic_take_nmis(&l), 0, "accept: taking NMIs clears them");
	CHECK(!give(&l, VMRUN_APIC_DM_SMI, 0, false, false), "accept: SMI ignored");
	CHECK(!give(&l, 3, 0x50, false, false), "accept: reserved delivery mode 3 ignored");
	CHECK(give(&l, VMRUN_APIC_DM_EXTINT, 0, false, false), "accept: ExtINT flagged");
	CHECK(vmrun_lapic_take_extint(&l), "accept: ExtINT taken");
	CHECK(!vmrun_lapic_take_extint(&l), "accept: ExtINT taken once");
	CHECK(give(&l, VMRUN_APIC_DM_INIT, 0, false, false), "sw-disabled: INIT accepted");

	/* a hardware-disabled APIC takes nothing */
	vmrun_lapic_reset(&l, 2, false);
	vmrun_lapic_set_base(&l, 0xfee00000, 46, false, &fx);
	CHECK(!give(&l, VMRUN_APIC_DM_NMI, 0, false, false), "hw-disabled: NMI not accepted");
	CHECK(vmrun_lapic_accepts_pic(&l), "hw-disabled: PIC goes straight to the CPU");

	/* LINT pins through the LVT */
	enabled_apic(&l, 0, false);
	wr(&l, VMRUN_APIC_LVT1, 0x400, T0);
	CHECK(vmrun_lapic_local_deliver(&l, VMRUN_APIC_LVT1, &fx), "lint: LINT1 NMI delivered");
	CHECK_EQ(vmrun_lapic_take_nmis(&l), 1, "lint: LINT1 in NMI mode counts an NMI");
	wr(&l, VMRUN_APIC_LVT1, 0x10400, T0);
	CHECK(!vmrun_lapic_local_deliver(&l, VMRUN_APIC_LVT1, &fx), "lint: masked LINT1 drops");
	wr(&l, VMRUN_APIC_LVT0, 0x8031, T0);
	CHECK(vmrun_lapic_local_deliver(&l, VMRUN_APIC_LVT0, &fx), "lint: LINT0 fixed level");
	CHECK(in_reg(&l, VMRUN_APIC_IRR, 0x31) && in_reg(&l, VMRUN_APIC_TMR, 0x31),
	      "lint: LINT0 level-triggered sets IRR and TMR");
	wr(&l, VMRUN_APIC_LVT0, 0x700, T0);
	CHECK(!vmrun_lapic_local_deliver(&l, VMRUN_APIC_LVT0, &fx),
	      "lint: ExtINT LINT0 is the glue's PIC path");
	CHECK(vmrun_lapic_accepts_pic(&l), "lint: unmasked ExtINT LINT0 accepts the PIC");
	CHECK(!vmrun_lapic_local_deliver(&l, VMRUN_APIC_TPR, &fx), "lint: non-LVT offset refused");
}

struct icr_case {
	u32 low, high;
	u8 vector, delivery, shorthand;
	bool logical, level, assert;
	u32 dest;
	const char *what;
};

static void test_icr(void)
{
	static const struct icr_case cases[] = {
		{ 0x000040f1, 0x03000000, 0xf1, 0, 0, false, false, true, 3, "fixed physical" },
		{ 0x00004831, 0x0f000000, 0x31, 0, 0, true, false, true, 0x0f, "fixed logical" },
		{ 0x00004132, 0x01000000, 0x32, 1, 0, false, false, true, 1, "lowest priority" },
		{ 0x00000400, 0x02000000, 0x00, 4, 0, false, false, false, 2, "NMI" },
		{ 0x0000c500, 0x05000000, 0x00, 5, 0, false, true, true, 5, "INIT level assert" },
		{ 0x000c8500, 0x00000000, 0x00, 5, 3, false, true, false, 0, "INIT de-assert all-but-self" },
		{ 0x000c4500, 0x00000000, 0x00, 5, 3, false, false, true, 0, "INIT all-but-self" },
		{ 0x000c4608, 0x00000000, 0x08, 6, 3, false, false, true, 0, "SIPI all-but-self" },
		{ 0x00044040, 0x00000000, 0x40, 0, 1, false, false, true, 0, "self" },
		{ 0x00084041, 0xff000000, 0x41, 0, 2, false, false, true, 0xff, "all incl. self" },
		{ 0x0000c8a0, 0x01000000, 0xa0, 0, 0, true, true, true, 1, "level logical" },
	};
	struct vmrun_lapic l;
	unsigned int i;
	u64 v = 0;

	enabled_apic(&l, 0, true);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icr_case *c = &cases[i];

		wr(&l, VMRUN_APIC_ICR2, c->high, T0);
		wr(&l, VMRUN_APIC_ICR, c->low, T0);
		CHECK(fx.ipi, "icr: %s sends (SDM 11.6.1)", c->what);
		CHECK(fx.ipi_msg.vector == c->vector && fx.ipi_msg.delivery == c->delivery &&
		      fx.ipi_msg.shorthand == c->shorthand && fx.ipi_msg.logical == c->logical &&
		      fx.ipi_msg.level == c->level && fx.ipi_msg.assert == c->assert &&
		      fx.ipi_msg.dest == c->dest,
		      "icr: %s message fields (vec %#x dm %u sh %u lg %d lv %d as %d dest %#x)",
		      c->what, fx.ipi_msg.vector, fx.ipi_msg.delivery,
		      fx.ipi_msg.shorthand, fx.ipi_msg.logical, fx.ipi_msg.level,
		      fx.ipi_msg.assert, fx.ipi_msg.dest);
	}
	wr(&l, VMRUN_APIC_ICR, 0x000010f1 | 0xffff0000, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_ICR, T0), 0xffff00f1,
		 "icr: delivery status reads idle, the other bits as written (KVM 6.1, stock KVM's xapic_state_test)");
	wr(&l, VMRUN_APIC_ICR, 0x0000400f, T0);
	CHECK(!fx.ipi, "icr: fixed vector 15 is not sent");
	wr(&l, VMRUN_APIC_ESR, 0, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_ESR, T0), 0x20, "icr: send illegal vector in ESR (SDM 11.5.3)");
	wr(&l, VMRUN_APIC_ICR, 0x00000600, T0);
	CHECK(fx.ipi && fx.ipi_msg.delivery == VMRUN_APIC_DM_SIPI,
	      "icr: SIPI vector 0 is legal (not a fixed interrupt)");
	wr(&l, VMRUN_APIC_SELF_IPI, 0x55, T0);
	CHECK(!fx.ipi, "icr: SELF_IPI offset does nothing in xAPIC mode");

	to_x2apic(&l);
	CHECK_EQ(msr_wr(&l, 0x830, 0x12345678000040e1ULL), 0, "icr: x2APIC 64-bit ICR write");
	CHECK(fx.ipi && fx.ipi_msg.dest == 0x12345678 && fx.ipi_msg.vector == 0xe1 &&
	      fx.ipi_msg.shorthand == 0 && !fx.ipi_msg.logical,
	      "icr: x2APIC destination is ICR bits 63:32");
	CHECK_EQ(msr_rd(&l, 0x830, &v), 0, "icr: x2APIC ICR readable");
	CHECK_EQ(v, 0x12345678000040e1ULL, "icr: x2APIC ICR reads back 64 bits");
	CHECK_EQ(msr_wr(&l, 0x830, 0xffffffff00000831ULL), 0, "icr: x2APIC logical broadcast");
	CHECK(fx.ipi_msg.dest == 0xffffffff && fx.ipi_msg.logical,
	      "icr: x2APIC 32-bit logical destination");
	CHECK_EQ(msr_wr(&l, 0x83f, 0x37), 0, "icr: SELF_IPI write");
	CHECK(fx.ipi && fx.ipi_msg.shorthand == VMRUN_APIC_SH_SELF &&
	      fx.ipi_msg.vector == 0x37 && fx.ipi_msg.delivery == VMRUN_APIC_DM_FIXED &&
	      !fx.ipi_msg.level, "icr: SELF_IPI is a fixed edge self IPI (x2APIC spec 2.4.5)");
	CHECK_EQ(msr_wr(&l, 0x83f, 0x05), 0, "icr: SELF_IPI vector 5 write");
	CHECK(!fx.ipi, "icr: SELF_IPI illegal vector not sent");
}

struct dest_case {
	bool logical;
	u32 dest;
	bool want[4];
	const char *what;
};

static void test_match_dest(void)
{
	struct vmrun_lapic a[4];
	struct vmrun_apic_msg m = { .vector = 0x40 };
	static const struct dest_case flat[] = {
		{ false, 0, { 1, 0, 0, 0 }, "physical 0" },
		{ false, 2, { 0, 0, 1, 0 }, "physical 2" },
		{ false, 9, { 0, 0, 0, 0 }, "physical absent 9" },
		{ false, 0xff, { 1, 1, 1, 1 }, "physical broadcast 0xff" },
		{ true, 0x01, { 1, 0, 0, 0 }, "flat 0x01" },
		{ true, 0x06, { 0, 1, 1, 0 }, "flat 0x06" },
		{ true, 0x88, { 0, 0, 0, 1 }, "flat 0x88" },
		{ true, 0x00, { 0, 0, 0, 0 }, "flat 0" },
		{ true, 0xff, { 1, 1, 1, 1 }, "flat broadcast 0xff" },
	};
	static const struct dest_case cluster[] = {
		{ true, 0x11, { 1, 0, 0, 0 }, "cluster 1 member 1" },
		{ true, 0x13, { 1, 1, 0, 0 }, "cluster 1 members 1,2" },
		{ true, 0x21, { 0, 0, 1, 0 }, "cluster 2 member 1" },
		{ true, 0x2f, { 0, 0, 1, 1 }, "cluster 2 all" },
		{ true, 0x31, { 0, 0, 0, 0 }, "cluster 3 (empty)" },
		{ true, 0xff, { 1, 1, 1, 1 }, "cluster broadcast 0xff" },
	};
	static const struct dest_case x2[] = {
		{ false, 0x10, { 0, 1, 0, 0 }, "x2 physical 0x10" },
		{ false, 0x123, { 0, 0, 0, 1 }, "x2 physical 0x123" },
		{ false, 0xff, { 0, 0, 0, 0 }, "x2 physical 0xff from an IPI is an ID" },
		{ false, 0xffffffff, { 1, 1, 1, 1 }, "x2 physical broadcast" },
		{ true, 0x00000001, { 1, 0, 0, 0 }, "x2 cluster 0 bit 0" },
		{ true, 0x00010003, { 0, 1, 1, 0 }, "x2 cluster 1 bits 0,1" },
		{ true, 0x00120008, { 0, 0, 0, 1 }, "x2 cluster 0x12 bit 3" },
		{ true, 0x00020001, { 0, 0, 0, 0 }, "x2 cluster 2 (empty)" },
		{ true, 0xffffffff, { 1, 1, 1, 1 }, "x2 logical broadcast" },
	};
	static const u32 ids[4] = { 0, 0x10, 0x11, 0x123 };
	unsigned int i, j;

	for (i = 0; i < 4; i++)
		enabled_apic(&a[i], i, !i);
	wr(&a[0], VMRUN_APIC_LDR, 0x01000000, T0);
	wr(&a[1], VMRUN_APIC_LDR, 0x02000000, T0);
	wr(&a[2], VMRUN_APIC_LDR, 0x04000000, T0);
	wr(&a[3], VMRUN_APIC_LDR, 0x80000000, T0);
	for (i = 0; i < sizeof(flat) / sizeof(flat[0]); i++) {
		m.logical = flat[i].logical;
		m.dest = flat[i].dest;
		for (j = 0; j < 4; j++)
			CHECK_EQ(vmrun_lapic_match_dest(&a[j], &m, NULL), flat[i].want[j],
				 "dest: %s vs APIC %u (SDM 11.6.2)", flat[i].what, j);
	}

	wr(&a[0], VMRUN_APIC_LDR, 0x11000000, T0);
	wr(&a[1], VMRUN_APIC_LDR, 0x12000000, T0);
	wr(&a[2], VMRUN_APIC_LDR, 0x21000000, T0);
	wr(&a[3], VMRUN_APIC_LDR, 0x28000000, T0);
	for (j = 0; j < 4; j++)
		wr(&a[j], VMRUN_APIC_DFR, 0x0fffffff, T0);
	for (i = 0; i < sizeof(cluster) / sizeof(cluster[0]); i++) {
		m.logical = cluster[i].logical;
		m.dest = cluster[i].dest;
		for (j = 0; j < 4; j++)
			CHECK_EQ(vmrun_lapic_match_dest(&a[j], &m, NULL), cluster[i].want[j],
				 "dest: %s vs APIC %u (SDM 11.6.2.2 cluster)", cluster[i].what, j);
	}

	/* shorthands */
	m.shorthand = VMRUN_APIC_SH_SELF;
	CHECK(vmrun_lapic_match_dest(&a[1], &m, &a[1]) && !vmrun_lapic_match_dest(&a[2], &m, &a[1]),
	      "dest: self shorthand matches only the sender");
	m.shorthand = VMRUN_APIC_SH_ALL;
	CHECK(vmrun_lapic_match_dest(&a[1], &m, &a[1]) && vmrun_lapic_match_dest(&a[2], &m, &a[1]),
	      "dest: all-including-self matches everyone");
	m.shorthand = VMRUN_APIC_SH_OTHERS;
	CHECK(!vmrun_lapic_match_dest(&a[1], &m, &a[1]) && vmrun_lapic_match_dest(&a[2], &m, &a[1]),
	      "dest: all-excluding-self skips the sender");
	m.shorthand = 0;

	/* xAPIC hot-plug rule: IDs above 0xff name the x2APIC ID */
	vmrun_lapic_reset(&a[3], 0x123, false);
	m.logical = false;
	m.dest = 0x123;
	CHECK(vmrun_lapic_match_dest(&a[3], &m, NULL),
	      "dest: physical 0x123 reaches xAPIC-mode vCPU 0x123 (KVM)");
	m.dest = 0x23;
	CHECK(vmrun_lapic_match_dest(&a[3], &m, NULL),
	      "dest: xAPIC ID of vCPU 0x123 is 0x23");

	/* x2APIC */
	for (i = 0; i < 4; i++) {
		vmrun_lapic_reset(&a[i], ids[i], !i);
		to_x2apic(&a[i]);
	}
	for (i = 0; i < sizeof(x2) / sizeof(x2[0]); i++) {
		m.logical = x2[i].logical;
		m.dest = x2[i].dest;
		for (j = 0; j < 4; j++)
			CHECK_EQ(vmrun_lapic_match_dest(&a[j], &m, &a[0]),
				 x2[i].want[j],
				 "dest: %s vs x2APIC %#x (SDM 11.12.10)", x2[i].what, ids[j]);
	}
	m.logical = false;
	m.dest = 0xff;
	CHECK(vmrun_lapic_match_dest(&a[3], &m, NULL),
	      "dest: IOAPIC/MSI 0xff is a broadcast to x2APIC targets (KVM quirk)");

	/* a hardware-disabled APIC matches nothing */
	vmrun_lapic_set_base(&a[2], 0, 46, true, &fx);
	m.shorthand = VMRUN_APIC_SH_ALL;
	CHECK(!vmrun_lapic_match_dest(&a[2], &m, &a[0]), "dest: disabled APIC matches nothing");
}

static void test_timer(void)
{
	static const struct { u32 tdcr, div; } divs[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	struct vmrun_lapic l;
	struct vmrun_lapic_clock c;
	unsigned int i;
	u64 t;

	/* divide values (SDM figure 11-10) */
	for (i = 0; i < sizeof(divs) / sizeof(divs[0]); i++) {
		enabled_apic(&l, 0, false);
		wr(&l, VMRUN_APIC_LVTT, 0x20, T0);
		wr(&l, VMRUN_APIC_TDCR, divs[i].tdcr, T0);
		wr(&l, VMRUN_APIC_TMICT, 1000, T0);
		CHECK(fx.timer_changed, "timer: TMICT write arms (TDCR %#x)", divs[i].tdcr);
		CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 1000ULL * divs[i].div,
			 "timer: TDCR %#x divides the 1 GHz bus by %u", divs[i].tdcr, divs[i].div);
		CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0 + 10 * divs[i].div), 990,
			 "timer: TMCCT counts down once per %u ns", divs[i].div);
	}

	/* one-shot */
	enabled_apic(&l, 0, false);
	wr(&l, VMRUN_APIC_TDCR, 0xb, T0);
	wr(&l, VMRUN_APIC_LVTT, 0x30, T0);
	wr(&l, VMRUN_APIC_TMICT, 5000, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0 + 1), 4999, "oneshot: TMCCT 1 ns in");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0 + 4000), 1000, "oneshot: TMCCT 4 us in");
	CHECK(!fire(&l, T0 + 4999), "oneshot: early callback does nothing");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), -1, "oneshot: nothing raised early");
	CHECK(fire(&l, T0 + 5000), "oneshot: fires at TMICT");
	CHECK(fx.kick && fx.timer_changed, "oneshot: expiry kicks and changes the deadline");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), 0x30, "oneshot: LVTT vector raised");
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), 0, "oneshot: disarmed after expiry");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0 + 6000), 0, "oneshot: TMCCT 0 after expiry (SDM 11.5.4)");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMICT, T0 + 6000), 5000, "oneshot: TMICT unchanged");
	CHECK(!fire(&l, T0 + 7000), "oneshot: fires once");
	wr(&l, VMRUN_APIC_TMICT, 0, T0 + 7000);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), 0, "oneshot: TMICT 0 stops the timer");

	/* re-writing TMICT restarts; a divide change rescales the rest */
	wr(&l, VMRUN_APIC_TMICT, 1000, T0);
	wr(&l, VMRUN_APIC_TMICT, 1000, T0 + 500);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 1500, "oneshot: TMICT write restarts the count");
	wr(&l, VMRUN_APIC_TDCR, 0x0, T0 + 1000);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 2000,
		 "oneshot: divide 1 -> 2 mid-count doubles the remaining time");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0 + 1000), 500, "oneshot: count kept across divide change");

	/* masked: counts and expires, raises nothing */
	enabled_apic(&l, 0, false);
	wr(&l, VMRUN_APIC_TDCR, 0xb, T0);
	wr(&l, VMRUN_APIC_LVTT, 0x10030, T0);
	wr(&l, VMRUN_APIC_TMICT, 100, T0);
	CHECK(fire(&l, T0 + 100), "masked: timer still expires");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), -1, "masked: no interrupt (SDM 11.5.1 mask)");
	CHECK(!in_reg(&l, VMRUN_APIC_IRR, 0x30), "masked: IRR untouched");

	/* periodic without drift */
	enabled_apic(&l, 0, false);
	wr(&l, VMRUN_APIC_TDCR, 0xb, T0);
	wr(&l, VMRUN_APIC_LVTT, 0x20040, T0);
	wr(&l, VMRUN_APIC_TMICT, 1000000, T0);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 1000000, "periodic: first deadline");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0 + 250000), 750000, "periodic: TMCCT in period 1");
	CHECK(fire(&l, T0 + 1000000), "periodic: fires");
	CHECK_EQ(vmrun_lapic_ack(&l), 0x40, "periodic: vector raised");
	wr(&l, VMRUN_APIC_EOI, 0, T0);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 2000000, "periodic: re-armed one period on");
	CHECK(fire(&l, T0 + 2000000 + 300000), "periodic: late callback fires");
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 3000000,
		 "periodic: next deadline from the old one, not from now (no drift)");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0 + 2500000), 500000, "periodic: TMCCT in period 3");
	CHECK(fire(&l, T0 + 6500000), "periodic: very late callback fires once");
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 7000000,
		 "periodic: missed periods coalesced, grid kept");
	wr(&l, VMRUN_APIC_LVTT, 0x40, T0 + 6600000);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 7000000,
		 "periodic -> one-shot keeps the countdown (KVM)");
	fire(&l, T0 + 7000000);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), 0, "periodic -> one-shot: stops after that expiry");

	/* periodic floor */
	enabled_apic(&l, 0, false);
	wr(&l, VMRUN_APIC_TDCR, 0xb, T0);
	wr(&l, VMRUN_APIC_LVTT, 0x20040, T0);
	wr(&l, VMRUN_APIC_TMICT, 100, T0);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + VMRUN_LAPIC_MIN_PERIOD_NS,
		 "periodic: period raised to KVM's 200 us floor");
	wr(&l, VMRUN_APIC_LVTT, 0x40, T0);
	wr(&l, VMRUN_APIC_TMICT, 100, T0);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 100, "oneshot: no floor");

	/* software disable: timer keeps running, interrupt masked */
	wr(&l, VMRUN_APIC_LVTT, 0x20040, T0);
	wr(&l, VMRUN_APIC_TMICT, 1000000, T0);
	wr(&l, VMRUN_APIC_SPIV, 0xff, T0 + 10);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 1000000,
		 "sw-disable: timer keeps counting (SDM 11.4.7.2)");
	CHECK(fire(&l, T0 + 1000000), "sw-disable: timer expires");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), -1, "sw-disable: masked LVTT raises nothing");

	/* TSC deadline (SDM 11.5.4.1); clock: 3 GHz guest TSC */
	enabled_apic(&l, 0, false);
	c = at(T0);
	wr(&l, VMRUN_APIC_TMICT, 1000, T0);
	vmrun_lapic_set_tsc_deadline(&l, c.tsc + 100, &c, &fx);
	CHECK_EQ(vmrun_lapic_get_tsc_deadline(&l), 0,
		 "tscdl: MSR write ignored in one-shot mode; reads 0");
	wr(&l, VMRUN_APIC_LVTT, 0x40050, T0);
	CHECK(fx.timer_changed, "tscdl: entering TSC-deadline mode disarms");
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), 0, "tscdl: not armed after the switch");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMICT, T0), 0, "tscdl: switch zeroes TMICT (KVM)");
	wr(&l, VMRUN_APIC_TMICT, 1000, T0);
	CHECK_EQ(rd(&l, VMRUN_APIC_TMICT, T0), 0, "tscdl: TMICT writes ignored");
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), 0, "tscdl: TMICT write does not arm");
	vmrun_lapic_set_tsc_deadline(&l, c.tsc + 3000000, &c, &fx);
	CHECK_EQ(vmrun_lapic_get_tsc_deadline(&l), c.tsc + 3000000, "tscdl: MSR reads back");
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), T0 + 1000000,
		 "tscdl: 3e6 ticks at 3 GHz = 1 ms");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMCCT, T0 + 10), 0, "tscdl: TMCCT reads 0");
	CHECK(!fire(&l, T0 + 999999), "tscdl: not early");
	CHECK(fire(&l, T0 + 1000000), "tscdl: fires");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), 0x50, "tscdl: vector raised");
	CHECK_EQ(vmrun_lapic_get_tsc_deadline(&l), 0, "tscdl: MSR reads 0 after firing");
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), 0, "tscdl: disarmed after firing");
	vmrun_lapic_ack(&l);
	wr(&l, VMRUN_APIC_EOI, 0, T0);
	c = at(T0 + 2000000);
	vmrun_lapic_set_tsc_deadline(&l, c.tsc - 1, &c, &fx);
	CHECK_EQ(vmrun_lapic_pending_vector(&l), 0x50, "tscdl: a past deadline fires at once");
	CHECK(fx.kick, "tscdl: immediate firing kicks");
	CHECK_EQ(vmrun_lapic_get_tsc_deadline(&l), 0, "tscdl: past deadline leaves 0");
	c.tsc_khz = 1000000;
	vmrun_lapic_set_tsc_deadline(&l, c.tsc + 5000, &c, &fx);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), c.ns + 5000, "tscdl: tsc_khz 1e6 is 1 tick/ns");
	vmrun_lapic_set_tsc_deadline(&l, 0, &c, &fx);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), 0, "tscdl: writing 0 disarms");
	CHECK(fx.timer_changed, "tscdl: disarm reported");
	vmrun_lapic_set_tsc_deadline(&l, c.tsc + 5000, &c, &fx);
	wr(&l, VMRUN_APIC_LVTT, 0x50, c.ns);
	CHECK_EQ(vmrun_lapic_timer_deadline(&l), 0, "tscdl: leaving TSC-deadline mode disarms");
	wr(&l, VMRUN_APIC_LVTT, 0x40050, c.ns);
	CHECK_EQ(vmrun_lapic_get_tsc_deadline(&l), 0, "tscdl: deadline not resurrected");
	t = 0xffffffffffffULL;
	vmrun_lapic_set_tsc_deadline(&l, c.tsc + t * 1000, &c, &fx);
	CHECK(vmrun_lapic_timer_deadline(&l) > c.ns + 1000000000000ULL,
	      "tscdl: far deadline converts without overflow");
}

static void test_init_sipi(void)
{
	struct vmrun_lapic l;
	u8 vec = 0;

	enabled_apic(&l, 1, false);
	wr(&l, VMRUN_APIC_TPR, 0x30, T0);
	CHECK(!give(&l, VMRUN_APIC_DM_SIPI, 0x9a, false, true),
	      "sipi: SIPI before INIT dropped (SDM 8.4.4)");
	CHECK(!give(&l, VMRUN_APIC_DM_INIT, 0, true, false),
	      "init: INIT level de-assert ignored");
	CHECK(!vmrun_lapic_take_init(&l, &fx), "init: nothing to take after de-assert");
	CHECK(give(&l, VMRUN_APIC_DM_INIT, 0, false, true), "init: INIT accepted");
	CHECK(fx.kick, "init: INIT kicks");
	CHECK(vmrun_lapic_event_pending(&l), "init: pending event");
	CHECK(vmrun_lapic_take_init(&l, &fx), "init: taken");
	CHECK(!vmrun_lapic_take_init(&l, &fx), "init: taken once");
	CHECK(vmrun_lapic_waiting_for_sipi(&l), "init: AP waits for SIPI");
	CHECK_EQ(rd(&l, VMRUN_APIC_TPR, T0), 0, "init: INIT reset clears TPR");
	CHECK_EQ(rd(&l, VMRUN_APIC_SPIV, T0), 0xff, "init: INIT reset software-disables");
	CHECK_EQ(rd(&l, VMRUN_APIC_ID, T0), 1u << 24, "init: INIT keeps the APIC ID (SDM 11.4.7.3)");
	CHECK_EQ(vmrun_lapic_get_base(&l), 0xfee00800, "init: INIT keeps APIC_BASE");
	CHECK(give(&l, VMRUN_APIC_DM_SIPI, 0x9a, false, true), "sipi: SIPI accepted while waiting");
	CHECK(!give(&l, VMRUN_APIC_DM_SIPI, 0x10, false, true), "sipi: second SIPI ignored");
	CHECK(vmrun_lapic_event_pending(&l), "sipi: pending event");
	CHECK(vmrun_lapic_take_sipi(&l, &vec), "sipi: taken");
	CHECK_EQ(vec, 0x9a, "sipi: first SIPI's vector");
	CHECK(!vmrun_lapic_waiting_for_sipi(&l), "sipi: wait ends");
	CHECK(!give(&l, VMRUN_APIC_DM_SIPI, 0x11, false, true), "sipi: SIPI to a running CPU dropped");
	CHECK(!vmrun_lapic_take_sipi(&l, &vec), "sipi: nothing more to take");

	/* INIT and SIPI both before the vCPU looks */
	give(&l, VMRUN_APIC_DM_INIT, 0, false, true);
	CHECK(give(&l, VMRUN_APIC_DM_SIPI, 0x20, false, true), "sipi: SIPI behind a pending INIT");
	CHECK(vmrun_lapic_take_init(&l, &fx), "sipi: INIT first");
	CHECK(vmrun_lapic_take_sipi(&l, &vec) && vec == 0x20, "sipi: then the SIPI, vector 0x20");

	/* a new INIT drops a stale SIPI; the BSP does not wait */
	vmrun_lapic_reset(&l, 0, true);
	give(&l, VMRUN_APIC_DM_INIT, 0, false, true);
	vmrun_lapic_take_init(&l, &fx);
	CHECK(!vmrun_lapic_waiting_for_sipi(&l), "init: the BSP does not wait for SIPI");
	CHECK_EQ(rd(&l, VMRUN_APIC_LVT0, T0), 0x700, "init: BSP LVT0 ExtINT after INIT (KVM quirk)");
	vmrun_lapic_set_waiting_for_sipi(&l, true);
	CHECK(vmrun_lapic_waiting_for_sipi(&l), "mp_state: INIT_RECEIVED set by the glue");

	/* INIT disarms the timer */
	enabled_apic(&l, 1, false);
	wr(&l, VMRUN_APIC_TMICT, 1000, T0);
	give(&l, VMRUN_APIC_DM_NMI, 0, false, false);
	give(&l, VMRUN_APIC_DM_INIT, 0, false, true);
	vmrun_lapic_take_init(&l, &fx);
	CHECK(fx.timer_changed && !vmrun_lapic_timer_deadline(&l), "init: timer disarmed");
	CHECK_EQ(vmrun_lapic_take_nmis(&l), 0, "init: pending NMI dropped");
}

static void test_apic_base(void)
{
	struct vmrun_lapic l;
	u64 v = 0;

	vmrun_lapic_reset(&l, 5, false);
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00801, 46, false, &fx), -EINVAL,
		 "base: bit 0 reserved");
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00a00, 46, false, &fx), -EINVAL,
		 "base: bit 9 reserved");
	CHECK_EQ(vmrun_lapic_set_base(&l, (1ULL << 36) | 0xfee00800, 36, false, &fx), -EINVAL,
		 "base: bit at MAXPHYADDR reserved");
	CHECK_EQ(vmrun_lapic_set_base(&l, (1ULL << 35) | 0xfee00800, 36, false, &fx), 0,
		 "base: bit below MAXPHYADDR allowed");
	CHECK(vmrun_lapic_mmio_match(&l, (1ULL << 35) | 0xfee00010) &&
	      !vmrun_lapic_mmio_match(&l, 0xfee00010), "base: MMIO window follows the base");
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00c00 & ~0x800ULL, 46, false, &fx), -EINVAL,
		 "base: EXTD without EN is invalid (SDM table 11-5)");
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00900, 46, false, &fx), 0,
		 "base: BSP flag is writable (KVM)");
	l.x2apic_allowed = false;
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00c00, 46, false, &fx), -EINVAL,
		 "base: EXTD reserved without x2APIC in CPUID");
	l.x2apic_allowed = true;
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00c00, 46, false, &fx), 0, "base: xAPIC -> x2APIC");
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00800, 46, false, &fx), -EINVAL,
		 "base: x2APIC -> xAPIC is #GP (SDM 11.12.5)");
	CHECK(vmrun_lapic_x2apic_mode(&l), "base: still x2APIC after refused write");
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00800, 46, true, &fx), 0,
		 "base: host may go x2APIC -> xAPIC (KVM_SET_MSRS)");
	CHECK_EQ(rd(&l, VMRUN_APIC_ID, T0), 5u << 24, "base: xAPIC ID back in bits 31:24");
	vmrun_lapic_set_base(&l, 0xfee00c00, 46, false, &fx);
	wr(&l, VMRUN_APIC_SPIV, 0x1ff, T0);
	msr_wr(&l, 0x808, 0x40);
	msr_wr(&l, 0x838, 12345);
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00000, 46, false, &fx), 0, "base: x2APIC -> disabled");
	CHECK(fx.timer_changed && !vmrun_lapic_timer_deadline(&l),
	      "base: hardware disable stops the timer");
	CHECK(!vmrun_lapic_hw_enabled(&l), "base: disabled");
	CHECK_EQ(msr_rd(&l, 0x802, &v), -EINVAL, "base: x2APIC MSRs #GP when disabled");
	CHECK_EQ(rd(&l, VMRUN_APIC_ID, T0), 0xffffffff, "base: disabled APIC MMIO reads all ones");
	CHECK_EQ(vmrun_lapic_pending_vector(&l), -1, "base: disabled APIC delivers nothing");
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00c00, 46, false, &fx), -EINVAL,
		 "base: disabled -> x2APIC is #GP");
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00800, 46, false, &fx), 0, "base: disabled -> xAPIC");
	CHECK_EQ(rd(&l, VMRUN_APIC_ID, T0), 5u << 24, "base: re-enabled xAPIC ID = vcpu_id");
	CHECK_EQ(rd(&l, VMRUN_APIC_TPR, T0), 0, "base: disable reset TPR");
	CHECK_EQ(rd(&l, VMRUN_APIC_SPIV, T0), 0xff, "base: disable reset SPIV");
	CHECK_EQ(rd(&l, VMRUN_APIC_LVTT, T0), 0x10000, "base: disable reset LVTs");
	CHECK_EQ(rd(&l, VMRUN_APIC_TMICT, T0), 0, "base: disable reset TMICT");
	vmrun_lapic_set_base(&l, 0, 46, true, &fx);
	CHECK_EQ(vmrun_lapic_set_base(&l, 0xfee00c00, 46, true, &fx), 0,
		 "base: host may go disabled -> x2APIC");
	CHECK_EQ(msr_rd(&l, 0x802, &v), 0, "base: x2APIC ID after host switch");
	CHECK_EQ(v, 5, "base: x2APIC ID = vcpu_id");
}

static void test_state(void)
{
	struct vmrun_lapic a, b;
	struct kvm_lapic_state s, s2;
	struct vmrun_lapic_clock c;
	u32 v;

	enabled_apic(&a, 3, false);
	wr(&a, VMRUN_APIC_TPR, 0x20, T0);
	wr(&a, VMRUN_APIC_LDR, 0x08000000, T0);
	wr(&a, VMRUN_APIC_LVT0, 0x700, T0);
	wr(&a, VMRUN_APIC_TDCR, 0x1, T0);
	wr(&a, VMRUN_APIC_LVTT, 0x20ec, T0);
	wr(&a, VMRUN_APIC_TMICT, 100000, T0);	/* one-shot, 400 us */
	give(&a, VMRUN_APIC_DM_FIXED, 0x61, true, true);
	vmrun_lapic_ack(&a);
	give(&a, VMRUN_APIC_DM_FIXED, 0x51, false, true);
	c = at(T0 + 100000);
	vmrun_lapic_get_state(&a, &c, &s);
	memcpy(&v, &s.regs[VMRUN_APIC_TMCCT], 4);
	CHECK_EQ(v, 75000, "state: GET computes TMCCT (100 us of 400 us at divide 4)");
	memcpy(&v, &s.regs[VMRUN_APIC_ID], 4);
	CHECK_EQ(v, 3u << 24, "state: xAPIC ID in bits 31:24");

	vmrun_lapic_reset(&b, 3, false);
	c = at(T0 + 5000000);
	CHECK_EQ(vmrun_lapic_set_state(&b, &s, &c, &fx), 0, "state: SET accepted");
	CHECK(fx.timer_changed, "state: SET reports the timer");
	CHECK_EQ(vmrun_lapic_timer_deadline(&b), T0 + 5000000 + 300000,
		 "state: timer resumes with the saved count");
	vmrun_lapic_get_state(&b, &c, &s2);
	CHECK(!memcmp(&s, &s2, sizeof(s)), "state: GET after SET round-trips the page");
	CHECK_EQ(vmrun_lapic_pending_vector(&b), -1, "state: 0x51 below ISR 0x61 stays pending");
	wr(&b, VMRUN_APIC_EOI, 0, c.ns);
	CHECK_EQ(fx.eoi_vector, 0x61, "state: TMR survives SET (level EOI)");
	CHECK_EQ(vmrun_lapic_pending_vector(&b), 0x51, "state: IRR survives SET");
	CHECK(vmrun_lapic_sw_enabled(&b), "state: software enable from SPIV");

	/* version is ours; periodic with TMCCT 0 restarts a whole period */
	memcpy(&s2, &s, sizeof(s));
	v = 0x99;
	memcpy(&s2.regs[VMRUN_APIC_LVR], &v, 4);
	v = 0x200ec;
	memcpy(&s2.regs[VMRUN_APIC_LVTT], &v, 4);
	v = 0;
	memcpy(&s2.regs[VMRUN_APIC_TMCCT], &v, 4);
	vmrun_lapic_set_state(&b, &s2, &c, &fx);
	CHECK_EQ(rd(&b, VMRUN_APIC_LVR, c.ns), 0x50014, "state: SET keeps the model's version");
	CHECK_EQ(vmrun_lapic_timer_deadline(&b), c.ns + 400000,
		 "state: periodic TMCCT 0 restarts a full period (KVM)");
	v = 0xec;
	memcpy(&s2.regs[VMRUN_APIC_LVTT], &v, 4);
	vmrun_lapic_set_state(&b, &s2, &c, &fx);
	CHECK_EQ(vmrun_lapic_timer_deadline(&b), 0, "state: expired one-shot stays expired");
	v = 0xffffffff;
	memcpy(&s2.regs[VMRUN_APIC_TMCCT], &v, 4);
	vmrun_lapic_set_state(&b, &s2, &c, &fx);
	CHECK_EQ(vmrun_lapic_timer_deadline(&b), c.ns + 400000,
		 "state: TMCCT above TMICT is capped to one period");

	/* x2APIC: ID in bits 31:24 without KVM_CAP_X2APIC_API */
	enabled_apic(&a, 7, false);
	to_x2apic(&a);
	vmrun_lapic_get_state(&a, &c, &s);
	memcpy(&v, &s.regs[VMRUN_APIC_ID], 4);
	CHECK_EQ(v, 7u << 24, "state: x2APIC GET shifts the ID into 31:24 (KVM 6.1)");
	memcpy(&v, &s.regs[VMRUN_APIC_LDR], 4);
	CHECK_EQ(v, 1u << 7, "state: x2APIC GET has the derived LDR");
	vmrun_lapic_reset(&b, 7, false);
	to_x2apic(&b);
	v = 0;
	memcpy(&s.regs[VMRUN_APIC_LDR], &v, 4);
	vmrun_lapic_set_state(&b, &s, &c, &fx);
	CHECK_EQ(vmrun_lapic_id(&b), 7, "state: x2APIC SET takes the ID from 31:24");
	CHECK_EQ(rd(&b, VMRUN_APIC_LDR, c.ns), 0xffffffff, "state: (MMIO hole in x2APIC)");
	{
		u64 ldr = 0;

		msr_rd(&b, 0x80d, &ldr);
		CHECK_EQ(ldr, 1u << 7, "state: x2APIC SET derives the LDR from the ID");
	}
	vmrun_lapic_get_state(&b, &c, &s2);
	CHECK(!memcmp(&s, &s2, VMRUN_APIC_LDR) &&
	      !memcmp(&s.regs[VMRUN_APIC_LDR + 4], &s2.regs[VMRUN_APIC_LDR + 4],
		      sizeof(s.regs) - VMRUN_APIC_LDR - 4),
	      "state: x2APIC round trip apart from the derived LDR");
}

int main(void)
{
	test_reset();
	test_mmio_access();
	test_x2apic_msrs();
	test_priority();
	test_eoi_accept();
	test_icr();
	test_match_dest();
	test_timer();
	test_init_sipi();
	test_apic_base();
	test_state();
	return DONE();
}
