/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.h - helpers for tests that run x86 guests through the KVM ABI.
 *
 * A test VM has one memory slot of GUEST_MEM_SIZE at guest-physical 0,
 * mapped in the test process too (vm->mem), so the test can write guest
 * code and read what the guest wrote. Guest code is written in GAS inside
 * the test (GUEST_CODE below) and copied to GUEST_CODE_GPA.
 *
 * Environment: VMRUN_DEV (default /dev/vmrun), VMRUN_REF=kvm for the
 * reference run on stock KVM (/dev/kvm).
 */
#ifndef VMRUN_TESTS_GUEST_H
#define VMRUN_TESTS_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "tap.h"

#define GUEST_MEM_SIZE	(2u << 20)
#define GUEST_CODE_GPA	0x10000
#define GUEST_PT_GPA	0x100000	/* page tables for 64-bit guests */
#define GUEST_STACK_TOP	0x8000

enum guest_mode {
	GUEST_REAL,	/* 16-bit real mode, CS base 0 */
	GUEST_PROT32,	/* flat 32-bit protected mode, no paging */
	GUEST_PAE32,	/* flat 32-bit protected mode, PAE paging, 4 GiB identity */
	GUEST_LONG64,	/* 64-bit long mode, first 4 GiB identity-mapped */
};

struct guest_vm {
	int sys_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
};

/*
 * A block of guest code between two labels, assembled with the test:
 *   GUEST_CODE(name, ".code16", "mov $1, %al\n hlt")
 * defines name_start[] and name_end[].
 */
#define GUEST_CODE(name, mode, body)					\
	extern const uint8_t name##_start[], name##_end[];		\
	asm(".pushsection .rodata.guest, \"a\"\n"			\
	    mode "\n"							\
	    ".global " #name "_start\n" #name "_start:\n"		\
	    body "\n"							\
	    ".global " #name "_end\n" #name "_end:\n"			\
	    ".code64\n"							\
	    ".popsection\n")

/* Open the device; skip the whole test (exit 4) if there is none. */
int guest_open_dev(void);

/* A VM with its memory slot and one vCPU; false (with a TAP diag) on error. */
bool guest_vm_create(struct guest_vm *g, int sys_fd);
void guest_vm_destroy(struct guest_vm *g);

/* RIP of the first guest instruction: real mode runs it at CS:0. */
uint64_t guest_code_rip(enum guest_mode mode);

/* Copy code to GUEST_CODE_GPA and point the vCPU at it in @mode. */
bool guest_load(struct guest_vm *g, enum guest_mode mode,
		const uint8_t *start, const uint8_t *end);

#define GUEST_RUN_TIMEOUT	20	/* seconds, even under Bochs */

/* KVM_RUN once; returns the exit reason, or -errno (-EINTR on timeout). */
int guest_run(struct guest_vm *g);

/* Exit reason names for diagnostics. */
const char *guest_exit_name(int reason);

/* A TAP diagnostic with run->internal, after KVM_EXIT_INTERNAL_ERROR. */
void guest_diag_internal(const struct kvm_run *run);

/* Checks that the next exit is a port I/O exit as described. */
bool guest_expect_io(struct guest_vm *g, int dir, uint16_t port,
		     unsigned int size, uint32_t out_data, const char *what);

/*
 * Another vCPU (@id) of @g's VM, in a guest_vm of its own that shares @g's
 * VM and memory (its vm_fd and mem are @g's): guest_load(), guest_run()
 * and guest_run_thread() work on it. Release it with guest_vcpu_destroy()
 * (never guest_vm_destroy()), before @g.
 */
bool guest_vcpu_add(struct guest_vm *g, unsigned int id, struct guest_vm *v);
void guest_vcpu_destroy(struct guest_vm *v);

/*
 * guest_run() for programs with several threads: the watchdog is a timer
 * that signals the calling thread only (SIGALRM, no SA_RESTART) after
 * @secs seconds, so vCPUs may run in several threads at once.
 */
int guest_run_thread(struct guest_vm *g, unsigned int secs);

#endif
