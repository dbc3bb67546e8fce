// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel x86 irqchip of a VM: the glue around the device models of
 * this folder (lapic.c, ioapic.c, pic.c, pit.c, msi.c), which know the
 * chips but nothing of locks, time or vCPUs.
 *
 * Objects: struct vmrun_irqchip per VM (KVM_CREATE_IRQCHIP) holds the
 * IOAPIC, the PIC pair and, after KVM_CREATE_PIT2, the PIT; struct
 * vmrun_apic per vCPU holds its LAPIC and the LAPIC timer.
 *
 * Locking, outermost first:
 *   chip->lock   the IOAPIC, the PIC and the pins' source levels. Taken
 *                with interrupts off: irqfds and the PIT raise pins from
 *                any context.
 *   apic->lock   one LAPIC. Messages are delivered to one LAPIC at a time,
 *                so no two LAPIC locks are ever held together; what a
 *                LAPIC write sends (an IPI, an EOI for the IOAPIC) goes
 *                out after its lock is dropped.
 *   pit->lock    the PIT model and its hrtimer; taken alone.
 * Timers never take a model lock in hard interrupt context: the LAPIC
 * timer only flags its vCPU, which runs the model before its next entry;
 * the PIT timer hands off to a work item.
 */
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <asm/tsc.h>
#include <vmrun/core.h>

#include "../irqchip.h"
#include "apic_msg.h"
#include "ioapic.h"
#include "lapic.h"
#include "msi.h"
#include "pic.h"
#include "pit.h"

/* How long the IOAPIC holds back a pin that floods its vCPU (as KVM). */
#define VMRUN_IOAPIC_STORM_DELAY_MS	10
/* The floor of the PIT's re-arm interval (as KVM's minimum period). */
#define VMRUN_PIT_MIN_NS		200000ULL

struct vmrun_apic {
	struct vmrun_vcpu *vcpu;
	spinlock_t lock;		/* lapic */
	struct vmrun_lapic lapic;
	struct hrtimer timer;
	atomic_t timer_fired;
};

struct vmrun_pit_dev {
	struct vmrun_vm *vm;
	spinlock_t lock;		/* pit, timer arming, dying */
	struct vmrun_pit pit;
	struct hrtimer timer;
	struct work_struct irq_work;
	bool dying;
	struct vmrun_io_device io;
};

struct vmrun_irqchip {
	struct vmrun_vm *vm;
	spinlock_t lock;		/* ioapic, pic, pin_src */
	struct vmrun_ioapic ioapic;
	struct vmrun_pic pic;
	/* Which sources drive each input: [chip][pin], VMRUN_IRQ_SRC_* bits */
	u8 pin_src[3][VMRUN_IOAPIC_NUM_PINS];
	struct delayed_work storm_work;
	struct vmrun_io_device apic_mmio, ioapic_mmio, pic_pio;
	struct vmrun_pit_dev *pit;	/* set once, under vm->lock */
};

static u64 vmrun_now_ns(void)
{
	return ktime_get_ns();
}

static void vmrun_lapic_clock(struct vmrun_lapic_clock *clk, u64 guest_tsc)
{
	clk->ns = vmrun_now_ns();
	clk->tsc = guest_tsc;
	clk->tsc_khz = tsc_khz;
}

static struct vmrun_irqchip *vmrun_chip(struct vmrun_vm *vm)
{
	/* Published once by KVM_CREATE_IRQCHIP, freed with the VM. */
	return smp_load_acquire(&vm->irqchip);
}

bool vmrun_irqchip_in_kernel(struct vmrun_vm *vm)
{
	return vmrun_chip(vm);
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_in_kernel);

unsigned int vmrun_irqchip_nr_pins(unsigned int chip)
{
	switch (chip) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		return 8;
	case KVM_IRQCHIP_IOAPIC:
		return VMRUN_IOAPIC_NUM_PINS;
	default:
		return 0;
	}
}

/* ---------------------------------------------------------- APIC bus */

static void vmrun_apic_effects(struct vmrun_apic *apic,
			       const struct vmrun_lapic_fx *fx);

/* Accepts @msg at one LAPIC; the caller has matched it. */
static bool vmrun_apic_accept(struct vmrun_apic *apic,
			      const struct vmrun_apic_msg *msg)
{
	struct vmrun_lapic_fx fx = { .eoi_vector = -1 };
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&apic->lock, flags);
	ok = vmrun_lapic_accept(&apic->lapic, msg, &fx);
	spin_unlock_irqrestore(&apic->lock, flags);
	if (fx.kick)
		vmrun_vcpu_request(apic->vcpu, VMRUN_REQ_EVENT);
	return ok;
}

/*
 * Sends @msg to every LAPIC it names (@src: the sending LAPIC of an IPI,
 * NULL for the IOAPIC and MSIs). Lowest priority goes to one matching
 * LAPIC of lowest arbitration priority, the first in vCPU order on a tie.
 * Returns how many accepted it. Any context: only LAPIC locks are taken.
 */
static int vmrun_apic_bus_deliver(struct vmrun_vm *vm,
				  const struct vmrun_apic_msg *msg,
				  struct vmrun_apic *src)
{
	struct vmrun_apic *best = NULL;
	struct vmrun_vcpu *vcpu;
	unsigned long i, flags;
	u8 best_prio = 0xff;
	int n = 0;

	/* vCPUs are only added, never removed before the VM goes. */
	xa_for_each(&vm->vcpus, i, vcpu) {
		struct vmrun_apic *apic = READ_ONCE(vcpu->apic);
		bool match;
		u8 prio = 0xff;

		if (!apic)
			continue;
		spin_lock_irqsave(&apic->lock, flags);
		match = vmrun_lapic_match_dest(&apic->lapic, msg,
					       src ? &src->lapic : NULL);
		if (match && msg->delivery == VMRUN_APIC_DM_LOWEST)
			prio = vmrun_lapic_arb_prio(&apic->lapic);
		spin_unlock_irqrestore(&apic->lock, flags);
		if (!match)
			continue;
		if (msg->delivery == VMRUN_APIC_DM_LOWEST) {
			if (!best || prio < best_prio) {
				best = apic;
				best_prio = prio;
			}
			continue;
		}
		n += vmrun_apic_accept(apic, msg);
	}
	if (best)
		n += vmrun_apic_accept(best, msg);
	return n;
}

static int vmrun_ioapic_deliver(void *ctx, const struct vmrun_apic_msg *msg)
{
	struct vmrun_irqchip *chip = ctx;

	return vmrun_apic_bus_deliver(chip->vm, msg, NULL);
}

static const struct vmrun_ioapic_ops vmrun_ioapic_ops = {
	.deliver = vmrun_ioapic_deliver,
};

/* ------------------------------------------------------------- pins */

/* The PIC's output changed maybe: wake the vCPUs it reaches. */
static void vmrun_pic_kick(struct vmrun_irqchip *chip)
{
	struct vmrun_vcpu *vcpu;
	unsigned long i, flags;

	if (!vmrun_pic_output(&chip->pic))
		return;
	xa_for_each(&chip->vm->vcpus, i, vcpu) {
		struct vmrun_apic *apic = READ_ONCE(vcpu->apic);
		bool accepts;

		if (!apic)
			continue;
		spin_lock_irqsave(&apic->lock, flags);
		accepts = vmrun_lapic_accepts_pic(&apic->lapic);
		spin_unlock_irqrestore(&apic->lock, flags);
		if (accepts)
			vmrun_vcpu_request(vcpu, VMRUN_REQ_EVENT);
	}
}

/* Tells routing.c about the PIC IRQs whose in-service bit went away. */
static void vmrun_pic_notify_acks(struct vmrun_vm *vm, u16 acked)
{
	unsigned int irq;

	for (irq = 0; irq < VMRUN_PIC_NUM_PINS; irq++)
		if (acked & BIT(irq))
			vmrun_irq_ack_notify(vm, irq < 8 ? KVM_IRQCHIP_PIC_MASTER :
					     KVM_IRQCHIP_PIC_SLAVE, irq % 8);
}

int vmrun_irqchip_set_pin(struct vmrun_vm *vm, unsigned int chipno,
			  unsigned int pin, enum vmrun_irq_source src,
			  bool level)
{
	struct vmrun_irqchip *chip = vmrun_chip(vm);
	unsigned long flags;
	bool line;
	int r;

	if (!chip)
		return -ENXIO;
	if (pin >= vmrun_irqchip_nr_pins(chipno) || src >= VMRUN_IRQ_NR_SOURCES)
		return -EINVAL;

	spin_lock_irqsave(&chip->lock, flags);
	if (level)
		chip->pin_src[chipno][pin] |= BIT(src);
	else
		chip->pin_src[chipno][pin] &= ~BIT(src);
	line = chip->pin_src[chipno][pin];
	if (chipno == KVM_IRQCHIP_IOAPIC) {
		u64 rte = chip->ioapic.redirtbl[pin];

		r = vmrun_ioapic_set_pin(&chip->ioapic, pin, line);
		/*
		 * KVM_IRQ_LINE_STATUS as KVM 6.1 reports it: an assertion
		 * that a masked pin, or a level pin still waiting for its
		 * EOI, cannot deliver is -1, not "coalesced".
		 */
		if (line && !r && ((rte & VMRUN_IOAPIC_RTE_MASKED) ||
				   ((rte & VMRUN_IOAPIC_RTE_LEVEL) &&
				    (rte & VMRUN_IOAPIC_RTE_REMOTE_IRR))))
			r = -1;
	} else {
		r = vmrun_pic_set_pin(&chip->pic,
				      pin + (chipno == KVM_IRQCHIP_PIC_SLAVE ? 8 : 0),
				      line);
		vmrun_pic_kick(chip);
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_set_pin);

int vmrun_irqchip_msi(struct vmrun_vm *vm, const struct kvm_msi *msi)
{
	struct vmrun_apic_msg msg;

	if (!vmrun_chip(vm))
		return -ENXIO;
	/* No KVM_CAP_X2APIC_API: the high address half is not a destination. */
	if (!vmrun_msi_decode(msi->address_lo, 0, msi->data, &msg))
		return 0;	/* not an interrupt message: dropped, as KVM */
	return vmrun_apic_bus_deliver(vm, &msg, NULL);
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_msi);

/* The IOAPIC deferred pins of a storm: give them another chance. */
static void vmrun_ioapic_storm_work(struct work_struct *work)
{
	struct vmrun_irqchip *chip = container_of(to_delayed_work(work),
						  struct vmrun_irqchip,
						  storm_work);
	unsigned long flags;

	spin_lock_irqsave(&chip->lock, flags);
	vmrun_ioapic_inject_deferred(&chip->ioapic);
	spin_unlock_irqrestore(&chip->lock, flags);
}

/* A LAPIC EOIed level-triggered @vector: the IOAPIC may deliver again. */
static void vmrun_ioapic_eoi_broadcast(struct vmrun_irqchip *chip, u8 vector)
{
	unsigned long flags;
	bool storm;
	u32 pins;
	int pin;

	/*
	 * Acknowledge first: a resampling irqfd lowers its line here, so
	 * the EOI below sees it low and does not deliver it again (KVM
	 * orders it the same way).
	 */
	spin_lock_irqsave(&chip->lock, flags);
	pins = vmrun_ioapic_vector_pins(&chip->ioapic, vector);
	spin_unlock_irqrestore(&chip->lock, flags);
	for (pin = 0; pin < VMRUN_IOAPIC_NUM_PINS; pin++)
		if (pins & BIT(pin))
			vmrun_irq_ack_notify(chip->vm, KVM_IRQCHIP_IOAPIC, pin);

	spin_lock_irqsave(&chip->lock, flags);
	vmrun_ioapic_eoi(&chip->ioapic, vector, NULL);
	storm = vmrun_ioapic_deferred_pins(&chip->ioapic);
	spin_unlock_irqrestore(&chip->lock, flags);
	if (storm)
		schedule_delayed_work(&chip->storm_work,
				      msecs_to_jiffies(VMRUN_IOAPIC_STORM_DELAY_MS));
}

/* ------------------------------------------------------------ LAPIC */

/* What a LAPIC write left to do once its lock is dropped. */
static void vmrun_apic_effects(struct vmrun_apic *apic,
			       const struct vmrun_lapic_fx *fx)
{
	struct vmrun_vm *vm = apic->vcpu->vm;

	if (fx->kick)
		vmrun_vcpu_request(apic->vcpu, VMRUN_REQ_EVENT);
	if (fx->ipi)
		vmrun_apic_bus_deliver(vm, &fx->ipi_msg, apic);
	if (fx->eoi_vector >= 0)
		vmrun_ioapic_eoi_broadcast(vmrun_chip(vm), fx->eoi_vector);
	if (fx->timer_changed) {
		unsigned long flags;
		u64 deadline;

		spin_lock_irqsave(&apic->lock, flags);
		deadline = vmrun_lapic_timer_deadline(&apic->lapic);
		spin_unlock_irqrestore(&apic->lock, flags);
		/* Only this vCPU's thread arms its timer: no race here. */
		if (deadline)
			hrtimer_start(&apic->timer, ns_to_ktime(deadline),
				      HRTIMER_MODE_ABS);
		else
			hrtimer_cancel(&apic->timer);
	}
}

static enum hrtimer_restart vmrun_apic_timer_fn(struct hrtimer *t)
{
	struct vmrun_apic *apic = container_of(t, struct vmrun_apic, timer);

	atomic_set(&apic->timer_fired, 1);
	vmrun_vcpu_request(apic->vcpu, VMRUN_REQ_EVENT);
	return HRTIMER_NORESTART;
}

void vmrun_irqchip_vcpu_prepare(struct vmrun_vcpu *vcpu)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_lapic_fx fx = { .eoi_vector = -1 };
	struct vmrun_lapic_clock clk;
	unsigned long flags;

	if (!apic || !atomic_xchg(&apic->timer_fired, 0))
		return;
	vmrun_lapic_clock(&clk, 0);
	spin_lock_irqsave(&apic->lock, flags);
	if (!vmrun_lapic_timer_expired(&apic->lapic, &clk, &fx))
		fx.timer_changed = true;	/* early: arm it again */
	spin_unlock_irqrestore(&apic->lock, flags);
	vmrun_apic_effects(apic, &fx);
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_vcpu_prepare);

/* The xAPIC page, for every vCPU at the same address: each sees its own. */
static int vmrun_apic_mmio_access(struct vmrun_io_device *dev,
				  struct vmrun_vcpu *vcpu, u64 addr,
				  unsigned int len, void *rval,
				  const void *wval)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_lapic_fx fx = { .eoi_vector = -1 };
	struct vmrun_lapic_clock clk;
	unsigned long flags;
	int r;

	if (!apic)
		return -EOPNOTSUPP;
	vmrun_lapic_clock(&clk, 0);
	spin_lock_irqsave(&apic->lock, flags);
	if (!vmrun_lapic_mmio_match(&apic->lapic, addr) ||
	    !vmrun_lapic_mmio_match(&apic->lapic, addr + len - 1)) {
		/* Moved away through IA32_APIC_BASE: user space's address. */
		spin_unlock_irqrestore(&apic->lock, flags);
		return -EOPNOTSUPP;
	}
	if (wval)
		r = vmrun_lapic_mmio_write(&apic->lapic, addr & 0xfff, len, wval,
					   &clk, &fx);
	else
		r = vmrun_lapic_mmio_read(&apic->lapic, addr & 0xfff, len, rval,
					  &clk);
	spin_unlock_irqrestore(&apic->lock, flags);
	vmrun_apic_effects(apic, &fx);
	return r ? -EOPNOTSUPP : 0;
}

static int vmrun_apic_mmio_read(struct vmrun_io_device *dev,
				struct vmrun_vcpu *vcpu, u64 addr,
				unsigned int len, void *val)
{
	return vmrun_apic_mmio_access(dev, vcpu, addr, len, val, NULL);
}

static int vmrun_apic_mmio_write(struct vmrun_io_device *dev,
				 struct vmrun_vcpu *vcpu, u64 addr,
				 unsigned int len, const void *val)
{
	return vmrun_apic_mmio_access(dev, vcpu, addr, len, NULL, val);
}

static const struct vmrun_io_device_ops vmrun_apic_mmio_ops = {
	.read = vmrun_apic_mmio_read,
	.write = vmrun_apic_mmio_write,
};

int vmrun_irqchip_vcpu_create(struct vmrun_vcpu *vcpu)
{
	struct vmrun_apic *apic;

	if (!vmrun_chip(vcpu->vm))
		return 0;
	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->vcpu = vcpu;
	spin_lock_init(&apic->lock);
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	apic->timer.function = vmrun_apic_timer_fn;
	/* The first vCPU created is the BSP, as KVM's default. */
	vmrun_lapic_reset(&apic->lapic, vcpu->id, vcpu->idx == 0);
	/* APs wait for INIT and SIPI before they run (an OS boots them). */
	vcpu->mp_state = vcpu->idx == 0 ? KVM_MP_STATE_RUNNABLE :
					  KVM_MP_STATE_UNINITIALIZED;
	WRITE_ONCE(vcpu->apic, apic);
	return 0;
}

void vmrun_irqchip_vcpu_free(struct vmrun_vcpu *vcpu)
{
	struct vmrun_apic *apic = vcpu->apic;

	if (!apic)
		return;
	hrtimer_cancel(&apic->timer);
	kfree(apic);
}

bool vmrun_irqchip_irq_pending(struct vmrun_vcpu *vcpu)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_irqchip *chip = vmrun_chip(vcpu->vm);
	unsigned long flags;
	bool pic, pending;

	if (!apic)
		return false;
	spin_lock_irqsave(&apic->lock, flags);
	pending = vmrun_lapic_pending_vector(&apic->lapic) >= 0;
	pic = vmrun_lapic_accepts_pic(&apic->lapic);
	spin_unlock_irqrestore(&apic->lock, flags);
	if (pending || !pic)
		return pending;
	spin_lock_irqsave(&chip->lock, flags);
	pending = vmrun_pic_output(&chip->pic);
	spin_unlock_irqrestore(&chip->lock, flags);
	return pending;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_irq_pending);

int vmrun_irqchip_irq_ack(struct vmrun_vcpu *vcpu)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_irqchip *chip = vmrun_chip(vcpu->vm);
	unsigned long flags;
	int vector = -1;
	bool pic;
	u16 acked = 0;

	if (!apic)
		return -1;
	spin_lock_irqsave(&apic->lock, flags);
	pic = vmrun_lapic_accepts_pic(&apic->lapic);
	vmrun_lapic_take_extint(&apic->lapic);
	spin_unlock_irqrestore(&apic->lock, flags);

	/* The PIC first, as the ExtINT line outranks the LAPIC (KVM too). */
	if (pic) {
		spin_lock_irqsave(&chip->lock, flags);
		if (vmrun_pic_output(&chip->pic))
			vector = vmrun_pic_intack(&chip->pic);
		acked = vmrun_pic_take_acked(&chip->pic);
		spin_unlock_irqrestore(&chip->lock, flags);
		vmrun_pic_notify_acks(vcpu->vm, acked);
		if (vector >= 0)
			return vector;
	}
	spin_lock_irqsave(&apic->lock, flags);
	vector = vmrun_lapic_ack(&apic->lapic);
	spin_unlock_irqrestore(&apic->lock, flags);
	return vector;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_irq_ack);

unsigned int vmrun_irqchip_take_nmis(struct vmrun_vcpu *vcpu)
{
	struct vmrun_apic *apic = vcpu->apic;
	unsigned long flags;
	unsigned int n;

	if (!apic)
		return 0;
	spin_lock_irqsave(&apic->lock, flags);
	n = vmrun_lapic_take_nmis(&apic->lapic);
	spin_unlock_irqrestore(&apic->lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_take_nmis);

bool vmrun_irqchip_take_init(struct vmrun_vcpu *vcpu)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_lapic_fx fx = { .eoi_vector = -1 };
	unsigned long flags;
	bool init;

	if (!apic)
		return false;
	spin_lock_irqsave(&apic->lock, flags);
	init = vmrun_lapic_take_init(&apic->lapic, &fx);
	spin_unlock_irqrestore(&apic->lock, flags);
	vmrun_apic_effects(apic, &fx);
	return init;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_take_init);

bool vmrun_irqchip_take_sipi(struct vmrun_vcpu *vcpu, u8 *vector)
{
	struct vmrun_apic *apic = vcpu->apic;
	unsigned long flags;
	bool sipi;

	if (!apic)
		return false;
	spin_lock_irqsave(&apic->lock, flags);
	sipi = vmrun_lapic_take_sipi(&apic->lapic, vector);
	spin_unlock_irqrestore(&apic->lock, flags);
	return sipi;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_take_sipi);

bool vmrun_irqchip_wakeup(struct vmrun_vcpu *vcpu, bool interruptible)
{
	struct vmrun_apic *apic = vcpu->apic;
	unsigned long flags;
	bool wake;

	if (!apic)
		return false;
	spin_lock_irqsave(&apic->lock, flags);
	wake = vmrun_lapic_event_pending(&apic->lapic);
	spin_unlock_irqrestore(&apic->lock, flags);
	return wake || (interruptible && vmrun_irqchip_irq_pending(vcpu));
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_wakeup);

static bool vmrun_apic_msr(u32 msr)
{
	return msr == VMRUN_APIC_BASE_MSR || msr == VMRUN_TSC_DEADLINE_MSR ||
	       (msr >= VMRUN_X2APIC_MSR_FIRST && msr <= VMRUN_X2APIC_MSR_LAST);
}

int vmrun_irqchip_msr_read(struct vmrun_vcpu *vcpu, u32 msr, u64 *val)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_lapic_clock clk;
	unsigned long flags;
	int r = 0;

	if (!apic || !vmrun_apic_msr(msr))
		return -ENOENT;
	vmrun_lapic_clock(&clk, 0);
	spin_lock_irqsave(&apic->lock, flags);
	if (msr == VMRUN_APIC_BASE_MSR)
		*val = vmrun_lapic_get_base(&apic->lapic);
	else if (msr == VMRUN_TSC_DEADLINE_MSR)
		*val = vmrun_lapic_get_tsc_deadline(&apic->lapic);
	else
		r = vmrun_lapic_msr_read(&apic->lapic, msr, val, &clk);
	spin_unlock_irqrestore(&apic->lock, flags);
	return r ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_msr_read);

int vmrun_irqchip_msr_write(struct vmrun_vcpu *vcpu, u32 msr, u64 val,
			    u64 guest_tsc, bool host_initiated)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_lapic_fx fx = { .eoi_vector = -1 };
	struct vmrun_lapic_clock clk;
	unsigned long flags;
	int r = 0;

	if (!apic || !vmrun_apic_msr(msr))
		return -ENOENT;
	vmrun_lapic_clock(&clk, guest_tsc);
	spin_lock_irqsave(&apic->lock, flags);
	if (msr == VMRUN_APIC_BASE_MSR)
		/* The walker's width: reserved bits above MAXPHYADDR 52 max. */
		r = vmrun_lapic_set_base(&apic->lapic, val, 52, host_initiated,
					 &fx);
	else if (msr == VMRUN_TSC_DEADLINE_MSR)
		vmrun_lapic_set_tsc_deadline(&apic->lapic, val, &clk, &fx);
	else
		r = vmrun_lapic_msr_write(&apic->lapic, msr, val, &clk, &fx);
	spin_unlock_irqrestore(&apic->lock, flags);
	vmrun_apic_effects(apic, &fx);
	return r ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_msr_write);

u8 vmrun_irqchip_get_cr8(struct vmrun_vcpu *vcpu)
{
	struct vmrun_apic *apic = vcpu->apic;
	unsigned long flags;
	u8 cr8;

	if (!apic)
		return 0;
	spin_lock_irqsave(&apic->lock, flags);
	cr8 = vmrun_lapic_get_cr8(&apic->lapic);
	spin_unlock_irqrestore(&apic->lock, flags);
	return cr8;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_get_cr8);

void vmrun_irqchip_set_cr8(struct vmrun_vcpu *vcpu, u8 cr8)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_lapic_fx fx = { .eoi_vector = -1 };
	unsigned long flags;

	if (!apic)
		return;
	spin_lock_irqsave(&apic->lock, flags);
	vmrun_lapic_set_cr8(&apic->lapic, cr8, &fx);
	spin_unlock_irqrestore(&apic->lock, flags);
	vmrun_apic_effects(apic, &fx);
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_set_cr8);

void vmrun_irqchip_set_x2apic_allowed(struct vmrun_vcpu *vcpu, bool allowed)
{
	struct vmrun_apic *apic = vcpu->apic;
	unsigned long flags;

	if (!apic)
		return;
	spin_lock_irqsave(&apic->lock, flags);
	apic->lapic.x2apic_allowed = allowed;
	spin_unlock_irqrestore(&apic->lock, flags);
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_set_x2apic_allowed);

long vmrun_irqchip_vcpu_ioctl(struct vmrun_vcpu *vcpu, unsigned int ioctl,
			      unsigned long arg)
{
	struct vmrun_apic *apic = vcpu->apic;
	struct vmrun_lapic_fx fx = { .eoi_vector = -1 };
	void __user *argp = (void __user *)arg;
	struct vmrun_lapic_clock clk;
	struct kvm_lapic_state *st;
	unsigned long flags;
	long r;

	if (ioctl != KVM_GET_LAPIC && ioctl != KVM_SET_LAPIC)
		return -ENOIOCTLCMD;
	if (!apic)
		return -EINVAL;	/* as KVM 6.1 without an in-kernel LAPIC */
	st = kzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	if (!st)
		return -ENOMEM;
	vmrun_lapic_clock(&clk, 0);
	if (ioctl == KVM_GET_LAPIC) {
		spin_lock_irqsave(&apic->lock, flags);
		vmrun_lapic_get_state(&apic->lapic, &clk, st);
		spin_unlock_irqrestore(&apic->lock, flags);
		r = copy_to_user(argp, st, sizeof(*st)) ? -EFAULT : 0;
	} else if (copy_from_user(st, argp, sizeof(*st))) {
		r = -EFAULT;
	} else {
		spin_lock_irqsave(&apic->lock, flags);
		r = vmrun_lapic_set_state(&apic->lapic, st, &clk, &fx);
		spin_unlock_irqrestore(&apic->lock, flags);
		vmrun_apic_effects(apic, &fx);
		vmrun_vcpu_request(vcpu, VMRUN_REQ_EVENT);
	}
	kfree(st);
	return r;
}
EXPORT_SYMBOL_GPL(vmrun_irqchip_vcpu_ioctl);

/* ----------------------------------------------------- IOAPIC, PIC */

static int vmrun_chip_ioapic_read(struct vmrun_io_device *dev,
				  struct vmrun_vcpu *vcpu, u64 addr,
				  unsigned int len, void *val)
{
	struct vmrun_irqchip *chip = container_of(dev, struct vmrun_irqchip,
						  ioapic_mmio);
	unsigned long flags;
	u64 data = 0;
	int r;

	spin_lock_irqsave(&chip->lock, flags);
	r = vmrun_ioapic_mmio_read(&chip->ioapic,
				   addr - VMRUN_IOAPIC_DEFAULT_BASE, len, &data);
	spin_unlock_irqrestore(&chip->lock, flags);
	memcpy(val, &data, len);
	return r ? -EOPNOTSUPP : 0;
}

static int vmrun_chip_ioapic_write(struct vmrun_io_device *dev,
				   struct vmrun_vcpu *vcpu, u64 addr,
				   unsigned int len, const void *val)
{
	struct vmrun_irqchip *chip = container_of(dev, struct vmrun_irqchip,
						  ioapic_mmio);
	unsigned long flags;
	u64 data = 0;
	int r;

	memcpy(&data, val, len);
	spin_lock_irqsave(&chip->lock, flags);
	r = vmrun_ioapic_mmio_write(&chip->ioapic,
				    addr - VMRUN_IOAPIC_DEFAULT_BASE, len, data);
	spin_unlock_irqrestore(&chip->lock, flags);
	return r ? -EOPNOTSUPP : 0;
}

static const struct vmrun_io_device_ops vmrun_ioapic_mmio_ops = {
	.read = vmrun_chip_ioapic_read,
	.write = vmrun_chip_ioapic_write,
};

/* The PIC's ports are byte ports: a wider access goes byte by byte. */
static int vmrun_pic_pio_access(struct vmrun_io_device *dev,
				struct vmrun_vcpu *vcpu, u64 port,
				unsigned int len, void *rval, const void *wval)
{
	struct vmrun_irqchip *chip = container_of(dev, struct vmrun_irqchip,
						  pic_pio);
	unsigned long flags;
	unsigned int i;
	u16 acked;
	int r = 0;

	spin_lock_irqsave(&chip->lock, flags);
	for (i = 0; i < len && !r; i++) {
		if (wval)
			r = vmrun_pic_pio_write(&chip->pic, port + i,
						((const u8 *)wval)[i]);
		else
			r = vmrun_pic_pio_read(&chip->pic, port + i,
					       (u8 *)rval + i);
	}
	vmrun_pic_kick(chip);
	acked = vmrun_pic_take_acked(&chip->pic);
	spin_unlock_irqrestore(&chip->lock, flags);
	vmrun_pic_notify_acks(chip->vm, acked);
	return r ? -EOPNOTSUPP : 0;
}

static int vmrun_pic_pio_read_fn(struct vmrun_io_device *dev,
				 struct vmrun_vcpu *vcpu, u64 port,
				 unsigned int len, void *val)
{
	return vmrun_pic_pio_access(dev, vcpu, port, len, val, NULL);
}

static int vmrun_pic_pio_write_fn(struct vmrun_io_device *dev,
				  struct vmrun_vcpu *vcpu, u64 port,
				  unsigned int len, const void *val)
{
	return vmrun_pic_pio_access(dev, vcpu, port, len, NULL, val);
}

static const struct vmrun_io_device_ops vmrun_pic_pio_ops = {
	.read = vmrun_pic_pio_read_fn,
	.write = vmrun_pic_pio_write_fn,
};

/* -------------------------------------------------------------- PIT */

static void vmrun_pit_arm(struct vmrun_pit_dev *pd)
{
	u64 deadline, floor;

	lockdep_assert_held(&pd->lock);
	deadline = vmrun_pit_irq_deadline(&pd->pit);
	if (!deadline || pd->dying) {
		hrtimer_try_to_cancel(&pd->timer);
		return;
	}
	floor = vmrun_now_ns() + VMRUN_PIT_MIN_NS;
	hrtimer_start(&pd->timer, ns_to_ktime(max(deadline, floor)),
		      HRTIMER_MODE_ABS);
}

static enum hrtimer_restart vmrun_pit_timer_fn(struct hrtimer *t)
{
	struct vmrun_pit_dev *pd = container_of(t, struct vmrun_pit_dev, timer);

	schedule_work(&pd->irq_work);
	return HRTIMER_NORESTART;
}

/*
 * IRQ0 pulses: a work item, so that the pins' locks and routing.c are
 * never entered from the timer's hard interrupt. Several edges that came
 * while the host was busy are coalesced into one pulse, as a guest that
 * counts ticks from the TSC or the PIT's count expects.
 */
static void vmrun_pit_irq_work(struct work_struct *work)
{
	struct vmrun_pit_dev *pd = container_of(work, struct vmrun_pit_dev,
						irq_work);
	unsigned long flags;
	int edges;

	spin_lock_irqsave(&pd->lock, flags);
	edges = vmrun_pit_irq_fired(&pd->pit, vmrun_now_ns());
	vmrun_pit_arm(pd);
	spin_unlock_irqrestore(&pd->lock, flags);
	if (edges > 0) {
		vmrun_irq_set_gsi(pd->vm, 0, VMRUN_IRQ_SRC_PIT, true);
		vmrun_irq_set_gsi(pd->vm, 0, VMRUN_IRQ_SRC_PIT, false);
	}
}

static int vmrun_pit_pio_access(struct vmrun_io_device *dev,
				struct vmrun_vcpu *vcpu, u64 port,
				unsigned int len, void *rval, const void *wval)
{
	struct vmrun_pit_dev *pd = container_of(dev, struct vmrun_pit_dev, io);
	unsigned long flags;
	u64 now = vmrun_now_ns();
	int r;

	if (len != 1)
		return -EOPNOTSUPP;
	spin_lock_irqsave(&pd->lock, flags);
	if (wval) {
		r = vmrun_pit_pio_write(&pd->pit, port, *(const u8 *)wval, now);
		vmrun_pit_arm(pd);
	} else {
		r = vmrun_pit_pio_read(&pd->pit, port, rval, now);
	}
	spin_unlock_irqrestore(&pd->lock, flags);
	return r ? -EOPNOTSUPP : 0;
}

static int vmrun_pit_pio_read_fn(struct vmrun_io_device *dev,
				 struct vmrun_vcpu *vcpu, u64 port,
				 unsigned int len, void *val)
{
	return vmrun_pit_pio_access(dev, vcpu, port, len, val, NULL);
}

static int vmrun_pit_pio_write_fn(struct vmrun_io_device *dev,
				  struct vmrun_vcpu *vcpu, u64 port,
				  unsigned int len, const void *val)
{
	return vmrun_pit_pio_access(dev, vcpu, port, len, NULL, val);
}

static const struct vmrun_io_device_ops vmrun_pit_pio_ops = {
	.read = vmrun_pit_pio_read_fn,
	.write = vmrun_pit_pio_write_fn,
};

static void vmrun_pit_destroy(struct vmrun_vm *vm, struct vmrun_pit_dev *pd)
{
	unsigned long flags;

	vmrun_io_bus_unregister(vm, VMRUN_BUS_PIO, &pd->io);
	spin_lock_irqsave(&pd->lock, flags);
	pd->dying = true;
	spin_unlock_irqrestore(&pd->lock, flags);
	/* The work may re-arm until it sees dying; then nothing does. */
	hrtimer_cancel(&pd->timer);
	cancel_work_sync(&pd->irq_work);
	hrtimer_cancel(&pd->timer);
	kfree(pd);
}

static long vmrun_pit_create(struct vmrun_vm *vm, struct vmrun_irqchip *chip,
			     void __user *argp)
{
	struct kvm_pit_config cfg;
	struct vmrun_pit_dev *pd;
	int r;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	/* KVM_PIT_SPEAKER_DUMMY: port 0x61 is ours either way. */
	if (cfg.flags & ~KVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	if (!chip)
		return -ENOENT;	/* KVM 6.1: no irqchip, no PIT */

	pd = kzalloc(sizeof(*pd), GFP_KERNEL_ACCOUNT);
	if (!pd)
		return -ENOMEM;
	pd->vm = vm;
	spin_lock_init(&pd->lock);
	hrtimer_init(&pd->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pd->timer.function = vmrun_pit_timer_fn;
	INIT_WORK(&pd->irq_work, vmrun_pit_irq_work);
	vmrun_pit_init(&pd->pit, vmrun_now_ns());
	pd->io.ops = &vmrun_pit_pio_ops;

	mutex_lock(&vm->lock);
	if (chip->pit) {
		mutex_unlock(&vm->lock);
		kfree(pd);
		return -EEXIST;
	}
	r = vmrun_io_bus_register(vm, VMRUN_BUS_PIO, VMRUN_PIT_PORT_CH0, 4,
				  &pd->io);
	if (!r)
		r = vmrun_io_bus_register(vm, VMRUN_BUS_PIO,
					  VMRUN_PIT_PORT_SPEAKER, 1, &pd->io);
	if (r) {
		mutex_unlock(&vm->lock);
		vmrun_pit_destroy(vm, pd);
		return r;
	}
	WRITE_ONCE(chip->pit, pd);
	mutex_unlock(&vm->lock);
	return 0;
}

static long vmrun_pit_state(struct vmrun_irqchip *chip, unsigned int ioctl,
			    void __user *argp)
{
	struct vmrun_pit_dev *pd = chip ? READ_ONCE(chip->pit) : NULL;
	struct kvm_pit_state2 st;
	unsigned long flags;

	if (!pd)
		return -ENXIO;
	if (ioctl == KVM_GET_PIT2) {
		memset(&st, 0, sizeof(st));
		spin_lock_irqsave(&pd->lock, flags);
		vmrun_pit_get_state(&pd->pit, &st, vmrun_now_ns());
		spin_unlock_irqrestore(&pd->lock, flags);
		return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
	}
	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	spin_lock_irqsave(&pd->lock, flags);
	vmrun_pit_set_state(&pd->pit, &st, vmrun_now_ns());
	vmrun_pit_arm(pd);
	spin_unlock_irqrestore(&pd->lock, flags);
	return 0;
}

/* ---------------------------------------------------- the VM's chip */

static long vmrun_irqchip_create(struct vmrun_vm *vm)
{
	struct vmrun_irqchip *chip;
	int r;

	chip = kzalloc(sizeof(*chip), GFP_KERNEL_ACCOUNT);
	if (!chip)
		return -ENOMEM;
	chip->vm = vm;
	spin_lock_init(&chip->lock);
	INIT_DELAYED_WORK(&chip->storm_work, vmrun_ioapic_storm_work);
	vmrun_ioapic_init(&chip->ioapic, &vmrun_ioapic_ops, chip);
	vmrun_pic_init(&chip->pic);
	chip->apic_mmio.ops = &vmrun_apic_mmio_ops;
	chip->ioapic_mmio.ops = &vmrun_ioapic_mmio_ops;
	chip->pic_pio.ops = &vmrun_pic_pio_ops;

	/* As KVM: only before any vCPU exists, and only once. */
	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (vm->irqchip)
		goto unlock;
	r = -EINVAL;
	if (vm->nr_vcpus)
		goto unlock;
	r = vmrun_io_bus_register(vm, VMRUN_BUS_MMIO, VMRUN_APIC_BASE_ADDR,
				  VMRUN_LAPIC_MMIO_SIZE, &chip->apic_mmio);
	if (!r)
		r = vmrun_io_bus_register(vm, VMRUN_BUS_MMIO,
					  VMRUN_IOAPIC_DEFAULT_BASE,
					  VMRUN_IOAPIC_MMIO_SIZE,
					  &chip->ioapic_mmio);
	if (!r)
		r = vmrun_io_bus_register(vm, VMRUN_BUS_PIO,
					  VMRUN_PIC_MASTER_CMD, 2,
					  &chip->pic_pio);
	if (!r)
		r = vmrun_io_bus_register(vm, VMRUN_BUS_PIO,
					  VMRUN_PIC_SLAVE_CMD, 2,
					  &chip->pic_pio);
	if (!r)
		r = vmrun_io_bus_register(vm, VMRUN_BUS_PIO,
					  VMRUN_PIC_ELCR_MASTER, 2,
					  &chip->pic_pio);
	if (r)
		goto unregister;
	/* Published last: vmrun_chip() readers see a complete chip. */
	smp_store_release(&vm->irqchip, chip);
	mutex_unlock(&vm->lock);

	r = vmrun_irq_default_routing(vm);
	/* A VM whose routing failed keeps its chip; routes can be set. */
	return r;

unregister:
	vmrun_io_bus_unregister(vm, VMRUN_BUS_PIO, &chip->pic_pio);
	vmrun_io_bus_unregister(vm, VMRUN_BUS_MMIO, &chip->ioapic_mmio);
	vmrun_io_bus_unregister(vm, VMRUN_BUS_MMIO, &chip->apic_mmio);
unlock:
	mutex_unlock(&vm->lock);
	kfree(chip);
	return r;
}

void vmrun_irqchip_stop(struct vmrun_vm *vm)
{
	struct vmrun_irqchip *chip = vm->irqchip;

	if (!chip)
		return;
	if (chip->pit)
		vmrun_pit_destroy(vm, chip->pit);
	chip->pit = NULL;
	cancel_delayed_work_sync(&chip->storm_work);
}

void vmrun_irqchip_destroy(struct vmrun_vm *vm)
{
	struct vmrun_irqchip *chip = vm->irqchip;

	if (!chip)
		return;
	vmrun_irqchip_stop(vm);
	vmrun_io_bus_unregister(vm, VMRUN_BUS_PIO, &chip->pic_pio);
	vmrun_io_bus_unregister(vm, VMRUN_BUS_MMIO, &chip->ioapic_mmio);
	vmrun_io_bus_unregister(vm, VMRUN_BUS_MMIO, &chip->apic_mmio);
	/*
	 * The LAPICs go with their vCPUs, after this: their timers only
	 * kick, and nothing delivers to them once the chip is gone.
	 */
	vm->irqchip = NULL;
	kfree(chip);
}

static long vmrun_irqchip_get_set(struct vmrun_irqchip *chip,
				  unsigned int ioctl, void __user *argp)
{
	struct kvm_irqchip *ic;
	unsigned long flags;
	long r = 0;

	if (!chip)
		return -ENXIO;
	ic = kzalloc(sizeof(*ic), GFP_KERNEL_ACCOUNT);
	if (!ic)
		return -ENOMEM;
	if (copy_from_user(ic, argp, sizeof(*ic))) {
		r = -EFAULT;
		goto out;
	}
	if (ic->chip_id > KVM_IRQCHIP_IOAPIC) {
		r = -EINVAL;
		goto out;
	}
	spin_lock_irqsave(&chip->lock, flags);
	if (ioctl == KVM_GET_IRQCHIP) {
		if (ic->chip_id == KVM_IRQCHIP_IOAPIC)
			vmrun_ioapic_get_state(&chip->ioapic, &ic->chip.ioapic);
		else
			r = vmrun_pic_get_state(&chip->pic, ic->chip_id,
						&ic->chip.pic);
	} else {
		if (ic->chip_id == KVM_IRQCHIP_IOAPIC)
			r = vmrun_ioapic_set_state(&chip->ioapic,
						   &ic->chip.ioapic);
		else
			r = vmrun_pic_set_state(&chip->pic, ic->chip_id,
						&ic->chip.pic);
		vmrun_pic_kick(chip);
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	if (!r && ioctl == KVM_GET_IRQCHIP && copy_to_user(argp, ic, sizeof(*ic)))
		r = -EFAULT;
out:
	kfree(ic);
	return r;
}

long vmrun_irqchip_vm_ioctl(struct vmrun_vm *vm, unsigned int ioctl,
			    unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		return vmrun_irqchip_create(vm);
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP:
		return vmrun_irqchip_get_set(vmrun_chip(vm), ioctl, argp);
	case KVM_CREATE_PIT2:
		return vmrun_pit_create(vm, vmrun_chip(vm), argp);
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
		return vmrun_pit_state(vmrun_chip(vm), ioctl, argp);
	default:
		return -ENOIOCTLCMD;
	}
}
