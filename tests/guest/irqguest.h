/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irqguest.h - shared pieces of the in-kernel irqchip tests (irq_*.c).
 *
 * The guests run in flat 32-bit protected mode (no paging: the local APIC
 * at 0xfee00000 and the IOAPIC at 0xfec00000 are reached by their physical
 * addresses). irq_setup_cpu() gives a vCPU:
 *
 *  - an IDT (IRQ_IDT_GPA) whose 256 gates point into a small runtime
 *    (IRQ_RT_GPA). Vectors 0-31 except 2 are faults: the stub reports the
 *    vector on IRQ_PORT_FAULT and stops. Vector 2 (NMI) and 32-255 count:
 *    count[vector] += 1, the vector is appended to a log, and for vectors
 *    32-255 the handler EOIs as eoi_mode says.
 *  - per-vCPU data (IRQ_DATA_GPA(cpu)) reached by the guest through %fs,
 *    whose hidden base the host sets; the guest must not reload %fs.
 *
 * Guest code reports to the host with "out %eax, %dx" to ports
 * IRQ_PORT(step) (0x500 + step): these ports are not emulated by any
 * in-kernel device (PIC 0x20/0xa0, ELCR 0x4d0, PIT 0x40, ...).
 */
#ifndef VMRUN_TESTS_IRQGUEST_H
#define VMRUN_TESTS_IRQGUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

#define IRQ_RT_GPA		0x30000		/* the runtime's code */
#define IRQ_IDT_GPA		0x34000
#define IRQ_DATA_GPA(cpu)	(0x20000 + (cpu) * 0x1000)
#define IRQ_SHARED_GPA		0xf000		/* below 64 KiB: real mode reaches it */

/* Offsets in a vCPU's data page (the guest: %fs:OFFSET). */
#define IRQ_D_COUNT(v)		((v) * 4)	/* u32 count[256] */
#define IRQ_D_LOG(i)		(0x400 + ((i) & 0xff) * 4)
#define IRQ_D_LOG_N		0x800		/* entries written to the log */
#define IRQ_D_EOI_MODE		0x804
#define IRQ_D_FLAGS		0x900		/* test-defined, set by the host */

#define IRQ_EOI_XAPIC		0		/* write 0 to APIC EOI (MMIO) */
#define IRQ_EOI_X2APIC		1		/* WRMSR 0x80b */
#define IRQ_EOI_NONE		2		/* the guest EOIs by itself */

#define IRQ_PORT(step)		(0x500 + (step))
#define IRQ_PORT_FAULT		0x5ee
#define IRQ_PORT_DONE		0x5ff

/* Stringify for asm text. */
#define IRQ_STR_(x)		#x
#define IRQ_STR(x)		IRQ_STR_(x)

/*
 * Assembler macros for the guests' code (put IRQ_ASM_MACROS first in the
 * GUEST_CODE body, once per binary):
 *   report STEP            out %eax to IRQ_PORT(STEP) (clobbers %dx)
 *   done                   out to IRQ_PORT_DONE, then halt forever
 *   apic_wr OFF, VAL       xAPIC register write (MMIO)
 *   apic_rd OFF            xAPIC register read into %eax
 *   ioapic_wr IDX, VAL     IOAPIC register write through IOREGSEL/IOWIN
 *   ioapic_rd IDX          IOAPIC register read into %eax
 *   cnt VEC                count[VEC] into %eax
 *   take                   open the interrupt window for a moment
 *   waitfor VEC, N         sti; hlt until count[VEC] >= N (HLT must wake)
 */
#define IRQ_ASM_MACROS							\
	".macro report step\n mov $(0x500 + \\step), %dx\n out %eax, %dx\n .endm\n" \
	".macro done\n mov $0x5ff, %dx\n out %eax, %dx\n 9999: cli\n hlt\n jmp 9999b\n .endm\n" \
	".macro apic_wr off, val\n movl \\val, 0xfee00000 + \\off\n .endm\n" \
	".macro apic_rd off\n mov 0xfee00000 + \\off, %eax\n .endm\n"	\
	".macro ioapic_wr idx, val\n movl \\idx, 0xfec00000\n movl \\val, 0xfec00010\n .endm\n" \
	".macro ioapic_rd idx\n movl \\idx, 0xfec00000\n mov 0xfec00010, %eax\n .endm\n" \
	".macro cnt vec\n mov %fs:(\\vec * 4), %eax\n .endm\n"		\
	".macro take\n sti\n nop\n nop\n cli\n .endm\n"		\
	".macro waitfor vec, n\n 9998: cli\n cmpl \\n, %fs:(\\vec * 4)\n jae 9997f\n sti\n hlt\n jmp 9998b\n 9997: cli\n .endm\n" \
	".macro eoi_mode m\n movl \\m, %fs:0x804\n .endm\n"

/* Skip the whole binary (exit 4) when the device does not offer @cap. */
void irq_require_cap(int sys_fd, long cap, const char *name);

/* KVM_CHECK_EXTENSION on the device; 0 on error. */
int irq_cap(int sys_fd, long cap);

/*
 * guest_vm_create() with KVM_CREATE_IRQCHIP (when @irqchip) between the
 * memory slot and the vCPU, as the ABI requires.
 */
bool irq_vm_create(struct guest_vm *g, int sys_fd, bool irqchip);

/*
 * After guest_load(@v, GUEST_PROT32, ...): the runtime and the IDT in
 * guest memory, IDTR, %fs base IRQ_DATA_GPA(@cpu) (data zeroed), ESP
 * @stack. @entry, if not 0, replaces RIP (another entry in the code).
 */
bool irq_setup_cpu(struct guest_vm *v, unsigned int cpu, uint32_t stack,
		   uint64_t entry);

/* The host's view of a vCPU's data page. */
volatile uint32_t *irq_data(struct guest_vm *g, unsigned int cpu);

/*
 * Run until the next exit and require it to be the guest's report on
 * IRQ_PORT(@step); *@val gets EAX. On anything else: one failed check
 * naming @what and what happened instead, and false.
 */
bool irq_expect(struct guest_vm *g, unsigned int step, uint32_t *val,
		const char *what);

/* Describe an exit that was not the expected one, as TAP diagnostics. */
void irq_diag_exit(struct guest_vm *g, int r);

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
double irq_now(void);

#endif
