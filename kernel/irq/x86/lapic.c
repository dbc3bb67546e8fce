// SPDX-License-Identifier: GPL-2.0-only
/*
 * Local APIC model: xAPIC register page, x2APIC MSRs, interrupt
 * acceptance and priority, IPIs, the LVT timer. See lapic.h for the
 * contract with the glue.
 */
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/kvm.h>

#include "apic_msg.h"
#include "lapic.h"

/* LVT entry bits (SDM figure 11-8). */
#define LVT_VECTOR		0x000ffu
#define LVT_MODE		0x00700u
#define LVT_POLARITY		0x02000u
#define LVT_LEVEL		0x08000u
#define LVT_MASKED		0x10000u
#define LVT_TIMER_MODE		0x60000u

#define TIMER_ONESHOT		0x00000u
#define TIMER_PERIODIC		0x20000u
#define TIMER_TSCDEADLINE	0x40000u

/*
 * Writable bits per LVT. Delivery status (bit 12) and remote IRR (bit 14)
 * are read-only in the SDM; messages are delivered at once here, so they
 * always read 0 (KVM lets the guest write them, which no guest relies
 * on).
 */
#define LVT_WR_TIMER		(LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE)
#define LVT_WR_MODE		(LVT_VECTOR | LVT_MODE | LVT_MASKED)
#define LVT_WR_LINT		(LVT_WR_MODE | LVT_POLARITY | LVT_LEVEL)
#define LVT_WR_ERR		(LVT_VECTOR | LVT_MASKED)

#define SPIV_WR			0x3ffu	/* vector, enable, focus check */
#define SPIV_ENABLE		0x100u
#define TDCR_WR			0xbu
/* x2APIC ICR low bits kept: vector, mode, dest mode, level, trigger, shorthand. */
#define ICR_LOW_WR		0x000ccfffu
#define ICR_BUSY		0x01000u	/* delivery status */
#define ICR_DEST_LOGICAL	0x00800u
#define ICR_ASSERT		0x04000u
#define ICR_LEVEL		0x08000u

#define X2APIC_BROADCAST	0xffffffffu
#define XAPIC_BROADCAST		0xffu

#define NR_LVT	6

static const u32 lvt_regs[NR_LVT] = {
	VMRUN_APIC_LVTT, VMRUN_APIC_LVTTHMR, VMRUN_APIC_LVTPC,
	VMRUN_APIC_LVT0, VMRUN_APIC_LVT1, VMRUN_APIC_LVTERR,
};

/*
 * The one place that divides 64-bit values: plain '/' and '%' are fine on
 * x86_64 and arm64, a 32-bit kernel build would swap in div64_u64_rem().
 */
static u64 lapic_div64(u64 a, u64 b, u64 *rem)
{
	if (rem)
		*rem = a % b;
	return a / b;
}

static u32 reg_get(const struct vmrun_lapic *l, u32 off)
{
	u32 v;

	memcpy(&v, &l->regs[off], sizeof(v));
	return v;
}

static void reg_set(struct vmrun_lapic *l, u32 off, u32 v)
{
	memcpy(&l->regs[off], &v, sizeof(v));
}

static void fx_clear(struct vmrun_lapic_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->eoi_vector = -1;
}

/* Vector bitmaps (IRR, ISR, TMR): 8 registers of 32 bits, 16 bytes apart. */
static u32 vec_off(u32 base, u8 vec)
{
	return base + (vec >> 5) * 0x10;
}

static bool vec_test(const struct vmrun_lapic *l, u32 base, u8 vec)
{
	return reg_get(l, vec_off(base, vec)) & (1u << (vec & 31));
}

static void vec_set(struct vmrun_lapic *l, u32 base, u8 vec)
{
	u32 off = vec_off(base, vec);

	reg_set(l, off, reg_get(l, off) | (1u << (vec & 31)));
}

static void vec_clear(struct vmrun_lapic *l, u32 base, u8 vec)
{
	u32 off = vec_off(base, vec);

	reg_set(l, off, reg_get(l, off) & ~(1u << (vec & 31)));
}

static int vec_highest(const struct vmrun_lapic *l, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 v = reg_get(l, base + i * 0x10);

		if (v)
			return i * 32 + 31 - __builtin_clz(v);
	}
	return -1;
}

bool vmrun_lapic_hw_enabled(const struct vmrun_lapic *l)
{
	return l->base & VMRUN_APIC_BASE_EN;
}

bool vmrun_lapic_sw_enabled(const struct vmrun_lapic *l)
{
	return vmrun_lapic_hw_enabled(l) &&
	       (reg_get(l, VMRUN_APIC_SPIV) & SPIV_ENABLE);
}

bool vmrun_lapic_x2apic_mode(const struct vmrun_lapic *l)
{
	return vmrun_lapic_hw_enabled(l) && (l->base & VMRUN_APIC_BASE_EXTD);
}

u32 vmrun_lapic_id(const struct vmrun_lapic *l)
{
	if (vmrun_lapic_x2apic_mode(l))
		return reg_get(l, VMRUN_APIC_ID);
	return reg_get(l, VMRUN_APIC_ID) >> 24;
}

/* x2APIC LDR: cluster (ID[31:4]) in 31:16, one bit of ID[3:0] in 15:0. */
static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static void update_ppr(struct vmrun_lapic *l)
{
	u32 tpr = reg_get(l, VMRUN_APIC_TPR) & 0xff;
	int isr = vec_highest(l, VMRUN_APIC_ISR);
	u32 isrv = isr < 0 ? 0 : (u32)isr;
	u32 ppr;

	/* SDM 11.8.3.1: the higher of the TPR and the in-service class. */
	if ((tpr & 0xf0) >= (isrv & 0xf0))
		ppr = tpr;
	else
		ppr = isrv & 0xf0;
	reg_set(l, VMRUN_APIC_PPR, ppr);
}

int vmrun_lapic_pending_vector(const struct vmrun_lapic *l)
{
	int irr;

	if (!vmrun_lapic_hw_enabled(l))
		return -1;
	irr = vec_highest(l, VMRUN_APIC_IRR);
	/* SDM 11.8.3: only a class strictly above PPR[7:4] gets through. */
	if (irr < 0 || ((u32)irr & 0xf0) <= reg_get(l, VMRUN_APIC_PPR))
		return -1;
	return irr;
}

static void kick_if_deliverable(struct vmrun_lapic *l,
				struct vmrun_lapic_fx *fx)
{
	if (vmrun_lapic_pending_vector(l) >= 0)
		fx->kick = true;
}

/* ---- timer ---- */

static u32 timer_mode(const struct vmrun_lapic *l)
{
	return reg_get(l, VMRUN_APIC_LVTT) & LVT_TIMER_MODE;
}

/* TDCR bits 3,1:0 encode divide-by 2^(n+1), with 0b111 meaning 1. */
static u32 tdcr_divide(u32 tdcr)
{
	u32 n = ((tdcr & 3) | ((tdcr & 8) >> 1)) + 1;

	return 1u << (n & 7);
}

static void timer_disarm(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx)
{
	if (l->timer_armed)
		fx->timer_changed = true;
	l->timer_armed = false;
	l->timer_target = 0;
}

static void timer_arm(struct vmrun_lapic *l, u64 target,
		      struct vmrun_lapic_fx *fx)
{
	l->timer_armed = true;
	l->timer_target = target;
	fx->timer_changed = true;
}

/* KVM's floor on periodic timers, so a guest cannot storm the host. */
static void clamp_period(struct vmrun_lapic *l)
{
	if (timer_mode(l) == TIMER_PERIODIC && l->timer_period &&
	    l->timer_period < VMRUN_LAPIC_MIN_PERIOD_NS)
		l->timer_period = VMRUN_LAPIC_MIN_PERIOD_NS;
}

/* Guest TSC ticks to ns without overflowing for far deadlines. */
static u64 tsc_to_ns(u64 ticks, u32 tsc_khz)
{
	u64 khz = tsc_khz ? tsc_khz : 1000000;
	u64 rem, q, r;

	q = lapic_div64(ticks, khz, &rem);
	if (q > (1ULL << 62) / 1000000)
		return 1ULL << 62;
	r = lapic_div64(rem * 1000000, khz, NULL);
	return q * 1000000 + r;
}

static u32 timer_current_count(const struct vmrun_lapic *l,
			       const struct vmrun_lapic_clock *clk)
{
	u64 remaining, ns;

	if (timer_mode(l) == TIMER_TSCDEADLINE)
		return 0;
	if (!reg_get(l, VMRUN_APIC_TMICT) || !l->timer_period ||
	    !l->timer_armed)
		return 0;
	remaining = l->timer_target > clk->ns ? l->timer_target - clk->ns : 0;
	/*
	 * As KVM: the count within the current period, so a periodic timer
	 * the glue has not re-armed yet still reads sensibly.
	 */
	lapic_div64(remaining, l->timer_period, &ns);
	return (u32)lapic_div64(ns, l->timer_divide, NULL);
}

static bool accept_irq(struct vmrun_lapic *l, u8 delivery, u8 vector,
		       bool level, bool assert, struct vmrun_lapic_fx *fx);

static bool local_deliver(struct vmrun_lapic *l, u32 off,
			  struct vmrun_lapic_fx *fx)
{
	u32 lvt = reg_get(l, off);
	u8 mode = VMRUN_APIC_DM_FIXED;
	bool level = false;

	if (!vmrun_lapic_hw_enabled(l) || (lvt & LVT_MASKED))
		return false;
	/* Only these LVTs have a delivery-mode field; the others are fixed. */
	if (off == VMRUN_APIC_LVT0 || off == VMRUN_APIC_LVT1 ||
	    off == VMRUN_APIC_LVTPC || off == VMRUN_APIC_LVTTHMR)
		mode = (lvt & LVT_MODE) >> 8;
	if (off == VMRUN_APIC_LVT0 || off == VMRUN_APIC_LVT1)
		level = lvt & LVT_LEVEL;
	if (mode == VMRUN_APIC_DM_EXTINT)
		return false;
	return accept_irq(l, mode, lvt & LVT_VECTOR, level, true, fx);
}

/*
 * Log an error; only a newly set bit raises the LVT error interrupt, which
 * also bounds the recursion when LVTERR itself holds an illegal vector.
 */
static void signal_error(struct vmrun_lapic *l, u8 bits,
			 struct vmrun_lapic_fx *fx)
{
	u8 fresh = bits & ~l->esr_pending;

	l->esr_pending |= bits;
	if (fresh)
		local_deliver(l, VMRUN_APIC_LVTERR, fx);
}

static void timer_fire(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx)
{
	local_deliver(l, VMRUN_APIC_LVTT, fx);
}

static void timer_start_count(struct vmrun_lapic *l,
			      const struct vmrun_lapic_clock *clk,
			      struct vmrun_lapic_fx *fx)
{
	timer_disarm(l, fx);
	l->timer_period = (u64)reg_get(l, VMRUN_APIC_TMICT) * l->timer_divide;
	if (!l->timer_period)
		return;
	clamp_period(l);
	timer_arm(l, clk->ns + l->timer_period, fx);
}

/*
 * An LVTT write may change the mode. SDM 11.5.4.1: moving into or out of
 * TSC-deadline mode disarms the timer (and, as in KVM, zeroes TMICT);
 * one-shot <-> periodic keeps the countdown running. Reserved mode 3 runs
 * no timer.
 */
static void apply_timer_mode(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx)
{
	u32 mode = timer_mode(l);
	u32 old = l->timer_mode;
	bool was_deadline = old == TIMER_TSCDEADLINE;
	bool is_deadline = mode == TIMER_TSCDEADLINE;

	if (mode == old)
		return;
	l->timer_mode = mode;
	if (was_deadline != is_deadline) {
		timer_disarm(l, fx);
		reg_set(l, VMRUN_APIC_TMICT, 0);
		l->timer_period = 0;
		l->tsc_deadline = 0;
	} else if (mode == LVT_TIMER_MODE) {
		timer_disarm(l, fx);
	}
	clamp_period(l);
}

static void arm_tsc_deadline(struct vmrun_lapic *l,
			     const struct vmrun_lapic_clock *clk,
			     struct vmrun_lapic_fx *fx)
{
	if (!l->tsc_deadline) {
		timer_disarm(l, fx);
		return;
	}
	if (l->tsc_deadline <= clk->tsc) {
		l->tsc_deadline = 0;
		timer_disarm(l, fx);
		fx->timer_changed = true;
		timer_fire(l, fx);
		return;
	}
	timer_arm(l, clk->ns + tsc_to_ns(l->tsc_deadline - clk->tsc,
					 clk->tsc_khz), fx);
}

u64 vmrun_lapic_timer_deadline(const struct vmrun_lapic *l)
{
	if (!l->timer_armed)
		return 0;
	return l->timer_target ? l->timer_target : 1;
}

bool vmrun_lapic_timer_expired(struct vmrun_lapic *l,
			       const struct vmrun_lapic_clock *clk,
			       struct vmrun_lapic_fx *fx)
{
	u64 late, n;

	fx_clear(fx);
	if (!l->timer_armed || clk->ns < l->timer_target)
		return false;
	timer_fire(l, fx);
	fx->timer_changed = true;
	if (timer_mode(l) == TIMER_PERIODIC && l->timer_period) {
		/* Step whole periods from the old target: no drift. */
		late = clk->ns - l->timer_target;
		n = lapic_div64(late, l->timer_period, NULL) + 1;
		l->timer_target += n * l->timer_period;
		return true;
	}
	if (timer_mode(l) == TIMER_TSCDEADLINE)
		l->tsc_deadline = 0;
	l->timer_armed = false;
	l->timer_target = 0;
	return true;
}

u64 vmrun_lapic_get_tsc_deadline(const struct vmrun_lapic *l)
{
	if (!vmrun_lapic_hw_enabled(l) || timer_mode(l) != TIMER_TSCDEADLINE)
		return 0;
	return l->tsc_deadline;
}

void vmrun_lapic_set_tsc_deadline(struct vmrun_lapic *l, u64 tsc,
				  const struct vmrun_lapic_clock *clk,
				  struct vmrun_lapic_fx *fx)
{
	fx_clear(fx);
	if (!vmrun_lapic_hw_enabled(l) || timer_mode(l) != TIMER_TSCDEADLINE)
		return;
	l->tsc_deadline = tsc;
	arm_tsc_deadline(l, clk, fx);
}

static void write_tdcr(struct vmrun_lapic *l, u32 val,
		       const struct vmrun_lapic_clock *clk,
		       struct vmrun_lapic_fx *fx)
{
	u32 old = l->timer_divide;
	u64 remaining;

	reg_set(l, VMRUN_APIC_TDCR, val & TDCR_WR);
	l->timer_divide = tdcr_divide(val);
	if (l->timer_divide == old)
		return;
	l->timer_period = (u64)reg_get(l, VMRUN_APIC_TMICT) * l->timer_divide;
	clamp_period(l);
	if (!l->timer_armed || timer_mode(l) == TIMER_TSCDEADLINE)
		return;
	/* The counter keeps its value and counts on at the new rate. */
	remaining = l->timer_target > clk->ns ? l->timer_target - clk->ns : 0;
	remaining = lapic_div64(remaining * l->timer_divide, old, NULL);
	timer_arm(l, clk->ns + remaining, fx);
}

/* ---- reset ---- */

static void regs_reset(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx)
{
	u32 id = reg_get(l, VMRUN_APIC_ID);
	unsigned int i;

	memset(l->regs, 0, sizeof(l->regs));
	reg_set(l, VMRUN_APIC_ID, id);
	reg_set(l, VMRUN_APIC_LVR, VMRUN_LAPIC_VERSION);
	for (i = 0; i < NR_LVT; i++)
		reg_set(l, lvt_regs[i], LVT_MASKED);
	/* KVM_X86_QUIRK_LINT0_REENABLED: the BSP keeps its virtual wire. */
	if (l->reset_bsp)
		reg_set(l, VMRUN_APIC_LVT0, VMRUN_APIC_DM_EXTINT << 8);
	reg_set(l, VMRUN_APIC_DFR, 0xffffffffu);
	reg_set(l, VMRUN_APIC_SPIV, 0xff);
	if (vmrun_lapic_x2apic_mode(l))
		reg_set(l, VMRUN_APIC_LDR, x2apic_ldr(id));

	timer_disarm(l, fx);
	l->timer_mode = TIMER_ONESHOT;
	l->timer_divide = tdcr_divide(0);
	l->timer_period = 0;
	l->tsc_deadline = 0;
	l->esr_pending = 0;
	update_ppr(l);
}

void vmrun_lapic_reset(struct vmrun_lapic *l, u32 vcpu_id, bool bsp)
{
	struct vmrun_lapic_fx fx;

	memset(l, 0, sizeof(*l));
	l->vcpu_id = vcpu_id;
	l->reset_bsp = bsp;
	l->x2apic_allowed = true;
	l->base = VMRUN_APIC_BASE_ADDR | VMRUN_APIC_BASE_EN;
	if (bsp)
		l->base |= VMRUN_APIC_BASE_BSP;
	reg_set(l, VMRUN_APIC_ID, (vcpu_id & 0xff) << 24);
	fx_clear(&fx);
	regs_reset(l, &fx);
}

void vmrun_lapic_init_reset(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx)
{
	fx_clear(fx);
	regs_reset(l, fx);
	l->nmi_pending = 0;
	l->extint_pending = false;
	l->init_pending = false;
	l->wait_sipi = !l->reset_bsp;
}

/* ---- IA32_APIC_BASE ---- */

u64 vmrun_lapic_get_base(const struct vmrun_lapic *l)
{
	return l->base;
}

bool vmrun_lapic_mmio_match(const struct vmrun_lapic *l, u64 gpa)
{
	u64 start = l->base & ~0xfffULL;

	return gpa >= start && gpa - start < VMRUN_LAPIC_MMIO_SIZE;
}

enum { MODE_DISABLED, MODE_XAPIC, MODE_X2APIC };

static int base_mode(u64 base)
{
	if (!(base & VMRUN_APIC_BASE_EN))
		return MODE_DISABLED;
	return base & VMRUN_APIC_BASE_EXTD ? MODE_X2APIC : MODE_XAPIC;
}

int vmrun_lapic_set_base(struct vmrun_lapic *l, u64 value,
			 unsigned int maxphyaddr, bool host_initiated,
			 struct vmrun_lapic_fx *fx)
{
	u64 reserved = 0x2ffULL;
	int old_mode, new_mode;
	u64 old = l->base;

	fx_clear(fx);
	if (maxphyaddr < 64)
		reserved |= ~0ULL << maxphyaddr;
	if (!l->x2apic_allowed)
		reserved |= VMRUN_APIC_BASE_EXTD;
	if (value & reserved)
		return -EINVAL;
	/* EXTD without EN is the invalid state of SDM table 11-5. */
	if ((value & VMRUN_APIC_BASE_EXTD) && !(value & VMRUN_APIC_BASE_EN))
		return -EINVAL;
	old_mode = base_mode(old);
	new_mode = base_mode(value);
	if (!host_initiated &&
	    ((old_mode == MODE_X2APIC && new_mode == MODE_XAPIC) ||
	     (old_mode == MODE_DISABLED && new_mode == MODE_X2APIC)))
		return -EINVAL;

	l->base = value;
	if (old_mode != MODE_DISABLED && new_mode == MODE_DISABLED) {
		/* SDM 11.4.3: a disabled APIC loses its state. */
		reg_set(l, VMRUN_APIC_ID, (l->vcpu_id & 0xff) << 24);
		regs_reset(l, fx);
		return 0;
	}
	if (old_mode == MODE_DISABLED && new_mode != MODE_DISABLED)
		reg_set(l, VMRUN_APIC_ID, (l->vcpu_id & 0xff) << 24);
	if (new_mode == MODE_X2APIC && old_mode != MODE_X2APIC) {
		reg_set(l, VMRUN_APIC_ID, l->vcpu_id);
		reg_set(l, VMRUN_APIC_LDR, x2apic_ldr(l->vcpu_id));
	} else if (old_mode == MODE_X2APIC && new_mode == MODE_XAPIC) {
		reg_set(l, VMRUN_APIC_ID, (l->vcpu_id & 0xff) << 24);
		reg_set(l, VMRUN_APIC_LDR, 0);
	}
	return 0;
}

/* ---- the APIC bus ---- */

static bool accept_irq(struct vmrun_lapic *l, u8 delivery, u8 vector,
		       bool level, bool assert, struct vmrun_lapic_fx *fx)
{
	if (!vmrun_lapic_hw_enabled(l))
		return false;

	switch (delivery) {
	case VMRUN_APIC_DM_FIXED:
	case VMRUN_APIC_DM_LOWEST:
		if (level && !assert)
			return false;
		/* SDM 11.4.7.2: a software-disabled APIC drops these. */
		if (!vmrun_lapic_sw_enabled(l))
			return false;
		if (vector < 16) {
			signal_error(l, VMRUN_APIC_ESR_RECV_ILLEGAL, fx);
			return false;
		}
		vec_set(l, VMRUN_APIC_IRR, vector);
		if (level)
			vec_set(l, VMRUN_APIC_TMR, vector);
		else
			vec_clear(l, VMRUN_APIC_TMR, vector);
		kick_if_deliverable(l, fx);
		return true;
	case VMRUN_APIC_DM_NMI:
		if (l->nmi_pending < 0xffff)
			l->nmi_pending++;
		fx->kick = true;
		return true;
	case VMRUN_APIC_DM_INIT:
		/* The INIT level de-assert only synchronises arbitration IDs. */
		if (level && !assert)
			return false;
		l->init_pending = true;
		l->sipi_pending = false;
		fx->kick = true;
		return true;
	case VMRUN_APIC_DM_SIPI:
		if (!(l->init_pending || l->wait_sipi) || l->sipi_pending)
			return false;
		l->sipi_pending = true;
		l->sipi_vector = vector;
		fx->kick = true;
		return true;
	case VMRUN_APIC_DM_EXTINT:
		l->extint_pending = true;
		fx->kick = true;
		return true;
	default:
		/* SMI is not modelled; mode 3 is reserved. */
		return false;
	}
}

bool vmrun_lapic_accept(struct vmrun_lapic *l, const struct vmrun_apic_msg *m,
			struct vmrun_lapic_fx *fx)
{
	fx_clear(fx);
	return accept_irq(l, m->delivery, m->vector, m->level, m->assert, fx);
}

bool vmrun_lapic_local_deliver(struct vmrun_lapic *l, u32 lvt_offset,
			       struct vmrun_lapic_fx *fx)
{
	unsigned int i;

	fx_clear(fx);
	for (i = 0; i < NR_LVT; i++)
		if (lvt_regs[i] == lvt_offset)
			return local_deliver(l, lvt_offset, fx);
	return false;
}

bool vmrun_lapic_match_dest(const struct vmrun_lapic *l,
			    const struct vmrun_apic_msg *m,
			    const struct vmrun_lapic *src)
{
	bool x2 = vmrun_lapic_x2apic_mode(l);
	u32 mda = m->dest;
	u32 ldr, lid, dfr;

	if (!vmrun_lapic_hw_enabled(l))
		return false;

	switch (m->shorthand) {
	case VMRUN_APIC_SH_SELF:
		return l == src;
	case VMRUN_APIC_SH_ALL:
		return true;
	case VMRUN_APIC_SH_OTHERS:
		return l != src;
	default:
		break;
	}

	/*
	 * An IOAPIC or MSI cannot express the x2APIC broadcast, so KVM reads
	 * its 0xff as one for x2APIC-mode targets too.
	 */
	if (!src && x2 && mda == XAPIC_BROADCAST)
		mda = X2APIC_BROADCAST;
	if (mda == (x2 ? X2APIC_BROADCAST : XAPIC_BROADCAST))
		return true;

	if (!m->logical) {
		if (x2)
			return mda == reg_get(l, VMRUN_APIC_ID);
		/* KVM: an ID xAPIC cannot encode names the x2APIC ID. */
		if (mda > 0xff)
			return mda == l->vcpu_id;
		return mda == reg_get(l, VMRUN_APIC_ID) >> 24;
	}

	ldr = reg_get(l, VMRUN_APIC_LDR);
	if (x2)
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);
	lid = ldr >> 24;
	dfr = reg_get(l, VMRUN_APIC_DFR) >> 28;
	if (dfr == 0xf)
		return lid & mda;
	if (dfr == 0)
		return (lid >> 4) == (mda >> 4) && (lid & mda & 0xf);
	return false;
}

u8 vmrun_lapic_arb_prio(const struct vmrun_lapic *l)
{
	u32 tpr = reg_get(l, VMRUN_APIC_TPR) & 0xff;
	int irr = vec_highest(l, VMRUN_APIC_IRR);
	int isr = vec_highest(l, VMRUN_APIC_ISR);
	u32 top = (u32)(irr > isr ? irr : isr);

	if (!vmrun_lapic_sw_enabled(l))
		return 0xff;
	if (irr < 0 && isr < 0)
		top = 0;
	if ((tpr & 0xf0) >= (top & 0xf0))
		return tpr;
	return top & 0xf0;
}

/* ---- delivery to the CPU ---- */

int vmrun_lapic_ack(struct vmrun_lapic *l)
{
	int v = vmrun_lapic_pending_vector(l);

	if (v < 0)
		return -1;
	vec_clear(l, VMRUN_APIC_IRR, v);
	vec_set(l, VMRUN_APIC_ISR, v);
	update_ppr(l);
	return v;
}

bool vmrun_lapic_accepts_pic(const struct vmrun_lapic *l)
{
	u32 lvt0 = reg_get(l, VMRUN_APIC_LVT0);

	if (!vmrun_lapic_hw_enabled(l))
		return true;
	return !(lvt0 & LVT_MASKED) &&
	       ((lvt0 & LVT_MODE) >> 8) == VMRUN_APIC_DM_EXTINT;
}

u32 vmrun_lapic_take_nmis(struct vmrun_lapic *l)
{
	u32 n = l->nmi_pending;

	l->nmi_pending = 0;
	return n;
}

bool vmrun_lapic_take_init(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx)
{
	bool sipi = l->sipi_pending;
	u8 vector = l->sipi_vector;

	if (!l->init_pending) {
		fx_clear(fx);
		return false;
	}
	vmrun_lapic_init_reset(l, fx);
	/* A SIPI that raced in behind the INIT starts the AP right away. */
	l->sipi_pending = sipi;
	l->sipi_vector = vector;
	return true;
}

bool vmrun_lapic_take_sipi(struct vmrun_lapic *l, u8 *vector)
{
	if (!l->sipi_pending || !l->wait_sipi)
		return false;
	*vector = l->sipi_vector;
	l->sipi_pending = false;
	l->wait_sipi = false;
	return true;
}

bool vmrun_lapic_take_extint(struct vmrun_lapic *l)
{
	bool e = l->extint_pending;

	l->extint_pending = false;
	return e;
}

bool vmrun_lapic_waiting_for_sipi(const struct vmrun_lapic *l)
{
	return l->wait_sipi;
}

void vmrun_lapic_set_waiting_for_sipi(struct vmrun_lapic *l, bool wait)
{
	l->wait_sipi = wait;
	if (!wait)
		l->sipi_pending = false;
}

bool vmrun_lapic_event_pending(const struct vmrun_lapic *l)
{
	return l->nmi_pending || l->init_pending || l->extint_pending ||
	       (l->sipi_pending && l->wait_sipi);
}

static void eoi(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx)
{
	int v = vec_highest(l, VMRUN_APIC_ISR);

	if (v < 0)
		return;
	vec_clear(l, VMRUN_APIC_ISR, v);
	update_ppr(l);
	if (vec_test(l, VMRUN_APIC_TMR, v))
		fx->eoi_vector = v;
	kick_if_deliverable(l, fx);
}

void vmrun_lapic_eoi(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx)
{
	fx_clear(fx);
	eoi(l, fx);
}

/* ---- task priority ---- */

static void set_tpr(struct vmrun_lapic *l, u32 tpr, struct vmrun_lapic_fx *fx)
{
	reg_set(l, VMRUN_APIC_TPR, tpr & 0xff);
	update_ppr(l);
	kick_if_deliverable(l, fx);
}

u64 vmrun_lapic_get_cr8(const struct vmrun_lapic *l)
{
	return (reg_get(l, VMRUN_APIC_TPR) >> 4) & 0xf;
}

void vmrun_lapic_set_cr8(struct vmrun_lapic *l, u64 cr8,
			 struct vmrun_lapic_fx *fx)
{
	fx_clear(fx);
	set_tpr(l, (cr8 & 0xf) << 4, fx);
}

/* ---- registers ---- */

static void send_ipi(struct vmrun_lapic *l, u32 low, u32 dest,
		     struct vmrun_lapic_fx *fx)
{
	struct vmrun_apic_msg *m = &fx->ipi_msg;

	m->vector = low & 0xff;
	m->delivery = (low >> 8) & 7;
	m->logical = low & ICR_DEST_LOGICAL;
	m->assert = low & ICR_ASSERT;
	m->level = low & ICR_LEVEL;
	m->shorthand = (low >> 18) & 3;
	m->dest = dest;
	/* SDM 11.5.3: the sender refuses vectors 0-15 and logs it. */
	if ((m->delivery == VMRUN_APIC_DM_FIXED ||
	     m->delivery == VMRUN_APIC_DM_LOWEST) && m->vector < 16) {
		signal_error(l, VMRUN_APIC_ESR_SEND_ILLEGAL, fx);
		return;
	}
	fx->ipi = true;
}

static bool is_bitmap_reg(u32 off)
{
	return off >= VMRUN_APIC_ISR && off < VMRUN_APIC_ESR;
}

/* Registers a read may return, per mode (SDM tables 11-1 and 11-6). */
static bool reg_readable(const struct vmrun_lapic *l, u32 off)
{
	bool x2 = vmrun_lapic_x2apic_mode(l);

	if (is_bitmap_reg(off))
		return true;
	switch (off) {
	case VMRUN_APIC_ID:
	case VMRUN_APIC_LVR:
	case VMRUN_APIC_TPR:
	case VMRUN_APIC_PPR:
	case VMRUN_APIC_LDR:
	case VMRUN_APIC_SPIV:
	case VMRUN_APIC_ESR:
	case VMRUN_APIC_ICR:
	case VMRUN_APIC_LVTT:
	case VMRUN_APIC_LVTTHMR:
	case VMRUN_APIC_LVTPC:
	case VMRUN_APIC_LVT0:
	case VMRUN_APIC_LVT1:
	case VMRUN_APIC_LVTERR:
	case VMRUN_APIC_TMICT:
	case VMRUN_APIC_TMCCT:
	case VMRUN_APIC_TDCR:
		return true;
	case VMRUN_APIC_APR:
	case VMRUN_APIC_DFR:
	case VMRUN_APIC_ICR2:
		return !x2;
	default:
		return false;
	}
}

static u32 reg_read(const struct vmrun_lapic *l, u32 off,
		    const struct vmrun_lapic_clock *clk)
{
	switch (off) {
	case VMRUN_APIC_TMCCT:
		return timer_current_count(l, clk);
	case VMRUN_APIC_APR:
		/* Not implemented since the Pentium 4; KVM reads 0 too. */
		return 0;
	default:
		return reg_get(l, off);
	}
}

static void write_lvt(struct vmrun_lapic *l, u32 off, u32 val, u32 wr)
{
	/* SDM 11.4.7.2: masks stay set while software-disabled. */
	if (!vmrun_lapic_sw_enabled(l))
		val |= LVT_MASKED;
	reg_set(l, off, val & wr);
}

static void write_spiv(struct vmrun_lapic *l, u32 val,
		       struct vmrun_lapic_fx *fx)
{
	unsigned int i;

	reg_set(l, VMRUN_APIC_SPIV, val & SPIV_WR);
	if (val & SPIV_ENABLE) {
		kick_if_deliverable(l, fx);
		return;
	}
	/* Software disable masks every LVT; the timer keeps counting. */
	for (i = 0; i < NR_LVT; i++)
		reg_set(l, lvt_regs[i], reg_get(l, lvt_regs[i]) | LVT_MASKED);
}

/*
 * A guest write to register @off, common to MMIO and MSRs. Returns
 * -EINVAL for a register that cannot be written in the current mode;
 * the MSR path turns that into #GP, MMIO drops it.
 */
static int reg_write(struct vmrun_lapic *l, u32 off, u32 val,
		     const struct vmrun_lapic_clock *clk,
		     struct vmrun_lapic_fx *fx)
{
	bool x2 = vmrun_lapic_x2apic_mode(l);

	switch (off) {
	case VMRUN_APIC_ID:
		if (x2)
			return -EINVAL;
		reg_set(l, off, val & 0xff000000u);
		return 0;
	case VMRUN_APIC_TPR:
		set_tpr(l, val, fx);
		return 0;
	case VMRUN_APIC_EOI:
		eoi(l, fx);
		return 0;
	case VMRUN_APIC_LDR:
		if (x2)
			return -EINVAL;
		reg_set(l, off, val & 0xff000000u);
		return 0;
	case VMRUN_APIC_DFR:
		if (x2)
			return -EINVAL;
		reg_set(l, off, val | 0x0fffffffu);
		return 0;
	case VMRUN_APIC_SPIV:
		write_spiv(l, val, fx);
		return 0;
	case VMRUN_APIC_ESR:
		/* SDM 11.5.3: a write latches the errors logged since the last. */
		reg_set(l, off, l->esr_pending);
		l->esr_pending = 0;
		return 0;
	case VMRUN_APIC_ICR:
		/* As KVM: every bit reads back but delivery status (no delay). */
		reg_set(l, off, val & ~ICR_BUSY);
		send_ipi(l, val, reg_get(l, VMRUN_APIC_ICR2) >> 24, fx);
		return 0;
	case VMRUN_APIC_ICR2:
		if (x2)
			return -EINVAL;
		reg_set(l, off, val & 0xff000000u);
		return 0;
	case VMRUN_APIC_LVTT:
		write_lvt(l, off, val, LVT_WR_TIMER);
		apply_timer_mode(l, fx);
		return 0;
	case VMRUN_APIC_LVTTHMR:
	case VMRUN_APIC_LVTPC:
		write_lvt(l, off, val, LVT_WR_MODE);
		return 0;
	case VMRUN_APIC_LVT0:
	case VMRUN_APIC_LVT1:
		write_lvt(l, off, val, LVT_WR_LINT);
		return 0;
	case VMRUN_APIC_LVTERR:
		write_lvt(l, off, val, LVT_WR_ERR);
		return 0;
	case VMRUN_APIC_TMICT:
		/* SDM 11.5.4.1: ignored in TSC-deadline mode. */
		if (timer_mode(l) == TIMER_TSCDEADLINE)
			return 0;
		reg_set(l, off, val);
		if (timer_mode(l) == LVT_TIMER_MODE) {
			timer_disarm(l, fx);
			return 0;
		}
		timer_start_count(l, clk, fx);
		return 0;
	case VMRUN_APIC_TDCR:
		write_tdcr(l, val, clk, fx);
		return 0;
	case VMRUN_APIC_SELF_IPI:
		if (!x2)
			return -EINVAL;
		send_ipi(l, val & 0xff, 0, fx);
		fx->ipi_msg.shorthand = VMRUN_APIC_SH_SELF;
		return 0;
	default:
		return -EINVAL;
	}
}

static bool mmio_args_ok(u32 offset, unsigned int len)
{
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;
	return offset < VMRUN_LAPIC_MMIO_SIZE &&
	       offset + len <= VMRUN_LAPIC_MMIO_SIZE;
}

int vmrun_lapic_mmio_read(const struct vmrun_lapic *l, u32 offset,
			  unsigned int len, void *data,
			  const struct vmrun_lapic_clock *clk)
{
	u32 align = offset & 0xf;
	u32 off = offset & ~0xfu;
	u32 val;

	if (!mmio_args_ok(offset, len))
		return -EINVAL;
	if (!vmrun_lapic_hw_enabled(l) || vmrun_lapic_x2apic_mode(l)) {
		memset(data, 0xff, len);
		return 0;
	}
	memset(data, 0, len);
	/* Registers are 32 bits at the start of a 16-byte slot (SDM 11.4.1). */
	if (align + len > 4 || off >= VMRUN_LAPIC_REGS_SIZE ||
	    !reg_readable(l, off))
		return 0;
	val = reg_read(l, off, clk);
	memcpy(data, (u8 *)&val + align, len);
	return 0;
}

int vmrun_lapic_mmio_write(struct vmrun_lapic *l, u32 offset,
			   unsigned int len, const void *data,
			   const struct vmrun_lapic_clock *clk,
			   struct vmrun_lapic_fx *fx)
{
	u32 val;

	fx_clear(fx);
	if (!mmio_args_ok(offset, len))
		return -EINVAL;
	if (!vmrun_lapic_hw_enabled(l) || vmrun_lapic_x2apic_mode(l))
		return 0;
	if (len != 4 || (offset & 0xf) || offset >= VMRUN_LAPIC_REGS_SIZE)
		return 0;
	memcpy(&val, data, sizeof(val));
	/* The MSR-only SELF_IPI slot is reserved in xAPIC mode. */
	reg_write(l, offset, val, clk, fx);
	return 0;
}

int vmrun_lapic_msr_read(const struct vmrun_lapic *l, u32 msr, u64 *data,
			 const struct vmrun_lapic_clock *clk)
{
	u32 off = (msr - VMRUN_X2APIC_MSR_FIRST) << 4;

	if (msr < VMRUN_X2APIC_MSR_FIRST || msr > VMRUN_X2APIC_MSR_LAST ||
	    !vmrun_lapic_x2apic_mode(l))
		return -EINVAL;
	if (off == VMRUN_APIC_ICR) {
		*data = reg_get(l, VMRUN_APIC_ICR) |
			(u64)reg_get(l, VMRUN_APIC_ICR2) << 32;
		return 0;
	}
	if (off >= VMRUN_LAPIC_REGS_SIZE || !reg_readable(l, off))
		return -EINVAL;
	*data = reg_read(l, off, clk);
	return 0;
}

int vmrun_lapic_msr_write(struct vmrun_lapic *l, u32 msr, u64 data,
			  const struct vmrun_lapic_clock *clk,
			  struct vmrun_lapic_fx *fx)
{
	u32 off = (msr - VMRUN_X2APIC_MSR_FIRST) << 4;

	fx_clear(fx);
	if (msr < VMRUN_X2APIC_MSR_FIRST || msr > VMRUN_X2APIC_MSR_LAST ||
	    !vmrun_lapic_x2apic_mode(l))
		return -EINVAL;
	if (off == VMRUN_APIC_ICR) {
		reg_set(l, VMRUN_APIC_ICR, (u32)data & ICR_LOW_WR);
		reg_set(l, VMRUN_APIC_ICR2, data >> 32);
		send_ipi(l, (u32)data, data >> 32, fx);
		return 0;
	}
	if (data >> 32)
		return -EINVAL;
	/* x2APIC spec 2.4.5: only zero may be written to EOI and ESR. */
	if ((off == VMRUN_APIC_EOI || off == VMRUN_APIC_ESR) && data)
		return -EINVAL;
	if (off >= VMRUN_LAPIC_REGS_SIZE)
		return -EINVAL;
	return reg_write(l, off, (u32)data, clk, fx);
}

/* ---- KVM_GET/SET_LAPIC ---- */

void vmrun_lapic_get_state(const struct vmrun_lapic *l,
			   const struct vmrun_lapic_clock *clk,
			   struct kvm_lapic_state *s)
{
	u32 v;

	memcpy(s->regs, l->regs, sizeof(s->regs));
	v = timer_current_count(l, clk);
	memcpy(&s->regs[VMRUN_APIC_TMCCT], &v, sizeof(v));
	if (vmrun_lapic_x2apic_mode(l)) {
		v = reg_get(l, VMRUN_APIC_ID) << 24;
		memcpy(&s->regs[VMRUN_APIC_ID], &v, sizeof(v));
	}
}

int vmrun_lapic_set_state(struct vmrun_lapic *l,
			  const struct kvm_lapic_state *s,
			  const struct vmrun_lapic_clock *clk,
			  struct vmrun_lapic_fx *fx)
{
	u32 mode, tmcct;
	u64 left;

	fx_clear(fx);
	memcpy(l->regs, s->regs, sizeof(l->regs));
	if (vmrun_lapic_x2apic_mode(l)) {
		u32 id = reg_get(l, VMRUN_APIC_ID) >> 24;

		reg_set(l, VMRUN_APIC_ID, id);
		reg_set(l, VMRUN_APIC_LDR, x2apic_ldr(id));
	}
	reg_set(l, VMRUN_APIC_LVR, VMRUN_LAPIC_VERSION);
	tmcct = reg_get(l, VMRUN_APIC_TMCCT);
	reg_set(l, VMRUN_APIC_TMCCT, 0);
	l->esr_pending = 0;
	update_ppr(l);

	l->timer_armed = false;
	l->timer_target = 0;
	fx->timer_changed = true;
	mode = timer_mode(l);
	l->timer_mode = mode;
	l->timer_divide = tdcr_divide(reg_get(l, VMRUN_APIC_TDCR));
	l->timer_period = (u64)reg_get(l, VMRUN_APIC_TMICT) * l->timer_divide;
	clamp_period(l);
	if (mode != TIMER_TSCDEADLINE)
		l->tsc_deadline = 0;

	if (mode == TIMER_TSCDEADLINE) {
		arm_tsc_deadline(l, clk, fx);
	} else if ((mode == TIMER_ONESHOT || mode == TIMER_PERIODIC) &&
		   l->timer_period) {
		left = (u64)tmcct * l->timer_divide;
		if (!left && mode == TIMER_PERIODIC)
			left = l->timer_period;
		if (left > l->timer_period)
			left = l->timer_period;
		if (left)
			timer_arm(l, clk->ns + left, fx);
	}
	kick_if_deliverable(l, fx);
	return 0;
}
