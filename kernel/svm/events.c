// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event injection on AMD-V: what x86/events.c leaves pending (KVM_INTERRUPT,
 * KVM_NMI, the in-kernel LAPIC's interrupts) goes into EVENTINJ, interrupt
 * windows open, and KVM_GET/SET_VCPU_EVENTS read and write the same state.
 *
 * A KVM_INTERRUPT vector goes into EVENTINJ at the next entry (user space
 * is trusted to have waited for ready_for_interrupt_injection, as KVM
 * does). To learn when the guest can take one, user space sets
 * run->request_interrupt_window: the backend then asks for a virtual
 * interrupt (V_IRQ) with the VINTR intercept, which exits as soon as the
 * guest could take it, and KVM_RUN returns KVM_EXIT_IRQ_WINDOW_OPEN.
 *
 * NMIs are blocked from their delivery until the guest's IRET completes:
 * the IRET intercept marks the IRET, and the NMI window opens once RIP has
 * moved past it.
 */
#include <linux/uaccess.h>
#include <asm/traps.h>
#include <vmrun/core.h>

#include "../irq/irqchip.h"
#include "svm.h"

static void svm_intercept(struct svm_vcpu *svm, unsigned int bit, bool on)
{
	u32 *word = &svm->vmcb->control.intercepts[bit / 32];

	if (on)
		*word |= BIT(bit % 32);
	else
		*word &= ~BIT(bit % 32);
}

static bool svm_event_queued(struct svm_vcpu *svm)
{
	return svm->vmcb->control.event_inj & SVM_EVTINJ_VALID;
}

/* Could the guest take an external interrupt at its next instruction? */
static bool svm_interruptible(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	return (vcpu->regs.rflags & X86_EFLAGS_IF) &&
	       !(svm->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) &&
	       !svm_event_queued(svm);
}

/*
 * Is the guest blocked by nothing but the interrupt shadow of an STI or
 * MOV SS? Then the in-kernel irqchip wants no window: QEMU's VMRUN does
 * not load the shadow from int_state, so its VINTR exit comes before the
 * shadowed instruction. An interrupt injected there lands between STI and
 * HLT, and the HLT then sleeps with nothing left to wake it (seen as
 * tests/guest/irq_eventfd timing out under load). The shadow lasts one
 * instruction: the next exit injects, at once after STI; HLT.
 */
static bool svm_only_shadowed(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	return (vcpu->regs.rflags & X86_EFLAGS_IF) &&
	       (svm->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) &&
	       !svm_event_queued(svm);
}

/* Before each entry: queue what is pending, arm the windows needed. */
void svm_prepare_events(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	bool want_window = READ_ONCE(vcpu->run->request_interrupt_window);
	bool shadowed = false;

	if (svm->awaiting_iret && vcpu->regs.rip != svm->iret_rip) {
		svm->awaiting_iret = false;
		svm->ev.nmi_masked = false;
	}

	if (!svm_event_queued(svm)) {
		if (svm->ev.nmi_pending && !svm->ev.nmi_masked) {
			c->event_inj = NMI_VECTOR | SVM_EVTINJ_TYPE_NMI |
				       SVM_EVTINJ_VALID;
			svm->ev.nmi_pending--;
			svm->ev.nmi_masked = true;
			svm_intercept(svm, INTERCEPT_IRET, true);
		} else if (svm->ev.irq_pending >= 0) {
			c->event_inj = svm->ev.irq_pending | SVM_EVTINJ_TYPE_INTR |
				       SVM_EVTINJ_VALID;
			svm->ev.irq_pending = -1;
		}
	}

	/*
	 * The in-kernel irqchip: an interrupt goes in when the guest can
	 * take it; until then an interrupt window waits for that moment.
	 * Acknowledged only when injected, so that a higher one arriving
	 * meanwhile wins, as on hardware.
	 */
	if (vcpu->apic) {
		c->int_ctl = (c->int_ctl & ~V_TPR_MASK) |
			     (vmrun_irqchip_get_cr8(vcpu) & V_TPR_MASK);
		if (vmrun_irqchip_irq_pending(vcpu)) {
			int vector = -1;

			if (svm_interruptible(vcpu))
				vector = vmrun_irqchip_irq_ack(vcpu);
			if (vector >= 0)
				c->event_inj = vector | SVM_EVTINJ_TYPE_INTR |
					       SVM_EVTINJ_VALID;
			else if (svm_only_shadowed(vcpu))
				shadowed = true;
			else if (!svm_interruptible(vcpu))
				want_window = true;
		}
	}

	/* A virtual interrupt of top priority: taken, i.e. the VINTR exit,
	 * as soon as the guest has interrupts enabled.
	 */
	if (want_window) {
		c->int_ctl |= V_IRQ_MASK | V_INTR_PRIO_MASK | V_IGN_TPR_MASK;
		svm_intercept(svm, INTERCEPT_VINTR, true);
	} else if (shadowed) {
		/* A window armed while IF was clear would fire in the shadow. */
		c->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
		svm_intercept(svm, INTERCEPT_VINTR, false);
	}
}

/* After an exit: the guest may have moved CR8 (V_TPR) without one. */
void svm_sync_tpr(struct vmrun_vcpu *vcpu)
{
	u8 vtpr = to_svm(vcpu)->vmcb->control.int_ctl & V_TPR_MASK;

	if (vcpu->apic && vtpr != vmrun_irqchip_get_cr8(vcpu))
		vmrun_irqchip_set_cr8(vcpu, vtpr);
}

/* SVM_EXIT_VINTR: the guest can take an interrupt now. */
int svm_exit_vintr(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->vmcb->control.int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
	svm_intercept(svm, INTERCEPT_VINTR, false);
	if (READ_ONCE(vcpu->run->request_interrupt_window) &&
	    svm_interruptible(vcpu)) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

/* SVM_EXIT_IRET: the NMI handler is returning (the IRET has not run). */
int svm_exit_iret(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm_intercept(svm, INTERCEPT_IRET, false);
	svm->awaiting_iret = true;
	svm->iret_rip = vcpu->regs.rip;
	return 1;
}

/* The interrupt state every exit to user space reports. */
void svm_report_events(struct vmrun_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	vmrun_x86_report_events(vcpu, &svm->ev, svm_interruptible(vcpu),
				svm->vmcb->control.int_ctl & V_TPR_MASK,
				svm->apic_base);
}

long svm_get_vcpu_events(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u32 inj = svm->vmcb->control.event_inj;
	u32 type = inj & SVM_EVTINJ_TYPE_MASK;
	struct kvm_vcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	if (inj & SVM_EVTINJ_VALID) {
		if (type == SVM_EVTINJ_TYPE_EXEPT) {
			ev.exception.injected = 1;
			ev.exception.nr = inj & SVM_EVTINJ_VEC_MASK;
			ev.exception.has_error_code = !!(inj & SVM_EVTINJ_VALID_ERR);
			ev.exception.error_code = svm->vmcb->control.event_inj_err;
		} else if (type == SVM_EVTINJ_TYPE_INTR) {
			ev.interrupt.injected = 1;
			ev.interrupt.nr = inj & SVM_EVTINJ_VEC_MASK;
		} else if (type == SVM_EVTINJ_TYPE_NMI) {
			ev.nmi.injected = 1;
		}
	}
	ev.interrupt.shadow = svm->vmcb->control.int_state &
			      SVM_INTERRUPT_SHADOW_MASK ? 1 : 0;
	ev.nmi.pending = svm->ev.nmi_pending;
	ev.nmi.masked = svm->ev.nmi_masked;
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	return copy_to_user(argp, &ev, sizeof(ev)) ? -EFAULT : 0;
}

long svm_set_vcpu_events(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct kvm_vcpu_events ev;

	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	/* No SMM, no exception payloads, no SIPI (no in-kernel APIC). */
	if (ev.flags & ~(KVM_VCPUEVENT_VALID_NMI_PENDING |
			 KVM_VCPUEVENT_VALID_SHADOW))
		return -EINVAL;
	if (ev.exception.injected &&
	    (ev.exception.nr > 31 || ev.exception.nr == NMI_VECTOR))
		return -EINVAL;

	c->event_inj = 0;
	if (ev.exception.injected) {
		c->event_inj = ev.exception.nr | SVM_EVTINJ_TYPE_EXEPT |
			       SVM_EVTINJ_VALID |
			       (ev.exception.has_error_code ?
				SVM_EVTINJ_VALID_ERR : 0);
		c->event_inj_err = ev.exception.error_code;
	} else if (ev.nmi.injected) {
		c->event_inj = NMI_VECTOR | SVM_EVTINJ_TYPE_NMI |
			       SVM_EVTINJ_VALID;
	} else if (ev.interrupt.injected) {
		c->event_inj = ev.interrupt.nr | SVM_EVTINJ_TYPE_INTR |
			       SVM_EVTINJ_VALID;
	}
	if (ev.flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		svm->ev.nmi_pending = min_t(u8, ev.nmi.pending, 2);
	svm->ev.nmi_masked = ev.nmi.masked;
	svm_intercept(svm, INTERCEPT_IRET, svm->ev.nmi_masked);
	svm->awaiting_iret = false;
	if (ev.flags & KVM_VCPUEVENT_VALID_SHADOW) {
		c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
		if (ev.interrupt.shadow)
			c->int_state |= SVM_INTERRUPT_SHADOW_MASK;
	}
	return 0;
}
