// SPDX-License-Identifier: GPL-2.0
/*
 * string_io - INS and OUTS, with and without REP, in 32-bit, PAE and
 * long mode: the bytes user space sees (OUTS) or supplies (INS) must match
 * guest memory, across a guest page boundary and backwards (DF=1), and
 * RSI/RDI/RCX must end where the SDM says. How many elements one exit
 * carries (io.count) is the hypervisor's choice: the test gathers the data
 * across exits and checks only what is architectural.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest.h"

/* The same text assembles as 32- and 64-bit code (32-bit moves clear the
 * registers' upper halves in 64-bit mode).
 */
#define STRING_BODY							\
	"cld\n"								\
	"mov $0x4ffc, %esi\n mov $8, %ecx\n mov $0x50, %dx\n"		\
	"rep outsb\n"							\
	"mov $0x4100, %esi\n mov $3, %ecx\n mov $0x51, %dx\n"		\
	"rep outsw\n"							\
	"mov $0x4200, %edi\n mov $4, %ecx\n mov $0x52, %dx\n"		\
	"rep insl\n"							\
	"std\n"								\
	"mov $0x4402, %esi\n mov $3, %ecx\n mov $0x53, %dx\n"		\
	"rep outsb\n"							\
	"cld\n"								\
	"mov $0x4300, %edi\n mov $0x54, %dx\n"				\
	"insb\n"							\
	"xor %ecx, %ecx\n mov $0x55, %dx\n"				\
	"rep outsb\n"							\
	"hlt\n"

GUEST_CODE(str32, ".code32", STRING_BODY);
GUEST_CODE(str64, ".code64", STRING_BODY);

/*
 * Runs until @len bytes have gone out to @port (any number of exits);
 * the bytes land in @buf.
 */
static bool gather_out(struct guest_vm *g, uint16_t port, unsigned int size,
		       uint8_t *buf, unsigned int len, const char *what)
{
	unsigned int got = 0;

	while (got < len) {
		struct kvm_run *run = g->run;
		int r = guest_run(g);
		unsigned int bytes;

		if (r != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT ||
		    run->io.port != port || run->io.size != size ||
		    !run->io.count) {
			tap_check(false, "%s", what);
			tap_diag("  after %u of %u bytes: %s dir %u port 0x%x size %u count %u",
				 got, len, guest_exit_name(r), run->io.direction,
				 run->io.port, run->io.size, run->io.count);
			return false;
		}
		bytes = run->io.count * size;
		if (got + bytes > len) {
			tap_check(false, "%s", what);
			tap_diag("  %u bytes out, more than the %u asked", got + bytes, len);
			return false;
		}
		memcpy(buf + got, (uint8_t *)run + run->io.data_offset, bytes);
		got += bytes;
	}
	return true;
}

/* Runs until @len bytes have come in from @port, supplying @src. */
static bool feed_in(struct guest_vm *g, uint16_t port, unsigned int size,
		    const uint8_t *src, unsigned int len, const char *what)
{
	unsigned int done = 0;

	while (done < len) {
		struct kvm_run *run = g->run;
		int r = guest_run(g);
		unsigned int bytes;

		if (r != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_IN ||
		    run->io.port != port || run->io.size != size ||
		    !run->io.count || done + run->io.count * size > len) {
			tap_check(false, "%s", what);
			tap_diag("  after %u of %u bytes: %s dir %u port 0x%x size %u count %u",
				 done, len, guest_exit_name(r), run->io.direction,
				 run->io.port, run->io.size, run->io.count);
			return false;
		}
		bytes = run->io.count * size;
		memcpy((uint8_t *)run + run->io.data_offset, src + done, bytes);
		done += bytes;
	}
	return true;
}

/* 8 results per mode. */
static void test_strings(int sys_fd, const char *name, enum guest_mode mode,
			 const uint8_t *start, const uint8_t *end)
{
	static const uint8_t in_data[16] = {
		0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x23,
		0x30, 0x31, 0x32, 0x33, 0x40, 0x41, 0x42, 0x43,
	};
	uint8_t buf[16], want[16], one = 0xa5;
	struct guest_vm g;
	struct kvm_regs regs;
	char what[96];
	int i, r;

	if (!tap_check(guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, mode, start, end),
		       "%s: guest set up", name))
		goto out;
	for (i = 0; i < 8; i++)
		g.mem[0x4ffc + i] = 0xc0 + i;	/* crosses into page 0x5000 */
	for (i = 0; i < 6; i++)
		g.mem[0x4100 + i] = 0x60 + i;
	g.mem[0x4400] = 0x70;
	g.mem[0x4401] = 0x71;
	g.mem[0x4402] = 0x72;

	snprintf(what, sizeof(what), "%s: rep outsb across a page boundary", name);
	if (!gather_out(&g, 0x50, 1, buf, 8, what))
		goto out;
	tap_check(!memcmp(buf, g.mem + 0x4ffc, 8), "%s", what);

	snprintf(what, sizeof(what), "%s: rep outsw", name);
	if (!gather_out(&g, 0x51, 2, buf, 6, what))
		goto out;
	tap_check(!memcmp(buf, g.mem + 0x4100, 6), "%s", what);

	snprintf(what, sizeof(what), "%s: rep insl stores the data in guest memory", name);
	if (!feed_in(&g, 0x52, 4, in_data, 16, what))
		goto out;

	snprintf(what, sizeof(what), "%s: rep outsb with DF=1 goes backwards", name);
	if (!gather_out(&g, 0x53, 1, buf, 3, what))
		goto out;
	want[0] = 0x72;
	want[1] = 0x71;
	want[2] = 0x70;
	tap_check(!memcmp(buf, want, 3), "%s", what);
	/* The INS data is in memory now that the guest has run on. */
	tap_check(!memcmp(g.mem + 0x4200, in_data, 16),
		  "%s: rep insl stores the data in guest memory", name);

	snprintf(what, sizeof(what), "%s: insb", name);
	if (!feed_in(&g, 0x54, 1, &one, 1, what))
		goto out;

	/* rep outsb with ECX = 0 moves nothing: the next exit is the HLT. */
	r = guest_run(&g);
	if (!tap_check(r == KVM_EXIT_HLT,
		       "%s: rep outsb with ECX=0 does no I/O; HLT follows", name)) {
		tap_diag("  got %s port 0x%x", guest_exit_name(r), g.run->io.port);
		goto out;
	}
	tap_expect_eq(g.mem[0x4300], 0xa5, "%s: insb stored its byte", name);
	if (!ioctl(g.vcpu_fd, KVM_GET_REGS, &regs)) {
		/* RSI: 3 bytes backwards from 0x4402; RDI: one past 0x4300 */
		if (!tap_check(regs.rsi == 0x43ff && regs.rdi == 0x4301 &&
			       regs.rcx == 0,
			       "%s: RSI, RDI, RCX end where the SDM says", name))
			tap_diag("  rsi 0x%llx rdi 0x%llx rcx 0x%llx",
				 (unsigned long long)regs.rsi,
				 (unsigned long long)regs.rdi,
				 (unsigned long long)regs.rcx);
	} else {
		tap_check(false, "%s: KVM_GET_REGS", name);
	}
out:
	guest_vm_destroy(&g);
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(3 * 8);
	test_strings(sys_fd, "32-bit", GUEST_PROT32, str32_start, str32_end);
	test_strings(sys_fd, "32-bit PAE paging", GUEST_PAE32, str32_start, str32_end);
	test_strings(sys_fd, "64-bit long mode", GUEST_LONG64, str64_start, str64_end);
	close(sys_fd);
	return tap_finish();
}
