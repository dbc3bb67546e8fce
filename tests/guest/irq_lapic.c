// SPDX-License-Identifier: GPL-2.0
/*
 * irq_lapic - the in-kernel local APIC, seen from a 32-bit protected-mode
 * guest (KVM_CREATE_IRQCHIP before the vCPU): the xAPIC's ID and version,
 * a self-IPI through the ICR (pending in IRR while IF=0, in service until
 * EOI), TPR holding back a lower priority class until lowered, the timer
 * one-shot (its current count going down, one interrupt only) and periodic
 * (N interrupts, then masked and stopped), HLT with IF=1 waiting in the
 * kernel for the timer (no KVM_EXIT_HLT), KVM_GET_LAPIC / KVM_SET_LAPIC
 * from the host (a round trip changes nothing; a new ID and TPR reach the
 * guest), and x2APIC mode through IA32_APIC_BASE with the SELF_IPI MSR and
 * the x2APIC ICR, when KVM_GET_SUPPORTED_CPUID offers x2APIC.
 *
 * Skips (exit 4) where KVM_CAP_IRQCHIP is not offered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "irqguest.h"

#define ONESHOT_COUNT	100000000u	/* 100 ms at KVM's 1 GHz APIC bus */
#define PERIOD_COUNT	2000000u	/* 2 ms */
#define PERIOD_MS	2
#define PERIODIC_N	10

GUEST_CODE(lap, ".code32", IRQ_ASM_MACROS
	   "apic_wr 0xf0, $0x1ff\n"		/* SVR: enabled, spurious 0xff */
	   "apic_rd 0x20\n report 1\n"
	   "apic_rd 0x30\n report 2\n"
	   /* Self-IPI 0x40 with IF=0, handler without EOI. */
	   "eoi_mode $2\n"
	   "apic_wr 0x300, $0x40040\n"
	   "apic_rd 0x220\n report 3\n"
	   "cnt 0x40\n report 4\n"
	   "take\n"
	   "cnt 0x40\n report 5\n"
	   "apic_rd 0x120\n report 6\n"
	   "apic_wr 0xb0, $0\n"
	   "apic_rd 0x120\n report 7\n"
	   "eoi_mode $0\n"
	   /* TPR 0x50 holds back class 4 (0x45), not class 6 (0x65). */
	   "apic_wr 0x80, $0x50\n"
	   "apic_rd 0xa0\n report 8\n"
	   "apic_wr 0x300, $0x40045\n"
	   "take\n"
	   "cnt 0x45\n report 9\n"
	   "apic_rd 0x220\n report 10\n"
	   "apic_wr 0x300, $0x40065\n"
	   "take\n"
	   "cnt 0x65\n report 11\n"
	   "cnt 0x45\n report 12\n"
	   "apic_wr 0x80, $0\n"
	   "take\n"
	   "cnt 0x45\n report 13\n"
	   /* One-shot timer, divide by 1. */
	   "apic_wr 0x3e0, $0xb\n"
	   "apic_wr 0x320, $0x50\n"
	   "apic_wr 0x380, $" IRQ_STR(ONESHOT_COUNT) "\n"
	   "apic_rd 0x390\n mov %eax, %ebx\n"
	   "apic_rd 0x390\n mov %eax, %ecx\n"
	   "mov %ebx, %eax\n report 20\n"
	   "mov %ecx, %eax\n report 21\n"
	   "sti\n hlt\n cli\n"
	   "cnt 0x50\n report 22\n"
	   "apic_rd 0x390\n report 23\n"
	   "take\n"				/* the host waited meanwhile */
	   "cnt 0x50\n report 24\n"
	   /* Periodic timer. */
	   "apic_wr 0x320, $0x20051\n"
	   "apic_wr 0x380, $" IRQ_STR(PERIOD_COUNT) "\n"
	   "report 25\n"
	   "waitfor 0x51, $" IRQ_STR(PERIODIC_N) "\n"
	   "apic_wr 0x320, $0x30051\n"		/* masked */
	   "apic_wr 0x380, $0\n"		/* stopped */
	   "cnt 0x51\n report 26\n"
	   "take\n"
	   "cnt 0x51\n report 27\n"
	   /* After the host's KVM_SET_LAPIC. */
	   "apic_rd 0x20\n report 30\n"
	   "apic_rd 0x80\n report 31\n"
	   "apic_rd 0xf0\n report 32\n"
	   "apic_wr 0x80, $0\n"
	   "apic_wr 0x20, $0\n"
	   "apic_wr 0x300, $0x40042\n"
	   "take\n"
	   "cnt 0x42\n report 33\n"
	   /* x2APIC, if the host enabled it in CPUID. */
	   "cmpl $0, %fs:0x900\n"
	   "je 5f\n"
	   "mov $0x1b, %ecx\n rdmsr\n or $0xc00, %eax\n wrmsr\n"
	   "mov $0x1b, %ecx\n rdmsr\n report 40\n"
	   "eoi_mode $1\n"
	   "mov $0x802, %ecx\n rdmsr\n report 41\n"
	   "mov $0x80f, %ecx\n rdmsr\n report 42\n"
	   "mov $0x83f, %ecx\n mov $0x61, %eax\n xor %edx, %edx\n wrmsr\n"
	   "take\n"
	   "cnt 0x61\n report 43\n"
	   "mov $0x813, %ecx\n rdmsr\n report 44\n"
	   "mov $0x830, %ecx\n mov $0x62, %eax\n xor %edx, %edx\n wrmsr\n"
	   "take\n"
	   "cnt 0x62\n report 45\n"
	   "5: done\n");

#define STEP(n, what)							\
	do {								\
		if (!irq_expect(&g, (n), &v, (what)))			\
			goto out;					\
	} while (0)

/* Enable x2APIC in the guest's CPUID if KVM offers it; false if not. */
static bool set_x2apic_cpuid(struct guest_vm *g, const char **why)
{
	struct kvm_cpuid2 *c;
	bool ok = false;
	unsigned int i;

	c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	if (!c)
		return false;
	c->nent = 256;
	if (ioctl(g->sys_fd, KVM_GET_SUPPORTED_CPUID, c)) {
		*why = "KVM_GET_SUPPORTED_CPUID fails";
		goto out;
	}
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			ok = c->entries[i].ecx & (1u << 21);
	if (!ok) {
		*why = "KVM_GET_SUPPORTED_CPUID does not offer x2APIC";
		goto out;
	}
	if (ioctl(g->vcpu_fd, KVM_SET_CPUID2, c)) {
		*why = "KVM_SET_CPUID2 fails";
		ok = false;
	}
out:
	free(c);
	return ok;
}

static uint32_t reg(const struct kvm_lapic_state *s, unsigned int off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, 4);
	return v;
}

static void set_reg(struct kvm_lapic_state *s, unsigned int off, uint32_t v)
{
	memcpy(s->regs + off, &v, 4);
}

int main(void)
{
	int sys_fd = guest_open_dev();
	struct kvm_lapic_state a, b;
	const char *no_x2apic = NULL;
	volatile uint32_t *d;
	struct guest_vm g;
	bool x2apic;
	double t0, t1;
	uint32_t v, c1, c2, n;

	irq_require_cap(sys_fd, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP");
	tap_plan(38);

	if (!tap_check(irq_vm_create(&g, sys_fd, true) &&
		       guest_load(&g, GUEST_PROT32, lap_start, lap_end) &&
		       irq_setup_cpu(&g, 0, GUEST_STACK_TOP, 0),
		       "KVM_CREATE_IRQCHIP, then a vCPU in 32-bit protected mode with an IDT"))
		goto out;
	d = irq_data(&g, 0);
	x2apic = set_x2apic_cpuid(&g, &no_x2apic);
	d[IRQ_D_FLAGS / 4] = x2apic;

	STEP(1, "xAPIC ID");
	tap_expect_eq(v >> 24, 0, "xAPIC ID register of vCPU 0 reads 0");
	STEP(2, "xAPIC version");
	if (!tap_check((v & 0xff) >= 0x10 && (v & 0xff) <= 0x15 &&
		       ((v >> 16) & 0xff) >= 3,
		       "version register: an integrated APIC (0x1x), at least 4 LVT entries"))
		tap_diag("  version 0x%08x", v);

	STEP(3, "IRR after self-IPI");
	tap_expect_eq(v & 1, 1, "self-IPI through the ICR with IF=0: vector 0x40 pending in IRR");
	STEP(4, "count before STI");
	tap_expect_eq(v, 0, "not delivered while IF=0");
	STEP(5, "count after STI");
	tap_expect_eq(v, 1, "delivered once when the guest sets IF");
	STEP(6, "ISR before EOI");
	tap_expect_eq(v & 1, 1, "vector 0x40 in service (ISR) until the guest's EOI");
	STEP(7, "ISR after EOI");
	tap_expect_eq(v & 1, 0, "EOI clears it from ISR");

	STEP(8, "PPR");
	tap_expect_eq(v, 0x50, "TPR 0x50: PPR reads 0x50");
	STEP(9, "class 4 under TPR 0x50");
	tap_expect_eq(v, 0, "TPR 0x50 holds back vector 0x45 (class 4)");
	STEP(10, "IRR under TPR");
	tap_expect_eq((v >> 5) & 1, 1, "vector 0x45 stays pending in IRR");
	STEP(11, "class 6 under TPR 0x50");
	tap_expect_eq(v, 1, "vector 0x65 (class 6) is delivered under TPR 0x50");
	STEP(12, "class 4 still held");
	tap_expect_eq(v, 0, "vector 0x45 still held back");
	STEP(13, "class 4 after TPR 0");
	tap_expect_eq(v, 1, "TPR lowered to 0: vector 0x45 is delivered");
	if (!tap_check(d[IRQ_D_LOG_N / 4] == 3 && d[IRQ_D_LOG(0) / 4] == 0x40 &&
		       d[IRQ_D_LOG(1) / 4] == 0x65 && d[IRQ_D_LOG(2) / 4] == 0x45,
		       "the guest took exactly 0x40, 0x65, 0x45, in that order"))
		tap_diag("  %u entries: 0x%x 0x%x 0x%x", d[IRQ_D_LOG_N / 4],
			 d[IRQ_D_LOG(0) / 4], d[IRQ_D_LOG(1) / 4],
			 d[IRQ_D_LOG(2) / 4]);

	STEP(20, "timer current count");
	c1 = v;
	STEP(21, "timer current count again");
	c2 = v;
	if (!tap_check(c1 <= ONESHOT_COUNT && c2 < c1 && c2 > 0,
		       "one-shot timer: the current-count register goes down from the initial count"))
		tap_diag("  initial %u, read %u then %u", ONESHOT_COUNT, c1, c2);
	t0 = irq_now();
	STEP(22, "after HLT");
	t1 = irq_now();
	tap_expect_eq(v, 1, "HLT with IF=1 waits in the kernel until the one-shot timer fires (no KVM_EXIT_HLT; the timer's vector woke it)");
	tap_diag("HLT until the 100 ms one-shot: %.1f ms in KVM_RUN", (t1 - t0) * 1e3);
	STEP(23, "current count after expiry");
	tap_expect_eq(v, 0, "the current count reads 0 after the one-shot expired");
	usleep(150 * 1000);
	STEP(24, "one-shot count later");
	tap_expect_eq(v, 1, "150 ms later the one-shot timer has fired only once");

	STEP(25, "periodic timer armed");
	t0 = irq_now();
	STEP(26, "periodic timer count");
	t1 = irq_now();
	n = v;
	tap_expect_range(n, PERIODIC_N, PERIODIC_N + 1,
			 "periodic timer (2 ms) woke HLT %d times, then masked and stopped",
			 PERIODIC_N);
	if (!tap_check(t1 - t0 >= (PERIODIC_N - 1) * PERIOD_MS / 1e3,
		       "periodic: %d interrupts took at least %d periods",
		       PERIODIC_N, PERIODIC_N - 1))
		tap_diag("  %.2f ms", (t1 - t0) * 1e3);
	tap_diag("periodic timer: %d interrupts of 2 ms in %.1f ms", PERIODIC_N,
		 (t1 - t0) * 1e3);
	{
		unsigned int i, others = 0, k = d[IRQ_D_LOG_N / 4];

		for (i = 3 + 1; i < k; i++)	/* after 0x40 0x65 0x45 0x50 */
			if (d[IRQ_D_LOG(i) / 4] != 0x51)
				others++;
		if (!tap_check(k == 4 + n && d[IRQ_D_LOG(3) / 4] == 0x50 && !others,
			       "the log holds the one-shot's 0x50 once, then only 0x51"))
			tap_diag("  %u entries, %u unexpected", k, others);
	}
	usleep(20 * 1000);
	STEP(27, "periodic count later");
	tap_expect_eq(v, n, "masked and stopped: no more periodic interrupts");

	/* KVM_GET_LAPIC / KVM_SET_LAPIC. */
	if (!tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_GET_LAPIC, &a)),
			   "KVM_GET_LAPIC"))
		goto out;
	if (!tap_check(reg(&a, 0x20) == 0 && reg(&a, 0xf0) == 0x1ff &&
		       reg(&a, 0x80) == 0 && (reg(&a, 0x320) & 0x100ff) == 0x10051,
		       "KVM_GET_LAPIC shows the guest's state: ID 0, SVR 0x1ff, TPR 0, LVT timer 0x51 masked"))
		tap_diag("  ID 0x%x SVR 0x%x TPR 0x%x LVTT 0x%x", reg(&a, 0x20),
			 reg(&a, 0xf0), reg(&a, 0x80), reg(&a, 0x320));
	tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_LAPIC, &a)),
		      "KVM_SET_LAPIC with what KVM_GET_LAPIC returned");
	memset(&b, 0x5a, sizeof(b));
	if (ioctl(g.vcpu_fd, KVM_GET_LAPIC, &b))
		tap_diag("KVM_GET_LAPIC: %s", tap_errname(errno));
	{
		unsigned int off, diff = 0;

		for (off = 0; off < sizeof(a.regs); off++)
			if (a.regs[off] != b.regs[off] && !diff++)
				tap_diag("  first difference at 0x%x", off);
		tap_check(!diff, "a round trip through KVM_SET_LAPIC leaves all 1024 bytes unchanged");
	}
	set_reg(&a, 0x20, 7u << 24);
	set_reg(&a, 0x80, 0x20);
	tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_LAPIC, &a)),
		      "KVM_SET_LAPIC with ID 7 and TPR 0x20");
	STEP(30, "ID after KVM_SET_LAPIC");
	tap_expect_eq(v, 7u << 24, "the guest reads the ID set by KVM_SET_LAPIC");
	STEP(31, "TPR after KVM_SET_LAPIC");
	tap_expect_eq(v, 0x20, "the guest reads the TPR set by KVM_SET_LAPIC");
	STEP(32, "SVR after KVM_SET_LAPIC");
	tap_expect_eq(v, 0x1ff, "the SVR survived");
	STEP(33, "self-IPI after KVM_SET_LAPIC");
	tap_expect_eq(v, 1, "the APIC still delivers a self-IPI after KVM_SET_LAPIC");

	if (!x2apic) {
		for (n = 0; n < 6; n++)
			tap_skip(no_x2apic, "x2APIC check %u", n + 1);
		if (!irq_expect(&g, 0xff, NULL, "done"))
			goto out;
		goto out;
	}
	STEP(40, "x2APIC enabled");
	tap_expect_eq(v & 0xc00, 0xc00, "IA32_APIC_BASE: EN and EXTD set (x2APIC mode)");
	STEP(41, "x2APIC ID");
	tap_expect_eq(v, 0, "x2APIC ID MSR 0x802 reads the vCPU's id 0");
	STEP(42, "x2APIC SVR");
	tap_expect_eq(v, 0x1ff, "x2APIC SVR MSR 0x80f keeps the xAPIC's SVR");
	STEP(43, "SELF_IPI");
	tap_expect_eq(v, 1, "SELF_IPI MSR 0x83f: vector 0x61 delivered");
	STEP(44, "x2APIC ISR");
	tap_expect_eq((v >> 1) & 1, 0, "EOI through MSR 0x80b cleared vector 0x61 from ISR (MSR 0x813)");
	STEP(45, "x2APIC ICR");
	tap_expect_eq(v, 1, "x2APIC ICR MSR 0x830 to destination 0: vector 0x62 delivered");
	irq_expect(&g, 0xff, NULL, "done");
out:
	guest_vm_destroy(&g);
	close(sys_fd);
	return tap_finish();
}
