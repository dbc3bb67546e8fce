// SPDX-License-Identifier: GPL-2.0
/*
 * interrupts - the events a user-space interrupt controller uses, without
 * KVM_CREATE_IRQCHIP: if_flag and ready_for_interrupt_injection on exits,
 * request_interrupt_window and KVM_EXIT_IRQ_WINDOW_OPEN, KVM_INTERRUPT,
 * KVM_NMI, and KVM_SET_VCPU_EVENTS injecting an interrupt, in a real-mode
 * guest with IVT handlers.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest.h"

extern const uint8_t intr_irq[], intr_nmi[];

GUEST_CODE(intr, ".code16",
	   "cli\n"
	   "out %al, $0x71\n"
	   "sti\n"
	   "nop\n"
	   "out %al, $0x72\n"
	   "out %al, $0x73\n"
	   "1: hlt\n jmp 1b\n"
	   ".global intr_irq\n intr_irq:\n"
	   "mov $0x20, %al\n out %al, $0x70\n iret\n"
	   ".global intr_nmi\n intr_nmi:\n"
	   "mov $0x02, %al\n out %al, $0x74\n iret\n");

static void set_ivt(struct guest_vm *g, int vector, const uint8_t *handler)
{
	uint16_t ent[2] = {
		(uint16_t)(handler - intr_start),	/* offset in CS */
		GUEST_CODE_GPA >> 4,			/* CS, as guest_load sets */
	};

	memcpy(g->mem + vector * 4, ent, sizeof(ent));
}

static bool expect_exit(struct guest_vm *g, int reason, const char *what)
{
	int r = guest_run(g);

	if (!tap_check(r == reason, "%s", what)) {
		tap_diag("  got %s (port 0x%x)", guest_exit_name(r), g->run->io.port);
		return false;
	}
	return true;
}

int main(void)
{
	int sys_fd = guest_open_dev();
	struct kvm_vcpu_events ev;
	struct kvm_interrupt irq = { .irq = 0x20 };
	struct guest_vm g;
	struct kvm_run *run;

	tap_plan(16);
	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, GUEST_REAL, intr_start, intr_end),
		       "real-mode guest with IVT handlers set up"))
		goto out;
	run = g.run;
	set_ivt(&g, 0x20, intr_irq);
	set_ivt(&g, 2, intr_nmi);

	/* AL is 0: guest_load clears the registers. */
	if (!guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x71, 1, 0, "after CLI"))
		goto out;
	tap_check(!run->if_flag && !run->ready_for_interrupt_injection,
		  "after CLI: if_flag 0, ready_for_interrupt_injection 0");

	run->request_interrupt_window = 1;
	if (!expect_exit(&g, KVM_EXIT_IRQ_WINDOW_OPEN,
			 "request_interrupt_window: KVM_EXIT_IRQ_WINDOW_OPEN once STI takes effect"))
		goto out;
	tap_check(run->if_flag && run->ready_for_interrupt_injection,
		  "window open: if_flag 1, ready_for_interrupt_injection 1");
	run->request_interrupt_window = 0;

	tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_INTERRUPT, &irq)),
		      "KVM_INTERRUPT vector 0x20");
	if (!guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x70, 1, 0x20,
			     "the guest's vector 0x20 handler runs"))
		goto out;
	if (!guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x72, 1, 0x20,
			     "IRET returns to the interrupted code"))
		goto out;
	if (!guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x73, 1, 0x20, "the code goes on"))
		goto out;

	tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_NMI)), "KVM_NMI");
	if (!guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x74, 1, 0x02,
			     "the guest's NMI handler runs"))
		goto out;
	if (!expect_exit(&g, KVM_EXIT_HLT, "after the NMI handler's IRET the guest halts"))
		goto out;

	memset(&ev, 0, sizeof(ev));
	ev.interrupt.injected = 1;
	ev.interrupt.nr = 0x20;
	tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_VCPU_EVENTS, &ev)),
		      "KVM_SET_VCPU_EVENTS with an injected interrupt");
	guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x70, 1, 0x20,
			"the interrupt set with KVM_SET_VCPU_EVENTS is delivered");

	memset(&ev, 0, sizeof(ev));
	ev.flags = 1u << 31;
	tap_expect_errno(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_VCPU_EVENTS, &ev)),
			 EINVAL, "KVM_SET_VCPU_EVENTS with an unknown flag -> EINVAL");
	memset(&ev, 0, sizeof(ev));
	ev.exception.injected = 1;
	ev.exception.nr = 2;
	tap_expect_errno(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_VCPU_EVENTS, &ev)),
			 EINVAL, "KVM_SET_VCPU_EVENTS injecting vector 2 as an exception -> EINVAL");
out:
	guest_vm_destroy(&g);
	close(sys_fd);
	return tap_finish();
}
