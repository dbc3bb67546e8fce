// SPDX-License-Identifier: GPL-2.0
/*
 * slot_change - memory slots change while the vCPU is stopped between two
 * KVM_RUNs, and the guest must see the change at once:
 *
 *   1. the guest reads a word of slot 1 at 0x40000000 and halts;
 *   2. slot 1 is deleted: the same read is now a KVM_EXIT_MMIO for that
 *      address, and the data user space supplies reaches the guest;
 *   3. slot 1 is made again, same host memory, at 0x50000000: the guest
 *      reads there what the host wrote and writes a word the host then
 *      sees; 0x40000000 stays MMIO;
 *   4. slot 1 is moved (same slot, new guest_phys_addr) to 0x60000000:
 *      the guest finds its earlier write there, 0x50000000 is MMIO now,
 *      and a write at the new place reaches the host's memory.
 *
 * In 32-bit protected mode (no paging) and 64-bit long mode.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

#define SLOT1		1
#define SLOT1_SIZE	(2u << 20)
#define GPA_FIRST	0x40000000u
#define GPA_AGAIN	0x50000000u
#define GPA_MOVED	0x60000000u

#define SLOT_BODY							\
	"mov $0x40000000, %ebx\n"					\
	"mov (%ebx), %eax\n out %eax, $0x80\n"				\
	"hlt\n"			/* slot 1 deleted */			\
	"mov (%ebx), %eax\n out %eax, $0x81\n"				\
	"hlt\n"			/* slot 1 made again at 0x50000000 */	\
	"mov $0x50000000, %ebx\n"					\
	"mov (%ebx), %eax\n out %eax, $0x82\n"				\
	"movl $0x5a5aa5a5, 4(%ebx)\n"					\
	"mov $0x40000000, %ecx\n"					\
	"mov (%ecx), %eax\n out %eax, $0x83\n"				\
	"hlt\n"			/* slot 1 moved to 0x60000000 */	\
	"mov $0x60000000, %ebx\n"					\
	"mov 4(%ebx), %eax\n out %eax, $0x84\n"				\
	"mov $0x50000000, %ecx\n"					\
	"mov (%ecx), %eax\n out %eax, $0x85\n"				\
	"movl $0x0badf00d, 8(%ebx)\n"					\
	"hlt\n"

GUEST_CODE(slot32, ".code32", SLOT_BODY);
GUEST_CODE(slot64, ".code64", SLOT_BODY);

static int set_slot1(struct guest_vm *g, uint64_t gpa, uint64_t size,
		     void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = SLOT1,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

/* One result: the next exit is a 4-byte MMIO read of @gpa; answers @data. */
static bool expect_mmio_read(struct guest_vm *g, uint64_t gpa, uint32_t data,
			     const char *what)
{
	struct kvm_run *run = g->run;
	int r = guest_run(g);

	if (r != KVM_EXIT_MMIO) {
		tap_check(false, "%s", what);
		tap_diag("  got %s", guest_exit_name(r));
		return false;
	}
	if (!tap_check(run->mmio.phys_addr == gpa && run->mmio.len == 4 &&
		       !run->mmio.is_write, "%s", what)) {
		tap_diag("  got MMIO %s of %u at 0x%llx",
			 run->mmio.is_write ? "write" : "read", run->mmio.len,
			 (unsigned long long)run->mmio.phys_addr);
		return false;
	}
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &data, 4);
	return true;
}

static bool expect_hlt(struct guest_vm *g, const char *what)
{
	int r = guest_run(g);

	if (!tap_check(r == KVM_EXIT_HLT, "%s", what)) {
		tap_diag("  got %s", guest_exit_name(r));
		return false;
	}
	return true;
}

static uint32_t host_word(const uint8_t *host, unsigned int off)
{
	uint32_t v;

	memcpy(&v, host + off, 4);
	return v;
}

static void host_set_word(uint8_t *host, unsigned int off, uint32_t v)
{
	memcpy(host + off, &v, 4);
}

/* 19 results per mode. */
static void test_slots(int sys_fd, const char *name, enum guest_mode mode,
		       const uint8_t *start, const uint8_t *end)
{
	struct guest_vm g = { .vm_fd = -1, .vcpu_fd = -1 };
	uint8_t *host = MAP_FAILED;
	char what[160];

#define STEP(...) snprintf(what, sizeof(what), __VA_ARGS__)
#define CHECK(x) do { if (!(x)) goto out; } while (0)

	host = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!tap_check(host != MAP_FAILED && guest_vm_create(&g, sys_fd) &&
		       guest_load(&g, mode, start, end) &&
		       !set_slot1(&g, GPA_FIRST, SLOT1_SIZE, host),
		       "%s: guest set up, slot 1 (2 MiB) at 0x%x", name, GPA_FIRST))
		goto out;
	host_set_word(host, 0, 0x11111111);

	STEP("%s: the guest reads slot 1 at 0x%x", name, GPA_FIRST);
	CHECK(guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x80, 4, 0x11111111, what));
	STEP("%s: HLT, the vCPU stops", name);
	CHECK(expect_hlt(&g, what));

	CHECK(tap_check(!set_slot1(&g, GPA_FIRST, 0, host),
			"%s: slot 1 deleted while the vCPU is stopped", name));
	STEP("%s: the same read after the delete: KVM_EXIT_MMIO at 0x%x", name, GPA_FIRST);
	CHECK(expect_mmio_read(&g, GPA_FIRST, 0xcafe0001, what));
	STEP("%s: the guest got the data user space supplied", name);
	CHECK(guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x81, 4, 0xcafe0001, what));
	STEP("%s: HLT after the MMIO read", name);
	CHECK(expect_hlt(&g, what));

	host_set_word(host, 0, 0x22222222);
	CHECK(tap_check(!set_slot1(&g, GPA_AGAIN, SLOT1_SIZE, host),
			"%s: slot 1 made again, same memory, at 0x%x", name, GPA_AGAIN));
	STEP("%s: the guest reads there what the host wrote", name);
	CHECK(guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x82, 4, 0x22222222, what));
	STEP("%s: 0x%x is still MMIO: KVM_EXIT_MMIO", name, GPA_FIRST);
	CHECK(expect_mmio_read(&g, GPA_FIRST, 0xcafe0002, what));
	STEP("%s: the guest got the data of the second MMIO read", name);
	CHECK(guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x83, 4, 0xcafe0002, what));
	tap_expect_eq(host_word(host, 4), 0x5a5aa5a5,
		      "%s: the host sees the guest's write to the slot at 0x%x",
		      name, GPA_AGAIN);
	STEP("%s: HLT before the move", name);
	CHECK(expect_hlt(&g, what));

	CHECK(tap_check(!set_slot1(&g, GPA_MOVED, SLOT1_SIZE, host),
			"%s: slot 1 moved from 0x%x to 0x%x while the vCPU is stopped",
			name, GPA_AGAIN, GPA_MOVED));
	STEP("%s: the guest finds its earlier write at the new address", name);
	CHECK(guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x84, 4, 0x5a5aa5a5, what));
	STEP("%s: the old address 0x%x is MMIO after the move", name, GPA_AGAIN);
	CHECK(expect_mmio_read(&g, GPA_AGAIN, 0xcafe0003, what));
	STEP("%s: the guest got the data of the third MMIO read", name);
	CHECK(guest_expect_io(&g, KVM_EXIT_IO_OUT, 0x85, 4, 0xcafe0003, what));
	STEP("%s: HLT at the end", name);
	if (expect_hlt(&g, what))
		tap_expect_eq(host_word(host, 8), 0x0badf00d,
			      "%s: the host sees the guest's write at the moved slot",
			      name);
out:
	guest_vm_destroy(&g);
	if (host != MAP_FAILED)
		munmap(host, SLOT1_SIZE);
#undef STEP
#undef CHECK
}

int main(void)
{
	int sys_fd = guest_open_dev();

	tap_plan(2 * 19);
	test_slots(sys_fd, "32-bit", GUEST_PROT32, slot32_start, slot32_end);
	test_slots(sys_fd, "64-bit long mode", GUEST_LONG64, slot64_start, slot64_end);
	close(sys_fd);
	return tap_finish();
}
