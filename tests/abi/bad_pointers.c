// SPDX-License-Identifier: GPL-2.0
/*
 * bad_pointers - ioctls that take a user pointer, given NULL, an unmapped
 * address, a structure that runs off the end of a mapping, or (for output
 * structures) a read-only page, fail with EFAULT and change nothing.
 *
 * Errnos follow Linux 6.1 (Debian linux-source-6.1):
 *   virt/kvm/kvm_main.c kvm_vm_ioctl(): KVM_SET_USER_MEMORY_REGION,
 *     KVM_ENABLE_CAP and KVM_GET_DIRTY_LOG start with "r = -EFAULT;
 *     if (copy_from_user(...)) goto out;".  kvm_get_dirty_log_protect() ends
 *     with "copy_to_user(log->dirty_bitmap, ...) -> -EFAULT".
 *   kvm_vcpu_ioctl(): KVM_GET_REGS/KVM_GET_SREGS call the arch getter first
 *     and then "r = -EFAULT; if (copy_to_user(...))"; KVM_SET_REGS/
 *     KVM_SET_SREGS start with memdup_user() (-EFAULT).
 *   arm64: arch/arm64/kvm/guest.c kvm_arch_vcpu_ioctl_get_regs() "return
 *     -EINVAL", so KVM_GET_REGS fails with EINVAL before any copy, while
 *     KVM_SET_REGS still fails with EFAULT in memdup_user() first.
 *     arch/arm64/kvm/arm.c: KVM_ARM_PREFERRED_TARGET "copy_to_user -> -EFAULT",
 *     KVM_ARM_VCPU_INIT and KVM_{GET,SET}_ONE_REG "copy_from_user -> -EFAULT"
 *     (ONE_REG after the ENOEXEC check for an uninitialised vCPU);
 *     guest.c get_core_reg()/set_core_reg() copy the value through reg.addr
 *     -> -EFAULT.
 *   x86: arch/x86/kvm/x86.c kvm_arch_dev_ioctl() KVM_GET_SUPPORTED_CPUID
 *     "r = -EFAULT; if (copy_from_user(&cpuid, ...))".
 *
 * Features without a capability bit (dirty logging, KVM_GET_SREGS,
 * KVM_ARM_VCPU_INIT) are probed first with a valid argument; only in vmrun
 * mode does an unknown-ioctl answer turn their checks into skips (see
 * abi_vmrun_lacks()).  KVM_ENABLE_CAP, KVM_GET_SUPPORTED_CPUID and ONE_REG
 * follow KVM_CAP_ENABLE_CAP_VM, KVM_CAP_EXT_CPUID and KVM_CAP_ONE_REG.
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

#define NR_ARCH_TESTS 10
#define NR_TESTS (8 + NR_ARCH_TESTS)

#define NO_DIRTY_LOG "vmrun refuses KVM_MEM_LOG_DIRTY_PAGES (EINVAL): dirty logging not offered yet"

static size_t ps;
static char *edge;		/* a RW page followed by an unmapped page */
static void *unmapped;		/* the unmapped page after edge */
static void *ro_page;		/* a read-only page */

/* A buffer of len bytes that ends exactly where the unmapped page begins. */
static void *straddle(size_t len)
{
	return edge + ps - len / 2;
}

/*
 * Map everything first and unmap last, so that no later mmap() can land on
 * the page that must stay unmapped.
 */
static void *setup_memory(void)
{
	void *host = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	ro_page = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (host == MAP_FAILED || ro_page == MAP_FAILED || p == MAP_FAILED ||
	    munmap(p + ps, ps))
		tap_bail("cannot set up the test mappings");
	edge = p;
	unmapped = p + ps;
	return host;
}

static struct tap_res io(int fd, unsigned long req, const void *arg)
{
	return TAP_CALL(ioctl(fd, req, arg));
}

/* 1-8: VM-level ioctls, common to all architectures. */
static void test_vm_pointers(int sysfd, int vmfd, void *host)
{
	struct kvm_userspace_memory_region *half;
	struct kvm_dirty_log log;
	struct tap_res r;

	tap_expect_errno(io(vmfd, KVM_SET_USER_MEMORY_REGION, NULL), EFAULT,
			 "KVM_SET_USER_MEMORY_REGION(NULL) -> EFAULT");
	tap_expect_errno(io(vmfd, KVM_SET_USER_MEMORY_REGION, unmapped), EFAULT,
			 "KVM_SET_USER_MEMORY_REGION(unmapped address) -> EFAULT");

	/*
	 * The readable half says "slot 0, no flags"; the rest (gpa, size,
	 * address) lies in the unmapped page.  Nothing may be created.
	 */
	half = straddle(sizeof(*half));
	memset(half, 0, sizeof(*half) / 2);
	r = io(vmfd, KVM_SET_USER_MEMORY_REGION, half);
	tap_expect_errno(r, EFAULT,
			 "KVM_SET_USER_MEMORY_REGION(struct running into an unmapped page) -> EFAULT");
	tap_expect_errno(abi_set_region(vmfd, 0, 0, 0, 0, 0), EINVAL,
			 "after the faulting calls slot 0 does not exist (delete -> EINVAL)");

	if (abi_cap(sysfd, KVM_CAP_ENABLE_CAP_VM) > 0)
		tap_expect_errno(io(vmfd, KVM_ENABLE_CAP, NULL), EFAULT,
				 "KVM_ENABLE_CAP(NULL) on the VM fd -> EFAULT");
	else
		tap_skip("KVM_CAP_ENABLE_CAP_VM not advertised",
			 "KVM_ENABLE_CAP(NULL) on the VM fd -> EFAULT");

	/* A dirty-logged slot whose bitmap pointer is bad. */
	r = abi_set_region(vmfd, 1, KVM_MEM_LOG_DIRTY_PAGES, 0x100000,
			   4 * ps, (unsigned long)host);
	if (abi_vmrun_lacks(r, EINVAL)) {
		tap_skip(NO_DIRTY_LOG, "create a KVM_MEM_LOG_DIRTY_PAGES slot");
		tap_skip(NO_DIRTY_LOG, "KVM_GET_DIRTY_LOG(NULL) -> EFAULT");
		tap_skip(NO_DIRTY_LOG, "KVM_GET_DIRTY_LOG with an unmapped dirty_bitmap -> EFAULT");
		return;
	}
	tap_expect_ok(r, "create a KVM_MEM_LOG_DIRTY_PAGES slot");
	tap_expect_errno(io(vmfd, KVM_GET_DIRTY_LOG, NULL), EFAULT,
			 "KVM_GET_DIRTY_LOG(NULL) -> EFAULT");
	memset(&log, 0, sizeof(log));
	log.slot = 1;
	log.dirty_bitmap = unmapped;
	if (r.ret == 0)
		tap_expect_errno(io(vmfd, KVM_GET_DIRTY_LOG, &log), EFAULT,
				 "KVM_GET_DIRTY_LOG with an unmapped dirty_bitmap -> EFAULT");
	else
		tap_skip("no dirty-logged slot",
			 "KVM_GET_DIRTY_LOG with an unmapped dirty_bitmap -> EFAULT");
}

#ifdef ABI_X86
/* 9-18 (x86). */
#define NO_SREGS "vmrun answers KVM_GET_SREGS like an unknown ioctl (EINVAL): not offered yet"

static void test_vcpu_pointers(int sysfd, int vmfd, int vcpufd)
{
	static struct kvm_sregs sregs;
	struct kvm_regs set, got;
	struct tap_res r;

	memset(&set, 0, sizeof(set));
	set.rax = 0xfeedfacecafebeefULL;
	set.rip = 0x1000;
	set.rflags = 0x2;
	if (ioctl(vcpufd, KVM_SET_REGS, &set))
		tap_bail("KVM_SET_REGS with a valid buffer failed: %s",
			 strerror(errno));

	tap_expect_errno(io(vcpufd, KVM_GET_REGS, NULL), EFAULT,
			 "KVM_GET_REGS(NULL) -> EFAULT");
	tap_expect_errno(io(vcpufd, KVM_GET_REGS, unmapped), EFAULT,
			 "KVM_GET_REGS(unmapped address) -> EFAULT");
	tap_expect_errno(io(vcpufd, KVM_GET_REGS, ro_page), EFAULT,
			 "KVM_GET_REGS(read-only page) -> EFAULT");
	tap_expect_errno(io(vcpufd, KVM_SET_REGS, NULL), EFAULT,
			 "KVM_SET_REGS(NULL) -> EFAULT");
	tap_expect_errno(io(vcpufd, KVM_SET_REGS, unmapped), EFAULT,
			 "KVM_SET_REGS(unmapped address) -> EFAULT");

	/* Readable half of the struct is all-ones: must not be applied. */
	memset(straddle(sizeof(set)), 0xff, sizeof(set) / 2);
	tap_expect_errno(io(vcpufd, KVM_SET_REGS, straddle(sizeof(set))),
			 EFAULT, "KVM_SET_REGS(struct running into an unmapped page) -> EFAULT");
	memset(&got, 0, sizeof(got));
	r = io(vcpufd, KVM_GET_REGS, &got);
	if (!tap_check(r.ret == 0 && got.rax == set.rax && got.rip == set.rip,
		       "registers unchanged after the faulting KVM_SET_REGS calls"))
		tap_diag("  KVM_GET_REGS %s rax=0x%llx rip=0x%llx",
			 tap_res_str(r), (unsigned long long)got.rax,
			 (unsigned long long)got.rip);

	r = io(vcpufd, KVM_GET_SREGS, &sregs);
	if (abi_vmrun_lacks(r, EINVAL)) {
		tap_skip(NO_SREGS, "KVM_GET_SREGS(NULL) -> EFAULT");
		tap_skip(NO_SREGS, "KVM_SET_SREGS(NULL) -> EFAULT");
	} else {
		tap_expect_errno(io(vcpufd, KVM_GET_SREGS, NULL), EFAULT,
				 "KVM_GET_SREGS(NULL) -> EFAULT");
		tap_expect_errno(io(vcpufd, KVM_SET_SREGS, NULL), EFAULT,
				 "KVM_SET_SREGS(NULL) -> EFAULT");
	}
	if (abi_cap(sysfd, KVM_CAP_EXT_CPUID) > 0)
		tap_expect_errno(io(sysfd, KVM_GET_SUPPORTED_CPUID, NULL), EFAULT,
				 "KVM_GET_SUPPORTED_CPUID(NULL) on the system fd -> EFAULT");
	else
		tap_skip("KVM_CAP_EXT_CPUID not advertised",
			 "KVM_GET_SUPPORTED_CPUID(NULL) on the system fd -> EFAULT");
	(void)vmfd;
}
#else /* ABI_ARM64 */
#define REG_X0 (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		KVM_REG_ARM_CORE_REG(regs.regs[0]))

/* 9-18 (arm64). */
static void test_vcpu_pointers(int sysfd, int vmfd, int vcpufd)
{
	static const char *const no_init =
		"vmrun answers KVM_ARM_PREFERRED_TARGET like an unknown ioctl (EINVAL): not offered yet";
	const char *why_no_reg = NULL;
	struct kvm_vcpu_init init;
	struct kvm_one_reg reg;
	struct tap_res r;
	uint64_t x0;

	tap_expect_errno(io(vcpufd, KVM_GET_REGS, NULL), EINVAL,
			 "KVM_GET_REGS(NULL) -> EINVAL (arm64 rejects before copying)");
	tap_expect_errno(io(vcpufd, KVM_GET_REGS, unmapped), EINVAL,
			 "KVM_GET_REGS(unmapped address) -> EINVAL (arm64)");
	tap_expect_errno(io(vcpufd, KVM_SET_REGS, NULL), EFAULT,
			 "KVM_SET_REGS(NULL) -> EFAULT (copied in before the arm64 EINVAL)");
	tap_expect_errno(io(vcpufd, KVM_SET_REGS, unmapped), EFAULT,
			 "KVM_SET_REGS(unmapped address) -> EFAULT (copied in before the arm64 EINVAL)");

	memset(&init, 0, sizeof(init));
	r = io(vmfd, KVM_ARM_PREFERRED_TARGET, &init);
	if (abi_vmrun_lacks(r, EINVAL)) {
		tap_skip(no_init, "KVM_ARM_PREFERRED_TARGET(NULL) -> EFAULT");
		tap_skip(no_init, "KVM_ARM_PREFERRED_TARGET(read-only page) -> EFAULT");
		tap_skip(no_init, "KVM_ARM_VCPU_INIT(NULL) -> EFAULT");
		why_no_reg = no_init;
	} else {
		tap_expect_errno(io(vmfd, KVM_ARM_PREFERRED_TARGET, NULL), EFAULT,
				 "KVM_ARM_PREFERRED_TARGET(NULL) -> EFAULT");
		tap_expect_errno(io(vmfd, KVM_ARM_PREFERRED_TARGET, ro_page),
				 EFAULT, "KVM_ARM_PREFERRED_TARGET(read-only page) -> EFAULT");
		tap_expect_errno(io(vcpufd, KVM_ARM_VCPU_INIT, NULL), EFAULT,
				 "KVM_ARM_VCPU_INIT(NULL) -> EFAULT");
		if (r.ret == 0)
			r = io(vcpufd, KVM_ARM_VCPU_INIT, &init);
		if (r.ret != 0) {
			tap_diag("KVM_ARM_PREFERRED_TARGET/KVM_ARM_VCPU_INIT: %s",
				 tap_res_str(r));
			why_no_reg = "KVM_ARM_VCPU_INIT failed";
		}
	}
	if (!why_no_reg && abi_cap(sysfd, KVM_CAP_ONE_REG) <= 0)
		why_no_reg = "KVM_CAP_ONE_REG not advertised";
	if (why_no_reg) {
		tap_skip(why_no_reg, "KVM_GET_ONE_REG(NULL) after KVM_ARM_VCPU_INIT -> EFAULT");
		tap_skip(why_no_reg, "KVM_GET_ONE_REG(X0) with an unmapped reg.addr -> EFAULT");
		tap_skip(why_no_reg, "KVM_SET_ONE_REG(X0) with an unmapped reg.addr -> EFAULT, X0 unchanged");
		return;
	}

	tap_expect_errno(io(vcpufd, KVM_GET_ONE_REG, NULL), EFAULT,
			 "KVM_GET_ONE_REG(NULL) after KVM_ARM_VCPU_INIT -> EFAULT");
	reg.id = REG_X0;
	reg.addr = (uintptr_t)unmapped;
	tap_expect_errno(io(vcpufd, KVM_GET_ONE_REG, &reg), EFAULT,
			 "KVM_GET_ONE_REG(X0) with an unmapped reg.addr -> EFAULT");
	/* X0 is 0 after KVM_ARM_VCPU_INIT; a faulting set must keep it. */
	r = io(vcpufd, KVM_SET_ONE_REG, &reg);
	x0 = 0x5a5a5a5a;
	reg.addr = (uintptr_t)&x0;
	if (io(vcpufd, KVM_GET_ONE_REG, &reg).ret != 0)
		x0 = 0x5a5a5a5a;
	if (!tap_check(r.ret == -1 && r.err == EFAULT && x0 == 0,
		       "KVM_SET_ONE_REG(X0) with an unmapped reg.addr -> EFAULT, X0 unchanged"))
		tap_diag("  got %s, X0 now 0x%llx", tap_res_str(r),
			 (unsigned long long)x0);
}
#endif

int main(void)
{
	struct tap_res vm, vcpu;
	void *host;
	int sysfd;

	abi_init();
	ps = page_size();
	sysfd = abi_open_dev();
	tap_plan(NR_TESTS);
	abi_hold_vm(sysfd);
	host = setup_memory();	/* no mmap() after this point */

	vm = TAP_CALL(abi_create_vm(sysfd));
	if (vm.ret < 0)
		tap_bail("KVM_CREATE_VM: %s", tap_res_str(vm));
	vcpu = TAP_CALL(ioctl((int)vm.ret, KVM_CREATE_VCPU, 0UL));
	if (vcpu.ret < 0)
		tap_bail("KVM_CREATE_VCPU: %s", tap_res_str(vcpu));

	test_vm_pointers(sysfd, (int)vm.ret, host);
	test_vcpu_pointers(sysfd, (int)vm.ret, (int)vcpu.ret);

	close((int)vcpu.ret);
	close((int)vm.ret);
	close(sysfd);
	return tap_finish();
}
