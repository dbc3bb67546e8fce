// SPDX-License-Identifier: GPL-2.0
/*
 * modes - guests in real mode, 32-bit protected mode, PAE and 64-bit long
 * mode do port I/O of every size (immediate and DX forms), move data
 * between guest memory and the host, and halt; plus a triple fault, a
 * signal interrupting a spinning guest, and immediate_exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "guest.h"

#define MEM_OUT	0x3000	/* the guest writes here */
#define MEM_IN	0x3004	/* the host writes here first */

/* The same instructions assemble in every mode (GAS adds the prefixes). */
#define IO_BODY								\
	"mov $0x42, %al\n out %al, $0x10\n"				\
	"mov $0x1234, %ax\n out %ax, $0x11\n"				\
	"mov $0xdeadbeef, %eax\n out %eax, $0x12\n"			\
	"in $0x20, %al\n out %al, $0x21\n"				\
	"in $0x22, %ax\n out %ax, $0x23\n"				\
	"in $0x24, %eax\n out %eax, $0x25\n"				\
	"mov %eax, 0x3000\n mov 0x3004, %eax\n out %eax, $0x26\n"	\
	"mov $0x3f8, %dx\n mov $0x77, %al\n out %al, (%dx)\n"		\
	"in (%dx), %al\n out %al, $0x27\n"				\
	"hlt\n"

GUEST_CODE(io16, ".code16", IO_BODY);
GUEST_CODE(io32, ".code32", IO_BODY);
GUEST_CODE(io64, ".code64", IO_BODY);

/* Real mode: an interrupt with an empty IDT (the pseudo-descriptor at
 * 0x3100 is zeroed guest memory) faults, double faults, and shuts the CPU
 * down.
 */
GUEST_CODE(triple, ".code16", "lidt 0x3100\n int $3\n hlt\n");

GUEST_CODE(spin, ".code16", "1: jmp 1b\n");

static void set_in_data(struct guest_vm *g, uint32_t v)
{
	memcpy((uint8_t *)g->run + g->run->io.data_offset, &v, g->run->io.size);
}

static void test_io(int sys_fd, const char *name, enum guest_mode mode,
		    const uint8_t *start, const uint8_t *end)
{
	struct guest_vm g;
	struct kvm_regs regs;
	char what[64];
	uint32_t v;
	int r;

	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, mode, start, end),
		       "%s: VM, vCPU and guest set up", name)) {
		guest_vm_destroy(&g);
		return;
	}
	v = 0x600dcafe;
	memcpy(g.mem + MEM_IN, &v, 4);

#define IO(dir, port, size, data, step)					\
	do {								\
		snprintf(what, sizeof(what), "%s: %s", name, step);	\
		if (!guest_expect_io(&g, dir, port, size, data, what))	\
			goto out;					\
	} while (0)

	IO(KVM_EXIT_IO_OUT, 0x10, 1, 0x42, "out al");
	IO(KVM_EXIT_IO_OUT, 0x11, 2, 0x1234, "out ax");
	IO(KVM_EXIT_IO_OUT, 0x12, 4, 0xdeadbeef, "out eax");
	IO(KVM_EXIT_IO_IN, 0x20, 1, 0, "in al");
	set_in_data(&g, 0x5a);
	IO(KVM_EXIT_IO_OUT, 0x21, 1, 0x5a, "in al returned the data");
	IO(KVM_EXIT_IO_IN, 0x22, 2, 0, "in ax");
	set_in_data(&g, 0xbeef);
	IO(KVM_EXIT_IO_OUT, 0x23, 2, 0xbeef, "in ax returned the data");
	IO(KVM_EXIT_IO_IN, 0x24, 4, 0, "in eax");
	set_in_data(&g, 0xcafef00d);
	IO(KVM_EXIT_IO_OUT, 0x25, 4, 0xcafef00d, "in eax returned the data");
	IO(KVM_EXIT_IO_OUT, 0x26, 4, 0x600dcafe,
	   "the guest read what the host wrote to its memory");
	IO(KVM_EXIT_IO_OUT, 0x3f8, 1, 0x77, "out al, (dx)");
	IO(KVM_EXIT_IO_IN, 0x3f8, 1, 0, "in al, (dx)");
	set_in_data(&g, 0x99);
	IO(KVM_EXIT_IO_OUT, 0x27, 1, 0x99, "in al, (dx) returned the data");

	memcpy(&v, g.mem + MEM_OUT, 4);
	tap_expect_eq(v, 0xcafef00d,
		      "%s: the host sees what the guest wrote to its memory", name);

	r = guest_run(&g);
	if (tap_check(r == KVM_EXIT_HLT, "%s: HLT exits with KVM_EXIT_HLT", name) &&
	    !ioctl(g.vcpu_fd, KVM_GET_REGS, &regs))
		tap_expect_eq(regs.rip, guest_code_rip(mode) + (end - start),
			      "%s: RIP is past the HLT", name);
	else
		tap_diag("  got %s", guest_exit_name(r));
out:
	guest_vm_destroy(&g);
}

static void test_triple_fault(int sys_fd)
{
	struct guest_vm g;
	int r;

	if (!guest_vm_create(&g, sys_fd) ||
	    !guest_load(&g, GUEST_REAL, triple_start, triple_end)) {
		tap_check(false, "triple fault: guest set up");
		guest_vm_destroy(&g);
		return;
	}
	r = guest_run(&g);
	if (!tap_check(r == KVM_EXIT_SHUTDOWN,
		       "triple fault in real mode -> KVM_EXIT_SHUTDOWN"))
		tap_diag("  got %s", guest_exit_name(r));
	guest_vm_destroy(&g);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_signal(int sys_fd)
{
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct guest_vm g;
	int r;

	if (!guest_vm_create(&g, sys_fd) ||
	    !guest_load(&g, GUEST_REAL, spin_start, spin_end)) {
		tap_check(false, "signal: guest set up");
		guest_vm_destroy(&g);
		return;
	}
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: KVM_RUN returns */
	setitimer(ITIMER_REAL, &it, NULL);
	r = ioctl(g.vcpu_fd, KVM_RUN, 0) ? -errno : (int)g.run->exit_reason;
	if (!tap_check(r == -EINTR && g.run->exit_reason == KVM_EXIT_INTR,
		       "a signal ends KVM_RUN of a spinning guest: EINTR, KVM_EXIT_INTR"))
		tap_diag("  got %s, exit_reason %u", guest_exit_name(r),
			 g.run->exit_reason);

	/* immediate_exit: KVM_RUN returns at once, the guest does not run. */
	if (ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0) {
		tap_skip("KVM_CAP_IMMEDIATE_EXIT not offered",
			 "immediate_exit=1: KVM_RUN -> EINTR at once");
	} else {
		__u32 prev = g.run->exit_reason = KVM_EXIT_IO;

		/*
		 * KVM 6.1 leaves exit_reason as the last exit set it (the
		 * KVM selftests' ucalls rely on that): poison it to see.
		 */
		g.run->immediate_exit = 1;
		r = guest_run(&g);
		g.run->immediate_exit = 0;
		if (!tap_check(r == -EINTR && g.run->exit_reason == prev,
			       "immediate_exit=1: KVM_RUN -> EINTR at once, exit_reason untouched"))
			tap_diag("  got %d, exit_reason %u", r, g.run->exit_reason);
	}
	guest_vm_destroy(&g);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(4 * 17 + 3);	/* 17 per mode */
	test_io(sys_fd, "real mode", GUEST_REAL, io16_start, io16_end);
	test_io(sys_fd, "32-bit protected mode", GUEST_PROT32, io32_start, io32_end);
	test_io(sys_fd, "32-bit PAE paging", GUEST_PAE32, io32_start, io32_end);
	test_io(sys_fd, "64-bit long mode", GUEST_LONG64, io64_start, io64_end);
	test_triple_fault(sys_fd);
	test_signal(sys_fd);
	close(sys_fd);
	return tap_finish();
}
