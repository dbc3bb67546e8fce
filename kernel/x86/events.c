// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event delivery that is the same on VT-x and AMD-V: the events user space
 * queues (KVM_INTERRUPT, KVM_NMI) and, with the in-kernel irqchip, the run
 * loop's wait for them (HLT, an AP before its SIPI), INIT and SIPI, and
 * KVM_GET/SET_MP_STATE. The backend injects what is pending in its own
 * format and opens its own windows (svm/events.c, vmx/events.c).
 */
#include <linux/export.h>
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <vmrun/core.h>

#include "../irq/irqchip.h"
#include "cpuid_abi.h"
#include "events.h"

void vmrun_x86_events_reset(struct vmrun_x86_events *ev)
{
	ev->irq_pending = -1;
	ev->nmi_pending = 0;
	ev->nmi_masked = false;
}
EXPORT_SYMBOL_GPL(vmrun_x86_events_reset);

/*
 * KVM_INTERRUPT. As in KVM, user space is trusted to call it only when the
 * last exit said ready_for_interrupt_injection; the vector goes in at the
 * next entry.
 */
long vmrun_x86_ioctl_interrupt(struct vmrun_vcpu *vcpu,
			       struct vmrun_x86_events *ev, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= 256)
		return -EINVAL;
	/* The in-kernel PIC owns ExtINT: KVM 6.1 refuses it then. */
	if (vcpu->apic)
		return -ENXIO;
	ev->irq_pending = irq.irq;
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_ioctl_interrupt);

long vmrun_x86_ioctl_nmi(struct vmrun_x86_events *ev)
{
	/* One NMI can be latched while another is in service, as on x86. */
	if (ev->nmi_pending < 2)
		ev->nmi_pending++;
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_ioctl_nmi);

/* A halted vCPU has something to take: it runs again. */
static bool vmrun_x86_halted_can_run(struct vmrun_vcpu *vcpu,
				     struct vmrun_x86_events *ev)
{
	return (ev->nmi_pending && !ev->nmi_masked) ||
	       vmrun_irqchip_wakeup(vcpu, vcpu->regs.rflags & X86_EFLAGS_IF);
}

/*
 * What ends vmrun_vcpu_halt(): a request (an interrupt, a timer, INIT or
 * SIPI arrived: the run loop looks at it), or, while halted, an interrupt
 * the LAPIC holds. The NMI half of vmrun_x86_halted_can_run() needs no
 * look here: only this thread changes it, and it was false before the
 * wait began.
 */
static bool vmrun_x86_halt_wakeup(struct vmrun_vcpu *vcpu)
{
	return test_bit(VMRUN_REQ_EVENT, &vcpu->requests) ||
	       (vcpu->mp_state == KVM_MP_STATE_HALTED &&
		vmrun_irqchip_wakeup(vcpu, vcpu->regs.rflags & X86_EFLAGS_IF));
}

/* An INIT, then a SIPI, the LAPIC took: the vCPU resets, then starts. */
void vmrun_x86_accept_init_sipi(struct vmrun_vcpu *vcpu,
				struct vmrun_x86_events *ev,
				const struct vmrun_x86_reset_ops *ops)
{
	u8 vector;

	if (vmrun_irqchip_take_init(vcpu)) {
		ops->init(vcpu);
		vmrun_x86_events_reset(ev);
		vcpu->mp_state = vcpu->idx == 0 ? KVM_MP_STATE_RUNNABLE :
				 KVM_MP_STATE_INIT_RECEIVED;
	}
	if (vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED &&
	    vmrun_irqchip_take_sipi(vcpu, &vector)) {
		ops->sipi(vcpu, vector);
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}
EXPORT_SYMBOL_GPL(vmrun_x86_accept_init_sipi);

/*
 * The in-kernel irqchip's side of the run loop: timers, INIT and SIPI,
 * NMIs, and waiting while halted or before the first SIPI. Returns
 * VMRUN_X86_CONTINUE when the vCPU is to enter the guest, -EINTR (with
 * KVM_EXIT_INTR) for a signal.
 */
int vmrun_x86_irqchip_events(struct vmrun_vcpu *vcpu,
			     struct vmrun_x86_events *ev,
			     const struct vmrun_x86_reset_ops *ops)
{
	for (;;) {
		clear_bit(VMRUN_REQ_EVENT, &vcpu->requests);
		smp_mb__after_atomic();	/* the bit before what it announces */
		vmrun_irqchip_vcpu_prepare(vcpu);

		vmrun_x86_accept_init_sipi(vcpu, ev, ops);
		ev->nmi_pending = min_t(unsigned int, 2, ev->nmi_pending +
					vmrun_irqchip_take_nmis(vcpu));

		if (vcpu->mp_state == KVM_MP_STATE_HALTED &&
		    vmrun_x86_halted_can_run(vcpu, ev))
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
			return VMRUN_X86_CONTINUE;

		if (vmrun_vcpu_halt(vcpu, vmrun_x86_halt_wakeup)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		/*
		 * Woken by a request that changed nothing for us (a PIC kick
		 * while interrupts are off, say): never spin the host CPU.
		 */
		cond_resched();
	}
}
EXPORT_SYMBOL_GPL(vmrun_x86_irqchip_events);

long vmrun_x86_get_mp_state(struct vmrun_vcpu *vcpu,
			    struct vmrun_x86_events *ev,
			    const struct vmrun_x86_reset_ops *ops,
			    void __user *argp)
{
	/* As KVM: an INIT or SIPI that came in counts already. */
	if (vcpu->apic)
		vmrun_x86_accept_init_sipi(vcpu, ev, ops);
	return put_user(vcpu->mp_state, (u32 __user *)argp);
}
EXPORT_SYMBOL_GPL(vmrun_x86_get_mp_state);

/*
 * KVM_SET_MP_STATE, as KVM 6.1 takes it: without an in-kernel LAPIC only
 * RUNNABLE; with one also HALTED and the two waits of an AP. A pending
 * SIPI (SIPI_RECEIVED) cannot be set here: the LAPIC model keeps that.
 */
long vmrun_x86_set_mp_state(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	switch (mp.mp_state) {
	case KVM_MP_STATE_RUNNABLE:
		break;
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
		if (!vcpu->apic)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	vcpu->mp_state = mp.mp_state;
	vmrun_vcpu_request(vcpu, VMRUN_REQ_EVENT);
	return 0;
}
EXPORT_SYMBOL_GPL(vmrun_x86_set_mp_state);

/*
 * After KVM_SET_CPUID2: the LAPIC may enter x2APIC mode only if the table
 * offers it (CPUID.1:ECX.x2APIC).
 */
void vmrun_x86_cpuid_applied(struct vmrun_vcpu *vcpu,
			     const struct vmrun_vcpu_cpuid *cpuid)
{
	bool x2apic = false;
	u32 i;

	for (i = 0; i < cpuid->nent; i++) {
		if (cpuid->entries[i].function == 1) {
			x2apic = cpuid->entries[i].ecx & BIT(21);
			break;
		}
	}
	vmrun_irqchip_set_x2apic_allowed(vcpu, x2apic);
}
EXPORT_SYMBOL_GPL(vmrun_x86_cpuid_applied);

/*
 * The interrupt state every exit to user space reports. The backend says
 * whether the guest can take an interrupt now and gives its own CR8 and
 * APIC base; the in-kernel LAPIC, where there is one, owns both instead.
 */
void vmrun_x86_report_events(struct vmrun_vcpu *vcpu,
			     const struct vmrun_x86_events *ev,
			     bool interruptible, u64 cr8, u64 apic_base)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(vcpu->regs.rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = interruptible &&
					     ev->irq_pending < 0;
	run->cr8 = cr8;
	run->apic_base = apic_base;
	if (vcpu->apic) {
		run->cr8 = vmrun_irqchip_get_cr8(vcpu);
		vmrun_irqchip_msr_read(vcpu, MSR_IA32_APICBASE, &run->apic_base);
	}
}
EXPORT_SYMBOL_GPL(vmrun_x86_report_events);
