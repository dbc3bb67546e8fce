// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_hotplug - the backend follows host CPUs going offline and coming
 * back: after each cycle a guest runs on the returned CPU (virtualization
 * was enabled on it again), and a vCPU thread whose CPU goes offline
 * while its guest spins is moved by the scheduler and finishes on another
 * CPU. Needs root and a second online CPU (the testbed has two); skips
 * otherwise. The last step puts CPU 1 back online in any case.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define FLAG_GPA	0x2000
#define CYCLES		3

/* Spins until the host sets the flag, then reports it on port 0x71. */
GUEST_CODE(spin, ".code32",
	   "1: mov 0x2000, %eax\n test %eax, %eax\n jz 1b\n"
	   "out %eax, $0x71\n hlt\n");

static bool set_online(int on)
{
	int fd = open(CPU1_ONLINE, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok;
}

static bool pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

/* A fresh guest that reports the flag at once; run where we are now. */
static bool run_once(int sys_fd, const char *what)
{
	struct guest_vm g;
	bool ok;

	if (!guest_vm_create(&g, sys_fd) ||
	    !guest_load(&g, GUEST_PROT32, spin_start, spin_end)) {
		tap_check(false, "%s: guest set up", what);
		return false;
	}
	*(volatile uint32_t *)(g.mem + FLAG_GPA) = 0x5a;
	ok = guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x71, 4, 0x5a, what);
	guest_vm_destroy(&g);
	return ok;
}

struct spinner {
	struct guest_vm *g;
	int exit;
	int cpu_before, cpu_after;
};

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	pin(1);
	s->cpu_before = sched_getcpu();
	s->exit = guest_run_thread(s->g, GUEST_RUN_TIMEOUT);
	s->cpu_after = sched_getcpu();
	return NULL;
}

int main(void)
{
	int sys_fd = guest_open_dev();
	struct spinner s = { 0 };
	struct guest_vm g;
	pthread_t t;
	int i;

	if (access(CPU1_ONLINE, W_OK) || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("1..0 # SKIP needs root and an online CPU 1 that can go offline\n");
		return 4;
	}
	tap_plan(2 * CYCLES + 5);

	for (i = 0; i < CYCLES; i++) {
		tap_check(set_online(0) && set_online(1),
			  "cycle %d: CPU 1 offline, then online", i + 1);
		if (pin(1))
			run_once(sys_fd, "a guest runs on CPU 1 after it came back");
		else
			tap_check(false, "pin to CPU 1");
	}
	pin(0);

	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, GUEST_PROT32, spin_start, spin_end),
		       "a spinning guest for a vCPU thread on CPU 1"))
		goto out;
	s.g = &g;
	if (pthread_create(&t, NULL, spin_thread, &s)) {
		tap_check(false, "vCPU thread");
		goto out;
	}
	usleep(300000);		/* let it enter the guest and spin */
	tap_check(set_online(0), "CPU 1 goes offline under the spinning vCPU");
	*(volatile uint32_t *)(g.mem + FLAG_GPA) = 0x77;
	pthread_join(t, NULL);
	if (!tap_check(s.exit == KVM_EXIT_IO && g.run->io.port == 0x71,
		       "the guest finished on another CPU (it ran on CPU %d, the thread ended on CPU %d)",
		       s.cpu_before, s.cpu_after))
		tap_diag("  exit %s", guest_exit_name(s.exit));
	guest_vm_destroy(&g);
out:
	tap_check(set_online(1), "CPU 1 online again");
	pin(1);
	run_once(sys_fd, "and a new guest runs on it");
	close(sys_fd);
	return tap_finish();
}
