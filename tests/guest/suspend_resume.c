// SPDX-License-Identifier: GPL-2.0
/*
 * suspend_resume - the backend survives a host suspend: with the kernel's
 * suspend test mode "core" (/sys/power/pm_test), writing "mem" to
 * /sys/power/state takes the non-boot CPUs down, runs the syscore
 * suspend and resume callbacks (where the backend disables and enables
 * virtualization) and comes back after five seconds without sleeping.
 * A VM made before the suspend runs on after it, and new guests run on
 * CPUs 0 and 1. Needs root, S3 and CONFIG_PM_DEBUG; skips otherwise.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest.h"

/* Reports EBX on port 0x72, twice, halting in between. */
GUEST_CODE(report, ".code32",
	   "mov %ebx, %eax\n out %eax, $0x72\n hlt\n"
	   "inc %eax\n out %eax, $0x72\n hlt\n");

static bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

static bool file_has(const char *path, const char *word)
{
	char buf[256] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strstr(buf, word);
}

static bool pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

static bool make_guest(struct guest_vm *g, int sys_fd, uint32_t tag)
{
	struct kvm_regs regs;

	if (!guest_vm_create(g, sys_fd) ||
	    !guest_load(g, GUEST_PROT32, report_start, report_end) ||
	    ioctl(g->vcpu_fd, KVM_GET_REGS, &regs))
		return false;
	regs.rbx = tag;
	return !ioctl(g->vcpu_fd, KVM_SET_REGS, &regs);
}

int main(void)
{
	int sys_fd = guest_open_dev();
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct guest_vm old, g;
	int cpu;

	if (access("/sys/power/pm_test", W_OK) ||
	    !file_has("/sys/power/state", "mem")) {
		printf("1..0 # SKIP needs root, S3 and /sys/power/pm_test\n");
		return 4;
	}
	tap_plan(5 + 2 * (ncpus > 2 ? 2 : ncpus));

	if (!tap_check(make_guest(&old, sys_fd, 0x100), "a VM made before the suspend"))
		tap_bail("no VM");
	guest_expect_io(&old, KVM_EXIT_IO_OUT, 0x72, 4, 0x100,
			"it runs before the suspend");
	tap_check(guest_run(&old) == KVM_EXIT_HLT, "and halts");

	tap_check(write_file("/sys/power/pm_test", "core") &&
		  write_file("/sys/power/state", "mem"),
		  "suspend to RAM in pm_test mode core, and back");
	write_file("/sys/power/pm_test", "none");

	guest_expect_io(&old, KVM_EXIT_IO_OUT, 0x72, 4, 0x101,
			"the VM made before the suspend runs on after it");
	guest_vm_destroy(&old);

	for (cpu = 0; cpu < ncpus && cpu < 2; cpu++) {
		tap_check(pin(cpu), "on CPU %d", cpu);
		if (make_guest(&g, sys_fd, 0x200 + cpu)) {
			guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x72, 4, 0x200 + cpu,
					"a new guest runs on this CPU after the resume");
			guest_vm_destroy(&g);
		} else {
			tap_check(false, "a new guest on CPU %d", cpu);
		}
	}
	close(sys_fd);
	return tap_finish();
}
