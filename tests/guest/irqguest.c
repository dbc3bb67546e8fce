// SPDX-License-Identifier: GPL-2.0
/* irqguest.c - shared pieces of the in-kernel irqchip tests; see irqguest.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "irqguest.h"

/*
 * The runtime: 256 stubs of 16 bytes each, then the common handler.
 * Faults (0-31 but 2) report their vector on IRQ_PORT_FAULT and stop; the
 * others push their vector and go to irq_common, which counts and logs it
 * in the vCPU's data page (%fs) and EOIs as eoi_mode says (vectors >= 32).
 */
GUEST_CODE(irq_rt, ".code32",
	   ".set irq_vec, 0\n"
	   ".rept 256\n"
	   " .balign 16\n"
	   " .if irq_vec == 2 || irq_vec >= 32\n"
	   "  pushl $irq_vec\n"
	   "  jmp irq_common\n"
	   " .else\n"
	   "  mov $irq_vec, %eax\n"
	   "  mov $" IRQ_STR(IRQ_PORT_FAULT) ", %dx\n"
	   "  out %eax, %dx\n"
	   "  1: cli\n hlt\n jmp 1b\n"
	   " .endif\n"
	   " .set irq_vec, irq_vec + 1\n"
	   ".endr\n"
	   "irq_common:\n"
	   "push %eax\n push %ecx\n push %edx\n"
	   "mov 12(%esp), %eax\n"
	   "incl %fs:(,%eax,4)\n"			/* count[vector] */
	   "mov %fs:0x800, %edx\n"
	   "mov %edx, %ecx\n"
	   "and $0xff, %ecx\n"
	   "mov %eax, %fs:0x400(,%ecx,4)\n"		/* log[n % 256] */
	   "inc %edx\n"
	   "mov %edx, %fs:0x800\n"
	   "cmp $32, %eax\n"
	   "jb 3f\n"					/* NMI: no EOI */
	   "mov %fs:0x804, %edx\n"
	   "cmp $0, %edx\n"
	   "jne 1f\n"
	   "movl $0, 0xfee000b0\n"			/* xAPIC EOI */
	   "jmp 3f\n"
	   "1: cmp $1, %edx\n"
	   "jne 3f\n"
	   "mov $0x80b, %ecx\n"				/* x2APIC EOI */
	   "xor %eax, %eax\n"
	   "xor %edx, %edx\n"
	   "wrmsr\n"
	   "3: pop %edx\n pop %ecx\n pop %eax\n"
	   "add $4, %esp\n"
	   "iret\n");

int irq_cap(int sys_fd, long cap)
{
	int r = ioctl(sys_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

void irq_require_cap(int sys_fd, long cap, const char *name)
{
	if (irq_cap(sys_fd, cap) <= 0)
		tap_skip_all("KVM_CHECK_EXTENSION: %s is not offered", name);
}

bool irq_vm_create(struct guest_vm *g, int sys_fd, bool irqchip)
{
	struct kvm_userspace_memory_region region;
	long size;

	memset(g, 0, sizeof(*g));
	g->sys_fd = sys_fd;
	g->vm_fd = g->vcpu_fd = -1;

	g->vm_fd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (g->vm_fd < 0) {
		tap_diag("KVM_CREATE_VM: %s", strerror(errno));
		return false;
	}
	g->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		tap_diag("mmap guest memory: %s", strerror(errno));
		return false;
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uintptr_t)g->mem,
	};
	if (ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &region)) {
		tap_diag("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return false;
	}
	if (irqchip && ioctl(g->vm_fd, KVM_CREATE_IRQCHIP, 0)) {
		tap_diag("KVM_CREATE_IRQCHIP: %s", tap_errname(errno));
		return false;
	}
	g->vcpu_fd = ioctl(g->vm_fd, KVM_CREATE_VCPU, 0);
	if (g->vcpu_fd < 0) {
		tap_diag("KVM_CREATE_VCPU: %s", strerror(errno));
		return false;
	}
	size = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0) {
		tap_diag("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return false;
	}
	g->run_size = size;
	g->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->vcpu_fd, 0);
	if (g->run == MAP_FAILED) {
		g->run = NULL;
		tap_diag("mmap kvm_run: %s", strerror(errno));
		return false;
	}
	return true;
}

bool irq_setup_cpu(struct guest_vm *v, unsigned int cpu, uint32_t stack,
		   uint64_t entry)
{
	uint64_t *idt = (uint64_t *)(v->mem + IRQ_IDT_GPA);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int i;

	/* The stubs are 16 bytes apart from a 16-byte aligned start. */
	if (((uintptr_t)irq_rt_start & 15) ||
	    IRQ_RT_GPA + (irq_rt_end - irq_rt_start) > IRQ_IDT_GPA) {
		tap_diag("irq runtime misaligned or too big");
		return false;
	}
	memcpy(v->mem + IRQ_RT_GPA, irq_rt_start, irq_rt_end - irq_rt_start);
	for (i = 0; i < 256; i++) {
		uint32_t h = IRQ_RT_GPA + i * 16;

		/* 32-bit interrupt gate, DPL 0, present, selector 0x08. */
		idt[i] = (h & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
			 ((uint64_t)(h >> 16) << 48);
	}
	memset(v->mem + IRQ_DATA_GPA(cpu), 0, 0x1000);

	if (ioctl(v->vcpu_fd, KVM_GET_SREGS, &sregs)) {
		tap_diag("KVM_GET_SREGS: %s", strerror(errno));
		return false;
	}
	sregs.idt.base = IRQ_IDT_GPA;
	sregs.idt.limit = 256 * 8 - 1;
	sregs.fs.base = IRQ_DATA_GPA(cpu);
	if (ioctl(v->vcpu_fd, KVM_SET_SREGS, &sregs)) {
		tap_diag("KVM_SET_SREGS: %s", strerror(errno));
		return false;
	}
	if (ioctl(v->vcpu_fd, KVM_GET_REGS, &regs)) {
		tap_diag("KVM_GET_REGS: %s", strerror(errno));
		return false;
	}
	regs.rsp = stack;
	if (entry)
		regs.rip = entry;
	if (ioctl(v->vcpu_fd, KVM_SET_REGS, &regs)) {
		tap_diag("KVM_SET_REGS: %s", strerror(errno));
		return false;
	}
	return true;
}

volatile uint32_t *irq_data(struct guest_vm *g, unsigned int cpu)
{
	return (volatile uint32_t *)(g->mem + IRQ_DATA_GPA(cpu));
}

void irq_diag_exit(struct guest_vm *g, int r)
{
	struct kvm_run *run = g->run;
	struct kvm_regs regs;
	uint32_t data = 0;

	if (r == KVM_EXIT_IO) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			memcpy(&data, (uint8_t *)run + run->io.data_offset,
			       run->io.size < 4 ? run->io.size : 4);
		if (run->io.port == IRQ_PORT_FAULT)
			tap_diag("  the guest took exception vector %u", data);
		else
			tap_diag("  got IO %s port 0x%x size %u data 0x%x",
				 run->io.direction == KVM_EXIT_IO_OUT ? "OUT" : "IN",
				 run->io.port, run->io.size, data);
	} else if (r == KVM_EXIT_MMIO) {
		tap_diag("  got MMIO %s 0x%llx len %u",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	} else {
		tap_diag("  got %s", guest_exit_name(r));
		if (r == KVM_EXIT_INTERNAL_ERROR)
			guest_diag_internal(run);
	}
	if (!ioctl(g->vcpu_fd, KVM_GET_REGS, &regs))
		tap_diag("  rip 0x%llx eax 0x%llx",
			 (unsigned long long)regs.rip,
			 (unsigned long long)regs.rax);
}

bool irq_expect(struct guest_vm *g, unsigned int step, uint32_t *val,
		const char *what)
{
	struct kvm_run *run = g->run;
	int r = guest_run_thread(g, GUEST_RUN_TIMEOUT);

	if (r == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.port == IRQ_PORT(step) && run->io.size == 4) {
		if (val)
			memcpy(val, (uint8_t *)run + run->io.data_offset, 4);
		return true;
	}
	tap_check(false, "%s: the guest reports on port 0x%x", what,
		  IRQ_PORT(step));
	irq_diag_exit(g, r);
	return false;
}

double irq_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
