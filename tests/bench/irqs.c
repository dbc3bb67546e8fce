// SPDX-License-Identifier: GPL-2.0
/*
 * irqs - interrupt figures of the in-kernel irqchip, for make bench.
 *
 * Both figures are read off the TSC. Under QEMU's -icount shift=0,sleep=off
 * the emulated CPU's TSC counts instructions (1 ns each), in the testbed's
 * host (L1) and in its guest (L2) alike, so they count what the software
 * executes, repeatably. One catch: a guest's TSC is the host's plus the
 * vCPU's TSC offset (vmrun-svm and kvm-amd both start a new vCPU's TSC at
 * 0), and only stock KVM lets user space read that offset
 * (KVM_VCPU_TSC_OFFSET). A host timestamp and a guest timestamp can thus
 * be subtracted only on KVM, and with one L1 CPU no timing trick can
 * recover the offset either (a host and a guest reading always have a
 * world switch between them). So each figure has both of its ends on one
 * clock:
 *
 * irqfd_to_handler_rt: KVM_IRQFD binds an eventfd to GSI 20 (IOAPIC pin
 *   20, edge, vector 0x70, physical destination APIC 0). The guest waits
 *   in HLT. A writer thread reads the host TSC and writes the eventfd,
 *   then blocks until the vCPU thread hands over. The guest's handler for
 *   0x70 reads the guest TSC and at once reports it with an OUT, which
 *   exits to user space; the vCPU thread reads the host TSC as soon as
 *   KVM_RUN returns. The figure is the median of N host-clock spans from
 *   the write to KVM_RUN's return: the irqfd path to the handler plus one
 *   exit to user space. Where the TSC offset is readable (stock KVM) a
 *   TAP diagnostic splits the span at the handler's timestamp.
 *   Before each write the writer sleeps 1 ms, so the vCPU has halted and
 *   its thread is asleep (halt polling over): the path measured wakes a
 *   sleeping vCPU thread. The testbed has one CPU (-icount implies
 *   -smp 1): the span includes the writer's return from write() and its
 *   going to sleep, and every context switch on the way (such as the
 *   kworker that stock KVM uses to inject an IOAPIC irqfd).
 *
 * ipi_round_trip: two vCPUs, each on a thread of its own, ping-pong fixed
 *   IPIs (physical destination): vCPU 0 sends 0x40 to APIC 1 and waits in
 *   HLT for 0x41, which vCPU 1 sends back when it took 0x40. vCPU 0 reads
 *   its TSC before and after N round trips; the figure is the mean. Both
 *   vCPU threads share the one L1 CPU, so a round trip is the whole
 *   software path: ICR write (MMIO) to the target's wakeup, the sender's
 *   HLT and sleep, two thread switches, two entries, the handlers and
 *   their EOIs. It is not the latency two CPUs would see.
 *
 * Prints "bench <name> <ns>" lines; tests/bench/run compares runs. Also a
 * TAP test: every interrupt must arrive. Skips (exit 4) where the device
 * offers no KVM_CAP_IRQCHIP or KVM_CAP_IRQFD.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "irqguest.h"

#define IRQFD_N		200	/* irqfd samples */
#define IPI_N		1000	/* IPI round trips */
#define IRQFD_GSI	20
#define IRQFD_VEC	0x70

/* Test data in a vCPU's data page (%fs), past the runtime's. */
#define D_TSC0		0xa00	/* u64 */
#define D_TSC1		0xa08	/* u64 */

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t data64(struct guest_vm *g, unsigned int cpu, unsigned int off)
{
	volatile uint32_t *d = irq_data(g, cpu);

	return (uint64_t)d[off / 4 + 1] << 32 | d[off / 4];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* ---- irqfd_to_handler_rt ---- */

extern const uint8_t irqfd_handler[];

/* IRQ_ASM_MACROS once per binary: here, for both guests. */
GUEST_CODE(irqfd_guest, ".code32", IRQ_ASM_MACROS
	   "apic_wr 0xf0, $0x1ff\n"
	   "ioapic_wr $(0x10 + 2 * " IRQ_STR(IRQFD_GSI) "), $" IRQ_STR(IRQFD_VEC) "\n"
	   "ioapic_wr $(0x11 + 2 * " IRQ_STR(IRQFD_GSI) "), $0\n"
	   "report 1\n"
	   "1: sti\n hlt\n jmp 1b\n"
	   /* Vector 0x70: timestamp, report at once, then EOI. */
	   ".global irqfd_handler\n"
	   "irqfd_handler:\n"
	   "push %eax\n push %edx\n"
	   "rdtsc\n"
	   "mov %eax, %fs:" IRQ_STR(D_TSC0) "\n"
	   "mov %edx, %fs:" IRQ_STR(D_TSC0) " + 4\n"
	   "report 2\n"
	   "movl $0, 0xfee000b0\n"
	   "pop %edx\n pop %eax\n"
	   "iret\n");

struct writer {
	int efd, ack;
	volatile bool stop;
	uint64_t t_write[IRQFD_N];
	unsigned int n;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	uint64_t one = 1, got;
	sigset_t alrm;

	/* The loop's alarm is for the vCPU thread, stuck in KVM_RUN. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	for (w->n = 0; w->n < IRQFD_N && !w->stop; w->n++) {
		usleep(1000);
		w->t_write[w->n] = tsc();
		if (write(w->efd, &one, 8) != 8)
			break;
		if (read(w->ack, &got, 8) != 8)	/* blocks: the vCPU's turn */
			break;
	}
	return NULL;
}

/* The vCPU's TSC offset, where the device lets user space read it. */
static bool tsc_offset(struct guest_vm *g, int64_t *off)
{
	struct kvm_device_attr a = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uintptr_t)off,
	};

	return !ioctl(g->vcpu_fd, KVM_HAS_DEVICE_ATTR, &a) &&
	       !ioctl(g->vcpu_fd, KVM_GET_DEVICE_ATTR, &a);
}

static void bench_irqfd(int sys_fd)
{
	static uint64_t rt[IRQFD_N], in[IRQFD_N];
	struct writer w = { .efd = -1, .ack = -1 };
	struct kvm_irqfd irqfd;
	struct guest_vm g;
	uint64_t one = 1, *idt;
	unsigned int i = 0;
	bool thread = false, have_off;
	pthread_t tid;
	int64_t off = 0;
	int r = 0;

	w.efd = eventfd(0, EFD_CLOEXEC);
	w.ack = eventfd(0, EFD_CLOEXEC);
	if (!tap_check(w.efd >= 0 && w.ack >= 0 &&
		       irq_vm_create(&g, sys_fd, true) &&
		       guest_load(&g, GUEST_PROT32, irqfd_guest_start,
				  irqfd_guest_end) &&
		       irq_setup_cpu(&g, 0, GUEST_STACK_TOP, 0),
		       "irqfd: KVM_CREATE_IRQCHIP, a vCPU in protected mode with an IDT"))
		goto out;
	/* Gate 0x70 to the timestamping handler instead of the runtime's. */
	idt = (uint64_t *)(g.mem + IRQ_IDT_GPA);
	{
		uint32_t h = GUEST_CODE_GPA + (irqfd_handler - irqfd_guest_start);

		idt[IRQFD_VEC] = (h & 0xffff) | (0x08ULL << 16) |
				 (0x8eULL << 40) | ((uint64_t)(h >> 16) << 48);
	}
	if (!irq_expect(&g, 1, NULL, "irqfd: IOAPIC pin programmed"))
		goto out;
	irqfd = (struct kvm_irqfd){ .fd = w.efd, .gsi = IRQFD_GSI };
	if (!tap_expect_ok(TAP_CALL(ioctl(g.vm_fd, KVM_IRQFD, &irqfd)),
			   "irqfd: KVM_IRQFD on GSI %d", IRQFD_GSI))
		goto out;
	have_off = tsc_offset(&g, &off);

	if (pthread_create(&tid, NULL, writer_thread, &w))
		tap_bail("pthread_create failed");
	thread = true;
	/* Plain KVM_RUN, one alarm for the whole loop (no handler: a hang
	 * kills us), as in exits.c.
	 */
	alarm(120);
	for (i = 0; i < IRQFD_N; i++) {
		uint64_t t;

		r = ioctl(g.vcpu_fd, KVM_RUN, 0) ? -errno : (int)g.run->exit_reason;
		t = tsc();
		if (r != KVM_EXIT_IO || g.run->io.port != IRQ_PORT(2))
			break;
		rt[i] = t - w.t_write[i];
		in[i] = data64(&g, 0, D_TSC0) - off - w.t_write[i];
		if (write(w.ack, &one, 8) != 8)
			break;
	}
	alarm(0);
	if (!tap_check(i == IRQFD_N, "irqfd: %d eventfd writes, each taken by the guest's handler",
		       IRQFD_N)) {
		tap_diag("  %u taken, then:", i);
		irq_diag_exit(&g, r);
		goto out;
	}
	/* The spans per sample, before median() sorts them. */
	if (have_off) {
		uint64_t back[IRQFD_N];

		for (i = 0; i < IRQFD_N; i++)
			back[i] = rt[i] - in[i];
		tap_diag("irqfd: with KVM_VCPU_TSC_OFFSET: write to handler %llu ns, handler to KVM_RUN's return %llu ns (medians)",
			 (unsigned long long)median(in, IRQFD_N),
			 (unsigned long long)median(back, IRQFD_N));
	} else {
		tap_diag("irqfd: the vCPU's TSC offset is not readable (KVM_VCPU_TSC_OFFSET): no split at the handler");
	}
	printf("bench irqfd_to_handler_rt %llu\n",
	       (unsigned long long)median(rt, IRQFD_N));
out:
	if (thread) {
		if (i < IRQFD_N) {
			w.stop = true;	/* and unblock the writer */
			if (write(w.ack, &one, 8) != 8)
				tap_diag("eventfd write: %s", tap_errname(errno));
		}
		pthread_join(tid, NULL);
	}
	if (w.efd >= 0)
		close(w.efd);
	if (w.ack >= 0)
		close(w.ack);
	guest_vm_destroy(&g);
}

/* ---- ipi_round_trip ---- */

#define SIPI_VECTOR	(GUEST_CODE_GPA >> 12)
#define AP_READY_GPA	IRQ_SHARED_GPA

extern const uint8_t ipi_bsp[];

/*
 * vCPU 1 is brought up as an OS would (INIT, STARTUP): stock KVM keeps an
 * AP of a VM with an in-kernel irqchip out of KVM_RUN until then. Its
 * trampoline is the first thing in the code, at 0x10000 (CS 0x1000).
 */
GUEST_CODE(ipi_guest, ".code16",
	   "cli\n"
	   "mov %cs, %ax\n mov %ax, %ds\n"
	   "lgdtl ap_gdtr - ipi_guest_start\n"
	   "lidtl ap_idtr - ipi_guest_start\n"
	   "mov %cr0, %eax\n or $1, %eax\n mov %eax, %cr0\n"
	   "ljmpl $0x08, $(0x10000 + ap32 - ipi_guest_start)\n"
	   ".balign 8\n"
	   "ap_gdt:\n"
	   ".quad 0, 0x00cf9b000000ffff, 0x00cf93000000ffff, 0\n"
	   ".quad 0x00cf93021000ffff\n"	/* 0x20: %fs, base IRQ_DATA_GPA(1) */
	   "ap_gdtr: .word 5 * 8 - 1\n .long 0x10000 + ap_gdt - ipi_guest_start\n"
	   "ap_idtr: .word 256 * 8 - 1\n .long " IRQ_STR(IRQ_IDT_GPA) "\n"
	   ".code32\n"
	   "ap32:\n"
	   "mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n"
	   "mov $0x20, %ax\n mov %ax, %fs\n"
	   "mov $0x7000, %esp\n"
	   "apic_wr 0xf0, $0x1ff\n"
	   "movl $1, " IRQ_STR(AP_READY_GPA) "\n"
	   "xor %ebx, %ebx\n"
	   "1: inc %ebx\n"
	   "waitfor 0x40, %ebx\n"
	   "apic_wr 0x310, $0\n"
	   "apic_wr 0x300, $0x41\n"		/* fixed, physical, to APIC 0 */
	   "cmp $" IRQ_STR(IPI_N) ", %ebx\n"
	   "jb 1b\n"
	   "cnt 0x40\n report 0x21\n"
	   "done\n"
	   /* vCPU 0. */
	   ".global ipi_bsp\n"
	   "ipi_bsp:\n"
	   "apic_wr 0xf0, $0x1ff\n"
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $0x4500\n"		/* INIT, assert */
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $0x8500\n"		/* INIT, de-assert */
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $(0x4600 + " IRQ_STR(SIPI_VECTOR) ")\n"
	   "mov $2000, %ecx\n 3: pause\n loop 3b\n"
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $(0x4600 + " IRQ_STR(SIPI_VECTOR) ")\n"
	   "4: pause\n cmpl $1, " IRQ_STR(AP_READY_GPA) "\n jne 4b\n"
	   "report 0x11\n"
	   "rdtsc\n"
	   "mov %eax, %fs:" IRQ_STR(D_TSC0) "\n"
	   "mov %edx, %fs:" IRQ_STR(D_TSC0) " + 4\n"
	   "xor %ebx, %ebx\n"
	   "2: apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $0x40\n"		/* fixed, physical, to APIC 1 */
	   "inc %ebx\n"
	   "waitfor 0x41, %ebx\n"
	   "cmp $" IRQ_STR(IPI_N) ", %ebx\n"
	   "jb 2b\n"
	   "rdtsc\n"
	   "mov %eax, %fs:" IRQ_STR(D_TSC1) "\n"
	   "mov %edx, %fs:" IRQ_STR(D_TSC1) " + 4\n"
	   "cnt 0x41\n report 0x12\n"
	   "done\n");

struct ap_job {
	struct guest_vm *v;
	int r;
	uint32_t got;		/* vCPU 1's count of 0x40, ~0 if never told */
};

static void *ap_thread(void *arg)
{
	struct ap_job *job = arg;
	struct kvm_run *run = job->v->run;
	int again = 0;

	job->got = ~0u;
	for (;;) {
		job->r = guest_run_thread(job->v, GUEST_RUN_TIMEOUT);
		if (job->r == -EAGAIN && again++ < 10)
			continue;
		if (job->r != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT)
			break;
		if (run->io.port == IRQ_PORT(0x21))
			memcpy(&job->got, (uint8_t *)run + run->io.data_offset, 4);
		else
			break;	/* done, or a fault */
	}
	return NULL;
}

static void bench_ipi(int sys_fd)
{
	struct guest_vm g, ap = { .vcpu_fd = -1 };
	struct ap_job job = { .v = &ap };
	bool thread = false;
	pthread_t tid;
	uint64_t t0, t1;
	uint32_t v = 0;

	if (!tap_check(irq_vm_create(&g, sys_fd, true) &&
		       guest_vcpu_add(&g, 1, &ap) &&
		       guest_load(&g, GUEST_PROT32, ipi_guest_start, ipi_guest_end) &&
		       irq_setup_cpu(&g, 0, GUEST_STACK_TOP,
				     GUEST_CODE_GPA + (ipi_bsp - ipi_guest_start)),
		       "ipi: KVM_CREATE_IRQCHIP, vCPUs 0 and 1"))
		goto out;
	memset(g.mem + IRQ_DATA_GPA(1), 0, 0x1000);
	if (pthread_create(&tid, NULL, ap_thread, &job))
		tap_bail("pthread_create failed");
	thread = true;
	if (!irq_expect(&g, 0x11, NULL, "ipi: vCPU 1 is up") ||
	    !irq_expect(&g, 0x12, &v, "ipi: ping-pong done"))
		goto out;
	t0 = data64(&g, 0, D_TSC0);
	t1 = data64(&g, 0, D_TSC1);
	if (tap_expect_eq(v, IPI_N, "ipi: %d fixed IPIs came back from vCPU 1 to vCPU 0",
			  IPI_N))
		printf("bench ipi_round_trip %llu\n",
		       (unsigned long long)((t1 - t0) / IPI_N));
	irq_expect(&g, 0xff, NULL, "ipi: vCPU 0 done");
out:
	if (thread) {
		pthread_join(tid, NULL);
		if (!tap_expect_eq(job.got, IPI_N, "ipi: vCPU 1 took the %d IPIs",
				   IPI_N))
			tap_diag("  vCPU 1's last exit: %s", guest_exit_name(job.r));
	}
	guest_vcpu_destroy(&ap);
	guest_vm_destroy(&g);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	irq_require_cap(sys_fd, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP");
	irq_require_cap(sys_fd, KVM_CAP_IRQFD, "KVM_CAP_IRQFD");
	tap_plan(6);
	bench_irqfd(sys_fd);
	bench_ipi(sys_fd);
	close(sys_fd);
	return tap_finish();
}
