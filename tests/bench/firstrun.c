// SPDX-License-Identifier: GPL-2.0
/*
 * firstrun.so: LD_PRELOAD into QEMU (tests/bench/startup.c) to print what
 * the runner prints with VMRUN_STARTUP_REPORT=1: the process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID) just before the first KVM_RUN, on stderr as
 * "firstrun: startup: cpu_ns=N wall_ns=N". wall_ns counts from this
 * library's constructor, after the dynamic loader's work: startup.c's own
 * clock is the wall figure that compares.
 *
 * It interposes ioctl(); the call itself goes to the kernel by syscall(2),
 * as glibc's ioctl() does. Every other ioctl passes through unchanged.
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct timespec loaded;
static int reported;

__attribute__((constructor)) static void firstrun_loaded(void)
{
	clock_gettime(CLOCK_MONOTONIC, &loaded);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == KVM_RUN && !__atomic_exchange_n(&reported, 1, __ATOMIC_RELAXED)) {
		struct timespec cpu, now;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
		clock_gettime(CLOCK_MONOTONIC, &now);
		fprintf(stderr, "firstrun: startup: cpu_ns=%lld wall_ns=%lld\n",
			cpu.tv_sec * 1000000000LL + cpu.tv_nsec,
			(now.tv_sec - loaded.tv_sec) * 1000000000LL +
			(now.tv_nsec - loaded.tv_nsec));
	}
	return syscall(SYS_ioctl, fd, req, arg);
}
