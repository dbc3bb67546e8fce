// SPDX-License-Identifier: GPL-2.0
/*
 * exits - round-trip cost of the exits issue 3 measures: a port write
 * that exits to user space, an MMIO write that exits to user space, and a
 * CPUID the hypervisor answers in the kernel. Each guest loop runs N times;
 * the cost per exit is the time from the first KVM_RUN to the HLT, divided
 * by N, measured in this process (the testbed's host).
 *
 * Under QEMU's -icount shift=0,sleep=off, time is instructions (1 ns each):
 * the figures then count what the host executes per exit, repeatably.
 * Prints "bench <name> <ns per exit>" lines; tests/bench/run compares runs.
 * Also a TAP test: each loop must end in HLT with the expected exit count.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define N 2000

GUEST_CODE(pio_loop, ".code32",
	   "mov $2000, %ecx\n 1: out %al, $0x80\n loop 1b\n hlt\n");
GUEST_CODE(mmio_loop, ".code32",
	   "mov $2000, %ecx\n 1: movl %eax, 0xd0000000\n loop 1b\n hlt\n");
GUEST_CODE(cpuid_loop, ".code32",
	   "mov $2000, %esi\n 1: xor %eax, %eax\n cpuid\n dec %esi\n jnz 1b\n hlt\n");

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench(int sys_fd, const char *name, const uint8_t *start,
		  const uint8_t *end, int exit_reason, unsigned int want_exits)
{
	struct guest_vm g;
	unsigned int exits = 0;
	double t0, t1;
	int r;

	if (!guest_vm_create(&g, sys_fd) ||
	    !guest_load(&g, GUEST_PROT32, start, end)) {
		tap_check(false, "%s: guest set up", name);
		guest_vm_destroy(&g);
		return;
	}
	/* Plain KVM_RUN in the timed loop: guest_run()'s per-call watchdog
	 * would add three syscalls to every round trip. One alarm guards
	 * the whole loop instead (SIGALRM, no handler: a hang kills us).
	 */
	alarm(120);
	t0 = now_ns();
	for (;;) {
		r = ioctl(g.vcpu_fd, KVM_RUN, 0) ? -errno : (int)g.run->exit_reason;
		if (r != exit_reason)
			break;
		exits++;
	}
	t1 = now_ns();
	alarm(0);
	if (tap_check(r == KVM_EXIT_HLT && exits == want_exits,
		      "%s: %u exits to user space, then HLT", name, want_exits))
		printf("bench %s %.0f\n", name, (t1 - t0) / N);
	else
		tap_diag("  %u exits, then %s", exits, guest_exit_name(r));
	guest_vm_destroy(&g);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(3);
	bench(sys_fd, "pio_exit_to_user", pio_loop_start, pio_loop_end,
	      KVM_EXIT_IO, N);
	bench(sys_fd, "mmio_exit_to_user", mmio_loop_start, mmio_loop_end,
	      KVM_EXIT_MMIO, N);
	/* CPUID never leaves the kernel: only the HLT comes out. */
	bench(sys_fd, "cpuid_in_kernel", cpuid_loop_start, cpuid_loop_end,
	      -1, 0);
	close(sys_fd);
	return tap_finish();
}
