// SPDX-License-Identifier: GPL-2.0
/*
 * module_lifecycle - vmrun only: the backend and core modules can only be
 * unloaded when nothing uses them, the core alone still answers the system
 * ioctls but refuses KVM_CREATE_VM with ENODEV (vmrun's documented errno),
 * and both reload cleanly.  The system is left loaded as found.
 *
 * Runs only in vmrun mode (VMRUN_REF unset, VMRUN_MODDIR and VMRUN_BACKEND
 * set) and as root; skips the whole binary otherwise.
 *
 * delete_module(O_NONBLOCK) of a module in use fails with EWOULDBLOCK
 * (kernel/module/main.c try_stop_module, or a dependent module still
 * loaded) or EBUSY (module not live); both are accepted and the one seen is
 * reported.  Module parameters for the reload are taken from /proc/cmdline
 * ("module.param=value"), the way the testbed's init passes them to insmod.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi.h"

#define NR_TESTS 19

/* Polling for asynchronous effects (fd release, devtmpfs): 20 x 100 ms. */
#define POLL_STEPS 20

struct module {
	const char *name;	/* kernel name, e.g. vmrun_svm */
	char path[4096];	/* .ko in VMRUN_MODDIR */
	char params[1024];	/* from /proc/cmdline */
	int fd;			/* open .ko for finit_module */
};

static struct module core, backend;

static bool module_loaded(const struct module *m)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "/sys/module/%s", m->name);
	return stat(p, &st) == 0;
}

static long module_refcnt(const struct module *m)
{
	char p[256];
	long v = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/module/%s/refcnt", m->name);
	f = fopen(p, "re");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* EWOULDBLOCK and EAGAIN are the same number on Linux: name it as such. */
static const char *busy_name(int err)
{
	return err == EWOULDBLOCK ? "EWOULDBLOCK (= EAGAIN)" : tap_errname(err);
}

static struct tap_res unload(const struct module *m)
{
	return TAP_CALL(syscall(SYS_delete_module, m->name, O_NONBLOCK));
}

static struct tap_res load(const struct module *m)
{
	return TAP_CALL(syscall(SYS_finit_module, m->fd, m->params, 0));
}

/* Find NAME.ko in dir, trying dashes and underscores for the file name. */
static void module_setup(struct module *m, const char *name, const char *dir)
{
	char file[256];
	size_t i;

	m->name = name;
	snprintf(file, sizeof(file), "%s", name);
	for (i = 0; file[i]; i++)
		if (file[i] == '_')
			file[i] = '-';
	snprintf(m->path, sizeof(m->path), "%s/%s.ko", dir, file);
	m->fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		snprintf(m->path, sizeof(m->path), "%s/%s.ko", dir, name);
		m->fd = open(m->path, O_RDONLY | O_CLOEXEC);
	}
}

/* "module.param=value" tokens of /proc/cmdline for m, space separated. */
static void module_params(struct module *m)
{
	char tok[512], mod[256];
	size_t len = 0, i;
	FILE *f;

	m->params[0] = '\0';
	f = fopen("/proc/cmdline", "re");
	if (!f)
		return;
	while (fscanf(f, "%511s", tok) == 1) {
		char *dot = strchr(tok, '.'), *eq = strchr(tok, '=');

		if (!dot || !eq || eq < dot || (size_t)(dot - tok) >= sizeof(mod))
			continue;
		memcpy(mod, tok, (size_t)(dot - tok));
		mod[dot - tok] = '\0';
		for (i = 0; mod[i]; i++)
			if (mod[i] == '-')
				mod[i] = '_';
		if (strcmp(mod, m->name))
			continue;
		len += (size_t)snprintf(m->params + len, sizeof(m->params) - len,
					"%s%s", len ? " " : "", dot + 1);
		if (len >= sizeof(m->params))
			tap_bail("module parameters for %s too long", m->name);
	}
	fclose(f);
}

/* Whatever happened, leave core and backend loaded (core first). */
static void restore_modules(void)
{
	struct tap_res r;

	if (!module_loaded(&core)) {
		r = load(&core);
		printf("# restore: finit_module(%s): %s\n", core.name,
		       tap_res_str(r));
	}
	if (!module_loaded(&backend)) {
		r = load(&backend);
		printf("# restore: finit_module(%s): %s\n", backend.name,
		       tap_res_str(r));
	}
}

/* delete_module with retries while a just-closed fd is being released. */
static struct tap_res unload_settled(const struct module *m, int *tries)
{
	struct tap_res r;

	for (*tries = 1;; (*tries)++) {
		r = unload(m);
		if (r.ret == 0 || (r.err != EWOULDBLOCK && r.err != EBUSY) ||
		    *tries > POLL_STEPS)
			return r;
		sleep_ms(100);
	}
}

static bool dev_present(void)
{
	struct stat st;

	return stat(abi.dev, &st) == 0;
}

/* Wait for the device node to reach the wanted state. */
static bool dev_wait(bool present)
{
	int i;

	for (i = 0; i <= POLL_STEPS; i++) {
		if (dev_present() == present)
			return true;
		sleep_ms(100);
	}
	return false;
}

int main(void)
{
	struct tap_res r, vm, vcpu;
	int sysfd, tries;

	abi_init();
	if (abi.ref)
		tap_skip_all("module lifecycle is vmrun-only; reference run on stock KVM (VMRUN_REF=kvm)");
	if (!abi.moddir || !abi.backend)
		tap_skip_all("VMRUN_MODDIR/VMRUN_BACKEND unset: not a vmrun testbed run");
	if (geteuid() != 0)
		tap_skip_all("needs root (CAP_SYS_MODULE) to unload and load modules");

	module_setup(&core, abi.core, abi.moddir);
	module_setup(&backend, abi.backend, abi.moddir);
	module_params(&core);
	module_params(&backend);
	tap_plan(NR_TESTS);
	tap_diag("core %s (%s) params '%s'", core.name, core.path, core.params);
	tap_diag("backend %s (%s) params '%s'", backend.name, backend.path,
		 backend.params);
	/* Never unload what cannot be loaded back. */
	if (core.fd < 0 || backend.fd < 0)
		tap_bail("cannot open the module files in %s", abi.moddir);
	atexit(restore_modules);

	/* 1 */
	if (!tap_check(module_loaded(&core) && module_loaded(&backend),
		       "%s and %s are loaded at start", core.name, backend.name))
		tap_bail("modules not loaded at start: nothing to test");

	/* 2-5: in use -> cannot unload */
	sysfd = open(abi.dev, O_RDWR | O_CLOEXEC);
	vm = sysfd >= 0 ? TAP_CALL(abi_create_vm(sysfd)) :
			  (struct tap_res){ -1, errno };
	if (!tap_expect_ok(vm, "open %s and KVM_CREATE_VM succeed", abi.dev))
		tap_bail("no VM to hold the modules");
	tap_diag("refcnt with a VM open: %s=%ld %s=%ld", core.name,
		 module_refcnt(&core), backend.name, module_refcnt(&backend));

	r = unload(&backend);
	if (tap_expect_errno2(r, EWOULDBLOCK, EBUSY,
			      "delete_module(%s, O_NONBLOCK) with a VM open -> EBUSY or EWOULDBLOCK",
			      backend.name))
		tap_diag("  delete_module(%s) gave %s", backend.name,
			 busy_name(r.err));
	r = unload(&core);
	if (tap_expect_errno2(r, EWOULDBLOCK, EBUSY,
			      "delete_module(%s, O_NONBLOCK) with a VM open -> EBUSY or EWOULDBLOCK",
			      core.name))
		tap_diag("  delete_module(%s) gave %s", core.name,
			 busy_name(r.err));
	restore_modules();	/* only acts if an unload wrongly succeeded */

	vcpu = TAP_CALL(ioctl((int)vm.ret, KVM_CREATE_VCPU, 0UL));
	tap_expect_ok(vcpu, "the VM still works after the refused unloads (KVM_CREATE_VCPU)");
	if (vcpu.ret >= 0)
		close((int)vcpu.ret);
	close((int)vm.ret);
	close(sysfd);

	/* 6-8: idle -> backend unloads, core stays pinned by the backend */
	r = unload(&core);
	if (tap_expect_errno2(r, EWOULDBLOCK, EBUSY,
			      "delete_module(%s, O_NONBLOCK) while %s is loaded -> EBUSY or EWOULDBLOCK",
			      core.name, backend.name))
		tap_diag("  delete_module(%s) gave %s", core.name,
			 busy_name(r.err));
	restore_modules();
	r = unload_settled(&backend, &tries);
	if (!tap_expect_ok(r, "delete_module(%s, O_NONBLOCK) after closing every fd succeeds",
			   backend.name))
		tap_diag("  refcnt %ld", module_refcnt(&backend));
	else if (tries > 1)
		tap_diag("  succeeded after %d attempts (100 ms apart)", tries);
	tap_check(!module_loaded(&backend), "/sys/module/%s is gone",
		  backend.name);

	/* 9-13: core alone */
	sysfd = open(abi.dev, O_RDWR | O_CLOEXEC);
	if (!tap_check(sysfd >= 0, "core only: open(%s) succeeds", abi.dev))
		tap_diag("  open: %s", strerror(errno));
	tap_expect_ret(TAP_CALL(ioctl(sysfd, KVM_GET_API_VERSION, 0)),
		       KVM_API_VERSION, "core only: KVM_GET_API_VERSION returns 12");
	r = TAP_CALL(abi_cap(sysfd, KVM_CAP_USER_MEMORY));
	if (!tap_check(r.ret >= 0 && abi_cap(sysfd, 9999) == 0,
		       "core only: KVM_CHECK_EXTENSION answers (USER_MEMORY >= 0, unknown cap 0)"))
		tap_diag("  KVM_CAP_USER_MEMORY: %s", tap_res_str(r));
	vm = TAP_CALL(abi_create_vm(sysfd));
	tap_expect_errno(vm, ENODEV, "core only: KVM_CREATE_VM -> ENODEV");
	if (vm.ret >= 0)
		close((int)vm.ret);
	if (sysfd >= 0)
		close(sysfd);
	r = unload_settled(&core, &tries);
	if (!tap_expect_ok(r, "delete_module(%s, O_NONBLOCK) with nothing open succeeds",
			   core.name))
		tap_diag("  refcnt %ld", module_refcnt(&core));
	else if (tries > 1)
		tap_diag("  succeeded after %d attempts (100 ms apart)", tries);

	/* 14: the device node goes with the core */
	tap_check(dev_wait(false), "%s is absent after unloading %s", abi.dev,
		  core.name);

	/* 15-19: reload, core first */
	if (module_loaded(&core))
		tap_skip("core still loaded", "finit_module(%s) succeeds", core.name);
	else
		tap_expect_ok(load(&core), "finit_module(%s) succeeds", core.name);
	tap_expect_ok(load(&backend), "finit_module(%s) succeeds",
		      backend.name);
	tap_check(dev_wait(true), "%s is back after the reload", abi.dev);
	sysfd = open(abi.dev, O_RDWR | O_CLOEXEC);
	vm = sysfd >= 0 ? TAP_CALL(abi_create_vm(sysfd)) :
			  (struct tap_res){ -1, errno };
	vcpu = vm.ret >= 0 ? TAP_CALL(ioctl((int)vm.ret, KVM_CREATE_VCPU, 0UL)) :
			     vm;
	tap_expect_ok(vcpu, "after the reload: open, KVM_CREATE_VM and KVM_CREATE_VCPU succeed");
	if (vcpu.ret >= 0 && vcpu.ret != vm.ret)
		close((int)vcpu.ret);
	if (vm.ret >= 0)
		close((int)vm.ret);
	if (sysfd >= 0)
		close(sysfd);

	{
		struct vmrun_objects o;
		int e = 0, i;

		for (i = 0; i <= POLL_STEPS; i++) {
			e = vmrun_objects_read(&o);
			if (e || (o.vms == 0 && o.vcpus == 0 && o.memslots == 0))
				break;
			sleep_ms(100);
		}
		if (!tap_check(!e && o.vms == 0 && o.vcpus == 0 &&
			       o.memslots == 0,
			       "after the reload, with nothing open, debugfs vmrun/objects is all zero"))
			tap_diag("  %s", e ? strerror(-e) : vmrun_objects_str(&o));
	}

	return tap_finish();
}
