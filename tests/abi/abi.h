/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi.h - helpers shared by the KVM core-ABI tests in tests/abi.
 *
 * Environment (set by the testbed):
 *   VMRUN_DEV      device node, default /dev/vmrun
 *   VMRUN_REF=kvm  reference run against stock KVM: vmrun-only checks skip
 *   VMRUN_MODDIR, VMRUN_BACKEND, VMRUN_CORE
 *                  present only in vmrun mode (module directory, backend and
 *                  core module names)
 */
#ifndef VMRUN_TESTS_ABI_H
#define VMRUN_TESTS_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

#include "tap.h"
#include "sysutil.h"

#if defined(__x86_64__)
#define ABI_ARCH "x86_64"
#define ABI_X86 1
#elif defined(__aarch64__)
#define ABI_ARCH "arm64"
#define ABI_ARM64 1
#else
#error "tests/abi supports x86_64 and arm64 only"
#endif

/* An ioctl number in the KVM range that no kernel up to 6.18 defines. */
#define ABI_UNKNOWN_KVM_IOCTL _IO(KVMIO, 0xff)

/* vmrun's live-object counters (debugfs). */
#define VMRUN_OBJECTS_PATH "/sys/kernel/debug/vmrun/objects"

struct abi_env {
	const char *dev;	/* device node */
	bool ref;		/* reference run on stock KVM */
	const char *moddir;	/* NULL unless vmrun mode */
	const char *backend;	/* backend module name, e.g. vmrun_svm */
	const char *core;	/* core module name, default vmrun */
};

extern struct abi_env abi;

/* Read the environment into abi; call first. */
void abi_init(void);

/*
 * Open the device before the plan is printed.  If it cannot be opened the
 * whole binary is skipped (exit 4) - except in vmrun mode (VMRUN_MODDIR set),
 * where the testbed promised a loaded vmrun, so it bails out (exit 1).
 */
int abi_open_dev(void);

/*
 * Create a VM that stays open for the whole run (the fd is simply never
 * closed).  Stock KVM switches virtualization on for every CPU when the first
 * VM is created and off again when the last one goes (6.1 kvm_main.c
 * hardware_enable_all()/hardware_disable_all() on kvm_usage_count); under
 * QEMU TCG (the svm testbed) that cross-CPU round occasionally wedges the
 * guest after some tens of cycles.  Holding one VM makes it happen once per
 * binary instead of once per created VM.  Returns the fd or -1.
 */
int abi_hold_vm(int sysfd);

/* KVM_CHECK_EXTENSION on fd; the raw ioctl result. */
long abi_cap(int fd, long cap);

/* KVM_CREATE_VM type 0; fd or -1 with errno. */
int abi_create_vm(int sysfd);

/* KVM_SET_USER_MEMORY_REGION with the fields given; ioctl result. */
struct tap_res abi_set_region(int vmfd, unsigned int slot, unsigned int flags,
			      unsigned long long gpa, unsigned long long size,
			      unsigned long long uaddr);

/* vmrun's debugfs counters; -1 for a name the file lacks. */
struct vmrun_objects {
	long vms;
	long vcpus;
	long memslots;
};

/* Read VMRUN_OBJECTS_PATH; 0 or -errno. */
int vmrun_objects_read(struct vmrun_objects *o);

/* "vms=%ld vcpus=%ld memslots=%ld" in a static buffer. */
const char *vmrun_objects_str(const struct vmrun_objects *o);

/*
 * vmrun implements a documented subset of the ABI (Documentation/abi.md) and
 * answers the rest like an unknown ioctl.  For a feature that has no
 * capability to test, a check first tries it with a valid argument: in vmrun
 * mode a failure with the unknown-ioctl errno (r.err == unknown_errno) means
 * "not offered yet" and the dependent checks skip with a reason.  In the
 * reference run this is always false: stock KVM 6.1 must implement it.
 */
static inline bool abi_vmrun_lacks(struct tap_res r, int unknown_errno)
{
	return !abi.ref && r.ret == -1 && r.err == unknown_errno;
}

/* Reason string for vmrun-only checks in the reference run. */
#define ABI_REF_SKIP "vmrun-specific check, reference run on stock KVM (VMRUN_REF=kvm)"

#endif /* VMRUN_TESTS_ABI_H */
