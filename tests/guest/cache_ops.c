// SPDX-License-Identifier: GPL-2.0
/*
 * cache_ops - INVD, WBINVD and WBNOINVD (WBINVD with an F3 prefix, which
 * exits as WBINVD) complete in the kernel and the guest goes on at the
 * next instruction: each is followed by a port write the host checks, in
 * order, in 32-bit protected mode and in 64-bit mode.
 */
#include <stdio.h>
#include <unistd.h>

#include "guest.h"

#define CACHE_OPS_BODY							\
	"wbinvd\n"							\
	"mov $0x10, %al\n out %al, $0x70\n"				\
	".byte 0xf3, 0x0f, 0x09\n"	/* wbnoinvd */			\
	"mov $0x11, %al\n out %al, $0x70\n"				\
	"invd\n"							\
	"mov $0x12, %al\n out %al, $0x70\n"				\
	".byte 0x66, 0xf3, 0x0f, 0x09\n" /* wbnoinvd, two prefixes */	\
	"mov $0x13, %al\n out %al, $0x70\n"				\
	"hlt\n"

GUEST_CODE(ops32, ".code32", CACHE_OPS_BODY);
GUEST_CODE(ops64, ".code64", CACHE_OPS_BODY);

static void run_mode(int sys_fd, enum guest_mode mode, const uint8_t *start,
		     const uint8_t *end, const char *name)
{
	static const char *const after[] = {
		"WBINVD", "WBNOINVD", "INVD", "WBNOINVD with two prefixes",
	};
	struct guest_vm g;
	unsigned int i;
	char what[96];
	int r;

	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, mode, start, end), "%s: guest set up", name)) {
		for (i = 0; i < 5; i++)
			tap_check(false, "%s: not run", name);
		return;
	}
	for (i = 0; i < 4; i++) {
		snprintf(what, sizeof(what), "%s: after %s, the next instruction's OUT",
			 name, after[i]);
		guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x70, 1, 0x10 + i, what);
	}
	r = guest_run(&g);
	if (!tap_check(r == KVM_EXIT_HLT, "%s: then HLT", name))
		tap_diag("  got %s", guest_exit_name(r));
	guest_vm_destroy(&g);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(12);
	run_mode(sys_fd, GUEST_PROT32, ops32_start, ops32_end, "32-bit");
	run_mode(sys_fd, GUEST_LONG64, ops64_start, ops64_end, "64-bit");
	close(sys_fd);
	return tap_finish();
}
