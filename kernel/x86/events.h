/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine-independent half of x86 event delivery (events.c): what
 * KVM_INTERRUPT and KVM_NMI leave pending, and the in-kernel irqchip's
 * side of the run loop (HLT waits, INIT and SIPI, NMIs from the LAPIC,
 * KVM_GET/SET_MP_STATE). The backend keeps what its hardware holds: the
 * injection field, interrupt and NMI windows, the interrupt shadow.
 * Everything here runs under vcpu->mutex.
 */
#ifndef VMRUN_X86_EVENTS_H
#define VMRUN_X86_EVENTS_H

#include <linux/compiler_types.h>
#include <linux/types.h>

struct vmrun_vcpu;
struct vmrun_vcpu_cpuid;

struct vmrun_x86_events {
	int irq_pending;	/* vector from KVM_INTERRUPT, or -1 */
	u8 nmi_pending;		/* at most 2: one in service, one latched */
	bool nmi_masked;	/* an NMI handler is running */
};

/* What INIT and SIPI do to the backend's state. */
struct vmrun_x86_reset_ops {
	/* INIT: RESET state but the TSC; also clears @ev via the caller. */
	void (*init)(struct vmrun_vcpu *vcpu);
	/* SIPI: real mode at CS = vector << 8, IP = 0. */
	void (*sipi)(struct vmrun_vcpu *vcpu, u8 vector);
};

/* The run loop's "go on" value, shared by both backends. */
#define VMRUN_X86_CONTINUE	1

void vmrun_x86_events_reset(struct vmrun_x86_events *ev);
long vmrun_x86_ioctl_interrupt(struct vmrun_vcpu *vcpu,
			       struct vmrun_x86_events *ev, void __user *argp);
long vmrun_x86_ioctl_nmi(struct vmrun_x86_events *ev);
void vmrun_x86_accept_init_sipi(struct vmrun_vcpu *vcpu,
				struct vmrun_x86_events *ev,
				const struct vmrun_x86_reset_ops *ops);
int vmrun_x86_irqchip_events(struct vmrun_vcpu *vcpu,
			     struct vmrun_x86_events *ev,
			     const struct vmrun_x86_reset_ops *ops);
long vmrun_x86_get_mp_state(struct vmrun_vcpu *vcpu,
			    struct vmrun_x86_events *ev,
			    const struct vmrun_x86_reset_ops *ops,
			    void __user *argp);
long vmrun_x86_set_mp_state(struct vmrun_vcpu *vcpu, void __user *argp);
void vmrun_x86_report_events(struct vmrun_vcpu *vcpu,
			     const struct vmrun_x86_events *ev,
			     bool interruptible, u64 cr8, u64 apic_base);
void vmrun_x86_cpuid_applied(struct vmrun_vcpu *vcpu,
			     const struct vmrun_vcpu_cpuid *cpuid);

#endif /* VMRUN_X86_EVENTS_H */
