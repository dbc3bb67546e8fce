// SPDX-License-Identifier: GPL-2.0
/*
 * irq_eventfd - the eventfd paths around the in-kernel irqchip, with a
 * 32-bit guest:
 *
 *  - KVM_IRQFD on GSI 20 (IOAPIC pin 20, edge): a write to the eventfd
 *    raises the guest's interrupt; after deassign a write does nothing.
 *  - KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE on level GSI 21: the interrupt
 *    is taken, the resample eventfd stays quiet until the guest's EOI and
 *    is signalled by it, and the line is not delivered again.
 *  - KVM_IOEVENTFD on PIO port 0x600 (any data) and 0x602 (datamatch
 *    0x1234), then on MMIO 0xe0000000 (any data) and 0xe0001000
 *    (datamatch 0xabcd): the guest's writes signal the eventfds without
 *    any exit to user space (the first exit after them is the write that
 *    does not match), and the counters hold the number of writes.
 *  - KVM_SIGNAL_MSI delivers its vector.
 *  - KVM_SET_GSI_ROUTING with an MSI route on GSI 40, plus KVM_IRQFD on it.
 *
 * Skips (exit 4) where KVM_CAP_IRQCHIP, KVM_CAP_IRQFD or KVM_CAP_IOEVENTFD
 * is not offered; the resample, MSI and routing parts skip their checks
 * when their own capability is missing.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "irqguest.h"

#define NWRITES		20
#define F_RESAMPLE	1
#define F_MSI		2
#define F_ROUTING	4
#define MMIO_GPA	0xe0000000u

GUEST_CODE(efd, ".code32", IRQ_ASM_MACROS
	   "apic_wr 0xf0, $0x1ff\n"
	   "ioapic_wr $0x38, $0x70\n"		/* pin 20: edge, 0x70 */
	   "ioapic_wr $0x39, $0\n"
	   "ioapic_wr $0x3a, $0x8071\n"		/* pin 21: level, 0x71 */
	   "ioapic_wr $0x3b, $0\n"
	   "report 1\n"				/* host: irqfd, write */
	   "waitfor 0x70, $1\n"
	   "cnt 0x70\n report 2\n"
	   "report 3\n"				/* host: deassign, write */
	   "take\n"
	   "cnt 0x70\n report 4\n"
	   "testl $" IRQ_STR(F_RESAMPLE) ", %fs:0x900\n jz 1f\n"
	   "eoi_mode $2\n"
	   "report 5\n"				/* host: resample irqfd, write */
	   "waitfor 0x71, $1\n"
	   "cnt 0x71\n report 6\n"
	   "apic_wr 0xb0, $0\n"
	   "report 7\n"
	   "take\n"
	   "cnt 0x71\n report 8\n"
	   "eoi_mode $0\n"
	   "1: report 9\n"			/* host: PIO ioeventfds */
	   "mov $0x600, %dx\n mov $" IRQ_STR(NWRITES) ", %ecx\n"
	   "2: outw %ax, %dx\n loop 2b\n"
	   "mov $0x602, %dx\n mov $0x1234, %ax\n outw %ax, %dx\n"
	   "mov $0x4321, %ax\n outw %ax, %dx\n"
	   "report 10\n"			/* host: MMIO ioeventfds */
	   "mov $" IRQ_STR(NWRITES) ", %ecx\n"
	   "3: movl $0x55, 0xe0000000\n loop 3b\n"
	   "movl $0xabcd, 0xe0001000\n"
	   "movl $0x1, 0xe0001000\n"
	   "report 11\n"
	   "testl $" IRQ_STR(F_MSI) ", %fs:0x900\n jz 4f\n"
	   "report 12\n"			/* host: KVM_SIGNAL_MSI */
	   "waitfor 0x74, $1\n"
	   "cnt 0x74\n report 13\n"
	   "4: testl $" IRQ_STR(F_ROUTING) ", %fs:0x900\n jz 5f\n"
	   "report 14\n"			/* host: MSI route + irqfd */
	   "waitfor 0x75, $1\n"
	   "cnt 0x75\n report 15\n"
	   "5: done\n");

#define STEP(n, what)							\
	do {								\
		if (!irq_expect(&g, (n), &v, (what)))			\
			goto out;					\
	} while (0)

static void kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, 8) != 8)
		tap_diag("eventfd write: %s", tap_errname(errno));
}

/* The eventfd's counter (read resets it); 0 if it was never signalled. */
static uint64_t drain(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, 8) != 8)
		return 0;
	return n;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static struct tap_res ioeventfd(struct guest_vm *g, uint64_t addr, uint32_t len,
				int fd, uint32_t flags, uint64_t match)
{
	struct kvm_ioeventfd io = {
		.datamatch = match, .addr = addr, .len = len, .fd = fd,
		.flags = flags | (match ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0),
	};

	return TAP_CALL(ioctl(g->vm_fd, KVM_IOEVENTFD, &io));
}

int main(void)
{
	int sys_fd = guest_open_dev();
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int rfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int ifd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int pfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int pmfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int mfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int mmfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int rtfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct kvm_irqfd irqfd;
	struct guest_vm g;
	uint32_t v, flags = 0, i;
	uint64_t n1, n2;
	struct kvm_run *run;
	int r;

	irq_require_cap(sys_fd, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP");
	irq_require_cap(sys_fd, KVM_CAP_IRQFD, "KVM_CAP_IRQFD");
	irq_require_cap(sys_fd, KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD");
	if (irq_cap(sys_fd, KVM_CAP_IRQFD_RESAMPLE) > 0)
		flags |= F_RESAMPLE;
	if (irq_cap(sys_fd, KVM_CAP_SIGNAL_MSI) > 0)
		flags |= F_MSI;
	if (irq_cap(sys_fd, KVM_CAP_IRQ_ROUTING) > 0)
		flags |= F_ROUTING;
	tap_plan(21);

	if (!tap_check(efd >= 0 && rfd >= 0 && ifd >= 0 && pfd >= 0 &&
		       pmfd >= 0 && mfd >= 0 && mmfd >= 0 && rtfd >= 0 &&
		       irq_vm_create(&g, sys_fd, true) &&
		       guest_load(&g, GUEST_PROT32, efd_start, efd_end) &&
		       irq_setup_cpu(&g, 0, GUEST_STACK_TOP, 0),
		       "eventfds; KVM_CREATE_IRQCHIP, then a vCPU in 32-bit protected mode with an IDT"))
		goto out;
	run = g.run;
	irq_data(&g, 0)[IRQ_D_FLAGS / 4] = flags;

	/* Plain irqfd. */
	STEP(1, "pin 20 programmed");
	irqfd = (struct kvm_irqfd){ .fd = efd, .gsi = 20 };
	tap_expect_ok(TAP_CALL(ioctl(g.vm_fd, KVM_IRQFD, &irqfd)),
		      "KVM_IRQFD: eventfd on GSI 20");
	kick(efd);
	STEP(2, "irqfd interrupt");
	tap_expect_eq(v, 1, "a write to the eventfd raises GSI 20: the guest takes vector 0x70 once");
	STEP(3, "before deassign");
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	tap_expect_ok(TAP_CALL(ioctl(g.vm_fd, KVM_IRQFD, &irqfd)),
		      "KVM_IRQFD_FLAG_DEASSIGN");
	kick(efd);
	usleep(50 * 1000);
	STEP(4, "after deassign");
	tap_expect_eq(v, 1, "after deassign a write to the eventfd raises nothing");

	/* Resample. */
	if (flags & F_RESAMPLE) {
		STEP(5, "pin 21 programmed");
		irqfd = (struct kvm_irqfd){
			.fd = ifd, .gsi = 21, .flags = KVM_IRQFD_FLAG_RESAMPLE,
			.resamplefd = rfd,
		};
		tap_expect_ok(TAP_CALL(ioctl(g.vm_fd, KVM_IRQFD, &irqfd)),
			      "KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE on level GSI 21");
		kick(ifd);
		STEP(6, "resample irqfd interrupt");
		tap_expect_eq(v, 1, "the level interrupt (vector 0x71) is taken once");
		tap_check(!readable(rfd, 0), "the resample eventfd is quiet before the guest's EOI");
		STEP(7, "after EOI");
		tap_check(readable(rfd, 1000) && drain(rfd) >= 1,
			  "the guest's EOI signals the resample eventfd");
		STEP(8, "after resample");
		tap_expect_eq(v, 1, "the line was lowered at the EOI: no second delivery");
	} else {
		for (i = 0; i < 5; i++)
			tap_skip("KVM_CAP_IRQFD_RESAMPLE is not offered", "resample check %u", i + 1);
	}

	/* PIO ioeventfds. */
	STEP(9, "before PIO ioeventfds");
	{
		struct tap_res a = ioeventfd(&g, 0x600, 2, pfd, KVM_IOEVENTFD_FLAG_PIO, 0);
		struct tap_res b = ioeventfd(&g, 0x602, 2, pmfd, KVM_IOEVENTFD_FLAG_PIO, 0x1234);

		if (!tap_check(!a.ret && !b.ret,
			       "KVM_IOEVENTFD: PIO port 0x600 (2 bytes), port 0x602 with datamatch 0x1234"))
			tap_diag("  %s; %s", tap_res_str(a), tap_res_str(b));
	}
	r = guest_run_thread(&g, GUEST_RUN_TIMEOUT);
	{
		uint16_t data = 0;

		if (r == KVM_EXIT_IO)
			memcpy(&data, (uint8_t *)run + run->io.data_offset, 2);
		if (!tap_check(r == KVM_EXIT_IO && run->io.port == 0x602 &&
			       run->io.size == 2 && data == 0x4321,
			       "%d OUTs to 0x600 and the matching OUT to 0x602 stay in the kernel; the first exit is the non-matching OUT 0x4321 to 0x602",
			       NWRITES))
			irq_diag_exit(&g, r);
	}
	STEP(10, "after PIO writes");
	n1 = drain(pfd);
	n2 = drain(pmfd);
	if (!tap_check(n1 == NWRITES && n2 == 1,
		       "the eventfds counted %d writes to 0x600 and 1 matching write to 0x602",
		       NWRITES))
		tap_diag("  %llu and %llu", (unsigned long long)n1,
			 (unsigned long long)n2);

	/* MMIO ioeventfds, registered at the report on step 10. */
	{
		struct tap_res a = ioeventfd(&g, MMIO_GPA, 4, mfd, 0, 0);
		struct tap_res b = ioeventfd(&g, MMIO_GPA + 0x1000, 4, mmfd, 0, 0xabcd);

		if (!tap_check(!a.ret && !b.ret,
			       "KVM_IOEVENTFD: MMIO 0x%x (4 bytes), 0x%x with datamatch 0xabcd",
			       MMIO_GPA, MMIO_GPA + 0x1000))
			tap_diag("  %s; %s", tap_res_str(a), tap_res_str(b));
	}
	r = guest_run_thread(&g, GUEST_RUN_TIMEOUT);
	{
		uint32_t data = 0;

		if (r == KVM_EXIT_MMIO)
			memcpy(&data, run->mmio.data, 4);
		if (!tap_check(r == KVM_EXIT_MMIO && run->mmio.is_write &&
			       run->mmio.phys_addr == MMIO_GPA + 0x1000 &&
			       run->mmio.len == 4 && data == 1,
			       "%d MMIO writes and the matching one stay in the kernel; the first exit is the non-matching write of 1",
			       NWRITES))
			irq_diag_exit(&g, r);
	}
	STEP(11, "after MMIO writes");
	n1 = drain(mfd);
	n2 = drain(mmfd);
	if (!tap_check(n1 == NWRITES && n2 == 1,
		       "the eventfds counted %d MMIO writes and 1 matching write",
		       NWRITES))
		tap_diag("  %llu and %llu", (unsigned long long)n1,
			 (unsigned long long)n2);

	if (flags & F_MSI) {
		struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x74 };

		STEP(12, "before MSI");
		r = ioctl(g.vm_fd, KVM_SIGNAL_MSI, &msi);
		if (!tap_check(r > 0, "KVM_SIGNAL_MSI to APIC 0, vector 0x74: delivered (> 0)"))
			tap_diag("  returned %d (%s)", r, r < 0 ? tap_errname(errno) : "");
		STEP(13, "MSI taken");
		tap_expect_eq(v, 1, "the guest takes vector 0x74 once");
	} else {
		tap_skip("KVM_CAP_SIGNAL_MSI is not offered", "KVM_SIGNAL_MSI");
		tap_skip("KVM_CAP_SIGNAL_MSI is not offered", "MSI taken");
	}

	if (flags & F_ROUTING) {
		struct {
			struct kvm_irq_routing r;
			struct kvm_irq_routing_entry e[1];
		} rt;

		STEP(14, "before routing");
		memset(&rt, 0, sizeof(rt));
		rt.r.nr = 1;
		rt.e[0].gsi = 40;
		rt.e[0].type = KVM_IRQ_ROUTING_MSI;
		rt.e[0].u.msi.address_lo = 0xfee00000;
		rt.e[0].u.msi.data = 0x75;
		tap_expect_ok(TAP_CALL(ioctl(g.vm_fd, KVM_SET_GSI_ROUTING, &rt)),
			      "KVM_SET_GSI_ROUTING: GSI 40 is an MSI to APIC 0, vector 0x75");
		irqfd = (struct kvm_irqfd){ .fd = rtfd, .gsi = 40 };
		tap_expect_ok(TAP_CALL(ioctl(g.vm_fd, KVM_IRQFD, &irqfd)),
			      "KVM_IRQFD on GSI 40");
		kick(rtfd);
		STEP(15, "routed MSI taken");
		tap_expect_eq(v, 1, "a write to GSI 40's eventfd delivers the MSI: vector 0x75 once");
	} else {
		for (i = 0; i < 3; i++)
			tap_skip("KVM_CAP_IRQ_ROUTING is not offered", "routing check %u", i + 1);
	}
	irq_expect(&g, 0xff, NULL, "done");
out:
	guest_vm_destroy(&g);
	close(sys_fd);
	return tap_finish();
}
