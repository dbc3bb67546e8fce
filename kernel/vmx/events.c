// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event injection on VT-x: what x86/events.c leaves pending (KVM_INTERRUPT,
 * KVM_NMI, the in-kernel LAPIC's interrupts) goes into the VM-entry
 * interruption-information field when the guest can take it; until then
 * an interrupt window or an NMI window (virtual NMIs) exits as soon as it
 * can. KVM_GET/SET_VCPU_EVENTS read and write the same fields.
 *
 * The guest's NMI blocking lives in the VMCS (interruptibility state, bit
 * 3, set on NMI delivery and cleared by the guest's IRET: that is what
 * virtual NMIs give); ev.nmi_masked mirrors it after every exit.
 */
#include <linux/uaccess.h>
#include <asm/traps.h>
#include <vmrun/core.h>

#include "../irq/irqchip.h"
#include "vmx.h"

#define VMX_BLOCKED_BY_SHADOW	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

static bool vmx_event_queued(struct vmx_vcpu *vmx)
{
	return vmx_vmcs_read(vmx, VM_ENTRY_INTR_INFO_FIELD) &
	       INTR_INFO_VALID_MASK;
}

static void vmx_window(struct vmx_vcpu *vmx, u32 bit, bool on)
{
	u32 proc = on ? vmx->proc | bit : vmx->proc & ~bit;

	if (proc != vmx->proc) {
		vmx->proc = proc;
		vmx_vmcs_write(vmx, CPU_BASED_VM_EXEC_CONTROL, proc);
	}
}

/* Could the guest take an external interrupt at its next instruction? */
static bool vmx_interruptible(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	return (vcpu->regs.rflags & X86_EFLAGS_IF) &&
	       !(vmx_vmcs_read(vmx, GUEST_INTERRUPTIBILITY_INFO) &
		 VMX_BLOCKED_BY_SHADOW) &&
	       !vmx_event_queued(vmx);
}

static void vmx_queue(struct vmx_vcpu *vmx, u8 vector, u32 type)
{
	vmx_vmcs_write(vmx, VM_ENTRY_INTR_INFO_FIELD,
		       vector | (type << 8) | INTR_INFO_VALID_MASK);
}

/* After each exit: the guest's IRET may have ended its NMI blocking. */
void vmx_sync_events(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->ev.nmi_masked = vmx_vmcs_read(vmx, GUEST_INTERRUPTIBILITY_INFO) &
			     GUEST_INTR_STATE_NMI;
}

/* Before each entry: queue what is pending, arm the windows needed. */
void vmx_prepare_events(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmrun_x86_events *ev = &vmx->ev;
	bool want_window = READ_ONCE(vcpu->run->request_interrupt_window);
	u32 intr = vmx_vmcs_read(vmx, GUEST_INTERRUPTIBILITY_INFO);
	bool nmi_window = false;

	if (ev->nmi_pending && !ev->nmi_masked) {
		/* VM entry refuses an NMI under MOV SS or NMI blocking. */
		if (!vmx_event_queued(vmx) &&
		    !(intr & (VMX_BLOCKED_BY_SHADOW | GUEST_INTR_STATE_NMI))) {
			vmx_queue(vmx, NMI_VECTOR, VMX_TYPE_NMI);
			ev->nmi_pending--;
			ev->nmi_masked = true;
		} else {
			nmi_window = true;
		}
	}
	/* KVM_INTERRUPT's vector; VM entry would refuse it with IF clear. */
	if (ev->irq_pending >= 0) {
		if (vmx_interruptible(vcpu)) {
			vmx_queue(vmx, ev->irq_pending, VMX_TYPE_EXT_INTR);
			ev->irq_pending = -1;
		} else {
			want_window = true;
		}
	}

	/*
	 * The in-kernel irqchip: acknowledged only when injected, so that a
	 * higher one arriving meanwhile wins, as on hardware.
	 */
	if (vcpu->apic && vmrun_irqchip_irq_pending(vcpu)) {
		int vector = -1;

		if (vmx_interruptible(vcpu))
			vector = vmrun_irqchip_irq_ack(vcpu);
		if (vector >= 0)
			vmx_queue(vmx, vector, VMX_TYPE_EXT_INTR);
		else if (!vmx_interruptible(vcpu))
			want_window = true;
	}

	vmx_window(vmx, CPU_BASED_INTR_WINDOW_EXITING, want_window);
	vmx_window(vmx, CPU_BASED_NMI_WINDOW_EXITING, nmi_window);
}

/* EXIT_REASON_INTERRUPT_WINDOW: the guest can take an interrupt now. */
int vmx_exit_intr_window(struct vmrun_vcpu *vcpu)
{
	vmx_window(to_vmx(vcpu), CPU_BASED_INTR_WINDOW_EXITING, false);
	if (READ_ONCE(vcpu->run->request_interrupt_window) &&
	    vmx_interruptible(vcpu) && to_vmx(vcpu)->ev.irq_pending < 0) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return VMRUN_X86_CONTINUE;
}

/* EXIT_REASON_NMI_WINDOW: the NMI goes in at the next entry. */
int vmx_exit_nmi_window(struct vmrun_vcpu *vcpu)
{
	vmx_window(to_vmx(vcpu), CPU_BASED_NMI_WINDOW_EXITING, false);
	return VMRUN_X86_CONTINUE;
}

/* The interrupt state every exit to user space reports. */
void vmx_report_events(struct vmrun_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmrun_x86_report_events(vcpu, &vmx->ev, vmx_interruptible(vcpu),
				vmx->cr8, vmx->apic_base);
}

long vmx_get_vcpu_events(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = vmx_vmcs_read(vmx, VM_ENTRY_INTR_INFO_FIELD);
	u32 intr = vmx_vmcs_read(vmx, GUEST_INTERRUPTIBILITY_INFO);
	struct kvm_vcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	if (info & INTR_INFO_VALID_MASK) {
		switch (VMX_INTR_TYPE(info)) {
		case VMX_TYPE_HW_EXCEPTION:
			ev.exception.injected = 1;
			ev.exception.nr = info & 0xff;
			ev.exception.has_error_code =
				!!(info & INTR_INFO_DELIVER_CODE_MASK);
			ev.exception.error_code =
				vmx_vmcs_read(vmx, VM_ENTRY_EXCEPTION_ERROR_CODE);
			break;
		case VMX_TYPE_EXT_INTR:
			ev.interrupt.injected = 1;
			ev.interrupt.nr = info & 0xff;
			break;
		case VMX_TYPE_NMI:
			ev.nmi.injected = 1;
			break;
		}
	}
	if (intr & GUEST_INTR_STATE_MOV_SS)
		ev.interrupt.shadow |= KVM_X86_SHADOW_INT_MOV_SS;
	if (intr & GUEST_INTR_STATE_STI)
		ev.interrupt.shadow |= KVM_X86_SHADOW_INT_STI;
	ev.nmi.pending = vmx->ev.nmi_pending;
	ev.nmi.masked = !!(intr & GUEST_INTR_STATE_NMI);
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	return copy_to_user(argp, &ev, sizeof(ev)) ? -EFAULT : 0;
}

long vmx_set_vcpu_events(struct vmrun_vcpu *vcpu, void __user *argp)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 intr = vmx_vmcs_read(vmx, GUEST_INTERRUPTIBILITY_INFO);
	struct kvm_vcpu_events ev;
	u32 info = 0;

	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	/* No SMM, no exception payloads, no SIPI. */
	if (ev.flags & ~(KVM_VCPUEVENT_VALID_NMI_PENDING |
			 KVM_VCPUEVENT_VALID_SHADOW))
		return -EINVAL;
	if (ev.exception.injected &&
	    (ev.exception.nr > 31 || ev.exception.nr == NMI_VECTOR))
		return -EINVAL;

	if (ev.exception.injected) {
		info = ev.exception.nr | (VMX_TYPE_HW_EXCEPTION << 8) |
		       INTR_INFO_VALID_MASK;
		/* Real mode pushes no error code; VM entry insists. */
		if (ev.exception.has_error_code &&
		    (vmx_guest_cr0(vmx) & X86_CR0_PE)) {
			info |= INTR_INFO_DELIVER_CODE_MASK;
			vmx_vmcs_write(vmx, VM_ENTRY_EXCEPTION_ERROR_CODE,
				       ev.exception.error_code);
		}
	} else if (ev.nmi.injected) {
		info = NMI_VECTOR | (VMX_TYPE_NMI << 8) | INTR_INFO_VALID_MASK;
	} else if (ev.interrupt.injected) {
		info = ev.interrupt.nr | (VMX_TYPE_EXT_INTR << 8) |
		       INTR_INFO_VALID_MASK;
	}
	vmx_vmcs_write(vmx, VM_ENTRY_INTR_INFO_FIELD, info);
	if (ev.flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		vmx->ev.nmi_pending = min_t(u8, ev.nmi.pending, 2);
	vmx->ev.nmi_masked = ev.nmi.masked;
	intr &= ~GUEST_INTR_STATE_NMI;
	if (ev.nmi.masked)
		intr |= GUEST_INTR_STATE_NMI;
	if (ev.flags & KVM_VCPUEVENT_VALID_SHADOW) {
		intr &= ~VMX_BLOCKED_BY_SHADOW;
		/* STI blocking with IF clear fails VM entry: MOV SS then. */
		if (ev.interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
			intr |= GUEST_INTR_STATE_MOV_SS;
		else if (ev.interrupt.shadow & KVM_X86_SHADOW_INT_STI)
			intr |= (vcpu->regs.rflags & X86_EFLAGS_IF) ?
				GUEST_INTR_STATE_STI : GUEST_INTR_STATE_MOV_SS;
	}
	vmx_vmcs_write(vmx, GUEST_INTERRUPTIBILITY_INFO, intr);
	return 0;
}
