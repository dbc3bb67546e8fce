/*
 * vmrun: run a virtual machine described by an INI file.
 *
 *   1. read and check the configuration (any error: one line, status 2);
 *   2. create the VM through the KVM ioctls of the hypervisor node;
 *   3. create the devices of devices/table.c;
 *   4. load the firmware, or the Linux kernel for a direct boot;
 *   5. run one thread per vCPU; this thread waits for the end (guest
 *      power-off, reset, crash, test-exit port, a signal, Ctrl-A x) and
 *      feeds terminal input to the serial port meanwhile.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "boot.h"
#include "config.h"
#include "console.h"
#include "devices.h"
#include "util.h"
#include "vm.h"

#ifndef VMRUN_VERSION
#define VMRUN_VERSION "unknown"
#endif

static void usage(void)
{
	printf(
"Usage: vmrun [OPTION]... CONFIG\n"
"Run the virtual machine that the INI file CONFIG describes.\n"
"\n"
"Options:\n"
"  -c, --check     check CONFIG, print the configuration in effect, exit\n"
"  -h, --help      print this help and exit\n"
"  -V, --version   print the version and exit\n"
"\n"
"Sections and keys of CONFIG (see vmrun(1) and Documentation/config.md):\n"
"  [vm]         memory = 256M (K, M, G suffixes)   cpus = 1\n"
"  [kernel]     path = bzImage   initrd = FILE   cmdline = TEXT\n"
"  [firmware]   path = bios.bin\n"
"  [serial]     console = terminal | file | none   file = FILE\n"
"  [device]     path = /dev/vmrun (default; /dev/kvm if that is absent)\n"
"  [test-exit]  port = 0xf4 | none\n"
"  [disk]       path = disk.img   readonly = yes | no\n"
"\n"
"On a terminal, Ctrl-A x quits.\n"
"\n"
"Exit status: 0 guest powered off or reset; 1 runtime failure;\n"
"2 bad command line or configuration; 3 guest crash; N the guest wrote N\n"
"to the test-exit port; 128+S stopped by signal S.\n");
}

static void __attribute__((noreturn)) usage_error(const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	die(EXIT_CONFIG, "%s (try 'vmrun --help')", msg);
}

static int block_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);	/* dump the VM's state (vm_dump_state) */
	/* Blocked here, so in the vCPU threads too: only signalfd sees them. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		die(EXIT_RUNTIME, "pthread_sigmask failed");
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		die_errno(EXIT_RUNTIME, "signalfd");
	return fd;
}

static void __attribute__((noreturn)) wait_for_end(struct vm *vm, int sig_fd)
{
	for (;;) {
		int in = console_input_fd();
		bool room = in >= 0 && uart_input_room() > 0;
		struct pollfd p[3] = {
			{ .fd = vm->wake_fd, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = room ? in : -1, .events = POLLIN },
		};

		/* A full receive buffer drains as the guest reads: look again soon. */
		if (poll(p, 3, in >= 0 && !room ? 20 : -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(EXIT_RUNTIME, "poll");
		}
		if (p[0].revents)
			break;
		if (p[1].revents) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGUSR1) {
				vm_dump_state(vm);
				continue;
			}
			die(128 + si.ssi_signo, "stopped by signal SIG%s",
			    sigabbrev_np(si.ssi_signo));
		}
		if (p[2].revents && !console_input())
			die(EXIT_OK, "quit (Ctrl-A x)");
	}
	pthread_mutex_lock(&vm->exit_lock);
	int status = vm->exit_status;
	console_restore();
	note("%s", vm->exit_msg);
	exit(status);
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	bool check = false, options = true;
	struct config cfg;
	struct vm vm;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options && a[0] == '-' && a[1]) {
			if (!strcmp(a, "--")) {
				options = false;
			} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
				usage();
				return 0;
			} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
				printf("vmrun %s\n", VMRUN_VERSION);
				return 0;
			} else if (!strcmp(a, "-c") || !strcmp(a, "--check")) {
				check = true;
			} else {
				usage_error("unknown option '%s'", a);
			}
		} else if (file) {
			usage_error("more than one configuration file ('%s')", a);
		} else {
			file = a;
		}
	}
	if (!file)
		usage_error("no configuration file given%s", "");

	config_load(&cfg, file);
	if (check) {
		config_print(&cfg);
		return 0;
	}
	config_open_outputs(&cfg);
	signal(SIGPIPE, SIG_IGN);	/* a closed output is handled where written */

	vm_create(&vm, &cfg);
	devices_init(&vm);
	if (cfg.firmware.fd >= 0)
		firmware_setup(&vm);
	else
		linux_boot_setup(&vm);

	int sig_fd = block_signals();
	console_setup(&vm);
	cleanup_hook = console_restore;
	vm_start(&vm);
	wait_for_end(&vm, sig_fd);
}
