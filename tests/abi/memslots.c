// SPDX-License-Identifier: GPL-2.0
/*
 * memslots - the rules of KVM_SET_USER_MEMORY_REGION (api.rst 4.35).
 *
 * Errnos follow Linux 6.1 virt/kvm/kvm_main.c (Debian linux-source-6.1):
 *   kvm_vm_ioctl_set_memory_region():
 *     "(u16)mem->slot >= KVM_USER_MEM_SLOTS -> -EINVAL"        slot id bound
 *   __kvm_set_memory_region(), in this order:
 *     check_memory_region_flags(): flags outside LOG_DIRTY_PAGES|READONLY
 *       (READONLY only with __KVM_HAVE_READONLY_MEM) -> -EINVAL
 *     memory_size not a page multiple -> -EINVAL
 *     guest_phys_addr not page aligned -> -EINVAL
 *     userspace_addr not page aligned, tagged, or !access_ok(addr, size)
 *       -> -EINVAL (kernel addresses, ranges past the user address space)
 *     as_id >= KVM_ADDRESS_SPACE_NUM || id >= KVM_MEM_SLOTS_NUM -> -EINVAL
 *     guest_phys_addr + memory_size wraps -> -EINVAL
 *     memory_size == 0 (delete) of a slot that does not exist -> -EINVAL
 *     existing slot: userspace_addr changed, npages changed, or READONLY
 *       toggled -> -EINVAL; same base_gfn and flags -> 0 (no change);
 *       other gfn -> MOVE; other flags -> FLAGS_ONLY
 *     CREATE/MOVE overlapping another slot of the same address space
 *       (kvm_check_memslot_overlap() skips the slot itself) -> -EEXIST
 *   Deletion looks only at the slot id: guest_phys_addr is ignored.
 *   Arch hooks (kvm_arch_prepare_memory_region) for a range beyond the guest
 *   physical address space: x86 "base_gfn + npages - 1 > kvm_mmu_max_gfn()
 *   -> -EINVAL" (arch/x86/kvm/x86.c); arm64 "base_gfn + npages >
 *   kvm_phys_size >> PAGE_SHIFT -> -EFAULT" (arch/arm64/kvm/mmu.c).
 *
 * Limits come from KVM_CHECK_EXTENSION: KVM_CAP_NR_MEMSLOTS,
 * KVM_CAP_MULTI_ADDRESS_SPACE (1 when not advertised), KVM_CAP_READONLY_MEM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

#define NR_TESTS 45

/* Far beyond any guest physical address width (x86 and arm64 max 52). */
#define GPA_BEYOND (1ULL << 52)
#ifdef ABI_X86
#define BEYOND_ERRNO EINVAL
#define BEYOND_STR "EINVAL (x86 kvm_mmu_max_gfn)"
#else
#define BEYOND_ERRNO EFAULT
#define BEYOND_STR "EFAULT (arm64 kvm_phys_size)"
#endif

/* A page-aligned address in the kernel half on x86_64 and arm64. */
#define KERNEL_ADDR 0xffffffff80000000ULL

#define HOST_PAGES 32

#define NO_DIRTY_LOG "vmrun refuses KVM_MEM_LOG_DIRTY_PAGES (EINVAL): dirty logging not offered yet"

static int vmfd;
static unsigned long long P;	/* page size */
static unsigned long long mem;	/* HOST_PAGES of anonymous memory */

static struct tap_res region(unsigned int slot, unsigned int flags,
			     unsigned long long gpa, unsigned long long size,
			     unsigned long long uaddr)
{
	return abi_set_region(vmfd, slot, flags, gpa, size, uaddr);
}

static long vm_cap(int sysfd, bool check_vm, long cap)
{
	long v = check_vm ? abi_cap(vmfd, cap) : -1;

	return v >= 0 ? v : abi_cap(sysfd, cap);
}

static bool read_objects(bool vmrun, struct vmrun_objects *o)
{
	return vmrun && vmrun_objects_read(o) == 0;
}

int main(void)
{
	const unsigned long long G = 0x100000;	/* base guest address */
	struct vmrun_objects o_base, o_one, o_three, o_end;
	bool ob = false, o1 = false, o3 = false, oe = false;
	long nr_slots, nr_as, ro_cap;
	unsigned long long s0;		/* slot 0's current gpa */
	struct tap_res r;
	bool check_vm, vmrun;
	void *host;
	int sysfd, i;

	abi_init();
	vmrun = !abi.ref;
	P = page_size();
	sysfd = abi_open_dev();
	tap_plan(NR_TESTS);
	abi_hold_vm(sysfd);

	host = mmap(NULL, HOST_PAGES * P, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (host == MAP_FAILED)
		tap_bail("mmap of %d pages failed", HOST_PAGES);
	mem = (unsigned long)host;

	ob = read_objects(vmrun, &o_base);
	r = TAP_CALL(abi_create_vm(sysfd));
	if (r.ret < 0)
		tap_bail("KVM_CREATE_VM: %s", tap_res_str(r));
	vmfd = (int)r.ret;
	check_vm = abi_cap(sysfd, KVM_CAP_CHECK_EXTENSION_VM) > 0;
	nr_slots = vm_cap(sysfd, check_vm, KVM_CAP_NR_MEMSLOTS);
	nr_as = vm_cap(sysfd, check_vm, KVM_CAP_MULTI_ADDRESS_SPACE);
	if (nr_as <= 0)
		nr_as = 1;	/* not advertised: one address space */
	ro_cap = vm_cap(sysfd, check_vm, KVM_CAP_READONLY_MEM);
	tap_diag("KVM_CAP_NR_MEMSLOTS=%ld KVM_CAP_MULTI_ADDRESS_SPACE=%ld KVM_CAP_READONLY_MEM=%ld",
		 nr_slots, nr_as, ro_cap);
	if (nr_slots < 3)
		tap_bail("KVM_CAP_NR_MEMSLOTS=%ld, need at least 3", nr_slots);

	/* --- create, no-op, move --------------------------------------- */
	s0 = G;
	tap_expect_ret(region(0, 0, s0, 4 * P, mem), 0,
		       "create slot 0 (4 pages) -> 0");
	o1 = read_objects(vmrun, &o_one);
	tap_expect_ret(region(0, 0, s0, 4 * P, mem), 0,
		       "repeat of the identical region -> 0 (no change)");
	s0 = G + 16 * P;
	tap_expect_ret(region(0, 0, s0, 4 * P, mem), 0,
		       "move slot 0 to a new guest_phys_addr -> 0");
	s0 = G + 18 * P;
	tap_expect_ret(region(0, 0, s0, 4 * P, mem), 0,
		       "move slot 0 by 2 pages, overlapping only its own old range -> 0");

	/* --- forbidden modifications ----------------------------------- */
	tap_expect_errno(region(0, 0, s0, 8 * P, mem), EINVAL,
			 "grow existing slot 0 (4 -> 8 pages) -> EINVAL");
	tap_expect_errno(region(0, 0, s0, 2 * P, mem), EINVAL,
			 "shrink existing slot 0 (4 -> 2 pages) -> EINVAL");
	tap_expect_errno(region(0, 0, s0, 4 * P, mem + 4 * P), EINVAL,
			 "change userspace_addr of existing slot 0 -> EINVAL");
	tap_expect_errno(region(0, 0, G + 64 * P, 4 * P, mem + 4 * P), EINVAL,
			 "move slot 0 while changing userspace_addr -> EINVAL");

	/* --- flag changes ---------------------------------------------- */
	r = region(0, KVM_MEM_LOG_DIRTY_PAGES, s0, 4 * P, mem);
	if (abi_vmrun_lacks(r, EINVAL)) {
		tap_skip(NO_DIRTY_LOG, "set KVM_MEM_LOG_DIRTY_PAGES on existing slot 0 -> 0");
		tap_skip(NO_DIRTY_LOG, "clear KVM_MEM_LOG_DIRTY_PAGES on existing slot 0 -> 0");
	} else {
		tap_expect_ret(r, 0, "set KVM_MEM_LOG_DIRTY_PAGES on existing slot 0 -> 0");
		tap_expect_ret(region(0, 0, s0, 4 * P, mem), 0,
			       "clear KVM_MEM_LOG_DIRTY_PAGES on existing slot 0 -> 0");
	}
	if (ro_cap > 0)
		tap_expect_errno(region(0, KVM_MEM_READONLY, s0, 4 * P, mem),
				 EINVAL, "set KVM_MEM_READONLY on existing slot 0 -> EINVAL");
	else
		tap_skip("KVM_CAP_READONLY_MEM not advertised",
			 "set KVM_MEM_READONLY on existing slot 0 -> EINVAL");

	/* --- overlap (slot 0 is [s0, s0 + 4P)) ------------------------- */
	tap_expect_errno(region(1, 0, s0 + 2 * P, 4 * P, mem + 8 * P), EEXIST,
			 "create slot 1 overlapping the end of slot 0 -> EEXIST");
	tap_expect_errno(region(1, 0, s0 - 2 * P, 4 * P, mem + 8 * P), EEXIST,
			 "create slot 1 overlapping the start of slot 0 -> EEXIST");
	tap_expect_errno(region(1, 0, s0 - P, 8 * P, mem + 8 * P), EEXIST,
			 "create slot 1 covering all of slot 0 -> EEXIST");
	tap_expect_errno(region(1, 0, s0 + P, P, mem + 8 * P), EEXIST,
			 "create slot 1 inside slot 0 -> EEXIST");
	tap_expect_ret(region(1, 0, s0 + 4 * P, 2 * P, mem + 8 * P), 0,
		       "create slot 1 adjacent after slot 0 -> 0");
	tap_expect_ret(region(2, 0, s0 - 2 * P, 2 * P, mem + 12 * P), 0,
		       "create slot 2 adjacent before slot 0 -> 0");
	o3 = read_objects(vmrun, &o_three);
	tap_expect_errno(region(1, 0, s0 + 3 * P, 2 * P, mem + 8 * P), EEXIST,
			 "move slot 1 into slot 0 -> EEXIST");
	tap_expect_errno(region(1, 0, s0 - 2 * P, 2 * P, mem + 8 * P), EEXIST,
			 "move slot 1 exactly onto slot 2 -> EEXIST");

	/* --- delete ----------------------------------------------------- */
	tap_expect_ret(region(0, 0, s0, 0, mem), 0,
		       "delete slot 0 (memory_size 0) -> 0");
	tap_expect_ret(region(1, 0, s0, 2 * P, mem + 8 * P), 0,
		       "move slot 1 into the range freed by deleting slot 0 -> 0");
	tap_expect_errno(region(0, 0, s0, 0, mem), EINVAL,
			 "delete slot 0 again (no longer exists) -> EINVAL");
	tap_expect_errno(region(7, 0, G, 0, mem), EINVAL,
			 "delete slot 7 (never created) -> EINVAL");
	tap_expect_ret(region(0, 0, G + 64 * P, 8 * P, mem + 16 * P), 0,
		       "re-create slot 0 with another size and address after deletion -> 0");
	r = region(0, 0, G + 128 * P, 0, 0);
	if (!tap_check(r.ret == 0 &&
		       region(0, 0, G + 64 * P, 0, 0).err == EINVAL,
		       "delete slot 0 with a different guest_phys_addr -> 0 (only the id counts)"))
		tap_diag("  delete: %s", tap_res_str(r));

	/* --- alignment --------------------------------------------------- */
	tap_expect_errno(region(3, 0, G + 64 * P + P / 2, P, mem), EINVAL,
			 "guest_phys_addr not page aligned -> EINVAL");
	tap_expect_errno(region(3, 0, G + 64 * P, P + P / 2, mem), EINVAL,
			 "memory_size not a page multiple -> EINVAL");
	tap_expect_errno(region(3, 0, G + 64 * P, P, mem + 8), EINVAL,
			 "userspace_addr not page aligned -> EINVAL");

	/* --- slot and address-space ids -------------------------------- */
	tap_expect_errno(region((unsigned int)nr_slots, 0, G + 64 * P, P, mem),
			 EINVAL, "slot id = KVM_CAP_NR_MEMSLOTS (%ld) -> EINVAL",
			 nr_slots);
	if (nr_slots < 0xffff)
		tap_expect_errno(region(0xffff, 0, G + 64 * P, P, mem), EINVAL,
				 "slot id 0xffff -> EINVAL");
	else
		tap_skip("KVM_CAP_NR_MEMSLOTS covers 0xffff",
			 "slot id 0xffff -> EINVAL");
	r = region((unsigned int)nr_slots - 1, 0, G + 64 * P, P, mem);
	tap_expect_ret(r, 0, "slot id = KVM_CAP_NR_MEMSLOTS - 1 (%ld) -> 0",
		       nr_slots - 1);
	if (r.ret == 0)
		region((unsigned int)nr_slots - 1, 0, G + 64 * P, 0, mem);
	tap_expect_errno(region((unsigned int)nr_as << 16, 0, G + 64 * P, P, mem),
			 EINVAL,
			 "address space id = KVM_CAP_MULTI_ADDRESS_SPACE (%ld) -> EINVAL",
			 nr_as);
	tap_expect_errno(region(0xffffu << 16, 0, G + 64 * P, P, mem), EINVAL,
			 "address space id 0xffff -> EINVAL");
	if (nr_as > 1) {
		/* slot 1 of address space 0 sits at s0; reuse the range. */
		unsigned int as1 = 1u << 16;

		r = region(as1 | 1, 0, s0, 2 * P, mem + 8 * P);
		tap_expect_ret(r, 0, "address space 1 slot 1 on the range of address space 0 slot 1 -> 0 (separate spaces)");
		if (r.ret == 0)
			region(as1 | 1, 0, s0, 0, 0);
	} else {
		tap_skip("KVM_CAP_MULTI_ADDRESS_SPACE is 1",
			 "address space 1 slot 1 on the range of address space 0 slot 1 -> 0 (separate spaces)");
	}

	/* --- flags ------------------------------------------------------ */
	tap_expect_errno(region(3, 1u << 7, G + 64 * P, P, mem), EINVAL,
			 "unknown flag bit 7 -> EINVAL");
	tap_expect_errno(region(3, 1u << 31, G + 64 * P, P, mem), EINVAL,
			 "unknown flag bit 31 -> EINVAL");
	r = region(3, KVM_MEM_READONLY, G + 64 * P, P, mem);
	if (ro_cap > 0) {
		tap_expect_ret(r, 0, "create with KVM_MEM_READONLY -> 0 (KVM_CAP_READONLY_MEM advertised)");
	} else {
		tap_expect_errno(r, EINVAL, "create with KVM_MEM_READONLY -> EINVAL (KVM_CAP_READONLY_MEM not advertised)");
	}
	if (r.ret == 0)
		region(3, 0, G + 64 * P, 0, mem);

	/* --- address ranges --------------------------------------------- */
	tap_expect_errno(region(3, 0, ~0ULL - P + 1, 2 * P, mem), EINVAL,
			 "guest_phys_addr + memory_size wraps around -> EINVAL");
	tap_expect_errno(region(3, 0, G + 64 * P, P, KERNEL_ADDR), EINVAL,
			 "userspace_addr in the kernel half (0x%llx) -> EINVAL",
			 KERNEL_ADDR);
	tap_expect_errno(region(3, 0, G + 64 * P, 1ULL << 63, mem), EINVAL,
			 "userspace_addr + memory_size past the user address space -> EINVAL");
	tap_expect_errno(region(3, 0, GPA_BEYOND, P, mem), BEYOND_ERRNO,
			 "guest_phys_addr 2^52, beyond the guest physical address space -> %s",
			 BEYOND_STR);

	/* --- a region stays usable after all the failures above --------- */
	tap_expect_ret(region(3, 0, G + 64 * P, 4 * P, mem + 20 * P), 0,
		       "create slot 3 after the rejected attempts -> 0");
	tap_expect_ret(region(3, 0, G + 64 * P, 0, 0), 0, "delete slot 3 -> 0");
	r = (struct tap_res){ 0, 0 };
	for (i = 1; i <= 2 && r.ret == 0; i++)
		r = region((unsigned int)i, 0, 0, 0, 0);
	tap_expect_ret(r, 0, "delete the remaining slots 1 and 2 -> 0");

	close(vmfd);

	/* --- vmrun's memslot counter ------------------------------------ */
	if (!vmrun) {
		tap_skip(ABI_REF_SKIP, "debugfs vmrun/objects memslots follows create/delete/VM close");
	} else {
		for (i = 0; i <= 30; i++) {
			if (i)
				sleep_ms(100);
			oe = read_objects(vmrun, &o_end);
			if (!oe || o_end.memslots == o_base.memslots)
				break;
		}
		if (!tap_check(ob && o1 && o3 && oe && o_base.memslots >= 0 &&
			       o_one.memslots == o_base.memslots + 1 &&
			       o_three.memslots == o_base.memslots + 3 &&
			       o_end.memslots == o_base.memslots,
			       "debugfs vmrun/objects memslots follows create/delete/VM close"))
			tap_diag("  memslots: base %ld, 1 slot %ld, 3 slots %ld, after close %ld",
				 o_base.memslots, o_one.memslots,
				 o_three.memslots, o_end.memslots);
	}

	munmap(host, HOST_PAGES * P);
	close(sysfd);
	return tap_finish();
}
