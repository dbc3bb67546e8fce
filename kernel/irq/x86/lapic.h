/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local APIC model (xAPIC MMIO page and x2APIC MSRs), Intel SDM vol. 3
 * ch. 11 and the x2APIC specification, with KVM's guest-visible
 * behaviour where the two leave room.
 *
 * Plain C with no locking, allocation, clock or kernel service: the glue
 * (irqchip.c) serialises all calls on one APIC, passes "now" in as a
 * struct vmrun_lapic_clock, and carries out what a call returns in a
 * struct vmrun_lapic_fx after dropping its lock. Every exported function
 * that takes a fx clears it on entry, so the caller needs no init.
 *
 * Units: time in nanoseconds of one monotonic clock (the glue's
 * ktime_get()); the APIC bus runs at 1 GHz (one tick per ns before the
 * divider), as in KVM; guest TSC values in guest TSC ticks.
 */
#ifndef VMRUN_IRQ_X86_LAPIC_H
#define VMRUN_IRQ_X86_LAPIC_H

#include <linux/types.h>
#include <linux/kvm.h>

#include "apic_msg.h"

/* Size of the register page kept, the same as struct kvm_lapic_state. */
#define VMRUN_LAPIC_REGS_SIZE	0x400
/* MMIO window of one APIC. */
#define VMRUN_LAPIC_MMIO_SIZE	0x1000

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
#define VMRUN_APIC_ID		0x020
#define VMRUN_APIC_LVR		0x030
#define VMRUN_APIC_TPR		0x080
#define VMRUN_APIC_APR		0x090
#define VMRUN_APIC_PPR		0x0a0
#define VMRUN_APIC_EOI		0x0b0
#define VMRUN_APIC_RRR		0x0c0
#define VMRUN_APIC_LDR		0x0d0
#define VMRUN_APIC_DFR		0x0e0
#define VMRUN_APIC_SPIV		0x0f0
#define VMRUN_APIC_ISR		0x100
#define VMRUN_APIC_TMR		0x180
#define VMRUN_APIC_IRR		0x200
#define VMRUN_APIC_ESR		0x280
#define VMRUN_APIC_LVTCMCI	0x2f0
#define VMRUN_APIC_ICR		0x300
#define VMRUN_APIC_ICR2		0x310
#define VMRUN_APIC_LVTT		0x320
#define VMRUN_APIC_LVTTHMR	0x330
#define VMRUN_APIC_LVTPC	0x340
#define VMRUN_APIC_LVT0		0x350
#define VMRUN_APIC_LVT1		0x360
#define VMRUN_APIC_LVTERR	0x370
#define VMRUN_APIC_TMICT	0x380
#define VMRUN_APIC_TMCCT	0x390
#define VMRUN_APIC_TDCR		0x3e0
#define VMRUN_APIC_SELF_IPI	0x3f0	/* x2APIC only */

/* IA32_APIC_BASE (MSR 0x1b) bits. */
#define VMRUN_APIC_BASE_MSR	0x1b
#define VMRUN_APIC_BASE_BSP	0x100ULL
#define VMRUN_APIC_BASE_EXTD	0x400ULL	/* x2APIC enable */
#define VMRUN_APIC_BASE_EN	0x800ULL
#define VMRUN_APIC_BASE_ADDR	0xfee00000ULL	/* power-on base address */

/* x2APIC MSR range and IA32_TSC_DEADLINE. */
#define VMRUN_X2APIC_MSR_FIRST	0x800
#define VMRUN_X2APIC_MSR_LAST	0x8ff
#define VMRUN_TSC_DEADLINE_MSR	0x6e0

/*
 * Version register: version 0x14 (an integrated APIC) and a maximum LVT
 * entry of 5, i.e. six LVTs without CMCI, as KVM 6.1 reports when user
 * space has not enabled MCG_CMCI_P. Bit 24 (EOI-broadcast suppression)
 * is not offered, as with KVM's in-kernel IOAPIC.
 */
#define VMRUN_LAPIC_VERSION	0x00050014

/* Shortest periodic timer period KVM allows (min_timer_period_us 200). */
#define VMRUN_LAPIC_MIN_PERIOD_NS	200000ULL

/* ESR bits the model reports (SDM 11.5.3). */
#define VMRUN_APIC_ESR_SEND_ILLEGAL	0x20
#define VMRUN_APIC_ESR_RECV_ILLEGAL	0x40

struct vmrun_lapic {
	/*
	 * The register page in struct kvm_lapic_state layout, little
	 * endian: KVM_GET/SET_LAPIC are a copy of it plus the fixups of
	 * vmrun_lapic_get_state()/set_state(). In x2APIC mode the ID
	 * register holds the 32-bit x2APIC ID, and ICR2 (0x310) holds the
	 * high half of the 64-bit ICR. TMCCT is not kept here (it is
	 * computed from the clock); PPR is kept up to date.
	 */
	u8 regs[VMRUN_LAPIC_REGS_SIZE];
	u64 base;			/* IA32_APIC_BASE */
	u32 vcpu_id;			/* the APIC ID given at reset */
	bool reset_bsp;			/* reset as the bootstrap processor */
	/*
	 * The guest's CPUID offers x2APIC: IA32_APIC_BASE.EXTD is reserved
	 * otherwise. True after vmrun_lapic_reset(); the glue updates it
	 * on KVM_SET_CPUID2.
	 */
	bool x2apic_allowed;

	/* Timer (everything in ns but tsc_deadline). */
	bool timer_armed;
	u32 timer_mode;			/* LVTT bits 18:17 last applied */
	u32 timer_divide;		/* 1, 2, 4 ... 128 from TDCR */
	u64 timer_target;		/* next expiry, absolute ns */
	u64 timer_period;		/* TMICT * divide (clamped if periodic) */
	u64 tsc_deadline;		/* IA32_TSC_DEADLINE, 0 = disarmed */

	/* Events for the vCPU, taken with the vmrun_lapic_take_*() calls. */
	u32 nmi_pending;		/* NMIs accepted, not yet taken */
	bool init_pending;
	bool sipi_pending;
	bool wait_sipi;			/* INIT taken, AP waits for SIPI */
	bool extint_pending;		/* an ExtINT message was accepted */
	u8 sipi_vector;
	u8 esr_pending;			/* errors since the last ESR write */
};

/* "Now": the monotonic clock and the guest TSC read at the same time. */
struct vmrun_lapic_clock {
	u64 ns;
	u64 tsc;
	u32 tsc_khz;			/* guest TSC rate; 0 is read as 1 GHz */
};

/* What the caller must do after dropping the APIC's lock. */
struct vmrun_lapic_fx {
	/*
	 * Send ipi_msg on the APIC bus (ICR or SELF_IPI write): offer it
	 * to every APIC for which vmrun_lapic_match_dest(apic, msg, this
	 * APIC) is true, and pick one of them for lowest priority.
	 */
	bool ipi;
	struct vmrun_apic_msg ipi_msg;
	/*
	 * A level-triggered (TMR set) vector was EOIed: broadcast it to
	 * the IOAPIC(s). -1 for none.
	 */
	int eoi_vector;
	/* vmrun_lapic_timer_deadline() changed: re-arm or cancel. */
	bool timer_changed;
	/*
	 * Something may have become deliverable (interrupt, NMI, INIT,
	 * SIPI, ExtINT): wake the vCPU if it halts, kick it if it runs.
	 */
	bool kick;
};

/* ---- reset and state ---- */

/*
 * Power-on (RESET) state, SDM 11.4.7.1 and table 11-x2APIC: APIC_BASE
 * 0xfee00000 | EN (| BSP if @bsp), xAPIC mode, ID = @vcpu_id (bits 31:24
 * of the ID register), version VMRUN_LAPIC_VERSION, LVTs masked, DFR all
 * ones, SPIV 0xff (software disabled), everything else zero, no events
 * pending, timer disarmed. Like KVM with KVM_X86_QUIRK_LINT0_REENABLED,
 * the BSP's LVT0 comes out as unmasked ExtINT so the PIC reaches it.
 */
void vmrun_lapic_reset(struct vmrun_lapic *l, u32 vcpu_id, bool bsp);

/*
 * INIT reset (SDM 11.4.7.3): registers as at power-on except the APIC ID
 * and IA32_APIC_BASE (x2APIC mode and its ID/LDR survive); the timer is
 * disarmed (fx->timer_changed); pending NMIs and ExtINT are dropped; a
 * SIPI that came after the INIT is kept; an AP (not the reset BSP)
 * starts waiting for a SIPI. vmrun_lapic_take_init() calls it; exported
 * for a glue that resets on its own.
 */
void vmrun_lapic_init_reset(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx);

/*
 * KVM_GET_LAPIC: a copy of the register page with TMCCT computed as KVM
 * does (0 in TSC-deadline mode, else the remaining time modulo the
 * period in divided bus ticks) and, in x2APIC mode, the x2APIC ID
 * shifted into bits 31:24 (KVM 6.1 without KVM_CAP_X2APIC_API).
 */
void vmrun_lapic_get_state(const struct vmrun_lapic *l,
			   const struct vmrun_lapic_clock *clk,
			   struct kvm_lapic_state *s);

/*
 * KVM_SET_LAPIC: loads @s under the current IA32_APIC_BASE (set the MSR
 * first, as QEMU does). Like KVM 6.1 it accepts any page, then: in x2APIC
 * mode the ID is taken from bits 31:24 and the LDR is derived from it;
 * the version register is rewritten; PPR is recomputed; pending errors
 * are dropped. The timer restarts from the saved TMCCT (TMICT if it is
 * 0 in periodic mode, at most one period); unlike KVM, a one-shot timer
 * whose TMCCT is 0 stays expired instead of firing again. In TSC-deadline
 * mode the deadline already set through the MSR stays armed. Returns 0;
 * sets fx->timer_changed, and fx->kick if an interrupt is deliverable.
 */
int vmrun_lapic_set_state(struct vmrun_lapic *l,
			  const struct kvm_lapic_state *s,
			  const struct vmrun_lapic_clock *clk,
			  struct vmrun_lapic_fx *fx);

/* ---- mode and identity ---- */

/* IA32_APIC_BASE.EN: the APIC is on (else it accepts no message). */
bool vmrun_lapic_hw_enabled(const struct vmrun_lapic *l);
/* SPIV bit 8 (and EN): the APIC accepts fixed/lowest interrupts. */
bool vmrun_lapic_sw_enabled(const struct vmrun_lapic *l);
/* IA32_APIC_BASE.EXTD with EN. */
bool vmrun_lapic_x2apic_mode(const struct vmrun_lapic *l);
/* The APIC ID: 32-bit in x2APIC mode, else ID register bits 31:24. */
u32 vmrun_lapic_id(const struct vmrun_lapic *l);

/*
 * True if guest-physical @gpa falls in this APIC's 4 KiB MMIO window
 * (base address of IA32_APIC_BASE), whatever the mode: the glue then
 * calls vmrun_lapic_mmio_read/write, which act as a hole (reads all
 * ones, writes dropped, KVM's default LAPIC_MMIO_HOLE quirk) while the
 * APIC is disabled or in x2APIC mode.
 */
bool vmrun_lapic_mmio_match(const struct vmrun_lapic *l, u64 gpa);

/* ---- IA32_APIC_BASE ---- */

u64 vmrun_lapic_get_base(const struct vmrun_lapic *l);

/*
 * WRMSR IA32_APIC_BASE. -EINVAL (the guest gets #GP) for reserved bits
 * (0-7, 9, bits at and above @maxphyaddr, EXTD without x2APIC in CPUID),
 * EXTD without EN, and, unless @host_initiated (KVM_SET_MSRS), the
 * transitions x2APIC -> xAPIC and disabled -> x2APIC (SDM 11.12.5).
 * Clearing EN resets the APIC registers as INIT does (SDM: a disabled
 * APIC loses its state) and it then accepts no messages; setting EN
 * again loads the xAPIC ID from vcpu_id; setting EXTD loads the x2APIC
 * ID (vcpu_id) and the LDR derived from it. Sets fx->timer_changed when
 * the timer got disarmed.
 */
int vmrun_lapic_set_base(struct vmrun_lapic *l, u64 value,
			 unsigned int maxphyaddr, bool host_initiated,
			 struct vmrun_lapic_fx *fx);

/* ---- register access ---- */

/*
 * Guest read of @len bytes (1, 2, 4 or 8) at @offset (< 0x1000) of the
 * xAPIC page into @data. As KVM: a read that crosses a 32-bit register
 * boundary inside its 16-byte slot (so any 8-byte read), or of a
 * reserved or write-only register, returns zeros; a disabled APIC or one
 * in x2APIC mode reads as all ones. Returns 0, or -EINVAL for an
 * @offset/@len the caller should not have passed.
 */
int vmrun_lapic_mmio_read(const struct vmrun_lapic *l, u32 offset,
			  unsigned int len, void *data,
			  const struct vmrun_lapic_clock *clk);

/*
 * Guest write of @len bytes at @offset. As KVM (SDM 11.4.1): only 32-bit
 * writes at a 16-byte-aligned offset take effect; others, writes to
 * read-only or reserved registers, and all writes while the APIC is
 * disabled or in x2APIC mode are dropped. Returns 0, or -EINVAL as for
 * reads.
 */
int vmrun_lapic_mmio_write(struct vmrun_lapic *l, u32 offset,
			   unsigned int len, const void *data,
			   const struct vmrun_lapic_clock *clk,
			   struct vmrun_lapic_fx *fx);

/*
 * RDMSR/WRMSR of x2APIC MSR @msr (0x800-0x8ff). -EINVAL where the guest
 * must get #GP: not in x2APIC mode; a register x2APIC does not have
 * (ARBPRI, DFR, ICR2, CMCI, reserved slots); reads of write-only EOI
 * and SELF_IPI; writes to read-only ID, version, PPR, LDR, ISR, TMR,
 * IRR, TMCCT; bits 63:32 set in anything but the ICR; a non-zero write
 * to EOI or ESR. The ICR is one 64-bit register (destination in bits
 * 63:32). SELF_IPI sends a fixed edge interrupt to this APIC.
 */
int vmrun_lapic_msr_read(const struct vmrun_lapic *l, u32 msr, u64 *data,
			 const struct vmrun_lapic_clock *clk);
int vmrun_lapic_msr_write(struct vmrun_lapic *l, u32 msr, u64 data,
			  const struct vmrun_lapic_clock *clk,
			  struct vmrun_lapic_fx *fx);

/* ---- task priority ---- */

/* CR8 = TPR[7:4]. */
u64 vmrun_lapic_get_cr8(const struct vmrun_lapic *l);
/* MOV to CR8: TPR = (cr8 & 0xf) << 4, PPR recomputed; fx->kick if that
 * unmasked a pending interrupt.
 */
void vmrun_lapic_set_cr8(struct vmrun_lapic *l, u64 cr8,
			 struct vmrun_lapic_fx *fx);

/* ---- the APIC bus ---- */

/*
 * Whether this APIC is a destination of @m. @src is the sending APIC for
 * an IPI (needed by the self and all-but-self shorthands, and because
 * only device messages get KVM's x2APIC broadcast quirk: a physical
 * 0xff from an IOAPIC/MSI is a broadcast to x2APIC-mode APICs too), NULL
 * for an IOAPIC or MSI message. Physical: the APIC ID, 0xff (xAPIC) or
 * 0xffffffff (x2APIC) broadcast, and KVM's hot-plug rule (a destination
 * above 0xff names an xAPIC-mode APIC by its x2APIC ID). Logical: flat
 * or cluster per DFR in xAPIC mode (0xff broadcast), cluster[31:16] and
 * bitmap[15:0] in x2APIC mode. A hardware-disabled APIC never matches.
 */
bool vmrun_lapic_match_dest(const struct vmrun_lapic *l,
			    const struct vmrun_apic_msg *m,
			    const struct vmrun_lapic *src);

/*
 * Accepts @m at this APIC (the caller has matched it). Fixed and lowest
 * priority: IRR set, TMR set for level and cleared for edge; dropped when
 * level de-asserted, or the APIC is software-disabled (SDM 11.4.7.2);
 * a vector below 16 is refused with ESR "receive illegal vector" (and
 * an LVT error interrupt). NMI: counted. INIT: latched unless a level
 * de-assert. SIPI: remembered only while an INIT is pending or the CPU
 * waits after one (the first SIPI wins). ExtINT: flagged; the glue then
 * takes the vector from the PIC. SMI: ignored. Returns true if it was
 * accepted; sets fx->kick when something became pending.
 */
bool vmrun_lapic_accept(struct vmrun_lapic *l, const struct vmrun_apic_msg *m,
			struct vmrun_lapic_fx *fx);

/*
 * Lowest-priority arbitration: the SDM 11.6.2.4 arbitration priority,
 * TPR if TPR[7:4] is at least the class of the highest IRR and ISR
 * vectors, else that class << 4. The glue picks, among the APICs that
 * match a lowest-priority message and are software-enabled, one with
 * the lowest value (ties: its choice, e.g. the lowest APIC ID or a
 * rotation); 0xff for an APIC that cannot take it (disabled).
 */
u8 vmrun_lapic_arb_prio(const struct vmrun_lapic *l);

/*
 * Delivers through the LVT entry at @lvt_offset (VMRUN_APIC_LVT0, LVT1,
 * LVTPC, LVTTHMR, LVTERR or LVTT) as an edge or, for LINT0/1 with bit 15
 * set, a level assert: dropped if masked or the APIC is disabled; an
 * ExtINT entry does nothing here (the glue asks
 * vmrun_lapic_accepts_pic()). Returns true if it was accepted.
 */
bool vmrun_lapic_local_deliver(struct vmrun_lapic *l, u32 lvt_offset,
			       struct vmrun_lapic_fx *fx);

/* ---- delivery to the CPU ---- */

/*
 * The vector the CPU should take next: the highest IRR vector whose
 * class (bits 7:4) is above PPR, or -1. -1 while hardware-disabled.
 */
int vmrun_lapic_pending_vector(const struct vmrun_lapic *l);

/*
 * Interrupt acknowledge: moves vmrun_lapic_pending_vector() from IRR to
 * ISR and raises PPR; returns it, or -1 if there is none.
 */
int vmrun_lapic_ack(struct vmrun_lapic *l);

/*
 * The PIC's INTR reaches the CPU through this APIC: it is hardware-
 * disabled (the pin goes straight to the core) or LVT0 is unmasked
 * ExtINT (virtual wire mode), as KVM's kvm_apic_accept_pic_intr().
 */
bool vmrun_lapic_accepts_pic(const struct vmrun_lapic *l);

/* Returns and clears the number of NMIs accepted since the last call. */
u32 vmrun_lapic_take_nmis(struct vmrun_lapic *l);

/*
 * If an INIT is pending: clears it, INIT-resets the APIC (see
 * vmrun_lapic_init_reset()) and returns true; the glue then INIT-resets
 * the vCPU (an AP waits for SIPI: vmrun_lapic_waiting_for_sipi()). After
 * power-on no AP waits for SIPI: like KVM's UNINITIALIZED state, it
 * needs an INIT first.
 */
bool vmrun_lapic_take_init(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx);

/*
 * If a SIPI is pending while the CPU waits for one: clears both, stores
 * its vector (the CPU starts at vector << 12) and returns true.
 */
bool vmrun_lapic_take_sipi(struct vmrun_lapic *l, u8 *vector);

/* Returns and clears the ExtINT flag of an accepted ExtINT message. */
bool vmrun_lapic_take_extint(struct vmrun_lapic *l);

/* The AP waits for SIPI (KVM_MP_STATE_INIT_RECEIVED). */
bool vmrun_lapic_waiting_for_sipi(const struct vmrun_lapic *l);
/* KVM_SET_MP_STATE: enter (INIT_RECEIVED) or leave the SIPI wait. */
void vmrun_lapic_set_waiting_for_sipi(struct vmrun_lapic *l, bool wait);

/*
 * An NMI, INIT, SIPI (while waiting) or ExtINT is pending: a halted vCPU
 * must wake even with no vmrun_lapic_pending_vector().
 */
bool vmrun_lapic_event_pending(const struct vmrun_lapic *l);

/*
 * End of interrupt, as a write to the EOI register: clears the highest
 * ISR bit, recomputes PPR, and if that vector's TMR bit is set gives it
 * in fx->eoi_vector; fx->kick if an interrupt became deliverable. No-op
 * with an empty ISR.
 */
void vmrun_lapic_eoi(struct vmrun_lapic *l, struct vmrun_lapic_fx *fx);

/* ---- timer ---- */

/*
 * When the glue's timer must call vmrun_lapic_timer_expired(): absolute
 * ns, 0 if the timer is not armed (an armed deadline is never 0).
 */
u64 vmrun_lapic_timer_deadline(const struct vmrun_lapic *l);

/*
 * The glue's timer fired at @clk. If the timer is armed and due: raises
 * the LVT timer vector (unless masked or the APIC is disabled),
 * re-arms a periodic timer at the next multiple of the period after the
 * start (no drift; missed periods are coalesced), and disarms one-shot
 * and TSC-deadline timers (IA32_TSC_DEADLINE then reads 0). Returns true
 * if it fired; sets fx->timer_changed then. Early calls do nothing.
 */
bool vmrun_lapic_timer_expired(struct vmrun_lapic *l,
			       const struct vmrun_lapic_clock *clk,
			       struct vmrun_lapic_fx *fx);

/*
 * IA32_TSC_DEADLINE (MSR 0x6e0). Reads 0 unless the LVT timer is in
 * TSC-deadline mode and armed. Writes are ignored outside TSC-deadline
 * mode or while the APIC is disabled (SDM 11.5.4.1); 0 disarms; a
 * deadline at or before @clk->tsc fires at once. @clk->tsc is the guest
 * TSC, converted with @clk->tsc_khz.
 */
u64 vmrun_lapic_get_tsc_deadline(const struct vmrun_lapic *l);
void vmrun_lapic_set_tsc_deadline(struct vmrun_lapic *l, u64 tsc,
				  const struct vmrun_lapic_clock *clk,
				  struct vmrun_lapic_fx *fx);

#endif /* VMRUN_IRQ_X86_LAPIC_H */
