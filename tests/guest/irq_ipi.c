// SPDX-License-Identifier: GPL-2.0
/*
 * irq_ipi - IPIs between two vCPUs of one VM through the in-kernel local
 * APICs, each vCPU on a thread of its own.
 *
 * vCPU 0 (the BSP, 32-bit protected mode) boots vCPU 1 the way an OS boots
 * an AP: INIT (assert, then de-assert) and two STARTUP IPIs with vector
 * 0x10, so that vCPU 1 starts in real mode at CS 0x1000, page 0x10000,
 * where a trampoline records its CS, loads a GDT and the IDT and enters
 * protected mode. Before the INIT KVM reports vCPU 1 as
 * KVM_MP_STATE_UNINITIALIZED (an AP that never saw INIT, as api.rst says),
 * after it KVM_MP_STATE_INIT_RECEIVED (waiting for SIPI).
 *
 * Then fixed IPIs ping-pong between them (physical destination, vector
 * 0x40 to vCPU 1, 0x41 back), vCPU 0 sends a logical-destination IPI (flat
 * model, LDR bit 1 is vCPU 1) and an NMI IPI. The round trips per second
 * are printed as a diagnostic only.
 *
 * Skips (exit 4) where KVM_CAP_IRQCHIP is not offered.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "irqguest.h"

#define ROUNDS		200
#define SIPI_VECTOR	(GUEST_CODE_GPA >> 12)	/* the trampoline's page */
#define AP_CS_GPA	IRQ_SHARED_GPA		/* u16: the AP's real-mode CS */
#define AP_READY_GPA	(IRQ_SHARED_GPA + 4)

extern const uint8_t ipi_cpu0[];

GUEST_CODE(ipi, ".code16", IRQ_ASM_MACROS
	   /* The AP's trampoline, at 0x10000 (CS 0x1000, IP 0). */
	   "cli\n"
	   "mov %cs, %ax\n"
	   "mov %ax, %ds\n"
	   "xor %bx, %bx\n"
	   "mov %bx, %es\n"
	   "mov %ax, %es:" IRQ_STR(AP_CS_GPA) "\n"
	   "lgdtl ipi_gdtr - ipi_start\n"
	   "lidtl ipi_idtr - ipi_start\n"
	   "mov %cr0, %eax\n or $1, %eax\n mov %eax, %cr0\n"
	   "ljmpl $0x08, $(0x10000 + ipi_ap32 - ipi_start)\n"
	   ".balign 8\n"
	   "ipi_gdt:\n"
	   ".quad 0, 0x00cf9b000000ffff, 0x00cf93000000ffff, 0\n"
	   ".quad 0x00cf93021000ffff\n"	/* 0x20: %fs, base IRQ_DATA_GPA(1) */
	   "ipi_gdtr: .word 5 * 8 - 1\n .long 0x10000 + ipi_gdt - ipi_start\n"
	   "ipi_idtr: .word 256 * 8 - 1\n .long " IRQ_STR(IRQ_IDT_GPA) "\n"
	   ".code32\n"
	   "ipi_ap32:\n"
	   "mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n"
	   "mov $0x20, %ax\n mov %ax, %fs\n"
	   "mov $0x7000, %esp\n"
	   "apic_wr 0xf0, $0x1ff\n"
	   "apic_wr 0xe0, $0xffffffff\n"	/* flat logical model */
	   "apic_wr 0xd0, $0x02000000\n"	/* logical ID bit 1 */
	   "movl $1, " IRQ_STR(AP_READY_GPA) "\n"
	   "xor %ebx, %ebx\n"
	   "1: inc %ebx\n"
	   "waitfor 0x40, %ebx\n"
	   "apic_wr 0x310, $0\n"		/* back to APIC ID 0 */
	   "apic_wr 0x300, $0x41\n"
	   "cmp $" IRQ_STR(ROUNDS) ", %ebx\n"
	   "jb 1b\n"
	   "waitfor 0x42, $1\n"
	   "waitfor 2, $1\n"
	   "cnt 0x40\n report 0x21\n"
	   "cnt 0x42\n report 0x22\n"
	   "cnt 2\n report 0x23\n"
	   "done\n"
	   /* vCPU 0. */
	   ".global ipi_cpu0\n"
	   "ipi_cpu0:\n"
	   "apic_wr 0xf0, $0x1ff\n"
	   "apic_wr 0xe0, $0xffffffff\n"
	   "apic_wr 0xd0, $0x01000000\n"
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $0x4500\n"		/* INIT, level assert */
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $0x8500\n"		/* INIT, level de-assert */
	   "report 0x10\n"
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $(0x4600 + " IRQ_STR(SIPI_VECTOR) ")\n"
	   "mov $2000, %ecx\n 3: pause\n loop 3b\n"
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $(0x4600 + " IRQ_STR(SIPI_VECTOR) ")\n"
	   "4: pause\n cmpl $1, " IRQ_STR(AP_READY_GPA) "\n jne 4b\n"
	   "movzwl " IRQ_STR(AP_CS_GPA) ", %eax\n report 0x11\n"
	   "report 0x12\n"
	   "xor %ebx, %ebx\n"
	   "2: apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $0x40\n"		/* fixed, physical, to APIC 1 */
	   "inc %ebx\n"
	   "waitfor 0x41, %ebx\n"
	   "cmp $" IRQ_STR(ROUNDS) ", %ebx\n"
	   "jb 2b\n"
	   "cnt 0x41\n report 0x13\n"
	   "apic_wr 0x310, $0x02000000\n"
	   "apic_wr 0x300, $0x842\n"		/* fixed, logical, LDR bit 1 */
	   "apic_wr 0x310, $0x01000000\n"
	   "apic_wr 0x300, $0x400\n"		/* NMI to APIC 1 */
	   "mov $2000, %ecx\n 5: pause\n loop 5b\n"
	   "take\n"
	   "cnt 0x42\n report 0x14\n"
	   "done\n");

struct ap_job {
	struct guest_vm *v;
	uint32_t port[8], val[8];
	unsigned int n;
	int last;
};

/* vCPU 1: record its reports until it is done or something else happens. */
static void *ap_thread(void *arg)
{
	struct ap_job *job = arg;
	struct kvm_run *run = job->v->run;
	int r, again = 0;

	for (;;) {
		r = guest_run_thread(job->v, GUEST_RUN_TIMEOUT);
		if (r == -EAGAIN && again++ < 10)
			continue;
		if (r != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT ||
		    run->io.size != 4 || job->n == 8)
			break;
		job->port[job->n] = run->io.port;
		memcpy(&job->val[job->n], (uint8_t *)run + run->io.data_offset, 4);
		job->n++;
		if (run->io.port == IRQ_PORT_DONE || run->io.port == IRQ_PORT_FAULT)
			break;
	}
	job->last = r;
	return NULL;
}

/* The AP's report on @step, or ~0 (with a diagnostic) if it never came. */
static uint32_t ap_val(struct ap_job *job, unsigned int step)
{
	unsigned int i;

	for (i = 0; i < job->n; i++)
		if (job->port[i] == IRQ_PORT(step))
			return job->val[i];
	tap_diag("  vCPU 1 never reported step 0x%x (%u reports, the last exit %s)",
		 step, job->n, guest_exit_name(job->last));
	for (i = 0; i < job->n; i++)
		tap_diag("  report %u: port 0x%x value 0x%x", i, job->port[i],
			 job->val[i]);
	return ~0u;
}

static int mp_state(struct guest_vm *v)
{
	struct kvm_mp_state s = { .mp_state = ~0u };

	if (ioctl(v->vcpu_fd, KVM_GET_MP_STATE, &s))
		return -errno;
	return s.mp_state;
}

#define STEP(n, what)							\
	do {								\
		if (!irq_expect(&g, (n), &v, (what)))			\
			goto out;					\
	} while (0)

int main(void)
{
	int sys_fd = guest_open_dev();
	struct guest_vm g, ap = { .vcpu_fd = -1 };
	struct ap_job job = { .v = &ap };
	bool thread = false, mp;
	pthread_t tid;
	volatile uint32_t *d0, *d1;
	double t0, t1;
	uint32_t v;

	irq_require_cap(sys_fd, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP");
	mp = irq_cap(sys_fd, KVM_CAP_MP_STATE) > 0;
	tap_plan(10);

	if (!tap_check(irq_vm_create(&g, sys_fd, true) &&
		       guest_vcpu_add(&g, 1, &ap) &&
		       guest_load(&g, GUEST_PROT32, ipi_start, ipi_end) &&
		       irq_setup_cpu(&g, 0, GUEST_STACK_TOP,
				     GUEST_CODE_GPA + (ipi_cpu0 - ipi_start)),
		       "KVM_CREATE_IRQCHIP, vCPUs 0 and 1; vCPU 0 in protected mode, the AP trampoline at page 0x%x",
		       SIPI_VECTOR))
		goto out;
	memset(g.mem + IRQ_DATA_GPA(1), 0, 0x1000);
	d0 = irq_data(&g, 0);
	d1 = irq_data(&g, 1);

	if (mp) {
		/* api.rst: UNINITIALIZED is an AP that has not seen INIT. */
		tap_expect_eq(mp_state(&ap), KVM_MP_STATE_UNINITIALIZED,
			      "KVM_GET_MP_STATE: vCPU 1, never run, is an AP waiting for INIT (UNINITIALIZED)");
		tap_expect_eq(mp_state(&g), KVM_MP_STATE_RUNNABLE,
			      "KVM_GET_MP_STATE: vCPU 0, the BSP, is RUNNABLE");
	} else {
		tap_skip("KVM_CAP_MP_STATE is not offered", "vCPU 1 UNINITIALIZED");
		tap_skip("KVM_CAP_MP_STATE is not offered", "vCPU 0 RUNNABLE");
	}

	STEP(0x10, "INIT sent");
	if (mp)
		tap_expect_eq(mp_state(&ap), KVM_MP_STATE_INIT_RECEIVED,
			      "after vCPU 0's INIT IPI vCPU 1 waits for SIPI (INIT_RECEIVED)");
	else
		tap_skip("KVM_CAP_MP_STATE is not offered", "vCPU 1 INIT_RECEIVED");
	if (pthread_create(&tid, NULL, ap_thread, &job))
		tap_bail("pthread_create failed");
	thread = true;

	STEP(0x11, "the AP is up");
	tap_expect_eq(v, SIPI_VECTOR << 8,
		      "SIPI vector 0x%x: vCPU 1 started in real mode with CS 0x%x and reached protected mode",
		      SIPI_VECTOR, SIPI_VECTOR << 8);
	STEP(0x12, "ping-pong start");
	t0 = irq_now();
	STEP(0x13, "ping-pong end");
	t1 = irq_now();
	tap_expect_eq(v, ROUNDS,
		      "%d fixed IPIs (physical destination) came back from vCPU 1 to vCPU 0",
		      ROUNDS);
	tap_diag("%u IPI round trips in %.1f ms: %.0f round trips/s", v,
		 (t1 - t0) * 1e3, v / (t1 - t0));
	STEP(0x14, "logical IPI and NMI sent");
	tap_expect_eq(v, 0, "the logical IPI for LDR bit 1 did not reach vCPU 0 (LDR bit 0)");
	irq_expect(&g, 0xff, NULL, "vCPU 0 done");
out:
	if (thread) {
		pthread_join(tid, NULL);
		tap_expect_eq(ap_val(&job, 0x21), ROUNDS,
			      "vCPU 1 took the %d IPIs from vCPU 0", ROUNDS);
		tap_expect_eq(ap_val(&job, 0x22), 1,
			      "the logical-destination IPI reached vCPU 1 once");
		tap_expect_eq(ap_val(&job, 0x23), 1,
			      "the NMI IPI reached vCPU 1's NMI handler once");
		tap_diag("vCPU 0 counts: 0x41 %u; vCPU 1 counts: 0x40 %u 0x42 %u NMI %u",
			 d0[0x41], d1[0x40], d1[0x42], d1[2]);
	}
	guest_vcpu_destroy(&ap);
	guest_vm_destroy(&g);
	close(sys_fd);
	return tap_finish();
}
