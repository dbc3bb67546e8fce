// SPDX-License-Identifier: GPL-2.0
/*
 * mmio - a guest touches guest-physical addresses that no memory slot
 * backs: every access must reach user space as KVM_EXIT_MMIO with the
 * right address, length, direction and data, and reads must land in the
 * guest's registers as the instruction says (zero/sign extension), with
 * read-modify-write forms taking a read exit and then a write exit.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest.h"

#define MMIO_BASE	0xd0000000u

#define MMIO_BODY							\
	"mov $0xd0000000, %ebx\n"					\
	"movb $0x12, (%ebx)\n"						\
	"movw $0x3456, 2(%ebx)\n"					\
	"movl $0x789abcde, 4(%ebx)\n"					\
	"mov (%ebx), %eax\n out %eax, $0x80\n"				\
	"movzbl 8(%ebx), %ecx\n mov %ecx, %eax\n out %eax, $0x81\n"	\
	"movsbl 9(%ebx), %edx\n mov %edx, %eax\n out %eax, $0x82\n"	\
	"orl $0x100, 0xc(%ebx)\n"					\
	"andb $0x0f, 0x10(%ebx)\n"					\
	"mov $0x55aa, %ax\n mov %ax, 0x14(%ebx)\n"			\
	"hlt\n"

GUEST_CODE(mmio32, ".code32", MMIO_BODY);
GUEST_CODE(mmio64, ".code64", MMIO_BODY);

static bool expect_mmio(struct guest_vm *g, uint64_t gpa, unsigned int len,
			bool write, uint64_t data, const char *what)
{
	struct kvm_run *run = g->run;
	uint64_t got = 0;
	int r = guest_run(g);

	if (r != KVM_EXIT_MMIO) {
		tap_check(false, "%s: KVM_EXIT_MMIO", what);
		tap_diag("  got %s", guest_exit_name(r));
		if (r == KVM_EXIT_INTERNAL_ERROR)
			guest_diag_internal(run);
		return false;
	}
	memcpy(&got, run->mmio.data, run->mmio.len <= 8 ? run->mmio.len : 8);
	if (!tap_check(run->mmio.phys_addr == gpa && run->mmio.len == len &&
		       !!run->mmio.is_write == write && (!write || got == data),
		       "%s: %s of %u byte(s) at 0x%llx%s", what,
		       write ? "write" : "read", len, (unsigned long long)gpa,
		       write ? ", data as the instruction says" : "")) {
		tap_diag("  got %s of %u at 0x%llx data 0x%llx",
			 run->mmio.is_write ? "write" : "read", run->mmio.len,
			 (unsigned long long)run->mmio.phys_addr,
			 (unsigned long long)got);
		return false;
	}
	return true;
}

static void answer(struct guest_vm *g, uint64_t v)
{
	memcpy(g->run->mmio.data, &v, sizeof(v));
}

/* 20 results per mode. */
static void test_mmio(int sys_fd, const char *name, enum guest_mode mode,
		      const uint8_t *start, const uint8_t *end)
{
	struct guest_vm g;
	struct kvm_regs regs;
	char what[96];
	int r;

	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, mode, start, end),
		       "%s: guest set up", name))
		goto out;

#define MMIO(gpa, len, write, data, step)				\
	do {								\
		snprintf(what, sizeof(what), "%s: %s", name, step);	\
		if (!expect_mmio(&g, gpa, len, write, data, what))	\
			goto out;					\
	} while (0)
#define IO(port, data, step)						\
	do {								\
		snprintf(what, sizeof(what), "%s: %s", name, step);	\
		if (!guest_expect_io(&g, KVM_EXIT_IO_OUT, port, 4, data, what)) \
			goto out;					\
	} while (0)

	MMIO(MMIO_BASE, 1, true, 0x12, "movb imm");
	MMIO(MMIO_BASE + 2, 2, true, 0x3456, "movw imm");
	MMIO(MMIO_BASE + 4, 4, true, 0x789abcde, "movl imm");
	MMIO(MMIO_BASE, 4, false, 0, "mov eax, [mmio]");
	answer(&g, 0x11223344);
	IO(0x80, 0x11223344, "the 32-bit read reached EAX");
	MMIO(MMIO_BASE + 8, 1, false, 0, "movzbl");
	answer(&g, 0xf0);
	IO(0x81, 0xf0, "movzbl zero-extended the byte");
	MMIO(MMIO_BASE + 9, 1, false, 0, "movsbl");
	answer(&g, 0x80);
	IO(0x82, 0xffffff80, "movsbl sign-extended the byte");
	MMIO(MMIO_BASE + 0xc, 4, false, 0, "orl: read half");
	answer(&g, 0x1);
	MMIO(MMIO_BASE + 0xc, 4, true, 0x101, "orl: write half carries old | 0x100");
	MMIO(MMIO_BASE + 0x10, 1, false, 0, "andb: read half");
	answer(&g, 0xff);
	MMIO(MMIO_BASE + 0x10, 1, true, 0x0f, "andb: write half carries old & 0x0f");
	MMIO(MMIO_BASE + 0x14, 2, true, 0x55aa, "mov ax");

	r = guest_run(&g);
	if (tap_check(r == KVM_EXIT_HLT, "%s: HLT after the MMIO sequence", name) &&
	    !ioctl(g.vcpu_fd, KVM_GET_REGS, &regs)) {
		tap_expect_eq(regs.rip, guest_code_rip(mode) + (end - start),
			      "%s: RIP is past the HLT: every MMIO instruction was skipped exactly",
			      name);
		tap_expect_eq(regs.rbx, MMIO_BASE, "%s: RBX untouched by the emulation", name);
		tap_expect_eq(regs.rcx, 0xf0, "%s: ECX holds the movzbl result", name);
		tap_expect_eq(regs.rdx, 0xffffff80, "%s: EDX holds the movsbl result", name);
	} else {
		tap_diag("  got %s", guest_exit_name(r));
	}
out:
	guest_vm_destroy(&g);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(3 * 20);
	test_mmio(sys_fd, "32-bit", GUEST_PROT32, mmio32_start, mmio32_end);
	test_mmio(sys_fd, "32-bit PAE paging", GUEST_PAE32, mmio32_start, mmio32_end);
	test_mmio(sys_fd, "64-bit long mode", GUEST_LONG64, mmio64_start, mmio64_end);
	close(sys_fd);
	return tap_finish();
}
