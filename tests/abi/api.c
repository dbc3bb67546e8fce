// SPDX-License-Identifier: GPL-2.0
/*
 * api - system-level KVM ABI: KVM_GET_API_VERSION, KVM_CHECK_EXTENSION on the
 * system and VM fds, KVM_GET_VCPU_MMAP_SIZE, unknown ioctls on every kind of
 * fd, KVM_CREATE_VM types.
 *
 * Errnos follow Linux 6.1 (Debian linux-source-6.1):
 *   virt/kvm/kvm_main.c kvm_dev_ioctl(): KVM_GET_API_VERSION and
 *     KVM_GET_VCPU_MMAP_SIZE with a non-zero argument -> EINVAL (r = -EINVAL,
 *     "if (arg) goto out"); anything else unhandled goes to
 *     kvm_arch_dev_ioctl(), whose default is -EINVAL on x86 (arch/x86/kvm/x86.c
 *     kvm_arch_dev_ioctl "default: r = -EINVAL") and arm64 (arch/arm64/kvm/
 *     arm.c kvm_arch_dev_ioctl "return -EINVAL").
 *   kvm_vm_ioctl(): unhandled -> kvm_arch_vm_ioctl(): x86 "default:
 *     r = -ENOTTY", arm64 "default: return -EINVAL".  No _IOC_TYPE check.
 *   kvm_vcpu_ioctl(): "_IOC_TYPE(ioctl) != KVMIO -> -EINVAL", then
 *     kvm_arch_vcpu_ioctl() "default: r = -EINVAL" on both architectures.
 *   KVM_CREATE_VM with an unsupported type: x86 kvm_arch_init_vm()
 *     "if (type) return -EINVAL"; arm64 kvm_arm_setup_stage2() "type &
 *     ~KVM_VM_TYPE_ARM_IPA_SIZE_MASK -> -EINVAL".
 *   KVM_CHECK_EXTENSION of an unknown capability: the arch default is 0.
 *   So the generic answer to an unknown ioctl is EINVAL, not ENOTTY; only the
 *   x86 VM fd answers ENOTTY.
 *   A VM belongs to the mm that created it: kvm_vm_ioctl() and
 *     kvm_vcpu_ioctl() start with "if (kvm->mm != current->mm ...) return
 *     -EIO;", so a forked child gets EIO on inherited VM and vCPU fds while
 *     the system fd keeps working.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi.h"

/* An ioctl of a foreign type ('Z') that neither the VFS nor KVM handles. */
#define FOREIGN_IOCTL _IO('Z', 0x42)

/* Capability numbers that no kernel defines. */
#define UNKNOWN_CAP_A 9999L
#define UNKNOWN_CAP_B 0x7fffffffL

#ifdef ABI_X86
#define VM_UNKNOWN_ERRNO ENOTTY
#define VM_UNKNOWN_ERRNO_STR "ENOTTY (x86)"
#else
#define VM_UNKNOWN_ERRNO EINVAL
#define VM_UNKNOWN_ERRNO_STR "EINVAL (arm64)"
#endif

#define NR_TESTS 30

/* The ioctls a forked child makes on inherited fds, reported to the parent. */
static void test_other_process(int sysfd, int vmfd, int vcpufd)
{
	struct tap_res res[3] = { { -1, 0 }, { -1, 0 }, { -1, 0 } };
	int pfd[2], status = -1;
	pid_t pid;

	if (vmfd < 0 || vcpufd < 0 || pipe(pfd)) {
		tap_check(false, "forked child: KVM_CREATE_VCPU on the parent's VM fd -> EIO (no VM/vCPU or pipe)");
		tap_check(false, "forked child: KVM_GET_REGS on the parent's vCPU fd -> EIO (no VM/vCPU or pipe)");
		tap_check(false, "forked child: KVM_GET_API_VERSION on the system fd still 12 (no VM/vCPU or pipe)");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct kvm_regs regs;
		ssize_t n;

		close(pfd[0]);
		res[0] = TAP_CALL(ioctl(vmfd, KVM_CREATE_VCPU, 7UL));
		res[1] = TAP_CALL(ioctl(vcpufd, KVM_GET_REGS, &regs));
		res[2] = TAP_CALL(ioctl(sysfd, KVM_GET_API_VERSION, 0));
		n = write(pfd[1], res, sizeof(res));
		_exit(n == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	if (pid < 0 || read(pfd[0], res, sizeof(res)) != (ssize_t)sizeof(res))
		tap_diag("fork/read from the child failed: %s", strerror(errno));
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	tap_expect_errno(res[0], EIO,
			 "forked child: KVM_CREATE_VCPU on the parent's VM fd -> EIO");
	tap_expect_errno(res[1], EIO,
			 "forked child: KVM_GET_REGS on the parent's vCPU fd -> EIO");
	tap_expect_ret(res[2], KVM_API_VERSION,
		       "forked child: KVM_GET_API_VERSION on the system fd still 12");
}

int main(void)
{
	long max_vcpus, max_vcpu_id, nr_vcpus, nr_memslots, mmap_size;
	long check_vm;
	size_t ps = page_size();
	struct tap_res r;
	int sysfd, vmfd, vcpufd;

	abi_init();
	sysfd = abi_open_dev();
	tap_plan(NR_TESTS);
	abi_hold_vm(sysfd);
	tap_diag("device %s, arch %s, %s run", abi.dev, ABI_ARCH,
		 abi.ref ? "reference (stock KVM)" : "vmrun");

	/* 1-2: API version. */
	tap_expect_ret(TAP_CALL(ioctl(sysfd, KVM_GET_API_VERSION, 0)),
		       KVM_API_VERSION, "KVM_GET_API_VERSION returns 12");
	tap_expect_errno(TAP_CALL(ioctl(sysfd, KVM_GET_API_VERSION, 1)),
			 EINVAL, "KVM_GET_API_VERSION with non-zero arg -> EINVAL");

	/* 3-5: truthful answers for known and unknown capabilities. */
	tap_expect_ret(TAP_CALL(abi_cap(sysfd, KVM_CAP_USER_MEMORY)), 1,
		       "KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY) returns 1");
	tap_expect_ret(TAP_CALL(abi_cap(sysfd, UNKNOWN_CAP_A)), 0,
		       "KVM_CHECK_EXTENSION(unknown cap %ld) returns 0",
		       UNKNOWN_CAP_A);
	tap_expect_ret(TAP_CALL(abi_cap(sysfd, UNKNOWN_CAP_B)), 0,
		       "KVM_CHECK_EXTENSION(unknown cap 0x%lx) returns 0",
		       UNKNOWN_CAP_B);

	/* 6-9: limits are positive and consistent. */
	nr_memslots = abi_cap(sysfd, KVM_CAP_NR_MEMSLOTS);
	/* Slot ids are the low 16 bits of kvm_userspace_memory_region.slot. */
	tap_expect_range(nr_memslots, 1, 0x10000,
			 "KVM_CAP_NR_MEMSLOTS is positive and fits the 16-bit slot id");
	max_vcpus = abi_cap(sysfd, KVM_CAP_MAX_VCPUS);
	tap_expect_range(max_vcpus, 1, 0x7fffffff,
			 "KVM_CAP_MAX_VCPUS is positive");
	/* api.rst 4.7: vcpu ids are in [0, max_vcpu_id); max_vcpus ids must fit. */
	max_vcpu_id = abi_cap(sysfd, KVM_CAP_MAX_VCPU_ID);
	if (!tap_check(max_vcpu_id >= max_vcpus && max_vcpus > 0,
		       "KVM_CAP_MAX_VCPU_ID is positive and >= KVM_CAP_MAX_VCPUS"))
		tap_diag("  MAX_VCPU_ID=%ld MAX_VCPUS=%ld", max_vcpu_id,
			 max_vcpus);
	nr_vcpus = abi_cap(sysfd, KVM_CAP_NR_VCPUS);
	if (!tap_check(nr_vcpus >= 1 && nr_vcpus <= max_vcpus,
		       "KVM_CAP_NR_VCPUS is positive and <= KVM_CAP_MAX_VCPUS"))
		tap_diag("  NR_VCPUS=%ld MAX_VCPUS=%ld", nr_vcpus, max_vcpus);
	tap_diag("NR_MEMSLOTS=%ld MAX_VCPUS=%ld MAX_VCPU_ID=%ld NR_VCPUS=%ld",
		 nr_memslots, max_vcpus, max_vcpu_id, nr_vcpus);

	/* 10-11: vCPU mmap size. */
	mmap_size = ioctl(sysfd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (!tap_check(mmap_size >= (long)ps && mmap_size % (long)ps == 0,
		       "KVM_GET_VCPU_MMAP_SIZE >= page size and a multiple of it"))
		tap_diag("  got %ld, page size %zu", mmap_size, ps);
	tap_expect_errno(TAP_CALL(ioctl(sysfd, KVM_GET_VCPU_MMAP_SIZE, 1)),
			 EINVAL, "KVM_GET_VCPU_MMAP_SIZE with non-zero arg -> EINVAL");

	/* 12-13: unknown ioctls on the system fd. */
	tap_expect_errno(TAP_CALL(ioctl(sysfd, ABI_UNKNOWN_KVM_IOCTL, 0)),
			 EINVAL, "system fd: unknown KVMIO ioctl -> EINVAL");
	tap_expect_errno(TAP_CALL(ioctl(sysfd, FOREIGN_IOCTL, 0)), EINVAL,
			 "system fd: foreign-type ioctl -> EINVAL");

	/* 14-15: KVM_CREATE_VM. */
	r = TAP_CALL(ioctl(sysfd, KVM_CREATE_VM, 0xdead0000UL));
	tap_expect_errno(r, EINVAL, "KVM_CREATE_VM(type 0xdead0000) -> EINVAL");
	if (r.ret >= 0)
		close((int)r.ret);
	r = TAP_CALL(abi_create_vm(sysfd));
	tap_expect_ok(r, "KVM_CREATE_VM(type 0) succeeds");
	vmfd = (int)r.ret;

	/* 16-20: KVM_CHECK_EXTENSION on the VM fd. */
	check_vm = abi_cap(sysfd, KVM_CAP_CHECK_EXTENSION_VM);
	tap_diag("KVM_CAP_CHECK_EXTENSION_VM=%ld", check_vm);
	if (vmfd < 0 || check_vm <= 0) {
		const char *why = vmfd < 0 ? "no VM" :
			"KVM_CAP_CHECK_EXTENSION_VM not advertised";

		tap_skip(why, "VM fd: KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY) returns 1");
		tap_skip(why, "VM fd: KVM_CHECK_EXTENSION(unknown cap) returns 0");
		tap_skip(why, "VM fd: KVM_CAP_NR_MEMSLOTS equals the system value");
		tap_skip(why, "VM fd: KVM_CAP_MAX_VCPUS positive and <= the system value");
		tap_skip(why, "VM fd: KVM_CAP_MAX_VCPU_ID >= VM KVM_CAP_MAX_VCPUS");
	} else {
		long vm_max_vcpus, vm_max_id;

		tap_expect_ret(TAP_CALL(abi_cap(vmfd, KVM_CAP_USER_MEMORY)), 1,
			       "VM fd: KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY) returns 1");
		tap_expect_ret(TAP_CALL(abi_cap(vmfd, UNKNOWN_CAP_A)), 0,
			       "VM fd: KVM_CHECK_EXTENSION(unknown cap) returns 0");
		tap_expect_ret(TAP_CALL(abi_cap(vmfd, KVM_CAP_NR_MEMSLOTS)),
			       nr_memslots,
			       "VM fd: KVM_CAP_NR_MEMSLOTS equals the system value");
		vm_max_vcpus = abi_cap(vmfd, KVM_CAP_MAX_VCPUS);
		tap_expect_range(vm_max_vcpus, 1, max_vcpus,
				 "VM fd: KVM_CAP_MAX_VCPUS positive and <= the system value");
		vm_max_id = abi_cap(vmfd, KVM_CAP_MAX_VCPU_ID);
		if (!tap_check(vm_max_id >= vm_max_vcpus,
			       "VM fd: KVM_CAP_MAX_VCPU_ID >= VM KVM_CAP_MAX_VCPUS"))
			tap_diag("  VM MAX_VCPU_ID=%ld VM MAX_VCPUS=%ld",
				 vm_max_id, vm_max_vcpus);
	}

	/* 21-22: unknown ioctls on the VM fd. */
	if (vmfd >= 0) {
		tap_expect_errno(TAP_CALL(ioctl(vmfd, ABI_UNKNOWN_KVM_IOCTL, 0)),
				 VM_UNKNOWN_ERRNO,
				 "VM fd: unknown KVMIO ioctl -> %s",
				 VM_UNKNOWN_ERRNO_STR);
		tap_expect_errno(TAP_CALL(ioctl(vmfd, FOREIGN_IOCTL, 0)),
				 VM_UNKNOWN_ERRNO,
				 "VM fd: foreign-type ioctl -> %s",
				 VM_UNKNOWN_ERRNO_STR);
	} else {
		tap_skip("no VM", "VM fd: unknown KVMIO ioctl -> %s",
			 VM_UNKNOWN_ERRNO_STR);
		tap_skip("no VM", "VM fd: foreign-type ioctl -> %s",
			 VM_UNKNOWN_ERRNO_STR);
	}

	/* 23-25: a vCPU and unknown ioctls on its fd. */
	r = vmfd >= 0 ? TAP_CALL(ioctl(vmfd, KVM_CREATE_VCPU, 0UL)) :
			(struct tap_res){ -1, EBADF };
	tap_expect_ok(r, "KVM_CREATE_VCPU(id 0) succeeds");
	vcpufd = (int)r.ret;
	if (vcpufd >= 0) {
		tap_expect_errno(TAP_CALL(ioctl(vcpufd, ABI_UNKNOWN_KVM_IOCTL, 0)),
				 EINVAL, "vCPU fd: unknown KVMIO ioctl -> EINVAL");
		tap_expect_errno(TAP_CALL(ioctl(vcpufd, FOREIGN_IOCTL, 0)),
				 EINVAL, "vCPU fd: foreign-type ioctl -> EINVAL");
	} else {
		tap_skip("no vCPU", "vCPU fd: unknown KVMIO ioctl -> EINVAL");
		tap_skip("no vCPU", "vCPU fd: foreign-type ioctl -> EINVAL");
	}

	/*
	 * 26-27: the system fd keeps answering while a VM exists, and a second
	 * VM can coexist with the first.
	 */
	tap_expect_ret(TAP_CALL(ioctl(sysfd, KVM_GET_API_VERSION, 0)),
		       KVM_API_VERSION,
		       "KVM_GET_API_VERSION still 12 with a VM and vCPU open");
	r = TAP_CALL(abi_create_vm(sysfd));
	tap_expect_ok(r, "second KVM_CREATE_VM while the first is open succeeds");
	if (r.ret >= 0)
		close((int)r.ret);

	test_other_process(sysfd, vmfd, vcpufd);	/* 28-30 */

	if (vcpufd >= 0)
		close(vcpufd);
	if (vmfd >= 0)
		close(vmfd);
	close(sysfd);
	return tap_finish();
}
