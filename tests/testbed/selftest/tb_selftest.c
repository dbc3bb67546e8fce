// SPDX-License-Identifier: GPL-2.0
/*
 * tb_selftest: a tiny static TAP producer for checking the testbed harness
 * itself, in the kselftest style (exit 0 pass, 1 fail, 4 skip). What it does
 * depends on the name it is run under:
 *
 *   kvm_smoke    checks the environment contract of tests/testbed/run, then
 *                opens $VMRUN_DEV and does KVM_GET_API_VERSION,
 *                KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE, KVM_CREATE_VM
 *                and KVM_CREATE_VCPU.
 *   always_fail  reports one passing and one failing test, exits 1.
 *   crash_silent exits 3 without printing any result line.
 *   skip_all     reports a skip and exits 4.
 *   hang         reports one result, then sleeps forever (per-test timeout).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

static int n_test, n_pass, n_fail, n_skip, planned;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		n_pass++;
	else
		n_fail++;
}

static void skip(const char *name, const char *why)
{
	printf("ok %d %s # SKIP %s\n", ++n_test, name, why);
	n_skip++;
}

static int finish(void)
{
	if (!planned)
		printf("1..%d\n", n_test);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       n_pass, n_fail, n_skip);
	fflush(stdout);
	if (n_fail)
		return KSFT_FAIL;
	if (!n_pass && n_skip)
		return KSFT_SKIP;
	return KSFT_PASS;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The module file for a kernel module name: vmrun_svm -> DIR/vmrun-svm.ko */
static int module_file_exists(const char *dir, const char *name)
{
	char path[512];
	size_t i, off;

	off = (size_t)snprintf(path, sizeof(path), "%s/", dir);
	for (i = 0; name[i] && off + 4 < sizeof(path); i++)
		path[off++] = name[i] == '_' ? '-' : name[i];
	strcpy(path + off, ".ko");
	return access(path, R_OK) == 0;
}

static void check_env(void)
{
	const char *dev = getenv("VMRUN_DEV");
	const char *ref = getenv("VMRUN_REF");
	const char *moddir = getenv("VMRUN_MODDIR");
	const char *backend = getenv("VMRUN_BACKEND");
	const char *core = getenv("VMRUN_CORE");
	char sys[256];

	result(dev && *dev == '/', "env: VMRUN_DEV is a path (%s)", dev ? dev : "unset");
	if (ref) {
		result(!strcmp(ref, "kvm"), "env: VMRUN_REF is kvm (%s)", ref);
		result(!moddir, "env: VMRUN_MODDIR unset in reference mode");
		return;
	}
	result(moddir && is_dir(moddir), "env: VMRUN_MODDIR is a directory (%s)",
	       moddir ? moddir : "unset");
	result(core && !strcmp(core, "vmrun"), "env: VMRUN_CORE is vmrun (%s)",
	       core ? core : "unset");
	result(backend && !strncmp(backend, "vmrun_", 6),
	       "env: VMRUN_BACKEND names a backend (%s)", backend ? backend : "unset");
	if (!moddir || !core || !backend)
		return;
	result(module_file_exists(moddir, core) && module_file_exists(moddir, backend),
	       "env: core and backend module files are in VMRUN_MODDIR");
	snprintf(sys, sizeof(sys), "/sys/module/%s", core);
	result(is_dir(sys), "env: %s is loaded", core);
	snprintf(sys, sizeof(sys), "/sys/module/%s", backend);
	result(is_dir(sys), "env: %s is loaded", backend);
}

static int kvm_smoke(void)
{
	const char *dev = getenv("VMRUN_DEV");
	int fd, vm, vcpu, ret;

	printf("TAP version 13\n");
	check_env();
	if (!dev) {
		skip("ioctls", "no VMRUN_DEV");
		return finish();
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	result(fd >= 0, "open %s%s%s", dev, fd < 0 ? ": " : "",
	       fd < 0 ? strerror(errno) : "");
	if (fd < 0)
		return finish();

	ret = ioctl(fd, KVM_GET_API_VERSION, 0);
	result(ret == KVM_API_VERSION, "KVM_GET_API_VERSION is %d (got %d)",
	       KVM_API_VERSION, ret);

	ret = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);
	printf("# KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY) = %d\n", ret);

	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0 && errno == ENOTTY && !getenv("VMRUN_REF")) {
		/* The harness's own placeholder modules stop here. */
		skip("KVM_CREATE_VM", "not implemented by this backend");
		close(fd);
		return finish();
	}
	result(vm >= 0, "KVM_CREATE_VM%s%s", vm < 0 ? ": " : "",
	       vm < 0 ? strerror(errno) : "");
	result(ret > 0, "KVM_CAP_USER_MEMORY is reported");
	ret = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	result(ret > 0, "KVM_GET_VCPU_MMAP_SIZE is positive (%d)", ret);
	if (vm >= 0) {
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		result(vcpu >= 0, "KVM_CREATE_VCPU 0%s%s", vcpu < 0 ? ": " : "",
		       vcpu < 0 ? strerror(errno) : "");
		if (vcpu >= 0)
			close(vcpu);
		close(vm);
	}
	close(fd);
	return finish();
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');

	(void)argc;
	name = name ? name + 1 : argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(name, "always_fail")) {
		printf("TAP version 13\n1..2\n");
		planned = 1;
		result(1, "this one passes");
		result(0, "this one fails on purpose");
		return finish();
	}
	if (!strcmp(name, "crash_silent")) {
		printf("# exiting 3 without a result line\n");
		return 3;
	}
	if (!strcmp(name, "skip_all")) {
		printf("TAP version 13\n1..1\n");
		planned = 1;
		skip("everything", "skipped on purpose");
		return finish();
	}
	if (!strcmp(name, "hang")) {
		printf("TAP version 13\n");
		result(1, "about to hang");
		for (;;)
			pause();
	}
	return kvm_smoke();
}
