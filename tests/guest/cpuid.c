// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid - KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2, KVM_GET_CPUID2 and what
 * the guest's CPUID instruction then returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest.h"

#define MAX_ENTRIES 256

GUEST_CODE(cpuid_loop, ".code32", "1: cpuid\n hlt\n jmp 1b\n");

static struct kvm_cpuid2 *cpuid_alloc(unsigned int nent)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      nent * sizeof(struct kvm_cpuid_entry2));

	if (c)
		c->nent = nent;
	return c;
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *c,
					   uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     c->entries[i].index == idx))
			return &c->entries[i];
	return NULL;
}

/* Runs the guest's CPUID once with EAX = fn, ECX = idx. */
static bool guest_cpuid(struct guest_vm *g, uint32_t fn, uint32_t idx,
			struct kvm_regs *out)
{
	struct kvm_regs regs;

	if (ioctl(g->vcpu_fd, KVM_GET_REGS, &regs))
		return false;
	regs.rax = fn;
	regs.rcx = idx;
	regs.rip = GUEST_CODE_GPA;
	if (ioctl(g->vcpu_fd, KVM_SET_REGS, &regs) ||
	    guest_run(g) != KVM_EXIT_HLT)
		return false;
	return !ioctl(g->vcpu_fd, KVM_GET_REGS, out);
}

int main(void)
{
	int sys_fd = guest_open_dev();
	struct kvm_cpuid2 *sup = cpuid_alloc(MAX_ENTRIES);
	struct kvm_cpuid2 *tiny = cpuid_alloc(1), *big = cpuid_alloc(MAX_ENTRIES + 1);
	struct kvm_cpuid2 *got = cpuid_alloc(MAX_ENTRIES), *other;
	const struct kvm_cpuid_entry2 *e0, *e1;
	struct kvm_regs r;
	struct guest_vm g;
	uint32_t maxleaf;

	if (!sup || !tiny || !big || !got)
		tap_bail("out of memory");
	tap_plan(14);

	tiny->nent = 0;
	tap_expect_errno(TAP_CALL(ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, tiny)),
			 E2BIG, "KVM_GET_SUPPORTED_CPUID with nent 0 -> E2BIG");
	tiny->nent = 1;
	tap_expect_errno(TAP_CALL(ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, tiny)),
			 E2BIG, "KVM_GET_SUPPORTED_CPUID with nent 1 -> E2BIG");
	if (!tap_expect_ok(TAP_CALL(ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, sup)),
			   "KVM_GET_SUPPORTED_CPUID with nent 256"))
		goto out_noguest;
	e0 = find(sup, 0, 0);
	e1 = find(sup, 1, 0);
	if (!tap_check(e0 && e1 && e0->eax >= 1 && sup->nent > 2 &&
		       sup->nent <= MAX_ENTRIES,
		       "the supported table has leaves 0 and 1 (%u entries)",
		       sup->nent))
		goto out_noguest;
	maxleaf = e0->eax;

	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, GUEST_PROT32, cpuid_loop_start, cpuid_loop_end),
		       "32-bit guest set up"))
		goto out;
	big->nent = MAX_ENTRIES + 1;
	tap_expect_errno(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_CPUID2, big)), E2BIG,
			 "KVM_SET_CPUID2 with 257 entries -> E2BIG");
	tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_CPUID2, sup)),
		      "KVM_SET_CPUID2 with the supported table");

	tiny->nent = 1;
	tap_expect_errno(TAP_CALL(ioctl(g.vcpu_fd, KVM_GET_CPUID2, tiny)), E2BIG,
			 "KVM_GET_CPUID2 with too small an array -> E2BIG");
	got->nent = MAX_ENTRIES;
	if (tap_expect_ok(TAP_CALL(ioctl(g.vcpu_fd, KVM_GET_CPUID2, got)),
			  "KVM_GET_CPUID2")) {
		bool same = true;

		/*
		 * 6.1's KVM leaves nent as the caller passed it on success
		 * (kvm_vcpu_ioctl_get_cpuid2 sets it only on its error path);
		 * vmrun writes the count back. Either way the first entries
		 * are the table that was set (leaf 1's state bits aside).
		 */
		for (uint32_t i = 0; i < sup->nent && same; i++)
			same = got->entries[i].function == sup->entries[i].function &&
			       got->entries[i].index == sup->entries[i].index &&
			       got->entries[i].eax == sup->entries[i].eax;
		if (!tap_check((got->nent == sup->nent || got->nent == MAX_ENTRIES) &&
			       same, "KVM_GET_CPUID2 returns the table that was set"))
			tap_diag("  nent %u (set %u)", got->nent, sup->nent);
	}

	if (tap_check(guest_cpuid(&g, 0, 0, &r), "the guest runs CPUID leaf 0"))
		tap_check(r.rax == e0->eax && r.rbx == e0->ebx &&
			  r.rcx == e0->ecx && r.rdx == e0->edx,
			  "leaf 0 (max leaf, vendor) is what the table says");
	else
		tap_skip("the guest did not run", "leaf 0 is what the table says");

	/* OSXSAVE (leaf 1 ECX bit 27) follows the guest's CR4, which is 0. */
	if (guest_cpuid(&g, 1, 0, &r)) {
		if (!tap_check(r.rax == e1->eax && (r.rcx & ~(1u << 27)) ==
			       (e1->ecx & ~(1u << 27)) && !(r.rcx & (1u << 27)) &&
			       r.rdx == e1->edx,
			       "leaf 1 is the table's, OSXSAVE clear while CR4.OSXSAVE is"))
			tap_diag("  guest %08llx %08llx %08llx, table %08x %08x %08x (eax ecx edx)",
				 (unsigned long long)r.rax, (unsigned long long)r.rcx,
				 (unsigned long long)r.rdx, e1->eax, e1->ecx, e1->edx);
	} else
		tap_check(false, "leaf 1: the guest ran CPUID");

	/* After a run, only the same table is accepted. */
	other = cpuid_alloc(sup->nent);
	memcpy(other->entries, sup->entries, sup->nent * sizeof(sup->entries[0]));
	for (uint32_t i = 0; i < other->nent; i++)
		if (other->entries[i].function == 0)
			other->entries[i].eax = maxleaf - 1 ? maxleaf - 1 : 2;
	tap_expect_errno(TAP_CALL(ioctl(g.vcpu_fd, KVM_SET_CPUID2, other)), EINVAL,
			 "KVM_SET_CPUID2 with a different table after KVM_RUN -> EINVAL");
	free(other);
	guest_vm_destroy(&g);
out:
	;
out_noguest:
	free(sup);
	free(tiny);
	free(big);
	free(got);
	close(sys_fd);
	return tap_finish();
}
