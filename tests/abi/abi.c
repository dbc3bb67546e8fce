// SPDX-License-Identifier: GPL-2.0
/*
 * abi.c - helpers shared by the KVM core-ABI tests (see abi.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "abi.h"

struct abi_env abi;

void abi_init(void)
{
	const char *ref = getenv("VMRUN_REF");

	abi.dev = env_or("VMRUN_DEV", "/dev/vmrun");
	abi.ref = ref && !strcmp(ref, "kvm");
	abi.moddir = env_or("VMRUN_MODDIR", NULL);
	abi.backend = env_or("VMRUN_BACKEND", NULL);
	abi.core = env_or("VMRUN_CORE", "vmrun");
}

int abi_open_dev(void)
{
	int fd = open(abi.dev, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (abi.moddir && !abi.ref)
		tap_bail("open(%s): %s (vmrun mode: the device must exist)",
			 abi.dev, strerror(errno));
	tap_skip_all("cannot open %s: %s", abi.dev, strerror(errno));
}

int abi_hold_vm(int sysfd)
{
	int fd = abi_create_vm(sysfd);

	if (fd < 0)
		tap_diag("holding VM: KVM_CREATE_VM failed: %s", strerror(errno));
	return fd;
}

long abi_cap(int fd, long cap)
{
	return ioctl(fd, KVM_CHECK_EXTENSION, cap);
}

int abi_create_vm(int sysfd)
{
	return ioctl(sysfd, KVM_CREATE_VM, 0UL);
}

struct tap_res abi_set_region(int vmfd, unsigned int slot, unsigned int flags,
			      unsigned long long gpa, unsigned long long size,
			      unsigned long long uaddr)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = uaddr,
	};

	return TAP_CALL(ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &r));
}

int vmrun_objects_read(struct vmrun_objects *o)
{
	char name[64];
	long val;
	FILE *f;

	o->vms = o->vcpus = o->memslots = -1;
	f = fopen(VMRUN_OBJECTS_PATH, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %ld", name, &val) == 2) {
		if (!strcmp(name, "vms"))
			o->vms = val;
		else if (!strcmp(name, "vcpus"))
			o->vcpus = val;
		else if (!strcmp(name, "memslots"))
			o->memslots = val;
	}
	fclose(f);
	return 0;
}

const char *vmrun_objects_str(const struct vmrun_objects *o)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "vms=%ld vcpus=%ld memslots=%ld",
		 o->vms, o->vcpus, o->memslots);
	return buf;
}
