// SPDX-License-Identifier: GPL-2.0
/*
 * cr4 - the CR4 bits a guest may set follow its CPUID, as KVM's
 * kvm_is_valid_cr4() has it: MOV to CR4 with a bit whose feature the
 * guest's CPUID table lacks is #GP, and so is VMXE unless the supported
 * CPUID offers VMX (stock kvm-intel does, for nested guests; vmrun and
 * kvm-amd do not); with the feature offered through KVM_SET_CPUID2 the
 * same write works.
 * KVM_SET_SREGS refuses such a CR4 with EINVAL, likewise. Before any
 * KVM_SET_CPUID2, stock KVM 6.1 limits CR4 by the host's features only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "irqguest.h"

#define CR4_PSE		(1u << 4)
#define CR4_VMXE	(1u << 13)
#define CR4_OSXSAVE	(1u << 18)

/* EBX: the bits to set. Reports CR4 as read back on port step 1. */
GUEST_CODE(cr4, ".code32", IRQ_ASM_MACROS
	   "mov %cr4, %eax\n or %ebx, %eax\n mov %eax, %cr4\n"
	   "mov %cr4, %eax\n report 1\n done\n");

/* A 32-bit guest that sets @bits in CR4; true if it was set up. */
static bool setup(struct guest_vm *g, int sys_fd, struct kvm_cpuid2 *cpuid,
		  uint32_t bits)
{
	struct kvm_regs regs;

	if (!irq_vm_create(g, sys_fd, false) ||
	    (cpuid && ioctl(g->vcpu_fd, KVM_SET_CPUID2, cpuid)) ||
	    !guest_load(g, GUEST_PROT32, cr4_start, cr4_end) ||
	    !irq_setup_cpu(g, 0, GUEST_STACK_TOP, 0) ||
	    ioctl(g->vcpu_fd, KVM_GET_REGS, &regs))
		return false;
	regs.rbx = bits;
	return !ioctl(g->vcpu_fd, KVM_SET_REGS, &regs);
}

/* The guest's write faults: the fault stub reports vector 13. */
static void expect_gp(struct guest_vm *g, const char *what)
{
	int r = guest_run(g);
	uint32_t vec = 0;

	if (r == KVM_EXIT_IO && g->run->io.port == IRQ_PORT_FAULT)
		memcpy(&vec, (uint8_t *)g->run + g->run->io.data_offset, 4);
	if (!tap_check(r == KVM_EXIT_IO && g->run->io.port == IRQ_PORT_FAULT &&
		       vec == 13, "%s", what))
		irq_diag_exit(g, r);
}

static struct kvm_cpuid2 *supported_cpuid(int sys_fd)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));

	if (!c)
		return NULL;
	c->nent = 256;
	if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c)) {
		free(c);
		return NULL;
	}
	return c;
}

static void cpuid_clear_xsave(struct kvm_cpuid2 *c)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx &= ~((1u << 26) | (1u << 27));
}

/* CPUID.1:ECX bit @bit in the table. */
static bool cpuid_1_ecx(const struct kvm_cpuid2 *c, unsigned int bit)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			return c->entries[i].ecx & (1u << bit);
	return false;
}

static bool cpuid_has_xsave(const struct kvm_cpuid2 *c)
{
	return cpuid_1_ecx(c, 26);
}

int main(void)
{
	int sys_fd = guest_open_dev();
	struct kvm_cpuid2 *cpuid = supported_cpuid(sys_fd);
	struct kvm_sregs sregs;
	struct guest_vm g;
	uint32_t v;
	bool xsave;

	tap_plan(9);
	if (!tap_check(cpuid != NULL, "KVM_GET_SUPPORTED_CPUID"))
		tap_bail("no supported CPUID");
	xsave = cpuid_has_xsave(cpuid);

	if (tap_check(setup(&g, sys_fd, NULL, CR4_PSE), "a guest without CPUID sets CR4.PSE") &&
	    irq_expect(&g, 1, &v, "CR4.PSE written and read back"))
		tap_check(v & CR4_PSE, "CR4.PSE is set (0x%x): a base bit needs no CPUID", v);
	else
		tap_check(false, "CR4.PSE is set");
	guest_vm_destroy(&g);

	if (!xsave) {
		tap_skip("the host offers no XSAVE", "CR4.OSXSAVE without XSAVE in CPUID");
		tap_skip("the host offers no XSAVE", "KVM_SET_SREGS with CR4.OSXSAVE");
	} else {
		struct kvm_cpuid2 *noxsave = malloc(sizeof(*cpuid) +
						    cpuid->nent * sizeof(cpuid->entries[0]));

		memcpy(noxsave, cpuid, sizeof(*cpuid) +
		       cpuid->nent * sizeof(cpuid->entries[0]));
		cpuid_clear_xsave(noxsave);
		if (setup(&g, sys_fd, noxsave, CR4_OSXSAVE))
			expect_gp(&g, "CPUID without XSAVE: MOV to CR4 with OSXSAVE is #GP");
		else
			tap_check(false, "CPUID without XSAVE: MOV to CR4 with OSXSAVE (set-up)");
		if (!ioctl(g.vcpu_fd, KVM_GET_SREGS, &sregs)) {
			sregs.cr4 |= CR4_OSXSAVE;
			tap_expect_errno(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_SREGS, &sregs)),
					 EINVAL, "CPUID without XSAVE: KVM_SET_SREGS with CR4.OSXSAVE -> EINVAL");
		} else {
			tap_check(false, "KVM_GET_SREGS");
		}
		guest_vm_destroy(&g);
		free(noxsave);
	}

	if (!setup(&g, sys_fd, cpuid, CR4_VMXE)) {
		tap_check(false, "MOV to CR4 with VMXE (set-up)");
	} else if (cpuid_1_ecx(cpuid, 5)) {
		/* Nested VMX offered: VMXE is a CPUID-backed bit like others. */
		if (irq_expect(&g, 1, &v, "MOV to CR4 with VMXE"))
			tap_check(v & CR4_VMXE,
				  "the supported CPUID offers VMX: MOV to CR4 with VMXE works (0x%x)",
				  v);
	} else {
		expect_gp(&g, "the supported CPUID lacks VMX: MOV to CR4 with VMXE is #GP");
	}
	guest_vm_destroy(&g);

	if (!xsave) {
		tap_skip("the host offers no XSAVE", "CR4.OSXSAVE with XSAVE in CPUID");
		tap_skip("the host offers no XSAVE", "KVM_SET_SREGS with CR4.OSXSAVE");
		tap_skip("the host offers no XSAVE", "CR4.OSXSAVE read back");
		return tap_finish();
	}
	if (tap_check(setup(&g, sys_fd, cpuid, CR4_OSXSAVE),
		      "a guest with the supported CPUID (XSAVE) sets CR4.OSXSAVE") &&
	    irq_expect(&g, 1, &v, "CR4.OSXSAVE written and read back"))
		tap_check(v & CR4_OSXSAVE, "CR4.OSXSAVE is set (0x%x)", v);
	else
		tap_check(false, "CR4.OSXSAVE is set");
	if (!ioctl(g.vcpu_fd, KVM_GET_SREGS, &sregs)) {
		sregs.cr4 |= CR4_OSXSAVE;
		tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_SREGS, &sregs)),
			      "with XSAVE in CPUID: KVM_SET_SREGS with CR4.OSXSAVE -> 0");
	} else {
		tap_check(false, "KVM_GET_SREGS");
	}
	guest_vm_destroy(&g);
	free(cpuid);
	close(sys_fd);
	return tap_finish();
}
